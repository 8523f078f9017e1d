import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryOnDeadlock } from '../../src/platform/db/retry-deadlock.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { createEndpointViaApi, deliveryStates, parseSynthetic, recordSynthetic, startReceiver, workspaceIdOf, type Receiver } from './helpers.ts';

const SECRET = 'receiver-secret-123';

/** Every contact's events arrived in the order they were recorded. */
function expectPerContactOrder(received: { body: string }[]) {
  const last = new Map<string | null, number>();
  for (const r of received) {
    const { k, contact } = parseSynthetic(r.body);
    if (contact === null) continue; // events without a contact carry no order
    expect(k, `contact ${contact}`).toBeGreaterThan(last.get(contact) ?? -1);
    last.set(contact, k);
  }
}

function expectEachOnce(received: { body: string }[], n: number) {
  const ks = received.map((r) => parseSynthetic(r.body).k).sort((a, b) => a - b);
  expect(ks).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('webhook delivery to local receivers', () => {
  let app: TestApp;
  let workspaceId: string;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    // 15 s: short enough for the silent receiver's timeouts to show, long enough that a healthy
    // receiver's 200 is not cut off on a busy machine (a timed-out 200 is rightly sent again).
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1', SAMVAD_WEBHOOK_TIMEOUT_MS: '15000' } });
    workspaceId = await workspaceIdOf(app);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await app?.destroy();
  });
  // The deliverer may still be writing the previous test's outcomes: on PostgreSQL this cleanup
  // can be picked as a deadlock victim, and is then simply run again.
  const disableAll = () =>
    retryOnDeadlock(() =>
      app.context.database.transaction(async (tx) => {
        await tx.db.updateTable('webhook_endpoints').set({ status: 'disabled' }).execute();
        await tx.db.deleteFrom('webhook_deliveries').execute();
      }),
    );

  /** Moves the clock in steps until `done` holds (backoff without real waiting). */
  async function advanceUntil(done: () => boolean | Promise<boolean>, stepMs = 60_000, maxSteps = 400) {
    for (let i = 0; i < maxSteps && !(await done()); i++) {
      app.context.clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await done()).toBe(true);
  }

  it('signs with Interakt-Signature and X-Samvad-*, delivers each event once, in per-contact order', async () => {
    await disableAll();
    const rx = await startReceiver(SECRET);
    receivers.push(rx);
    const created = await createEndpointViaApi(app, { url: rx.url, secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.json.secret).toBe(SECRET);
    await recordSynthetic(app, workspaceId, 60, ['c1', 'c2', 'c3', null]);
    await expect.poll(() => rx.received.length, { timeout: 15_000 }).toBe(60);
    expect(rx.received.every((r) => r.interaktSignatureValid && r.samvadSignatureValid)).toBe(true);
    expect(new Set(rx.received.map((r) => r.headers['x-samvad-event-id'])).size).toBe(60);
    expectEachOnce(rx.received, 60);
    expectPerContactOrder(rx.received);
    await expect.poll(() => deliveryStates(app)).toEqual({ delivered: 60 });
    // Nothing more arrives later (none twice after a 2xx).
    app.context.clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received.length).toBe(60);
  });

  it('a receiver failing the first 4 attempts gets the event on the 5th, once, with the log showing it', async () => {
    await disableAll();
    const rx = await startReceiver(SECRET, (_q, res, _b, n) => {
      res.statusCode = n <= 4 ? 500 : 200;
      res.end(n <= 4 ? 'boom' : 'ok');
    });
    receivers.push(rx);
    const ep = (await createEndpointViaApi(app, { url: rx.url, secret: SECRET })).json;
    await recordSynthetic(app, workspaceId, 1, ['c1']);
    await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBe(1);
    await advanceUntil(async () => (await deliveryStates(app)).delivered === 1);
    expect(rx.received.length).toBe(5);
    expect(new Set(rx.received.map((r) => r.headers['x-samvad-event-id'])).size).toBe(1);
    const log = (await (await fetch(`${app.url}/api/v1/webhooks/endpoints/${ep.id}/deliveries`, { headers: { authorization: app.auth } })).json()) as { data: any[] };
    expect(log.data[0]).toMatchObject({ status: 'delivered', attempts: 5, lastStatusCode: 200, nextAttemptAt: null });
    // Redeliver: the same event id again.
    const again = await fetch(`${app.url}/api/v1/webhooks/deliveries/${log.data[0].id}/redeliver`, { method: 'POST', headers: { authorization: app.auth } });
    expect(again.status).toBe(202);
    await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBe(6);
    expect(rx.received[5]!.headers['x-samvad-event-id']).toBe(rx.received[0]!.headers['x-samvad-event-id']);
  });

  it('a receiver down while 3,000 events (1,000 messages × 3 statuses) are recorded gets every one once, in per-contact order, after it recovers', async () => {
    await disableAll();
    const rx = await startReceiver(SECRET);
    receivers.push(rx);
    const port = Number(new URL(rx.url).port);
    await createEndpointViaApi(app, { url: rx.url, secret: SECRET });
    await rx.close(); // down: connections refused
    const contacts = Array.from({ length: 100 }, (_, i) => `c${i}`);
    for (let i = 0; i < 3; i++) await recordSynthetic(app, workspaceId, 1000, contacts, i * 1000);
    await expect.poll(async () => (await app.context.database.db.selectFrom('webhook_deliveries').select('id').where('attempts', '>', 0).execute()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(100);
    app.context.clock.advance(3_600_000); // an hour of outage
    const up = await startReceiver(SECRET, undefined, port);
    receivers.push(up);
    await advanceUntil(async () => (await deliveryStates(app)).delivered === 3000, 60_000);
    expectEachOnce(up.received, 3000);
    expectPerContactOrder(up.received);
  }, 120_000);

  it('a 50 MB answer, a never-finishing answer and a receiver that never answers do not stall a healthy one', async () => {
    await disableAll();
    const big = await startReceiver(SECRET, (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024 * 1024, 97);
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent >= 50) res.end();
        else res.once('drain', pump);
      };
      pump();
    });
    const endless = await startReceiver(SECRET, (_q, res) => {
      res.writeHead(200);
      res.write('still going');
    });
    const silent = await startReceiver(SECRET, () => {});
    const healthy = await startReceiver(SECRET);
    receivers.push(big, endless, silent, healthy);
    for (const r of [big, endless, silent, healthy]) await createEndpointViaApi(app, { url: r.url, secret: SECRET });
    await recordSynthetic(app, workspaceId, 200, Array.from({ length: 50 }, (_, i) => `s${i}`));
    await expect.poll(() => healthy.received.length, { timeout: 60_000 }).toBe(200); // generous: the 50 MB receivers share this busy process
    expectEachOnce(healthy.received, 200);
    // The 2xx ones count as delivered even though their bodies were dropped.
    await expect.poll(() => big.received.length, { timeout: 20_000 }).toBe(200);
    await expect.poll(() => endless.received.length, { timeout: 20_000 }).toBe(200);
    const silentLog = await app.context.database.db.selectFrom('webhook_deliveries').innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id').select(['webhook_deliveries.state', 'webhook_deliveries.last_error']).where('webhook_endpoints.url', '=', silent.url).where('webhook_deliveries.attempts', '>', 0).execute();
    await expect.poll(async () => (await app.context.database.db.selectFrom('webhook_deliveries').select('last_error').where('last_error', 'like', 'timeout%').execute()).length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(silentLog.every((r) => r.state === 'pending')).toBe(true);
  }, 60_000);

  it('an endpoint failing continuously past the configured period is disabled and the workspace told', async () => {
    await disableAll();
    const rx = await startReceiver(SECRET, (_q, res) => {
      res.statusCode = 503;
      res.end();
    });
    receivers.push(rx);
    const ep = (await createEndpointViaApi(app, { url: rx.url, secret: SECRET })).json;
    await recordSynthetic(app, workspaceId, 1, ['c1']);
    await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await advanceUntil(async () => (await app.context.database.db.selectFrom('webhook_endpoints').select('status').where('id', '=', ep.id).executeTakeFirstOrThrow()).status === 'disabled', 3_600_000, 60);
    const notices = (await (await fetch(`${app.url}/api/v1/webhooks/notices`, { headers: { authorization: app.auth } })).json()) as { data: { kind: string; endpointId: string }[] };
    expect(notices.data).toContainEqual(expect.objectContaining({ kind: 'endpoint_disabled', endpointId: ep.id }));
  });
});

