import type { Kysely, Migration } from 'kysely';

export const campaignsMigrations: Record<string, Migration> = {
  '0070_campaigns': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('campaigns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('number_id', 'text')
        .addColumn('template_name', 'text', (c) => c.notNull())
        .addColumn('template_language', 'text', (c) => c.notNull())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('mapping', 'text', (c) => c.notNull())
        .addColumn('tracked_links', 'text', (c) => c.notNull())
        .addColumn('conversion', 'text')
        .addColumn('trigger_def', 'text')
        .addColumn('scheduled_at', 'bigint')
        .addColumn('started_at', 'bigint')
        .addColumn('completed_at', 'bigint')
        .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('freeze_cursor', 'text')
        .addColumn('recipient_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('campaigns_workspace').on('campaigns').columns(['workspace_id', 'created_at']).execute();
      // The runner's scan: campaigns that are scheduled or running.
      await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status', 'scheduled_at']).execute();

      await db.schema
        .createTable('campaign_audience_rows')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('variables', 'text')
        .addPrimaryKeyConstraint('campaign_audience_rows_pk', ['campaign_id', 'idx'])
        .execute();

      await db.schema
        .createTable('campaign_recipients')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text')
        .addColumn('variables', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('skip_reason', 'text')
        .addColumn('message_id', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('campaign_recipients_pk', ['campaign_id', 'seq'])
        .execute();
      // One row per phone per campaign: freezing again after a crash inserts nothing twice.
      await db.schema.createIndex('campaign_recipients_phone').on('campaign_recipients').columns(['campaign_id', 'phone']).unique().execute();
      // The feeder's "next pending rows in order", and per-state counts.
      await db.schema.createIndex('campaign_recipients_state').on('campaign_recipients').columns(['campaign_id', 'state', 'seq']).execute();
      // Clicks, replies and conversions find the recipient of a message / contact.
      await db.schema.createIndex('campaign_recipients_message').on('campaign_recipients').column('message_id').execute();
      await db.schema.createIndex('campaign_recipients_contact').on('campaign_recipients').columns(['contact_id', 'campaign_id']).execute();

      await db.schema
        .createTable('campaign_clicks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text')
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('button_index', 'integer')
        .addColumn('button_text', 'text')
        .addColumn('link', 'text')
        .addColumn('clicked_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('campaign_clicks_campaign').on('campaign_clicks').columns(['campaign_id', 'message_id']).execute();
      await db.schema.createIndex('campaign_clicks_message').on('campaign_clicks').column('message_id').execute();

      await db.schema
        .createTable('campaign_conversions')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('converted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('campaign_conversions_pk', ['campaign_id', 'contact_id'])
        .execute();

      await db.schema
        .createTable('campaign_triggers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('triggered_at', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('campaign_triggers_due').on('campaign_triggers').columns(['state', 'due_at']).execute();
      await db.schema.createIndex('campaign_triggers_contact').on('campaign_triggers').columns(['contact_id', 'state']).execute();

      // PublicAPI campaigns count the API sends that carry their id; broadcasts' completion check
      // reads the non-final messages of one campaign. (An index on the messaging module's table,
      // for this module's reads only.)
      await db.schema.createIndex('messages_campaign').on('messages').columns(['campaign_id', 'status']).execute();

      await db.schema
        .createTable('campaign_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
