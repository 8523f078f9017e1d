import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenClock } from '../emulator/test-support.ts';
import { createTestWorkspace } from '../messaging/dispatch/test-support.ts';
import { migrations } from '../migrations.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';
import type { Clock } from '../platform/clock.ts';
import { createTestDatabase, type TestDatabase } from '../platform/db/test-database.ts';
import { upsertContactForSend, upsertContactsForSend } from './upsert-contact.ts';
import { isOptedOutOfMarketing, optOutOfMarketing } from './opt-out/marketing-opt.ts';
import { contactsOptedOutOfMarketing } from './opted-out-batch.ts';
import { parseWaId } from './phone.ts';

/** A migrated database with one workspace, per test. */
async function workspaceDatabase(clock: Clock): Promise<{ tdb: TestDatabase; ws: string }> {
  const tdb = await createTestDatabase();
  await migrateToLatest(tdb.database, migrations);
  return { tdb, ws: await createTestWorkspace(tdb.database, clock) };
}

describe('the contacts of a batch of sends (upsertContactsForSend, contactsOptedOutOfMarketing)', () => {
  const clock = frozenClock();
  let tdb: TestDatabase;
  let ws: string;
  beforeEach(async () => ({ tdb, ws } = await workspaceDatabase(clock)));
  afterEach(() => tdb.cleanup());

  const contacts = () => tdb.database.db.selectFrom('contacts').select(['id', 'phone', 'country_code', 'phone_national', 'user_id', 'traits', 'tags']).where('workspace_id', '=', ws).orderBy('phone').execute();

  it('finds existing contacts, creates new ones as a single send would, once per phone even when repeated', async () => {
    const existing = await tdb.database.transaction((tx) => upsertContactForSend(tx, clock, { workspaceId: ws, phone: parseWaId('919800000001') }));
    const batch = ['919800000002', '919800000001', '+919800000002', '14155550123', '919800000002'];
    const ids = await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, batch));

    const rows = await contacts();
    expect(rows.map((r) => r.phone)).toEqual(['14155550123', '919800000001', '919800000002']);
    const byPhone = new Map(rows.map((r) => [r.phone, r]));
    expect([...ids.keys()].sort()).toEqual([...new Set(batch)].sort());
    expect(ids.get('919800000001')).toBe(existing.id);
    expect(ids.get('919800000002')).toBe(byPhone.get('919800000002')!.id);
    expect(ids.get('+919800000002')).toBe(byPhone.get('919800000002')!.id);
    expect(ids.get('14155550123')).toBe(byPhone.get('14155550123')!.id);
    // The columns a single send would have written for the same phone.
    for (const phone of ['919800000002', '14155550123']) {
      const p = parseWaId(phone);
      expect(byPhone.get(phone)).toMatchObject({ country_code: p.countryCode, phone_national: p.national, user_id: null, traits: '{}', tags: '[]' });
    }
  });

  it('never erases a stored user_id, and a second batch finds what the first created', async () => {
    const withUser = await tdb.database.transaction((tx) => upsertContactForSend(tx, clock, { workspaceId: ws, phone: parseWaId('919800000003'), userId: 'u-3' }));
    const first = await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, ['919800000003', '919800000004']));
    const second = await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, ['919800000004', '919800000003']));
    expect(first.get('919800000003')).toBe(withUser.id);
    expect(second).toEqual(first);
    const rows = await contacts();
    expect(rows.map((r) => [r.phone, r.user_id])).toEqual([
      ['919800000003', 'u-3'],
      ['919800000004', null],
    ]);
  });

  it('takes more phones than one statement carries, and an empty batch is a no-op', async () => {
    const batch = Array.from({ length: 700 }, (_, i) => String(919700000000 + i));
    const ids = await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, batch));
    expect(new Set(ids.values()).size).toBe(700);
    expect(await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, []))).toEqual(new Map());
    expect(await contacts()).toHaveLength(700);
  });

  it('tells which contacts opted out of marketing as isOptedOutOfMarketing does, repeated and unknown ids included', async () => {
    const phones = Array.from({ length: 600 }, (_, i) => String(919700000000 + i));
    const ids = [...(await tdb.database.transaction((tx) => upsertContactsForSend(tx, clock, ws, phones))).values()];
    await tdb.database.transaction(async (tx) => {
      for (const id of ids.filter((_, i) => i % 7 === 0)) await optOutOfMarketing(tx, ws, id, 'api', clock.nowMs());
    });
    const asked = [...ids, ids[7]!, 'no-such-contact'];
    const got = await contactsOptedOutOfMarketing(tdb.database.db as never, ws, asked);
    const one = new Set<string>();
    for (const id of asked) if (await isOptedOutOfMarketing(tdb.database.db as never, ws, id)) one.add(id);
    expect(got).toEqual(one);
    expect(got.size).toBe(86);
    expect(await contactsOptedOutOfMarketing(tdb.database.db as never, 'another-workspace', ids)).toEqual(new Set());
  });
});
