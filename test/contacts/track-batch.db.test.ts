import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onContactEvent, type ContactEvent } from '../../src/contacts/events/append-event.ts';
import { parsePhoneInput } from '../../src/contacts/phone.ts';
import { applyTrackEvents } from '../../src/contacts/track/track-events-batch.ts';
import type { TrackUserInput } from '../../src/contacts/track/track-user.ts';
import { applyTrackUsers } from '../../src/contacts/track/track-users-batch.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { caller } from './helpers.ts';

/**
 * Concurrent track calls are written together (one transaction, multi-row statements). These tests
 * give the batch functions several calls at once (deterministically), and send concurrent HTTP
 * calls, and check the outcome is what the same calls one after another give.
 */
describe('track users and events, coalesced', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  let ws: string;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
    ws = (await app.context.database.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const phone = (n: string) => parsePhoneInput({ fullPhoneNumber: n });
  const byPhone = async (national: string) => {
    const res = await api.call('GET', `/v1/public/apis/users/phone_number/${national}`);
    return res.status === 200 ? res.body.data.customers[0] : undefined;
  };
  const traitRows = async (contactId: string) =>
    Object.fromEntries(
      (await app.context.database.db.selectFrom('contact_traits').select(['key', 'str_val', 'num_val']).where('contact_id', '=', contactId).orderBy('key').execute()).map((r) => [r.key, [r.str_val, r.num_val === null ? null : Number(r.num_val)]]),
    );
  const tagRows = async (contactId: string) => (await app.context.database.db.selectFrom('contact_tags').select('tag').where('contact_id', '=', contactId).orderBy('tag').execute()).map((r) => r.tag);
  const lock = () => app.context.database.dialect === 'postgres';

  it('merges several calls on one new contact in call order; a call that breaks a rule fails alone and stores nothing', async () => {
    const p = phone('919876530001');
    const calls: TrackUserInput[] = [
      { workspaceId: ws, phone: p, userId: 'b-1', traits: { city: 'Pune', plan: 'gold', n: 1 }, tags: ['a'], createdAt: Date.parse('2024-05-01T00:00:00Z') },
      { workspaceId: ws, phone: p, traits: { name: 42 as never, city: 'Never' }, tags: ['never'] },
      { workspaceId: ws, phone: p, traits: { city: 'Mumbai', plan: null, vip: true, since: '2020-01-02' }, tags: ['b', 'a'], createdAt: Date.parse('2023-01-01T00:00:00Z') },
      { workspaceId: ws, phone: p, traits: { name: 'Asha' }, tags: [] },
    ];
    const now = app.context.clock.nowMs();
    const outcomes = await app.context.database.transaction((tx) => applyTrackUsers(tx, now, calls, lock()));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'validation_failed', message: expect.stringMatching(/traits.name must be a string/) } });
    const ids = outcomes.flatMap((o) => (o.ok ? [o.value.contactId] : []));
    expect(new Set(ids).size).toBe(1);
    expect(outcomes.map((o) => (o.ok ? o.value.created : null))).toEqual([true, null, false, false]);
    const c = await byPhone('9876530001');
    expect(c).toMatchObject({ id: ids[0], user_id: 'b-1', traits: { name: 'Asha', city: 'Mumbai', n: 1, vip: true, since: '2020-01-02' }, tags: ['a', 'b'], created_at_utc: '2023-01-01T00:00:00.000Z' });
    // The query model holds exactly the JSON's traits and tags (plan was set and removed within the batch).
    expect(await traitRows(ids[0]!)).toEqual({ city: ['Mumbai', null], n: ['1', 1], since: ['2020-01-02', Date.parse('2020-01-02')], vip: ['true', 1] });
    expect(await tagRows(ids[0]!)).toEqual(['a', 'b']);
  });

  it('updates existing contacts by their net change, removes traits sent as null, and creates no contact whose only call failed', async () => {
    const first = await api.trackUser({ fullPhoneNumber: '919876530002', traits: { keep: 'k', drop: 'd', city: 'Pune' }, tags: ['old'] });
    expect(first.status).toBe(202);
    const id = /Customer with (\S+) /.exec(first.body.message)![1]!;
    const now = app.context.clock.nowMs();
    const outcomes = await app.context.database.transaction((tx) =>
      applyTrackUsers(
        tx,
        now,
        [
          { workspaceId: ws, phone: phone('919876530002'), traits: { drop: null, city: 'Delhi' }, tags: ['old', 'new'] },
          { workspaceId: ws, phone: phone('919876530003'), traits: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`a${i}`, i])), tags: [] },
          { workspaceId: ws, phone: phone('919876530003'), traits: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`b${i}`, i])), tags: [] },
          { workspaceId: ws, phone: phone('919876530004'), traits: { whatsapp_opted_in: false }, tags: [] },
          { workspaceId: ws, phone: phone('919876530005'), traits: { name: { x: 1 } as never }, tags: [] },
        ],
        lock(),
      ),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true, false]);
    expect(outcomes[2]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/would have 210 traits; at most 200/) } });
    const c = await byPhone('9876530002');
    expect(c).toMatchObject({ id, traits: { keep: 'k', city: 'Delhi' }, tags: ['old', 'new'] });
    expect(await traitRows(id)).toEqual({ city: ['Delhi', null], keep: ['k', null] });
    expect(await tagRows(id)).toEqual(['new', 'old']);
    expect(Object.keys((await byPhone('9876530003')).traits)).toHaveLength(150);
    expect(await byPhone('9876530005')).toBeUndefined();
    // whatsapp_opted_in false in a batch: opted out, with its timeline event.
    const opted = await byPhone('9876530004');
    expect(opted.traits.whatsapp_opted_in).toBe(false);
    const events = await app.context.database.db.selectFrom('contact_events').select('name').where('contact_id', '=', opted.id).execute();
    expect(events.map((e) => e.name)).toEqual(['WhatsApp Opted Out']);
  });

  it('answers concurrent HTTP calls each with its own result, as if made one by one', async () => {
    const calls = Array.from({ length: 40 }, (_, i) => ({ fullPhoneNumber: `9198765310${String(i % 8).padStart(2, '0')}`, traits: { [`k${i}`]: i, last: i }, tags: [`t${i % 3}`] }));
    calls.push({ fullPhoneNumber: '919876531099', traits: { name: 7 } as never, tags: [] });
    const answers = await Promise.all(calls.map((body) => api.trackUser(body)));
    expect(answers.slice(0, 40).map((a) => a.status)).toEqual(Array(40).fill(202));
    expect(answers[40]!.status).toBe(400);
    for (let p = 0; p < 8; p++) {
      const c = await byPhone(`98765310${String(p).padStart(2, '0')}`);
      const mine = Array.from({ length: 5 }, (_, j) => p + 8 * j);
      expect(c.traits).toEqual({ ...Object.fromEntries(mine.map((i) => [`k${i}`, i])), last: expect.any(Number) });
      expect(mine).toContain(c.traits.last);
      expect(new Set(answers.filter((_, i) => i < 40 && i % 8 === p).map((a) => a.body.message)).size).toBe(1);
      expect(Object.keys(await traitRows(c.id)).sort()).toEqual(Object.keys(c.traits).sort());
      expect([...c.tags].sort()).toEqual(['t0', 't1', 't2']);
    }
    expect(await byPhone('9876531099')).toBeUndefined();
  });

  it('appends a batch of events (contacts created from phones, found by userId; an unknown userId fails alone) and tells listeners after commit', async () => {
    await api.trackUser({ fullPhoneNumber: '919876532001', userId: 'ev-known' });
    const seen: ContactEvent[] = [];
    const off = onContactEvent((e) => seen.push(e));
    try {
      const now = app.context.clock.nowMs();
      const outcomes = await app.context.database.transaction((tx) =>
        applyTrackEvents(tx, now, [
          { workspaceId: ws, phone: phone('919876532002'), userId: 'ev-new', event: 'Order Placed', properties: { total: 1 } },
          { workspaceId: ws, userId: 'ev-known', event: 'Order Placed', properties: {}, occurredAt: now - 1000 },
          { workspaceId: ws, userId: 'ev-ghost', event: 'Order Placed', properties: {} },
          { workspaceId: ws, phone: phone('919876532002'), event: 'Page Viewed', properties: { url: '/' } },
        ]),
      );
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
      expect(outcomes[2]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/userId "ev-ghost" is not a known customer/) } });
      const created = await byPhone('9876532002');
      expect(created.user_id).toBe('ev-new');
      const known = await byPhone('9876532001');
      const ok = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
      expect(ok.map((v) => v.contactId)).toEqual([created.id, known.id, created.id]);
      expect(new Set(ok.map((v) => v.id)).size).toBe(3);
      const rows = await app.context.database.db.selectFrom('contact_events').select(['id', 'name', 'occurred_at', 'properties']).where('id', 'in', ok.map((v) => v.id)).orderBy('id').execute();
      expect(rows).toHaveLength(3);
      expect(rows.find((r) => r.id === ok[1]!.id)).toMatchObject({ name: 'Order Placed', occurred_at: now - 1000 });
      expect(seen.map((e) => e.id)).toEqual(ok.map((v) => v.id));
    } finally {
      off();
    }
  });

  it('answers concurrent track-events calls with distinct ids, one contact per phone', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => ({ fullPhoneNumber: `9198765330${String(i % 5).padStart(2, '0')}`, event: 'Order Placed', traits: { n: i } }));
    const answers = await Promise.all(calls.map((body) => api.trackEvent(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(30);
    for (let p = 0; p < 5; p++) {
      const c = await byPhone(`98765330${String(p).padStart(2, '0')}`);
      const n = await app.context.database.db.selectFrom('contact_events').select((eb) => eb.fn.countAll<number>().as('n')).where('contact_id', '=', c.id).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(6);
    }
  });
});
