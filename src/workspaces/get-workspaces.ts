import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { toWorkspace, type Workspace, type WorkspaceRow } from './workspace.ts';

export async function listWorkspaces(database: Database): Promise<Workspace[]> {
  const rows = await database.db.selectFrom('workspaces').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toWorkspace);
}

export async function findWorkspaceRow(database: Database, workspaceId: string): Promise<WorkspaceRow | undefined> {
  return database.db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst();
}

export async function getWorkspace(database: Database, workspaceId: string): Promise<Workspace> {
  const row = await findWorkspaceRow(database, workspaceId);
  if (!row) throw new AppError('not_found', `Workspace ${workspaceId} not found`);
  return toWorkspace(row);
}

/** The first workspace created (the instance's default, shown on the dashboard placeholder). */
export async function firstWorkspace(database: Database): Promise<Workspace | undefined> {
  const row = await database.db.selectFrom('workspaces').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}
