import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createMailer } from '../platform/mailer.js';
import { OutboxWorker } from './outbox.js';

declare module 'fastify' {
  interface FastifyInstance {
    outbox: OutboxWorker;
  }
}

/** Decorates `app.outbox`: delivers queued mail from when the app is ready until it closes. */
export const mailPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const mailer = createMailer(
      { ...config.mail, production: config.env === 'production' },
      app.log,
    );
    const worker = new OutboxWorker(
      app.db,
      app.encryptor,
      mailer,
      app.log,
      (result) => app.metrics.mailSent.inc({ result }),
      config.mail.pollIntervalMs,
    );
    app.decorate('outbox', worker);
    app.addHook('onReady', () => {
      worker.start();
      return Promise.resolve();
    });
    app.addHook('preClose', () => worker.stop());
    await Promise.resolve();
  },
  { name: 'mail', dependencies: ['database', 'encryption', 'metrics'] },
);
