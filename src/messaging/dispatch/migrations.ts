import type { Kysely, Migration } from 'kysely';

/** Indexes the dispatcher's queries need (per-recipient head, next due time, expiry sweep). */
export const dispatchMigrations: Record<string, Migration> = {
  '0052_dispatch_indexes': {
    async up(db: Kysely<any>) {
      // Enqueue order within a process (message ids made in the same millisecond do not sort by creation).
      await db.schema.alterTable('dispatch_queue').addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('dispatch_queue_order').on('dispatch_queue').columns(['number_id', 'priority', 'seq']).execute();
      await db.schema.createIndex('dispatch_queue_recipient').on('dispatch_queue').columns(['number_id', 'recipient', 'seq']).execute();
      await db.schema.createIndex('dispatch_queue_run_at').on('dispatch_queue').columns(['number_id', 'run_at']).execute();
      await db.schema.createIndex('dispatch_queue_expires').on('dispatch_queue').columns(['number_id', 'expires_at']).execute();
    },
  },
};
