import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import { compileCondition, type Condition } from './conditions.ts';

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
