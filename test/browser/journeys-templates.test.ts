import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journey: create a template in the form — Meta's rules are checked as one types and each problem
// shows at its field, the WhatsApp-style preview fills the variables with the examples — submit
// it, and watch its page go from pending to approved when the emulator (Meta) reviews it.

describe('templates journeys', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it('creates a template with inline validation and a live preview, and sees it approved', { timeout: 90_000 }, async () => {
    const { page } = await env.newPage('laptop', { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
    await page.goto('/templates');
    await page.getByRole('link', { name: 'hello_world' }).waitFor();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.waitForURL(/\/templates\/new$/);

    // Problems as one types, at their fields.
    await page.getByLabel('Name').fill('Order Shipped');
    await page.getByLabel('Body').fill('{{1}}{{2}}');
    const nameField = page.locator('.field', { has: page.getByLabel('Name') });
    await nameField.getByText('may contain only lowercase letters, digits and underscores').waitFor();
    const bodyField = page.locator('.field', { has: page.getByLabel('Body') });
    await bodyField.getByText('cannot start or end with a variable', { exact: false }).waitFor();
    await bodyField.getByText('two variables next to each other', { exact: false }).waitFor();
    await page.getByTestId('template-problems').getByText(/problems? to fix/).waitFor();
    expect(await page.getByRole('button', { name: 'Submit for review' }).isDisabled()).toBe(true);
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'templates-create-problems-laptop');

    // Fixed: the preview shows the body with the examples, formatted like WhatsApp.
    await page.getByLabel('Name').fill('order_shipped');
    await page.getByLabel('Body').fill('Hi {{1}}, your order *{{2}}* has shipped.');
    await page.getByLabel('Example for {{1}}').fill('Asha');
    await page.getByLabel('Example for {{2}}').fill('#1042');
    await page.getByLabel('Footer (optional)').fill('Reply STOP to opt out');
    await page.getByRole('button', { name: 'Add a button' }).click();
    await page.getByLabel('Button 1 text').fill('Track order');
    await page.getByTestId('template-problems').getByText('No problems found: ready to submit.').waitFor();
    const bubble = page.getByTestId('wa-bubble');
    expect(await bubble.textContent()).toContain('Hi Asha, your order #1042 has shipped.');
    expect(await bubble.locator('strong').textContent()).toBe('#1042');
    await page.getByText('Track order', { exact: false }).last().waitFor();
    await screenshot(page, 'templates-create-ready-laptop');

    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.waitForURL(/\/templates\/[0-9a-f-]{36}$/);
    const status = page.getByTestId('template-status');
    await status.getByText('pending').waitFor();
    await screenshot(page, 'templates-pending-laptop');

    // Meta's review: the emulator decides after 10 s of its clock (the test clock) and sends the
    // status webhook; the page follows it by itself.
    const advance = await fetch(`${env.app.url}/emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 11 }) });
    expect(advance.status).toBe(200);
    await status.getByText('approved').waitFor({ timeout: 20_000 });
    await page.getByRole('cell', { name: 'APPROVED' }).first().waitFor({ timeout: 10_000 });
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'templates-approved-laptop');

    await page.getByRole('link', { name: 'Back to templates' }).click();
    const row = page.getByRole('row', { name: /order_shipped/ });
    await row.getByText('approved').waitFor();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`the templates pages pass axe (${viewport})`, { timeout: 60_000 }, async () => {
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
      await page.goto('/templates');
      await page.getByRole('link', { name: 'hello_world' }).waitFor();
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `templates-list-${viewport}`);
      await page.getByRole('link', { name: 'hello_world' }).click();
      await page.getByTestId('template-status').waitFor();
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `templates-detail-${viewport}`);
      await page.goto('/templates/new');
      await page.getByLabel('Body').fill('Hello {{1}}');
      await page.getByLabel('Example for {{1}}').waitFor();
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `templates-create-${viewport}`);
    });
  }
});
