import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { apiLogin, ARTIFACTS, launchBrowser, loginInBrowser, type ApiSession } from './support';

interface Ref {
  id: string;
  name: string;
}

interface NumberRow {
  id: string;
  simulated: boolean;
  default_team: Ref | null;
}

const run = Date.now().toString(36);
const password = `Senha-e2e-${run}`;
const teamA = `Time A ${run}`;
const teamB = `Financeiro ${run}`;
const agent1 = { email: `agente1.${run}@atende.test`, name: `Ana ${run}` };
const agent2 = { email: `agente2.${run}@atende.test`, name: `Bruno ${run}` };
const customerName = `Cliente Transferência ${run}`;
const waId = `55219${Date.now().toString().slice(-8)}`;
const inboundText = `Preciso da segunda via do boleto ${run}`;
const replyText = `Vou passar para o financeiro ${run}.`;
const reason = `Cobrança é com o financeiro ${run}`;

let admin: ApiSession;
let first: Awaited<ReturnType<typeof launchBrowser>>;
let second: Awaited<ReturnType<typeof launchBrowser>>;
let page1: Page;
let page2: Page;
let simulatedNumber: NumberRow;

const row = (p: Page) => p.getByTestId('conversation-row').filter({ hasText: customerName });

async function openTab(p: Page, name: RegExp, view: string) {
  await p.getByRole('tab', { name }).click();
  await p.waitForURL(new RegExp(`view=${view}`));
}

describe('transfer between teams, seen live by both agents', () => {
  beforeAll(async () => {
    admin = await apiLogin();
    const numbers = await admin.request<{ items: NumberRow[] }>('GET', '/api/numbers');
    const found = numbers.items.find((n) => n.simulated);
    if (!found) throw new Error('the seed creates a simulated number; none found');
    simulatedNumber = found;

    const a = await admin.request<Ref>('POST', '/api/teams', { name: teamA });
    const b = await admin.request<Ref>('POST', '/api/teams', { name: teamB });
    // Agent 1 also joins the number's default team ("Atendimento"), where new
    // conversations land, so they can see and take the inbound one.
    const agent1Teams = [a.id, ...(found.default_team ? [found.default_team.id] : [])];
    await admin.request('POST', '/api/users', {
      ...agent1,
      password,
      role: 'AGENT',
      team_ids: agent1Teams,
    });
    await admin.request('POST', '/api/users', {
      ...agent2,
      password,
      role: 'AGENT',
      team_ids: [b.id],
    });

    first = await launchBrowser();
    second = await launchBrowser();
    page1 = await loginInBrowser(first.context, agent1.email, password);
    page2 = await loginInBrowser(second.context, agent2.email, password);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('agent 1 takes a new inbound conversation and replies', async () => {
    await openTab(page1, /^Não atribuídas/, 'unassigned');
    await openTab(page2, /^Do time/, 'team');

    await admin.request('POST', '/api/simulator/inbound', {
      number_id: simulatedNumber.id,
      wa_id: waId,
      name: customerName,
      text: inboundText,
    });

    await row(page1).waitFor({ timeout: 15_000 });
    await row(page1).click();
    await page1.getByTestId('conversation-title').filter({ hasText: customerName }).waitFor();
    await page1.getByTestId('message').filter({ hasText: inboundText }).waitFor();
    await page1.getByRole('button', { name: 'Assumir' }).click();
    await page1.getByRole('button', { name: 'Assumir' }).waitFor({ state: 'detached' });

    const composer = page1.getByRole('textbox', { name: 'Mensagem' });
    await composer.fill(replyText);
    await composer.press('Enter');
    await page1.getByTestId('message').filter({ hasText: replyText }).waitFor();

    await openTab(page1, /^Minhas/, 'mine');
    await row(page1).waitFor();
    await page1.getByTestId('count-mine').filter({ hasText: '1' }).waitFor({ timeout: 10_000 });
    // Agent 2 (another team) does not see it.
    await expect(row(page2).count()).resolves.toBe(0);
  });

  it('agent 1 transfers it to team B with a reason', async () => {
    await page1.getByRole('button', { name: 'Transferir' }).click();
    const dialog = page1.getByRole('dialog', { name: 'Transferir conversa' });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: 'Time' }).click();
    await page1.getByRole('option', { name: teamB }).click();
    await dialog.getByRole('textbox', { name: /Motivo/ }).fill(reason);
    await dialog.getByRole('button', { name: 'Transferir' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('it leaves "Minhas" for agent 1', async () => {
    await page1.getByText('Conversa transferida').waitFor();
    await row(page1).waitFor({ state: 'detached', timeout: 10_000 });
    expect(page1.url()).toMatch(/\/inbox\?.*view=mine/);
    await page1.getByTestId('count-mine').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('it appears in "Do time" for agent 2 without reload, with both changes in the trail', async () => {
    await row(page2).waitFor({ timeout: 15_000 });
    await page2.getByTestId('count-team').filter({ hasText: '1' }).waitFor({ timeout: 10_000 });
    await row(page2).click();
    await page2.getByTestId('conversation-title').filter({ hasText: customerName }).waitFor();
    await page2.getByTestId('message').filter({ hasText: replyText }).waitFor();
    // A new team queue: agent 2 may take it.
    await page2.getByRole('button', { name: 'Assumir' }).waitFor();

    const entries = page2.getByTestId('transfer-entry');
    await entries.nth(1).waitFor();
    await expect(entries.count()).resolves.toBe(2);
    await expect(entries.nth(0).getAttribute('data-kind')).resolves.toBe('take');
    await expect(entries.nth(0).innerText()).resolves.toContain(agent1.name);
    await expect(entries.nth(1).getAttribute('data-kind')).resolves.toBe('transfer');
    const transfer = await entries.nth(1).innerText();
    expect(transfer).toContain(`#${teamB}`);
    expect(transfer).toContain(reason);
    await page2.screenshot({ path: join(ARTIFACTS, 'transfer-received.png') });
  });
});
