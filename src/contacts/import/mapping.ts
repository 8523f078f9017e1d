import { AppError } from '../../platform/errors.ts';

/** How a CSV's columns become a contact (column names as in the header row). */
export interface ImportMapping {
  /** Column with the phone: full with country code ("919876543210", "+91 98765 43210"), or national with countryCode/defaultCountryCode. */
  phone: string;
  /** Column with the country code ("+91" or "91") of a national number. */
  countryCode?: string | undefined;
  /** Country code for rows whose phone is national and that have no countryCode column/value. */
  defaultCountryCode?: string | undefined;
  name?: string | undefined;
  userId?: string | undefined;
  /** Column → trait key. */
  traits?: Record<string, string> | undefined;
  /** Column with tags separated by "," or ";". */
  tags?: string | undefined;
  /** Tags added to every imported contact. */
  staticTags?: string[] | undefined;
}

const PHONE = ['phone', 'phone_number', 'phonenumber', 'mobile', 'mobile_number', 'whatsapp', 'whatsapp_number', 'fullphonenumber', 'full_phone_number', 'number'];
const COUNTRY = ['country_code', 'countrycode', 'dial_code'];
const NAME = ['name', 'full_name', 'fullname', 'customer_name'];
const USER = ['user_id', 'userid', 'customer_id', 'external_id'];
const TAGS = ['tags', 'tag', 'labels'];

const norm = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The mapping used when none is given: known header names, every other column a trait of the same name. */
export function autoMapping(header: string[]): ImportMapping {
  const find = (names: string[]) => header.find((h) => names.includes(norm(h)));
  const phone = find(PHONE);
  if (!phone) throw new AppError('validation_failed', `No phone column found in the header (${header.join(', ')}); name one of: ${PHONE.join(', ')}, or send a mapping`, [{ field: 'mapping.phone' }]);
  const used = new Set([phone, find(COUNTRY), find(NAME), find(USER), find(TAGS)].filter((x): x is string => x !== undefined));
  return {
    phone,
    countryCode: find(COUNTRY),
    name: find(NAME),
    userId: find(USER),
    tags: find(TAGS),
    traits: Object.fromEntries(header.filter((h) => !used.has(h) && h.trim() !== '').map((h) => [h, h.trim()])),
  };
}

/** Checks a given mapping against the header. */
export function checkMapping(m: ImportMapping, header: string[]): ImportMapping {
  const cols = new Set(header);
  const need = (field: string, col: string | undefined) => {
    if (col !== undefined && !cols.has(col)) throw new AppError('validation_failed', `mapping.${field}: column "${col}" is not in the header (${header.join(', ')})`, [{ field: `mapping.${field}` }]);
  };
  if (typeof m.phone !== 'string') throw new AppError('validation_failed', 'mapping.phone (the phone column) is required', [{ field: 'mapping.phone' }]);
  need('phone', m.phone);
  need('countryCode', m.countryCode);
  need('name', m.name);
  need('userId', m.userId);
  need('tags', m.tags);
  for (const col of Object.keys(m.traits ?? {})) need(`traits.${col}`, col);
  return m;
}

/** Parses the `mapping` query parameter (JSON) of an upload. */
export function parseMappingParam(raw: string | undefined): ImportMapping | null {
  if (raw === undefined || raw === '') return null;
  try {
    const m = JSON.parse(raw) as ImportMapping;
    if (!m || typeof m !== 'object') throw new Error('not an object');
    return m;
  } catch (err) {
    throw new AppError('validation_failed', `mapping must be a JSON object: ${(err as Error).message}`, [{ field: 'mapping' }]);
  }
}
