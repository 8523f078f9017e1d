import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { Role } from '../plans.ts';
import type { WorkspaceRow } from '../workspace.ts';
import { hashToken, newToken } from './tokens.ts';

/** A session lasts at most 30 days, and ends after 7 days without a request. */
export const SESSION_MAX_MS = 30 * 86_400_000;
export const SESSION_IDLE_MS = 7 * 86_400_000;
/** last_seen_at is written at most this often (not one write per request). */
const TOUCH_EVERY_MS = 60_000;

export interface ResolvedSession {
  sessionId: string;
  user: { id: string; email: string; name: string };
  role: Role;
  workspace: WorkspaceRow;
}

/** Starts a session; the returned token goes into the HttpOnly cookie and is never stored. */
export async function createSessionIn(tx: Tx, clock: Clock, userId: string, workspaceId: string): Promise<{ token: string; sessionId: string; expiresAt: number }> {
  const now = clock.nowMs();
  const token = newToken('ses');
  const id = newId(now);
  const expiresAt = now + SESSION_MAX_MS;
  await tx.db.insertInto('sessions').values({ id, token_hash: hashToken(token), user_id: userId, workspace_id: workspaceId, created_at: now, last_seen_at: now, expires_at: expiresAt }).execute();
  return { token, sessionId: id, expiresAt };
}

/**
 * The session of a cookie token, with the member's current role (a role change applies to the
 * next request). Null when unknown, expired, idle too long, or the membership is gone or
 * deactivated.
 */
export async function resolveSession(database: Database, clock: Clock, token: string): Promise<ResolvedSession | null> {
  const now = clock.nowMs();
  const row = await database.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('memberships', (j) => j.onRef('memberships.user_id', '=', 'sessions.user_id').onRef('memberships.workspace_id', '=', 'sessions.workspace_id'))
    .innerJoin('workspaces', 'workspaces.id', 'sessions.workspace_id')
    .select([
      'sessions.id as session_id',
      'sessions.last_seen_at as last_seen_at',
      'sessions.expires_at as expires_at',
      'users.id as user_id',
      'users.email as email',
      'users.name as user_name',
      'memberships.role as role',
      'memberships.deactivated_at as deactivated_at',
      'workspaces.id as id',
      'workspaces.name as name',
      'workspaces.plan as plan',
      'workspaces.time_zone as time_zone',
      'workspaces.rate_limit_per_minute as rate_limit_per_minute',
      'workspaces.created_at as created_at',
      'workspaces.updated_at as updated_at',
    ])
    .where('sessions.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.deactivated_at !== null) return null;
  if (Number(row.expires_at) <= now || Number(row.last_seen_at) + SESSION_IDLE_MS <= now) return null;
  if (now - Number(row.last_seen_at) >= TOUCH_EVERY_MS) {
    await database.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.session_id).execute();
  }
  return {
    sessionId: row.session_id,
    user: { id: row.user_id, email: row.email, name: row.user_name },
    role: row.role as Role,
    workspace: { id: row.id, name: row.name, plan: row.plan, time_zone: row.time_zone, rate_limit_per_minute: row.rate_limit_per_minute, created_at: row.created_at, updated_at: row.updated_at },
  };
}

export async function endSession(database: Database, sessionId: string): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  });
}

/** Sign out everywhere: every session of the user, in every workspace. */
export async function endAllSessions(tx: Tx, userId: string): Promise<number> {
  const r = await tx.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0n);
}
