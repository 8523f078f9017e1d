import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import { isoDateMs } from '../traits/trait-values.ts';

/**
 * Conditions on contacts, compiled to SQL for both dialects. Shared by Get Users filters and
 * segments. A condition on a custom trait, a tag or an event compiles to a set of contact ids
 * drawn from one covering index range (contact_traits_str/num, contact_tags_pk, contact_events_name);
 * a condition on a contact column (created_at_utc, name, …) compiles to a predicate on `c`.
 *
 * Two forms: `set` (`c.id in (select contact_id …)`: the database builds each set once — used for
 * counts and pages) and `probe` (`exists (… and contact_id = c.id)`: per-contact lookups — used for
 * keyset streaming, where rebuilding sets for every batch would be quadratic).
 */
export const TRAIT_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'exists', 'not_exists'] as const;
export type TraitOp = (typeof TRAIT_OPS)[number];

export interface TraitCondition {
  type: 'trait';
  trait: string;
  op: TraitOp;
  val?: unknown;
}
export interface TagCondition {
  type: 'tag';
  tag: string;
  /** default 'has' */
  op?: 'has' | 'not_has';
}
/** "did `event` at least `count` times in the last `withinDays` days" (or at most, or not at all). */
export interface EventCondition {
  type: 'event';
  event: string;
  /** default 'at_least' */
  op?: 'at_least' | 'at_most' | 'did_not';
  /** default 1 */
  count?: number;
  /** Only events in the last N days count (default: all time). */
  withinDays?: number;
}
/**
 * "did `event` but not `notFollowedBy` within `withinMs` after it" (abandoned cart): an `event`
 * whose follow-up window has fully passed with no `notFollowedBy` in it. Only `event`s in the last
 * `lookbackDays` (default: all time) are considered.
 */
export interface EventNotFollowedCondition {
  type: 'event_not_followed';
  event: string;
  notFollowedBy: string;
  withinMs: number;
  lookbackDays?: number;
}
export type Condition = TraitCondition | TagCondition | EventCondition | EventNotFollowedCondition;

type Mode = 'set' | 'probe';
const DAY_MS = 86_400_000;

function bad(field: string, message: string): never {
  throw new AppError('validation_failed', `${field} ${message}`, [{ field, message }]);
}

/** Column-backed system traits (contacts columns), by filter name. */
const COLUMNS: Record<string, { col: string; kind: 'text' | 'time' | 'bool' }> = {
  id: { col: 'c.id', kind: 'text' },
  user_id: { col: 'c.user_id', kind: 'text' },
  phone_number: { col: 'c.phone_national', kind: 'text' },
  country_code: { col: 'c.country_code', kind: 'text' },
  channel_phone_number: { col: 'c.phone', kind: 'text' },
  name: { col: 'c.name', kind: 'text' },
  created_at_utc: { col: 'c.created_at', kind: 'time' },
  modified_at_utc: { col: 'c.updated_at', kind: 'time' },
  whatsapp_opted_in: { col: 'c.whatsapp_opted_in', kind: 'bool' },
};

export function isColumnTrait(trait: string): boolean {
  return trait in COLUMNS;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** A number to compare with: numbers, numeric strings, booleans, ISO dates (as ms); else null. */
function numeric(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    if (/^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    return isoDateMs(v.trim());
  }
  return null;
}

function scalar(v: unknown, field: string): string | number | boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  bad(field, 'must be a string, number or boolean');
}

