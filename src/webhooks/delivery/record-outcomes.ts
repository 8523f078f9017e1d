import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { retryDelayMs } from './backoff.ts';
import { promoteSuccessors, type ClaimedDelivery } from './claim.ts';
import type { AttemptResult } from './post.ts';

export interface Outcome {
  delivery: ClaimedDelivery;
  result: AttemptResult;
  at: number;
}

export interface OutcomeSettings {
  retryMs: number;
  disableAfterMs: number;
}

export interface RecordedOutcomes {
  delivered: number;
  retried: number;
  dead: number;
  disabledEndpoints: { id: string; workspaceId: string }[];
}

/**
 * Writes a batch of attempt outcomes in one transaction, each fenced by its lease token (a
 * delivery whose lease lapsed and was claimed again by another worker is not overwritten):
 * 2xx → delivered; otherwise retried with backoff until `retryMs` after the event, then dead.
 * Endpoint health: any success ends the endpoint's failure run; a failure starts one; a run
 * longer than `disableAfterMs` disables the endpoint and leaves a notice for the workspace.
 */
export async function recordOutcomes(database: Database, outcomes: Outcome[], settings: OutcomeSettings, logger: Logger): Promise<RecordedOutcomes> {
  const out: RecordedOutcomes = { delivered: 0, retried: 0, dead: 0, disabledEndpoints: [] };
  if (outcomes.length === 0) return out;
  await database.transaction(async (tx) => {
    const now = Math.max(...outcomes.map((o) => o.at));
    const successGroups = new Map<string, { token: string; code: number | null; at: number; ids: string[] }>();
    const okEndpoints = new Set<string>();
    const failedEndpoints = new Map<string, string>();
    const finished: ClaimedDelivery[] = [];
    // In id order, so two writers touching the same rows lock them in the same order.
    for (const o of [...outcomes].sort((a, b) => (a.delivery.id < b.delivery.id ? -1 : a.delivery.id > b.delivery.id ? 1 : 0))) {
      const d = o.delivery;
      if (o.result.ok) {
        okEndpoints.add(d.endpointId);
        const key = `${d.leaseToken}|${o.result.statusCode}`;
        const g = successGroups.get(key) ?? { token: d.leaseToken, code: o.result.statusCode, at: o.at, ids: [] };
        g.ids.push(d.id);
        successGroups.set(key, g);
        finished.push(d);
        continue;
      }
      failedEndpoints.set(d.endpointId, d.workspaceId);
      const dead = o.at - d.createdAt >= settings.retryMs;
      await tx.db
        .updateTable('webhook_deliveries')
        .set({
          state: dead ? 'dead' : 'pending',
          next_attempt_at: dead ? null : o.at + retryDelayMs(d.attempts),
          lease_token: null,
          last_status_code: o.result.statusCode,
          last_error: (dead ? `dead-lettered after ${d.attempts} attempts; last: ` : '') + (o.result.error ?? 'failed'),
          last_attempt_at: o.at,
        })
        .where('id', '=', d.id)
        .where('lease_token', '=', d.leaseToken)
        .execute();
      if (dead) {
        out.dead++;
        finished.push(d);
      }
      else out.retried++;
    }
    for (const g of successGroups.values()) {
      for (let i = 0; i < g.ids.length; i += 500) {
        const r = await tx.db
          .updateTable('webhook_deliveries')
          .set({ state: 'delivered', next_attempt_at: null, lease_token: null, last_status_code: g.code, last_error: null, last_attempt_at: g.at, delivered_at: g.at })
          .where('id', 'in', g.ids.slice(i, i + 500))
          .where('lease_token', '=', g.token)
          .executeTakeFirst();
        out.delivered += Number(r.numUpdatedRows ?? 0);
      }
    }
    // Finished heads (delivered or dead) release their contacts' next deliveries, put off while
    // the head was out.
    await promoteSuccessors(tx.db, database.dialect, finished, now);
    if (okEndpoints.size) {
      await tx.db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', 'in', [...okEndpoints]).where('failing_since', 'is not', null).execute();
    }
    const failing = [...failedEndpoints.keys()].filter((id) => !okEndpoints.has(id));
    if (failing.length) out.disabledEndpoints = await markFailing(tx, failing, now, settings.disableAfterMs, logger);
  });
  return out;
}

async function markFailing(tx: Tx, endpointIds: string[], now: number, disableAfterMs: number, logger: Logger) {
  await tx.db.updateTable('webhook_endpoints').set({ failing_since: now }).where('id', 'in', endpointIds).where('failing_since', 'is', null).execute();
  const reason = `failed continuously for ${Math.round(disableAfterMs / 3_600_000)} h`;
  const disabled = await tx.db
    .updateTable('webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: reason, updated_at: now })
    .where('id', 'in', endpointIds)
    .where('status', '=', 'active')
    .where('failing_since', '<=', now - disableAfterMs)
    .returning(['id', 'workspace_id', 'url'])
    .execute();
  for (const e of disabled) {
    await tx.db
      .insertInto('webhook_notices')
      .values({
        id: newId(now),
        workspace_id: e.workspace_id,
        endpoint_id: e.id,
        kind: 'endpoint_disabled',
        message: `Webhook endpoint ${e.url} was disabled: it ${reason}. Its pending deliveries wait; re-enable it (PATCH status "active") to resume them.`,
        created_at: now,
      })
      .execute();
    logger.error({ alert: 'webhook_endpoint_disabled', endpointId: e.id, workspaceId: e.workspace_id }, 'webhook endpoint disabled after failing continuously');
  }
  return disabled.map((e) => ({ id: e.id, workspaceId: e.workspace_id }));
}
