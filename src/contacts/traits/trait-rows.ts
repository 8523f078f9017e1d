import type { BulkInsert } from '../../platform/db/bulk-insert.ts';

/**
 * The query model's multi-row writes (contact_traits, contact_tags) as bound SQL text (see
 * bulk-insert.ts): the track paths write them on every call, where building them through Kysely
 * cost about a quarter of the batch's CPU. Rows are arrays in `columns` order.
 */
export const TRAITS_UPSERT: BulkInsert = {
  table: 'contact_traits',
  columns: ['contact_id', 'workspace_id', 'key', 'str_val', 'num_val'],
  tail: 'on conflict ("contact_id", "key") do update set "str_val" = excluded."str_val", "num_val" = excluded."num_val"',
};

export const TAGS_INSERT: BulkInsert = { table: 'contact_tags', columns: ['workspace_id', 'tag', 'contact_id'], tail: 'on conflict do nothing' };

/** Rows per statement: 5 parameters a trait row (SQLite allows 32,766, PostgreSQL 65,535). */
export const TRAIT_ROWS_CHUNK = 1000;
