import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/spawn-samvad.ts';
import { migrations } from '../../migrations.ts';
import { createClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { openDatabase } from '../../platform/db/open.ts';
import { silentLogger } from '../../platform/logger.ts';
import { createTestWorkspace, queueMessages } from './test-support.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every child started, so a failed or timed-out run leaves no dispatcher behind. */
const children = new Set<ChildProcess>();

function run(args: string[], env: Record<string, string>, readyPattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  const exited = new Promise((r) => child.on('exit', r));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = readyPattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`exited before ready:\n${out}`)));
  });
}

describe('kill -9 of the dispatcher process while 10,000 messages are queued', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samvad-dispatch-kill-'));
  const emuDir = join(dir, 'emulator');
  let cleanup = async () => {};
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every message exactly once or marks it unknown; none lost, none sent twice', { timeout: 300_000 }, async () => {
    const pg = await freshDatabaseUrl();
    const emu = await run(['bin/samvad.js', 'emulator', '--port', '0', '--data-dir', emuDir], {}, /listening at (http:\/\/\S+) /);
    cleanup = async () => {
      emu.child.kill('SIGKILL');
      await pg.drop();
    };
    const E = emu.match[1]!;
    const num = (await (await fetch(`${E}/emulator/numbers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ throughput_mps: 1000, tier: 'TIER_UNLIMITED' }) })).json()) as {
      phone_number_id: string;
      access_token: string;
    };

    const clock = createClock();
    const database = openDatabase({ databaseUrl: pg.url, dataDir: dir, groupCommitMs: 2, logger: silentLogger() });
    await migrateToLatest(database, migrations);
    const ws = await createTestWorkspace(database, clock);
    const N = 10_000;
    const ids = await queueMessages(database, clock, Array.from({ length: N }, (_, i) => ({ workspaceId: ws, numberId: 'n1', recipient: `9199${String(i).padStart(8, '0')}` })));
    const env = {
      SAMVAD_TEST_DATA_DIR: dir,
      ...(pg.url ? { DATABASE_URL: pg.url } : {}),
      DISPATCH_NUMBER_ID: 'n1',
      GRAPH_BASE_URL: `${E}/v21.0`,
      PHONE_NUMBER_ID: num.phone_number_id,
      ACCESS_TOKEN: num.access_token,
    };
    const fixture = ['bin/run-ts.js', 'src/messaging/dispatch/dispatch-process.fixture.ts'];
    const accepted = async () => Number((await database.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('wamid', 'is not', null).executeTakeFirstOrThrow()).n);

    const first = await run(fixture, env, /dispatcher ready/);
    while ((await accepted()) < 2_000) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await accepted();

    const second = await run(fixture, env, /dispatcher ready/);
    const remaining = async () => (await database.db.selectFrom('dispatch_queue').select('message_id').execute()).length;
    while ((await remaining()) > 0) await new Promise((r) => setTimeout(r, 100));
    second.child.kill('SIGTERM');
    await second.exited;
    emu.child.kill('SIGTERM');
    await emu.exited;

    const rows = await database.db.selectFrom('messages').select(['id', 'status', 'wamid']).execute();
    await database.close();
    const emuDb = new BetterSqlite3(join(emuDir, 'emulator.sqlite'), { readonly: true });
    const received = new Map<string, number>();
    for (const r of emuDb.prepare(`select biz_opaque as id, count(*) as n from messages where direction = 'out' group by biz_opaque`).all() as { id: string; n: number }[]) received.set(r.id, r.n);
    emuDb.close();

    const counts = { accepted: 0, unknown: 0, unknownReceived: 0, other: 0 };
    for (const r of rows) {
      expect(received.get(r.id) ?? 0).toBeLessThanOrEqual(1);
      if (r.wamid) {
        counts.accepted++;
        expect(received.get(r.id)).toBe(1);
      } else if (r.status === 'unknown') {
        counts.unknown++;
        if (received.has(r.id)) counts.unknownReceived++;
      } else counts.other++;
    }
    console.log(`kill -9 after ${atKill} accepted: ${JSON.stringify(counts)} of ${N}; Meta received ${received.size} distinct, ${[...received.values()].filter((n) => n > 1).length} twice`);
    expect(rows).toHaveLength(ids.length);
    expect(counts.other).toBe(0);
    expect(counts.accepted + counts.unknown).toBe(N);
  });
});
