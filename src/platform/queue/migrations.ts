import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/** The dialect a migration runs on, read from Kysely's adapter (no SQL probing). */
function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The job queue's schema. Names are numbered for the global list in src/migrations.ts.
 */
export const queueMigrations: Record<string, Migration> = {
  '0010_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(100))
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_token', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('unique_key', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('dead_at', 'bigint')
        .execute();
      // Claims walk this in order (ORDER BY priority, run_at). Partial: dead rows stay out of it.
      await db.schema
        .createIndex('jobs_claim')
        .on('jobs')
        .columns(['priority', 'run_at'])
        .where(sql.ref('state'), '=', 'ready')
        .execute();
      // "When is the next job due?" (exact sleeps) without scanning every priority.
      await db.schema.createIndex('jobs_next_due').on('jobs').column('run_at').where(sql.ref('state'), '=', 'ready').execute();
      // NULLs are distinct in unique indexes on both dialects: jobs without a key never conflict.
      await db.schema.createIndex('jobs_unique_key').on('jobs').column('unique_key').unique().execute();
      // Listing and pruning dead jobs.
      await db.schema.createIndex('jobs_dead').on('jobs').column('dead_at').where(sql.ref('state'), '=', 'dead').execute();
      if (isPostgres(db)) {
        // Every job leaves at least two dead tuples (claim update, delete). Vacuum the table after a
        // fixed number of changes rather than a fraction of its size, without cost throttling, so
        // the hot index stays small (DESIGN.md §4 queue notes).
        await sql`alter table jobs set (
          autovacuum_vacuum_scale_factor = 0,
          autovacuum_vacuum_threshold = 2000,
          autovacuum_vacuum_insert_scale_factor = 0,
          autovacuum_vacuum_insert_threshold = 10000,
          autovacuum_analyze_scale_factor = 0,
          autovacuum_analyze_threshold = 5000,
          autovacuum_vacuum_cost_delay = 0,
          fillfactor = 80
        )`.execute(db);
      }
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('jobs').execute();
    },
  },
};
