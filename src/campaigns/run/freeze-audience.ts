import type { Insertable } from 'kysely';
import { parsePhoneInput } from '../../contacts/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { parseAudience } from '../audience.ts';
import type { CampaignRow } from '../campaign.ts';
import type { CampaignRecipientsTable } from '../tables.ts';
import { readAudience } from './audience-source.ts';

export const FREEZE_BATCH = 2_000;

/**
 * Freezes the next batch of a campaign's audience into recipient rows (pending, or skipped with
 * the reason when the phone is invalid; a phone already frozen is left out), and moves the
 * campaign's freeze cursor in the same transaction: a crash between batches resumes after the
 * last committed one and never adds a recipient twice (unique (campaign, phone) as a backstop).
 * Returns true once the whole audience is frozen.
 */
export async function freezeBatch(database: Database, clock: Clock, campaign: CampaignRow, limit = FREEZE_BATCH): Promise<boolean> {
  const audience = parseAudience(campaign.audience);
  const items = await readAudience(database.db, campaign.workspace_id, campaign.id, audience, campaign.freeze_cursor, limit);
  const now = clock.nowMs();
  const done = items.length < limit;
  const rows: Insertable<CampaignRecipientsTable>[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    let phone = item.phone;
    let skip: string | null = null;
    try {
      phone = parsePhoneInput({ fullPhoneNumber: item.phone }).phone;
    } catch (err) {
      skip = `invalid_phone: ${(err as Error).message}`;
    }
    if (seen.has(phone)) continue;
    seen.add(phone);
    rows.push({
      campaign_id: campaign.id,
      seq: 0,
      workspace_id: campaign.workspace_id,
      phone,
      contact_id: item.contactId,
      variables: item.variables ? JSON.stringify(item.variables) : null,
      state: skip ? 'skipped' : 'pending',
      skip_reason: skip,
      message_id: null,
      attempt: 0,
      created_at: now,
      updated_at: now,
    });
  }
  await database.transaction(async (tx) => {
    const current = await tx.db.selectFrom('campaigns').select(['recipient_count', 'frozen', 'freeze_cursor']).where('id', '=', campaign.id).executeTakeFirst();
    // Another runner (or an earlier tick) already froze this batch.
    if (!current || Number(current.frozen) === 1 || current.freeze_cursor !== campaign.freeze_cursor) return;
    let fresh = rows;
    if (rows.length > 0) {
      const existing = new Set<string>();
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500).map((r) => r.phone);
        for (const r of await tx.db.selectFrom('campaign_recipients').select('phone').where('campaign_id', '=', campaign.id).where('phone', 'in', chunk).execute()) existing.add(r.phone);
      }
      fresh = rows.filter((r) => !existing.has(r.phone));
    }
    let seq = Number(current.recipient_count);
    for (const r of fresh) r.seq = seq++;
    for (let i = 0; i < fresh.length; i += 400) await tx.db.insertInto('campaign_recipients').values(fresh.slice(i, i + 400)).execute();
    await tx.db
      .updateTable('campaigns')
      .set({ recipient_count: seq, freeze_cursor: items.length > 0 ? items[items.length - 1]!.cursor : campaign.freeze_cursor, frozen: done ? 1 : 0, updated_at: now })
      .where('id', '=', campaign.id)
      .execute();
    // The audience rows are only a staging area: once frozen they are not needed.
    if (done && (audience.kind === 'phones' || audience.kind === 'csv')) await tx.db.deleteFrom('campaign_audience_rows').where('campaign_id', '=', campaign.id).execute();
  });
  return done;
}
