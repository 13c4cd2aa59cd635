import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getUser, onUserChange, type User } from './api';

export function useUser(): User | null {
  const [user, setUser] = useState(getUser());
  useEffect(() => onUserChange(() => setUser(getUser())), []);
  return user;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  set: (data: T) => void;
}

/** Loads once per change of `deps`; the answer of an older load never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, loading: false });
    } catch (error) {
      if (mine === generation.current) setState({ error, loading: false });
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: run,
    set: (data) => setState({ data, loading: false }),
  };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Paged<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  more: () => Promise<void>;
  reload: () => Promise<void>;
  setItems: (update: (items: T[]) => T[]) => void;
}

/** A collection read page by page with the API's cursors ("Load more"). */
export function usePaged<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  deps: unknown[],
): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const load = useCallback(async (from: string | undefined, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await fetchPage(from);
      if (mine !== generation.current) return;
      setItems((old) => (append ? [...old, ...page.data] : page.data));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void load(undefined, false);
  }, [load]);
  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    more: () => load(cursor ?? undefined, true),
    reload: () => load(undefined, false),
    setItems: (update) => setItems(update),
  };
}

/**
 * A change made from a screen: clears the last error, runs it, then reloads what it changed;
 * a failure is kept in `error` for the screen to show.
 */
export function useAction(reload: () => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await reload();
    } catch (e) {
      setError(e);
    }
  };
  return { error, act };
}
