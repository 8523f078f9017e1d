import { randomBytes } from 'node:crypto';
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Db } from '../db/database.ts';
import type { EnqueueInput, EnqueueResult } from './types.ts';

const COLUMNS = ['id', 'kind', 'payload', 'workspace_id', 'state', 'priority', 'run_at', 'attempts', 'unique_key', 'created_at'];
/** The insert, written once rather than built and compiled by Kysely per job (the hottest statement). */
function insertSql(postgres: boolean): string {
  let n = 0;
  const values = COLUMNS.map((c) => (c === 'state' ? `'ready'` : c === 'attempts' ? '0' : postgres ? `$${++n}` : '?'));
  return `insert into "jobs" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${values.join(', ')})`;
}
const INSERT = { sqlite: insertSql(false), postgres: insertSql(true) };
const INSERT_UNIQUE = {
  sqlite: `${INSERT.sqlite} on conflict ("unique_key") do nothing returning "id"`,
  postgres: `${INSERT.postgres} on conflict ("unique_key") do nothing returning "id"`,
};

function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * A time-ordered job id in the layout of ids.ts newId() (UUIDv7: 48-bit ms timestamp, version 7,
 * variant bits, 74 random bits), drawing randomness from a pooled buffer: one randomBytes() call
 * per ~400 ids instead of one per id (it showed in profiles of the enqueue path).
 */
export function newJobId(nowMs: number): string {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(4_000);
    poolAt = 0;
  }
  const b = pool;
  const p = poolAt;
  poolAt += 10;
  const ms = Math.max(0, Math.floor(nowMs));
  const high = Math.floor(ms / 65_536).toString(16).padStart(8, '0');
  const low = (ms % 65_536).toString(16).padStart(4, '0');
  return (
    `${high}-${low}-${HEX[(b[p]! & 0x0f) | 0x70]}${HEX[b[p + 1]!]}-${HEX[(b[p + 2]! & 0x3f) | 0x80]}${HEX[b[p + 3]!]}-` +
    `${HEX[b[p + 4]!]}${HEX[b[p + 5]!]}${HEX[b[p + 6]!]}${HEX[b[p + 7]!]}${HEX[b[p + 8]!]}${HEX[b[p + 9]!]}`
  );
}

/**
 * Inserts a job inside the caller's transaction, so it commits (or rolls back) with the data it
 * concerns. With a unique key the insert is idempotent: a second enqueue while a job with that key
 * exists returns the existing id and created=false.
 *
 * `trx` may also be the plain database on PostgreSQL (JobQueue.enqueueNow): each statement then
 * commits by itself, which is all enqueueNow needs (read committed would take a new snapshot per
 * statement inside a transaction too).
 *
 * PostgreSQL: a concurrent uncommitted insert of the same key makes ON CONFLICT wait for it; the
 * following SELECT then sees the committed row (read committed takes a new snapshot per statement).
 */
export async function enqueueJob<P>(trx: Db, nowMs: number, input: EnqueueInput<P>): Promise<EnqueueResult & { runAt: number }> {
  const id = newJobId(nowMs);
  const runAt = input.runAt ?? nowMs;
  const params = [
    id,
    input.kind,
    JSON.stringify(input.payload ?? null),
    input.workspaceId ?? null,
    input.priority ?? 100,
    Math.round(runAt),
    input.uniqueKey ?? null,
    nowMs,
  ];
  const dialect = isPostgres(trx) ? 'postgres' : 'sqlite';
  if (input.uniqueKey === undefined) {
    await trx.executeQuery(CompiledQuery.raw(INSERT[dialect], params));
    return { id, created: true, runAt };
  }
  const inserted = await trx.executeQuery(CompiledQuery.raw(INSERT_UNIQUE[dialect], params));
  if (inserted.rows.length > 0) return { id, created: true, runAt };
  const existing = await trx.selectFrom('jobs').select('id').where('unique_key', '=', input.uniqueKey).executeTakeFirst();
  if (!existing) {
    // The conflicting job was deleted between the two statements (completed); insert again.
    return enqueueJob(trx, nowMs, input);
  }
  return { id: existing.id, created: false, runAt };
}
