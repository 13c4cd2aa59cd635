import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
}

/** Delivers one mail or throws. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** SMTP through nodemailer. */
function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    async send(mail) {
      await transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: `<${mail.id}@gilla>`,
      });
    },
    close: () => transport.close(),
  };
}

/**
 * Without SMTP: each mail goes to the log and to `outboxDir/<id>.txt` so a developer can follow
 * its link. In production the log gets no body (it carries single-use links).
 */
function devMailer(outboxDir: string | null, production: boolean, log: Logger): Mailer {
  return {
    async send(mail) {
      const text = `To: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}\n`;
      if (outboxDir !== null) {
        await mkdir(outboxDir, { recursive: true, mode: 0o700 });
        await writeFile(path.join(outboxDir, `${mail.id}.txt`), text, { mode: 0o600 });
      }
      if (production)
        log.warn(
          { to: mail.to, subject: mail.subject },
          'SMTP_URL not set: mail kept in the outbox folder only',
        );
      else log.info({ mail: text }, 'mail (SMTP_URL not set)');
    },
    close: () => undefined,
  };
}

/** SMTP when a URL is configured, otherwise the log and a folder. */
export function createMailer(
  options: { smtpUrl: string | null; from: string; outboxDir: string | null; production: boolean },
  log: Logger,
): Mailer {
  return options.smtpUrl !== null
    ? smtpMailer(options.smtpUrl, options.from)
    : devMailer(options.outboxDir, options.production, log);
}
