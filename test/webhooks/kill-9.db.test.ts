import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/open.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { buildTemplateStatusEvent, recordEvents } from '../../src/webhooks/index.ts';
import { freshDatabaseUrl, spawnSamvad, type SpawnedSamvad } from '../helpers/spawn-samvad.ts';
import { TEST_API_SECRET } from '../helpers/start-test-app.ts';
import { parseSynthetic, startReceiver, type Receiver } from './helpers.ts';

const auth = `Basic ${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}`;
const SECRET = 'kill-9-receiver-secret';
const EVENTS = 5_000;
const CONTACTS = 100;
const ANSWERED_BEFORE_KILL = 500;

/**
 * kill -9 of Samvad (a real child process) with 5,000 deliveries pending: the receiver answers
 * the first 500 with 200 and then stops answering (a stuck receiver), so at the kill some
 * deliveries are in flight, more are leased in the process's queues, and most were never claimed.
 * After a restart (its test clock moved past the dead process's leases) every event arrives, and
 * each one the receiver answered 2xx was answered exactly once; per-contact order holds.
 */
describe('kill -9 of Samvad with 5,000 webhook deliveries pending', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samvad-webhooks-kill-'));
  const children: SpawnedSamvad[] = [];
  let receiver: Receiver | undefined;
  let dropDatabase = async () => {};
  const killAll = () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  };
  // Orphans must not outlive a failed or timed-out run: afterAll kills them, and so does the worker's exit.
  process.once('exit', killAll);
  afterAll(async () => {
    killAll();
    await Promise.all(children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 5_000))])));
    process.removeListener('exit', killAll);
    await receiver?.close();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json()) as any };
  };
  /** Counts an endpoint's deliveries in one state through the native API's log (200 a page). */
  const countDeliveries = async (base: string, endpointId: string, status: string) => {
    let n = 0;
    let before: number | null = null;
    do {
      const page: { status: number; json: { data: unknown[]; next: number | null } } = await api(base, 'GET', `/api/v1/webhooks/endpoints/${endpointId}/deliveries?status=${status}&limit=200${before !== null ? `&before=${before}` : ''}`);
      if (page.status !== 200) throw new Error(`delivery log: HTTP ${page.status} ${JSON.stringify(page.json)}`);
      n += page.json.data.length;
      before = page.json.next;
    } while (before !== null);
    return n;
  };

  it('delivers all of them after a restart, each answered 2xx exactly once, in per-contact order', async () => {
    const db = await freshDatabaseUrl();
    dropDatabase = db.drop;
    const env: Record<string, string> = {
      SAMVAD_API_KEY: TEST_API_SECRET,
      SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1',
      SAMVAD_TEST_CLOCK: '1',
      SAMVAD_DEFAULT_RATE_LIMIT: '100000000', // the test polls the delivery log
      SAMVAD_WEBHOOK_TIMEOUT_MS: '20000', // stuck requests stay in flight until the kill (lease: 60 s)
      ...(db.url ? { DATABASE_URL: db.url } : {}),
    };
    const start = async () => {
      const s = await spawnSamvad(['--data-dir', dataDir], env, 120_000); // cold starts compile TypeScript: slow on a busy machine
      children.push(s);
      return s;
    };

    // The receiver: the first 500 requests get 200, later ones hang until `mode` changes.
    let mode: 'then-stuck' | 'ok' = 'then-stuck';
    let requests = 0;
    const stuck: ServerResponse[] = [];
    const answered2xx = new Map<number, number>();
    const answerOrder: string[] = [];
    receiver = await startReceiver(SECRET, (_req, res, body) => {
      requests++;
      if (mode === 'then-stuck' && requests > ANSWERED_BEFORE_KILL) {
        stuck.push(res);
        return;
      }
      const { k } = parseSynthetic(body);
      answered2xx.set(k, (answered2xx.get(k) ?? 0) + 1);
      answerOrder.push(body);
      res.end('ok');
    });

    // 1. A first start creates the database and the workspace; the endpoint is added; graceful stop.
    const first = await start();
    const created = await api(first.url, 'POST', '/api/v1/webhooks/endpoints', { url: receiver.url, secret: SECRET, events: ['message_template_status_update'] });
    expect(created.status).toBe(201);
    const endpointId = created.json.id as string;
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    // 2. 5,000 events for 100 contacts are recorded with their deliveries (pending) in one transaction.
    const database = openDatabase({ databaseUrl: db.url, dataDir, groupCommitMs: 0, logger: silentLogger() });
    try {
      const ws = await database.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
      const now = Date.now();
      await database.transaction(async (tx) => {
        await recordEvents(
          tx,
          Array.from({ length: EVENTS }, (_, k) => {
            const contactId = `c${k % CONTACTS}`;
            return { workspaceId: ws.id, type: 'message_template_status_update', contactId, payload: buildTemplateStatusEvent({ event: 'APPROVED', providerTemplateId: String(k), name: `n${k}`, language: contactId, reason: null, at: now }) };
          }),
          now,
        );
      });
      const pending = await database.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow();
      expect(Number(pending.n)).toBe(EVENTS);
    } finally {
      await database.close();
    }

    // 3. Start again: 500 are answered and recorded as delivered, then the receiver is stuck; kill -9.
    const second = await start();
    await expect.poll(() => requests, { timeout: 60_000, interval: 100 }).toBeGreaterThan(ANSWERED_BEFORE_KILL);
    await expect.poll(() => countDeliveries(second.url, endpointId, 'delivered'), { timeout: 30_000, interval: 200 }).toBe(ANSWERED_BEFORE_KILL);
    const inFlightAtKill = stuck.length;
    second.child.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThan(0);
    mode = 'ok';
    for (const res of stuck) res.destroy();

    // 4. Restart; move its clock past the dead process's leases (60 s); everything arrives.
    const third = await start();
    const moved = await fetch(`${third.url}/emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 300 }) });
    expect(moved.status).toBe(200);
    await expect.poll(() => answered2xx.size, { timeout: 120_000, interval: 250 }).toBe(EVENTS);
    await expect.poll(() => countDeliveries(third.url, endpointId, 'delivered'), { timeout: 30_000, interval: 250 }).toBe(EVENTS);
    expect(await countDeliveries(third.url, endpointId, 'pending')).toBe(0);
    expect(await countDeliveries(third.url, endpointId, 'failed')).toBe(0);

    // Exactly once per event among the 2xx answers; both signatures valid on every request.
    const twice = [...answered2xx].filter(([, n]) => n > 1).map(([k]) => k);
    expect(twice).toEqual([]);
    expect(receiver.received.every((r) => r.interaktSignatureValid && r.samvadSignatureValid)).toBe(true);
    // Per-contact order of the 2xx answers, across the kill.
    const last = new Map<string | null, number>();
    for (const body of answerOrder) {
      const { k, contact } = parseSynthetic(body);
      expect(k, `contact ${contact}`).toBeGreaterThan(last.get(contact) ?? -1);
      last.set(contact, k);
    }
    // Nothing more arrives later.
    const total = receiver.received.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.received.length).toBe(total);
    console.log(`webhooks kill -9: ${ANSWERED_BEFORE_KILL} delivered before the kill, ${inFlightAtKill} requests in flight at the kill (never answered), ${EVENTS} delivered in all, none answered twice`);

    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  }, 600_000);
});
