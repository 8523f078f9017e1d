import type { Kysely } from 'kysely';
import type { Dialect, Trx, Tx } from '../../platform/db/database.ts';
import { insertRows, type BulkInsert } from '../../platform/db/bulk-insert.ts';
import { newId } from '../../platform/ids.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';
import type { ImportRow } from './row-to-contact.ts';

/** Rows per statement: 11 parameters a contact, 5 a trait (SQLite allows 32,766, PostgreSQL 65,535). */
const CONTACT_CHUNK = 500;
const ROW_CHUNK = 1000;

// An existing contact (same phone) takes the merged traits and tags; name and userId only when the file gives them.
const CONTACTS_UPSERT: BulkInsert = {
  table: 'contacts',
  columns: ['id', 'workspace_id', 'phone', 'country_code', 'phone_national', 'user_id', 'name', 'traits', 'tags', 'created_at', 'updated_at'],
  tail: 'on conflict ("workspace_id", "phone") do update set "traits" = excluded."traits", "tags" = excluded."tags", "name" = coalesce(excluded."name", "contacts"."name"), "user_id" = coalesce(excluded."user_id", "contacts"."user_id"), "updated_at" = excluded."updated_at"',
};
const TRAITS_UPSERT: BulkInsert = {
  table: 'contact_traits',
  columns: ['contact_id', 'workspace_id', 'key', 'str_val', 'num_val'],
  tail: 'on conflict ("contact_id", "key") do update set "str_val" = excluded."str_val", "num_val" = excluded."num_val"',
};
const TAGS_INSERT: BulkInsert = { table: 'contact_tags', columns: ['workspace_id', 'tag', 'contact_id'], tail: 'on conflict do nothing' };

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export interface BatchOutcome {
  created: number;
  updated: number;
  duplicates: number;
}

/**
 * Writes one batch of valid rows: rows with the same phone are merged (later values win), then
 * one read of the existing contacts, multi-row upserts of contacts (JSON read model), typed trait
 * rows and tags. Re-running a batch (resume after a crash) gives the same result.
 */
export async function applyImportBatch(tx: Tx, workspaceId: string, rows: ImportRow[], now: number, lock: boolean): Promise<BatchOutcome> {
  const db: Trx = tx.db;
  const byPhone = new Map<string, ImportRow>();
  let duplicates = 0;
  for (const r of rows) {
    const prev = byPhone.get(r.phone.phone);
    if (!prev) byPhone.set(r.phone.phone, { ...r, traits: { ...r.traits }, tags: [...r.tags] });
    else {
      duplicates++;
      Object.assign(prev.traits, r.traits);
      prev.tags = [...new Set([...prev.tags, ...r.tags])];
      if (r.name !== undefined) prev.name = r.name;
      if (r.userId !== undefined) prev.userId = r.userId;
    }
  }
  const merged = [...byPhone.values()];
  const existing = new Map<string, { id: string; traits: string; tags: string }>();
  for (const part of chunks(merged.map((r) => r.phone.phone), 900)) {
    let q = db.selectFrom('contacts').select(['id', 'phone', 'traits', 'tags']).where('workspace_id', '=', workspaceId).where('phone', 'in', part);
    if (lock) q = q.forUpdate();
    for (const row of await q.execute()) existing.set(row.phone, row);
  }
  // Rows as value arrays in the column order of the statements below.
  const contactRows: unknown[][] = [];
  const traitRows: unknown[][] = [];
  const tagRows: unknown[][] = [];
  const optChanges: { id: string; optIn: boolean }[] = [];
  let created = 0;
  for (const r of merged) {
    const old = existing.get(r.phone.phone);
    const id = old?.id ?? newId(now);
    if (!old) created++;
    const traits = old ? (JSON.parse(old.traits) as Record<string, TraitValue>) : {};
    const tags = old ? (JSON.parse(old.tags) as string[]) : [];
    for (const [key, value] of Object.entries(r.traits)) {
      if (key === 'whatsapp_opted_in') {
        optChanges.push({ id, optIn: value === true || value === 'yes' || value === 1 });
        continue;
      }
      if (key === 'name') {
        if (r.name === undefined && typeof value === 'string') r.name = value;
        continue;
      }
      if (traits[key] === value) continue;
      traits[key] = value;
      const t = typedTrait(key, value as string | number | boolean);
      traitRows.push([id, workspaceId, key, t.str, t.num]);
    }
    const have = new Set(tags);
    for (const tag of r.tags) {
      if (have.has(tag)) continue;
      tags.push(tag);
      tagRows.push([workspaceId, tag, id]);
    }
    contactRows.push([id, workspaceId, r.phone.phone, r.phone.countryCode, r.phone.national, r.userId ?? null, r.name ?? null, JSON.stringify(traits), JSON.stringify(tags), now, now]);
  }
  const dialect: Dialect = lock ? 'postgres' : 'sqlite';
  const h = db as unknown as Kysely<any>;
  await insertRows(h, dialect, CONTACTS_UPSERT, contactRows, CONTACT_CHUNK);
  await insertRows(h, dialect, TRAITS_UPSERT, traitRows, ROW_CHUNK);
  await insertRows(h, dialect, TAGS_INSERT, tagRows, ROW_CHUNK);
  for (const c of optChanges) {
    if (c.optIn) await optInToMarketing(tx, workspaceId, c.id, 'import', now);
    else await optOutOfMarketing(tx, workspaceId, c.id, 'import', now);
  }
  return { created, updated: merged.length - created, duplicates };
}
