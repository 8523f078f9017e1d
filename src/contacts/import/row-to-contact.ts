import { AppError, isAppError } from '../../platform/errors.ts';
import { parsePhoneInput, type ParsedPhone } from '../phone.ts';
import { checkTags, checkTraits, type TraitValue } from '../traits/trait-values.ts';
import type { ImportMapping } from './mapping.ts';

export interface ImportRow {
  rowNumber: number;
  phone: ParsedPhone;
  name: string | undefined;
  userId: string | undefined;
  traits: Record<string, TraitValue>;
  tags: string[];
}

export interface RowError {
  rowNumber: number;
  message: string;
  raw: string[];
}

/** A CSV cell as a trait value: numbers (no leading zero) and true/false typed, other text as is. */
function cellValue(s: string): TraitValue {
  const t = s.trim();
  if (/^-?(?:0|[1-9]\d{0,14})(?:\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'TRUE') return true;
  if (t === 'false' || t === 'FALSE') return false;
  return s;
}

/** Compiled column positions of a mapping. */
export function rowReader(mapping: ImportMapping, header: string[]) {
  const at = (col: string | undefined) => (col === undefined ? -1 : header.indexOf(col));
  const phoneAt = at(mapping.phone);
  const ccAt = at(mapping.countryCode);
  const nameAt = at(mapping.name);
  const userAt = at(mapping.userId);
  const tagsAt = at(mapping.tags);
  const traitCols = Object.entries(mapping.traits ?? {}).map(([col, key]) => [header.indexOf(col), key] as const);
  const staticTags = checkTags(mapping.staticTags ?? [], 'mapping.staticTags');
  const defaultCc = mapping.defaultCountryCode;

  return (rowNumber: number, cells: string[]): ImportRow | RowError => {
    try {
      const rawPhone = (cells[phoneAt] ?? '').trim();
      if (rawPhone === '') throw new AppError('validation_failed', 'phone is empty');
      const cc = ccAt >= 0 ? (cells[ccAt] ?? '').trim() : '';
      let phone: ParsedPhone;
      if (rawPhone.startsWith('+') || (cc === '' && !defaultCc)) phone = parsePhoneInput({ fullPhoneNumber: rawPhone });
      else phone = parsePhoneInput({ countryCode: (cc || defaultCc)!.startsWith('+') ? cc || defaultCc : `+${cc || defaultCc}`, phoneNumber: rawPhone });
      const traitsIn: Record<string, TraitValue> = {};
      for (const [i, key] of traitCols) {
        const v = cells[i];
        if (v === undefined || v.trim() === '') continue;
        traitsIn[key] = cellValue(v);
      }
      const traits = checkTraits(traitsIn);
      const name = nameAt >= 0 && (cells[nameAt] ?? '').trim() !== '' ? cells[nameAt]!.trim() : undefined;
      const userId = userAt >= 0 && (cells[userAt] ?? '').trim() !== '' ? cells[userAt]!.trim() : undefined;
      if (userId && userId.length > 255) throw new AppError('validation_failed', 'userId is longer than 255 characters');
      const tags = tagsAt >= 0 && (cells[tagsAt] ?? '').trim() !== '' ? checkTags(cells[tagsAt]!.split(/[,;]/).map((t) => t.trim()).filter(Boolean)) : [];
      return { rowNumber, phone, name, userId, traits, tags: staticTags.length ? [...new Set([...tags, ...staticTags])] : tags };
    } catch (err) {
      if (isAppError(err)) return { rowNumber, message: err.message, raw: cells };
      throw err;
    }
  };
}
