import type { Kysely, Migration } from 'kysely';

/**
 * Analytics (0090–0094): the message slot rollup and its state, and indexes for the reports that
 * read other modules' tables by time (insert-only or rarely updated columns, so they cost little
 * on the write paths): the cost ledger covered for cost by category and market, conversations by
 * creation, inbox conversations by open, assignment and close times.
 */
export const analyticsMigrations: Record<string, Migration> = {
  '0090_analytics': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('analytics_message_slots')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('slot', 'bigint', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('sent', 'integer', (c) => c.notNull())
        .addColumn('delivered', 'integer', (c) => c.notNull())
        .addColumn('read', 'integer', (c) => c.notNull())
        .addColumn('failed', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('analytics_message_slots_pk', ['workspace_id', 'slot', 'number_id', 'source', 'direction'])
        .execute();
      await db.schema
        .createTable('analytics_rollup_state')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey())
        .addColumn('rolled_until', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cost_ledger_analytics').on('cost_ledger').columns(['workspace_id', 'occurred_at', 'category', 'market', 'currency', 'amount_micros']).execute();
      await db.schema.createIndex('conversations_workspace_created').on('conversations').columns(['workspace_id', 'created_at']).execute();
      await db.schema.createIndex('inbox_conversations_opened').on('inbox_conversations').columns(['workspace_id', 'opened_at']).execute();
      await db.schema.createIndex('inbox_conversations_closed').on('inbox_conversations').columns(['workspace_id', 'closed_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const i of ['inbox_conversations_closed', 'inbox_conversations_opened', 'conversations_workspace_created', 'cost_ledger_analytics']) await db.schema.dropIndex(i).execute();
      await db.schema.dropTable('analytics_rollup_state').execute();
      await db.schema.dropTable('analytics_message_slots').execute();
    },
  },
};
