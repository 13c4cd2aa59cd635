import type { FastifyInstance } from 'fastify';

/**
 * While the app closes, responses still in flight carry `Connection: close`, so keep-alive
 * clients let go at once instead of holding the shutdown until their idle timeout.
 */
export function registerDrain(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
