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
 * set (the PostgreSQL tier) — a new schema in that database, dropped at cleanup, so test files
 * running in parallel never see each other's rows.
 */
export interface TestSchema {
  schema: string;
  /** The base URL with `?options=-c search_path=<schema>`, for processes that take a DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty schema in the PostgreSQL database at `baseUrl`, named with `prefix`. */
export async function createTestSchema(baseUrl: string, prefix = 't'): Promise<TestSchema> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create schema ${schema}`);
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: u.toString(), drop: () => run(`drop schema ${schema} cascade`) };
}

export async function createTestDatabase(options: { logger?: Logger; groupCommitMs?: number } = {}): Promise<TestDatabase> {
  const logger = options.logger ?? silentLogger();
  const url = process.env.DATABASE_URL;
  if (url) {
    const { schema, drop } = await createTestSchema(url);
    const opened: Database[] = [];
    const open = () => {
      const d = openPostgres({ url, logger, schema });
      opened.push(d);
      return d;
    };
    const database = open();
    return {
      database,
      openAnother: open,
      async cleanup() {
        for (const d of opened) await d.close();
        await drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'samvad-test-'));
  const path = join(dir, 'samvad.db');
  const opened: Database[] = [];
  const open = () => {
    const d = openSqlite({ path, logger, groupCommitMs: options.groupCommitMs ?? 0 });
    opened.push(d);
    return d;
  };
  const database = open();
  return {
    database,
    openAnother: open,
    async cleanup() {
      for (const d of opened) await d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
