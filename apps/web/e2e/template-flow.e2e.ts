import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ARTIFACTS,
  BASE_URL,
  conversationOf,
  postInboundText,
  startFlow,
  type Flow,
} from './support';

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
const lapsedName = `Cliente Sumido ${run}`;
const lapsedWaId = `55419${run}`;
const lapsedText = `Vocês entregam no sábado? ${run}`;
const comeBackText = `Sim, pode continuar! ${run}`;
const freeReply = `Ótimo, seguimos por aqui ${run}.`;

let browser: Flow['browser'];
let api: Flow['api'];
let page: Page;
let number: Flow['number'];

async function approvedTemplates(): Promise<TemplateRow[]> {
  const page = await api.request<{ items: TemplateRow[] }>(
    'GET',
    `/api/numbers/${number.id}/templates?status=approved`,
  );
  return page.items;
}

describe('Message templates end to end', () => {
  beforeAll(async () => {
    ({ api, number, browser, page } = await startFlow());
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
  it('re-opens a resolved conversation whose 24-hour window has closed', async () => {
    // The customer last wrote two days ago; the conversation was resolved since.
    await postInboundText(number, {
      waId: lapsedWaId,
      name: lapsedName,
      text: lapsedText,
      sentAt: new Date(Date.now() - 2 * 24 * 3600 * 1000),
    });
    const conversationId = await conversationOf(api, lapsedName);
    await api.request('POST', `/api/conversations/${conversationId}/resolve`);

    await page.goto(`${BASE_URL}/inbox/${conversationId}`);
    await page.getByTestId('message').filter({ hasText: lapsedText }).waitFor();
    const blocked = page.getByTestId('composer-blocked');
    await blocked.filter({ hasText: 'Conversa resolvida' }).waitFor();
    await page.getByRole('button', { name: 'Reabrir' }).click();

    // Open again, but past the window: no free text, a template instead.
    // The conversation's own badge (its row in the list has one too).
    await page
      .getByTestId('conversation-view')
      .locator('[data-testid="window-badge"][data-window="closed"]')
      .waitFor();
    await blocked.filter({ hasText: /24 horas/ }).waitFor();
    const composer = page.getByRole('textbox', { name: 'Mensagem' });
    await expect(composer.isDisabled()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'template-window-closed.png') });
    await page.getByRole('button', { name: 'Enviar um modelo' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('option', { name: /retomar_atendimento/ }).click();
    await dialog.getByRole('button', { name: 'Enviar modelo' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .locator('[data-testid="message"][data-status="read"]')
      .filter({ hasText: 'Podemos continuar o atendimento?' })
      .waitFor({ timeout: 30_000 });

    // The customer answers the template: the window opens and free text is back.
    await api.request('POST', '/api/simulator/inbound', {
      number_id: number.id,
      wa_id: lapsedWaId,
      name: lapsedName,
      text: comeBackText,
    });
    await page.getByTestId('message').filter({ hasText: comeBackText }).waitFor();
    // The conversation's own badge (its row in the list has one too).
    await page
      .getByTestId('conversation-view')
      .locator('[data-testid="window-badge"][data-window="open"]')
      .waitFor();
    await blocked.waitFor({ state: 'detached' });
    await composer.fill(freeReply);
    await composer.press('Enter');
    await page
      .locator('[data-testid="message"][data-status="read"]')
      .filter({ hasText: freeReply })
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'template-window-reopened.png') });
  });
});
