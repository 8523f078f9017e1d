import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

/** What an eraser may need beyond the ids (read before the contact row is scrubbed). */
export interface ErasureContext {
  /** The contact's phone (E.164 digits) as it was before erasure. */
  phone: string;
  userId: string | null;
  /** Runs after the erasure transaction committed (delete files, purge caches). */
  afterCommit(fn: () => void | Promise<void>): void;
}

/**
 * Scrubs one store's personal data of a contact, in the erasure transaction. Must be idempotent
 * (an erasure may be repeated) and keep anonymous counts where the store has them.
 */
export type ContactEraser = (db: Kysely<any>, workspaceId: string, contactId: string, context: ErasureContext) => Promise<void>;

const erasers = new Map<string, ContactEraser>();

/**
 * Every module that stores personal data registers its eraser once at start (contract 2): the
 * contact DELETE runs them all, in one transaction, before it scrubs the contact itself.
 */
export function registerContactErasure(name: string, eraser: ContactEraser): void {
  erasers.set(name, eraser);
}

export function registeredErasers(): string[] {
  return [...erasers.keys()];
}

/** Erased contacts keep their row (foreign keys, anonymous counts) under this placeholder phone. */
export function erasedPhone(contactId: string): string {
  return `erased:${contactId}`;
}

/**
 * Erases a contact (DPDP Act / GDPR right to erasure): every registered store's eraser, then the
 * contact's traits, tags and event properties, then the contact row is anonymised (phone, ids,
 * names gone; the row stays so message and event counts remain). One transaction: all or nothing.
 * Returns the erasers that ran.
 */
export async function eraseContact(database: Database, workspaceId: string, contactId: string, nowMs: number): Promise<string[]> {
  const after: (() => void | Promise<void>)[] = [];
  const ran = await database.transaction(async (tx) => {
    const db = tx.db as unknown as Kysely<any>;
    const contact = await db.selectFrom('contacts').select(['id', 'phone', 'user_id', 'erased_at']).where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
    if (!contact) throw new AppError('not_found', `Contact ${contactId} not found`);
    const context: ErasureContext = { phone: contact.phone, userId: contact.user_id, afterCommit: (fn) => after.push(fn) };
    const names: string[] = [];
    for (const [name, eraser] of erasers) {
      await eraser(db, workspaceId, contactId, context);
      names.push(name);
    }
    await db.deleteFrom('contact_traits').where('contact_id', '=', contactId).execute();
    await db.deleteFrom('contact_tags').where('contact_id', '=', contactId).execute();
    // Events stay (counts per event name), their properties go.
    await db.updateTable('contact_events').set({ properties: '{}' }).where('contact_id', '=', contactId).execute();
    await db
      .updateTable('contacts')
      .set({
        phone: erasedPhone(contactId),
        country_code: '',
        phone_national: '',
        user_id: null,
        name: null,
        profile_name: null,
        traits: '{}',
        tags: '[]',
        erased_at: contact.erased_at ?? nowMs,
        updated_at: nowMs,
      })
      .where('id', '=', contactId)
      .execute();
    return names;
  });
  for (const fn of after) {
    try {
      await fn();
    } catch (err) {
      database.logger.warn({ err, contactId }, 'an after-erasure step failed (the database part is erased)');
    }
  }
  return ran;
}
