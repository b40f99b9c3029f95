import type { ApiErrorBody, TokenPair } from '@/types/api';

import { createLocalTokenStore, toSession, type TokenStore } from './token-store';

/** An error the UI can react to by `code` (never by message text). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: unknown;

  constructor(status: number, code: string, message: string, fields?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** Send the bearer token and refresh on 401 (default true). */
  auth?: boolean;
}

export interface UploadOptions {
  /** Called as the body goes out, with the fraction sent (0 to 1). */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** The multipart field holding the file (default `file`). */
  field?: string;
  filename?: string;
}

export interface ApiClientConfig {
  baseUrl?: string;
  fetch?: typeof fetch;
  /** XMLHttpRequest factory (uploads: fetch reports no upload progress). */
  xhr?: () => XMLHttpRequest;
  tokens: TokenStore;
  /** Called once the refresh token is refused: the session is over. */
  onSessionExpired?: () => void;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (!value || typeof value !== 'object' || !('error' in value)) return false;
  const inner = value.error;
  return !!inner && typeof inner === 'object' && 'code' in inner && typeof inner.code === 'string';
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return `${baseUrl}${path}${qs ? `?${qs}` : ''}`;
}

function errorFrom(status: number, statusText: string, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(status, body.error.code, body.error.message, body.error.fields);
  }
  return new ApiError(status, `http_${status}`, statusText);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Non-JSON error bodies (proxies, HTML pages) fall back to a status-derived code.
    return null;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  return errorFrom(response.status, response.statusText, parseJson(await response.text()));
}

interface XhrResult {
  status: number;
  statusText: string;
  body: string;
}

export function createApiClient(config: ApiClientConfig) {
  const baseUrl = config.baseUrl ?? '';
  const doFetch: typeof fetch = config.fetch ?? ((...args) => globalThis.fetch(...args));
  const tokens = config.tokens;
  const makeXhr = config.xhr ?? (() => new XMLHttpRequest());
  let refreshing: Promise<boolean> | null = null;

  async function rawRequest(method: string, path: string, options: RequestOptions, token?: string) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await doFetch(buildUrl(baseUrl, path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, 'network_error', error instanceof Error ? error.message : 'offline');
    }
  }

  async function doRefresh(staleRefreshToken: string): Promise<boolean> {
    const current = tokens.get();
    if (!current) return false;
    // Another tab (or an earlier call) already rotated the pair: use the new one.
    if (current.refresh_token !== staleRefreshToken) return true;
    const response = await rawRequest('POST', '/api/auth/refresh', {
      body: { refresh_token: current.refresh_token },
    });
    if (response.ok) {
      tokens.set(toSession((await response.json()) as TokenPair));
      return true;
    }
    if (response.status === 401 || response.status === 403) {
      tokens.set(null);
      config.onSessionExpired?.();
      return false;
    }
    throw await toApiError(response);
  }

  /**
   * Refresh the token pair once, however many callers ask at the same time. Refresh tokens
   * rotate and a reused one revokes the whole family, so concurrent refreshes must never
   * present the same token twice — within this tab (one shared promise) or across tabs
   * (a Web Lock where the browser has one).
   */
  function refresh(): Promise<boolean> {
    const stale = tokens.get()?.refresh_token;
    if (!stale) return Promise.resolve(false);
    if (!refreshing) {
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const run = () => doRefresh(stale);
      refreshing = (locks ? locks.request('atende-token-refresh', run) : run()).finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  async function request<T>(method: string, path: string, options: RequestOptions = {}) {
    const auth = options.auth ?? true;
    let token = auth ? tokens.get()?.access_token : undefined;
    let response = await rawRequest(method, path, options, token);
    if (response.status === 401 && auth && token) {
      if (await refresh()) {
        token = tokens.get()?.access_token;
        response = await rawRequest(method, path, options, token);
      }
    }
    if (!response.ok) throw await toApiError(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  function rawUpload(path: string, form: FormData, options: UploadOptions, token?: string) {
    return new Promise<XhrResult>((resolve, reject) => {
      const xhr = makeXhr();
      const abort = () => xhr.abort();
      xhr.open('POST', buildUrl(baseUrl, path));
      xhr.setRequestHeader('Accept', 'application/json');
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) {
          options.onProgress?.(Math.min(1, event.loaded / event.total));
        }
      };
      xhr.onload = () => {
        options.signal?.removeEventListener('abort', abort);
        resolve({ status: xhr.status, statusText: xhr.statusText, body: xhr.responseText });
      };
      xhr.onerror = () => {
        options.signal?.removeEventListener('abort', abort);
        reject(new ApiError(0, 'network_error', 'offline'));
      };
      xhr.onabort = () => reject(new DOMException('The upload was aborted', 'AbortError'));
      if (options.signal?.aborted) {
        reject(new DOMException('The upload was aborted', 'AbortError'));
        return;
      }
      options.signal?.addEventListener('abort', abort, { once: true });
      xhr.send(form);
    });
  }

  /** POST a file as multipart/form-data, reporting upload progress; refreshes on 401. */
  async function upload<T>(path: string, file: Blob, options: UploadOptions = {}) {
    const form = new FormData();
    if (options.filename !== undefined)
      form.append(options.field ?? 'file', file, options.filename);
    else form.append(options.field ?? 'file', file);
    let token = tokens.get()?.access_token;
    let result = await rawUpload(path, form, options, token);
    if (result.status === 401 && token && (await refresh())) {
      token = tokens.get()?.access_token;
      result = await rawUpload(path, form, options, token);
    }
    if (result.status < 200 || result.status >= 300) {
      throw errorFrom(result.status, result.statusText, parseJson(result.body));
    }
    return (result.body ? JSON.parse(result.body) : undefined) as T;
  }

  return {
    tokens,
    refresh,
    request,
    upload,
    get: <T>(path: string, options?: Omit<RequestOptions, 'body'>) =>
      request<T>('GET', path, options),
    post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('POST', path, { ...options, body }),
    patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PATCH', path, { ...options, body }),
    put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PUT', path, { ...options, body }),
    delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

const sessionExpiredListeners = new Set<() => void>();

export function onSessionExpired(listener: () => void) {
  sessionExpiredListeners.add(listener);
  return () => {
    sessionExpiredListeners.delete(listener);
  };
}

export const api: ApiClient = createApiClient({
  tokens: createLocalTokenStore(),
  onSessionExpired: () => {
    for (const l of sessionExpiredListeners) l();
  },
});
