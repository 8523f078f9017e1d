import type { Db } from '../platform/db/database.ts';

export interface TemplateEvent {
  event: string;
  status: string;
  reason: string | null;
  qualityScore: string | null;
  detail: Record<string, unknown> | null;
  at: number;
}

/** Meta's lifecycle events of one template, oldest first (pauses, disables, rejections, quality). */
export async function listTemplateEvents(db: Db, workspaceId: string, templateId: string): Promise<TemplateEvent[]> {
  const rows = await db.selectFrom('template_events').selectAll().where('workspace_id', '=', workspaceId).where('template_id', '=', templateId).orderBy('seq').execute();
  return rows.map((r) => ({
    event: r.event,
    status: r.status,
    reason: r.reason,
    qualityScore: r.quality_score,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    at: Number(r.at),
  }));
}
