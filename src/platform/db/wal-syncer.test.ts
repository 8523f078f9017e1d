import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openSqlite } from './sqlite.ts';
import { WalSyncer } from './wal-syncer.ts';

type Cb = (err: NodeJS.ErrnoException | null) => void;

/** A sync we complete by hand: `pending` holds the callbacks of syncs started and not finished. */
function manualSync() {
  const pending: Cb[] = [];
  return { pending, sync: (_fd: number, cb: Cb) => void pending.push(cb) };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('durable commits without blocking the event loop (WAL synced on the thread pool)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('answers a committed write only after a WAL sync that started after its commit has finished', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-wal-'));
    dirs.push(dir);
    const s = manualSync();
    const database = openSqlite({ path: join(dir, 'db.sqlite'), logger: silentLogger(), groupCommitMs: 0, walSync: s.sync });
    await sql`create table t (v integer)`.execute(database.db);
    let firstAnswered = false;
    let hookRan = false;
    const first = database.transaction(async (tx) => {
      await tx.db.insertInto('t' as never).values({ v: 1 } as never).execute();
      tx.afterCommit(() => (hookRan = true));
    }).then(() => (firstAnswered = true));
    await tick();
    // Committed (another reader sees it) but not answered, and its after-commit hook has not run.
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(database.db)).rows[0]!.n).toBe(1);
    expect(s.pending).toHaveLength(1);
    expect([firstAnswered, hookRan]).toEqual([false, false]);

    // A second write commits while the first sync is in flight: the first sync does not cover it.
    let secondAnswered = false;
    const second = database.transaction(async (tx) => void (await tx.db.insertInto('t' as never).values({ v: 2 } as never).execute())).then(() => (secondAnswered = true));
    await tick();
    s.pending.shift()!(null);
    await first;
    expect([firstAnswered, hookRan, secondAnswered]).toEqual([true, true, false]);
    // Its own sync starts once the first one is done, and answers it when it finishes.
    await tick();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()!(null);
    await second;
    expect(secondAnswered).toBe(true);
    await database.close();
  });

  it('rejects the writes of a batch whose sync failed (they are not known to be durable)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-wal-'));
    dirs.push(dir);
    const s = manualSync();
    const database = openSqlite({ path: join(dir, 'db.sqlite'), logger: silentLogger(), groupCommitMs: 0, walSync: s.sync });
    await sql`create table t (v integer)`.execute(database.db);
    const write = database.transaction(async (tx) => void (await tx.db.insertInto('t' as never).values({ v: 1 } as never).execute()));
    await tick();
    s.pending.shift()!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(write).rejects.toThrow(/EIO/);
    await database.close();
  });

  it('shares one pending sync among every commit that arrives while a sync is in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-wal-'));
    dirs.push(dir);
    const s = manualSync();
    const syncer = new WalSyncer(join(dir, 'file'), s.sync);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'file'), 'x');
    const a = syncer.afterCommit();
    const b = syncer.afterCommit();
    const c = syncer.afterCommit();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()!(null);
    await a;
    await tick();
    expect(s.pending).toHaveLength(1);
    s.pending.shift()!(null);
    await Promise.all([b, c]);
    syncer.close();
  });
});
