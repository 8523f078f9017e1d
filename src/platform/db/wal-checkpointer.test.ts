import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openSqlite } from './sqlite.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

describe('WAL checkpoints in a worker thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-ckpt-'));
    dirs.push(dir);
    return join(dir, 'db.sqlite');
  };

  it("the main connection never checkpoints itself (SQLite's automatic checkpoint is off)", async () => {
    const database = openSqlite({ path: tempPath(), logger: silentLogger(), groupCommitMs: 0 });
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db)).rows[0]!.wal_autocheckpoint).toBe(0);
    await database.close();
  });

  it('keeps the write-ahead log at about one round of writes: the worker checkpoints, the next commit rewinds', async () => {
    const path = tempPath();
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    const checkpointer = new WalCheckpointer(raw, path, silentLogger(), { intervalMs: 20 });
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    raw.exec('create table t (v text)');
    const insert = raw.prepare('insert into t (v) values (?)');
    const blob = 'x'.repeat(100_000);
    let maxWal = 0;
    // 30 MB in three rounds of 10 MB; without checkpoints the WAL would hold all of it. Each round
    // waits until the worker has checkpointed everything written so far (no timing involved).
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        insert.run(blob);
        checkpointer.written();
        maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
      }
      await checkpointer.settled();
    }
    expect(maxWal).toBeGreaterThan(9_000_000);
    expect(maxWal).toBeLessThan(15_000_000);
    expect(raw.prepare('select count(*) as n from t').get()).toEqual({ n: 300 });
    await checkpointer.close();
    raw.close();
  });
  it('under writes that never stop, the writer lets the WAL rewind once it is long (it used to grow for as long as the writes went on)', async () => {
    const path = tempPath();
    const rewindFrames = 1_000; // 4 MB of 4 KiB pages
    const database = openSqlite({ path, logger: silentLogger(), groupCommitMs: 0, checkpoints: { intervalMs: 5, rewindFrames, rewindIntervalMs: 0 } });
    await sql`create table t (v text)`.execute(database.db);
    const blob = 'x'.repeat(20_000);
    let maxWal = 0;
    // 2,000 commits of 20 KB (40 MB), each queued as the previous one commits: no pause for the
    // checkpointer to catch up by itself.
    for (let i = 0; i < 2_000; i++) {
      await database.transaction((tx) => sql`insert into t (v) values (${blob})`.execute(tx.db));
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    }
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(database.db)).rows[0]!.n).toBe(2_000);
    expect(maxWal).toBeLessThan(8_000_000); // the threshold and a little; without the wait 27 MB here
    await database.close();
  });
});
