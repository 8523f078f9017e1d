import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Workspace settings (name, time zone), teams (members, round robin with a cap, the team new
// conversations go to), moving a conversation to a team from the inbox, analytics filters (sender,
// number, one campaign's funnel) and a template with an image header uploaded from the form; each
// page checked with axe in both window sizes.

const SAMPLE_PNG = new URL('../../src/emulator/samples/sample.png', import.meta.url);

describe('teams, workspace settings, analytics filters and media template headers', () => {
  let env: BrowserEnv;
  let agent: { userId: string };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${env.app.url}${path}`, { method, headers: { authorization: env.app.auth, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json().catch(() => null)) as any };
  };
  beforeAll(async () => {
    env = await startBrowserEnv();
    agent = await env.addMember('ravi@example.com', 'agent', 'Ravi Agent');
    // Two API sends, so analytics has something to filter.
    for (const phone of ['919866600011', '919866600012']) {
      const r = await api('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } });
      if (r.status !== 201) throw new Error(`send: ${r.status} ${JSON.stringify(r.json)}`);
    }
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`renames the workspace and sets its time zone (${viewport})`, { timeout: 60_000 }, async () => {
      const name = viewport === 'laptop' ? 'Acme Shoes' : 'Acme Shoes India';
      const zone = viewport === 'laptop' ? 'Asia/Kolkata' : 'Asia/Dubai';
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      await page.goto('/settings/workspace');
      await page.getByRole('heading', { name: 'Workspace', exact: true }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Time zone').fill(zone);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Workspace saved').waitFor();
      await expect.poll(() => page.getByTestId('workspace-name').textContent()).toBe(name);
      expect((await api('GET', '/api/v1/workspace')).json).toMatchObject({ name, timeZone: zone });
      // A zone that is not IANA's is refused with the server's words.
      await page.getByLabel('Time zone').fill('Mars/Olympus');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: /time zone|timeZone/i }).waitFor();
      expect((await api('GET', '/api/v1/workspace')).json.timeZone).toBe(zone);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `settings-workspace-${viewport}`);
    });

    it(`creates a team with a cap, routes new conversations to it, and moves a chat to it from the inbox (${viewport})`, { timeout: 90_000 }, async () => {
      const team = viewport === 'laptop' ? 'Support' : 'Returns';
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      await page.goto('/settings/teams');
      await page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
      await page.getByRole('button', { name: 'New team' }).click();
      const dialog = page.getByRole('dialog', { name: 'New team' });
      await dialog.getByLabel('Team name').fill(team);
      await dialog.getByLabel(/Ravi Agent/).check();
      await dialog.getByLabel('At most this many open conversations per agent').fill('5');
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `settings-team-dialog-${viewport}`);
      await dialog.getByRole('button', { name: 'Create team' }).click();
      const row = page.getByRole('row', { name: new RegExp(team) });
      await row.getByText('Ravi Agent').waitFor();
      await row.getByText('Round robin, at most 5 open each').waitFor();
      const created = ((await api('GET', '/api/v1/teams')).json.data as { id: string; name: string; memberIds: string[]; maxOpenPerAgent: number }[]).find((t) => t.name === team)!;
      expect(created).toMatchObject({ memberIds: [agent.userId], maxOpenPerAgent: 5 });

      // New conversations go to the team: a customer's first message is assigned to Ravi.
      await page.getByLabel('Go to team').selectOption({ label: team });
      await page.getByText('New conversations now go to that team').waitFor();
      expect((await api('GET', '/api/v1/inbox/settings')).json.defaultTeamId).toBe(created.id);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `settings-teams-${viewport}`);
      const waId = viewport === 'laptop' ? '919800000005' : '919800000002';
      expect((await api('POST', `/emulator/users/${waId}/messages`, { type: 'text', text: `Where is my parcel? (${viewport})` })).status).toBe(201);
      let conversationId = '';
      await expect
        .poll(
          async () => {
            const card = (await api('GET', `/api/v1/inbox/conversation-cards?q=${waId}`)).json.data[0];
            conversationId = card?.conversationId ?? '';
            return card ? { teamId: card.teamId, assigneeId: card.assigneeId } : null;
          },
          { timeout: 20_000 },
        )
        .toEqual({ teamId: created.id, assigneeId: agent.userId });

      // Back to no default team: the next customer's conversation stays unassigned, and is moved
      // to the team by hand from the inbox (the team's round robin then assigns it).
      await page.getByLabel('Go to team').selectOption({ label: 'No team (stay unassigned)' });
      await page.getByText('New conversations stay unassigned').waitFor();
      const second = viewport === 'laptop' ? '919800000001' : '919800000004';
      expect((await api('POST', `/emulator/users/${second}/messages`, { type: 'text', text: `Do you ship abroad? (${viewport})` })).status).toBe(201);
      await expect
        .poll(
          async () => {
            const card = (await api('GET', `/api/v1/inbox/conversation-cards?q=${second}`)).json.data[0];
            conversationId = card?.conversationId ?? '';
            return card ? { teamId: card.teamId, assigneeId: card.assigneeId, last: card.lastMessage?.preview } : null;
          },
          { timeout: 20_000 },
        )
        .toEqual({ teamId: null, assigneeId: null, last: `Do you ship abroad? (${viewport})` });
      await page.goto(`/inbox/${conversationId}`);
      await page.getByLabel('Team', { exact: true }).selectOption({ label: `Team: ${team}` });
      await page.getByText(`Moved to team ${team}`).waitFor();
      await expect.poll(async () => (await api('GET', `/api/v1/inbox/conversations/${conversationId}`)).json.assigneeId).toBe(agent.userId);
      await expect.poll(() => page.getByLabel('Assigned to').inputValue()).toBe(agent.userId);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `inbox-team-${viewport}`);
    });

    it(`filters analytics by sender and number and shows one campaign's funnel (${viewport})`, { timeout: 60_000 }, async () => {
      await expect.poll(async () => (await api('GET', '/api/v1/analytics/messages')).json.totals.sent, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      const all = (await api('GET', '/api/v1/analytics/messages')).json.totals.sent as number;
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      await page.goto('/analytics');
      await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe(String(all));
      // Filtered by sender, the page shows what the API counts for that sender alone.
      const bySource = async (source: string) => String((await api('GET', `/api/v1/analytics/messages?source=${source}`)).json.totals.sent);
      const fromApi = await bySource('api');
      const fromCampaigns = await bySource('campaign');
      expect(Number(fromApi) + Number(fromCampaigns)).toBe(all);
      expect(Number(fromApi)).toBeGreaterThanOrEqual(2);
      await page.getByLabel('Sent by').selectOption({ label: 'Campaigns' });
      await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe(fromCampaigns);
      await page.getByLabel('Sent by').selectOption({ label: 'The API' });
      await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe(fromApi);
      const numbers = (await api('GET', '/api/v1/numbers')).json.data as { id: string }[];
      await page.getByLabel('Number').selectOption(numbers[0]!.id);
      await expect.poll(() => page.getByTestId('stat-sent').textContent()).toBe(fromApi);
      await page.getByText(/Messages are filtered by number and sender/).waitFor();
      // A campaign's own funnel, picked from the campaigns of the period.
      if (viewport === 'laptop') {
        const c = await api('POST', '/api/v1/campaigns', { name: 'Filter test', templateName: 'hello_world', languageCode: 'en_US', audience: { phones: ['919866600021'] }, startAt: 'now' });
        expect(c.status, JSON.stringify(c.json)).toBe(201);
      }
      await page.reload();
      await page.getByLabel('Campaign', { exact: true }).selectOption({ label: 'Filter test' });
      await page.getByText('Campaign Filter test').waitFor();
      await page.waitForLoadState('networkidle');
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `analytics-filters-${viewport}`);
    });

    it(`creates a template with an image header uploaded from the form (${viewport})`, { timeout: 90_000 }, async () => {
      const name = `spring_sale_${viewport}`;
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
      page.setDefaultTimeout(10_000);
      await page.goto('/templates/new');
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Category').selectOption('MARKETING');
      await page.getByLabel('Header').selectOption('IMAGE');
      await page.getByLabel('Body').fill('Our spring sale starts today. Reply STOP to opt out.');
      // Without a sample, Meta's rule is shown at the header.
      await page.getByTestId('template-problems').filter({ hasText: /header_handle/ }).waitFor();
      await page.getByLabel("Sample image for Meta's review").setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: readFileSync(SAMPLE_PNG) });
      await page.getByTestId('header-media-state').filter({ hasText: 'Uploaded banner.png (image/png)' }).waitFor();
      await page.getByText('No problems found: ready to submit.').waitFor();
      const img = page.getByRole('img', { name: /image: banner\.png/ });
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
      await screenshot(page, `template-image-header-${viewport}`);
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.waitForURL(/\/templates\/(?!new)[^/]+$/);
      const t = ((await api('GET', `/api/v1/templates?name=${name}`)).json.data as { name: string; components: { type: string; format?: string; example?: { header_handle?: string[] } }[] }[])[0]!;
      const header = t.components.find((c) => c.type === 'HEADER')!;
      expect(header.format).toBe('IMAGE');
      expect(header.example?.header_handle?.[0]).toBeTruthy();
    });
  }
});
