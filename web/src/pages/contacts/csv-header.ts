/**
 * Reads the header row and a few sample rows of a CSV in the browser, to offer the column
 * mapping before the upload (the server parses the whole file). Handles quoted cells with commas,
 * doubled quotes and newlines; a BOM is dropped.
 */
export function parseCsvHead(text: string, maxRows = 4): { columns: string[]; rows: string[][] } {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length && records.length <= maxRows; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      cell = '';
      if (row.some((c) => c !== '')) records.push(row);
      row = [];
    } else cell += ch;
  }
  if ((cell !== '' || row.length > 0) && records.length <= maxRows) {
    row.push(cell);
    if (row.some((c) => c !== '')) records.push(row);
  }
  const [header = [], ...rows] = records;
  return { columns: header.map((h) => h.trim()), rows };
}

export type ColumnRole = 'phone' | 'countryCode' | 'name' | 'userId' | 'tags' | 'trait' | 'ignore';

/** The server's automatic mapping, mirrored so the form starts where the server would. */
export function guessRole(column: string): ColumnRole {
  const c = column.toLowerCase().replace(/[\s-]+/g, '_');
  if (['phone', 'phone_number', 'phonenumber', 'mobile', 'mobile_number', 'whatsapp', 'whatsapp_number', 'fullphonenumber', 'full_phone_number', 'number'].includes(c)) return 'phone';
  if (['country_code', 'countrycode', 'dial_code'].includes(c)) return 'countryCode';
  if (['name', 'full_name', 'fullname', 'customer_name'].includes(c)) return 'name';
  if (['user_id', 'userid', 'customer_id', 'external_id'].includes(c)) return 'userId';
  if (['tags', 'tag', 'labels'].includes(c)) return 'tags';
  return 'trait';
}

/** A trait key from a column title: "First Name" → "first_name". */
export function traitKeyOf(column: string): string {
  return column.trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'column';
}
