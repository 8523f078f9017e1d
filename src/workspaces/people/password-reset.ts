import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { checkPasswordRules, hashPassword, verifyPassword } from './password.ts';
import { endAllSessions } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';

export const RESET_TTL_MS = 60 * 60_000;

/** A reset token for the account with this email, or undefined when there is none (the caller answers the same either way). */
export async function requestPasswordReset(database: Database, clock: Clock, email: string): Promise<{ token: string; userId: string } | undefined> {
  const user = await database.db.selectFrom('users').select('id').where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  if (!user) return undefined;
  const now = clock.nowMs();
  const token = newToken('rst');
  await database.transaction(async (tx) => {
    await tx.db.insertInto('password_resets').values({ id: newId(now), user_id: user.id, token_hash: hashToken(token), created_at: now, expires_at: now + RESET_TTL_MS, used_at: null }).execute();
  });
  return { token, userId: user.id };
}

/** Sets a new password from a reset link (once, within the hour) and signs the account out everywhere. */
export async function completePasswordReset(database: Database, clock: Clock, token: string, password: string): Promise<void> {
  checkPasswordRules(password);
  const hash = await hashPassword(password);
  const now = clock.nowMs();
  await database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('password_resets').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row || row.used_at !== null || Number(row.expires_at) <= now) throw new AppError('not_found', 'This reset link is invalid, expired or already used');
    const claimed = await tx.db.updateTable('password_resets').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('not_found', 'This reset link is invalid, expired or already used');
    await tx.db.updateTable('users').set({ password_hash: hash, updated_at: now }).where('id', '=', row.user_id).execute();
    // Other outstanding reset links of the account die with this one.
    await tx.db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', row.user_id).where('used_at', 'is', null).execute();
    await endAllSessions(tx, row.user_id);
  });
}

/** A signed-in user changes their password (the current one is checked); other sessions end. */
export async function changePassword(database: Database, clock: Clock, userId: string, keepSessionId: string, current: string, next: string): Promise<void> {
  const user = await database.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(current, user.password_hash))) throw new AppError('forbidden', 'The current password is wrong');
  checkPasswordRules(next, 'newPassword');
  const hash = await hashPassword(next);
  await database.transaction(async (tx) => {
    await tx.db.updateTable('users').set({ password_hash: hash, updated_at: clock.nowMs() }).where('id', '=', userId).execute();
    await tx.db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepSessionId).execute();
  });
}
