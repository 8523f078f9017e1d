import type { Kysely, Migration } from 'kysely';

export const templatesMigrations: Record<string, Migration> = {
  '0040_templates': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('waba_id', 'text', (c) => c.notNull())
        .addColumn('provider_template_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('components', 'text', (c) => c.notNull())
        .addColumn('parameter_format', 'text', (c) => c.notNull().defaultTo('positional'))
        .addColumn('quality_score', 'text')
        .addColumn('rejected_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('templates_waba_name_language').on('templates').columns(['waba_id', 'name', 'language']).unique().execute();
      await db.schema.createIndex('templates_workspace').on('templates').columns(['workspace_id', 'name']).execute();
    },
  },
  '0041_template_lifecycle': {
    async up(db: Kysely<any>) {
      // One column per statement: SQLite's ALTER TABLE adds one column at a time.
      const add = (name: string, type: 'text' | 'bigint' | 'integer') => db.schema.alterTable('templates').addColumn(name, type).execute();
      await add('sub_category', 'text');
      await add('ttl_seconds', 'integer');
      // Meta's rejection_info {reason, recommendation} (INVALID_FORMAT rejections), JSON.
      await add('rejection_info', 'text');
      // The last lifecycle event's extra: other_info {title: FIRST_PAUSE|…, description}, disable_info, JSON.
      await add('status_detail', 'text');
      await add('status_changed_at', 'bigint');
      await add('disabled_at', 'bigint');
      // Interakt's header_handle_file_url / _file_name, kept as given on create.
      await add('header_media_url', 'text');
      await add('header_media_file_name', 'text');
      // Interakt's display_name (its create API names templates by it).
      await add('display_name', 'text');
      // 'samvad' (created through Samvad) or 'sync' (imported from Meta).
      await add('source', 'text');
      // Every status, quality and category event Meta sent for a template: the history behind its
      // current status (pauses, disables, rejections with reasons). Bounded by Meta's events.
      await db.schema
        .createTable('template_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
        // Order of the template's events (several can share a millisecond when one webhook carries them).
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('quality_score', 'text')
        .addColumn('detail', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('template_events_template').on('template_events').columns(['template_id', 'seq']).execute();
    },
  },
  // After 0090: Kysely refuses a new migration that sorts before one already applied.
  '0091_template_tracked_links': {
    async up(db: Kysely<any>) {
      // JSON { "<button index>": "https://brand.example/…" }: the brand's real link behind each
      // tracked URL button (SAMVAD_PUBLIC_URL/r/{{1}}); null when no button is tracked.
      await db.schema.alterTable('templates').addColumn('tracked_links', 'text').execute();
    },
  },
};
