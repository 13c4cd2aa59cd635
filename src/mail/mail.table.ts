import type { Generated, Selectable } from 'kysely';

export interface MailOutboxTable {
  id: string;
  recipient: string;
  subject: string;
  /** The text body, encrypted: it carries single-use links. */
  body_enc: string;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  sent_at: Date | null;
  /** When it was given up: a day of failed attempts (a dead address, a key since dropped). */
  failed_at: Generated<Date | null>;
  last_error: string | null;
  created_at: Generated<Date>;
}

export type MailRow = Selectable<MailOutboxTable>;
