import { AppError } from '../platform/errors.ts';

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Offset of a time zone from UTC at an instant, in ms (Asia/Kolkata: +5.5 h). */
function offsetMs(timeZone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * A start time: an ISO instant with a zone ("2026-03-01T04:30:00Z", "+05:30"), or a wall-clock
 * time without one ("2026-03-01T10:00"), read in the workspace's IANA time zone (DST-aware: the
 * offset is taken at that wall time).
 */
export function parseStartTime(input: string, timeZone: string, field = 'startAt'): number {
  const local = LOCAL_RE.exec(input.trim());
  if (local) {
    const [, y, mo, d, h, mi, s] = local;
    const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
    // Two passes settle the offset around a DST change.
    let t = wall - offsetMs(timeZone, wall);
    t = wall - offsetMs(timeZone, t);
    return t;
  }
  const ms = Date.parse(input);
  if (!Number.isFinite(ms) || !/\d{4}-\d{2}-\d{2}T/.test(input)) {
    throw new AppError('validation_failed', `${field} must be "now", an ISO time with a zone ("2026-03-01T04:30:00Z") or a wall-clock time in the workspace's time zone ("2026-03-01T10:00")`, [{ field, message: 'is not a time' }]);
  }
  return ms;
}
