import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import {
  MAX_REQUEST_BYTES,
  parseRequest,
  type ControlMessage,
  type ControlProgress,
  type ControlRequest,
  type ControlResult,
} from './control-protocol.js';

/** Runs one request for a CLI; progress is streamed back as it comes. */
export type ControlHandler = (
  request: ControlRequest,
  onProgress: (progress: ControlProgress) => void,
) => Promise<ControlResult>;

interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

function send(socket: Socket, message: ControlMessage): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

function serveConnection(socket: Socket, handle: ControlHandler, log: Logger): void {
  let buffered = '';
  let started = false;
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    if (started) return;
    buffered += chunk;
    if (buffered.length > MAX_REQUEST_BYTES) {
      socket.destroy();
      return;
    }
    const newline = buffered.indexOf('\n');
    if (newline === -1) return;
    started = true;
    const request = parseRequest(buffered.slice(0, newline));
    if (request === null) {
      send(socket, { result: { exitCode: 2, stdout: '', stderr: 'gilla: malformed request\n' } });
      socket.end();
      return;
    }
    log.info({ command: request.command }, 'control socket: command');
    handle(request, (progress) => send(socket, { progress }))
      .catch((err: unknown): ControlResult => {
        log.warn({ err, command: request.command }, 'control socket: command failed');
        const message = err instanceof Error ? err.message : String(err);
        return { exitCode: 1, stdout: '', stderr: `gilla: ${message}\n` };
      })
      .then(
        (result) => {
          send(socket, { result });
          socket.end();
        },
        () => socket.destroy(),
      );
  });
}

/**
 * Listens on the control socket at `socketPath` (the caller owns the data folder, so a socket
 * file left there is stale and is replaced), mode 0600. `close` stops listening and removes it.
 */
export async function startControlServer(
  socketPath: string,
  handle: ControlHandler,
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  try {
    unlinkSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const server: Server = createServer((socket) => serveConnection(socket, handle, log));
  // Created without group or other permissions, then narrowed to the owner for certain.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(socketPath, 0o600);
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(socketPath);
        } catch {
          // already gone
        }
      }),
  };
}
