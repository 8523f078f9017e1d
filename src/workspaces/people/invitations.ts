import type { Clock } from '../../platform/clock.ts';
import type { Database, Db, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { isRole, type Role } from '../plans.ts';
import { addMembership, findMemberByEmail, hasAnyMember, normalizeEmail } from './members.ts';
import { checkPasswordRules, hashPassword, verifyPassword } from './password.ts';
import { createSessionIn } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';

export const INVITATION_TTL_MS = 7 * 86_400_000;

export interface Invitation {
  id: string;
  email: string | null;
  role: Role;
  kind: 'invite' | 'owner_setup';
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

type Row = { id: string; email: string | null; role: string; kind: string; created_at: number; expires_at: number; accepted_at: number | null; revoked_at: number | null };
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
function toInvitation(r: Row): Invitation {
  return { id: r.id, email: r.email, role: r.role as Role, kind: r.kind as Invitation['kind'], createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at)!, acceptedAt: iso(r.accepted_at), revokedAt: iso(r.revoked_at) };
}

/** Inserts an invitation; the token (for the link) is returned once and only its hash kept. */
export async function insertInvitation(
  tx: Tx,
  clock: Clock,
  input: { workspaceId: string; email: string | null; role: Role; kind: Invitation['kind']; invitedBy: string | null },
): Promise<{ invitation: Invitation; token: string }> {
  const now = clock.nowMs();
  const token = newToken(input.kind === 'owner_setup' ? 'setup' : 'inv');
  const row: Row & { workspace_id: string; token_hash: string; invited_by: string | null } = {
    id: newId(now),
    workspace_id: input.workspaceId,
    email: input.email,
    role: input.role,
    kind: input.kind,
    token_hash: hashToken(token),
    invited_by: input.invitedBy,
    created_at: now,
    expires_at: now + INVITATION_TTL_MS,
    accepted_at: null,
    revoked_at: null,
  };
  await tx.db.insertInto('invitations').values(row).execute();
  return { invitation: toInvitation(row), token };
}

/** Invites someone by email with a role. Only an owner invites owners. */
export async function createInvitation(
  database: Database,
  clock: Clock,
  workspaceId: string,
  actor: { role: Role; userId: string | null },
  input: { email: string; role: string },
): Promise<{ invitation: Invitation; token: string }> {
  if (!isRole(input.role)) throw new AppError('validation_failed', 'role must be owner, admin or agent', [{ field: 'role' }]);
  if (input.role === 'owner' && actor.role !== 'owner') throw new AppError('forbidden', 'Only an owner invites owners');
  const email = normalizeEmail(input.email);
  const role = input.role;
  return database.transaction(async (tx) => {
    const existing = await findMemberByEmail(tx.db, workspaceId, email);
    if (existing?.active) throw new AppError('conflict', `${email} is already a member of this workspace`);
    return insertInvitation(tx, clock, { workspaceId, email, role, kind: 'invite', invitedBy: actor.userId });
  });
}

export async function listInvitations(db: Db, workspaceId: string): Promise<Invitation[]> {
  const rows = await db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', 'invite').orderBy('created_at', 'desc').limit(500).execute();
  return rows.map(toInvitation);
}

export async function revokeInvitation(database: Database, clock: Clock, workspaceId: string, id: string): Promise<Invitation> {
  return database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('kind', '=', 'invite').executeTakeFirst();
    if (!row) throw new AppError('not_found', `Invitation ${id} not found`);
    if (row.accepted_at !== null) throw new AppError('conflict', 'This invitation was already accepted');
    const revoked_at = row.revoked_at ?? clock.nowMs();
    await tx.db.updateTable('invitations').set({ revoked_at }).where('id', '=', id).execute();
    return toInvitation({ ...row, revoked_at });
  });
}

export interface AcceptInput {
  token: string;
  /** Owner set-up links only: the invitation names no email. */
  email?: string | undefined;
  name?: string | undefined;
  password: string;
}

export interface Accepted {
  sessionToken: string;
  sessionId: string;
  userId: string;
  workspaceId: string;
  role: Role;
}

/**
 * Accepts an invitation or the first-owner set-up link: creates the account (or, when the email
 * already has one, checks its password), adds the membership and signs in. A link works once;
 * the set-up link only while the workspace has no member.
 */
export async function acceptInvitation(database: Database, clock: Clock, input: AcceptInput, expectedKind: Invitation['kind']): Promise<Accepted> {
  const invalidLink = () => new AppError('not_found', 'This link is invalid, expired or already used');
  const row = await database.db.selectFrom('invitations').selectAll().where('token_hash', '=', hashToken(input.token)).executeTakeFirst();
  const now = clock.nowMs();
  if (!row || row.kind !== expectedKind || row.accepted_at !== null || row.revoked_at !== null || Number(row.expires_at) <= now) throw invalidLink();
  const email = normalizeEmail(row.email ?? input.email ?? '');
  const existing = await database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  let passwordHash: string | undefined;
  if (existing) {
    if (!(await verifyPassword(input.password, existing.password_hash))) {
      throw new AppError('unauthorized', `${email} already has an account: enter its password to join this workspace`);
    }
  } else {
    checkPasswordRules(input.password);
    passwordHash = await hashPassword(input.password);
  }
  const name = (input.name ?? '').trim() || email.split('@')[0]!;
  if (name.length > 100) throw new AppError('validation_failed', 'name must be at most 100 characters', [{ field: 'name' }]);
  return database.transaction(async (tx) => {
    // Claim the link first: of two concurrent accepts exactly one updates the row.
    const claimed = await tx.db.updateTable('invitations').set({ accepted_at: now }).where('id', '=', row.id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw invalidLink();
    if (row.kind === 'owner_setup' && (await hasAnyMember(tx.db, row.workspace_id))) {
      throw new AppError('conflict', 'This workspace already has an owner: sign in, or ask an owner for an invitation');
    }
    let userId = existing?.id;
    if (!userId) {
      userId = newId(now);
      await tx.db.insertInto('users').values({ id: userId, email, name, password_hash: passwordHash!, created_at: now, updated_at: now }).execute();
    }
    await addMembership(tx, row.workspace_id, userId, row.role as Role, now);
    const session = await createSessionIn(tx, clock, userId, row.workspace_id);
    return { sessionToken: session.token, sessionId: session.sessionId, userId, workspaceId: row.workspace_id, role: row.role as Role };
  });
}
