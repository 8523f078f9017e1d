import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { queueMessages } from '../../src/messaging/dispatch/test-support.ts';
import { updateNumber } from '../../src/channels/whatsapp/numbers/manage-numbers.ts';

/**
 * Cloud API outage (issue 4, "Bad input and faults"): the Graph API answers 500 for a while, or
 * cannot be reached at all (connection refused, as when Meta's edge — or the emulator — is down),
 * then comes back. Queued messages are delayed, none is lost or sent twice, and all go out once it
 * returns. The number's Graph base URL points at a small switchable proxy in front of the app's
 * in-process emulator; the emulator's own store is the record of what "Meta" accepted.
 */

type Mode = 'pass' | '500' | 'refuse';

/** An HTTP proxy to `upstream` that can answer 500 (Meta's transient error envelope) or stop listening. */
async function startGraphProxy(upstream: string) {
  let mode: Mode = 'pass';
  const sockets = new Set<Socket>();
  const counts = { passed: 0, answered500: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (mode === '500') {
      counts.answered500++;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', is_transient: true, code: 2, fbtrace_id: 'Aproxy' } }));
      return;
    }
    counts.passed++;
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const up = await fetch(upstream + req.url, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async set(next: Mode) {
      if (next === 'refuse' && mode !== 'refuse') {
        // Down: stop listening (new connections are refused) and drop the keep-alive connections.
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        await closed;
      } else if (next !== 'refuse' && mode === 'refuse') {
        await new Promise<void>((r, j) => server.once('error', j).listen(port, '127.0.0.1', () => (server.off('error', j), r())));
      }
      mode = next;
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (mode !== 'refuse') await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('Cloud API outage: messages wait, then all go out exactly once', () => {
  let app: TestApp;
  let proxy: Awaited<ReturnType<typeof startGraphProxy>>;
  let number: { id: string; workspace_id: string };
  let phoneNumberId: string;

  beforeAll(async () => {
    app = await startTestApp();
    const emuNumber = app.emulator!.defaultNumber()!;
    phoneNumberId = emuNumber.phone_number_id;
    const { database, clock } = app.context;
    number = await database.db.selectFrom('business_numbers').select(['id', 'workspace_id']).where('phone_number_id', '=', phoneNumberId).executeTakeFirstOrThrow();
    proxy = await startGraphProxy(`${app.url}/graph`);
    await updateNumber(database, clock, app.context.whatsapp.secrets, number.workspace_id, number.id, { graphBaseUrl: `${proxy.url}/v21.0` });
  });
  afterAll(async () => {
    await app?.destroy();
    await proxy?.close();
  });

  const M = 150;
  const RECIPIENTS = 30;

  async function queue(prefix: string, n: number): Promise<string[]> {
    const { database, clock } = app.context;
    return queueMessages(
      database,
      clock,
      Array.from({ length: n }, (_, i) => ({ workspaceId: number.workspace_id, numberId: number.id, recipient: `${prefix}${String(i % RECIPIENTS).padStart(4, '0')}` })),
      (id) => app.context.dispatch.wake(id),
    );
  }

  /** How many times the emulator accepted each of `ids` (its own record). */
  function emulatorAccepted(ids: string[]): Map<string, number> {
    const rows = app.emulator!.engine.store.all<{ id: string; n: number }>(
      `SELECT biz_opaque AS id, count(*) AS n FROM messages WHERE direction = 'out' AND number_id = ? AND biz_opaque IS NOT NULL GROUP BY biz_opaque`,
      phoneNumberId,
    );
    const wanted = new Set(ids);
    return new Map(rows.filter((r) => wanted.has(r.id)).map((r) => [r.id, r.n]));
  }

  async function statuses(ids: string[]): Promise<Record<string, number>> {
    const rows = await app.context.database.db.selectFrom('messages').select(['id', 'status']).where('id', 'in', ids).execute();
    const out: Record<string, number> = {};
    for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  }

  async function attempts(ids: string[]): Promise<number> {
    const rows = await app.context.database.db.selectFrom('dispatch_queue').select('attempts').where('message_id', 'in', ids).execute();
    return rows.reduce((a, r) => a + Number(r.attempts), 0);
  }

  /** Failed sends whose retry is due by now and has not run yet. */
  async function dueRetries(ids: string[]): Promise<number> {
    const rows = await app.context.database.db
      .selectFrom('dispatch_queue')
      .select('message_id')
      .where('message_id', 'in', ids)
      .where('attempts', '>', 0)
      .where('run_at', '<=', app.context.clock.nowMs())
      .execute();
    return rows.length;
  }

  /**
   * Lets a minute of clock time pass in 10-s jumps; after each jump it waits until every retry that
   * became due has run and failed again (its next run is in the future), so a slow machine cannot
   * fold several jumps into one attempt.
   */
  async function aMinutePasses(ids: string[]) {
    for (let k = 0; k < 6; k++) {
      app.context.clock.advance(10_000);
      await expect.poll(() => dueRetries(ids), { timeout: 30_000, interval: 100 }).toBe(0);
    }
  }

  /**
   * Runs one outage: warms the keep-alive pool through the proxy, switches it to `mode`, queues M
   * messages, lets a minute of (movable) clock time pass while every attempt fails, then restores
   * the proxy and moves the clock on until the retries, backed off up to a minute by then, are due.
   */
  async function outage(mode: Exclude<Mode, 'pass'>, label: string) {
    await proxy.set('pass');
    const base = app.dispatcher!.stats().accepted;
    const warm = await queue(`91961${mode === '500' ? 0 : 1}0`, 5);
    await expect.poll(() => emulatorAccepted(warm).size, { timeout: 30_000, interval: 200 }).toBe(5);
    // The emulator records a send before the dispatcher has read its answer: wait until the
    // dispatcher has counted all five too, so they are not counted as part of the outage batch.
    await expect.poll(() => app.dispatcher!.stats().accepted - base, { timeout: 30_000, interval: 100 }).toBe(5);
    const before = app.dispatcher!.stats();

    await proxy.set(mode);
    const started = app.context.clock.nowMs();
    const ids = await queue(`91962${mode === '500' ? 0 : 1}0`, M);
    // Per-recipient order: only the head of each recipient's line is tried while it keeps failing.
    await expect.poll(() => app.dispatcher!.stats().retried - before.retried, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(RECIPIENTS);
    await aMinutePasses(ids);
    expect(emulatorAccepted(ids).size).toBe(0);
    const during = await statuses(ids);
    expect((during.queued ?? 0) + (during.sending ?? 0)).toBe(M);
    const tried = await attempts(ids);
    expect(tried).toBeGreaterThanOrEqual(3 * RECIPIENTS);

    await proxy.set('pass');
    const outageMs = app.context.clock.nowMs() - started;
    const recoveredAt = app.context.clock.nowMs();
    // Nothing is lost: when no send went out for a while of real time, move the clock 5 s on, up to
    // the heads' backoff (so the figure below is the backoff's delay, not the machine's speed).
    for (let i = 0, last = -1; i < 200 && emulatorAccepted(ids).size < M; i++) {
      await sleep(300);
      const now = emulatorAccepted(ids).size;
      if (now === last && now < M) app.context.clock.advance(5_000);
      last = now;
    }
    await expect.poll(() => emulatorAccepted(ids).size, { timeout: 30_000, interval: 250 }).toBe(M);
    const allOutMs = app.context.clock.nowMs() - recoveredAt;
    await expect
      .poll(async () => {
        const s = await statuses(ids);
        return (s.sent ?? 0) + (s.delivered ?? 0) + (s.read ?? 0);
      }, { timeout: 60_000, interval: 250 })
      .toBe(M);
    // The emulator's own record: each message accepted exactly once.
    const accepted = emulatorAccepted(ids);
    expect(ids.filter((id) => accepted.get(id) !== 1)).toEqual([]);
    const s = await statuses(ids);
    const after = app.dispatcher!.stats();
    console.log(
      `outage (${label}): ${M} messages to ${RECIPIENTS} recipients held for ${(outageMs / 1000).toFixed(0)} s of clock time (${tried} failed attempts on the heads of the lines), ` +
        `all accepted exactly once by the emulator within ${(allOutMs / 1000).toFixed(0)} s of clock time after recovery; Samvad statuses ${JSON.stringify(s)}; ` +
        `dispatcher: retried ${after.retried - before.retried}, accepted ${after.accepted - before.accepted}, unknown ${after.unknown - before.unknown}, paused ${after.paused - before.paused}; proxy ${JSON.stringify(proxy.counts)}`,
    );
    expect(s.unknown ?? 0).toBe(0);
    expect(s.failed ?? 0).toBe(0);
    expect(after.unknown - before.unknown).toBe(0);
    expect(after.paused - before.paused).toBe(0);
    expect(after.accepted - before.accepted).toBe(M);
  }

  it('answers 500 for a minute, then recovers', { timeout: 150_000 }, async () => {
    await outage('500', 'HTTP 500');
    expect(proxy.counts.answered500).toBeGreaterThanOrEqual(3 * RECIPIENTS);
  });

  it('cannot be reached (connection refused) for a minute, then comes back', { timeout: 150_000 }, async () => {
    await outage('refuse', 'connection refused');
  });
});
