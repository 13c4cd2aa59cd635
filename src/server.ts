import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { serveGroupMetrics } from './platform/cluster-metrics.js';
import { PRETTY_LOG } from './http/request-log.js';
import { reloadCertificate } from './http/tls.js';
import { openDatabase } from './platform/database.js';
import { migrateUp } from './platform/migrator.js';

/** One process serving HTTP until SIGTERM/SIGINT, then draining in-flight requests (bounded). */
async function serveOne(config: Config): Promise<void> {
  const app = await buildApp(config);
  const graceful = closeWithGrace(
    {
      delay: config.http.shutdownTimeoutMs,
      logger: app.log,
      // With HTTPS, SIGHUP re-reads the certificate instead (below).
      ...(config.tls ? { skip: ['SIGHUP' as const] } : {}),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an error');
      else app.log.info({ signal }, 'shutting down');
      await app.close();
    },
  );
  exitWhenDatabaseLost(app, {
    deadlineMs: config.http.shutdownTimeoutMs,
    // Its own close would end in exit 0 (on a signal, or an emptied event loop).
    before: () => graceful.uninstall(),
  });
  const { tls } = config;
  if (tls) {
    process.on('SIGHUP', () => {
      try {
        reloadCertificate(app.server, tls);
        app.log.info({ certFile: tls.certFile }, 'TLS certificate re-read');
      } catch (err) {
        app.log.error({ err }, 'TLS certificate could not be re-read; keeping the one in use');
      }
    });
  }
  await app.listen({ port: config.http.port, host: config.http.host });
}

/**
 * When the database is gone for good (the embedded database's thread stopped), a process that can
 * only answer 503 helps no one: it closes (at most `deadlineMs`) and exits 1, for its supervisor
 * (systemd, a container restart policy, Kubernetes) to start it again.
 */
export function exitWhenDatabaseLost(
  app: FastifyInstance,
  options: { deadlineMs: number; before?: () => void; exit?: (code: number) => void },
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  void app.database.lost?.then(async (err) => {
    app.log.fatal({ err }, 'the database is gone: exiting so that the service is started again');
    options.before?.();
    // Not unref'd: it holds the process until the exit below, whatever closing leaves running.
    const deadline = setTimeout(() => exit(1), options.deadlineMs);
    try {
      await app.close();
    } catch (closeErr) {
      app.log.error({ err: closeErr }, 'closing after the database was lost failed');
    }
    clearTimeout(deadline);
    exit(1);
  });
}

/** The primary of a worker group: migrates once, forks workers, replaces crashed ones. */
async function servePrimary(config: Config): Promise<void> {
  const log = pino({
    level: config.log.level,
    ...(config.log.pretty ? { transport: PRETTY_LOG } : {}),
  });
  if (config.database.migrateOnStart) {
    const handle = await openDatabase(config.database, log);
    try {
      const applied = await migrateUp(handle.db);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    } finally {
      await handle.close();
    }
  }
  let stopping = false;
  const fork = () => cluster.fork({ MIGRATE_ON_START: 'false' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, 1000).unref();
  });
  serveGroupMetrics();
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers, port: config.http.port }, 'started worker group');
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const deadline = setTimeout(() => process.exit(1), config.http.shutdownTimeoutMs + 2000);
    // A worker leaves cluster.workers once it has both exited and disconnected, in either order:
    // only the later of its two events sees the list without it.
    const whenAllGone = () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearTimeout(deadline);
        process.exit(0);
      }
    };
    cluster.on('exit', whenAllGone);
    cluster.on('disconnect', whenAllGone);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (config.tls) {
    // Each worker re-reads the TLS certificate.
    process.on('SIGHUP', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
    });
  }
  await Promise.resolve();
}

/** `gilla serve`: one process, or a worker group with WEB_CONCURRENCY > 1 on PostgreSQL. */
export async function serve(config: Config): Promise<void> {
  // Several workers need PostgreSQL (the configuration refuses them on the embedded database).
  if (config.workers > 1 && cluster.isPrimary && config.database.url !== null) {
    return servePrimary(config);
  }
  return serveOne(config);
}

/** Loads the configuration, or prints every problem and exits 1. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve(configOrExit()).catch((err: unknown) => {
    process.stderr.write(`gilla: failed to start: ${String(err)}\n`);
    process.exit(1);
  });
}
