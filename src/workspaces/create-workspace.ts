import type { Clock } from '../platform/clock.ts';
import type { Database, Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { isPlan, PLANS } from './plans.ts';
import { isTimeZone, toWorkspace, type Workspace, type WorkspaceRow } from './workspace.ts';

export interface CreateWorkspaceInput {
  name: string;
  plan?: string;
  timeZone?: string;
  rateLimitPerMinute?: number | null;
}

export function validateWorkspaceFields(input: Partial<CreateWorkspaceInput>): void {
  const problems: { field: string; message: string }[] = [];
  if (input.name !== undefined && (input.name.trim() === '' || input.name.length > 200)) {
    problems.push({ field: 'name', message: 'must be 1–200 characters' });
  }
  if (input.plan !== undefined && !isPlan(input.plan)) {
    problems.push({ field: 'plan', message: `must be one of ${PLANS.join(', ')}` });
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    problems.push({ field: 'timeZone', message: 'must be an IANA time zone such as Asia/Kolkata' });
  }
  if (input.rateLimitPerMinute != null && (!Number.isInteger(input.rateLimitPerMinute) || input.rateLimitPerMinute < 1)) {
    problems.push({ field: 'rateLimitPerMinute', message: 'must be a positive integer' });
  }
  if (problems.length > 0) {
    throw new AppError('validation_failed', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  }
}

export async function createWorkspaceIn(tx: Tx, clock: Clock, input: CreateWorkspaceInput): Promise<Workspace> {
  validateWorkspaceFields(input);
  const now = clock.nowMs();
  const row: WorkspaceRow = {
    id: newId(now),
    name: input.name.trim(),
    plan: input.plan ?? 'self_hosted',
    time_zone: input.timeZone ?? 'Asia/Kolkata',
    rate_limit_per_minute: input.rateLimitPerMinute ?? null,
    created_at: now,
    updated_at: now,
  };
  await tx.db.insertInto('workspaces').values(row).execute();
  return toWorkspace(row);
}

export function createWorkspace(database: Database, clock: Clock, input: CreateWorkspaceInput): Promise<Workspace> {
  return database.transaction((tx) => createWorkspaceIn(tx, clock, input));
}
