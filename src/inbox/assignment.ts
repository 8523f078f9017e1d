import type { Clock } from '../platform/clock.ts';
import type { Database, Dialect, Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { findMember, type Member } from '../workspaces/people/index.ts';
import { pickAgent } from './auto-assign.ts';
import type { ConversationRef } from './conversation-ref.ts';
import { lockState, toState, updateState, type ConversationState, type StateRow } from './conversation-state.ts';
import { publishInboxEvents, type InboxEvent } from './events/publish.ts';

/** Who made a change: a signed-in user, an API key, or the auto-assigner. */
export type Actor = { userId: string } | { keyId: string } | 'auto';

/** Interakt's wording (reference interakt-api.md §7.2); integrators match "already assigned to same agent". */
export const ALREADY_ASSIGNED = 'Chat is already assigned to same agent';
export const AGENT_NOT_FOUND = 'Agent not found';
export const AGENT_INACTIVE = 'Agent inactive';

function by(actor: Actor) {
  return actor === 'auto' ? { auto: true } : actor;
}

function assignmentEvent(ref: ConversationRef, row: StateRow, assignee: Member | null, previous: string | null, actor: Actor): InboxEvent {
  return {
    workspaceId: ref.workspaceId,
    type: 'conversation.assignment',
    payload: {
      conversationId: ref.conversationId,
      numberId: ref.numberId,
      contactId: ref.contactId,
      assigneeId: assignee?.id ?? null,
      assignee: assignee ? { id: assignee.id, name: assignee.name, email: assignee.email } : null,
      previousAssigneeId: previous,
      teamId: row.team_id,
      by: by(actor),
    },
  };
}

async function agentFor(tx: Tx, workspaceId: string, userId: string): Promise<Member> {
  const m = await findMember(tx.db, workspaceId, userId);
  if (!m) throw new AppError('not_found', AGENT_NOT_FOUND);
  if (!m.active) throw new AppError('bad_request', AGENT_INACTIVE);
  return m;
}

/** Assigns (or reassigns) to an agent. Assigning to the current assignee is refused (409 / Interakt 400). */
export async function assignConversation(database: Database, clock: Clock, ref: ConversationRef, agentUserId: string, actor: Actor): Promise<ConversationState> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const { row } = await lockState(tx, database.dialect, ref, now);
    const agent = await agentFor(tx, ref.workspaceId, agentUserId);
    if (row.assignee_user_id === agent.id) throw new AppError('conflict', ALREADY_ASSIGNED);
    const next = { ...row, assignee_user_id: agent.id, assigned_at: now, updated_at: now };
    await updateState(tx, ref, { assignee_user_id: agent.id, assigned_at: now, updated_at: now });
    await publishInboxEvents(tx, now, [assignmentEvent(ref, next, agent, row.assignee_user_id, actor)]);
    return toState(next);
  });
}

export async function unassignConversation(database: Database, clock: Clock, ref: ConversationRef, actor: Actor): Promise<ConversationState> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const { row } = await lockState(tx, database.dialect, ref, now);
    if (row.assignee_user_id === null) return toState(row);
    const next = { ...row, assignee_user_id: null, assigned_at: null, updated_at: now };
    await updateState(tx, ref, { assignee_user_id: null, assigned_at: null, updated_at: now });
    await publishInboxEvents(tx, now, [assignmentEvent(ref, next, null, row.assignee_user_id, actor)]);
    return toState(next);
  });
}

/** Takes the conversation off its team; the assignee stays (as unassign keeps the team). */
export async function removeTeam(database: Database, clock: Clock, ref: ConversationRef, actor: Actor): Promise<ConversationState> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const { row } = await lockState(tx, database.dialect, ref, now);
    if (row.team_id === null) return toState(row);
    const next = { ...row, team_id: null, updated_at: now };
    await updateState(tx, ref, { team_id: null, updated_at: now });
    const assignee = row.assignee_user_id ? await findMember(tx.db, ref.workspaceId, row.assignee_user_id) : null;
    await publishInboxEvents(tx, now, [assignmentEvent(ref, next, assignee ?? null, row.assignee_user_id, actor)]);
    return toState(next);
  });
}

