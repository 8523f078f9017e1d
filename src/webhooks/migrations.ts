import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Outbound webhooks' schema (numbers 0060–0069).
 *
 * The event feed's cursor on PostgreSQL: sequence values are drawn when a row is inserted, not
 * when its transaction commits, so a reader ordering by seq alone could serve 11 before 10
 * commits and skip 10 for ever. Each event row carries the id of the transaction that wrote it
 * (xid8, `pg_current_xact_id()`); the feed serves only rows of transactions older than the oldest
 * one still running (`pg_snapshot_xmin`), ordered by (txid, seq). A row not yet served always has a
 * txid at or above that horizon, so it sorts after everything served. SQLite has one writer and
 * commits in seq order, so seq alone is the cursor there.
 */
export const webhooksMigrations: Record<string, Migration> = {
  '0060_webhook_endpoints': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('failing_since', 'bigint')
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_workspace').on('webhook_endpoints').columns(['workspace_id', 'status']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_endpoints').execute();
    },
  },
  '0061_webhook_events': {
    async up(db: Kysely<any>) {
      const pg = isPostgres(db);
      await db.schema
        .createTable('webhook_events')
        .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      if (pg) {
        await sql`alter table webhook_events add column txid xid8 not null default pg_current_xact_id()`.execute(db);
        await sql`create index webhook_events_feed on webhook_events (workspace_id, txid, seq)`.execute(db);
      } else {
        await db.schema.createIndex('webhook_events_feed').on('webhook_events').columns(['workspace_id', 'seq']).execute();
      }
      await db.schema.createIndex('webhook_events_created').on('webhook_events').column('created_at').execute();
      await db.schema.createIndex('webhook_events_contact').on('webhook_events').column('contact_id').execute();
      await db.schema.createIndex('webhook_events_workspace_time').on('webhook_events').columns(['workspace_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_events').execute();
    },
  },
  '0062_webhook_deliveries': {
    async up(db: Kysely<any>) {
      const pg = isPostgres(db);
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('contact_key', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('lease_token', 'text')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_attempt_at', 'bigint')
        .addColumn('delivered_at', 'bigint')
        .addColumn('replay_of', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Claims walk due pending rows; delivered and dead rows stay out of the index.
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').column('next_attempt_at').where(sql.ref('state'), '=', 'pending').execute();
      // "Is there an older pending delivery of this (endpoint, contact)?" (per-contact order).
      await db.schema
        .createIndex('webhook_deliveries_heads')
        .on('webhook_deliveries')
        .columns(['endpoint_id', 'contact_key', 'seq'])
        .where(sql.ref('state'), '=', 'pending')
        .execute();
      await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['endpoint_id', 'seq']).execute();
      await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
      await db.schema.createIndex('webhook_deliveries_created').on('webhook_deliveries').column('created_at').execute();
      if (pg) {
        // Every delivery is updated at least twice (claim, outcome): vacuum by count, not by fraction.
        await sql`alter table webhook_deliveries set (
          autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
          autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000,
          autovacuum_vacuum_cost_delay = 0, fillfactor = 80)`.execute(db);
      }
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_deliveries').execute();
    },
  },
  '0063_webhook_notices': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_notices_workspace').on('webhook_notices').columns(['workspace_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_notices').execute();
    },
  },
  '0064_webhook_endpoint_secret_sealed': {
    // Endpoint secrets are sealed with the instance's SecretBox from now on. A migration has no
    // key, so rows written before this one are marked plain (0) and sealed by sealPlainSecrets at
    // the next worker start.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook_endpoints').addColumn('secret_sealed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook_endpoints').dropColumn('secret_sealed').execute();
    },
  },
};
