import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, signInThroughForm, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journey: a person opens the dashboard, is sent to sign-in, signs in, lands in the inbox with
// the workspace's name and sandbox badge, and signs out again. A wrong password says so.

describe('sign-in journey', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`signs in and out (${viewport})`, async () => {
      const { page } = await env.newPage(viewport);
      const response = await page.goto('/inbox');
      expect(response?.status()).toBe(200);
      await page.waitForURL(/\/sign-in\?next=%2Finbox/);
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `sign-in-${viewport}`);

      await page.getByLabel('Email').fill(OWNER_EMAIL);
      await page.getByLabel('Password').fill('not the password at all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert').filter({ hasText: /password/i });
      await alert.waitFor();
      await screenshot(page, `sign-in-wrong-password-${viewport}`);

      await signInThroughForm(page, OWNER_EMAIL);
      expect(await page.getByTestId('mode').textContent()).toBe('Sandbox');
      if (viewport === 'laptop') expect(await page.getByTestId('workspace-name').textContent()).toBe('Acme Browser Test');
      await page.getByRole('heading', { name: 'Inbox' }).first().waitFor();
      expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
      await screenshot(page, `inbox-after-sign-in-${viewport}`);

      await page.getByRole('button', { name: 'Olivia Owner' }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // The session is gone on the server too: the inbox sends back to sign-in.
      await page.goto('/inbox');
      await page.waitForURL(/\/sign-in/);
    }, 90_000);
  }

  it('keeps API paths as JSON 404s while dashboard paths load the app', async () => {
    const api = await fetch(`${env.app.url}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const page = await fetch(`${env.app.url}/inbox/some-conversation`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
