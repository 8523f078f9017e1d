import { AppError } from '../platform/errors.ts';
import { parseCsv } from './csv.ts';

/** What a campaign's recipients are. Phones and CSV rows are stored as audience rows until frozen. */
export type AudienceDef =
  | { kind: 'phones' }
  | { kind: 'csv'; columns: string[] }
  | { kind: 'tag'; tag: string }
  | { kind: 'segment'; segmentId: string }
  | { kind: 'campaign'; campaignId: string; state: RetargetState }
  | { kind: 'none' };

/** Retargeting: the recipients of a previous campaign in one of these states. */
export const RETARGET_STATES = ['delivered_not_read', 'read_not_clicked', 'clicked_not_converted', 'not_delivered', 'failed', 'read', 'clicked', 'replied'] as const;
export type RetargetState = (typeof RETARGET_STATES)[number];

/** One audience row as uploaded: a phone and the CSV row's other columns. */
export interface AudienceRowInput {
  phone: string;
  variables: Record<string, string> | null;
}

const MAX_ROWS_PER_UPLOAD = 200_000;

/**
 * A CSV with a header row: the phone column (default "phone"; full number with country code, a
 * leading "+" allowed) and any other columns, which become per-row variables (`{column: …}` in the
 * mapping). Refused with the line numbers of rows that have the wrong number of fields.
 */
export function rowsFromCsv(text: string, phoneColumn = 'phone'): { columns: string[]; rows: AudienceRowInput[] } {
  const all = parseCsv(text);
  if (all.length === 0) throw new AppError('validation_failed', 'csv is empty: the first line names the columns (one of them "phone")', [{ field: 'csv', message: 'is empty' }]);
  const header = all[0]!.map((h) => h.trim());
  const phoneAt = header.indexOf(phoneColumn);
  if (phoneAt < 0) throw new AppError('validation_failed', `csv has no "${phoneColumn}" column (columns: ${header.join(', ')})`, [{ field: 'csv', message: `no "${phoneColumn}" column` }]);
  if (all.length - 1 > MAX_ROWS_PER_UPLOAD) throw new AppError('validation_failed', `csv has ${all.length - 1} rows; upload at most ${MAX_ROWS_PER_UPLOAD} per request (several uploads add up)`);
  const bad: { line: number; message: string }[] = [];
  const rows: AudienceRowInput[] = [];
  for (let i = 1; i < all.length; i++) {
    const r = all[i]!;
    if (r.length !== header.length) {
      bad.push({ line: i + 1, message: `has ${r.length} fields; the header has ${header.length}` });
      continue;
    }
    const variables: Record<string, string> = {};
    header.forEach((h, j) => {
      if (j !== phoneAt) variables[h] = r[j]!;
    });
    rows.push({ phone: r[phoneAt]!.trim(), variables });
  }
  if (bad.length > 0) {
    throw new AppError('validation_failed', `csv has ${bad.length} malformed row${bad.length === 1 ? '' : 's'} (first at line ${bad[0]!.line}: ${bad[0]!.message})`, bad.slice(0, 100).map((b) => ({ field: `csv line ${b.line}`, message: b.message })));
  }
  return { columns: header.filter((_, j) => j !== phoneAt), rows };
}

export function parseAudience(json: string): AudienceDef {
  return JSON.parse(json) as AudienceDef;
}
