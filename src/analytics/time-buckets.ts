import { AppError } from '../platform/errors.ts';

/**
 * Report buckets in a workspace's IANA time zone, with Intl only (no zone database of our own).
 * A day is local midnight to the next local midnight, so it lasts 23 or 25 hours on DST change
 * days; an hour is a real hour (a DST "fall back" day has two 01:00 buckets, told apart by their
 * UTC offset in `start`). Stored times stay UTC milliseconds.
 */

export type Granularity = 'day' | 'hour';

export interface Bucket {
  /** Local start as an ISO time with the zone's offset at that instant ("2026-03-08T00:00:00-05:00"). */
  start: string;
  /** UTC ms, inclusive. */
  startMs: number;
  /** UTC ms, exclusive. */
  endMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (Asia/Kolkata: +19,800,000). */
export function offsetAt(timeZone: string, atMs: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * The instant of a local wall time. Wall times that do not exist (skipped by a spring-forward)
 * move forward by the gap (Temporal's "compatible": 02:30 → 03:30, and a skipped midnight starts
 * the day at 01:00); ambiguous ones (fall back) take the first occurrence.
 */
export function localToUtc(timeZone: string, y: number, m: number, d: number, h = 0, min = 0): number {
  const wall = Date.UTC(y, m - 1, d, h, min);
  // Try the offsets on both sides of a nearby change; keep the earliest that round-trips.
  const candidates = [offsetAt(timeZone, wall - 86_400_000), offsetAt(timeZone, wall + 86_400_000)].map((o) => wall - o);
  const exact = candidates.filter((t) => t + offsetAt(timeZone, t) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0]!;
  // In a gap: read with the offset from before it, which lands after it.
  return wall - offsetAt(timeZone, wall - 86_400_000);
}

/** The local calendar date (y, m, d) at an instant. */
export function localDate(timeZone: string, atMs: number): { y: number; m: number; d: number; h: number } {
  const t = atMs + offsetAt(timeZone, atMs);
  const dt = new Date(t);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate(), h: dt.getUTCHours() };
}

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

/** ISO time of an instant with the zone's offset there. */
export function isoInZone(timeZone: string, atMs: number): string {
  const off = offsetAt(timeZone, atMs);
  const dt = new Date(atMs + off);
  const sign = off < 0 ? '-' : '+';
  const oh = Math.floor(Math.abs(off) / 3_600_000);
  const om = Math.floor((Math.abs(off) % 3_600_000) / 60_000);
  return `${dt.getUTCFullYear()}-${pad(dt.getUTCMonth() + 1)}-${pad(dt.getUTCDate())}T${pad(dt.getUTCHours())}:${pad(dt.getUTCMinutes())}:${pad(dt.getUTCSeconds())}${sign}${pad(oh)}:${pad(om)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a local date "YYYY-MM-DD" (validated as a real calendar date). */
export function parseLocalDate(value: string, field: string): { y: number; m: number; d: number } {
  const m = DATE_RE.exec(value);
  const bad = () => new AppError('validation_failed', `${field} must be a date "YYYY-MM-DD" in the workspace's time zone`, [{ field, message: 'is not a date' }]);
  if (!m) throw bad();
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw bad();
  return { y, m: mo, d };
}

/** The next calendar date (plain calendar arithmetic, no zone). */
export function nextDate(date: { y: number; m: number; d: number }): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + 1));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * Buckets covering local dates `from` to `to` inclusive. Days run midnight to midnight in the
 * zone; hours are cut at each whole UTC hour plus the zone's minute offset (so Asia/Kolkata's
 * hours start at :00 local), which stays right across DST changes.
 */
export function buckets(timeZone: string, from: { y: number; m: number; d: number }, to: { y: number; m: number; d: number }, granularity: Granularity): Bucket[] {
  const days: number[] = [];
  let d = from;
  for (;;) {
    days.push(localToUtc(timeZone, d.y, d.m, d.d));
    if (d.y === to.y && d.m === to.m && d.d === to.d) break;
    d = nextDate(d);
  }
  const end = nextDate(to);
  days.push(localToUtc(timeZone, end.y, end.m, end.d));
  const out: Bucket[] = [];
  for (let i = 0; i + 1 < days.length; i++) {
    const [s, e] = [days[i]!, days[i + 1]!];
    if (granularity === 'day') {
      out.push({ start: isoInZone(timeZone, s), startMs: s, endMs: e });
      continue;
    }
    for (let h = s; h < e; ) {
      const next = Math.min(e, nextLocalHour(timeZone, h));
      out.push({ start: isoInZone(timeZone, h), startMs: h, endMs: next });
      h = next;
    }
  }
  return out;
}

/** The next instant at which the local clock shows minute 0 (for zones offset by :30 or :45 too). */
function nextLocalHour(timeZone: string, atMs: number): number {
  const off = offsetAt(timeZone, atMs);
  const local = atMs + off;
  const nextLocal = Math.floor(local / 3_600_000) * 3_600_000 + 3_600_000;
  let t = nextLocal - off;
  // An offset change inside the hour (DST): the hour still ends an hour later in real time.
  if (offsetAt(timeZone, t) !== off) t = atMs + 3_600_000 - (local % 3_600_000);
  return t;
}

/** Index of the bucket holding `atMs` (buckets sorted and contiguous), or -1. */
export function bucketIndex(list: Bucket[], atMs: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = list[mid]!;
    if (atMs < b.startMs) hi = mid - 1;
    else if (atMs >= b.endMs) lo = mid + 1;
    else return mid;
  }
  return -1;
}
