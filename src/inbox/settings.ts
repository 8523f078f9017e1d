import type { Clock } from '../platform/clock.ts';
import type { Database, Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { ALWAYS_OPEN, checkBusinessHours, type BusinessHours } from './business-hours.ts';

export const DEFAULT_AUTO_REPLY_COOLDOWN_MS = 12 * 3_600_000;

export interface InboxSettings {
  defaultTeamId: string | null;
  businessHours: BusinessHours;
  outOfHours: { enabled: boolean; message: string | null; cooldownMinutes: number };
}

export const DEFAULT_SETTINGS: InboxSettings = {
  defaultTeamId: null,
  businessHours: ALWAYS_OPEN,
  outOfHours: { enabled: false, message: null, cooldownMinutes: DEFAULT_AUTO_REPLY_COOLDOWN_MS / 60_000 },
};

export async function getInboxSettings(db: Db, workspaceId: string): Promise<InboxSettings> {
  const row = await db.selectFrom('inbox_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  return {
    defaultTeamId: row.default_team_id,
    businessHours: JSON.parse(row.business_hours) as BusinessHours,
    outOfHours: { enabled: Number(row.out_of_hours_enabled) === 1, message: row.out_of_hours_message, cooldownMinutes: Math.round(Number(row.out_of_hours_cooldown_ms) / 60_000) },
  };
}

export interface UpdateSettingsInput {
  defaultTeamId?: string | null | undefined;
  businessHours?: BusinessHours | undefined;
  outOfHours?: Partial<InboxSettings['outOfHours']> | undefined;
}

export async function updateInboxSettings(database: Database, clock: Clock, workspaceId: string, input: UpdateSettingsInput): Promise<InboxSettings> {
  const current = await getInboxSettings(database.db, workspaceId);
  const next: InboxSettings = {
    defaultTeamId: input.defaultTeamId === undefined ? current.defaultTeamId : input.defaultTeamId,
    businessHours: input.businessHours ?? current.businessHours,
    outOfHours: { ...current.outOfHours, ...input.outOfHours },
  };
  checkBusinessHours(next.businessHours);
  if (next.outOfHours.enabled && !next.outOfHours.message?.trim()) throw new AppError('validation_failed', 'outOfHours.message is required when the out-of-hours reply is enabled', [{ field: 'outOfHours.message' }]);
  if (next.outOfHours.message && next.outOfHours.message.length > 4096) throw new AppError('validation_failed', 'outOfHours.message is a WhatsApp text: at most 4,096 characters');
  if (next.defaultTeamId) {
    const team = await database.db.selectFrom('teams').select('id').where('workspace_id', '=', workspaceId).where('id', '=', next.defaultTeamId).executeTakeFirst();
    if (!team) throw new AppError('validation_failed', `defaultTeamId: team ${next.defaultTeamId} not found`, [{ field: 'defaultTeamId' }]);
  }
  const now = clock.nowMs();
  const row = {
    workspace_id: workspaceId,
    default_team_id: next.defaultTeamId,
    business_hours: JSON.stringify(next.businessHours),
    out_of_hours_enabled: next.outOfHours.enabled ? 1 : 0,
    out_of_hours_message: next.outOfHours.message,
    out_of_hours_cooldown_ms: next.outOfHours.cooldownMinutes * 60_000,
    updated_at: now,
  };
  await database.transaction(async (tx) => {
    const { workspace_id: _w, ...set } = row;
    await tx.db.insertInto('inbox_settings').values(row).onConflict((oc) => oc.column('workspace_id').doUpdateSet(set)).execute();
  });
  return next;
}
