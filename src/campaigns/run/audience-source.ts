import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { AudienceDef, RetargetState } from '../audience.ts';
import { loadContactsForSend, nextAudienceContactIds } from '../contacts-port.ts';

/** One member of an audience before it is frozen. */
export interface AudienceItem {
  /** As given; normalised (or refused) when frozen. */
  phone: string;
  contactId: string | null;
  variables: Record<string, string> | null;
  /** Where a reader resumes after this item. */
  cursor: string;
}

/**
 * The next `limit` members of a campaign's audience after `cursor`, in a stable order (keyset
 * reads, so the audience is never held in memory and a restart resumes where it was).
 */
export async function readAudience(db: Db, workspaceId: string, campaignId: string, audience: AudienceDef, cursor: string | null, limit: number): Promise<AudienceItem[]> {
  switch (audience.kind) {
    case 'phones':
    case 'csv': {
      const rows = await db
        .selectFrom('campaign_audience_rows')
        .select(['idx', 'phone', 'variables'])
        .where('campaign_id', '=', campaignId)
        .where('idx', '>', cursor === null ? -1 : Number(cursor))
        .orderBy('idx')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ phone: r.phone, contactId: null, variables: r.variables ? (JSON.parse(r.variables) as Record<string, string>) : null, cursor: String(r.idx) }));
    }
    case 'tag':
    case 'segment': {
      const source = audience.kind === 'tag' ? { tag: audience.tag } : { segmentId: audience.segmentId };
      const ids = await nextAudienceContactIds(db, workspaceId, campaignId, source, cursor ?? '', limit, Date.now());
      const contacts = await loadContactsForSend(db, workspaceId, ids);
      return ids.filter((id) => contacts.has(id)).map((id) => ({ phone: contacts.get(id)!.phone, contactId: id, variables: null, cursor: id }));
    }
    case 'campaign':
      return readRetarget(db, audience.campaignId, audience.state, cursor === null ? -1 : Number(cursor), limit);
    case 'none':
      return [];
  }
}

/** Recipients of a previous campaign in a given state (retargeting), in that campaign's order. */
async function readRetarget(db: Db, sourceId: string, state: RetargetState, afterSeq: number, limit: number): Promise<AudienceItem[]> {
  let q = db
    .selectFrom('campaign_recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['r.seq', 'r.phone', 'r.contact_id', 'r.variables'])
    .where('r.campaign_id', '=', sourceId)
    .where('r.state', '=', 'enqueued')
    .where('r.seq', '>', afterSeq);
  const clicked = sql<boolean>`exists (select 1 from campaign_clicks c where c.message_id = r.message_id)`;
  const converted = sql<boolean>`exists (select 1 from campaign_conversions v where v.campaign_id = r.campaign_id and v.contact_id = r.contact_id)`;
  const replied = sql<boolean>`exists (select 1 from conversations cv where cv.number_id = m.number_id and cv.contact_id = m.contact_id and cv.last_inbound_at >= m.created_at)`;
  switch (state) {
    case 'delivered_not_read':
      q = q.where('m.status', '=', 'delivered');
      break;
    case 'read_not_clicked':
      q = q.where('m.status', '=', 'read').where(sql<boolean>`not ${clicked}`);
      break;
    case 'clicked_not_converted':
      q = q.where(clicked).where(sql<boolean>`not ${converted}`);
      break;
    case 'not_delivered':
      q = q.where('m.status', 'in', ['sent', 'failed', 'expired', 'unknown']);
      break;
    case 'failed':
      q = q.where('m.status', 'in', ['failed', 'expired']);
      break;
    case 'read':
      q = q.where('m.status', '=', 'read');
      break;
    case 'clicked':
      q = q.where(clicked);
      break;
    case 'replied':
      q = q.where(replied);
      break;
  }
  const rows = await q.orderBy('r.seq').limit(limit).execute();
  return rows.map((r) => ({ phone: r.phone, contactId: r.contact_id, variables: r.variables ? (JSON.parse(r.variables) as Record<string, string>) : null, cursor: String(r.seq) }));
}
