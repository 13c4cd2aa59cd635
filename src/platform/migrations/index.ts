import type { Migration } from 'kysely';
import * as users from './2026-11-22T00-users.js';
import * as sessionsAndMail from './2026-11-22T01-sessions-and-mail.js';
import * as flagsAndSettings from './2026-11-22T02-flags-and-settings.js';
import * as refreshSuccessorIndex from './2026-11-22T03-refresh-successor-index.js';
import * as projects from './2026-11-22T04-projects-specifications-items.js';
import * as oauthIdentities from './2026-11-22T05-oauth-identities.js';
import * as userIdentityProviders from './2026-11-30T00-user-identity-providers.js';
import * as refreshSuccessorByTime from './2026-11-30T01-refresh-successor-by-time.js';
import * as refreshRotationFunction from './2026-11-30T02-refresh-rotation-function.js';
import * as mailGivenUp from './2026-12-05T00-mail-given-up.js';
import * as traceLinks from './2026-12-05T01-trace-links.js';
import * as baselinesApprovals from './2026-12-05T02-baselines-approvals.js';
import * as imports from './2026-12-05T03-imports.js';
import * as signInAndAudit from './2026-12-05T04-sign-in-and-audit.js';
import * as webhooks from './2026-12-05T05-webhooks.js';

/** Every migration, by name; names sort in the order they run. Frozen once landed. */
export const migrations: Record<string, Migration> = {
  '2026-11-22T00-users': users,
  '2026-11-22T01-sessions-and-mail': sessionsAndMail,
  '2026-11-22T02-flags-and-settings': flagsAndSettings,
  '2026-11-22T03-refresh-successor-index': refreshSuccessorIndex,
  '2026-11-22T04-projects-specifications-items': projects,
  '2026-11-22T05-oauth-identities': oauthIdentities,
  '2026-11-30T00-user-identity-providers': userIdentityProviders,
  '2026-11-30T01-refresh-successor-by-time': refreshSuccessorByTime,
  '2026-11-30T02-refresh-rotation-function': refreshRotationFunction,
  '2026-12-05T00-mail-given-up': mailGivenUp,
  '2026-12-05T01-trace-links': traceLinks,
  '2026-12-05T02-baselines-approvals': baselinesApprovals,
  '2026-12-05T03-imports': imports,
  '2026-12-05T04-sign-in-and-audit': signInAndAudit,
  '2026-12-05T05-webhooks': webhooks,
};
