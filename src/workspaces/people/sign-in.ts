import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Role } from '../plans.ts';
import { dummyHash, verifyPassword } from './password.ts';
import { createSessionIn } from './sessions.ts';

export interface SignedIn {
  sessionToken: string;
  sessionId: string;
  userId: string;
  workspaceId: string;
  role: Role;
}

const WRONG = 'Wrong email or password';

/**
 * Email + password sign-in. Unknown email and wrong password get the same answer after the same
 * work (a dummy hash is verified), so the answer does not tell which emails have accounts. The
 * session opens in `workspaceId` when given, else in the member's oldest active workspace.
 */
export async function signIn(database: Database, clock: Clock, input: { email: string; password: string; workspaceId?: string | undefined }): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase();
  const user = await database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !ok) throw new AppError('unauthorized', WRONG);
  let q = database.db.selectFrom('memberships').select(['workspace_id', 'role']).where('user_id', '=', user.id).where('deactivated_at', 'is', null);
  if (input.workspaceId) q = q.where('workspace_id', '=', input.workspaceId);
  const membership = await q.orderBy('created_at').limit(1).executeTakeFirst();
  if (!membership) throw new AppError('forbidden', input.workspaceId ? 'You are not an active member of that workspace' : 'Your account is not an active member of any workspace');
  const session = await database.transaction((tx) => createSessionIn(tx, clock, user.id, membership.workspace_id));
  return { sessionToken: session.token, sessionId: session.sessionId, userId: user.id, workspaceId: membership.workspace_id, role: membership.role as Role };
}
