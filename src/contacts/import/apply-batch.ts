import type { Kysely } from 'kysely';
import type { Dialect, Tx } from '../../platform/db/database.ts';
import { insertFlat, statementSizes, type BulkInsert } from '../../platform/db/bulk-insert.ts';
import { precompiledWithList } from '../../platform/db/precompiled.ts';
import { newIdsAscending } from '../../platform/ids.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import { TAGS_INSERT, TRAITS_UPSERT } from '../traits/trait-rows.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';
import type { ImportRow } from './row-to-contact.ts';

/**
 * Rows per statement: 11 parameters a contact, 5 a trait (SQLite allows 32,766, PostgreSQL
 * 65,535). Powers of two, as statementSizes() writes the rest of a batch in powers of two.
 */
const CONTACT_CHUNK = 512;
const ROW_CHUNK = 1024;
const PHONE_CHUNK = 512;

// An existing contact (same phone) takes the merged traits and tags; name and userId only when the file gives them.
const CONTACTS_UPSERT: BulkInsert = {
  table: 'contacts',
  columns: ['id', 'workspace_id', 'phone', 'country_code', 'phone_national', 'user_id', 'name', 'traits', 'tags', 'created_at', 'updated_at'],
  tail: 'on conflict ("workspace_id", "phone") do update set "traits" = excluded."traits", "tags" = excluded."tags", "name" = coalesce(excluded."name", "contacts"."name"), "user_id" = coalesce(excluded."user_id", "contacts"."user_id"), "updated_at" = excluded."updated_at"',
};

type Existing = { id: string; phone: string; traits: string; tags: string };
// Compiled once per list length; the lengths are statementSizes()'s, so a handful.
const existingByPhone = precompiledWithList<{ workspaceId: string }, Existing>((db, a, phones) =>
  db.selectFrom('contacts').select(['id', 'phone', 'traits', 'tags']).where('workspace_id', '=', a('workspaceId')).where('phone', 'in', phones as string[]),
);
// PostgreSQL: lock them, so a concurrent write to one of these contacts cannot be overwritten by the merged values.
const existingByPhoneForUpdate = precompiledWithList<{ workspaceId: string }, Existing>((db, a, phones) =>
  db.selectFrom('contacts').select(['id', 'phone', 'traits', 'tags']).where('workspace_id', '=', a('workspaceId')).where('phone', 'in', phones as string[]).forUpdate(),
);

export interface BatchOutcome {
  created: number;
  updated: number;
  duplicates: number;
}

/**
 * Rows with the same phone become one (later values win, tags add up). The rows are merged in
 * place: the batch hands them over and the first row of each phone carries the result.
 */
function mergeByPhone(rows: ImportRow[]): { merged: ImportRow[]; duplicates: number } {
  const byPhone = new Map<string, ImportRow>();
  let duplicates = 0;
  for (const r of rows) {
    const prev = byPhone.get(r.phone.phone);
    if (!prev) {
      byPhone.set(r.phone.phone, r);
      continue;
    }
    duplicates++;
    Object.assign(prev.traits, r.traits);
    if (r.tags.length > 0) prev.tags = [...new Set([...prev.tags, ...r.tags])];
    if (r.name !== undefined) prev.name = r.name;
    if (r.userId !== undefined) prev.userId = r.userId;
  }
  return { merged: duplicates === 0 ? rows : [...byPhone.values()], duplicates };
}

async function readExisting(db: Kysely<any>, dialect: Dialect, workspaceId: string, rows: ImportRow[]): Promise<Map<string, Existing>> {
  const query = dialect === 'postgres' ? existingByPhoneForUpdate : existingByPhone;
  const existing = new Map<string, Existing>();
  let at = 0;
  for (const n of statementSizes(rows.length, PHONE_CHUNK)) {
    const phones = new Array<string>(n);
    for (let i = 0; i < n; i++) phones[i] = rows[at + i]!.phone.phone;
    at += n;
    for (const row of (await query.execute(db, { workspaceId }, phones)).rows) existing.set(row.phone, row);
  }
  return existing;
}

/**
 * Writes one batch of valid rows (the caller's transaction; the batch hands its rows over): rows
 * with the same phone are merged, the existing contacts of the batch's phones are read, then
 * multi-row upserts of the contacts (JSON read model), their typed trait rows and their tags, each
 * as one flat array of values in statements of a few fixed sizes. Re-running a batch (resume
 * after a crash) gives the same result.
 */
export async function applyImportBatch(tx: Tx, workspaceId: string, rows: ImportRow[], now: number, dialect: Dialect): Promise<BatchOutcome> {
  const db = tx.db as unknown as Kysely<any>;
  const { merged, duplicates } = mergeByPhone(rows);
  const existing = await readExisting(db, dialect, workspaceId, merged);
  // Values in the column order of the statements above.
  const contactValues: unknown[] = [];
  const traitValues: unknown[] = [];
  const tagValues: unknown[] = [];
  const optChanges: { id: string; optIn: boolean }[] = [];
  // Ascending, so the indexes ending in the contact id take appends (newIdsAscending).
  const ids = newIdsAscending(merged.length - existing.size, now);
  let created = 0;
  for (const r of merged) {
    const old = existing.get(r.phone.phone);
    const id = old ? old.id : ids[created++]!;
    const traits = old ? (JSON.parse(old.traits) as Record<string, TraitValue>) : {};
    let name = r.name;
    for (const key in r.traits) {
      const value = r.traits[key]!;
      if (key === 'whatsapp_opted_in') {
        optChanges.push({ id, optIn: value === true || value === 'yes' || value === 1 });
        continue;
      }
      if (key === 'name') {
        if (name === undefined && typeof value === 'string') name = value;
        continue;
      }
      if (traits[key] === value) continue;
      traits[key] = value;
      const t = typedTrait(key, value as string | number | boolean);
      traitValues.push(id, workspaceId, key, t.str, t.num);
    }
    let tags = r.tags;
    if (old) {
      tags = JSON.parse(old.tags) as string[];
      const have = new Set(tags);
      for (const tag of r.tags) {
        if (have.has(tag)) continue;
        tags.push(tag);
        tagValues.push(workspaceId, tag, id);
      }
    } else {
      for (const tag of tags) tagValues.push(workspaceId, tag, id);
    }
    contactValues.push(id, workspaceId, r.phone.phone, r.phone.countryCode, r.phone.national, r.userId ?? null, name ?? null, JSON.stringify(traits), JSON.stringify(tags), now, now);
  }
  await insertFlat(db, dialect, CONTACTS_UPSERT, contactValues, CONTACT_CHUNK);
  await insertFlat(db, dialect, TRAITS_UPSERT, traitValues, ROW_CHUNK);
  await insertFlat(db, dialect, TAGS_INSERT, tagValues, ROW_CHUNK);
  for (const c of optChanges) {
    if (c.optIn) await optInToMarketing(tx, workspaceId, c.id, 'import', now);
    else await optOutOfMarketing(tx, workspaceId, c.id, 'import', now);
  }
  return { created, updated: merged.length - created, duplicates };
}
