import { describe, expect, it } from 'vitest';

import { ApiError, createApiClient } from '@/lib/api-client';
import { createMemoryTokenStore } from '@/lib/token-store';
import { createFakeFetch, json } from '@/testing/fake-fetch';

/** A scripted XMLHttpRequest: records what is sent, answers with the next response. */
class FakeXhr {
  static sent: { url: string; headers: Record<string, string>; body: FormData }[] = [];
  static answers: { status: number; body: unknown; progress?: number[] }[] = [];

  method = '';
  url = '';
  status = 0;
  statusText = '';
  responseText = '';
  headers: Record<string, string> = {};
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  abort() {
    this.onabort?.();
  }
  send(body: FormData) {
    FakeXhr.sent.push({ url: this.url, headers: this.headers, body });
    const answer = FakeXhr.answers.shift();
    setTimeout(() => {
      if (!answer) {
        this.onerror?.();
        return;
      }
      for (const loaded of answer.progress ?? []) {
        this.upload.onprogress?.({ lengthComputable: true, loaded, total: 100 } as ProgressEvent);
      }
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.onload?.();
    }, 0);
  }
}

function setup() {
  FakeXhr.sent = [];
  FakeXhr.answers = [];
  const tokens = createMemoryTokenStore({ access_token: 'old', refresh_token: 'r1' });
  const fake = createFakeFetch(() =>
    json(200, { access_token: 'new', refresh_token: 'r2', token_type: 'bearer', expires_in: 900 }),
  );
  const client = createApiClient({
    fetch: fake.fetch,
    tokens,
    xhr: () => new FakeXhr() as unknown as XMLHttpRequest,
  });
  return { client, tokens };
}

const uploaded = { id: 'u1', mime_type: 'application/pdf', size: 8, filename: 'f.pdf' };

describe('api client uploads', () => {
  it('posts the file as multipart with the token and reports progress', async () => {
    const { client } = setup();
    FakeXhr.answers.push({ status: 201, body: uploaded, progress: [25, 100] });
    const seen: number[] = [];
    const file = new File(['%PDF-1.4'], 'f.pdf', { type: 'application/pdf' });

    const result = await client.upload('/api/uploads', file, {
      filename: 'f.pdf',
      onProgress: (f) => seen.push(f),
    });

    expect(result).toEqual(uploaded);
    expect(seen).toEqual([0.25, 1]);
    const [sent] = FakeXhr.sent;
    expect(sent?.url).toBe('/api/uploads');
    expect(sent?.headers.authorization).toBe('Bearer old');
    expect((sent?.body.get('file') as File).name).toBe('f.pdf');
  });

  it('refreshes the token once on a 401 and uploads again', async () => {
    const { client, tokens } = setup();
    FakeXhr.answers.push(
      { status: 401, body: { error: { code: 'token_expired', message: 'expired' } } },
      { status: 201, body: uploaded },
    );
    await expect(client.upload('/api/uploads', new Blob(['x']))).resolves.toEqual(uploaded);
    expect(FakeXhr.sent.map((s) => s.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(tokens.get()?.access_token).toBe('new');
  });

  it('turns refusals into ApiErrors by code', async () => {
    const { client } = setup();
    FakeXhr.answers.push({
      status: 422,
      body: { error: { code: 'unsupported_media', message: 'no GIFs' } },
    });
    const error = await client
      .upload('/api/uploads', new Blob(['GIF89a']))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('unsupported_media');
    expect((error as ApiError).status).toBe(422);
  });

  it('reports a network failure and an abort', async () => {
    const { client } = setup();
    await expect(client.upload('/api/uploads', new Blob(['x']))).rejects.toMatchObject({
      code: 'network_error',
    });
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.upload('/api/uploads', new Blob(['x']), { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
