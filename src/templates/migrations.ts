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
};
