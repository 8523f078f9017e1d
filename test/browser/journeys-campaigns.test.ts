import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journey: create a small campaign in the wizard (an approved template with a variable, a list
// of phones with its count, the variable from the contact's name with a fallback, start now),
// then watch its progress bar finish, the funnel fill and the failures by reason; retarget it.

const PHONES = ['919877700001', '919877700002', '919877700003', '919877700004', '919877700005', '919800000003'];

describe('campaigns journeys', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
    // An approved template with one body variable (created and reviewed through the API; the
    // templates journey does it in the browser).
    const api = (path: string, body: unknown) => fetch(`${env.app.url}${path}`, { method: 'POST', headers: { authorization: env.app.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await api('/api/v1/templates', { name: 'sale_alert', language: 'en', category: 'MARKETING', components: [{ type: 'BODY', text: 'Hi {{1}}, the sale starts today.', example: { body_text: [['Asha']] } }] });
    if (created.status !== 201) throw new Error(`template: ${created.status} ${await created.text()}`);
    const id = ((await created.json()) as { id: string }).id;
    await fetch(`${env.app.url}/emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 11 }) });
    for (let i = 0; i < 100; i++) {
      const t = (await (await fetch(`${env.app.url}/api/v1/templates/${id}`, { headers: { authorization: env.app.auth } })).json()) as { status: string };
      if (t.status === 'APPROVED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it('creates and runs a small campaign and watches its progress bar finish', { timeout: 90_000 }, async () => {
    const { page } = await env.newPage('laptop', { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
    await page.goto('/campaigns');
    await page.getByRole('button', { name: 'New campaign' }).click();
    await page.waitForURL(/\/campaigns\/new$/);

    // 1. Template
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByLabel('Approved template').selectOption({ label: 'sale_alert (en, marketing)' });
    await page.getByTestId('wa-bubble').getByText('Hi Asha, the sale starts today.').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    // 2. Audience, with its count.
    await page.getByLabel('Phone numbers', { exact: true }).fill(PHONES.join('\n') + '\n' + PHONES[0]);
    expect(await page.getByTestId('audience-count').textContent()).toBe('Audience: 6 recipients');
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'campaigns-wizard-audience-laptop');
    await page.getByRole('button', { name: 'Next' }).click();

    // 3. Variables: {{1}} from the name trait, "there" when a recipient has none.
    const slot = page.getByRole('group', { name: 'Body {{1}}' });
    expect(await slot.getByLabel('Comes from').inputValue()).toBe('trait');
    expect(await slot.getByLabel('Trait').inputValue()).toBe('name');
    await slot.getByLabel('Fallback').fill('friend');
    await screenshot(page, 'campaigns-wizard-variables-laptop');
    await page.getByRole('button', { name: 'Next' }).click();

    // 4. Schedule: now.
    await page.getByLabel('Campaign name').fill('Sale day');
    await page.getByRole('button', { name: 'Create and start' }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);

    // The progress bar runs to the end: every recipient settled, one failed (not on WhatsApp).
    const bar = page.getByRole('progressbar', { name: 'Campaign progress' });
    await bar.waitFor();
    await page.getByTestId('campaign-status').getByText('completed').waitFor({ timeout: 30_000 });
    expect(await bar.getAttribute('aria-valuenow')).toBe('6');
    expect(await bar.getAttribute('aria-valuemax')).toBe('6');
    expect(await page.getByTestId('campaign-progress-text').textContent()).toContain('6 of 6 recipients done (100 %)');
    // Failures by reason: the customer not on WhatsApp (131026).
    await page.getByRole('region', { name: 'Failures by reason' }).getByRole('cell', { name: '131026', exact: true }).waitFor();
    // The funnel: 5 sent.
    const sentStep = page.locator('.funnel-step').first();
    expect(await sentStep.locator('.funnel-label').textContent()).toBe('Sent');
    expect(await sentStep.locator('strong').textContent()).toBe('5');
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'campaigns-completed-laptop');

    // Retarget: the wizard opens with the earlier campaign's recipients as the audience.
    await page.getByLabel('Recipients who').selectOption('failed');
    await page.getByRole('button', { name: 'Create retargeting campaign' }).click();
    await page.waitForURL(/\/campaigns\/new\?retarget=/);
    await page.getByLabel('Approved template').selectOption({ label: 'sale_alert (en, marketing)' });
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await page.getByRole('radio', { name: "An earlier campaign's recipients" }).isChecked()).toBe(true);
    expect(await page.getByLabel('Earlier campaign', { exact: true }).inputValue()).not.toBe('');
    await expect.poll(() => page.getByTestId('audience-count').textContent(), { timeout: 10_000 }).toBe('Audience: about 1 recipient (opted-out contacts are skipped for marketing templates)');
    await screenshot(page, 'campaigns-retarget-laptop');
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`the campaigns pages pass axe (${viewport})`, { timeout: 60_000 }, async () => {
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
      await page.goto('/campaigns');
      await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `campaigns-list-${viewport}`);
      const first = page.getByRole('link', { name: 'Sale day' });
      if (await first.count()) {
        await first.click();
        await page.getByRole('progressbar', { name: 'Campaign progress' }).waitFor();
        expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
        await screenshot(page, `campaigns-detail-${viewport}`);
      }
      await page.goto('/campaigns/new');
      await page.getByLabel('Approved template').waitFor();
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `campaigns-wizard-${viewport}`);
    });
  }
});
