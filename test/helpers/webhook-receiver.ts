import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReceivedHook {
  path: string;
  /** Whether the whole answer was taken by the sender (false: it hung up first). */
  answerTaken?: boolean;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body. */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** How the receiver answers one request: a status, optionally late or with a body. */
export interface Answer {
  status: number;
  delayMs?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Sends the body this many times over, a write every 5 ms (a long, slow answer). */
  repeat?: number;
}

/**
 * A real HTTP server on loopback that records every webhook it receives and answers as `answer`
 * says (204 by default); closed when the test file ends.
 */
export async function startReceiver(): Promise<{
  url: string;
  port: number;
  received: ReceivedHook[];
  /** Requests that reached the server, answered successfully or not. */
  requests: ReceivedHook[];
  /** Sets how the next requests are answered (called with each request). */
  answer(fn: (hook: ReceivedHook, n: number) => Answer): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}> {
  const received: ReceivedHook[] = [];
  const requests: ReceivedHook[] = [];
  let answer: (hook: ReceivedHook, n: number) => Answer = () => ({ status: 204 });
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedHook['json'];
      try {
        json = JSON.parse(body) as ReceivedHook['json'];
      } catch {
        json = { type: '', timestamp: '', data: {} };
      }
      const hook: ReceivedHook = { path: req.url ?? '/', headers: req.headers, body, json };
      requests.push(hook);
      const a = answer(hook, requests.length);
      res.on('close', () => {
        hook.answerTaken = res.writableFinished;
      });
      const send = () => {
        if (res.destroyed) return;
        if (a.status >= 200 && a.status < 300) received.push(hook);
        res.writeHead(a.status, a.headers ?? {});
        if (!a.repeat) {
          res.end(a.body ?? '');
          return;
        }
        let left = a.repeat;
        const timer = setInterval(() => {
          if (res.destroyed || left-- === 0) {
            clearInterval(timer);
            res.end();
            return;
          }
          res.write(a.body ?? '');
        }, 5);
      };
      if (a.delayMs) void sleep(a.delayMs).then(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  after(close);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    requests,
    answer(fn) {
      answer = fn;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`received ${received.length} of ${count} webhooks in ${timeoutMs} ms`);
        }
        await sleep(20);
      }
      return received.slice(0, count);
    },
    close,
  };
}
