import type { Kysely, Migration } from 'kysely';

export const contactsMigrations: Record<string, Migration> = {
  '0020_contacts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('country_code', 'text', (c) => c.notNull())
        .addColumn('phone_national', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('name', 'text')
        .addColumn('profile_name', 'text')
        .addColumn('traits', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('whatsapp_opted_in', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('contacts_workspace_phone').on('contacts').columns(['workspace_id', 'phone']).unique().execute();
      await db.schema.createIndex('contacts_workspace_user').on('contacts').columns(['workspace_id', 'user_id']).execute();
    },
  },
};
