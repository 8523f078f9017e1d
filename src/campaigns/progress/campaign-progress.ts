import type { Database } from '../../platform/db/database.ts';
import type { CampaignRow } from '../campaign.ts';
import { tierLimit } from '../../messaging/dispatch/types.ts';
import { campaignNumber } from '../run/campaign-template.ts';
import { isRetryable } from '../run/control.ts';

export interface CampaignProgress {
  /** Recipient rows frozen so far (for PublicAPI: messages sent with the campaign's id). */
  recipients: number;
  audienceFrozen: boolean;
  /** Not sent yet: waiting to be fed to the dispatcher. */
  pending: number;
  /** In the dispatch queue, or being sent. */
  queued: number;
  /** Cumulative: sent includes delivered and read; delivered includes read. */
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  clicked: number;
  converted: number;
  /** Sent, but whether Meta got it is unknown (a crash mid-request): never resent. */
  unknown: number;
  failed: { total: number; byReason: { code: number | null; reason: string; count: number; retryable: boolean }[] };
  skipped: { total: number; byReason: Record<string, number> };
  cancelled: number;
  /** What Meta charges for the campaign's delivered messages, from the cost ledger. */
  cost: { amountMicros: number; currency: string | null };
  conversion: { event: string; windowHours: number; count: number; rate: number } | null;
  eta: { remaining: number; ratePerSecond: number; seconds: number; finishesAt: string | null; limitedBy: 'throughput' | 'messaging_limit' | null };
}

const n = (v: unknown) => Number(v ?? 0);

/**
 * Live counts of a campaign, joined from its recipient rows to their messages' current status
 * (so they follow status webhooks without this module having to), plus replies (an inbound
 * message on the conversation after the send), clicks, conversions, cost and an ETA from the
 * number's pacing (its throughput × the dispatcher's configured share, `pacing.throughputShare`)
 * and messaging limit. Callers that do not show the ETA (funnels) may omit `pacing`: the ETA is
 * then left empty (zeros, no finish time).
 */
