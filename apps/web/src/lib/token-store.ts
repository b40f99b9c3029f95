import type { TokenPair } from '@/types/api';

export interface Session {
  access_token: string;
  refresh_token: string;
}

export interface TokenStore {
  get(): Session | null;
  set(session: Session | null): void;
  subscribe(listener: () => void): () => void;
}

const KEY = 'atende.session';

/** Tokens live in localStorage so a reload stays logged in; other tabs see changes too. */
export function createLocalTokenStore(storage: Storage = window.localStorage): TokenStore {
  const listeners = new Set<() => void>();
  let cached: Session | null | undefined;

  function read(): Session | null {
    try {
      const raw = storage.getItem(KEY);
      if (!raw) return null;
      const parsed: unknown = JSON.parse(raw);
      if (
        parsed &&
        typeof parsed === 'object' &&
        'access_token' in parsed &&
        'refresh_token' in parsed &&
        typeof parsed.access_token === 'string' &&
        typeof parsed.refresh_token === 'string'
      ) {
        return { access_token: parsed.access_token, refresh_token: parsed.refresh_token };
      }
    } catch {
      // A corrupt entry is treated as logged out.
    }
    return null;
  }

  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== KEY) return;
      cached = undefined;
      for (const l of listeners) l();
    });
  }

  return {
    get() {
      // Always re-read: another tab may have rotated the refresh token.
      cached = read();
      return cached;
    },
    set(session) {
      if (session) storage.setItem(KEY, JSON.stringify(session));
      else storage.removeItem(KEY);
      cached = session;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createMemoryTokenStore(initial: Session | null = null): TokenStore {
  let session = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => session,
    set(next) {
      session = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function toSession(pair: TokenPair): Session {
  return { access_token: pair.access_token, refresh_token: pair.refresh_token };
}
