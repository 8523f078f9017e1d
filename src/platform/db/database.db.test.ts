import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const notesMigration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('notes').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();
  },
};

describe('storage', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const tableExists = async (name: string) => {
    const tables = await t.database.db.introspection.getTables();
    return tables.some((x) => x.name === name && (t.database.schema === undefined || x.schema === t.database.schema));
  };

  it('applies migrations once and reports none pending afterwards', async () => {
    const set = { '0001_notes': notesMigration };
    expect(await pendingMigrations(t.database, set)).toEqual(['0001_notes']);
    expect(await migrateToLatest(t.database, set)).toEqual(['0001_notes']);
    expect(await migrateToLatest(t.database, set)).toEqual([]);
    expect(await pendingMigrations(t.database, set)).toEqual([]);
  });

  it('leaves the schema as it was when a migration fails', async () => {
    const set = {
      '0001_notes': notesMigration,
      '0002_broken': {
        async up(db: Kysely<any>) {
          await db.schema.createTable('half_done').addColumn('id', 'text').execute();
          await sql`this is not sql`.execute(db);
        },
      },
    };
    await expect(migrateToLatest(t.database, set)).rejects.toThrow(AppError);
    await expect(migrateToLatest(t.database, set)).rejects.toThrow(/0002_broken failed; no migration was applied/);
    expect(await tableExists('notes')).toBe(false);
    expect(await tableExists('half_done')).toBe(false);
    expect(await pendingMigrations(t.database, set)).toEqual(['0001_notes', '0002_broken']);
  });

  it('answers concurrent writes only after they are committed, and a failing write rolls back only itself', async () => {
    await migrateToLatest(t.database, { '0001_notes': notesMigration });
    const committed: string[] = [];
    const writes = Array.from({ length: 50 }, (_, i) =>
      t.database.transaction(async (tx) => {
        await tx.db.insertInto('notes' as never).values({ id: `n${i}`, body: 'hello' } as never).execute();
        tx.afterCommit(() => committed.push(`n${i}`));
        if (i % 10 === 3) throw new Error(`write ${i} refuses`);
        return i;
      }),
    );
    const results = await Promise.allSettled(writes);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(45);
    expect(results[3]).toMatchObject({ status: 'rejected', reason: { message: 'write 3 refuses' } });
    // Another connection (as another process would) sees exactly the answered writes.
    const other = t.openAnother();
    const rows = await other.db.selectFrom('notes' as never).select('id' as never).execute();
    const ids = new Set(rows.map((r: any) => r.id as string));
    expect(ids.size).toBe(45);
    for (let i = 0; i < 50; i++) expect(ids.has(`n${i}`)).toBe(i % 10 !== 3);
    expect(committed.sort()).toEqual([...ids].sort());
  });
});