/**
 * Gives the conversation to a team. With `autoAssign` (default) it goes round robin to the team's
 * next available agent under the cap, or waits unassigned in the team when none is; without, it
 * stays unassigned in the team.
 */
export async function assignTeam(database: Database, clock: Clock, ref: ConversationRef, teamId: string, actor: Actor, autoAssign = true): Promise<ConversationState> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const team = await tx.db.selectFrom('teams').select('id').where('workspace_id', '=', ref.workspaceId).where('id', '=', teamId).executeTakeFirst();
    if (!team) throw new AppError('not_found', `Team ${teamId} not found`);
    const { row } = await lockState(tx, database.dialect, ref, now);
    const pick = autoAssign ? await pickAgent(tx, database.dialect, ref.workspaceId, teamId) : null;
    const agent = pick ? await findMember(tx.db, ref.workspaceId, pick) : null;
    const next = { ...row, team_id: teamId, assignee_user_id: agent?.id ?? null, assigned_at: agent ? now : null, updated_at: now };
    await updateState(tx, ref, { team_id: teamId, assignee_user_id: next.assignee_user_id, assigned_at: next.assigned_at, updated_at: now });
    await publishInboxEvents(tx, now, [assignmentEvent(ref, next, agent, row.assignee_user_id, actor)]);
    return toState(next);
  });
}

/**
 * Auto-assignment of a conversation that just started or reopened, inside the inbound
 * transaction: to the workspace's default team, round robin; unassigned when there is no default
 * team or nobody is available.
 */
export async function autoAssignInTx(tx: Tx, dialect: Dialect, ref: ConversationRef, row: StateRow, defaultTeamId: string | null, now: number): Promise<InboxEvent | null> {
  if (row.assignee_user_id !== null) return null;
  const teamId = row.team_id ?? defaultTeamId;
  if (!teamId) return null;
  const pick = await pickAgent(tx, dialect, ref.workspaceId, teamId);
  const agent = pick ? await findMember(tx.db, ref.workspaceId, pick) : null;
  const next = { ...row, team_id: teamId, assignee_user_id: agent?.id ?? null, assigned_at: agent ? now : null, updated_at: now };
  await updateState(tx, ref, { team_id: teamId, assignee_user_id: next.assignee_user_id, assigned_at: next.assigned_at, updated_at: now });
  return agent ? assignmentEvent(ref, next, agent, null, 'auto') : null;
}

function statusEvent(ref: ConversationRef, status: 'open' | 'closed', actor: Actor): InboxEvent {
  return { workspaceId: ref.workspaceId, type: 'conversation.status', payload: { conversationId: ref.conversationId, numberId: ref.numberId, contactId: ref.contactId, status, by: by(actor) } };
}

/** Closes (resolves) a conversation; the assignee stays, so a reopen goes back to them. */
export async function closeConversation(database: Database, clock: Clock, ref: ConversationRef, actor: Actor): Promise<ConversationState> {
  return setStatus(database, clock, ref, 'closed', actor);
}

export async function reopenConversation(database: Database, clock: Clock, ref: ConversationRef, actor: Actor): Promise<ConversationState> {
  return setStatus(database, clock, ref, 'open', actor);
}

async function setStatus(database: Database, clock: Clock, ref: ConversationRef, status: 'open' | 'closed', actor: Actor): Promise<ConversationState> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const { row } = await lockState(tx, database.dialect, ref, now);
    if (row.status === status) return toState(row);
    const set = status === 'closed' ? { status, closed_at: now, updated_at: now } : { status, opened_at: now, closed_at: null, updated_at: now };
    await updateState(tx, ref, set);
    await publishInboxEvents(tx, now, [statusEvent(ref, status, actor)]);
    return toState({ ...row, ...set });
  });
}

export async function getConversationState(database: Database, clock: Clock, ref: ConversationRef): Promise<ConversationState> {
  const row = await database.db.selectFrom('inbox_conversations').selectAll().where('number_id', '=', ref.numberId).where('contact_id', '=', ref.contactId).executeTakeFirst();
  if (row) return toState(row);
  return { conversationId: ref.conversationId, status: 'open', assigneeId: null, teamId: null, assignedAt: null, openedAt: new Date(clock.nowMs()).toISOString(), closedAt: null };
}

export { statusEvent };
