import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const COUNTED = Symbol('countedInFlight');

type Counted = FastifyRequest & { [COUNTED]?: boolean };

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs `work` once the response has been sent (not if the client hung up first); the
     * database and cache stay open for it when the app closes.
     */
    afterResponse(reply: FastifyReply, work: () => Promise<void>): void;
    /** Resolves once no request is being processed (at most the drain's wait). */
    inFlightDone(): Promise<void>;
  }
}

/**
 * Graceful closing. While the app closes, responses still in flight carry `Connection: close`,
 * so keep-alive clients let go at once instead of holding the shutdown until their idle timeout.
 * And the database and cache close only once every request has been processed, through its
 * hooks and handler up to its reply (at most `maxWaitMs`): processing goes on when a client
 * hangs up, and must not find them closed between a write and the cache invalidation after it.
 */
export const drainPlugin = fp<{ maxWaitMs: number }>(
  async (app, { maxWaitMs }) => {
    let closing = false;
    let running = 0;
    let idle: (() => void) | null = null;
    const finished = () => {
      running -= 1;
      if (running === 0) idle?.();
    };
    // Counted from the first hook to the reply: a reply is sent, even to a client that has gone.
    const release = (request: Counted) => {
      if (request[COUNTED] !== true) return;
      request[COUNTED] = false;
      finished();
    };
    app.addHook('onRequest', (request: Counted, _reply, done) => {
      running += 1;
      request[COUNTED] = true;
      done();
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      release(request);
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
    // A safety net for any path that skips onSend; releasing twice is a no-op.
    app.addHook('onResponse', (request, _reply, done) => {
      release(request);
      done();
    });
    app.addHook('preClose', (done) => {
      closing = true;
      done();
    });

    app.decorate('afterResponse', (reply: FastifyReply, work: () => Promise<void>) => {
      running += 1;
      let started = false;
      reply.raw.once('finish', () => {
        started = true;
        work()
          .catch((err: unknown) => reply.log.error({ err }, 'work after the response failed'))
          .finally(finished);
      });
      reply.raw.once('close', () => {
        if (!started) finished();
      });
    });

    app.decorate('inFlightDone', async () => {
      if (running === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        idle = resolve;
        timer = setTimeout(resolve, maxWaitMs);
      });
      clearTimeout(timer);
    });
    await Promise.resolve();
  },
  { name: 'drain' },
);

/**
 * Holds the closing of what requests use (the database, the cache, the mail worker) until the
 * requests in flight are done: onClose hooks run last-added first, so this plugin depends on them.
 */
export const drainOnClosePlugin = fp(
  async (app) => {
    app.addHook('onClose', () => app.inFlightDone());
    await Promise.resolve();
  },
  { name: 'drain-on-close', dependencies: ['drain', 'database', 'cache', 'mail'] },
);
