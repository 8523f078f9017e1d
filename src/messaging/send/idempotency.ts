import { createHash } from 'node:crypto';
import type { Db, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { precompiled } from '../../platform/db/precompiled.ts';

/** A repeat within this period gets the first answer (DESIGN.md §6). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

export interface IdempotencyRequest {
  workspaceId: string;
  key: string;
  /** SHA-256 of the request body as received. */
  requestHash: string;
}

export function hashRequest(body: unknown): string {
  return createHash('sha256').update(typeof body === 'string' ? body : JSON.stringify(body ?? null)).digest('base64url');
}

export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key header must be 1–255 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'must be 1–255 visible ASCII characters' }]);
  }
  return key;
}

const reused = (key: string) =>
  new AppError('conflict', `Idempotency-Key "${key}" was already used with a different request body; use a new key for a new request`);

export type IdempotencyLookup = { kind: 'new' } | { kind: 'expired' } | { kind: 'repeat'; answer: StoredAnswer };

/**
 * The first answer for this key, if a request with the same key was accepted in the last 24 hours.
 * The same key with a different body is refused with 409 (it is a client bug: two requests would
 * otherwise be silently merged into one).
 */
/** Compiled once (precompiled.ts): this read runs before every send that carries a key. */
const findKey = precompiled<{ workspaceId: string; key: string }, { request_hash: string; status_code: number; response_body: string; expires_at: number }>((db, a) =>
  db.selectFrom('idempotency_keys').select(['request_hash', 'status_code', 'response_body', 'expires_at']).where('workspace_id', '=', a('workspaceId')).where('key', '=', a('key')),
);

export async function lookupIdempotencyKey(db: Db, req: IdempotencyRequest, nowMs: number): Promise<IdempotencyLookup> {
  const row = (await findKey.execute(db, { workspaceId: req.workspaceId, key: req.key })).rows[0];
  if (!row) return { kind: 'new' };
  if (Number(row.expires_at) <= nowMs) return { kind: 'expired' };
  if (row.request_hash !== req.requestHash) throw reused(req.key);
  return { kind: 'repeat', answer: { statusCode: row.status_code, body: JSON.parse(row.response_body) } };
}

/** Thrown inside the send's transaction when a concurrent request with the same key committed first. */
export class IdempotencyRace extends Error {
  constructor() {
    super('idempotency key taken by a concurrent request');
  }
}

/**
 * Records the answer in the send's transaction: the key is the primary key, so of two concurrent
 * requests with the same key exactly one commits; the other's whole send rolls back
 * (IdempotencyRace) and it answers with the winner's stored answer.
 */
export async function storeIdempotencyKey(tx: Tx, req: IdempotencyRequest, answer: StoredAnswer, nowMs: number, replaceExpired: boolean): Promise<void> {
  if (replaceExpired) {
    await tx.db.deleteFrom('idempotency_keys').where('workspace_id', '=', req.workspaceId).where('key', '=', req.key).where('expires_at', '<=', nowMs).execute();
  }
  const res = await insertKey.execute(tx.db, {
    workspace_id: req.workspaceId,
    key: req.key,
    request_hash: req.requestHash,
    status_code: answer.statusCode,
    response_body: JSON.stringify(answer.body),
    created_at: nowMs,
    expires_at: nowMs + IDEMPOTENCY_TTL_MS,
  });
  if (Number(res.numAffectedRows ?? 1n) === 0) throw new IdempotencyRace();
}

const insertKey = precompiled<{ workspace_id: string; key: string; request_hash: string; status_code: number; response_body: string; created_at: number; expires_at: number }>((db, a) =>
  db
    .insertInto('idempotency_keys')
    .values({ workspace_id: a('workspace_id'), key: a('key'), request_hash: a('request_hash'), status_code: a('status_code'), response_body: a('response_body'), created_at: a('created_at'), expires_at: a('expires_at') })
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing()),
);

/** After an IdempotencyRace: the winner's answer (or 409 if its body differed). */
export async function answerAfterRace(db: Db, req: IdempotencyRequest, nowMs: number): Promise<StoredAnswer> {
  const found = await lookupIdempotencyKey(db, req, nowMs);
  if (found.kind === 'repeat') return found.answer;
  throw new AppError('conflict', `Idempotency-Key "${req.key}" is being used by another request at the same time; retry`);
}
