import { sql, type Kysely, type Migration } from 'kysely';

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
  '0021_contacts_traits_events_segments': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('contacts').addColumn('marketing_opted_out_at', 'bigint').execute();
      await db.schema.alterTable('contacts').addColumn('marketing_opt_out_reason', 'text').execute();
      await db.schema.alterTable('contacts').addColumn('erased_at', 'bigint').execute();
      // Keyset streaming of a workspace's contacts, Get Users paging and the modified_at_utc polling.
      await db.schema.createIndex('contacts_workspace_id').on('contacts').columns(['workspace_id', 'id']).execute();
      await db.schema.createIndex('contacts_workspace_created').on('contacts').columns(['workspace_id', 'created_at', 'id']).execute();
      // Interakt's get-by-phone takes the national number.
      await db.schema.createIndex('contacts_workspace_national').on('contacts').columns(['workspace_id', 'phone_national']).execute();
      await db.schema.createIndex('contacts_workspace_updated').on('contacts').columns(['workspace_id', 'updated_at', 'id']).execute();

      await db.schema
        .createTable('contact_traits')
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('str_val', 'text', (c) => c.notNull())
        .addColumn('num_val', 'double precision')
        .addPrimaryKeyConstraint('contact_traits_pk', ['contact_id', 'key'])
        .execute();
      // Covering indexes: a condition on one trait is a range scan that yields contact ids.
      await db.schema.createIndex('contact_traits_str').on('contact_traits').columns(['workspace_id', 'key', 'str_val', 'contact_id']).execute();
      await db.schema.createIndex('contact_traits_num').on('contact_traits').columns(['workspace_id', 'key', 'num_val', 'contact_id']).execute();

      await db.schema
        .createTable('contact_tags')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_tags_pk', ['workspace_id', 'tag', 'contact_id'])
        .execute();
      await db.schema.createIndex('contact_tags_contact').on('contact_tags').columns(['contact_id', 'tag']).execute();

      await db.schema
        .createTable('contact_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // "did X (at least N times) since T" per contact, and the set of contacts who did X since T.
      await db.schema.createIndex('contact_events_name').on('contact_events').columns(['workspace_id', 'name', 'contact_id', 'occurred_at']).execute();
      await db.schema.createIndex('contact_events_timeline').on('contact_events').columns(['contact_id', 'occurred_at']).execute();

      await db.schema
        .createTable('segments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('segments_workspace_name').on('segments').columns(['workspace_id', 'name']).unique().execute();

      await db.schema
        .createTable('contact_opt_settings')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey())
        .addColumn('stop_keywords', 'text', (c) => c.notNull())
        .addColumn('start_keywords', 'text', (c) => c.notNull())
        .addColumn('stop_reply', 'text', (c) => c.notNull())
        .addColumn('start_reply', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('contact_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text')
        .addColumn('file_path', 'text', (c) => c.notNull())
        .addColumn('mapping', 'text', (c) => c.notNull())
        .addColumn('bytes_total', 'bigint', (c) => c.notNull())
        .addColumn('bytes_done', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_done', 'bigint', (c) => c.notNull())
        .addColumn('rows_created', 'bigint', (c) => c.notNull())
        .addColumn('rows_updated', 'bigint', (c) => c.notNull())
        .addColumn('rows_failed', 'bigint', (c) => c.notNull())
        .addColumn('rows_duplicate', 'bigint', (c) => c.notNull())
        .addColumn('rows_total', 'bigint')
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('contact_imports_workspace').on('contact_imports').columns(['workspace_id', 'created_at']).execute();
      await db.schema
        .createTable('contact_import_errors')
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('row_number', 'bigint', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_import_errors_pk', ['import_id', 'row_number'])
        .execute();
    },
  },
  // Named after the last migration of any module (Kysely runs new migrations only after those applied).
  '0092_contacts_erased_index': {
    async up(db: Kysely<any>) {
      // A segment count leaves out erased contacts (their events stay) by an anti-join on this small
      // index instead of looking up every member's contact row.
      await db.schema.createIndex('contacts_erased').on('contacts').columns(['workspace_id', 'id']).where(sql.ref('erased_at'), 'is not', null).execute();
    },
  },
  '0093_contacts_partial_indexes': {
    async up(db: Kysely<any>) {
      // Index entries only where a query can use them, so a tracked user writes fewer: a string
      // trait has no number (every numeric condition implies num_val is not null), and most
      // contacts have no user id (lookups by user id name one).
      await db.schema.dropIndex('contact_traits_num').execute();
      await db.schema.createIndex('contact_traits_num').on('contact_traits').columns(['workspace_id', 'key', 'num_val', 'contact_id']).where(sql.ref('num_val'), 'is not', null).execute();
      await db.schema.dropIndex('contacts_workspace_user').execute();
      await db.schema.createIndex('contacts_workspace_user').on('contacts').columns(['workspace_id', 'user_id']).where(sql.ref('user_id'), 'is not', null).execute();
    },
  },
};
