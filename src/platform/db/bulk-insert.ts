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
 * The row counts of the statements that carry `rows` rows, at most `chunk` a statement: full
 * chunks, then the rest in powers of two (1,000 rows at 256: 256, 256, 256, 128, 64, 32, 8).
 * However the row counts of calls vary, a statement then has at most log2(chunk) + 2 shapes. One
 * shape per distinct row count (a prepared statement of a few hundred rows holds about 0.5 MB in
 * SQLite) filled the driver's statement cache with hundreds of them on the CSV import.
 */
export function statementSizes(rows: number, chunk: number): number[] {
  const sizes: number[] = [];
  let left = rows;
  for (; left >= chunk; left -= chunk) sizes.push(chunk);
  for (let p = 1 << Math.floor(Math.log2(Math.max(left, 1))); left > 0; p >>= 1) {
    if (left >= p) {
      sizes.push(p);
      left -= p;
    }
  }
  return sizes;
}

/**
 * Inserts rows given as one flat array of values (row after row, each in `spec.columns` order: no
 * array per row to build and flatten) in statements of the sizes statementSizes() gives, in the
 * caller's transaction. Returns the rows RETURNING gave, if any.
 */
export async function insertFlat<R = unknown>(db: Kysely<any>, dialect: Dialect, spec: BulkInsert, values: readonly unknown[], chunk: number): Promise<R[]> {
  const width = spec.columns.length;
  if (values.length % width !== 0) throw new Error(`insertFlat into ${spec.table}: ${values.length} values are not whole rows of ${width}`);
  const out: R[] = [];
  let at = 0;
  for (const rows of statementSizes(values.length / width, chunk)) {
    const r = await db.executeQuery<R>(CompiledQuery.raw(sqlText(dialect, spec, rows), values.slice(at, at + rows * width)));
    at += rows * width;
    for (const x of r.rows) out.push(x);
  }
  return out;
}

/**
 * Inserts `rows` (each an array of values in `spec.columns` order) in the caller's transaction, in
 * the statement sizes insertFlat() uses (at most `chunk` rows each, a bounded set of shapes).
 * Returns the rows RETURNING gave, if any.
 */
export async function insertRows<R = unknown>(db: Kysely<any>, dialect: Dialect, spec: BulkInsert, rows: readonly unknown[][], chunk: number): Promise<R[]> {
  const width = spec.columns.length;
  const values: unknown[] = [];
  for (const row of rows) {
    if (row.length !== width) throw new Error(`insertRows into ${spec.table}: a row of ${row.length} values, not ${width}`);
    for (const v of row) values.push(v);
  }
  return insertFlat<R>(db, dialect, spec, values, chunk);
}
