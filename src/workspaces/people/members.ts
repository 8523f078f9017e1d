import type { Clock } from '../../platform/clock.ts';
import type { Database, Db, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { isRole, roleAtLeast, type Role } from '../plans.ts';

/** A user as a member of one workspace. */
export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Takes new conversations from auto-assignment. */
  available: boolean;
  /** False once an admin deactivated the member. */
  active: boolean;
  createdAt: string;
}

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  // Deliberately loose: one @, something either side, no spaces. Delivery is the real check.
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(e)) throw new AppError('validation_failed', 'email is not a valid email address', [{ field: 'email' }]);
  return e;
}

function memberQuery(db: Db, workspaceId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as id', 'users.email as email', 'users.name as name', 'memberships.role as role', 'memberships.available as available', 'memberships.deactivated_at as deactivated_at', 'memberships.created_at as created_at'])
    .where('memberships.workspace_id', '=', workspaceId);
}

type MemberRow = { id: string; email: string; name: string; role: string; available: number; deactivated_at: number | null; created_at: number };

function toMember(r: MemberRow): Member {
  return { id: r.id, email: r.email, name: r.name, role: r.role as Role, available: Number(r.available) === 1, active: r.deactivated_at === null, createdAt: new Date(Number(r.created_at)).toISOString() };
}

export async function listMembers(db: Db, workspaceId: string): Promise<Member[]> {
  return (await memberQuery(db, workspaceId).orderBy('memberships.created_at').orderBy('users.id').execute()).map(toMember);
}

export async function findMember(db: Db, workspaceId: string, userId: string): Promise<Member | null> {
  const r = await memberQuery(db, workspaceId).where('users.id', '=', userId).executeTakeFirst();
  return r ? toMember(r) : null;
}

/** The member with this email (Interakt's `agent_email`), or null. */
export async function findMemberByEmail(db: Db, workspaceId: string, email: string): Promise<Member | null> {
  const r = await memberQuery(db, workspaceId).where('users.email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return r ? toMember(r) : null;
}

export async function getMember(db: Db, workspaceId: string, userId: string): Promise<Member> {
  const m = await findMember(db, workspaceId, userId);
  if (!m) throw new AppError('not_found', `User ${userId} is not a member of this workspace`);
  return m;
}

export async function addMembership(tx: Tx, workspaceId: string, userId: string, role: Role, now: number): Promise<void> {
  await tx.db
    .insertInto('memberships')
    .values({ workspace_id: workspaceId, user_id: userId, role, available: 1, deactivated_at: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role, deactivated_at: null, updated_at: now }))
    .execute();
}

export interface UpdateMemberInput {
  role?: string | undefined;
  available?: boolean | undefined;
  active?: boolean | undefined;
  name?: string | undefined;
}

/**
 * Changes a member. Rules: only an owner grants or takes away the owner role; an admin changes
 * agents and admins; the last active owner cannot be demoted or deactivated (a workspace always
 * has someone who can manage it). Deactivating ends the member's sessions in this workspace.
 */
export async function updateMember(
  database: Database,
  clock: Clock,
  workspaceId: string,
  actor: { role: Role; userId: string | null },
  userId: string,
  input: UpdateMemberInput,
): Promise<Member> {
  if (input.role !== undefined && !isRole(input.role)) throw new AppError('validation_failed', 'role must be owner, admin or agent', [{ field: 'role' }]);
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const target = await findMember(tx.db, workspaceId, userId);
    if (!target) throw new AppError('not_found', `User ${userId} is not a member of this workspace`);
    const self = actor.userId === userId;
    const changesOthers = input.role !== undefined || input.active !== undefined || (input.name !== undefined && !self);
    if (changesOthers && !self && !roleAtLeast(actor.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners change other members');
    if ((input.role !== undefined || input.active !== undefined) && !roleAtLeast(actor.role, 'admin')) throw new AppError('forbidden', 'Only admins and owners change roles and deactivate members');
    const touchesOwner = target.role === 'owner' || input.role === 'owner';
    if (touchesOwner && (input.role !== undefined || input.active !== undefined) && actor.role !== 'owner') {
      throw new AppError('forbidden', 'Only an owner grants, removes or deactivates the owner role');
    }
    const losesOwner = target.role === 'owner' && ((input.role !== undefined && input.role !== 'owner') || input.active === false);
    if (losesOwner) await assertAnotherOwner(tx, workspaceId, userId);
    const set: Record<string, unknown> = { updated_at: now };
    if (input.role !== undefined) set.role = input.role;
    if (input.available !== undefined) set.available = input.available ? 1 : 0;
    if (input.active !== undefined) set.deactivated_at = input.active ? null : now;
    await tx.db.updateTable('memberships').set(set).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (name === '' || name.length > 100) throw new AppError('validation_failed', 'name must be 1–100 characters', [{ field: 'name' }]);
      await tx.db.updateTable('users').set({ name, updated_at: now }).where('id', '=', userId).execute();
    }
    if (input.active === false) await tx.db.deleteFrom('sessions').where('user_id', '=', userId).where('workspace_id', '=', workspaceId).execute();
    return (await findMember(tx.db, workspaceId, userId))!;
  });
}

/** Removes a member from the workspace (the account stays; its sessions here end). */
export async function removeMember(database: Database, workspaceId: string, actor: { role: Role }, userId: string): Promise<void> {
  await database.transaction(async (tx) => {
    const target = await findMember(tx.db, workspaceId, userId);
    if (!target) throw new AppError('not_found', `User ${userId} is not a member of this workspace`);
    if (target.role === 'owner') {
      if (actor.role !== 'owner') throw new AppError('forbidden', 'Only an owner removes an owner');
      await assertAnotherOwner(tx, workspaceId, userId);
    }
    await tx.db.deleteFrom('sessions').where('user_id', '=', userId).where('workspace_id', '=', workspaceId).execute();
    await tx.db.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
  });
}

async function assertAnotherOwner(tx: Tx, workspaceId: string, exceptUserId: string): Promise<void> {
  const other = await tx.db
    .selectFrom('memberships')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .where('deactivated_at', 'is', null)
    .where('user_id', '!=', exceptUserId)
    .limit(1)
    .executeTakeFirst();
  if (!other) throw new AppError('conflict', 'A workspace needs at least one active owner: make someone else owner first');
}

/** Whether the workspace has any member yet (the first-owner link is offered until it has). */
export async function hasAnyMember(db: Db, workspaceId: string): Promise<boolean> {
  return (await db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).limit(1).executeTakeFirst()) !== undefined;
}
