import { after } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives; stopped when the file ends. */
export async function startSmtpServer(): Promise<{
  url: string;
  inbox: ReceivedMail[];
  /** Refuse every mail while true (delivery must be retried). */
  setFailing(failing: boolean): void;
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
}> {
  const inbox: ReceivedMail[] = [];
  let failing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failing) return callback(new Error('451 try again later'));
        inbox.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    setFailing: (value) => {
      failing = value;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = inbox.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('mail did not arrive');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** The token in a mailed link (`…?token=…`), undoing quoted-printable line wrapping. */
export function tokenFromMail(mail: ReceivedMail): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(body);
  if (!match?.[1]) throw new Error(`no token in mail:\n${body}`);
  return match[1];
}
