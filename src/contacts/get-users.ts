import { sql, type Kysely } from 'kysely';
import { AppError } from '../platform/errors.ts';
import { toInteraktCustomer, type CustomerRow, type InteraktCustomer } from './customer-view.ts';
import { combine, compileCondition, TRAIT_OPS, type TraitOp } from './segments/conditions.ts';
import { countContactsWhere } from './segments/evaluate.ts';

/** One Get Users filter (Interakt §5.3). `supr_op` joins it to the filters before it. */
export interface UserFilter {
  trait: string;
  op: TraitOp;
  val?: unknown;
  supr_op?: 'and' | 'or';
}

export const GET_USERS_MAX_LIMIT = 100;
export const GET_USERS_MAX_FILTERS = 50;

export interface GetUsersResult {
  total_customers: number;
  offset: number;
  limit: number;
  has_next_page: boolean;
  customers: InteraktCustomer[];
}

/**
 * Get Users: filters on any trait or system field (`created_at_utc`, `modified_at_utc`, `name`,
 * `phone_number`, `country_code`, `user_id`, `id`, `whatsapp_opted_in`, `tags`), combined left to
 * right by each filter's `supr_op` (default `and`): `A or B and C` is `(A or B) and C`. Ordered by
 * creation time then id, so offset paging is stable while new contacts arrive (they sort last
 * unless backdated by `createdAt`).
 */
export async function getUsers(db: Kysely<any>, workspaceId: string, filters: UserFilter[], offset: number, limit: number, nowMs: number): Promise<GetUsersResult> {
  if (!Number.isInteger(offset) || offset < 0) throw new AppError('validation_failed', 'offset must be a whole number ≥ 0', [{ field: 'offset' }]);
  if (!Number.isInteger(limit) || limit < 1 || limit > GET_USERS_MAX_LIMIT) throw new AppError('validation_failed', `limit must be a whole number from 1 to ${GET_USERS_MAX_LIMIT}`, [{ field: 'limit' }]);
  if (filters.length > GET_USERS_MAX_FILTERS) throw new AppError('validation_failed', `at most ${GET_USERS_MAX_FILTERS} filters`, [{ field: 'filters' }]);
  const parts = filters.map((f, i) => {
    const field = `filters[${i}]`;
    if (!f || typeof f !== 'object') throw new AppError('validation_failed', `${field} must be an object {trait, op, val}`, [{ field }]);
    if (typeof f.trait !== 'string' || f.trait === '') throw new AppError('validation_failed', `${field}.trait is required`, [{ field: `${field}.trait` }]);
    if (!TRAIT_OPS.includes(f.op)) throw new AppError('validation_failed', `${field}.op must be one of ${TRAIT_OPS.join(', ')}`, [{ field: `${field}.op` }]);
    if (f.val === undefined && f.op !== 'exists' && f.op !== 'not_exists') throw new AppError('validation_failed', `${field}.val is required for op "${f.op}"`, [{ field: `${field}.val` }]);
    const supr = f.supr_op ?? 'and';
    if (supr !== 'and' && supr !== 'or') throw new AppError('validation_failed', `${field}.supr_op must be "and" or "or"`, [{ field: `${field}.supr_op` }]);
    return { expr: compileCondition({ type: 'trait', trait: f.trait, op: f.op, val: f.val }, workspaceId, nowMs, 'set', field), op: supr };
  });
  const where = combine(parts);
  const total = await countContactsWhere(db, workspaceId, where);
  const rows =
    offset >= total
      ? []
      : (
          await sql<CustomerRow>`select c.* from contacts c where c.workspace_id = ${workspaceId} and c.erased_at is null and ${where} order by c.created_at, c.id limit ${limit} offset ${offset}`.execute(db)
        ).rows;
  return { total_customers: total, offset, limit, has_next_page: offset + rows.length < total, customers: rows.map(toInteraktCustomer) };
}

/** Interakt's get-by-phone takes the national number; a full number (with country code) also works. */
export async function findCustomersByPhone(db: Kysely<any>, workspaceId: string, phone: string): Promise<InteraktCustomer[]> {
  const digits = phone.replace(/[\s\-().+]/g, '');
  if (!/^[0-9]{4,15}$/.test(digits)) throw new AppError('validation_failed', 'phone number must be 4 to 15 digits (the number without country code, e.g. 9876543210)', [{ field: 'phone_number' }]);
  const rows = await db
    .selectFrom('contacts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('erased_at', 'is', null)
    .where((eb) => eb.or([eb('phone_national', '=', digits), eb('phone', '=', digits)]))
    .orderBy('created_at')
    .limit(100)
    .execute();
  return rows.map((r) => toInteraktCustomer(r as CustomerRow));
}

export async function findCustomerById(db: Kysely<any>, workspaceId: string, id: string): Promise<InteraktCustomer | null> {
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('erased_at', 'is', null).executeTakeFirst();
  return row ? toInteraktCustomer(row as CustomerRow) : null;
}
