import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startApp } from '../../src/app.ts';
import { launchChromium } from './chromium.ts';

// Journey: a newcomer opens the dashboard URL printed at start. The placeholder page must show
// the workspace's name, say whether the instance is in sandbox mode, and link to the API docs.

const WORKSPACE_NAME = 'Acme Browser Test';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots are kept after the run (overwritten by the next) so a human can look at them. */
const SCREENSHOT_DIR = process.env.SAMVAD_SCREENSHOT_DIR ?? join(tmpdir(), 'samvad-screenshots');

/** `npm install` builds the dashboard (prepare); build it here too if someone skipped that. */
function ensureDashboardBuilt() {
  if (existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

describe('dashboard placeholder', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'samvad-browser-'));
    app = await startApp({
      port: 0,
      dataDir,
      env: {
        SAMVAD_API_KEY: 'browser-test-key-0123456789abcdef',
        SAMVAD_WORKSPACE_NAME: WORKSPACE_NAME,
        LOG_LEVEL: 'silent',
      },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the workspace name, the sandbox badge and a link to the API docs', async () => {
    const response = await page.goto(app.url + '/');
    expect(response?.status()).toBe(200);

    const heading = page.getByTestId('workspace-name');
    await heading.waitFor({ state: 'visible' });
    expect(await heading.textContent()).toBe(WORKSPACE_NAME);
    expect(await page.getByTestId('mode').textContent()).toBe('Sandbox mode');
    expect(await page.getByTestId('error').count()).toBe(0);

    const docsLink = page.getByRole('link', { name: 'API documentation' });
    expect(await docsLink.getAttribute('href')).toBe('/docs');

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const screenshot = join(SCREENSHOT_DIR, 'dashboard-placeholder.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(1000);
  });

  it('follows the docs link to the OpenAPI page', async () => {
    await page.goto(app.url + '/');
    const docsLink = page.getByRole('link', { name: 'API documentation' });
    const [docsResponse] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.status() === 200 && new URL(r.url()).pathname.startsWith('/docs')),
      docsLink.click(),
    ]);
    // The docs page itself answered 200 (after any redirect), and its spec is OpenAPI.
    expect(docsResponse.headers()['content-type']).toContain('text/html');
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toMatch(/^\/docs/);
    const spec = await page.evaluate(async () => {
      const res = await fetch('/docs/json');
      return { status: res.status, body: (await res.json()) as { openapi?: unknown } };
    });
    expect(spec.status).toBe(200);
    expect(typeof spec.body.openapi).toBe('string');
  });

  it('shows a friendly error when the instance cannot be loaded', async () => {
    await page.route('**/api/v1/instance', (route) => route.fulfill({ status: 503, body: 'unavailable' }));
    try {
      await page.goto(app.url + '/');
      const error = page.getByTestId('error');
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toContain('503');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-placeholder-error.png') });
    } finally {
      await page.unroute('**/api/v1/instance');
    }
  });
});
