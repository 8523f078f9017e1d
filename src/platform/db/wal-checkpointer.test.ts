import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openSqlite } from './sqlite.ts';

describe('WAL checkpoints in a worker thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the write-ahead log small while the main connection never checkpoints itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-ckpt-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const database = openSqlite({ path, logger: silentLogger(), groupCommitMs: 0 });
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db)).rows[0]!.wal_autocheckpoint).toBe(0);
    await sql`create table t (v text)`.execute(database.db);
    const blob = 'x'.repeat(100_000);
    let maxWal = 0;
    // 30 MB written in 300 transactions; without checkpoints the WAL would hold all of it.
    for (let i = 0; i < 300; i++) {
      await database.transaction(async (tx) => void (await tx.db.insertInto('t' as never).values({ v: blob } as never).execute()));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 50));
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    }
    expect(maxWal).toBeLessThan(20_000_000);
    const n = (await sql<{ n: number }>`select count(*) as n from t`.execute(database.db)).rows[0]!.n;
    expect(n).toBe(300);
    await database.close();
  });
});
