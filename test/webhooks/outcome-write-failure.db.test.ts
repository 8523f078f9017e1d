import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { createEndpointViaApi, deliveryStates, parseSynthetic, recordSynthetic, startReceiver, workspaceIdOf, type Receiver } from './helpers.ts';

const SECRET = 'outcome-failure-secret';

/**
 * The receiver took the events (2xx) but the deliverer cannot store that it did: the outcome write
 * fails (a deadlock victim on PostgreSQL, the database briefly away). The deliverer must keep the
 * outcomes and its leases and write them once it can, not drop them: dropped outcomes let the
 * leases lapse and the events go out a second time. A trigger makes every write of 'delivered'
 * fail while a fault flag is set; the clock moves well past the lease meanwhile.
 */
describe('webhook outcome writes that fail', () => {
  let app: TestApp;
  let rx: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    rx = await startReceiver(SECRET);
    const db = app.context.database;
    await sql`create table test_fault (on_ integer not null)`.execute(db.db);
    await sql`insert into test_fault (on_) values (1)`.execute(db.db);
    if (db.dialect === 'postgres') {
      await sql`create function test_fail_delivered() returns trigger language plpgsql as $$
        begin
          if new.state = 'delivered' and (select on_ from test_fault) = 1 then raise exception 'injected outcome-write failure'; end if;
          return new;
        end $$`.execute(db.db);
      await sql`create trigger test_fail_delivered before update on webhook_deliveries for each row execute function test_fail_delivered()`.execute(db.db);
    } else {
      await sql`create trigger test_fail_delivered before update of state on webhook_deliveries
        when new.state = 'delivered' and (select on_ from test_fault) = 1
        begin select raise(abort, 'injected outcome-write failure'); end`.execute(db.db);
    }
  });
  afterAll(async () => {
    await rx?.close();
    await app?.destroy();
  });

  it('keeps the outcomes and the leases until they are stored: every event reaches the receiver once', async () => {
    await createEndpointViaApi(app, { url: rx.url, secret: SECRET });
    const workspaceId = await workspaceIdOf(app);
    await recordSynthetic(app, workspaceId, 200, Array.from({ length: 20 }, (_, i) => `c${i}`));
    // The heads of the 20 contacts' queues are posted and answered 2xx; their outcomes cannot be stored.
    await expect.poll(() => rx.received.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
    for (let i = 0; i < 10; i++) {
      app.context.clock.advance(60_000); // far past any lease (30-45 s)
      await new Promise((r) => setTimeout(r, 100));
    }
    const duringFault = rx.received.length;
    expect((await deliveryStates(app)).delivered ?? 0).toBe(0);
    // Nothing was claimed again while the outcomes waited: each head arrived once.
    expect(new Set(rx.received.map((r) => parseSynthetic(r.body).k)).size).toBe(duringFault);

    await sql`update test_fault set on_ = 0`.execute(app.context.database.db);
    for (let i = 0; i < 200 && ((await deliveryStates(app)).delivered ?? 0) < 200; i++) {
      app.context.clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await deliveryStates(app)).toEqual({ delivered: 200 });
    const ks = rx.received.map((r) => parseSynthetic(r.body).k).sort((a, b) => a - b);
    expect(ks).toEqual(Array.from({ length: 200 }, (_, i) => i));
  }, 90_000);
});
