import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger, type Logger } from '../logger.ts';
import type { Database } from './database.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export interface TestDatabase {
  database: Database;
  /** Opens another independent connection (pool) to the same database, as a second process would. */
  openAnother(): Database;
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a temporary SQLite file, or — when DATABASE_URL is
 * set (the PostgreSQL tier) — a new database beside that one, dropped at cleanup, so test files
 * running in parallel never see each other's rows.
 */
export interface TestPgDatabase {
  name: string;
  /** The base URL pointing at the new database, for code and processes that take a DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty PostgreSQL database next to the one at `baseUrl`, named with `prefix`. A whole
 * database rather than a schema per test file: Kysely's migrator introspects every schema of its
 * database, which raced with other files dropping theirs.
 */
export async function createTestPgDatabase(baseUrl: string, prefix = 't'): Promise<TestPgDatabase> {
  const name = `samvad_${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name} template template0`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

export async function createTestDatabase(options: { logger?: Logger; groupCommitMs?: number } = {}): Promise<TestDatabase> {
  const logger = options.logger ?? silentLogger();
  const url = process.env.DATABASE_URL;
  if (url) {
    const { url: testUrl, drop } = await createTestPgDatabase(url);
    return tracked(() => openPostgres({ url: testUrl, logger }), drop);
  }
  const dir = mkdtempSync(join(tmpdir(), 'samvad-test-'));
  const path = join(dir, 'samvad.db');
  return tracked(
    () => openSqlite({ path, logger, groupCommitMs: options.groupCommitMs ?? 0 }),
    async () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** Keeps every connection opened on the test database so cleanup closes them all before disposing of it. */
function tracked(openOne: () => Database, dispose: () => Promise<void>): TestDatabase {
  const opened: Database[] = [];
  const open = () => {
    const d = openOne();
    opened.push(d);
    return d;
  };
  return {
    database: open(),
    openAnother: open,
    async cleanup() {
      for (const d of opened) await d.close();
      await dispose();
    },
  };
}
