import { sql, type Kysely, type Migration } from 'kysely';

export const whatsappMigrations: Record<string, Migration> = {
  '0030_business_numbers': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('business_numbers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('phone_number_id', 'text', (c) => c.notNull().unique())
        .addColumn('waba_id', 'text', (c) => c.notNull())
        .addColumn('business_id', 'text', (c) => c.notNull())
        .addColumn('display_phone_number', 'text', (c) => c.notNull())
        .addColumn('verified_name', 'text')
        .addColumn('graph_base_url', 'text', (c) => c.notNull())
        .addColumn('access_token_enc', 'text', (c) => c.notNull())
        .addColumn('app_secret_enc', 'text', (c) => c.notNull())
        .addColumn('verify_token_enc', 'text', (c) => c.notNull())
        .addColumn('throughput_mps', 'integer', (c) => c.notNull())
        .addColumn('messaging_limit_tier', 'text', (c) => c.notNull())
        .addColumn('quality_rating', 'text')
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_sandbox', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('dispatch_paused_at', 'bigint')
        .addColumn('dispatch_pause_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('business_numbers_workspace').on('business_numbers').column('workspace_id').execute();
      await db.schema
        .createTable('raw_webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('number_id', 'text')
        .addColumn('workspace_id', 'text')
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'bigint')
        .execute();
      await db.schema.createIndex('raw_webhooks_received').on('raw_webhooks').column('received_at').execute();
    },
  },
  '0031_whatsapp_media_and_webhook_attribution': {
    async up(db: Kysely<any>) {
      // Numbers whose app secret verified the POST's signature (JSON array of business_numbers.id):
      // processing acts only on changes of those numbers.
      await db.schema.alterTable('raw_webhooks').addColumn('verified_number_ids', 'text').execute();
      // One default number per workspace, enforced by the database too.
      await sql`create unique index business_numbers_one_default on business_numbers (workspace_id) where is_default = 1`.execute(db);
      // Inbound media kept by Samvad: the same Meta media id of a number is stored once.
      await db.schema
        .createTable('whatsapp_media')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('media_id', 'text', (c) => c.notNull())
        .addColumn('stored_key', 'text', (c) => c.notNull())
        .addColumn('mime_type', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('whatsapp_media_number_media', ['number_id', 'media_id'])
        .execute();
      await db.schema.createIndex('whatsapp_media_created').on('whatsapp_media').column('created_at').execute();
    },
  },
};
