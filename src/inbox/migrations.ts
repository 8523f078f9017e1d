import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The inbox's schema (0080–0089). `inbox_events` is read in commit order like the webhook feed
 * (see src/webhooks/migrations.ts): on PostgreSQL each row carries its transaction id (xid8) and
 * readers serve only rows of transactions older than the oldest one still running, ordered by
 * (txid, seq); SQLite has one writer, so seq alone is the order.
 */
export const inboxMigrations: Record<string, Migration> = {
  '0080_inbox': {
    async up(db: Kysely<any>) {
      const pg = isPostgres(db);
      await db.schema
        .createTable('inbox_conversations')
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('assignee_user_id', 'text')
        .addColumn('team_id', 'text')
        .addColumn('assigned_at', 'bigint')
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('last_auto_reply_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('inbox_conversations_pk', ['number_id', 'contact_id'])
        .execute();
      // Open conversations per agent (caps, "mine") and per team.
      await db.schema.createIndex('inbox_conversations_assignee').on('inbox_conversations').columns(['workspace_id', 'assignee_user_id', 'status']).execute();
      await db.schema.createIndex('inbox_conversations_team').on('inbox_conversations').columns(['workspace_id', 'team_id', 'status']).execute();

      await db.schema
        .createTable('teams')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('auto_assign', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('max_open_per_agent', 'integer')
        .addColumn('last_assigned_user_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('teams_name', ['workspace_id', 'name'])
        .execute();
      await db.schema
        .createTable('team_members')
        .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('inbox_settings')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey())
        .addColumn('default_team_id', 'text')
        .addColumn('business_hours', 'text', (c) => c.notNull())
        .addColumn('out_of_hours_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('out_of_hours_message', 'text')
        .addColumn('out_of_hours_cooldown_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('author_user_id', 'text')
        .addColumn('author_key_id', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notes_conversation').on('notes').columns(['conversation_id', 'created_at']).execute();
      await db.schema.createIndex('notes_contact').on('notes').columns(['workspace_id', 'contact_id']).execute();
      await db.schema
        .createTable('labels')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('color', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('labels_name', ['workspace_id', 'name'])
        .execute();
      await db.schema
        .createTable('conversation_labels')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('number_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('label_id', 'text', (c) => c.notNull().references('labels.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_labels_pk', ['number_id', 'contact_id', 'label_id'])
        .execute();
      await db.schema.createIndex('conversation_labels_label').on('conversation_labels').columns(['label_id']).execute();
      await db.schema
        .createTable('contact_labels')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('label_id', 'text', (c) => c.notNull().references('labels.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_labels_pk', ['contact_id', 'label_id'])
        .execute();
      await db.schema.createIndex('contact_labels_label').on('contact_labels').columns(['label_id']).execute();
      await db.schema
        .createTable('canned_responses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('shortcut', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('canned_responses_shortcut', ['workspace_id', 'shortcut'])
        .execute();

      if (pg) {
        await sql`create table inbox_events (
          seq bigserial primary key,
          workspace_id text not null,
          type text not null,
          payload text not null,
          created_at bigint not null,
          txid xid8 not null default pg_current_xact_id()
        )`.execute(db);
        await sql`create index inbox_events_read on inbox_events (workspace_id, txid, seq)`.execute(db);
      } else {
        await sql`create table inbox_events (
          seq integer primary key autoincrement,
          workspace_id text not null,
          type text not null,
          payload text not null,
          created_at bigint not null
        )`.execute(db);
        await db.schema.createIndex('inbox_events_read').on('inbox_events').columns(['workspace_id', 'seq']).execute();
      }
      await db.schema.createIndex('inbox_events_created').on('inbox_events').column('created_at').execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['inbox_events', 'canned_responses', 'contact_labels', 'conversation_labels', 'labels', 'notes', 'inbox_settings', 'team_members', 'teams', 'inbox_conversations']) {
        await db.schema.dropTable(t).execute();
      }
    },
  },
};
