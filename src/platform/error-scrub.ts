/**
 * What leaves the process in an error report: secrets are replaced before anything is sent.
 * Keys that name a secret lose their value wherever they appear; strings lose anything shaped
 * like a bearer credential, a JWT, or a secret URL parameter; request bodies and cookies are
 * dropped whole, and only harmless request headers are kept.
 */

import { SECRET_QUERY_PARAMS } from './secret-names.js';

export const FILTERED = '[Filtered]';

const SECRET_KEY =
  /pass(word|phrase)?|secret|token|authori[sz]ation|cookie|api[-_]?key|credential|^(login)?code$|^state$|code_verifier|private[-_]?key/i;

const PATTERNS: [RegExp, string][] = [
  // A JWT (header.payload.signature, base64url; the header always starts with eyJ).
  [/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, FILTERED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${FILTERED}`],
  [new RegExp(`([?&#](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#\\s"']*`, 'gi'), `$1${FILTERED}`],
  // Credentials in a URL's user-info part (postgres://user:password@host).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@/\s]+@/gi, `$1${FILTERED}@`],
];

const SAFE_HEADERS = new Set([
  'accept',
  'content-length',
  'content-type',
  'host',
  'user-agent',
  'x-request-id',
]);

/** A string with every credential-shaped part replaced. */
export function scrubText(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** A deep copy of `value` with secret keys' values and credential-shaped strings replaced. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && v !== null && v !== undefined ? FILTERED : scrubValue(v, depth + 1);
  }
  return out;
}

interface RequestData {
  url?: string;
  method?: string;
  query_string?: unknown;
  headers?: Record<string, string>;
  [key: string]: unknown;
}

/** The request part of an event: method, URL (secret parameters replaced), harmless headers. */
function scrubRequest(request: RequestData): RequestData {
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).filter(([name]) => SAFE_HEADERS.has(name.toLowerCase())),
  );
  return {
    ...(request.method ? { method: request.method } : {}),
    ...(request.url ? { url: scrubText(request.url) } : {}),
    ...(typeof request.query_string === 'string'
      ? { query_string: scrubText(`?${request.query_string}`).slice(1) }
      : {}),
    headers,
  };
}

/** Sentry's `beforeSend`: the event with secrets removed. */
export function scrubEvent<E extends object>(event: E): E {
  const { request, user } = event as { request?: RequestData; user?: { id?: unknown } };
  const scrubbed = scrubValue(event) as E & { request?: RequestData; user?: { id?: string } };
  if (request) scrubbed.request = scrubRequest(request);
  // Only the user's id: no e-mail, name or address leaves with an error.
  if (user) scrubbed.user = typeof user.id === 'string' ? { id: user.id } : {};
  return scrubbed;
}
