import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { capturingLogger, tokenFromLink } from '../people/helpers.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { launchChromium } from './chromium.ts';
import { describeViolations, ensureDashboardBuilt, screenshot, seriousA11yViolations, VIEWPORTS, type ViewportName } from './helpers.ts';

// Journeys through the signed-out pages, with the links Samvad prints: the first owner's set-up
// link, an invitation link, and a password reset link (from the log: no mail server).

describe('set-up, invitation and password reset pages', () => {
  let app: TestApp;
  let browser: Browser;
  let lines: Record<string, unknown>[];
  const logged = (prefix: string) => [...lines].reverse().find((l) => String(l.msg).startsWith(prefix));

  beforeAll(async () => {
    ensureDashboardBuilt();
    const log = capturingLogger();
    lines = log.lines;
    app = await startTestApp({ logger: log.logger });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.destroy();
  });

  const pageIn = async (viewport: ViewportName) => (await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: app.url })).newPage();
  const a11y = async (page: Awaited<ReturnType<typeof pageIn>>) => expect(describeViolations(await seriousA11yViolations(page))).toBe('');

  it('creates the owner from the set-up link, invites an agent who joins, and resets a password', async () => {
    // Owner set-up (laptop).
    const setupLink = String(logged('no dashboard user yet')!.link);
    const owner = await pageIn('laptop');
    await owner.goto(new URL(setupLink).pathname + new URL(setupLink).search);
    await owner.getByRole('heading', { name: 'Create the owner account' }).waitFor();
    await a11y(owner);
    await owner.getByLabel('Your name').fill('Olivia Owner');
    await owner.getByLabel('Email').fill('olivia@example.com');
    await owner.getByLabel('Password').fill('short');
    await owner.getByRole('button', { name: 'Create account' }).click();
    await owner.getByRole('alert').first().waitFor();
    await screenshot(owner, 'auth-setup-error-laptop');
    await owner.getByLabel('Password').fill('a long enough password');
    await owner.getByRole('button', { name: 'Create account' }).click();
    await owner.waitForURL(/\/inbox$/);
    await screenshot(owner, 'auth-setup-done-laptop');
    // The link works once.
    const again = await pageIn('phone');
    await again.goto(new URL(setupLink).pathname + new URL(setupLink).search);
    await again.getByLabel('Email').fill('mallory@example.com');
    await again.getByLabel('Password').fill('a long enough password');
    await again.getByRole('button', { name: 'Create account' }).click();
    await again.getByRole('alert').first().waitFor();
    expect(again.url()).toContain('/setup');

    // Invitation, accepted on a phone-sized window.
    const invite = await owner.evaluate(async () => {
      const csrf = /samvad_csrf=([^;]+)/.exec(document.cookie)![1]!;
      const r = await fetch('/api/v1/invitations', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) }, body: JSON.stringify({ email: 'ravi@example.com', role: 'agent' }) });
      return (await r.json()) as { link: string };
    });
    const agent = await pageIn('phone');
    await agent.goto(`/invite?token=${encodeURIComponent(tokenFromLink(invite.link))}`);
    await agent.getByRole('heading', { name: 'Join the workspace' }).waitFor();
    await a11y(agent);
    await screenshot(agent, 'auth-invite-phone');
    await agent.getByLabel('Your name').fill('Ravi Agent');
    await agent.getByLabel('Password').fill('ravi password 123');
    await agent.getByRole('button', { name: 'Join' }).click();
    await agent.waitForURL(/\/inbox$/);
    await agent.getByRole('heading', { name: 'Inbox' }).waitFor();

    // Forgotten password: the link goes to the log; the new password works, the old one not.
    const forgot = await pageIn('phone');
    await forgot.goto('/sign-in');
    await forgot.getByRole('link', { name: 'Forgot your password?' }).click();
    await forgot.getByLabel('Email').fill('ravi@example.com');
    await forgot.getByRole('button', { name: 'Send reset link' }).click();
    await forgot.getByRole('status').filter({ hasText: 'reset link has been issued' }).waitFor();
    await a11y(forgot);
    await screenshot(forgot, 'auth-forgot-phone');
    const resetLink = String(logged('password reset requested')!.link);
    await forgot.goto(new URL(resetLink).pathname + new URL(resetLink).search);
    await forgot.getByLabel('New password', { exact: true }).fill('ravi new password 456');
    await forgot.getByLabel('Repeat the new password').fill('ravi new password 45');
    await forgot.getByRole('button', { name: 'Set password' }).click();
    await forgot.getByRole('alert').filter({ hasText: 'differ' }).waitFor();
    await forgot.getByLabel('Repeat the new password').fill('ravi new password 456');
    await forgot.getByRole('button', { name: 'Set password' }).click();
    await forgot.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await a11y(forgot);
    await screenshot(forgot, 'auth-reset-done-phone');
    // Ravi's earlier session ended with the reset.
    await agent.goto('/inbox');
    await agent.waitForURL(/\/sign-in/);
    await agent.getByLabel('Email').fill('ravi@example.com');
    await agent.getByLabel('Password').fill('ravi password 123');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('alert').first().waitFor();
    await agent.getByLabel('Password').fill('ravi new password 456');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.waitForURL(/\/inbox/);
  }, 120_000);
});
