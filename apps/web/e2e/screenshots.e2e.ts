import { mkdirSync } from 'node:fs';
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

// The README screenshots: an agent's inbox with a few realistic conversations on a number of
// its own. They go to e2e-artifacts/readme/ unless E2E_SCREENSHOTS_DIR points elsewhere
// (docs/screenshots/ when refreshing the README).
const OUT = process.env.E2E_SCREENSHOTS_DIR ?? join(ARTIFACTS, 'readme');

interface Ref {
  id: string;
  name: string;
}

interface ConversationRow {
  id: string;
  contact: { wa_id: string | null };
}

const run = Date.now().toString().slice(-7);
const password = 'Carla-loja-2026';
const agentEmail = 'carla@loja.example';
const teamName = 'Loja Online';
const phoneNumberId = '200000000000001';

type Step = { from: 'customer' | 'agent'; text: string };
interface Script {
  name: string;
  take: boolean;
  read: boolean;
  steps: Step[];
}

// Oldest first: the last one ends up on top of the list.
const scripts: Script[] = [
  {
    name: 'Luciana Ferreira',
    take: true,
    read: true,
    steps: [
      { from: 'customer', text: 'Qual o horário de funcionamento da loja física?' },
      { from: 'agent', text: 'Oi, Luciana! De segunda a sábado, das 9h às 19h.' },
      { from: 'customer', text: 'Obrigada!' },
    ],
  },
  {
    name: 'Rafael Souza',
    take: true,
    read: true,
    steps: [
      { from: 'customer', text: 'Boa tarde! Meu pedido #4821 ainda não chegou.' },
      { from: 'agent', text: 'Oi, Rafael! Vou verificar com a transportadora e já te aviso.' },
    ],
  },
  {
    name: 'Mariana Costa',
    take: true,
    read: true,
    steps: [
      { from: 'customer', text: 'Oi! Vocês entregam em Campinas?' },
      { from: 'agent', text: 'Olá, Mariana! Entregamos sim, em até 2 dias úteis.' },
      { from: 'customer', text: 'Perfeito. E quanto fica o frete para o CEP 13015-000?' },
      { from: 'agent', text: 'Para esse CEP o frete fica R$ 18,90. Posso gerar o pedido?' },
      { from: 'customer', text: 'Pode sim, obrigada! Pago no Pix.' },
      { from: 'agent', text: 'Combinado! Enviei o link de pagamento por aqui mesmo.' },
    ],
  },
  {
    name: 'Pedro Henrique',
    take: false,
    read: false,
    steps: [
      { from: 'customer', text: 'Quero trocar um produto que veio com defeito.' },
      { from: 'customer', text: 'Tenho a nota fiscal aqui.' },
    ],
  },
  {
    name: 'Juliana Alves',
    take: false,
    read: false,
    steps: [{ from: 'customer', text: 'Vocês têm o tênis Runner no tamanho 38?' }],
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let admin: ApiSession;
let agent: ApiSession;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

async function ensureTeam(): Promise<Ref> {
  const teams = await admin.request<{ items: Ref[] }>('GET', '/api/teams');
  return (
    teams.items.find((t) => t.name === teamName) ??
    (await admin.request<Ref>('POST', '/api/teams', { name: teamName }))
  );
}

async function ensureNumber(teamId: string): Promise<Ref> {
  const numbers = await admin.request<{ items: (Ref & { phone_number_id: string })[] }>(
    'GET',
    '/api/numbers',
  );
  return (
    numbers.items.find((n) => n.phone_number_id === phoneNumberId) ??
    (await admin.request<Ref>('POST', '/api/numbers', {
      phone_number_id: phoneNumberId,
      display_phone_number: '5511940028922',
      label: 'Loja Centro',
      default_team_id: teamId,
      simulated: true,
    }))
  );
}

async function ensureAgent(teamId: string): Promise<string> {
  const users = await admin.request<{ items: (Ref & { email: string })[] }>('GET', '/api/users');
  const found = users.items.find((u) => u.email === agentEmail);
  if (found) return found.id;
  const created = await admin.request<Ref>('POST', '/api/users', {
    email: agentEmail,
    name: 'Carla Mendes',
    password,
    role: 'AGENT',
    team_ids: [teamId],
  });
  return created.id;
}

async function findConversation(waId: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const list = await agent.request<{ items: ConversationRow[] }>(
      'GET',
      '/api/conversations?view=team&status=open&limit=200',
    );
    const found = list.items.find((c) => c.contact.wa_id === waId);
    if (found) return found.id;
    await sleep(250);
  }
  throw new Error(`no conversation for ${waId}`);
}

async function playScript(script: Script, index: number, numberId: string, agentId: string) {
  const waId = `55119${run}${index}`;
  let conversationId: string | null = null;
  for (const step of script.steps) {
    if (step.from === 'customer') {
      await admin.request('POST', '/api/simulator/inbound', {
        number_id: numberId,
        wa_id: waId,
        name: script.name,
        text: step.text,
      });
      conversationId ??= await findConversation(waId);
      if (script.take) {
        await agent.request('POST', `/api/conversations/${conversationId}/assign`, {
          assignee_id: agentId,
        });
      }
    } else {
      await agent.request('POST', `/api/conversations/${conversationId}/messages`, {
        type: 'text',
        text: step.text,
      });
    }
    // Meta's timestamps have whole seconds: keep every message in its own second.
    await sleep(1100);
  }
  if (script.read && conversationId) {
    await agent.request('POST', `/api/conversations/${conversationId}/read`);
  }
}

async function settle(p: Page) {
  // Every outbound message delivered and read, no hover, no focus ring, no toast.
  await p.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="message"][data-direction="outbound"]')].every(
        (el) => el.getAttribute('data-status') === 'read',
      ),
    undefined,
    { timeout: 30_000 },
  );
  await p.mouse.move(0, 0);
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await sleep(400);
}

