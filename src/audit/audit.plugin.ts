import fp from 'fastify-plugin';
import { pruneEvents } from './audit.service.js';

/** How often old events are pruned. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Prunes events older than AUDIT_RETENTION_DAYS: once the app is ready, then hourly. Several
 * instances may prune at once; each batch deletes what is still there.
 */
export const auditPlugin = fp<{ retentionDays: number }>(
  async (app, { retentionDays }) => {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const prune = async () => {
      try {
        const deleted = await pruneEvents(app.db, retentionDays);
        if (deleted > 0) app.log.info({ deleted, retentionDays }, 'pruned audit events');
      } catch (err) {
        app.log.warn({ err }, 'pruning audit events failed');
      }
    };
    app.addHook('onReady', () => {
      running = prune();
      timer = setInterval(() => {
        running = prune();
      }, PRUNE_INTERVAL_MS).unref();
      return Promise.resolve();
    });
    app.addHook('preClose', async () => {
      clearInterval(timer);
      await running;
    });
    await Promise.resolve();
  },
  { name: 'audit', dependencies: ['database'] },
);
