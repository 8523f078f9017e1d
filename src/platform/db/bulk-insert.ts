import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';
import type { Dialect } from './database.ts';

/**
 * Multi-row INSERTs for bulk and hot paths (CSV import, coalesced track calls, webhook events and
 * deliveries, status timelines).
 *
 * Kysely builds and compiles a tree of frozen nodes for every value of a multi-row insert: on the
 * import that was about a fifth of the CPU and most of the garbage (the heap grew by ~100 MB on a
 * 100,000-row import). Here the SQL text is made once per (statement, row count) and the values
 * are bound as a flat array; the SQLite driver's statement cache then reuses the prepared statement.
 * Only fixed, trusted identifiers go into the text; every value is a bound parameter.
 */
export interface BulkInsert {
  table: string;
  columns: readonly string[];
  /** What follows VALUES (an ON CONFLICT clause, RETURNING …), the same on both dialects. */
  tail?: string;
}

const texts = new Map<string, string>();

function sqlText(dialect: Dialect, spec: BulkInsert, rows: number): string {
  const key = `${dialect}\u0000${spec.table}\u0000${spec.columns.join(',')}\u0000${spec.tail ?? ''}\u0000${rows}`;
  let text = texts.get(key);
  if (text === undefined) {
    const width = spec.columns.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const ps: string[] = [];
      for (let c = 0; c < width; c++) ps.push(dialect === 'postgres' ? `$${r * width + c + 1}` : '?');
      tuples.push(`(${ps.join(',')})`);
    }
    text = `insert into "${spec.table}" (${spec.columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}${spec.tail ? ` ${spec.tail}` : ''}`;
    // Row counts vary per batch; keep the map bounded (texts are cheap to rebuild).
    if (texts.size > 2000) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/** The dialect behind a Kysely handle (a Tx carries only the handle). */
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Inserts `rows` (each an array of values in `spec.columns` order) in statements of at most
 * `chunk` rows, in the caller's transaction. Returns the rows RETURNING gave, if any.
 */
export async function insertRows<R = unknown>(db: Kysely<any>, dialect: Dialect, spec: BulkInsert, rows: readonly unknown[][], chunk: number): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const params: unknown[] = [];
    for (const row of part) for (const v of row) params.push(v);
    const r = await db.executeQuery<R>(CompiledQuery.raw(sqlText(dialect, spec, part.length), params));
    for (const x of r.rows) out.push(x);
  }
  return out;
}
