import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Encryptor } from '../platform/crypto.js';
import type { Mailer } from '../platform/mailer.js';
import type { Database } from '../platform/schema.js';
import { RecurringPass } from '../platform/recurring-pass.js';
import { claimDueMails, insertMail, markMailFailed, markMailSent } from './outbox.repository.js';

/** Puts a mail in the outbox, in the caller's transaction: it is sent only if that commits. */
export async function enqueueMail(
  db: Kysely<Database>,
  encryptor: Encryptor,
  mail: { to: string; subject: string; text: string },
): Promise<void> {
  await insertMail(db, {
    id: uuidv7(),
    recipient: mail.to,
    subject: mail.subject,
    body_enc: encryptor.encrypt(mail.text),
  });
}

/** Retry after 30 s, 1, 2, 4 … minutes, at most an hour apart … */
function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);
}

/** … for a day; then the mail is given up (logged as an error, counted as `abandoned`). */
const GIVE_UP_AFTER_SECONDS = 24 * 3600;

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Delivers the outbox: on a timer, and at once when kicked after an enqueue. */
export class OutboxWorker {
  private readonly passes: RecurringPass;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly encryptor: Encryptor,
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly onResult: (result: 'sent' | 'failed' | 'abandoned') => void,
    intervalMs: number,
  ) {
    this.passes = new RecurringPass(
      () => this.drain(),
      (err) => this.log.warn({ err }, 'outbox pass failed'),
      { intervalMs },
    );
  }

  start(): void {
    this.passes.start();
  }

  /** Runs a delivery pass now (or right after the current one). */
  kick(): void {
    this.passes.kick();
  }

  /** Resolves when no pass is running (tests). */
  idle(): Promise<void> {
    return this.passes.idle();
  }

  async stop(): Promise<void> {
    await this.passes.stop();
    this.mailer.close();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await claimDueMails(this.db, 20, 120);
      if (batch.length === 0) return;
      for (const row of batch) {
        try {
          await this.mailer.send({
            id: row.id,
            to: row.recipient,
            subject: row.subject,
            text: this.encryptor.decrypt(row.body_enc),
          });
          await markMailSent(this.db, row.id);
          this.onResult('sent');
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const abandoned = await markMailFailed(
            this.db,
            row.id,
            message,
            retryDelaySeconds(row.attempts),
            GIVE_UP_AFTER_SECONDS,
          );
          if (abandoned) {
            this.log.error(
              { err, mailId: row.id, attempts: row.attempts },
              'mail undeliverable for a day; given up',
            );
          } else {
            this.log.warn(
              { err, mailId: row.id, attempts: row.attempts },
              'mail delivery failed; will retry',
            );
          }
          this.onResult(abandoned ? 'abandoned' : 'failed');
        }
      }
      if (this.passes.stopping) return;
    }
  }
}
