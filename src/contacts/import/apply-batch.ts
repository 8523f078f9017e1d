import { sql } from 'kysely';
import type { Trx, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';
import type { ImportRow } from './row-to-contact.ts';

const CHUNK = 400;

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
  const contactRows: Record<string, unknown>[] = [];
  const traitRows: { contact_id: string; workspace_id: string; key: string; str_val: string; num_val: number | null }[] = [];
  const tagRows: { workspace_id: string; tag: string; contact_id: string }[] = [];
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
      traitRows.push({ contact_id: id, workspace_id: workspaceId, key, str_val: t.str, num_val: t.num });
    }
    const have = new Set(tags);
    for (const tag of r.tags) {
      if (have.has(tag)) continue;
      tags.push(tag);
      tagRows.push({ workspace_id: workspaceId, tag, contact_id: id });
    }
    contactRows.push({
      id,
      workspace_id: workspaceId,
      phone: r.phone.phone,
      country_code: r.phone.countryCode,
      phone_national: r.phone.national,
      user_id: r.userId ?? null,
      name: r.name ?? null,
      profile_name: null,
      traits: JSON.stringify(traits),
      tags: JSON.stringify(tags),
      whatsapp_opted_in: null,
      created_at: now,
      updated_at: now,
    });
  }
  for (const part of chunks(contactRows, CHUNK)) {
    await db
      .insertInto('contacts')
      .values(part as never)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'phone']).doUpdateSet({
          traits: sql`excluded.traits`,
          tags: sql`excluded.tags`,
          name: sql`coalesce(excluded.name, contacts.name)`,
          user_id: sql`coalesce(excluded.user_id, contacts.user_id)`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .execute();
  }
  for (const part of chunks(traitRows, CHUNK)) {
    await db.insertInto('contact_traits').values(part).onConflict((oc) => oc.columns(['contact_id', 'key']).doUpdateSet({ str_val: sql`excluded.str_val`, num_val: sql`excluded.num_val` })).execute();
  }
  for (const part of chunks(tagRows, CHUNK)) {
    await db.insertInto('contact_tags').values(part).onConflict((oc) => oc.doNothing()).execute();
  }
  for (const c of optChanges) {
    if (c.optIn) await optInToMarketing(tx, workspaceId, c.id, 'import', now);
    else await optOutOfMarketing(tx, workspaceId, c.id, 'import', now);
  }
  return { created, updated: merged.length - created, duplicates };
}
