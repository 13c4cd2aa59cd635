/*
 * The local control socket: a `gilla` command asks the running service to do work that needs its
 * data (the embedded database has one owner). One request per connection, one JSON line; the
 * service answers with progress lines and one final line. Only the service's own user can
 * connect: the socket is mode 0600 in the data folder (0700).
 */

/** The commands the service runs for the CLI. */
export type ControlRequest =
  | { command: 'user-create'; email: string; password: string; name: string | null; admin: boolean }
  | { command: 'migrate-status' }
  | { command: 'keys-rotate'; batchSize: number; keyId: string }
  | { command: 'backup'; out: string | null };

/** Where a command stands: the rows of a table being re-encrypted. */
export interface ControlProgress {
  table: string;
  done: number;
  total: number;
}

/** What a command printed, and how the CLI exits. */
export interface ControlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type ControlMessage = { progress: ControlProgress } | { result: ControlResult };

/** A request as it arrived, when it is one of ours; null otherwise. */
export function parseRequest(line: string): ControlRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  const str = (v: unknown) => typeof v === 'string';
  switch (r.command) {
    case 'user-create':
      return str(r.email) &&
        str(r.password) &&
        (r.name === null || str(r.name)) &&
        typeof r.admin === 'boolean'
        ? (r as ControlRequest)
        : null;
    case 'migrate-status':
      return { command: 'migrate-status' };
    case 'keys-rotate':
      return Number.isInteger(r.batchSize) &&
        (r.batchSize as number) >= 1 &&
        (r.batchSize as number) <= 10_000 &&
        str(r.keyId)
        ? (r as ControlRequest)
        : null;
    case 'backup':
      return r.out === null || (str(r.out) && r.out.startsWith('/')) ? (r as ControlRequest) : null;
    default:
      return null;
  }
}

/** The socket's name in the data folder. */
export const CONTROL_SOCKET = 'gilla.sock';

/** A request line may not be longer than this (a password is the longest part). */
export const MAX_REQUEST_BYTES = 64 * 1024;
