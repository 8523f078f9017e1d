import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startApp, type RunningApp, type StartOptions } from '../../src/app.ts';

export interface TestApp extends RunningApp {
  /** Authorization header value for the default workspace's key. */
  auth: string;
  dataDir: string;
  /** GET /api/v1/instance. */
  instanceInfo(): Promise<{ sandbox: boolean; workspace: { name: string } | null }>;
  /** Closes the app and removes its data (temp dir, or the PostgreSQL schema). */
  destroy(): Promise<void>;
}

export const TEST_API_SECRET = 'sk_test_0123456789abcdefghijklmnop';
export const TEST_ADMIN_TOKEN = 'adm_test_0123456789abcdefghij';

/**
 * Starts a real Samvad on an ephemeral port with fresh storage: a temp data dir for SQLite, and,
 * when DATABASE_URL is set (PostgreSQL tier), a schema of its own in that database.
 */
export async function startTestApp(options: { env?: Record<string, string | undefined> } & Omit<StartOptions, 'env'> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samvad-app-'));
  let schema: string | undefined;
  let databaseUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    schema = `a_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    const u = new URL(process.env.DATABASE_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = u.toString();
  }
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
      if (schema) {
        const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      }
    },
  });
}
