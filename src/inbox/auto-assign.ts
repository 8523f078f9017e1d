import type { Dialect, Tx } from '../platform/db/database.ts';

/**
 * Picks the agent for a new conversation given to a team: round robin over the team's members
 * who are available and active, skipping those at the team's cap of open conversations; null
 * when nobody qualifies (the conversation then waits unassigned in the team's queue). The team
 * row is locked on PostgreSQL so two conversations arriving together do not both take the last
 * free slot of one agent or the same turn.
 */
export async function pickAgent(tx: Tx, dialect: Dialect, workspaceId: string, teamId: string): Promise<string | null> {
  let tq = tx.db.selectFrom('teams').select(['id', 'auto_assign', 'max_open_per_agent', 'last_assigned_user_id']).where('workspace_id', '=', workspaceId).where('id', '=', teamId);
  if (dialect === 'postgres') tq = tq.forUpdate();
  const team = await tq.executeTakeFirst();
  if (!team || Number(team.auto_assign) !== 1) return null;
  const candidates = (
    await tx.db
      .selectFrom('team_members')
      .innerJoin('memberships', (j) => j.onRef('memberships.user_id', '=', 'team_members.user_id').onRef('memberships.workspace_id', '=', 'team_members.workspace_id'))
      .select('team_members.user_id as user_id')
      .where('team_members.team_id', '=', teamId)
      .where('memberships.available', '=', 1)
      .where('memberships.deactivated_at', 'is', null)
      .orderBy('team_members.user_id')
      .execute()
  ).map((r) => r.user_id);
  if (candidates.length === 0) return null;
  const cap = team.max_open_per_agent === null ? null : Number(team.max_open_per_agent);
  let eligible = candidates;
  if (cap !== null) {
    const counts = await tx.db
      .selectFrom('inbox_conversations')
      .select(['assignee_user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'open')
      .where('assignee_user_id', 'in', candidates)
      .groupBy('assignee_user_id')
      .execute();
    const open = new Map(counts.map((c) => [c.assignee_user_id!, Number(c.n)]));
    eligible = candidates.filter((id) => (open.get(id) ?? 0) < cap);
  }
  if (eligible.length === 0) return null;
  // The next eligible member after the one who got the previous conversation, wrapping around.
  const last = team.last_assigned_user_id;
  const next = (last !== null && eligible.find((id) => id > last)) || eligible[0]!;
  await tx.db.updateTable('teams').set({ last_assigned_user_id: next }).where('id', '=', teamId).execute();
  return next;
}
