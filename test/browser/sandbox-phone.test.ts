import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journey: a customer on the sandbox phone writes first, the business sends buttons, a list and
// a product (public API); on the phone the customer presses a button, picks a row and sends an
// order; the inbox draws each of those as its own kind of bubble.

const CUSTOMER: Record<ViewportName, { waId: string; name: string }> = {
  laptop: { waId: '919800000002', name: 'Bilal Khan' },
  phone: { waId: '919800000004', name: 'Dev Malhotra' },
};

describe('sandbox phone', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  const send = async (waId: string, type: string, message: unknown) => {
    const res = await fetch(`${env.app.url}/v1/public/message/`, {
      method: 'POST',
      headers: { authorization: env.app.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fullPhoneNumber: waId, type, data: { message } }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  };

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`buttons, list rows and an order from the phone reach the inbox (${viewport})`, async () => {
      const c = CUSTOMER[viewport];
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      await page.goto(`/sandbox/${c.waId}`);
      await page.getByRole('heading', { name: c.name }).waitFor();
      await page.getByLabel(/^Message as/).fill('Hello, I want to order shoes');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.locator('[data-testid="phone-message"][data-from="user"]').filter({ hasText: 'I want to order shoes' }).waitFor();

      // The inbox sees the conversation (the customer's message opened the window).
      await expect.poll(async () => {
        const r = await fetch(`${env.app.url}/api/v1/inbox/conversation-cards?q=${c.waId}`, { headers: { authorization: env.app.auth } });
        return ((await r.json()) as { data: { windowOpenUntil: string | null }[] }).data[0]?.windowOpenUntil ?? null;
      }, { timeout: 15_000 }).not.toBeNull();

      await send(c.waId, 'InteractiveButton', { type: 'button', body: { text: 'Which size?' }, action: { buttons: [{ type: 'reply', reply: { id: 's', title: 'Small' } }, { type: 'reply', reply: { id: 'm', title: 'Medium' } }] } });
      const business = page.locator('[data-testid="phone-message"][data-from="business"]');
      await business.filter({ hasText: 'Which size?' }).getByRole('button', { name: 'Medium' }).click();
      await page.locator('[data-testid="phone-message"][data-from="user"]').filter({ hasText: 'Medium' }).waitFor();

      await send(c.waId, 'InteractiveList', { type: 'list', body: { text: 'Choose a delivery plan' }, action: { button: 'Plans', sections: [{ title: 'Plans', rows: [{ id: 'std', title: 'Standard' }, { id: 'exp', title: 'Express', description: 'Tomorrow' }] }] } });
      await business.filter({ hasText: 'Choose a delivery plan' }).getByRole('button', { name: /Express/ }).click();
      await page.locator('[data-testid="phone-message"][data-from="user"]').filter({ hasText: 'Express' }).waitFor();

      await send(c.waId, 'Product', { type: 'product', body: { text: 'Our bestseller' }, action: { catalog_id: '100000000000001', product_retailer_id: 'sku-shoe-42' } });
      await business.filter({ hasText: 'Our bestseller' }).getByRole('button', { name: /Send order/ }).click();
      await expect.poll(() => page.locator('[data-testid="phone-message"][data-from="user"]').count(), { timeout: 15_000 }).toBe(4);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `sandbox-phone-${viewport}`);

      // The inbox: each answer drawn as what it is.
      await page.goto('/inbox');
      await page.getByTestId('conversation-item').filter({ hasText: c.name }).click();
      const inbound = page.locator('[data-testid="message"][data-direction="inbound"]');
      await inbound.filter({ hasText: 'Pressed Medium' }).waitFor({ timeout: 15_000 });
      await inbound.filter({ hasText: 'Picked Express' }).waitFor();
      await inbound.filter({ hasText: 'Order' }).filter({ hasText: 'sku-shoe-42' }).waitFor();
      await page.locator('[data-testid="message"][data-direction="outbound"][data-type="interactive"]').filter({ hasText: 'Plans' }).waitFor();
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `sandbox-answers-in-inbox-${viewport}`);
    }, 120_000);

    it(`a photo, a voice note, a video and a document from the phone show inline in the chat (${viewport})`, async () => {
      const c = CUSTOMER[viewport];
      const userSends = async (body: Record<string, unknown>) => {
        const r = await fetch(`${env.app.url}/emulator/users/${c.waId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(r.status, await r.clone().text()).toBe(201);
      };
      await userSends({ type: 'image', sample: 'sample.png', caption: `Photo of the box (${viewport})` });
      await userSends({ type: 'audio', sample: 'sample.mp3', voice: true });
      await userSends({ type: 'video', sample: 'sample.mp4' });
      await userSends({ type: 'document', sample: 'sample.pdf', filename: `invoice-${viewport}.pdf` });

      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      await page.goto('/inbox');
      await page.getByTestId('conversation-item').filter({ hasText: c.name }).click();
      const inbound = page.locator('[data-testid="message"][data-direction="inbound"]');
      const photo = inbound.filter({ hasText: `Photo of the box (${viewport})` }).getByRole('img', { name: `Photo of the box (${viewport})` });
      await photo.waitFor({ timeout: 20_000 });
      // The picture really loaded from Samvad's media route (a broken image has no natural width).
      await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBeGreaterThan(0);
      const audio = inbound.locator('[data-type="audio"] audio, audio').last();
      await audio.waitFor();
      expect(await audio.getAttribute('src')).toMatch(/^\/api\/v1\/inbox\/messages\/[^/]+\/media$/);
      await inbound.locator('video').last().waitFor();
      const open = page.getByRole('link', { name: `Open invoice-${viewport}.pdf` });
      await open.waitFor({ timeout: 20_000 });
      // The document link serves the PDF to the signed-in user (through the signed /media URL).
      const pdf = await page.evaluate(async (href) => {
        const r = await fetch(href);
        return { status: r.status, type: r.headers.get('content-type'), url: r.url };
      }, (await open.getAttribute('href'))!);
      expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
      expect(pdf.url).toMatch(/\/media\/.+\?exp=\d+&sig=/);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `inbox-received-media-${viewport}`);
    }, 120_000);

    it(`canned response on "/", a private note and a label (${viewport})`, async () => {
      const waId = viewport === 'laptop' ? '919800000005' : '919800000001';
      const firstName = viewport === 'laptop' ? 'Esha' : 'Asha';
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${env.app.url}${path}`, { method, headers: { authorization: env.app.auth, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (viewport === 'laptop') {
        expect((await api('POST', '/api/v1/canned-responses', { shortcut: 'greet', content: 'Hi {{contact.first_name}}, how can I help?' })).status).toBe(201);
        expect((await api('POST', '/api/v1/labels', { name: 'priority' })).status).toBe(201);
      }
      expect((await api('POST', `/emulator/users/${waId}/messages`, { type: 'text', text: 'Hello there' })).status).toBe(201);
      let conversationId = '';
      await expect.poll(async () => {
        const r = (await (await api('GET', `/api/v1/inbox/conversation-cards?q=${waId}`)).json()) as { data: { conversationId: string; windowOpenUntil: string | null }[] };
        conversationId = r.data[0]?.conversationId ?? '';
        return r.data[0]?.windowOpenUntil ?? null;
      }, { timeout: 15_000 }).not.toBeNull();

      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      await page.goto(`/inbox/${conversationId}`);
      const box = page.getByRole('combobox', { name: /Message/ });
      await box.fill('/gr');
      await page.getByRole('option', { name: /\/greet/ }).waitFor();
      await screenshot(page, `inbox-canned-${viewport}`);
      await box.press('Enter');
      await expect.poll(() => box.inputValue()).toBe(`Hi ${firstName}, how can I help?`);

      await page.getByRole('tab', { name: 'Private note' }).click();
      await page.getByRole('combobox', { name: /Private note/ }).fill('VIP customer, call back tomorrow');
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.getByTestId('note').filter({ hasText: 'VIP customer, call back tomorrow' }).waitFor();

      await page.getByLabel('Add a label').selectOption('priority');
      await page.getByRole('button', { name: 'Remove label priority' }).waitFor();
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `inbox-note-label-${viewport}`);
      // The note never reached the customer's phone.
      const chat = (await (await api('GET', `/emulator/users/${waId}/chat?all=1`)).json()) as { messages: { text: string }[] };
      expect(chat.messages.some((m) => m.text.includes('VIP customer'))).toBe(false);
    }, 90_000);

    it(`a send that fails shows Meta's code and reason (${viewport})`, async () => {
      // Chitra Iyer is not on WhatsApp: every send fails with 131026.
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      await page.goto('/inbox');
      await page.getByRole('button', { name: 'New conversation' }).click();
      const dialog = page.getByRole('dialog', { name: 'New conversation' });
      await dialog.getByLabel('Phone number with country code').fill('919800000003');
      await expect.poll(() => dialog.getByTestId('template-preview').textContent()).toContain('Hello World');
      await dialog.getByRole('button', { name: 'Send template' }).click();
      await page.waitForURL(/\/inbox\/[^/]+$/);
      const failed = page.locator('[data-testid="message"][data-type="template"]').last();
      await expect.poll(() => failed.getByTestId('status').getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
      expect(await failed.getByRole('note').textContent()).toMatch(/^Not delivered \(131026\): .+/);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `inbox-failed-send-${viewport}`);
    }, 90_000);
  }
});
