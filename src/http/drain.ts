import type { FastifyInstance } from 'fastify';

/**
 * Graceful closing. While the app closes, responses still in flight carry `Connection: close`,
 * so keep-alive clients let go at once instead of holding the shutdown until their idle timeout.
 * And the database and cache close only once every route handler has returned (at most
 * `maxWaitMs`): a handler keeps running when its client hangs up, and must not find them closed
 * between its write and the cache invalidation that follows it.
 */
export function registerDrain(app: FastifyInstance, maxWaitMs: number): void {
  let closing = false;
  let running = 0;
  let idle: (() => void) | null = null;
  const finished = () => {
    running -= 1;
    if (running === 0) idle?.();
  };
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      running += 1;
      try {
        const result: unknown = handler.call(this, request, reply);
        void Promise.resolve(result).then(finished, finished);
        return result;
      } catch (err) {
        finished();
        throw err;
      }
    };
  });
  app.addHook('preClose', async () => {
    closing = true;
    if (running === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      idle = resolve;
      timer = setTimeout(resolve, maxWaitMs);
    });
    clearTimeout(timer);
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
