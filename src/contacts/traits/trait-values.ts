import { AppError } from '../../platform/errors.ts';
import { CONTACT_LIMITS } from '../limits.ts';

/** A trait value as stored: null removes the trait. */
export type TraitValue = string | number | boolean | null;

/** A trait as the query model stores it (contact_traits). */
export interface TypedTrait {
  key: string;
  str: string;
  num: number | null;
}

/** Traits owned by Samvad: computed or columns of the contact, never set through `traits`. */
export const SYSTEM_TRAITS = new Set(['id', 'user_id', 'phone_number', 'country_code', 'channel_phone_number', 'created_at_utc', 'modified_at_utc']);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', `${field} ${message}`, [{ field, message }]);
}

/** ms since the epoch when `s` is an ISO-8601 date or date-time, else null. */
export function isoDateMs(s: string): number | null {
  if (s.length > 40 || !ISO_DATE.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/** The typed form of a value: text always, a number for numbers, booleans (1/0) and dates (ms). */
export function typedTrait(key: string, value: string | number | boolean): TypedTrait {
  if (typeof value === 'number') return { key, str: String(value), num: value };
  if (typeof value === 'boolean') return { key, str: String(value), num: value ? 1 : 0 };
  return { key, str: value, num: isoDateMs(value) };
}

/**
 * Checks a `traits` object of a track-users request (or a CSV row): flat, keys 1–128 characters,
 * values strings (≤4 KB; newlines and tabs are fine: Meta's no-newline rule is for template
 * parameters only), finite numbers, booleans, ISO dates (as strings) or null (removes the trait).
 */
export function checkTraits(traits: unknown, field = 'traits'): Record<string, TraitValue> {
  if (traits === undefined || traits === null) return {};
  if (typeof traits !== 'object' || Array.isArray(traits)) invalid(field, 'must be an object of trait names to values');
  const entries = Object.entries(traits as Record<string, unknown>);
  if (entries.length > CONTACT_LIMITS.traitsPerRequest) invalid(field, `has ${entries.length} traits; at most ${CONTACT_LIMITS.traitsPerRequest} per request`);
  const out: Record<string, TraitValue> = {};
  for (const [key, value] of entries) {
    checkKey(key, field);
    if (SYSTEM_TRAITS.has(key)) invalid(`${field}.${key}`, 'is a system field set by Samvad and cannot be written as a trait');
    out[key] = checkValue(value, `${field}.${key}`);
  }
  return out;
}

export function checkKey(key: string, field: string): void {
  if (key.trim() === '') invalid(field, 'has an empty trait name');
  if (key.length > CONTACT_LIMITS.keyChars) invalid(`${field}.${key.slice(0, 32)}…`, `name is ${key.length} characters; at most ${CONTACT_LIMITS.keyChars}`);
}

function checkValue(value: unknown, field: string): TraitValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      if (Buffer.byteLength(value, 'utf8') > CONTACT_LIMITS.valueBytes) invalid(field, `is ${Buffer.byteLength(value, 'utf8')} bytes; a trait value is at most ${CONTACT_LIMITS.valueBytes} bytes`);
      return value;
    case 'number':
      if (!Number.isFinite(value)) invalid(field, 'must be a finite number');
      return value;
    case 'boolean':
      return value;
    default:
      invalid(field, 'must be a string, number, boolean, ISO date string or null (objects and arrays are not trait values)');
  }
}

/** Checks tags: non-empty strings of at most 128 characters, at most 100 per request; trimmed, deduplicated. */
export function checkTags(tags: unknown, field = 'tags'): string[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) invalid(field, 'must be an array of strings');
  if (tags.length > CONTACT_LIMITS.tagsPerRequest) invalid(field, `has ${tags.length} tags; at most ${CONTACT_LIMITS.tagsPerRequest} per request`);
  const out = new Set<string>();
  tags.forEach((t, i) => {
    if (typeof t !== 'string') invalid(`${field}[${i}]`, 'must be a string');
    const tag = t.trim();
    if (tag === '') invalid(`${field}[${i}]`, 'must not be empty');
    if (tag.length > CONTACT_LIMITS.tagChars) invalid(`${field}[${i}]`, `is ${tag.length} characters; at most ${CONTACT_LIMITS.tagChars}`);
    out.add(tag);
  });
  return [...out];
}
