import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import { compileCondition, conditionIdSet, type Condition } from './conditions.ts';

/** A saved audience: contacts matching all (or any) of the conditions. */
export interface SegmentDefinition {
  match: 'all' | 'any';
  conditions: Condition[];
}

export const MAX_SEGMENT_CONDITIONS = 20;

/** Validates a definition (by compiling it) and returns it normalised. */
export function checkSegmentDefinition(def: unknown): SegmentDefinition {
  if (!def || typeof def !== 'object') throw new AppError('validation_failed', 'definition must be an object {match, conditions}', [{ field: 'definition' }]);
  const d = def as Partial<SegmentDefinition>;
  const match = d.match ?? 'all';
  if (match !== 'all' && match !== 'any') throw new AppError('validation_failed', 'definition.match must be "all" or "any"', [{ field: 'definition.match' }]);
  if (!Array.isArray(d.conditions) || d.conditions.length === 0 || d.conditions.length > MAX_SEGMENT_CONDITIONS) {
    throw new AppError('validation_failed', `definition.conditions must have 1 to ${MAX_SEGMENT_CONDITIONS} conditions`, [{ field: 'definition.conditions' }]);
  }
  const out: SegmentDefinition = { match, conditions: d.conditions };
  compileSegment(out, 'check', Date.now(), 'set');
  return out;
}

/** The WHERE clause (on contacts `c`) of a segment. */
export function compileSegment(def: SegmentDefinition, workspaceId: string, nowMs: number, mode: 'set' | 'probe'): RawBuilder<unknown> {
  const parts = def.conditions.map((c, i) => compileCondition(c, workspaceId, nowMs, mode, `definition.conditions[${i}]`));
  return sql`(${sql.join(parts, sql.raw(def.match === 'all' ? ' and ' : ' or '))})`;
}

/**
 * A segment as one compound query over its condition sets, for counting: `all` intersects the
 * sets of its positive conditions and removes (EXCEPT) those of its negated ones, `any` unites
 * them; conditions on contact columns are left as a predicate on `c` for the join with contacts.
 * Null when there is no positive set to start from (`all` of only negations or column conditions,
 * or `any` with a negation or a column condition): the caller then filters contacts instead.
 *
 * Why: `c.id in (…) and c.id in (…)` walks every contact of the workspace and probes each set
 * (about 1.3 s of CPU at 1,000,000 contacts on SQLite); the compound form reads each set once from
 * its covering index — SQLite merges the sets that come sorted by contact id — and touches contacts
 * only for the members (0.44 s). Flat chains only: INTERSECTs first, then EXCEPTs, which reads the
 * same on both dialects (PostgreSQL binds INTERSECT tighter, SQLite goes left to right) and SQLite
 * allows no parentheses around compound members.
 */
export function compileSegmentIdSet(def: SegmentDefinition, workspaceId: string, nowMs: number): { select: RawBuilder<unknown>; where: RawBuilder<unknown> | null } | null {
  const pos: RawBuilder<unknown>[] = [];
  const neg: RawBuilder<unknown>[] = [];
  const cols: RawBuilder<unknown>[] = [];
  def.conditions.forEach((c, i) => {
    const field = `definition.conditions[${i}]`;
    const set = conditionIdSet(c, workspaceId, nowMs, field);
    if (!set) cols.push(compileCondition(c, workspaceId, nowMs, 'set', field));
    else (set.negated ? neg : pos).push(set.select);
  });
  if (pos.length === 0) return null;
  // A set on its own may list a contact more than once (one row per event); a set operation makes it distinct.
  if (pos.length === 1 && neg.length === 0) return { select: sql`select distinct u.contact_id from (${pos[0]}) u`, where: cols.length > 0 ? sql.join(cols, sql` and `) : null };
  if (def.match === 'any') {
    if (neg.length > 0 || cols.length > 0) return null;
    return { select: sql.join(pos, sql` union `), where: null };
  }
  const chain = neg.length > 0 ? sql`${sql.join(pos, sql` intersect `)} except ${sql.join(neg, sql` except `)}` : sql.join(pos, sql` intersect `);
  return { select: chain, where: cols.length > 0 ? sql.join(cols, sql` and `) : null };
}
