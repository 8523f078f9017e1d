import type { Selectable } from 'kysely';
import { parseAudience, type AudienceDef } from './audience.ts';
import type { VariableMapping } from './mapping.ts';
import type { CampaignsTable, CampaignStatus, CampaignType } from './tables.ts';
import type { TriggerDef } from './triggers/trigger-def.ts';

export type CampaignRow = Selectable<CampaignsTable>;

/** A campaign as the APIs show it (times as ISO strings). */
export interface Campaign {
  id: string;
  workspaceId: string;
  name: string;
  type: CampaignType;
  status: CampaignStatus;
  statusReason: string | null;
  numberId: string | null;
  templateName: string;
  languageCode: string;
  audience: AudienceDef;
  variables: VariableMapping;
  trackedLinks: Record<string, string>;
  conversion: { event: string; windowHours: number } | null;
  trigger: TriggerDef | null;
  scheduledAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Recipient rows frozen so far (the whole audience once `audienceFrozen`). */
  recipientCount: number;
  audienceFrozen: boolean;
  createdAt: string;
  updatedAt: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function parseConversion(json: string | null): { event: string; windowMs: number } | null {
  return json ? (JSON.parse(json) as { event: string; windowMs: number }) : null;
}

export function toCampaign(row: CampaignRow): Campaign {
  const conv = parseConversion(row.conversion);
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    type: row.type,
    status: row.status,
    statusReason: row.status_reason,
    numberId: row.number_id,
    templateName: row.template_name,
    languageCode: row.template_language,
    audience: parseAudience(row.audience),
    variables: JSON.parse(row.mapping) as VariableMapping,
    trackedLinks: JSON.parse(row.tracked_links) as Record<string, string>,
    conversion: conv ? { event: conv.event, windowHours: conv.windowMs / 3_600_000 } : null,
    trigger: row.trigger_def ? (JSON.parse(row.trigger_def) as TriggerDef) : null,
    scheduledAt: iso(row.scheduled_at),
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
    recipientCount: Number(row.recipient_count),
    audienceFrozen: Number(row.frozen) === 1,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}
