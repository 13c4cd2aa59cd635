import { createConnection } from 'node:net';
import type {
  ControlMessage,
  ControlProgress,
  ControlRequest,
  ControlResult,
} from './control-protocol.js';

/**
 * Asks the service listening on `socketPath` to run a request. Null when no service listens there
 * (no socket, or one left by a process that is gone): the caller then does the work itself.
 */
export function callService(
  socketPath: string,
  request: ControlRequest,
  onProgress: (progress: ControlProgress) => void,
): Promise<ControlResult | null> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let connected = false;
    let buffered = '';
    let result: ControlResult | null = null;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        let message: ControlMessage;
        try {
          message = JSON.parse(buffered.slice(0, newline)) as ControlMessage;
        } catch {
          socket.destroy(
            new Error('the service answered on its control socket in a way not understood'),
          );
          return;
        }
        buffered = buffered.slice(newline + 1);
        if ('progress' in message) onProgress(message.progress);
        else result = message.result;
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) resolve(null);
      else if (err.code === 'EACCES') {
        reject(
          new Error(
            `the service's control socket ${socketPath} belongs to another user: run gilla as that user`,
          ),
        );
      } else reject(err);
    });
    socket.on('close', () => {
      if (!connected) return;
      if (result) resolve(result);
      else reject(new Error('the service closed the control socket without an answer'));
    });
  });
}
