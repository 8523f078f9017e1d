import type { Kysely, Migration } from 'kysely';

const INDIA_RATES = [
  // Per-message pricing, India (reference cloud-api-limits.md §6.4): Jul 1 2025, then Jan 1 2026.
  { from: Date.UTC(2025, 6, 1), marketing: 784_600, utility: 115_000, authentication: 115_000 },
  { from: Date.UTC(2026, 0, 1), marketing: 863_100, utility: 115_000, authentication: 115_000 },
];

export const messagingMigrations: Record<string, Migration> = {
  '0050_messaging': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('callback_data', 'text')
        .addColumn('campaign_id', 'text')
        .addColumn('reply_to_wamid', 'text')
        .addColumn('template_name', 'text')
        .addColumn('template_language', 'text')
        .addColumn('template_category', 'text')
        .addColumn('wamid', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'integer')
        .addColumn('error_title', 'text')
        .addColumn('error_details', 'text')
        .addColumn('pricing_category', 'text')
        .addColumn('pricing_type', 'text')
        .addColumn('billable', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .addColumn('delivered_at', 'bigint')
        .addColumn('read_at', 'bigint')
        .addColumn('failed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('messages_wamid').on('messages').column('wamid').unique().execute();
      await db.schema.createIndex('messages_contact').on('messages').columns(['workspace_id', 'contact_id', 'created_at']).execute();
      await db.schema.createIndex('messages_workspace_created').on('messages').columns(['workspace_id', 'created_at']).execute();
      await db.schema.createIndex('messages_status').on('messages').columns(['number_id', 'status']).execute();

      await db.schema
        .createTable('message_status_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('error_code', 'integer')
        .addColumn('error_title', 'text')
        .execute();
      await db.schema.createIndex('message_status_events_message').on('message_status_events').columns(['message_id', 'occurred_at']).execute();

      await db.schema
        .createTable('dispatch_queue')
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dispatch_queue_number').on('dispatch_queue').columns(['number_id', 'priority', 'message_id']).execute();

      await db.schema
        .createTable('number_leases')
        .addColumn('number_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('last_message_id', 'text')
        .addColumn('last_message_at', 'bigint')
        .addColumn('last_inbound_at', 'bigint')
        .addColumn('window_expires_at', 'bigint')
        .addColumn('fep_expires_at', 'bigint')
        .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('conversations_number_contact').on('conversations').columns(['number_id', 'contact_id']).unique().execute();
      await db.schema.createIndex('conversations_workspace_last').on('conversations').columns(['workspace_id', 'last_message_at']).execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('response_body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['workspace_id', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_expires').on('idempotency_keys').column('expires_at').execute();

      await db.schema
        .createTable('portfolio_recipients')
        .addColumn('business_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('portfolio_recipients_pk', ['business_id', 'recipient'])
        .execute();
      await db.schema.createIndex('portfolio_recipients_last').on('portfolio_recipients').columns(['business_id', 'last_at']).execute();

      await db.schema
        .createTable('cost_ledger')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('pricing_type', 'text')
        .addColumn('market', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('billable', 'integer', (c) => c.notNull())
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cost_ledger_workspace').on('cost_ledger').columns(['workspace_id', 'occurred_at']).execute();

      await db.schema
        .createTable('rate_cards')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('market', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('effective_from', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_cards_lookup').on('rate_cards').columns(['market', 'category', 'currency', 'effective_from']).unique().execute();
      const rows = INDIA_RATES.flatMap((r) =>
        (['marketing', 'utility', 'authentication'] as const).map((category) => ({
          id: `IN-${category}-INR-${r.from}`,
          market: 'IN',
          category,
          currency: 'INR',
          amount_micros: r[category],
          effective_from: r.from,
        })),
      );
      await db.insertInto('rate_cards').values(rows).execute();
    },
  },
  '0053_status_events_unique': {
    async up(db: Kysely<any>) {
      // One timeline row per (message, status): status batches insert with ON CONFLICT DO NOTHING
      // instead of looking each one up first. The timeline is read by message id and sorted in memory.
      await db.schema.dropIndex('message_status_events_message').execute();
      await db.schema.createIndex('message_status_events_once').on('message_status_events').columns(['message_id', 'status']).unique().execute();
    },
  },
};
