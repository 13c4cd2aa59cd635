import type { Generated, Selectable } from 'kysely';

/** One thing that happened: a security event, or a change in a project (its activity). */
export interface AuditEventTable {
  id: string;
  at: Generated<Date>;
  type: string;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  target_type: string | null;
  target_id: string | null;
  /** Set for a project's own events: what `/projects/{id}/activity` lists. */
  project_id: string | null;
  details: Generated<Record<string, unknown>>;
}

export type AuditEventRow = Selectable<AuditEventTable>;
