import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UnavailableError } from '../domain/errors.js';
import { PROBE_RATE_LIMIT } from '../http/rate-limit.js';
import { sharedHealthCheck } from './health.service.js';
import { HealthSchema, ProbeSchema } from './health.schemas.js';

/** Operations: `/health`, `/health/live`, `/health/ready` and `/metrics`. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ version: string }> = async (
  app,
  { version },
) => {
  const common = { tags: ['operations'] };
  const check = sharedHealthCheck(app.database, app.cache);

  app.get(
    '/health',
    {
      config: PROBE_RATE_LIMIT,
      schema: {
        ...common,
        summary: 'Health of the service and its dependencies',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const report = await check();
      return reply.code(report.status === 'down' ? 503 : 200).send({ ...report, version });
    },
  );

  app.get(
    '/health/live',
    {
      config: PROBE_RATE_LIMIT,
      schema: { ...common, summary: 'Liveness: the process is up', response: { 200: ProbeSchema } },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: PROBE_RATE_LIMIT,
      schema: {
        ...common,
        summary: 'Readiness: the service can serve',
        response: { 200: ProbeSchema, 503: ProbeSchema },
      },
    },
    async (_request, reply) => {
      const report = await check();
      return reply
        .code(report.status === 'down' ? 503 : 200)
        .send({ status: report.status === 'down' ? 'down' : 'ok' });
    },
  );
  app.get(
    '/metrics',
    { config: PROBE_RATE_LIMIT, schema: { hide: true } },
    async (request, reply) => {
      const body = await app.metrics.source.text().catch((err: unknown) => {
        request.log.warn({ err }, 'metrics of the worker group unavailable');
        throw new UnavailableError('Metrics are unavailable; try again shortly');
      });
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
  await Promise.resolve();
};
