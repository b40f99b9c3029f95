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
  simulated: boolean;
}

interface TemplateRow {
  name: string;
  language: string;
}

interface MessageRow {
  conversation_id: string;
}

const run = Date.now().toString().slice(-8);
const phone = `+55 21 9${run}`;
const orderRef = `#${run.slice(-4)}`;

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let api: ApiSession;
let page: Page;
let number: NumberRow;

async function approvedTemplates(): Promise<TemplateRow[]> {
  const page = await api.request<{ items: TemplateRow[] }>(
    'GET',
    `/api/numbers/${number.id}/templates?status=approved`,
  );
  return page.items;
}

describe('Message templates end to end', () => {
  beforeAll(async () => {
    api = await apiLogin();
    const numbers = await api.request<{ items: NumberRow[] }>('GET', '/api/numbers');
    const found = numbers.items.find((n) => n.simulated);
    if (!found) throw new Error('the seed creates a simulated number');
    number = found;
    browser = await launchBrowser();
    page = await loginInBrowser(browser.context);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('syncs the simulated number’s approved templates', async () => {
    await api.request('POST', `/api/numbers/${number.id}/templates/sync`);
    let names: string[] = [];
    for (let i = 0; i < 50 && !names.includes('pedido_enviado'); i += 1) {
      names = (await approvedTemplates()).map((t) => t.name);
      if (!names.includes('pedido_enviado')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(names.sort()).toEqual([
      'lembrete_agendamento',
      'novidades_semana',
      'pedido_enviado',
      'retomar_atendimento',
    ]);
  });

  it('starts a conversation with a new phone through a template', async () => {
    const message = await api.request<MessageRow>('POST', '/api/messages', {
      phone,
      number_id: number.id,
      type: 'template',
      template: { name: 'retomar_atendimento', language: { code: 'pt_BR' } },
    });
    await page.goto(`${BASE_URL}/inbox/${message.conversation_id}`);
    await page.getByTestId('conversation-view').waitFor();
    await page
      .getByTestId('message')
      .filter({ hasText: 'Podemos continuar o atendimento?' })
      .waitFor();
  });

  it('fills a template in the picker, previews it and sends it', async () => {
    // No customer message yet: free text is blocked, a template is offered instead.
    await page.getByTestId('composer-blocked').waitFor();
    await page.getByRole('button', { name: 'Enviar um modelo' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('option', { name: /pedido_enviado/ }).click();
    await dialog.getByLabel('Corpo {{1}}').fill('Dana');
    await dialog.getByLabel('Corpo {{2}}').fill(orderRef);
    await dialog.getByLabel('Link do botão 2').fill(run.slice(-4));
    const preview = dialog.getByTestId('template-preview');
    await expect(preview.innerText()).resolves.toContain(
      `Olá Dana, seu pedido ${orderRef} foi enviado`,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'template-picker.png') });

    await dialog.getByRole('button', { name: 'Enviar modelo' }).click();
    await dialog.waitFor({ state: 'detached' });
    const text = `Olá Dana, seu pedido ${orderRef} foi enviado e chega em até 3 dias úteis.`;
    await page.getByTestId('message').filter({ hasText: text }).waitFor();
    // The simulator plays the customer's phone: sent → delivered → read.
    await page
      .locator('[data-testid="message"][data-status="read"]')
      .filter({ hasText: text })
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'template-sent.png') });
  });
});
