import type {} from './actor.js';
import fp from 'fastify-plugin';
import { SECRET_QUERY_PARAMS } from '../platform/secret-names.js';

const SECRET_PARAMS = new RegExp(`^(${SECRET_QUERY_PARAMS.join('|')})$`, 'i');

/** The URL as logged: secret query values masked. */
function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[REDACTED]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Readable log lines for a person at a terminal (LOG_FORMAT=pretty, or development on a TTY). */
export const PRETTY_LOG = {
  target: 'pino-pretty',
  options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
};

/** Pino redaction paths: credentials never reach the log, whoever logs them. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.loginCode',
  '*.authorization',
  '*.cookie',
];

/** One log line per request, written when the response is done. */
export const requestLogPlugin = fp(
  async (app) => {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          route: request.routeOptions.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          ip: request.ip,
          userId: request.actor?.userId,
        },
        'request',
      );
      done();
    });
    await Promise.resolve();
  },
  { name: 'request-log' },
);
