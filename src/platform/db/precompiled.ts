import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Tables } from './tables.ts';

type Slot<A> = { arg: keyof A } | { value: unknown };

/**
 * A query built and compiled once per dialect, then run with new values.
 *
 * Kysely builds an immutable tree and compiles it to SQL on every call; on the send, dispatch and
 * status hot paths that was about a quarter of the CPU per message. A precompiled query is built
 * once with a marker in place of each argument; the compiled parameters then say, position by
 * position, which argument (or which constant of the builder) goes where, and each call binds the
 * real values in that order. Only fixed-shape queries qualify: no `in` lists of varying length, no
 * optional clauses (use one precompiled query per shape instead).
 */
export function precompiled<A extends Record<string, unknown>, R = unknown>(build: (db: Kysely<Tables>, arg: <K extends keyof A>(name: K) => A[K]) => Compilable<R>) {
  const byDialect = new Map<unknown, { sql: string; slots: Slot<A>[] }>();
  const compile = (db: Kysely<Tables>) => {
    const key = db.getExecutor().adapter.constructor;
    let c = byDialect.get(key);
    if (!c) {
      const markers = new Map<string, keyof A>();
      const arg = <K extends keyof A>(name: K): A[K] => {
        const m = `\u0000precompiled-arg:${String(name)}`;
        markers.set(m, name);
        return m as unknown as A[K];
      };
      const compiled = build(db, arg).compile();
      const slots = compiled.parameters.map((p): Slot<A> => (typeof p === 'string' && markers.has(p) ? { arg: markers.get(p)! } : { value: p }));
      c = { sql: compiled.sql, slots };
      byDialect.set(key, c);
    }
    return c;
  };
  return {
    async execute(db: Kysely<Tables>, args: A): Promise<QueryResult<R>> {
      const c = compile(db);
      const params = c.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
      return db.executeQuery<R>(CompiledQuery.raw(c.sql, params));
    },
    /** The SQL text for `db`'s dialect (tests, logs). */
    sql: (db: Kysely<Tables>) => compile(db).sql,
  };
}

/**
 * A precompiled insert of one full row into `table`: every listed column is bound (a missing value
 * is an error, not a silent default), in the order given.
 */
export function precompiledInsert<T extends keyof Tables & string>(table: T, columns: readonly (keyof Tables[T] & string)[]) {
  const q = precompiled<Record<string, unknown>>((db, a) => db.insertInto(table).values(Object.fromEntries(columns.map((c) => [c, a(c)])) as never));
  return async (db: Kysely<Tables>, row: { [K in (typeof columns)[number]]?: unknown }) => {
    for (const c of columns) if (row[c] === undefined) throw new Error(`precompiled insert into ${table}: no value for ${c}`);
    return q.execute(db, row as Record<string, unknown>);
  };
}

/**
 * A precompiled query with one list argument of varying length (`where x in (…)`): compiled once
 * per list shape (precompiled's markers stand for the items), so a status webhook's wamid lookup or
 * an event batch's endpoint lookup costs no query building once its shape was seen.
 *
 * The list must be a set (an `in` list): it is padded to the next of a few lengths (listShape) by
 * repeating its last item, which changes nothing in an `in`. One statement per exact length filled
 * the SQLite driver's statement cache with hundreds of them on the status path, each prepared
 * again once evicted.
 */
export function precompiledWithList<A extends Record<string, unknown>, R = unknown>(
  build: (db: Kysely<Tables>, arg: <K extends keyof A>(name: K) => A[K], list: unknown[]) => Compilable<R>,
) {
  const byLength = new Map<number, ReturnType<typeof precompiled<Record<string, unknown>, R>>>();
  const item = (i: number) => `\u0001item${i}`;
  return {
    async execute(db: Kysely<Tables>, args: A, items: readonly unknown[]): Promise<QueryResult<R>> {
      if (items.length === 0) throw new Error('precompiledWithList: an empty list (callers skip the query)');
      const n = listShape(items.length);
      let q = byLength.get(n);
      if (!q) {
        q = precompiled<Record<string, unknown>, R>((d, a) => build(d, a as <K extends keyof A>(name: K) => A[K], Array.from({ length: n }, (_, i) => a(item(i)))));
        byLength.set(n, q);
      }
      const all: Record<string, unknown> = { ...args };
      const last = items[items.length - 1];
      for (let i = 0; i < n; i++) all[item(i)] = i < items.length ? items[i] : last;
      return q.execute(db, all);
    },
  };
}

/**
 * The list length a query is compiled for: exact up to 8, then the next power of two or 1.5 times
 * one (12, 16, 24, 32, 48, 64, …), so at most a third of the bound items are padding
 * and a list of up to 500 items has about 20 shapes.
 */
export function listShape(n: number): number {
  if (n <= 8) return n;
  let p = 8;
  for (;;) {
    if (n <= p * 1.5) return p * 1.5;
    p *= 2;
    if (n <= p) return p;
  }
}
