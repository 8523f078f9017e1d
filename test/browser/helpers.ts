import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addMember, PASSWORD, startAppWithOwner, type Session } from '../people/helpers.ts';
import type { TestApp } from '../helpers/start-test-app.ts';
import { launchChromium } from './chromium.ts';

/**
 * Shared pieces of the dashboard's browser journeys: a real Samvad (SQLite, sandbox mode, test
 * clock) with an owner, headless Chromium, sign-in, screenshots kept under test-results/, an
 * axe-core check, and the two window sizes every journey runs in.
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots stay after the run (CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = process.env.SAMVAD_SCREENSHOT_DIR ?? join(REPO_ROOT, 'test-results');

export const VIEWPORTS = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export const OWNER_EMAIL = 'owner@example.com';
export { PASSWORD };

/** `npm install` builds the dashboard (prepare); build it here too if someone skipped that. */
export function ensureDashboardBuilt() {
  if (existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

export interface BrowserEnv {
  app: TestApp;
  /** The owner's API session (cookie + CSRF headers for app.http.inject). */
  owner: Session;
  browser: Browser;
  /** Invites and accepts a member; returns their API session. */
  addMember(email: string, role: 'owner' | 'admin' | 'agent', name?: string): Promise<Session>;
  /** A fresh browser context (own cookies) in a window size, optionally already signed in. */
  newPage(viewport: ViewportName, signInAs?: { email: string; password?: string }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** Starts Samvad with an owner and launches Chromium. Call close() in afterAll. */
export async function startBrowserEnv(options: { env?: Record<string, string> } = {}): Promise<BrowserEnv> {
  ensureDashboardBuilt();
  const { app, owner } = await startAppWithOwner({ env: { SAMVAD_WORKSPACE_NAME: 'Acme Browser Test', ...options.env } });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await app.destroy();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  return {
    app,
    owner,
    browser,
    addMember: (email, role, name) => addMember(app, owner, email, role, name),
    async newPage(viewport, signInAs) {
      const context = await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: app.url, reducedMotion: 'reduce' });
      contexts.push(context);
      if (signInAs) await signInByApi(context, app, signInAs.email, signInAs.password ?? PASSWORD);
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.destroy();
    },
  };
}

/** Signs a context in without the form (journeys that test the form use signInThroughForm). */
export async function signInByApi(context: BrowserContext, app: TestApp, email: string, password = PASSWORD) {
  const res = await context.request.post(`${app.url}/api/v1/auth/sign-in`, { data: { email, password } });
  if (res.status() !== 200) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
}

/** Fills the sign-in page like a person and waits for the inbox. */
export async function signInThroughForm(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/inbox/);
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules) in the page and returns the serious and critical violations,
 * each with the selectors of the elements at fault, so a failing test says what to fix.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Formats violations for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
}