describe('a slow receiver (5 s per answer, within the default 10 s timeout)', () => {
  let app: TestApp;
  let workspaceId: string;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    workspaceId = await workspaceIdOf(app);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await app?.destroy();
  });

  it('gets every event once, in per-contact order, with all contacts in flight together; a healthy endpoint is not held up', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let answered = 0;
    const slow = await startReceiver(SECRET, (_q, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        answered++;
        res.end('ok');
      }, 5_000);
    });
    const healthy = await startReceiver(SECRET);
    receivers.push(slow, healthy);
    for (const r of [slow, healthy]) expect((await createEndpointViaApi(app, { url: r.url, secret: SECRET })).status).toBe(201);
    const contacts = Array.from({ length: 10 }, (_, i) => `slow${i}`);
    await recordSynthetic(app, workspaceId, 30, contacts);

    // The healthy endpoint has everything while the slow one is still working through its queue.
    await expect.poll(() => healthy.received.length, { timeout: 15_000 }).toBe(30);
    expect(answered).toBeLessThan(30);

    await expect.poll(() => answered, { timeout: 60_000, interval: 250 }).toBe(30);
    expectEachOnce(slow.received, 30);
    expectPerContactOrder(slow.received);
    // One contact's events go one at a time, the ten contacts side by side: exactly ten in flight at the peak.
    expect(maxInFlight).toBe(10);
    await expect.poll(() => deliveryStates(app), { timeout: 10_000 }).toEqual({ delivered: 60 });
    // None twice: an hour later nothing more has arrived.
    app.context.clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(slow.received.length).toBe(30);
    expect(healthy.received.length).toBe(30);
  }, 120_000);
});

describe('webhook URL safety', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('refuses loopback, 10.0.0.0/8 and names resolving to them at save time, with a clear message', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'https://10.1.2.3/hook', 'http://localhost/hook', 'http://[::1]/x', 'http://169.254.169.254/latest']) {
      const r = await createEndpointViaApi(app, { url });
      expect(r.status, url).toBe(400);
      expect(r.json.error.code).toBe('validation_failed');
      expect(r.json.error.message).toMatch(/private or loopback address.*SAMVAD_WEBHOOKS_ALLOW_PRIVATE/);
    }
    const list = (await (await fetch(`${app.url}/api/v1/webhooks/endpoints`, { headers: { authorization: app.auth } })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });
});
