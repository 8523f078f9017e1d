import type { Clock } from '../platform/clock.ts';
import type { Tx } from '../platform/db/database.ts';
import { newId } from '../platform/ids.ts';
import { recordTemplateStatusEvents } from '../webhooks/meta-events.ts';
import { templateCache } from './template-cache.ts';
import { toTemplate, type Template } from './template.ts';

export interface TemplateStatusChange {
  workspaceId: string;
  wabaId: string;
  /** Meta's template id (message_template_id); matched first. */
  providerTemplateId?: string | null;
  /** message_template_name / message_template_language: used when the id is unknown here. */
  name?: string | null;
  language?: string | null;
  /**
   * The webhook's `event`: APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION, REINSTATED,
   * FLAGGED, …; `CATEGORY_UPDATE` for template_category_update, `QUALITY_UPDATE` for
   * message_template_quality_update.
   */
  event: string;
  reason?: string | null;
  /** template_category_update: the new category. */
  category?: string | null;
  /** The webhook's whole `value` (other_info, disable_info, rejection_info, new_quality_score). */
  raw?: Record<string, unknown> | null;
}

/** One template changed by one event: what outbound webhooks and the timeline are built from. */
export interface AppliedTemplateStatus {
  /** The template after the change. */
  template: Template;
  /** Meta's event as received (upper case). */
  event: string;
  reason: string | null;
  at: number;
}

/** Webhook events that are not a status of their own (FLAGGED warns; the status stays). */
const EVENT_STATUS: Record<string, string | null> = { REINSTATED: 'APPROVED', UNARCHIVED: 'APPROVED', UNPAUSED: 'APPROVED', FLAGGED: null, QUALITY_UPDATE: null, CATEGORY_UPDATE: null };

type J = Record<string, unknown>;
const obj = (v: unknown): J | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : null);

/**
 * Applies Meta's message_template_status_update (and template_category_update,
 * message_template_quality_update) to the stored template, in the caller's transaction (part of
 * processing the stored webhook). Status comes only from these webhooks, never from polling.
 * Keeps the rejection reason and rejection_info, the quality score, pause details (other_info:
 * FIRST_PAUSE, SECOND_PAUSE, UNPAUSE) and the disable date, and records every event in
 * template_events. Returns the number of templates changed (0 when the template is not known
 * here: the next sync imports it).
 */
export async function applyTemplateStatus(tx: Tx, clock: Clock, change: TemplateStatusChange): Promise<number> {
  const applied = await applyTemplateStatusChange(tx, clock, change);
  // Outbound `message_template_status_update` webhooks, in this transaction (webhooks module).
  await recordTemplateStatusEvents(tx, applied);
  return applied.length;
}

/** The work of applyTemplateStatus; returns each changed template with the event applied. */
export async function applyTemplateStatusChange(tx: Tx, clock: Clock, change: TemplateStatusChange): Promise<AppliedTemplateStatus[]> {
  const now = clock.nowMs();
  const event = change.event.toUpperCase();
  const status = event in EVENT_STATUS ? EVENT_STATUS[event]! : event;
  const raw = change.raw ?? {};
  const language = change.language ? change.language.replace('-', '_') : null;
  const id = change.providerTemplateId ? String(change.providerTemplateId) : null;
  if (!event) return [];

  let q = tx.db.selectFrom('templates').selectAll().where('workspace_id', '=', change.workspaceId).where('waba_id', '=', change.wabaId);
  if (id) {
    // A template created through Samvad is stored before Meta answers with its id: a webhook that
    // beats the answer finds it by name and language.
    q = q.where((eb) =>
      eb.or([
        eb('provider_template_id', '=', id),
        ...(change.name && language ? [eb.and([eb('provider_template_id', 'is', null), eb('name', '=', change.name), eb('language', '=', language)])] : []),
      ]),
    );
  } else if (change.name && language) {
    q = q.where('name', '=', change.name).where('language', '=', language);
  } else {
    return [];
  }
  const rows = await q.execute();
  const out: AppliedTemplateStatus[] = [];
  for (const row of rows) {
    const set: Record<string, unknown> = { updated_at: now };
    if (id && !row.provider_template_id) set.provider_template_id = id;
    const detail: J = {};
    for (const k of ['other_info', 'disable_info', 'rejection_info']) if (obj(raw[k])) detail[k] = raw[k];
    let quality: string | null = null;
    if (event === 'QUALITY_UPDATE') {
      quality = typeof raw.new_quality_score === 'string' ? raw.new_quality_score : null;
      if (quality) set.quality_score = quality;
      if (typeof raw.previous_quality_score === 'string') detail.previous_quality_score = raw.previous_quality_score;
    }
    if (event === 'CATEGORY_UPDATE' && change.category) {
      set.category = change.category.toUpperCase();
      detail.previous_category = row.category;
      detail.new_category = change.category.toUpperCase();
    }
    if (status) {
      set.status = status;
      set.status_changed_at = now;
      set.status_detail = Object.keys(detail).length ? JSON.stringify(detail) : null;
      if (status === 'REJECTED') {
        set.rejected_reason = change.reason ?? null;
        set.rejection_info = obj(raw.rejection_info) ? JSON.stringify(raw.rejection_info) : null;
      } else if (status === 'APPROVED') {
        set.rejected_reason = null;
        set.rejection_info = null;
      }
      if (status === 'DISABLED') {
        const date = Number(obj(raw.disable_info)?.disable_date);
        set.disabled_at = Number.isFinite(date) && date > 0 ? date * 1000 : now;
      }
    }
    await tx.db.updateTable('templates').set(set).where('id', '=', row.id).execute();
    const last = await tx.db.selectFrom('template_events').select((eb) => eb.fn.max('seq').as('seq')).where('template_id', '=', row.id).executeTakeFirst();
    await tx.db
      .insertInto('template_events')
      .values({
        id: newId(now),
        seq: Number(last?.seq ?? 0) + 1,
        workspace_id: change.workspaceId,
        template_id: row.id,
        event,
        status: (set.status as string | undefined) ?? row.status,
        reason: change.reason ?? null,
        quality_score: quality,
        detail: Object.keys(detail).length ? JSON.stringify(detail) : null,
        at: now,
      })
      .execute();
    out.push({ template: toTemplate({ ...row, ...set } as typeof row), event, reason: change.reason ?? null, at: now });
  }
  if (rows.length) tx.afterCommit(() => templateCache.invalidateWaba(change.wabaId));
  return out;
}
