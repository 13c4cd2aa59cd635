import { errors, request, type Agent } from 'undici';
import type { Webhook } from 'standardwebhooks';
import { DestinationRefusedError, urlProblem, type DestinationPolicy } from './destination.js';

/** At most this much of a receiver's answer is read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What one attempt gave. */
export type AttemptResult =
  | { ok: true; responseStatus: number }
  | { ok: false; responseStatus: number | null; error: string };

export interface SendTarget {
  url: string;
  /** The webhook's signer (its secret). */
  signer: Webhook;
}

export interface Sender {
  send(target: SendTarget, delivery: { id: string; body: string }): Promise<AttemptResult>;
  /** Ends the attempts under way (the service is stopping): they fail and are retried. */
  abort(): void;
  close(): Promise<void>;
}

/**
 * Sends deliveries in the Standard Webhooks format: `POST` of the stored body, signed anew on
 * every attempt (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Redirects are not
 * followed; an attempt ends after `timeoutMs`, and at most 64 KiB of the answer is read.
 */
export function createSender(
  agents: Record<'http:' | 'https:', Agent>,
  policy: DestinationPolicy,
  timeoutMs: number,
  userAgent: string,
): Sender {
  const stopping = new AbortController();
  return {
    async send({ url, signer }, { id, body }) {
      const problem = urlProblem(url, policy);
      if (problem !== null) return { ok: false, responseStatus: null, error: `url ${problem}` };
      const protocol = new URL(url).protocol === 'http:' ? 'http:' : 'https:';
      const now = new Date();
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agents[protocol],
          headers: {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(id, now, body),
          },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
        });
        const answer = await readAtMost(response.body, MAX_ANSWER_BYTES);
        const status = response.statusCode;
        if (status >= 200 && status < 300) return { ok: true, responseStatus: status };
        const text = answer.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
        return {
          ok: false,
          responseStatus: status,
          error: `HTTP ${status}${text ? `: ${text}` : ''}`,
        };
      } catch (err) {
        if (stopping.signal.aborted) {
          return { ok: false, responseStatus: null, error: 'the service stopped mid-attempt' };
        }
        return { ok: false, responseStatus: null, error: describe(err, timeoutMs) };
      }
    },
    abort() {
      stopping.abort();
    },
    async close() {
      await Promise.all([agents['http:'].close(), agents['https:'].close()]);
    },
  };
}

/** Reads up to `limit` bytes of a body, then drops the rest (and the connection with it). */
async function readAtMost(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    return `no answer within ${timeoutMs} ms`;
  }
  if (err instanceof errors.RequestAbortedError) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof DestinationRefusedError || err instanceof DestinationRefusedError) {
    return (cause as Error).message;
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
