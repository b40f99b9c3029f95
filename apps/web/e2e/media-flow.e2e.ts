import { join } from 'node:path';

import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pdfDocument } from './files';
import {
  ARTIFACTS,
  BASE_URL,
  conversationOf,
  setStatusDelays,
  type StatusDelays,
  startFlow,
  type Flow,
} from './support';

const run = Date.now().toString(36);
const customerName = `Cliente Mídia ${run}`;
const waId = `55319${Date.now().toString().slice(-8)}`;
const photoCaption = `Foto da embalagem ${run}`;
const fileName = `proposta-${run}.pdf`;
const fileCaption = `Segue a proposta ${run}`;
const pdf = pdfDocument(
  Array.from({ length: 48 }, (_, i) => `Item ${i + 1}: condicoes da proposta comercial ${run}`),
);

let browser: Flow['browser'];
let api: Flow['api'];
let page: Page;
let number: Flow['number'];
let previousDelays: StatusDelays | null = null;

/** A signed media link the browser loaded for an element of this kind. */
function mediaLoad(p: Page, kind: 'media' | 'image'): Promise<Response> {
  return p.waitForResponse(
    (r) => r.url().includes('/api/media/') && r.request().resourceType() === kind,
    { timeout: 30_000 },
  );
}

describe('Media through the simulator, seen and sent in the browser', () => {
  beforeAll(async () => {
    ({ api, number, browser, page } = await startFlow());
    // Slow the simulated phone down so each delivery state stays on screen for a moment.
    previousDelays = await setStatusDelays({ sent: 0.2, delivered: 3, read: 60 });
  });

  afterAll(async () => {
    if (previousDelays) await setStatusDelays(previousDelays);
    await browser?.close();
  });

  it('downloads an inbound voice note and photo, then plays and shows them', async () => {
    await api.request('POST', '/api/simulator/inbound', {
      number_id: number.id,
      wa_id: waId,
      name: customerName,
      type: 'audio',
    });
    await api.request('POST', '/api/simulator/inbound', {
      number_id: number.id,
      wa_id: waId,
      name: customerName,
      type: 'image',
      text: photoCaption,
    });
    const conversationId = await conversationOf(api, customerName);

    const audioLoaded = mediaLoad(page, 'media');
    const imageLoaded = mediaLoad(page, 'image');
    await page.goto(`${BASE_URL}/inbox/${conversationId}`);
    await page.getByTestId('conversation-title').filter({ hasText: customerName }).waitFor();

    // The voice note: a player whose file loads and has a length.
    const audio = page.getByTestId('message').locator('audio[aria-label="Mensagem de voz"]');
    await audio.waitFor({ timeout: 30_000 });
    const audioResponse = await audioLoaded;
    expect([200, 206]).toContain(audioResponse.status());
    expect(audioResponse.headers()['content-type']).toMatch(/^audio\/ogg/);
    const handle = await audio.elementHandle();
    await page.waitForFunction((el) => (el as HTMLAudioElement).readyState >= 1, handle, {
      timeout: 20_000,
    });
    const duration = await audio.evaluate((el) => (el as HTMLAudioElement).duration);
    expect(duration).toBeGreaterThan(0);
    const file = await audio.evaluate(async (el) => {
      const response = await fetch((el as HTMLAudioElement).currentSrc);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        magic: String.fromCharCode(...bytes.slice(0, 4)),
        size: bytes.length,
      };
    });
    expect(file).toMatchObject({ status: 200, magic: 'OggS' });
    expect(file.type).toMatch(/^audio\/ogg/);
    expect(file.size).toBeGreaterThan(100);

    // The photo: a thumbnail the browser decoded, with the customer's caption under it.
    const bubble = page.getByTestId('message').filter({ hasText: photoCaption });
    const thumbnail = bubble.getByRole('button', { name: 'Abrir imagem' }).locator('img');
    await thumbnail.waitFor({ timeout: 30_000 });
    await thumbnail.scrollIntoViewIfNeeded();
    const imageResponse = await imageLoaded;
    expect(imageResponse.status()).toBe(200);
    expect(imageResponse.headers()['content-type']).toBe('image/png');
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await thumbnail.elementHandle(),
    );
    await expect(thumbnail.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'media-inbound.png') });
  });

  it('opens the photo in a lightbox', async () => {
    await page.getByRole('button', { name: 'Abrir imagem' }).click();
    const lightbox = page.getByRole('dialog', { name: photoCaption });
    const full = lightbox.getByTestId('lightbox-image');
    await full.waitFor();
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await full.elementHandle(),
    );
    await expect(lightbox.getByRole('link', { name: 'Baixar' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'media-lightbox.png') });
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
  });

  it('attaches a PDF, sends it with a caption and sees it delivered', async () => {
    await page.getByRole('button', { name: 'Assumir' }).click();
    await page.getByRole('button', { name: 'Assumir' }).waitFor({ state: 'detached' });

    await page.getByTestId('attach-input').setInputFiles({
      name: fileName,
      mimeType: 'application/pdf',
      buffer: pdf,
    });
    const preview = page.getByTestId('attachment-preview');
    await preview.getByText(fileName).waitFor();
    const kb = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 }).format(
      pdf.length / 1024,
    );
    await preview.getByText(`${kb} KB`).waitFor();

    const composer = page.getByRole('textbox', { name: 'Mensagem' });
    await composer.fill(fileCaption);
    await composer.press('Enter');
    await preview.waitFor({ state: 'detached', timeout: 20_000 });

    const bubble = page
      .locator('[data-testid="message"][data-direction="outbound"]')
      .filter({ hasText: fileCaption });
    const card = bubble.getByTestId('document-card');
    await card.waitFor();
    await expect(card.innerText()).resolves.toContain(fileName);
    await expect(card.innerText()).resolves.toContain(`PDF · ${kb} KB`);

    // The simulated phone reports the send, then the delivery.
    await bubble.getByRole('img', { name: 'Enviada' }).waitFor({ timeout: 30_000 });
    await bubble.getByRole('img', { name: 'Entregue' }).waitFor({ timeout: 30_000 });

    // The card opens the very file that was attached.
    const served = await card.evaluate(async (el) => {
      const response = await fetch((el as HTMLAnchorElement).href);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        size: (await response.arrayBuffer()).byteLength,
      };
    });
    expect(served).toEqual({ status: 200, type: 'application/pdf', size: pdf.length });
    await page.screenshot({ path: join(ARTIFACTS, 'media-document-sent.png') });
  });
});
