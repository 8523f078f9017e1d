import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenClock } from '../../emulator/test-support.ts';
import { createTestWorkspace, queueMessages } from '../../messaging/dispatch/test-support.ts';
import { applyStatusUpdates } from '../../messaging/status/index.ts';
import type { StatusUpdate } from '../../messaging/provider-events.ts';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { optOutOnMetaRefusals } from './meta-opt-out.ts';

describe('Meta’s 131050 (the customer stopped marketing messages in WhatsApp)', () => {
  let tdb: TestDatabase;
  const clock = frozenClock();
  let ws: string;
  beforeEach(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
    ws = await createTestWorkspace(tdb.database, clock);
  });
  afterEach(() => tdb.cleanup());

  it('opts the contact out of marketing in the transaction that records the failure; other failures do not', async () => {
    optOutOnMetaRefusals();
    const now = clock.nowMs();
    for (const phone of ['919800000004', '919800000003']) {
      await tdb.database.db
        .insertInto('contacts')
        .values({ id: `contact-${phone}`, workspace_id: ws, phone, country_code: '+91', phone_national: phone.slice(2), user_id: null, name: null, profile_name: null, traits: '{}', tags: '[]', whatsapp_opted_in: null, created_at: now, updated_at: now })
        .execute();
    }
    const [optedOut, notOnWhatsApp] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '919800000004' },
      { workspaceId: ws, numberId: 'n1', recipient: '919800000003' },
    ]);
    await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: 'wamid.M1' }).where('id', '=', optedOut!).execute();
    await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: 'wamid.M2' }).where('id', '=', notOnWhatsApp!).execute();
    const failed = (wamid: string, code: number): StatusUpdate => ({ wamid, status: 'failed', occurredAt: now, recipient: '', callbackMessageId: null, errors: [{ code, title: 'x' }], pricing: null, conversation: null });
    await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [failed('wamid.M1', 131050), failed('wamid.M2', 131026)] });
    const rows = await tdb.database.db.selectFrom('contacts').select(['id', 'marketing_opted_out_at', 'marketing_opt_out_reason']).orderBy('id').execute();
    expect(rows.map((r) => [r.id, r.marketing_opted_out_at === null ? null : Number(r.marketing_opted_out_at), r.marketing_opt_out_reason])).toEqual([
      ['contact-919800000003', null, null],
      ['contact-919800000004', now, 'meta_131050'],
    ]);
  });
});
