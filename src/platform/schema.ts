import type { ApprovalTable } from '../approvals/approvals.table.js';
import type { AuditEventTable } from '../audit/audit.table.js';
import type { OneTimeTokenTable, RefreshTokenTable, SessionTable } from '../auth/sessions.table.js';
import type { BaselineItemTable, BaselineTable } from '../baselines/baselines.table.js';
import type { FeatureFlagHistoryTable, FeatureFlagTable } from '../flags/flags.table.js';
import type { ItemRevisionTable, ItemTable } from '../items/items.table.js';
import type { ItemLinkTable } from '../links/links.table.js';
import type { MailOutboxTable } from '../mail/mail.table.js';
import type {
  MfaChallengeTable,
  RecoveryCodeTable,
  TotpCredentialTable,
} from '../mfa/mfa.table.js';
import type { PasskeyTable, WebauthnChallengeTable } from '../passkeys/passkeys.table.js';
import type { PersonalAccessTokenTable } from '../tokens/tokens.table.js';
import type { OAuthLoginCodeTable, OAuthStateTable } from '../oauth/oauth.table.js';
import type { LinkTypeTable } from '../projects/link-types.table.js';
import type { ProjectMemberTable, ProjectTable } from '../projects/projects.table.js';
import type { AppSettingTable } from '../settings/settings.table.js';
import type { SpecificationTable } from '../specifications/specifications.table.js';
import type { UserIdentityTable, UserTable } from '../users/users.table.js';
import type { WebhookDeliveryTable, WebhookTable } from '../webhooks/webhooks.table.js';

/** Every table the service reads or writes, for Kysely. */
export interface Database {
  users: UserTable;
  sessions: SessionTable;
  refresh_tokens: RefreshTokenTable;
  one_time_tokens: OneTimeTokenTable;
  mail_outbox: MailOutboxTable;
  feature_flags: FeatureFlagTable;
  feature_flag_history: FeatureFlagHistoryTable;
  app_settings: AppSettingTable;
  projects: ProjectTable;
  project_members: ProjectMemberTable;
  specifications: SpecificationTable;
  items: ItemTable;
  item_revisions: ItemRevisionTable;
  link_types: LinkTypeTable;
  item_links: ItemLinkTable;
  baselines: BaselineTable;
  baseline_items: BaselineItemTable;
  approvals: ApprovalTable;
  user_identities: UserIdentityTable;
  oauth_states: OAuthStateTable;
  oauth_login_codes: OAuthLoginCodeTable;
  personal_access_tokens: PersonalAccessTokenTable;
  totp_credentials: TotpCredentialTable;
  recovery_codes: RecoveryCodeTable;
  mfa_challenges: MfaChallengeTable;
  passkeys: PasskeyTable;
  webauthn_challenges: WebauthnChallengeTable;
  audit_events: AuditEventTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
}
