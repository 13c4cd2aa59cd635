import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsSource, type MetricsSource } from './cluster-metrics.js';

/** The service's Prometheus metrics, one registry per app. */
export interface Metrics {
  registry: Registry;
  /** What `/metrics` serves: this process, or the whole worker group. */
  source: MetricsSource;
  requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  loginFailures: Counter;
  tokenRefreshes: Counter;
  refreshReuse: Counter;
  rateLimited: Counter<'bucket'>;
  rateLimitStoreErrors: Counter;
  mailSent: Counter<'result'>;
  webhookDeliveries: Counter<'outcome'>;
  oauthSignIns: Counter<'provider' | 'outcome'>;
  effectFailures: Counter<'effect'>;
  transactionRetries: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

function createMetrics(poolStats: () => { total: number; idle: number; waiting: number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    source: metricsSource(registry),
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['route', 'method', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    loginFailures: new Counter({
      name: 'gilla_login_failures_total',
      help: 'Failed logins',
      registers,
    }),
    tokenRefreshes: new Counter({
      name: 'gilla_token_refreshes_total',
      help: 'Refresh-token rotations',
      registers,
    }),
    refreshReuse: new Counter({
      name: 'gilla_refresh_token_reuse_total',
      help: 'Rotated refresh tokens presented again (session revoked)',
      registers,
    }),
    rateLimited: new Counter({
      name: 'gilla_rate_limited_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['bucket'],
      registers,
    }),
    rateLimitStoreErrors: new Counter({
      name: 'gilla_rate_limit_store_errors_total',
      help: 'Requests let through unlimited because the rate-limit store (Redis) failed',
      registers,
    }),
    mailSent: new Counter({
      name: 'gilla_mail_deliveries_total',
      help: 'Mail delivery attempts by result: sent, failed (retried), abandoned (after a day)',
      labelNames: ['result'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'gilla_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, failed (retried), given_up (after a day)',
      labelNames: ['outcome'],
      registers,
    }),
    oauthSignIns: new Counter({
      name: 'gilla_oauth_sign_ins_total',
      help: 'Sign-ins through a provider (browser flow and ID token), by outcome',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    transactionRetries: new Counter({
      name: 'gilla_transaction_retries_total',
      help: 'Transactions run again after losing a deadlock or a serialization conflict',
      registers,
    }),
    effectFailures: new Counter({
      name: 'gilla_after_commit_effect_failures_total',
      help: 'After-commit effects (cache bumps, session-ended marks, mail kicks) that failed',
      labelNames: ['effect'],
      registers,
    }),
  };
  new Gauge({
    name: 'gilla_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers,
    collect() {
      const s = poolStats();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  return metrics;
}

/** Registers the metrics and the request-duration hook (`GET /metrics` is an operations route). */
export const metricsPlugin = fp(
  async (app) => {
    const metrics = createMetrics(() => app.database.poolStats());
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, done) => {
      metrics.requestDuration.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
    await Promise.resolve();
  },
  { name: 'metrics', dependencies: ['database'] },
);
