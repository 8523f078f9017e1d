import type { Clock } from '../platform/clock.ts';
import type { Database, Db, Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { findMember } from '../workspaces/people/index.ts';

export interface Team {
  id: string;
  name: string;
  autoAssign: boolean;
  maxOpenPerAgent: number | null;
  memberIds: string[];
  createdAt: string;
}

export interface TeamInput {
  name?: string | undefined;
  autoAssign?: boolean | undefined;
  maxOpenPerAgent?: number | null | undefined;
  memberIds?: string[] | undefined;
}

async function membersOf(db: Db, teamIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(teamIds.map((id) => [id, []]));
  if (teamIds.length === 0) return out;
  const rows = await db.selectFrom('team_members').select(['team_id', 'user_id']).where('team_id', 'in', teamIds).orderBy('user_id').execute();
  for (const r of rows) out.get(r.team_id)?.push(r.user_id);
  return out;
}

export async function listTeams(db: Db, workspaceId: string): Promise<Team[]> {
  const rows = await db.selectFrom('teams').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
  const members = await membersOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({ id: r.id, name: r.name, autoAssign: Number(r.auto_assign) === 1, maxOpenPerAgent: r.max_open_per_agent === null ? null : Number(r.max_open_per_agent), memberIds: members.get(r.id) ?? [], createdAt: new Date(Number(r.created_at)).toISOString() }));
}

export async function getTeam(db: Db, workspaceId: string, teamId: string): Promise<Team> {
  const t = (await listTeams(db, workspaceId)).find((x) => x.id === teamId);
  if (!t) throw new AppError('not_found', `Team ${teamId} not found`);
  return t;
}

function checkInput(input: TeamInput) {
  if (input.name !== undefined && (input.name.trim() === '' || input.name.length > 100)) throw new AppError('validation_failed', 'name must be 1–100 characters', [{ field: 'name' }]);
  if (input.maxOpenPerAgent != null && (!Number.isInteger(input.maxOpenPerAgent) || input.maxOpenPerAgent < 1)) throw new AppError('validation_failed', 'maxOpenPerAgent must be a positive integer or null', [{ field: 'maxOpenPerAgent' }]);
}

async function setMembers(tx: Tx, workspaceId: string, teamId: string, memberIds: string[], now: number) {
  for (const id of memberIds) if (!(await findMember(tx.db, workspaceId, id))) throw new AppError('validation_failed', `memberIds: user ${id} is not a member of this workspace`, [{ field: 'memberIds' }]);
  await tx.db.deleteFrom('team_members').where('team_id', '=', teamId).execute();
  const unique = [...new Set(memberIds)];
  if (unique.length > 0) await tx.db.insertInto('team_members').values(unique.map((user_id) => ({ team_id: teamId, user_id, workspace_id: workspaceId, created_at: now }))).execute();
}

export async function createTeam(database: Database, clock: Clock, workspaceId: string, input: TeamInput & { name: string }): Promise<Team> {
  checkInput(input);
  const id = await database.transaction(async (tx) => {
    const now = clock.nowMs();
    const dup = await tx.db.selectFrom('teams').select('id').where('workspace_id', '=', workspaceId).where('name', '=', input.name.trim()).executeTakeFirst();
    if (dup) throw new AppError('conflict', `A team named "${input.name.trim()}" exists`);
    const teamId = newId(now);
    await tx.db
      .insertInto('teams')
      .values({ id: teamId, workspace_id: workspaceId, name: input.name.trim(), auto_assign: input.autoAssign === false ? 0 : 1, max_open_per_agent: input.maxOpenPerAgent ?? null, last_assigned_user_id: null, created_at: now, updated_at: now })
      .execute();
    await setMembers(tx, workspaceId, teamId, input.memberIds ?? [], now);
    return teamId;
  });
  return getTeam(database.db, workspaceId, id);
}

export async function updateTeam(database: Database, clock: Clock, workspaceId: string, teamId: string, input: TeamInput): Promise<Team> {
  checkInput(input);
  await database.transaction(async (tx) => {
    const now = clock.nowMs();
    const row = await tx.db.selectFrom('teams').select('id').where('workspace_id', '=', workspaceId).where('id', '=', teamId).executeTakeFirst();
    if (!row) throw new AppError('not_found', `Team ${teamId} not found`);
    const set: Record<string, unknown> = { updated_at: now };
    if (input.name !== undefined) set.name = input.name.trim();
    if (input.autoAssign !== undefined) set.auto_assign = input.autoAssign ? 1 : 0;
    if (input.maxOpenPerAgent !== undefined) set.max_open_per_agent = input.maxOpenPerAgent;
    await tx.db.updateTable('teams').set(set).where('id', '=', teamId).execute();
    if (input.memberIds !== undefined) await setMembers(tx, workspaceId, teamId, input.memberIds, now);
  });
  return getTeam(database.db, workspaceId, teamId);
}

/** Deletes a team; its conversations keep their assignee and lose the team. */
export async function deleteTeam(database: Database, clock: Clock, workspaceId: string, teamId: string): Promise<void> {
  await database.transaction(async (tx) => {
    const r = await tx.db.deleteFrom('teams').where('workspace_id', '=', workspaceId).where('id', '=', teamId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', `Team ${teamId} not found`);
    await tx.db.updateTable('inbox_conversations').set({ team_id: null, updated_at: clock.nowMs() }).where('workspace_id', '=', workspaceId).where('team_id', '=', teamId).execute();
    await tx.db.updateTable('inbox_settings').set({ default_team_id: null }).where('workspace_id', '=', workspaceId).where('default_team_id', '=', teamId).execute();
  });
}