/** The predicate on contact_traits row `t` for a custom-trait condition (op other than ne/not_exists). */
function traitRowPredicate(op: TraitOp, val: unknown, field: string): RawBuilder<unknown> {
  switch (op) {
    case 'exists':
      return sql`1 = 1`;
    case 'eq': {
      const v = scalar(val, field);
      return typeof v === 'string' ? sql`t.str_val = ${v}` : sql`t.num_val = ${typeof v === 'boolean' ? (v ? 1 : 0) : v}`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const v = scalar(val, field);
      const sym = sql.raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]);
      const n = numeric(v);
      return n !== null ? sql`t.num_val ${sym} ${n}` : sql`t.str_val ${sym} ${String(v)}`;
    }
    case 'contains': {
      const v = String(scalar(val, field));
      return sql`lower(t.str_val) like ${`%${escapeLike(v.toLowerCase())}%`} escape '\\'`;
    }
    case 'in': {
      if (!Array.isArray(val) || val.length === 0 || val.length > 1000) bad(field, 'must be a non-empty array (at most 1000 values) for op "in"');
      const vals = val.map((x, i) => scalar(x, `${field}[${i}]`));
      const strs = vals.filter((x): x is string => typeof x === 'string');
      const nums = vals.filter((x) => typeof x !== 'string').map((x) => (typeof x === 'boolean' ? (x ? 1 : 0) : (x as number)));
      const parts: RawBuilder<unknown>[] = [];
      if (strs.length) parts.push(sql`t.str_val in (${sql.join(strs)})`);
      if (nums.length) parts.push(sql`t.num_val in (${sql.join(nums)})`);
      return parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` or `)})`;
    }
    default:
      bad(field, `op "${op}" is not supported here`);
  }
}

function columnPredicate(spec: { col: string; kind: 'text' | 'time' | 'bool' }, op: TraitOp, val: unknown, field: string): RawBuilder<unknown> {
  const col = sql.raw(spec.col);
  const conv = (v: unknown, f: string): string | number => {
    const s = scalar(v, f);
    if (spec.kind === 'time') {
      const n = typeof s === 'number' ? s : typeof s === 'string' ? isoDateMs(s.trim()) : null;
      if (n === null) bad(f, 'must be an ISO-8601 date-time (e.g. "2025-01-31T10:00:00Z") or ms since the epoch');
      return n;
    }
    if (spec.kind === 'bool') {
      if (s === true || s === 'true' || s === 1) return 1;
      if (s === false || s === 'false' || s === 0) return 0;
      bad(f, 'must be true or false');
    }
    return String(s);
  };
  switch (op) {
    case 'exists':
      return sql`${col} is not null`;
    case 'not_exists':
      return sql`${col} is null`;
    case 'eq':
      return sql`${col} = ${conv(val, field)}`;
    case 'ne':
      return sql`(${col} is null or ${col} <> ${conv(val, field)})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return sql`${col} ${sql.raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op])} ${conv(val, field)}`;
    case 'contains':
      if (spec.kind !== 'text') bad(field, `op "contains" needs a text field`);
      return sql`lower(${col}) like ${`%${escapeLike(String(scalar(val, field)).toLowerCase())}%`} escape '\\'`;
    case 'in': {
      if (!Array.isArray(val) || val.length === 0 || val.length > 1000) bad(field, 'must be a non-empty array (at most 1000 values) for op "in"');
      return sql`${col} in (${sql.join(val.map((x, i) => conv(x, `${field}[${i}]`)))})`;
    }
  }
}

/**
 * A condition compiled once, then shaped per use: a predicate on contacts `c` (column traits), or
 * a set of contact ids drawn from one table (`from` as `alias`, rows matching `where`; with
 * `atLeast` > 1, contacts with at least that many such rows), possibly negated.
 */
type ConditionParts =
  | { kind: 'column'; expr: RawBuilder<unknown> }
  | { kind: 'set'; from: RawBuilder<unknown>; alias: string; where: RawBuilder<unknown>; atLeast: number; negated: boolean; unique: boolean };

/**
 * `unique`: the rows matching `where` name each contact at most once (a condition on one trait key —
 * contact_traits' key is (contact_id, key) — or on one tag), so the set needs no DISTINCT; a set
 * counted with `atLeast` > 1 is grouped by contact, hence unique too.
 */
function setOf(from: string, alias: string, where: RawBuilder<unknown>, opts: { negated?: boolean; atLeast?: number; unique?: boolean } = {}): ConditionParts {
  const atLeast = opts.atLeast ?? 1;
  return { kind: 'set', from: sql.raw(from), alias, where, atLeast, negated: opts.negated ?? false, unique: atLeast > 1 || (opts.unique ?? false) };
}

/** `select contact_id` of a set condition (its members, ignoring negation). */
function selectIds(p: Extract<ConditionParts, { kind: 'set' }>): RawBuilder<unknown> {
  const a = sql.raw(p.alias);
  if (p.atLeast > 1) return sql`select ${a}.contact_id from ${p.from} ${a} where ${p.where} group by ${a}.contact_id having count(*) >= ${p.atLeast}`;
  return sql`select ${a}.contact_id from ${p.from} ${a} where ${p.where}`;
}

