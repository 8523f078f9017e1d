import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journey (issue 8): from the inbox, send a template to a virtual customer; answer as that
// customer from the sandbox phone; see the reply appear live in the inbox; reply with free text
// (now that the 24-hour window is open); assign the chat to another agent, who sees it arrive
// live in their "Mine" list in another browser. Once per window size, each with its own customer.

const CUSTOMER: Record<ViewportName, { waId: string; name: string }> = {
  laptop: { waId: '919800000002', name: 'Bilal Khan' },
  phone: { waId: '919800000004', name: 'Dev Malhotra' },
};

async function noSeriousViolations(page: Page) {
  expect(describeViolations(await seriousA11yViolations(page))).toBe('');
}

describe('inbox journey', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
    await env.addMember('ravi@example.com', 'agent', 'Ravi Agent');
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`template → customer reply → free text → assignment, live (${viewport})`, async () => {
      const customer = CUSTOMER[viewport];
      const shot = (page: Page, step: string) => screenshot(page, `inbox-${viewport}-${step}`);
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      await page.goto('/inbox');
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      await noSeriousViolations(page);
      await shot(page, '1-inbox');

      // 1. A template to a customer the inbox has never talked to.
      await page.getByRole('button', { name: 'New conversation' }).click();
      const dialog = page.getByRole('dialog', { name: 'New conversation' });
      await dialog.getByLabel('Phone number with country code').fill(customer.waId);
      await dialog.getByLabel('Template').selectOption({ label: 'hello_world (en_US, utility)' });
      await expect.poll(() => dialog.getByTestId('template-preview').textContent()).toContain('Hello World');
      await noSeriousViolations(page);
      await shot(page, '2-new-conversation');
      await dialog.getByRole('button', { name: 'Send template' }).click();
      await page.waitForURL(/\/inbox\/[^/]+$/);
      const conversationUrl = new URL(page.url()).pathname;
      await page.getByTestId('chat-title').filter({ hasText: customer.name }).or(page.getByTestId('chat-title').filter({ hasText: customer.waId })).waitFor();
      const template = page.locator('[data-testid="message"][data-type="template"]');
      await template.waitFor();
      // The window is closed until the customer writes: free text is not offered.
      expect(await page.getByTestId('window').textContent()).toBe('Window closed');
      expect(await page.getByRole('tab', { name: 'Reply' }).isDisabled()).toBe(true);
      // Status ticks follow the emulator's delivery receipts.
      await expect.poll(() => template.getByTestId('status').getAttribute('data-status'), { timeout: 15_000 }).toMatch(/delivered|read/);
      // The bubble shows the template as the customer saw it.
      expect(await template.textContent()).toContain('Welcome and congratulations');
      await shot(page, '3-template-sent');

      // 2. The customer answers from the sandbox phone (another tab).
      const phone = await page.context().newPage();
      await phone.goto(`/sandbox/${customer.waId}`);
      const received = phone.locator('[data-testid="phone-message"][data-from="business"]');
      await received.filter({ hasText: 'Hello World' }).waitFor({ timeout: 15_000 });
      await noSeriousViolations(phone);
      await phone.getByLabel(/^Message as/).fill('Yes please, tell me more');
      await phone.getByRole('button', { name: 'Send', exact: true }).click();
      await phone.locator('[data-testid="phone-message"][data-from="user"]').filter({ hasText: 'Yes please, tell me more' }).waitFor();
      await shot(phone, '4-sandbox-phone');

      // 3. The reply appears in the inbox without a reload (SSE), and the window opens.
      const inbound = page.locator('[data-testid="message"][data-direction="inbound"]').filter({ hasText: 'Yes please, tell me more' });
      await inbound.waitFor({ timeout: 15_000 });
      await expect.poll(() => page.getByTestId('window').textContent()).toMatch(/^Window open · 2[34]h/);
      // Opening the chat read it: no unread badge left on its row (laptop shows the list beside the chat).
      if (viewport === 'laptop') await expect.poll(() => page.getByTestId('conversation-item').filter({ hasText: customer.name }).locator('.unread').count()).toBe(0);
      await shot(page, '5-reply-live');

      // 4. Free text, now allowed.
      await page.getByRole('tab', { name: 'Reply' }).click();
      await page.getByRole('combobox', { name: /Message/ }).fill('Sure! Our plans start at ₹499.');
      await page.getByRole('combobox', { name: /Message/ }).press('Enter');
      const text = page.locator('[data-testid="message"][data-direction="outbound"][data-type="text"]').filter({ hasText: 'Our plans start at ₹499.' });
      await text.waitFor({ timeout: 15_000 });
      await received.filter({ hasText: 'Our plans start at ₹499.' }).waitFor({ timeout: 15_000 });
      await noSeriousViolations(page);
      await shot(page, '6-free-text');

      // 5. Assign to Ravi, who watches his "Mine" list in his own browser.
      const ravi = await env.newPage(viewport, { email: 'ravi@example.com' });
      await ravi.page.goto('/inbox');
      await Promise.all([
        ravi.page.waitForResponse((r) => r.url().includes('/api/v1/inbox/conversation-cards') && r.url().includes('view=mine') && r.status() === 200),
        ravi.page.getByRole('button', { name: 'Mine' }).click(),
      ]);
      await ravi.page.locator('ul.conv-items[aria-busy="false"]').waitFor({ state: 'attached' });
      const item = ravi.page.getByTestId('conversation-item').filter({ hasText: customer.name });
      expect(await item.count()).toBe(0);
      await page.getByLabel('Assigned to').selectOption({ label: 'Ravi Agent' });
      await item.waitFor({ timeout: 15_000 });
      await shot(ravi.page, '7-assigned-live');
      await item.click();
      await ravi.page.waitForURL((u) => u.pathname === conversationUrl);
      await ravi.page.locator('[data-testid="message"][data-direction="inbound"]').filter({ hasText: 'Yes please, tell me more' }).waitFor();
      expect(await ravi.page.getByLabel('Assigned to').inputValue()).not.toBe('');
      await noSeriousViolations(ravi.page);
      await shot(ravi.page, '8-agent-chat');

      // 6. Ravi starts typing; the owner, still on the chat, sees it.
      await ravi.page.getByRole('combobox', { name: /Message/ }).fill('Let me check');
      await page.getByRole('status').filter({ hasText: 'Ravi Agent is typing…' }).waitFor({ timeout: 15_000 });
      await shot(page, '9-typing');
    }, 120_000);
  }
});
