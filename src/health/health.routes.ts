import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkHealth } from './health.service.js';
import { HealthSchema, ProbeSchema } from './health.schemas.js';

/** `/health`, `/health/live`, `/health/ready`: not rate limited, for probes. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ version: string }> = async (
  app,
  { version },
) => {
  const common = { tags: ['operations'] };
  const noLimit = { rateLimit: false } as const;

  app.get(
    '/health',
    {
      config: noLimit,
      schema: {
        ...common,
        summary: 'Health of the service and its dependencies',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const report = await checkHealth(app.database, app.cache);
      return reply.code(report.status === 'down' ? 503 : 200).send({ ...report, version });
    },
  );

  app.get(
    '/health/live',
    {
      config: noLimit,
      schema: { ...common, summary: 'Liveness: the process is up', response: { 200: ProbeSchema } },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: noLimit,
      schema: {
        ...common,
        summary: 'Readiness: the service can serve',
        response: { 200: ProbeSchema, 503: ProbeSchema },
      },
    },
    async (_request, reply) => {
      const report = await checkHealth(app.database, app.cache);
      return reply
        .code(report.status === 'down' ? 503 : 200)
        .send({ status: report.status === 'down' ? 'down' : 'ok' });
    },
  );
  await Promise.resolve();
};
