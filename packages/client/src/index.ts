import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { GillaError, problemOf } from './errors.js';
import type { components, paths } from './schema.js';
import {
  Session,
  memoryTokenStore,
  type RefreshLock,
  type TokenStore,
  type Tokens,
} from './session.js';

export type { components, operations, paths } from './schema.js';
export { GillaError, type ErrorCode, type Problem } from './errors.js';
export { memoryTokenStore, type RefreshLock, type TokenStore, type Tokens } from './session.js';

/** The API's resources by name: `Schemas['Item']`, `Schemas['Project']`, … */
export type Schemas = components['schemas'];

export interface GillaClientOptions {
  /** Where the service runs, e.g. `https://gilla.example.com`; `''` for the page's own origin. */
  baseUrl: string;
  /** An access token, or a personal access token (`gilla_pat_…`), to start with. */
  accessToken?: string;
  /** With it, a refused access token is refreshed once and the request sent again. */
  refreshToken?: string;
  /** Keeps the tokens somewhere else than in memory (and then ignores the two above). */
  tokenStore?: TokenStore;
  /** Serialises refreshes among everything sharing the store (e.g. a browser's tabs). */
  refreshLock?: RefreshLock;
  /** Called when a refresh is refused: the session is over and the user must sign in again. */
  onSessionEnded?: () => void;
  fetch?: (request: Request) => Promise<Response>;
}

export type GillaApi = Client<paths, 'application/json'>;

export interface GillaClient {
  /** Typed calls: `api.GET('/api/v1/projects/{projectId}', { params: { path: { projectId } } })`. */
  api: GillaApi;
  tokens: TokenStore;
}

/** Throws a GillaError for every answer that is not a success. */
const throwOnProblem: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await problemOf(response);
    return undefined;
  },
};

/**
 * A client for one Gilla service. Every call resolves with the answer's `data` or throws a
 * GillaError carrying the API's `code`.
 */
export function createGillaClient(options: GillaClientOptions): GillaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const initial: Tokens | null = options.accessToken
    ? {
        accessToken: options.accessToken,
        ...(options.refreshToken ? { refreshToken: options.refreshToken } : {}),
      }
    : null;
  const tokens = options.tokenStore ?? memoryTokenStore(initial);
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const refreshUrl = new URL(`${baseUrl}/api/v1/auth/refresh`, origin()).href;
  const session = new Session(
    tokens,
    refreshUrl,
    fetchImpl,
    options.refreshLock,
    options.onSessionEnded,
  );
  const api = createClient<paths, 'application/json'>({
    baseUrl,
    fetch: (request) => session.fetch(request),
  });
  api.use(throwOnProblem);
  return { api, tokens };
}

/** The page's origin in a browser; elsewhere a base URL is absolute and this is never used. */
function origin(): string {
  const location = (globalThis as { location?: { origin: string } }).location;
  return location?.origin ?? 'http://localhost';
}

/** The `data` of a call that must have some (throws if the answer had no body). */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call;
  if (data === undefined)
    throw new Error(`${response.url} answered ${response.status} with no body`);
  return data;
}

export function isGillaError(error: unknown, code?: GillaError['code']): error is GillaError {
  return error instanceof GillaError && (code === undefined || error.code === code);
}
