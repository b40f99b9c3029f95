import { describe, expect, it, vi } from 'vitest';

import { ApiError, createApiClient } from '@/lib/api-client';
import { createMemoryTokenStore } from '@/lib/token-store';
import { createFakeFetch, json } from '@/testing/fake-fetch';

function setup(handler: Parameters<typeof createFakeFetch>[0]) {
  const tokens = createMemoryTokenStore({
    access_token: 'old-access',
    refresh_token: 'old-refresh',
  });
  const onSessionExpired = vi.fn();
  const fake = createFakeFetch(handler);
  const client = createApiClient({ fetch: fake.fetch, tokens, onSessionExpired });
  return { client, tokens, onSessionExpired, calls: fake.calls };
}

const newPair = {
  access_token: 'new-access',
  refresh_token: 'new-refresh',
  token_type: 'bearer',
  expires_in: 900,
};

describe('api client', () => {
  it('sends the bearer token and builds the query string without empty values', async () => {
    const { client, calls } = setup(() => json(200, { items: [], next_cursor: null }));
    await client.get('/api/conversations', {
      query: { view: 'mine', q: '', cursor: null, limit: 50 },
    });
    expect(calls[0]?.url).toBe('/api/conversations?view=mine&limit=50');
    expect(calls[0]?.headers.authorization).toBe('Bearer old-access');
  });

  it('on a 401 refreshes once (rotating the pair) and retries the request', async () => {
    const { client, tokens, calls } = setup(({ url, headers }) => {
      if (url === '/api/auth/refresh') return json(200, newPair);
      return headers.authorization === 'Bearer new-access'
        ? json(200, { ok: true })
        : json(401, { error: { code: 'token_expired', message: 'expired' } });
    });

    await expect(client.get('/api/auth/me')).resolves.toEqual({ ok: true });

    expect(calls.map((c) => c.url)).toEqual(['/api/auth/me', '/api/auth/refresh', '/api/auth/me']);
    expect(calls[1]?.body).toEqual({ refresh_token: 'old-refresh' });
    expect(calls[1]?.headers.authorization).toBeUndefined();
    expect(tokens.get()).toEqual({ access_token: 'new-access', refresh_token: 'new-refresh' });
  });

  it('shares one refresh between concurrent 401s so a rotated token is never reused', async () => {
    let refreshes = 0;
    const { client } = setup(async ({ url, headers }) => {
      if (url === '/api/auth/refresh') {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, newPair);
      }
      return headers.authorization === 'Bearer new-access'
        ? json(200, { url })
        : json(401, { error: { code: 'token_expired', message: '' } });
    });

    const results = await Promise.all([
      client.get('/api/a'),
      client.get('/api/b'),
      client.get('/api/c'),
    ]);
    expect(results).toEqual([{ url: '/api/a' }, { url: '/api/b' }, { url: '/api/c' }]);
    expect(refreshes).toBe(1);
  });

  it('ends the session when the refresh token is refused, without retrying forever', async () => {
    const { client, tokens, onSessionExpired, calls } = setup(({ url }) =>
      url === '/api/auth/refresh'
        ? json(401, { error: { code: 'invalid_refresh_token', message: '' } })
        : json(401, { error: { code: 'token_expired', message: '' } }),
    );

    await expect(client.get('/api/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(2);
    expect(tokens.get()).toBeNull();
    expect(onSessionExpired).toHaveBeenCalledOnce();
  });

  it('does not refresh for unauthenticated calls such as login', async () => {
    const { client, calls } = setup(() =>
      json(401, { error: { code: 'invalid_credentials', message: 'nope' } }),
    );
    await expect(
      client.post('/api/auth/login', { email: 'a', password: 'b' }, { auth: false }),
    ).rejects.toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers.authorization).toBeUndefined();
  });

  it('turns error bodies into ApiError with the server code, and other failures into status codes', async () => {
    const { client } = setup(({ url }) =>
      url === '/api/x'
        ? json(422, {
            error: { code: 'outside_customer_service_window', message: 'Precisa de template' },
          })
        : new Response('<html>bad gateway</html>', { status: 502 }),
    );
    const error = await client.post('/api/x', { text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'outside_customer_service_window' });
    await expect(client.get('/api/y')).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('reports network failures with the network_error code', async () => {
    const { client } = setup(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(client.get('/api/z')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('returns undefined for 204 responses', async () => {
    const { client } = setup(() => new Response(null, { status: 204 }));
    await expect(client.post('/api/auth/logout', { refresh_token: 'r' })).resolves.toBeUndefined();
  });
});
