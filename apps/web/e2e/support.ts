import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const BASE_URL = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@atende.local';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? '';
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
// The server's WHATSAPP_APP_SECRET: tests post webhooks signed as Meta signs them.
export const APP_SECRET = process.env.E2E_APP_SECRET ?? process.env.WHATSAPP_APP_SECRET ?? '';
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

export interface SimulatedNumber {
  id: string;
  phone_number_id: string;
  display_phone_number: string;
  simulated: boolean;
}

/** The seed's simulated number (the built-in fake Graph API answers for it). */
export async function simulatedNumber(api: ApiSession): Promise<SimulatedNumber> {
  const numbers = await api.request<{ items: SimulatedNumber[] }>('GET', '/api/numbers');
  const found = numbers.items.find((n) => n.simulated);
  if (!found) throw new Error('the seed creates a simulated number; none found');
  return found;
}

export interface Flow {
  api: ApiSession;
  number: SimulatedNumber;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  page: Page;
}

/** The admin, signed in through the API and in a fresh browser, and the seed's simulated number. */
export async function startFlow(): Promise<Flow> {
  const api = await apiLogin();
  const number = await simulatedNumber(api);
  const browser = await launchBrowser();
  const page = await loginInBrowser(browser.context);
  return { api, number, browser, page };
}

/** The id of the one conversation whose contact matches `query` (name or phone). */
export async function conversationOf(api: ApiSession, query: string): Promise<string> {
  const page = await api.request<{ items: { id: string }[] }>(
    'GET',
    `/api/conversations?view=all&q=${encodeURIComponent(query)}`,
  );
  const [first] = page.items;
  if (page.items.length !== 1 || !first) {
    throw new Error(`expected one conversation for ${query}, got ${page.items.length}`);
  }
  return first.id;
}

/**
 * A customer's text message posted to the webhook exactly as Meta posts it, signed with the
 * app secret, with the time the customer wrote it (`sentAt`), which the 24-hour window
 * counts from.
 */
export async function postInboundText(
  number: SimulatedNumber,
  message: { waId: string; name: string; text: string; sentAt: Date },
) {
  if (!APP_SECRET) throw new Error('set E2E_APP_SECRET to the server’s WHATSAPP_APP_SECRET');
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '880011223344556',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: number.display_phone_number,
                phone_number_id: number.phone_number_id,
              },
              contacts: [{ profile: { name: message.name }, wa_id: message.waId }],
              messages: [
                {
                  from: message.waId,
                  id: `wamid.${randomBytes(16).toString('hex').toUpperCase()}`,
                  timestamp: String(Math.floor(message.sentAt.getTime() / 1000)),
                  type: 'text',
                  text: { body: message.text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  const signature = createHmac('sha256', APP_SECRET).update(body).digest('hex');
  const response = await fetch(`${BASE_URL}/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${signature}` },
    body,
  });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
}

export interface StatusDelays {
  sent: number;
  delivered: number;
  read: number;
}

/** Seconds after a send at which the simulator posts each status webhook; the previous ones. */
export async function setStatusDelays(delays: StatusDelays): Promise<StatusDelays> {
  const before = await fetch(`${BASE_URL}/simulator/_control`);
  const state = (await before.json()) as { faults: { status_delays: StatusDelays } };
  const response = await fetch(`${BASE_URL}/simulator/_control`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ status_delays: delays }),
  });
  if (!response.ok) throw new Error(`simulator control answered ${response.status}`);
  return state.faults.status_delays;
}
