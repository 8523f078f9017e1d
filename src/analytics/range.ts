import { AppError } from '../platform/errors.ts';
import { buckets, isTimeZone, localDate, parseLocalDate, type Bucket, type Granularity } from './time-buckets.ts';

export interface ReportRange {
  timeZone: string;
  granularity: Granularity;
  from: string;
  to: string;
  buckets: Bucket[];
  /** UTC ms, inclusive / exclusive. */
  startMs: number;
  endMs: number;
}

const MAX_DAYS = { day: 400, hour: 31 } as const;
const DEFAULT_DAYS = 30;

const fmt = (d: { y: number; m: number; d: number }) => `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;

/**
 * A report's period: local dates `from`–`to` inclusive in the workspace's zone (default: the
 * last 30 days up to today), cut into days or hours. Bounded so one request stays cheap.
 */
export function reportRange(query: { from?: string | undefined; to?: string | undefined; granularity?: string | undefined }, timeZone: string, nowMs: number): ReportRange {
  if (!isTimeZone(timeZone)) throw new AppError('internal', `The workspace's time zone "${timeZone}" is not an IANA zone`);
  const granularity: Granularity = query.granularity === 'hour' ? 'hour' : 'day';
  const today = localDate(timeZone, nowMs);
  const to = query.to ? parseLocalDate(query.to, 'to') : today;
  let from: { y: number; m: number; d: number };
  if (query.from) from = parseLocalDate(query.from, 'from');
  else {
    const t = new Date(Date.UTC(to.y, to.m - 1, to.d - (granularity === 'hour' ? 0 : DEFAULT_DAYS - 1)));
    from = { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
  }
  const days = (Date.UTC(to.y, to.m - 1, to.d) - Date.UTC(from.y, from.m - 1, from.d)) / 86_400_000 + 1;
  if (days < 1) throw new AppError('validation_failed', '`from` must not be after `to`', [{ field: 'from', message: 'is after to' }]);
  if (days > MAX_DAYS[granularity]) throw new AppError('validation_failed', `At most ${MAX_DAYS[granularity]} days by ${granularity}`, [{ field: 'to', message: 'range too long' }]);
  const list = buckets(timeZone, from, to, granularity);
  return { timeZone, granularity, from: fmt(from), to: fmt(to), buckets: list, startMs: list[0]!.startMs, endMs: list[list.length - 1]!.endMs };
}

/** A ratio rounded to 4 decimals, or null when nothing was counted below it. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}