/** A set condition as a predicate on contact c: `c.id in (…)` (set) or a per-contact lookup (probe). */
function setPredicate(p: Extract<ConditionParts, { kind: 'set' }>, mode: Mode): RawBuilder<unknown> {
  const a = sql.raw(p.alias);
  let x: RawBuilder<unknown>;
  if (mode === 'set') x = sql`c.id in (${selectIds(p)})`;
  else if (p.atLeast > 1) x = sql`(select count(*) from ${p.from} ${a} where ${p.where} and ${a}.contact_id = c.id) >= ${p.atLeast}`;
  else x = sql`exists (select 1 from ${p.from} ${a} where ${p.where} and ${a}.contact_id = c.id)`;
  return p.negated ? sql`not (${x})` : x;
}

/** Compiles one condition for workspace `ws` at time `nowMs`, as a predicate on contacts `c`. */
export function compileCondition(cond: Condition, ws: string, nowMs: number, mode: Mode, field = 'condition'): RawBuilder<unknown> {
  const p = conditionParts(cond, ws, nowMs, field);
  return p.kind === 'column' ? p.expr : setPredicate(p, mode);
}

/** A condition's set of contact ids (`select contact_id …`; see setOf for `unique`). */
export interface ConditionIdSet {
  select: RawBuilder<unknown>;
  /** The condition means "not in the set". */
  negated: boolean;
  unique: boolean;
}

/**
 * A condition as a set of contact ids; null for a condition on a contact column. Used to count a
 * segment by combining the sets (see compileSegmentCount).
 */
export function conditionIdSet(cond: Condition, ws: string, nowMs: number, field = 'condition'): ConditionIdSet | null {
  const p = conditionParts(cond, ws, nowMs, field);
  return p.kind === 'column' ? null : { select: selectIds(p), negated: p.negated, unique: p.unique };
}

function conditionParts(cond: Condition, ws: string, nowMs: number, field: string): ConditionParts {
  switch (cond.type) {
    case 'trait': {
      if (typeof cond.trait !== 'string' || cond.trait === '') bad(`${field}.trait`, 'is required');
      if (!TRAIT_OPS.includes(cond.op)) bad(`${field}.op`, `must be one of ${TRAIT_OPS.join(', ')}`);
      if (cond.trait === 'tags') return tagsFilterParts(cond, ws, field);
      const col = COLUMNS[cond.trait];
      if (col) return { kind: 'column', expr: columnPredicate(col, cond.op, cond.val, `${field}.val`) };
      const base = sql`t.workspace_id = ${ws} and t.key = ${cond.trait}`;
      if (cond.op === 'ne') return setOf('contact_traits', 't', sql`${base} and ${traitRowPredicate('eq', cond.val, `${field}.val`)}`, { negated: true, unique: true });
      if (cond.op === 'not_exists') return setOf('contact_traits', 't', base, { negated: true, unique: true });
      return setOf('contact_traits', 't', sql`${base} and ${traitRowPredicate(cond.op, cond.val, `${field}.val`)}`, { unique: true });
    }
    case 'tag': {
      if (typeof cond.tag !== 'string' || cond.tag === '') bad(`${field}.tag`, 'is required');
      if (cond.op !== undefined && cond.op !== 'has' && cond.op !== 'not_has') bad(`${field}.op`, 'must be "has" or "not_has"');
      return setOf('contact_tags', 'g', sql`g.workspace_id = ${ws} and g.tag = ${cond.tag}`, { negated: cond.op === 'not_has', unique: true });
    }
    case 'event': {
      if (typeof cond.event !== 'string' || cond.event === '') bad(`${field}.event`, 'is required');
      const op = cond.op ?? 'at_least';
      const count = cond.count ?? 1;
      if (!Number.isInteger(count) || count < (op === 'at_most' ? 0 : 1) || count > 1_000_000) bad(`${field}.count`, 'must be a whole number ≥ 1 (≥ 0 for at_most)');
      let where = sql`e.workspace_id = ${ws} and e.name = ${cond.event}`;
      if (cond.withinDays !== undefined) {
        if (typeof cond.withinDays !== 'number' || !(cond.withinDays > 0) || cond.withinDays > 3650) bad(`${field}.withinDays`, 'must be a number of days between 0 and 3650');
        where = sql`${where} and e.occurred_at >= ${Math.floor(nowMs - cond.withinDays * DAY_MS)}`;
      }
      // "at least n": the set of contacts with ≥ n such events; at_most n = not at_least n+1; did_not = not at_least 1.
      if (op === 'at_least') return setOf('contact_events', 'e', where, { atLeast: count });
      if (op === 'at_most') return setOf('contact_events', 'e', where, { negated: true, atLeast: count + 1 });
      if (op === 'did_not') return setOf('contact_events', 'e', where, { negated: true });
      bad(`${field}.op`, 'must be at_least, at_most or did_not');
    }
    // eslint-disable-next-line no-fallthrough
    case 'event_not_followed': {
      if (typeof cond.event !== 'string' || cond.event === '') bad(`${field}.event`, 'is required');
      if (typeof cond.notFollowedBy !== 'string' || cond.notFollowedBy === '') bad(`${field}.notFollowedBy`, 'is required');
      if (typeof cond.withinMs !== 'number' || !(cond.withinMs > 0) || cond.withinMs > 365 * DAY_MS) bad(`${field}.withinMs`, 'must be a positive number of milliseconds (at most a year)');
      let where = sql`x.workspace_id = ${ws} and x.name = ${cond.event} and x.occurred_at <= ${nowMs - cond.withinMs}`;
      if (cond.lookbackDays !== undefined) {
        if (typeof cond.lookbackDays !== 'number' || !(cond.lookbackDays > 0) || cond.lookbackDays > 3650) bad(`${field}.lookbackDays`, 'must be a number of days between 0 and 3650');
        where = sql`${where} and x.occurred_at >= ${Math.floor(nowMs - cond.lookbackDays * DAY_MS)}`;
      }
      where = sql`${where} and not exists (select 1 from contact_events y where y.workspace_id = ${ws} and y.name = ${cond.notFollowedBy} and y.contact_id = x.contact_id and y.occurred_at >= x.occurred_at and y.occurred_at <= x.occurred_at + ${cond.withinMs})`;
      return setOf('contact_events', 'x', where);
    }
    default:
      bad(`${field}.type`, 'must be trait, tag, event or event_not_followed');
  }
}

