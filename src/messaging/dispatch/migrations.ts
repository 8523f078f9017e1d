import type { Kysely, Migration } from 'kysely';

/** Indexes the dispatcher's queries need (per-recipient head, next due time, expiry sweep). */
export const dispatchMigrations: Record<string, Migration> = {
  '0052_dispatch_indexes': {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('dispatch_queue_recipient').on('dispatch_queue').columns(['number_id', 'recipient', 'message_id']).execute();
      await db.schema.createIndex('dispatch_queue_run_at').on('dispatch_queue').columns(['number_id', 'run_at']).execute();
      await db.schema.createIndex('dispatch_queue_expires').on('dispatch_queue').columns(['number_id', 'expires_at']).execute();
    },
  },
};
