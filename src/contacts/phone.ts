import { parsePhoneNumberFromString, type CountryCallingCode } from 'libphonenumber-js/max';
import { createRequire } from 'node:module';
import { AppError } from '../platform/errors.ts';

// require(): JSON import attributes fail under tsx's loader on Node 20 (ERR_IMPORT_ASSERTION_TYPE_FAILED).
const metadata: unknown = createRequire(import.meta.url)('libphonenumber-js/metadata.max.json');

/** A phone number as Samvad keys contacts by it. */
export interface ParsedPhone {
  /** E.164 digits without '+', as Meta's wa_id: '919876543210'. */
  phone: string;
  /** '+91' */
  countryCode: string;
  /** National significant number: '9876543210'. */
  national: string;
}

export interface PhoneInput {
  countryCode?: string | undefined;
  phoneNumber?: string | undefined;
  fullPhoneNumber?: string | undefined;
}

const cache = new Map<string, ParsedPhone>();
const CACHE_MAX = 50_000;

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', `${field} ${message}`, [{ field, message }]);
}

/** Strips the separators people type: spaces, dashes, dots, brackets. */
function digitsOf(raw: string): string {
  return raw.replace(/[\s\-().]/g, '');
}

/**
 * Interakt's phone rules (reference interakt-api.md §2.4): either `countryCode` ("+91") with
 * `phoneNumber` (national number, no country code, no leading 0), or `fullPhoneNumber`
 * ("919999999999", a leading '+' tolerated). Both may be sent when they agree (Interakt's own
 * Postman examples do). A leading 0 on `phoneNumber` is a trunk prefix: it is refused with a
 * message saying so rather than guessed at. Numbers are validated with libphonenumber's full
 * metadata, so a number that cannot exist in its country is refused naming the field.
 */
export function parsePhoneInput(input: PhoneInput): ParsedPhone {
  const hasFull = input.fullPhoneNumber !== undefined && input.fullPhoneNumber !== '';
  const hasParts = (input.countryCode !== undefined && input.countryCode !== '') || (input.phoneNumber !== undefined && input.phoneNumber !== '');
  if (!hasFull && !hasParts) {
    invalid('fullPhoneNumber', 'is required (or countryCode and phoneNumber)');
  }
  let fromParts: ParsedPhone | undefined;
  if (hasParts) {
    if (!input.phoneNumber) invalid('phoneNumber', 'is required with countryCode');
    if (!input.countryCode) invalid('countryCode', 'is required with phoneNumber (e.g. "+91")');
    const cc = digitsOf(input.countryCode).replace(/^\+/, '');
    if (!/^[0-9]{1,4}$/.test(cc)) invalid('countryCode', 'must be a country calling code such as "+91"');
    const national = digitsOf(input.phoneNumber);
    if (!/^[0-9]+$/.test(national)) invalid('phoneNumber', 'must contain digits only');
    if (national.startsWith('0')) invalid('phoneNumber', 'must not start with 0: send the national number without the trunk prefix (e.g. "9876543210")');
    if (national.startsWith(cc) && national.length > 10 && !isValid(`${cc}${national}`)) {
      invalid('phoneNumber', `must not contain the country code (send it in countryCode): "${input.phoneNumber}"`);
    }
    fromParts = parseDigits(`${cc}${national}`, 'phoneNumber');
    if (`+${cc}` !== fromParts.countryCode) invalid('countryCode', `"${input.countryCode}" is not the country code of this number`);
  }
  if (hasFull) {
    const full = digitsOf(input.fullPhoneNumber!).replace(/^\+/, '');
    if (!/^[0-9]+$/.test(full)) invalid('fullPhoneNumber', 'must contain digits only, with the country code (e.g. "919876543210")');
    if (full.startsWith('0')) invalid('fullPhoneNumber', 'must start with the country code, not 0 (e.g. "919876543210")');
    const parsed = parseDigits(full, 'fullPhoneNumber');
    if (fromParts && fromParts.phone !== parsed.phone) {
      invalid('fullPhoneNumber', 'does not match countryCode + phoneNumber; send either fullPhoneNumber or countryCode and phoneNumber');
    }
    return parsed;
  }
  return fromParts!;
}

