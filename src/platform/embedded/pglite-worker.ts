// The embedded database's own thread: opens PGlite and runs the queries the service sends it.
import { PGlite } from '@electric-sql/pglite';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { PgliteReply, PgliteRequest, PgliteSource } from './pglite-thread.js';
import { trimResultParsers } from './pglite-parsers.js';

/** An error's own fields (PostgreSQL's code, detail, constraint…), which cloning would drop. */
function errorFields(err: unknown): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  if (err !== null && typeof err === 'object') {
    for (const [key, value] of Object.entries(err)) {
      if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    }
  }
  return fields;
}

function failure(id: number, err: unknown): PgliteReply {
  const message = err instanceof Error ? err.message : String(err);
  return { id, error: { message, fields: errorFields(err) } };
}

async function open(source: PgliteSource): Promise<PGlite> {
  if ('dump' in source) return PGlite.create({ loadDataDir: new Blob([source.dump]) });
  return PGlite.create(source.dataDir ?? undefined);
}

function parent(): MessagePort {
  if (parentPort === null) throw new Error('pglite-worker runs as a worker thread');
  return parentPort;
}

const port = parent();
const client = await open(workerData as PgliteSource);
trimResultParsers(client);

const inFlight = new Set<Promise<void>>();

function query(request: PgliteRequest & { op: 'query' }): void {
  // PGlite runs one query at a time, in the order they arrive.
  const done: Promise<void> = client.query(request.sql, request.params).then(
    (result) => {
      const reply: PgliteReply = {
        id: request.id,
        rows: result.rows,
        affectedRows: result.affectedRows ?? 0,
      };
      try {
        port.postMessage(reply);
      } catch (err) {
        port.postMessage(failure(request.id, err)); // a value that cannot cross threads
      }
    },
    (err: unknown) => port.postMessage(failure(request.id, err)),
  );
  inFlight.add(done);
  void done.finally(() => inFlight.delete(done));
}

/** Closes the database once the queries sent before have finished (PGlite's close does not wait). */
async function close(id: number): Promise<void> {
  await Promise.allSettled([...inFlight]);
  const closed = await client.close().then(
    (): PgliteReply => ({ id, rows: [], affectedRows: 0 }),
    (err: unknown) => failure(id, err),
  );
  port.postMessage(closed);
  port.close();
}

/** A gzipped tar of the database's folder, after the queries sent before (PGlite's own dump). */
function dump(id: number): void {
  const done: Promise<void> = Promise.allSettled([...inFlight])
    .then(() => client.dumpDataDir('gzip'))
    .then((file) => file.arrayBuffer())
    .then(
      (buffer) => port.postMessage({ id, rows: [], affectedRows: 0, dump: buffer }, [buffer]),
      (err: unknown) => port.postMessage(failure(id, err)),
    );
  inFlight.add(done);
  void done.finally(() => inFlight.delete(done));
}

port.on('message', (request: PgliteRequest) => {
  if (request.op === 'close') void close(request.id);
  else if (request.op === 'dump') dump(request.id);
  else query(request);
});
port.postMessage('ready');