describe('README screenshots', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    admin = await apiLogin();
    const team = await ensureTeam();
    const number = await ensureNumber(team.id);
    const agentId = await ensureAgent(team.id);
    agent = await apiLogin(agentEmail, password);
    for (const [index, script] of scripts.entries()) {
      await playScript(script, index, number.id, agentId);
    }
    browser = await launchBrowser();
    page = await loginInBrowser(browser.context, agentEmail, password);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('inbox, light, desktop', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${BASE_URL}/inbox?view=team`);
    await page.getByTestId('conversation-row').filter({ hasText: 'Mariana Costa' }).click();
    await page.getByTestId('message').filter({ hasText: 'link de pagamento' }).waitFor();
    await page.getByTestId('transfer-entry').first().waitFor();
    await settle(page);
    await page.screenshot({ path: join(OUT, 'inbox-light.png') });
  });

  it('conversation, dark, desktop', async () => {
    await page.evaluate(() => localStorage.setItem('atende.theme', 'dark'));
    await page.goto(`${BASE_URL}/inbox?view=mine`);
    await page.getByTestId('conversation-row').filter({ hasText: 'Mariana Costa' }).click();
    await page.getByTestId('message').filter({ hasText: 'link de pagamento' }).waitFor();
    await page.getByTestId('transfer-entry').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
      true,
    );
    await settle(page);
    await page.screenshot({ path: join(OUT, 'conversation-dark.png') });
  });

  it('inbox, light, mobile', async () => {
    await page.evaluate(() => localStorage.setItem('atende.theme', 'light'));
    await page.setViewportSize({ width: 390, height: 780 });
    await page.goto(`${BASE_URL}/inbox?view=team`);
    await page.getByTestId('conversation-row').filter({ hasText: 'Juliana Alves' }).waitFor();
    await page.getByTestId('count-team').waitFor();
    await settle(page);
    await page.screenshot({ path: join(OUT, 'mobile-inbox.png') });
  });
});
