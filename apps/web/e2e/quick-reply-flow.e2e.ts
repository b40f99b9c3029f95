import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ARTIFACTS, BASE_URL, conversationOf, startFlow, type Flow } from './support';

const run = Date.now().toString(36);
const shortcut = `ola${run}`;
const customerName = `Renata Lima ${run}`;
const waId = `55519${Date.now().toString().slice(-8)}`;
const template = 'Olá, {{contact.name}}! Aqui é {{agent.name}}, em que posso ajudar?';

let browser: Flow['browser'];
let api: Flow['api'];
let page: Page;
let number: Flow['number'];
let agentName: string;

describe('Quick replies: created in the settings, picked with "/" in the composer', () => {
  beforeAll(async () => {
    ({ api, number, browser, page } = await startFlow());
    agentName = (await api.request<{ name: string }>('GET', '/api/auth/me')).name;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('creates a quick reply with variables in the settings', async () => {
    await page.goto(`${BASE_URL}/settings/quick-replies`);
    await page.getByRole('button', { name: 'Nova resposta rápida' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nova resposta rápida' });
    await dialog.getByLabel('Atalho').fill(shortcut);
    const text = dialog.getByLabel('Texto');
    const variable = (name: string) =>
      dialog.getByRole('button', { name: `Variáveis (clique para inserir): ${name}` });

    // Typed text and variables inserted at the caret with their buttons.
    await text.fill('Olá, ');
    await variable('Nome do contato').click();
    await page.waitForFunction(
      (el) => (el as HTMLTextAreaElement).value === 'Olá, {{contact.name}}',
      await text.elementHandle(),
    );
    await text.pressSequentially('! Aqui é ');
    await variable('Seu nome').click();
    await page.waitForFunction(
      (el) => (el as HTMLTextAreaElement).value.endsWith('{{agent.name}}'),
      await text.elementHandle(),
    );
    await text.pressSequentially(', em que posso ajudar?');
    await expect(text.inputValue()).resolves.toBe(template);

    await dialog.getByRole('button', { name: 'Criar' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: `/${shortcut}` });
    await row.waitFor();
    await expect(row.innerText()).resolves.toContain('{{contact.name}}');
  });

  it('fills the composer from "/" with the conversation’s values', async () => {
    await api.request('POST', '/api/simulator/inbound', {
      number_id: number.id,
      wa_id: waId,
      name: customerName,
      text: 'Bom dia, tudo bem?',
    });
    const conversationId = await conversationOf(api, customerName);
    await page.goto(`${BASE_URL}/inbox/${conversationId}`);
    await page.getByTestId('message').filter({ hasText: 'Bom dia, tudo bem?' }).waitFor();

    const rendered = `Olá, ${customerName}! Aqui é ${agentName}, em que posso ajudar?`;
    const composer = page.getByRole('textbox', { name: 'Mensagem' });
    await composer.click();
    await composer.pressSequentially(`/${shortcut}`);
    const picker = page.getByTestId('quick-reply-picker');
    const option = picker.getByRole('option').filter({ hasText: `/${shortcut}` });
    await option.waitFor();
    // The list previews the text as the customer will read it.
    await expect(option.innerText()).resolves.toContain(rendered);
    await page.screenshot({ path: join(ARTIFACTS, 'quick-reply-picker.png') });

    await option.click();
    await picker.waitFor({ state: 'detached' });
    await expect(composer.inputValue()).resolves.toBe(rendered);

    await composer.press('Enter');
    await page
      .locator('[data-testid="message"][data-direction="outbound"]')
      .filter({ hasText: rendered })
      .waitFor();
    await expect(composer.inputValue()).resolves.toBe('');
  });
});
