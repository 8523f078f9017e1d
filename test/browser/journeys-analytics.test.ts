import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// The Analytics page on known traffic: three template sends (one to a customer not on WhatsApp)
// show as sent/failed figures and charts (SVG with the numbers in a table behind), in both window
// sizes, with no serious accessibility violation.

describe('analytics journeys', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
    for (const phone of ['919866600001', '919866600002', '919800000003']) {
      const res = await fetch(`${env.app.url}/v1/public/message/`, {
        method: 'POST',
        headers: { authorization: env.app.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ fullPhoneNumber: phone, type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }),
      });
      if (res.status !== 201) throw new Error(`send: ${res.status} ${await res.text()}`);
    }
    // Wait until the three have their outcome (two sent, one failed).
    for (let i = 0; i < 150; i++) {
      const r = (await (await fetch(`${env.app.url}/api/v1/analytics/messages`, { headers: { authorization: env.app.auth } })).json()) as { totals: { sent: number; failed: number } };
      if (r.totals.sent === 2 && r.totals.failed === 1) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`shows messages, rates, conversations, cost, agents and campaigns as charts (${viewport})`, { timeout: 60_000 }, async () => {
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      await page.goto('/analytics');
      await page.getByRole('heading', { name: 'Analytics', exact: true }).waitFor();
      await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe('2');
      expect(await page.getByTestId('stat-failed').textContent()).toBe('1');
      for (const chart of ['Messages over time', 'Delivery and read rates over time (percent)', 'Conversations over time']) {
        expect(await page.getByRole('img', { name: chart }).count(), chart).toBe(1);
      }
      await page.getByRole('heading', { name: 'Cost', exact: true }).waitFor();
      await page.getByRole('heading', { name: 'Agent response times' }).waitFor();
      await page.getByRole('heading', { name: 'Campaigns', exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `analytics-${viewport}`);
    });
  }
});
