/** Short time for a list row: 14:05 today, "Mon" this week, else 3 Nov. */
export function shortTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const d = new Date(iso);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  if (sameDay) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (now - d.getTime() < 6 * 86_400_000) return d.toLocaleDateString([], { weekday: 'short' });
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
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
