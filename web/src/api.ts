import {
  createGillaClient,
  GillaError,
  type Schemas,
  type TokenStore,
  type Tokens,
} from '@gilla/client';

export type User = Schemas['User'];
export type TokenResponse = Schemas['TokenResponse'];

const KEY = 'gilla.session';

/**
 * The session's tokens live in localStorage so that a reload or a second tab stays signed in; a
 * refresh reads them back from there under a lock shared by the tabs (a refresh token works
 * once). The content security policy allows no inline or foreign script, and item bodies are
 * sanitised, which is what keeps them from a script.
 */
const storage: TokenStore = {
  get() {
    try {
      const raw = localStorage.getItem(KEY);
      return raw ? (JSON.parse(raw) as Tokens) : null;
    } catch {
      return null;
    }
  },
  set(tokens) {
    if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
    else localStorage.removeItem(KEY);
  },
};

type Listener = () => void;
const listeners = new Set<Listener>();
let currentUser: User | null = null;

export function getUser(): User | null {
  return currentUser;
}
export function onUserChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function setUser(user: User | null): void {
  currentUser = user;
  for (const listener of listeners) listener();
}

export const { api } = createGillaClient({
  baseUrl: '',
  tokenStore: storage,
  // Web Locks exist in secure contexts (https, localhost). Elsewhere tabs may refresh at the same
  // moment; the service answers a second refresh with the same token within 10 s with the pair
  // the first one made, so racing tabs keep the session (it revokes only a later replay).
  refreshLock: <T>(fn: () => Promise<T>): Promise<T> =>
    'locks' in navigator ? (navigator.locks.request('gilla-refresh', fn) as Promise<T>) : fn(),
  onSessionEnded: () => setUser(null),
});

/** Signed in: keep the tokens and the user. */
export function signedIn(response: TokenResponse): void {
  signedOutOnPurpose = false;
  storage.set({ accessToken: response.accessToken, refreshToken: response.refreshToken });
  setUser(response.user);
}

export function refreshUser(user: User): void {
  setUser(user);
}

/**
 * Reads the signed-in user of a stored session, or nobody. A session that is over (its refresh
 * refused, the account disabled or gone) is forgotten; when the service cannot answer, the
 * session is kept and this throws, so that a passing outage signs nobody out.
 */
export async function restoreSession(): Promise<void> {
  if (!storage.get()) return;
  try {
    const { data } = await api.GET('/api/v1/users/me');
    setUser(data ?? null);
  } catch (error) {
    const ended =
      error instanceof GillaError &&
      (error.status === 403 || error.status === 404 || (error.status === 401 && !storage.get()));
    if (!ended) throw error;
    storage.set(null);
    setUser(null);
  }
}

/** Whether the last session ended by the user's own choice (then sign-in starts afresh). */
export let signedOutOnPurpose = false;

/** Ends this session on the server, then forgets it here. */
export async function signOut(): Promise<void> {
  signedOutOnPurpose = true;
  try {
    await api.POST('/api/v1/auth/logout');
  } catch {
    // already over on the server: forget it here all the same
  }
  storage.set(null);
  setUser(null);
}

// Another tab signed out (or in as someone else): follow it.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  if (!event.newValue) setUser(null);
  else restoreSession().catch(() => undefined); // unreachable now: the next request will tell
});

/** A person-readable account of an error, with the fields a 400 names. */
export function describe(error: unknown): { message: string; fields: Record<string, string> } {
  if (error instanceof GillaError) {
    const fields: Record<string, string> = {};
    for (const e of error.errors) {
      const name = e.path.replace(/^\/(body\/)?/, '').split('/')[0] ?? e.path;
      fields[name] = e.message;
    }
    return { message: error.detail || error.title, fields };
  }
  if (error instanceof TypeError) return { message: 'The service cannot be reached.', fields: {} };
  return { message: error instanceof Error ? error.message : String(error), fields: {} };
}

export { GillaError };
