import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../platform/clock.ts';
import type { Database, Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId, newSecret } from '../platform/ids.ts';
import { isRole, ROLES, type Role } from './plans.ts';

/**
 * API keys work as Interakt's do (reference interakt-api.md §2.1): the key a user pastes after
 * `Authorization: Basic ` is base64 of `secret:` (HTTP Basic with the secret as user name and an
 * empty password). Only a SHA-256 of the secret is stored: keys are long random strings, so a slow
 * password hash would buy nothing.
 */
export interface ApiKey {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The value to send as `Authorization: Basic <key>`; shown once, never again. */
  key: string;
  /** The raw secret (what SAMVAD_API_KEY holds). */
  secret: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function basicKeyFor(secret: string): string {
  return Buffer.from(`${secret}:`, 'utf8').toString('base64');
}

const SECRET_PATTERN = /^[A-Za-z0-9_\-.~]{16,200}$/;

export async function createApiKeyIn(
  tx: Tx,
  clock: Clock,
  workspaceId: string,
  input: { name?: string; role?: string; secret?: string },
): Promise<CreatedApiKey> {
  const role = input.role ?? 'admin';
  if (!isRole(role)) throw new AppError('validation_failed', `role must be one of ${ROLES.join(', ')}`, [{ field: 'role' }]);
  const name = (input.name ?? 'API key').trim();
  if (name === '' || name.length > 100) throw new AppError('validation_failed', 'name must be 1–100 characters', [{ field: 'name' }]);
  const secret = input.secret ?? `sk_${newSecret(32)}`;
  if (!SECRET_PATTERN.test(secret)) throw new AppError('validation_failed', 'secret must be 16–200 URL-safe characters');
  const workspace = await tx.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
  if (!workspace) throw new AppError('not_found', `Workspace ${workspaceId} not found`);
  const now = clock.nowMs();
  const key = basicKeyFor(secret);
  const row = {
    id: newId(now),
    workspace_id: workspaceId,
    name,
    role,
    secret_hash: hashSecret(secret),
    hint: `${key.slice(0, 6)}…`,
    created_at: now,
    revoked_at: null,
  };
  const existing = await tx.db.selectFrom('api_keys').select('id').where('secret_hash', '=', row.secret_hash).executeTakeFirst();
  if (existing) throw new AppError('conflict', 'An API key with this secret already exists');
  await tx.db.insertInto('api_keys').values(row).execute();
  return { ...toApiKey(row), key, secret };
}

export function createApiKey(database: Database, clock: Clock, workspaceId: string, input: { name?: string; role?: string; secret?: string }) {
  return database.transaction((tx) => createApiKeyIn(tx, clock, workspaceId, input));
}

export async function listApiKeys(database: Database, workspaceId: string): Promise<ApiKey[]> {
  const rows = await database.db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(database: Database, clock: Clock, workspaceId: string, keyId: string): Promise<ApiKey> {
  return database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', keyId).executeTakeFirst();
    if (!row) throw new AppError('not_found', `API key ${keyId} not found in this workspace`);
    if (row.revoked_at !== null) return toApiKey(row);
    const now = clock.nowMs();
    await tx.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).execute();
    return toApiKey({ ...row, revoked_at: now });
  });
}

function toApiKey(row: { id: string; workspace_id: string; name: string; role: string; hint: string; created_at: number; revoked_at: number | null }): ApiKey {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    role: row.role as Role,
    hint: row.hint,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  };
}

/**
 * The candidate secrets carried by an Authorization header: `Basic base64(secret:)` as Interakt
 * documents, and the same thing encoded twice (callers who pass the pasted key as an HTTP Basic
 * user name — seen in the wild).
 */
export function secretsFromAuthorization(header: string | undefined): string[] {
  if (!header) return [];
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return [];
  const out: string[] = [];
  const once = basicUser(m[1]!);
  if (once === undefined) return [];
  if (SECRET_PATTERN.test(once)) out.push(once);
  const twice = basicUser(once);
  if (twice !== undefined && SECRET_PATTERN.test(twice)) out.push(twice);
  return out;
}

/** The user-name part of a base64 `user:password` pair. */
function basicUser(b64: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(b64)) return undefined;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon === -1 ? text : text.slice(0, colon);
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
