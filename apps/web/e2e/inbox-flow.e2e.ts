import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  apiLogin,
  ARTIFACTS,
  BASE_URL,
  launchBrowser,
  loginInBrowser,
  type ApiSession,
} from './support';

interface NumberRow {
  id: string;
  label: string;
  simulated: boolean;
}

const run = Date.now().toString(36);
const customerName = `Cliente E2E ${run}`;
const waId = `55119${Date.now().toString().slice(-8)}`;
const inboundText = `Olá, quero saber do pedido ${run}`;
const replyText = `Oi! Já verifico o pedido ${run}.`;

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let api: ApiSession;
let page: Page;
let dashboard: Page;
let simulatedNumber: NumberRow;

async function kpiValue(p: Page, testId: string) {
  const text = await p.getByTestId(`${testId}-value`).innerText();
  return Number(text.replace(/\D/g, ''));
}

describe('Atende inbox end to end', () => {
  beforeAll(async () => {
    api = await apiLogin();
    const numbers = await api.request<{ items: NumberRow[] }>('GET', '/api/numbers');
    const found = numbers.items.find((n) => n.simulated);
    simulatedNumber =
      found ??
      (await api.request<NumberRow>('POST', '/api/numbers', {
        phone_number_id: `e2e${run}`,
        display_phone_number: '5511900000000',
        label: 'E2E simulado',
        simulated: true,
      }));
    browser = await launchBrowser();
    page = await loginInBrowser(browser.context);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('logs in and stays logged in after a reload', async () => {
    await expect(
      page.getByRole('heading', { name: 'Conversas' }).waitFor(),
    ).resolves.toBeUndefined();
    await page.reload();
    await page.getByRole('heading', { name: 'Conversas' }).waitFor();
    expect(page.url()).toContain('/inbox');
  });

  it('shows a simulated inbound message in "Não atribuídas" without reload', async () => {
    dashboard = await browser.context.newPage();
    await dashboard.goto(`${BASE_URL}/dashboard`);
    await dashboard.getByTestId('kpi-messages-value').waitFor();

    await page.getByRole('tab', { name: /^Não atribuídas/ }).click();
    await page.waitForURL(/view=unassigned/);

    await api.request('POST', '/api/simulator/inbound', {
      number_id: simulatedNumber.id,
      wa_id: waId,
      name: customerName,
      text: inboundText,
    });

    const row = page.getByTestId('conversation-row').filter({ hasText: customerName });
    await row.waitFor({ timeout: 15_000 });
    await expect(row.innerText()).resolves.toContain(inboundText);
    await expect(row.getByTestId('unread-badge').innerText()).resolves.toBe('1');
  });

  it('takes the conversation, replies, and sees the ticks climb to read', async () => {
    await page.getByTestId('conversation-row').filter({ hasText: customerName }).click();
    await page.getByTestId('conversation-title').filter({ hasText: customerName }).waitFor();
    await page.getByTestId('message').filter({ hasText: inboundText }).waitFor();

    await page.getByRole('button', { name: 'Assumir' }).click();
    await page.getByRole('button', { name: 'Assumir' }).waitFor({ state: 'detached' });
    // Taken: it leaves the unassigned list live.
    await page
      .getByTestId('conversation-row')
      .filter({ hasText: customerName })
      .waitFor({ state: 'detached', timeout: 10_000 });

    const composer = page.getByRole('textbox', { name: 'Mensagem' });
    await composer.fill(replyText);
    await composer.press('Enter');

    const bubble = page.getByTestId('message').filter({ hasText: replyText });
    await bubble.waitFor();
    await page
      .locator('[data-testid="message"][data-status="read"]')
      .filter({ hasText: replyText })
      .waitFor({ timeout: 30_000 });
    await expect(bubble.getByRole('img', { name: 'Lida' }).isVisible()).resolves.toBe(true);
  });

  it('updates the dashboard numbers live', async () => {
    // The dashboard tab was opened before the inbound message and never reloaded.
    await dashboard.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="kpi-messages-value"]');
        return !!el && Number((el.textContent ?? '').replace(/\D/g, '')) >= 2;
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(await kpiValue(dashboard, 'kpi-messages')).toBeGreaterThanOrEqual(2);
    await dashboard.screenshot({ path: join(ARTIFACTS, 'dashboard-light.png') });
  });

  it('saves light, dark and mobile screenshots', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'inbox-light.png') });

    await page.evaluate(() => localStorage.setItem('atende.theme', 'dark'));
    await page.reload();
    await page.getByTestId('conversation-view').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
      true,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'inbox-dark.png') });
    await dashboard.evaluate(() => localStorage.setItem('atende.theme', 'dark'));
    await dashboard.reload();
    await dashboard.getByTestId('kpi-messages-value').waitFor();
    await dashboard.screenshot({ path: join(ARTIFACTS, 'dashboard-dark.png') });

    await page.evaluate(() => localStorage.setItem('atende.theme', 'light'));
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await page.getByTestId('conversation-view').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'mobile-thread.png') });
    await page.getByRole('link', { name: 'Voltar para a lista' }).click();
    await page.getByRole('heading', { name: 'Conversas' }).waitFor();
    await page
      .getByTestId('conversation-row')
      .first()
      .or(page.getByTestId('inbox-empty'))
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'mobile-inbox.png') });
  });
});
