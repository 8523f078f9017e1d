// One formatter of each kind, made on first use: toLocaleTimeString(…, options) builds a new
// Intl.DateTimeFormat per call, which cost 33–60 ms for the 50 rows of a first inbox render.
let formats: { time: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat; date: Intl.DateTimeFormat } | undefined;
function fmt() {
  return (formats ??= {
    time: new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }),
    weekday: new Intl.DateTimeFormat(undefined, { weekday: 'short' }),
    date: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }),
  });
}

/** Short time for a list row: 14:05 today, "Mon" this week, else 3 Nov. */
export function shortTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const d = new Date(iso);
  const n = new Date(now);
  const sameDay = n.getFullYear() === d.getFullYear() && n.getMonth() === d.getMonth() && n.getDate() === d.getDate();
  if (sameDay) return fmt().time.format(d);
  if (now - d.getTime() < 6 * 86_400_000) return fmt().weekday.format(d);
  return fmt().date.format(d);
}

/** "23h 59m" / "12m" until a moment; null once it has passed. */
export function remaining(untilIso: string | null, now: number): string | null {
  if (!untilIso) return null;
  const ms = new Date(untilIso).getTime() - now;
  if (ms <= 0) return null;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h > 0 ? `${h}h ${m}m` : `${Math.max(1, m)}m`;
}

/** 14:05 (a chat bubble's time), with the shared formatter. */
export function clockTime(iso: string | null | undefined): string {
  return iso ? fmt().time.format(new Date(iso)) : '';
}
