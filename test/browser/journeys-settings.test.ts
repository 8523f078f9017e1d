import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Settings: the sandbox number and its test, an API key shown once, a webhook endpoint whose
// delivery log shows a real delivery and replays it, an invitation link, opt-out keywords and
// business hours saved; every section checked with axe in both window sizes.

describe('settings journeys', () => {
  let env: BrowserEnv;
  let receiver: Server;
  let received = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    env = await startBrowserEnv({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    receiver?.close();
  });

  it('manages numbers, keys, webhooks, users, opt-out keywords and business hours', { timeout: 90_000 }, async () => {
    const { page } = await env.newPage('laptop', { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
    await page.goto('/settings');
    await page.waitForURL(/\/settings\/numbers$/);
    const sandboxRow = page.getByRole('row', { name: /919000000001/ });
    await sandboxRow.getByText('sandbox', { exact: true }).waitFor();
    await sandboxRow.getByRole('button', { name: /^Test/ }).click();
    await page.getByText(/Test of .*: working/).waitFor();
    await screenshot(page, 'settings-numbers-laptop');

    // An API key, shown once, that works.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('Shop sync');
    await page.getByLabel('Role').selectOption('agent');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())!;
    const ping = await fetch(`${env.app.url}/v1/public/ping/`, { headers: { authorization: `Basic ${key}` } });
    expect(ping.status).toBe(200);
    await page.getByRole('row', { name: /Shop sync/ }).getByText('agent').waitFor();
    await screenshot(page, 'settings-api-keys-laptop');

    // A webhook endpoint; a message makes a delivery that the log shows, then a replay.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await page.getByLabel('URL', { exact: true }).fill(url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Signing secret of').waitFor();
    const send = await fetch(`${env.app.url}/v1/public/message/`, {
      method: 'POST',
      headers: { authorization: env.app.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fullPhoneNumber: '919855500001', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }),
    });
    expect(send.status).toBe(201);
    await expect.poll(() => received, { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole('link', { name: `Delivery log of ${url}` }).click();
    const delivered = page.getByRole('row', { name: /message_api_sent/ });
    for (let i = 0; i < 20 && !(await delivered.getByText('delivered').count()); i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(300);
    }
    await delivered.getByText('delivered').waitFor();
    const before = received;
    await delivered.getByRole('button', { name: 'Redeliver message_api_sent' }).click();
    await expect.poll(() => received, { timeout: 20_000 }).toBeGreaterThan(before);
    await delivered.last().getByRole('button', { name: /Show the body/ }).click();
    await page.getByRole('dialog').getByText('"message_api_sent"', { exact: false }).waitFor();
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'settings-webhook-log-laptop');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // An invitation link (no mail server).
    await page.getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('row', { name: /owner@example.com/ }).waitFor();
    await page.getByLabel('Email').fill('agent.ann@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText(/Send this link to agent\.ann@example\.com/).waitFor();
    await page.getByRole('row', { name: /agent\.ann@example\.com/ }).waitFor();
    await screenshot(page, 'settings-users-laptop');

    // Opt-out keywords: a Hindi keyword added and kept.
    await page.getByRole('link', { name: 'Opt-out keywords' }).click();
    const stop = page.getByRole('textbox', { name: 'Opt-out keywords' });
    await stop.fill(`${await stop.inputValue()}\nबंद`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Opt-out settings saved').waitFor();
    const opt = (await (await fetch(`${env.app.url}/api/v1/contacts/opt-settings`, { headers: { authorization: env.app.auth } })).json()) as { stopKeywords: string[] };
    expect(opt.stopKeywords).toContain('बंद');

    // Business hours: weekdays 09:30–18:00 with an out-of-hours reply.
    await page.getByRole('link', { name: 'Business hours' }).click();
    await page.getByLabel('Use business hours', { exact: false }).check();
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await page.getByRole('checkbox', { name: day }).check();
      await page.getByLabel(`${day} opens`).fill('09:30');
    }
    await page.getByLabel('Send an automatic reply outside business hours').check();
    await page.getByLabel('Reply text').fill('We are closed; we reply at 9:30.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Business hours saved').waitFor();
    const inbox = (await (await fetch(`${env.app.url}/api/v1/inbox/settings`, { headers: { authorization: env.app.auth } })).json()) as { businessHours: { enabled: boolean; days: Record<string, { open: string; close: string }[]> }; outOfHours: { enabled: boolean } };
    expect(inbox.businessHours.enabled).toBe(true);
    expect(inbox.businessHours.days.mon).toEqual([{ open: '09:30', close: '18:00' }]);
    expect(inbox.businessHours.days.sat ?? []).toEqual([]);
    expect(inbox.outOfHours.enabled).toBe(true);
    await screenshot(page, 'settings-business-hours-laptop');
  });

  it('an agent is told settings are for admins', async () => {
    await env.addMember('agent.bo@example.com', 'agent', 'Bo Agent');
    const { page } = await env.newPage('laptop', { email: 'agent.bo@example.com' });
    page.setDefaultTimeout(10_000);
    await page.goto('/settings/api-keys');
    await page.getByText(/needs the admin role|Settings are for admins/).waitFor();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`every settings section passes axe (${viewport})`, { timeout: 90_000 }, async () => {
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      for (const [path, heading] of [
        ['/settings/numbers', 'WhatsApp numbers'],
        ['/settings/api-keys', 'API keys'],
        ['/settings/webhooks', 'Webhook endpoints'],
        ['/settings/users', 'Members'],
        ['/settings/business-hours', 'Business hours'],
        ['/settings/opt-out', 'Opt-out keywords'],
      ] as const) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        expect(await seriousA11yViolations(page).then(describeViolations), path).toBe('');
        await screenshot(page, `settings${path.replace('/settings', '').replace(/\//g, '-')}-${viewport}`);
      }
    });
  }
});
