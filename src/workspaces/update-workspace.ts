import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { validateWorkspaceFields } from './create-workspace.ts';
import { toWorkspace, type Workspace } from './workspace.ts';

export interface UpdateWorkspaceInput {
  name?: string;
  plan?: string;
  timeZone?: string;
  rateLimitPerMinute?: number | null;
}

export async function updateWorkspace(database: Database, clock: Clock, workspaceId: string, input: UpdateWorkspaceInput): Promise<Workspace> {
  validateWorkspaceFields(input);
  return database.transaction(async (tx) => {
    const changes: Record<string, unknown> = { updated_at: clock.nowMs() };
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.plan !== undefined) changes.plan = input.plan;
    if (input.timeZone !== undefined) changes.time_zone = input.timeZone;
    if (input.rateLimitPerMinute !== undefined) changes.rate_limit_per_minute = input.rateLimitPerMinute;
    const row = await tx.db.updateTable('workspaces').set(changes).where('id', '=', workspaceId).returningAll().executeTakeFirst();
    if (!row) throw new AppError('not_found', `Workspace ${workspaceId} not found`);
    return toWorkspace(row);
  });
}