export async function campaignProgress(database: Database, nowMs: number, c: CampaignRow, pacing?: { throughputShare: number }): Promise<CampaignProgress> {
  const db = database.db;
  const p: CampaignProgress = {
    recipients: Number(c.recipient_count),
    audienceFrozen: Number(c.frozen) === 1,
    pending: 0,
    queued: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    replied: 0,
    clicked: 0,
    converted: 0,
    unknown: 0,
    failed: { total: 0, byReason: [] },
    skipped: { total: 0, byReason: {} },
    cancelled: 0,
    cost: { amountMicros: 0, currency: null },
    conversion: null,
    eta: { remaining: 0, ratePerSecond: 0, seconds: 0, finishesAt: null, limitedBy: null },
  };
  let statuses: { status: string; error_code: number | null; error_title: string | null; n: unknown }[];
  if (c.type === 'PublicAPI') {
    statuses = await db
      .selectFrom('messages')
      .select(['status', 'error_code', 'error_title', (eb) => eb.fn.countAll().as('n')])
      .where('campaign_id', '=', c.id)
      .groupBy(['status', 'error_code', 'error_title'])
      .execute();
    p.recipients = statuses.reduce((a, s) => a + n(s.n), 0);
    const replied = await db
      .selectFrom('messages as m')
      .innerJoin('conversations as cv', (j) => j.onRef('cv.number_id', '=', 'm.number_id').onRef('cv.contact_id', '=', 'm.contact_id'))
      .select((eb) => eb.fn.count('m.contact_id').distinct().as('n'))
      .where('m.campaign_id', '=', c.id)
      .whereRef('cv.last_inbound_at', '>=', 'm.created_at')
      .executeTakeFirst();
    p.replied = n(replied?.n);
  } else {
    for (const r of await db.selectFrom('campaign_recipients').select(['state', (eb) => eb.fn.countAll().as('n')]).where('campaign_id', '=', c.id).groupBy('state').execute()) {
      if (r.state === 'pending') p.pending = n(r.n);
      if (r.state === 'cancelled') p.cancelled = n(r.n);
    }
    for (const r of await db.selectFrom('campaign_recipients').select(['skip_reason', (eb) => eb.fn.countAll().as('n')]).where('campaign_id', '=', c.id).where('state', '=', 'skipped').groupBy('skip_reason').execute()) {
      const kind = (r.skip_reason ?? 'unknown').split(':')[0]!;
      p.skipped.byReason[kind] = (p.skipped.byReason[kind] ?? 0) + n(r.n);
      p.skipped.total += n(r.n);
    }
    statuses = await db
      .selectFrom('campaign_recipients as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .select(['m.status', 'm.error_code', 'm.error_title', (eb) => eb.fn.countAll().as('n')])
      .where('r.campaign_id', '=', c.id)
      .where('r.state', '=', 'enqueued')
      .groupBy(['m.status', 'm.error_code', 'm.error_title'])
      .execute();
    const replied = await db
      .selectFrom('campaign_recipients as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .innerJoin('conversations as cv', (j) => j.onRef('cv.number_id', '=', 'm.number_id').onRef('cv.contact_id', '=', 'm.contact_id'))
      .select((eb) => eb.fn.countAll().as('n'))
      .where('r.campaign_id', '=', c.id)
      .where('r.state', '=', 'enqueued')
      .whereRef('cv.last_inbound_at', '>=', 'm.created_at')
      .executeTakeFirst();
    p.replied = n(replied?.n);
  }
  for (const s of statuses) {
    const k = n(s.n);
    switch (s.status) {
      case 'queued':
      case 'sending':
        p.queued += k;
        break;
      case 'read':
        p.read += k;
        p.delivered += k;
        p.sent += k;
        break;
      case 'delivered':
        p.delivered += k;
        p.sent += k;
        break;
      case 'sent':
        p.sent += k;
        break;
      case 'unknown':
        p.unknown += k;
        break;
      case 'failed':
      case 'expired': {
        p.failed.total += k;
        const reason = s.status === 'expired' ? (s.error_title ?? 'Expired before it could be sent (time to live)') : (s.error_title ?? 'Failed');
        p.failed.byReason.push({ code: s.error_code === null ? null : Number(s.error_code), reason, count: k, retryable: isRetryable(s.status, s.error_code) && s.error_title !== 'Campaign cancelled' });
        break;
      }
    }
  }
  p.failed.byReason.sort((a, b) => b.count - a.count);
  p.clicked = n((await db.selectFrom('campaign_clicks').select((eb) => eb.fn.count('message_id').distinct().as('n')).where('campaign_id', '=', c.id).executeTakeFirst())?.n);
  p.converted = n((await db.selectFrom('campaign_conversions').select((eb) => eb.fn.countAll().as('n')).where('campaign_id', '=', c.id).executeTakeFirst())?.n);
  const cost = await db
    .selectFrom('messages as m')
    .innerJoin('cost_ledger as l', 'l.message_id', 'm.id')
    .select([(eb) => eb.fn.sum<number>('l.amount_micros').as('amount'), (eb) => eb.fn.max('l.currency').as('currency')])
    .where('m.campaign_id', '=', c.id)
    .executeTakeFirst();
  p.cost = { amountMicros: n(cost?.amount), currency: (cost?.currency as string | null | undefined) ?? null };
  if (c.conversion) {
    const goal = JSON.parse(c.conversion) as { event: string; windowMs: number };
    p.conversion = { event: goal.event, windowHours: goal.windowMs / 3_600_000, count: p.converted, rate: p.sent > 0 ? Math.round((p.converted / p.sent) * 10_000) / 10_000 : 0 };
  }
  if (pacing && c.number_id && (c.status === 'running' || c.status === 'scheduled' || c.status === 'paused' || c.status === 'draft')) {
    const number = await campaignNumber(database, c).catch(() => null);
    if (number) {
      const remaining = p.pending + p.queued;
      const rate = number.throughputMps * pacing.throughputShare;
      let seconds = remaining / rate;
      let limitedBy: CampaignProgress['eta']['limitedBy'] = remaining > 0 ? 'throughput' : null;
      const limit = tierLimit(number.messagingLimitTier);
      if (limit !== Infinity && remaining > limit) {
        // Each moving 24 hours lets `limit` new recipients through (less whatever other sends used).
        seconds = Math.max(seconds, Math.floor(remaining / limit) * 86_400);
        limitedBy = 'messaging_limit';
      }
      p.eta = { remaining, ratePerSecond: Math.round(rate), seconds: Math.ceil(seconds), finishesAt: remaining > 0 && c.status === 'running' ? new Date(nowMs + Math.ceil(seconds) * 1000).toISOString() : null, limitedBy };
    }
  }
  return p;
}
