import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';

export const BASE_URL = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@atende.local';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? '';
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', 'e2e-artifacts');

/** Debian's Chromium, headless, with a fresh profile; never a downloaded browser build. */
export async function launchBrowser(options: { locale?: string } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'atende-e2e-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    locale: options.locale ?? 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiSession {
  token: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function apiLogin(
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
): Promise<ApiSession> {
  const response = await fetch(`${BASE_URL}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return {
    token,
    async request<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${BASE_URL}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
  };
}

export async function loginInBrowser(
  context: BrowserContext,
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
) {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${BASE_URL}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.waitForURL(/\/inbox/);
  return page;
}
