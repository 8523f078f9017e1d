/**
 * The database schema as Kysely sees it. Each module declares its own tables by merging into
 * this interface from its own `tables.ts` (`declare module '../platform/db/tables.ts'`), so a
 * module owns its tables and nothing here lists them.
 *
 * Column conventions that hold on both SQLite and PostgreSQL:
 * - ids are text (time-ordered UUIDs from platform/ids.ts);
 * - times are integers, milliseconds since the epoch UTC (bigint on PostgreSQL, read back as
 *   numbers), always passed in from the process clock;
 * - flags are integers 0/1 (better-sqlite3 cannot bind booleans);
 * - JSON is text, encoded and decoded by the owning module.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Tables {}
