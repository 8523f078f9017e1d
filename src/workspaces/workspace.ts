import type { Selectable } from 'kysely';
import type { WorkspacesTable } from './tables.ts';

export type WorkspaceRow = Selectable<WorkspacesTable>;

/** A workspace as the APIs show it. */
export interface Workspace {
  id: string;
  name: string;
  plan: string;
  timeZone: string;
  rateLimitPerMinute: number | null;
  createdAt: string;
  updatedAt: string;
}

export function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    timeZone: row.time_zone,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