function isValid(digits: string): boolean {
  return parsePhoneNumberFromString(`+${digits}`)?.isValid() ?? false;
}

/**
 * A fast exact path for the common case (libphonenumber-js takes ~50 µs a number, which is most of
 * a million-row CSV import): a calling code that belongs to one country, a national number that
 * matches the country's general pattern and one of its number-type patterns with a possible
 * length — the checks libphonenumber's isValid() makes. Anything else (shared calling codes such
 * as +1 and +44, national prefixes, a miss) goes to libphonenumber, so no number it refuses is
 * accepted here.
 */
interface FastPlan {
  general: RegExp;
  types: { re: RegExp; lengths: number[] | null }[];
  lengths: number[];
}
const fastPlans = new Map<string, FastPlan | null>();
function fastPlan(cc: string): FastPlan | null {
  let plan = fastPlans.get(cc);
  if (plan !== undefined) return plan;
  plan = null;
  const m = metadata as unknown as { country_calling_codes: Record<string, string[]>; countries: Record<string, unknown[]> };
  const countries = m.country_calling_codes[cc];
  if (countries && countries.length === 1) {
    const c = m.countries[countries[0]!];
    const types = c?.[11];
    if (c && Array.isArray(types) && typeof c[2] === 'string' && Array.isArray(c[3])) {
      plan = {
        general: new RegExp(`^(?:${c[2]})$`),
        lengths: c[3] as number[],
        types: types.filter((t): t is [string, number[]?] => Array.isArray(t) && typeof t[0] === 'string' && t[0] !== '').map((t) => ({ re: new RegExp(`^(?:${t[0]})$`), lengths: Array.isArray(t[1]) ? t[1] : null })),
      };
    }
  }
  fastPlans.set(cc, plan);
  return plan;
}

function fastParse(digits: string): ParsedPhone | null {
  for (let len = 1; len <= 3; len++) {
    const cc = digits.slice(0, len);
    const plan = fastPlan(cc);
    if (plan === null) {
      if ((metadata as unknown as { country_calling_codes: Record<string, unknown> }).country_calling_codes[cc]) return null;
      continue;
    }
    const national = digits.slice(len);
    if (national.startsWith('0') || !plan.lengths.includes(national.length) || !plan.general.test(national)) return null;
    const ok = plan.types.some((t) => (t.lengths ?? plan.lengths).includes(national.length) && t.re.test(national));
    return ok ? { phone: digits, countryCode: `+${cc}`, national } : null;
  }
  return null;
}

function parseDigits(digits: string, field: string): ParsedPhone {
  const hit = cache.get(digits);
  if (hit) return hit;
  const fast = digits.length >= 6 && digits.length <= 15 ? fastParse(digits) : null;
  if (fast) return fast;
  if (digits.length < 6 || digits.length > 15) invalid(field, 'is not a valid phone number: E.164 numbers have 6 to 15 digits with the country code');
  const p = parsePhoneNumberFromString(`+${digits}`);
  if (!p || !p.isValid()) invalid(field, `is not a valid phone number: "${digits}"`);
  const parsed: ParsedPhone = {
    phone: `${p.countryCallingCode as CountryCallingCode}${p.nationalNumber}`,
    countryCode: `+${p.countryCallingCode}`,
    national: String(p.nationalNumber),
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(digits, parsed);
  return parsed;
}

/** Parses a wa_id (E.164 digits) from Meta; lenient: an unparsable id is kept as it came. */
export function parseWaId(waId: string): ParsedPhone {
  const digits = waId.replace(/^\+/, '');
  const p = parsePhoneNumberFromString(`+${digits}`);
  if (p?.countryCallingCode && p.nationalNumber) {
    return { phone: digits, countryCode: `+${p.countryCallingCode}`, national: String(p.nationalNumber) };
  }
  return { phone: digits, countryCode: '', national: digits };
}