/** Get Users' `tags` pseudo-trait: eq/contains/in a tag; ne/not_exists: without it. */
function tagsFilterParts(cond: TraitCondition, ws: string, field: string): ConditionParts {
  const base = sql`g.workspace_id = ${ws}`;
  switch (cond.op) {
    case 'eq':
      return setOf('contact_tags', 'g', sql`${base} and g.tag = ${String(scalar(cond.val, `${field}.val`))}`, { unique: true });
    case 'ne':
      return setOf('contact_tags', 'g', sql`${base} and g.tag = ${String(scalar(cond.val, `${field}.val`))}`, { negated: true, unique: true });
    case 'in': {
      if (!Array.isArray(cond.val) || cond.val.length === 0 || cond.val.length > 1000) bad(`${field}.val`, 'must be a non-empty array for op "in"');
      return setOf('contact_tags', 'g', sql`${base} and g.tag in (${sql.join(cond.val.map((v, i) => String(scalar(v, `${field}.val[${i}]`))))})`);
    }
    case 'contains':
      return setOf('contact_tags', 'g', sql`${base} and lower(g.tag) like ${`%${escapeLike(String(scalar(cond.val, `${field}.val`)).toLowerCase())}%`} escape '\\'`);
    case 'exists':
      return setOf('contact_tags', 'g', base);
    case 'not_exists':
      return setOf('contact_tags', 'g', base, { negated: true });
    default:
      bad(`${field}.op`, 'for tags must be eq, ne, in, contains, exists or not_exists');
  }
}

export function combine(parts: { expr: RawBuilder<unknown>; op: 'and' | 'or' }[]): RawBuilder<unknown> {
  if (parts.length === 0) return sql`1 = 1`;
  // Left to right: each filter joins everything before it with its own supr_op.
  let acc = parts[0]!.expr;
  for (const p of parts.slice(1)) acc = p.op === 'and' ? sql`(${acc}) and (${p.expr})` : sql`(${acc}) or (${p.expr})`;
  return acc;
}
