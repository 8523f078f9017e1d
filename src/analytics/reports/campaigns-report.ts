import type { Database } from '../../platform/db/database.ts';
import type { CampaignRow } from '../../campaigns/campaign.ts';
// The campaigns module's own live counts (recipients joined to their messages' status, clicks,
// conversions): funnels use them so the two views never disagree. Campaigns exports no funnel
// service from its index yet; this import and the row read below are the only places to change.
import { campaignProgress } from '../../campaigns/progress/campaign-progress.ts';
import { loadCampaign } from '../../campaigns/run/control.ts';
import { rate, type ReportRange } from '../range.ts';

export interface Funnel {
  campaignId: string;
  name: string;
  type: string;
  status: string;
  startedAt: string | null;
  /** Recipients the campaign has (skipped ones included: see `skipped`). */
  recipients: number;
  skipped: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  converted: number;
  failed: number;
  rates: { delivered: number | null; read: number | null; clicked: number | null; converted: number | null };
}

/** sent → delivered → read → clicked → converted for one campaign; each rate is of the step before. */
export async function campaignFunnel(database: Database, nowMs: number, c: CampaignRow): Promise<Funnel> {
  const p = await campaignProgress(database, nowMs, c);
  const started = c.started_at ?? (c.type === 'PublicAPI' ? c.created_at : null);
  return {
    campaignId: c.id,
    name: c.name,
    type: c.type,
    status: c.status,
    startedAt: started === null ? null : new Date(Number(started)).toISOString(),
    recipients: p.recipients,
    skipped: p.skipped.total,
    sent: p.sent,
    delivered: p.delivered,
    read: p.read,
    clicked: p.clicked,
    converted: p.converted,
    failed: p.failed.total,
    rates: { delivered: rate(p.delivered, p.sent), read: rate(p.read, p.delivered), clicked: rate(p.clicked, p.read), converted: rate(p.converted, p.clicked) },
  };
}

export const MAX_CAMPAIGNS = 100;

/** Funnels of the campaigns started in the period (API campaigns: created), newest first, at most 100. */
export async function campaignsReport(database: Database, nowMs: number, workspaceId: string, range: ReportRange) {
  const rows = await database.db
    .selectFrom('campaigns')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '!=', 'draft')
    .where((eb) =>
      eb.or([
        eb.and([eb('started_at', '>=', range.startMs), eb('started_at', '<', range.endMs)]),
        eb.and([eb('type', '=', 'PublicAPI'), eb('created_at', '>=', range.startMs), eb('created_at', '<', range.endMs)]),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_CAMPAIGNS + 1)
    .execute();
  const funnels: Funnel[] = [];
  for (const c of rows.slice(0, MAX_CAMPAIGNS)) funnels.push(await campaignFunnel(database, nowMs, c));
  const sum = (k: 'sent' | 'delivered' | 'read' | 'clicked' | 'converted' | 'failed') => funnels.reduce((a, f) => a + f[k], 0);
  const totals = { sent: sum('sent'), delivered: sum('delivered'), read: sum('read'), clicked: sum('clicked'), converted: sum('converted'), failed: sum('failed') };
  return {
    timeZone: range.timeZone,
    from: range.from,
    to: range.to,
    totals: { ...totals, rates: { delivered: rate(totals.delivered, totals.sent), read: rate(totals.read, totals.delivered), clicked: rate(totals.clicked, totals.read), converted: rate(totals.converted, totals.clicked) } },
    campaigns: funnels,
    truncated: rows.length > MAX_CAMPAIGNS,
  };
}

export async function oneCampaignFunnel(database: Database, nowMs: number, workspaceId: string, campaignId: string): Promise<Funnel> {
  return campaignFunnel(database, nowMs, await loadCampaign(database, workspaceId, campaignId));
}
