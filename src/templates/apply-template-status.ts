import type { Clock } from '../platform/clock.ts';
import type { Tx } from '../platform/db/database.ts';
import { templateCache } from './template-cache.ts';

export interface TemplateStatusChange {
  workspaceId: string;
  wabaId: string;
  /** Meta's template id (message_template_id); matched first. */
  providerTemplateId?: string | null;
  /** message_template_name / message_template_language: used when the id is unknown here. */
  name?: string | null;
  language?: string | null;
  /** The webhook's `event`: APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION, REINSTATED, FLAGGED, … */
  event: string;
  reason?: string | null;
  /** template_category_update: the new category. */
  category?: string | null;
}

/** Webhook events that are not a status of their own. */
const EVENT_STATUS: Record<string, string | null> = { REINSTATED: 'APPROVED', UNARCHIVED: 'APPROVED', FLAGGED: null };

/**
 * Applies Meta's message_template_status_update (or template_category_update) to the stored
 * template, in the caller's transaction (part of processing the stored webhook). Returns the
 * number of templates changed (0 when the template is not known here: the next sync imports it).
 */
export async function applyTemplateStatus(tx: Tx, clock: Clock, change: TemplateStatusChange): Promise<number> {
  const event = change.event.toUpperCase();
  const status = event in EVENT_STATUS ? EVENT_STATUS[event]! : event;
  const set: { status?: string; rejected_reason?: string | null; category?: string; updated_at: number } = { updated_at: clock.nowMs() };
  if (status) set.status = status;
  if (status === 'REJECTED') set.rejected_reason = change.reason ?? null;
  if (change.category) set.category = change.category.toUpperCase();
  if (!set.status && !set.category) return 0;
  let q = tx.db.updateTable('templates').set(set).where('workspace_id', '=', change.workspaceId).where('waba_id', '=', change.wabaId);
  if (change.providerTemplateId) {
    q = q.where('provider_template_id', '=', String(change.providerTemplateId));
  } else if (change.name && change.language) {
    q = q.where('name', '=', change.name).where('language', '=', change.language.replace('-', '_'));
  } else {
    return 0;
  }
  const res = await q.executeTakeFirst();
  tx.afterCommit(() => templateCache.invalidateWaba(change.wabaId));
  return Number(res.numUpdatedRows ?? 0);
}
