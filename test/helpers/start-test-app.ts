import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp, type StartOptions } from '../../src/app.ts';
import { createTestPgDatabase } from '../../src/platform/db/test-database.ts';

export interface TestApp extends RunningApp {
  /** Authorization header value for the default workspace's key. */
  auth: string;
  dataDir: string;
  /** GET /api/v1/instance. */
  instanceInfo(): Promise<{ sandbox: boolean; workspace: { name: string } | null }>;
  /** Closes the app and removes its data (temp dir, or the PostgreSQL test database). */
  destroy(): Promise<void>;
}

export const TEST_API_SECRET = 'sk_test_0123456789abcdefghijklmnop';
export const TEST_ADMIN_TOKEN = 'adm_test_0123456789abcdefghij';

/**
 * Starts a real Samvad on an ephemeral port with fresh storage: a temp data dir for SQLite, and,
 * when DATABASE_URL is set (PostgreSQL tier), a database of its own beside that one.
 */
export async function startTestApp(options: { env?: Record<string, string | undefined> } & Omit<StartOptions, 'env'> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samvad-app-'));
  const testSchema = process.env.DATABASE_URL ? await createTestPgDatabase(process.env.DATABASE_URL, 'a') : undefined;
  const databaseUrl = testSchema?.url;
  const app = await startApp({
    ...options,
    port: 0,
    dataDir,
    banner: false,
    env: {
      LOG_LEVEL: 'silent',
      SAMVAD_API_KEY: TEST_API_SECRET,
      SAMVAD_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SAMVAD_TEST_CLOCK: '1',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...options.env,
    },
  });
  return Object.assign(app, {
    auth: `Basic ${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}`,
    dataDir,
    async instanceInfo() {
      return (await (await fetch(`${app.url}/api/v1/instance`)).json()) as { sandbox: boolean; workspace: { name: string } | null };
    },
    async destroy() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      await testSchema?.drop();
    },
  });
}
