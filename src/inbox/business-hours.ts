import { AppError } from '../platform/errors.ts';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/** Opening intervals per weekday in the workspace's time zone ("09:00"–"18:00"; "24:00" ends a day). */
export interface BusinessHours {
  enabled: boolean;
  /** IANA zone; null: the workspace's time zone. */
  timeZone: string | null;
  days: Partial<Record<Day, { open: string; close: string }[]>>;
}

export const ALWAYS_OPEN: BusinessHours = { enabled: false, timeZone: null, days: {} };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Checks a schedule; an interval must close after it opens (split overnight hours over two days). */
export function checkBusinessHours(hours: BusinessHours): void {
  for (const [day, intervals] of Object.entries(hours.days)) {
    if (!(DAYS as readonly string[]).includes(day)) throw new AppError('validation_failed', `businessHours.days: unknown day "${day}" (use ${DAYS.join(', ')})`);
    for (const i of intervals ?? []) {
      if (!HHMM.test(i.open) || !HHMM.test(i.close)) throw new AppError('validation_failed', `businessHours.days.${day}: times are HH:MM from 00:00 to 24:00`);
      if (minutes(i.close) <= minutes(i.open)) throw new AppError('validation_failed', `businessHours.days.${day}: ${i.open}–${i.close} closes before it opens; split hours past midnight over two days`);
    }
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minute of the day at `nowMs` in `timeZone`. */
export function localTime(nowMs: number, timeZone: string): { day: Day; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(nowMs)).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).slice(0, 3).toLowerCase() as Day;
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Whether the business is open at `nowMs`. A disabled schedule is always open. */
export function isOpenAt(hours: BusinessHours, workspaceTimeZone: string, nowMs: number): boolean {
  if (!hours.enabled) return true;
  const { day, minute } = localTime(nowMs, hours.timeZone ?? workspaceTimeZone);
  return (hours.days[day] ?? []).some((i) => minute >= minutes(i.open) && minute < minutes(i.close));
}
