/**
 * Interakt's field quirks, kept because receivers parse them (reference §8.4): timestamps are
 * naive ISO-8601 in UTC with microseconds and no zone (`2022-06-03T05:43:33.237499`), click
 * timestamps use a space instead of the `T`, and nested objects travel as JSON strings written
 * the way Python's json.dumps writes them (`", "` and `": "` separators).
 */
export function naiveUtc(ms: number): string {
  // Every event carries several of these: the date part is kept per day and the time of day is
  // written with arithmetic, instead of a Date and its ISO string per call.
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS)) return `${new Date(ms).toISOString().slice(0, 23)}000`;
  const t = Math.floor(ms);
  const day = Math.floor(t / DAY_MS);
  if (day !== lastDay) {
    lastDay = day;
    lastDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = t - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  return `${lastDate}${two(hour)}:${two(min)}:${two(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}000`;
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there toISOString() writes a six-digit signed year. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;
let lastDay = NaN;
let lastDate = '';

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function naiveUtcOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : naiveUtc(ms);
}

export function clickTimestamp(ms: number): string {
  return naiveUtc(ms).replace('T', ' ');
}

/** JSON with Python's default separators, as Interakt's JSON-string fields are written. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => pyJson(v === undefined ? null : v)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(k)}: ${pyJson(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Amount in millionths as Interakt's decimal string ("0.8631"), without trailing zeros beyond 2 places. */
export function decimalString(micros: number): string {
  const s = (micros / 1_000_000).toFixed(6).replace(/0+$/, '');
  const [int, frac = ''] = s.split('.');
  return `${int}.${frac.padEnd(2, '0')}`;
}
