/** Number, percent, money and time formatting shared by the dashboard's pages (en-IN grouping). */

const int = new Intl.NumberFormat('en-IN');

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : int.format(n);
}

/** `part` of `whole` as "42.5 %" (or "—" when there is no whole). */
export function fmtPct(part: number, whole: number): string {
  if (!whole) return '—';
  return `${((part / whole) * 100).toFixed(part === whole || part === 0 ? 0 : 1)} %`;
}

/** A 0..1 rate as a percent. */
export function fmtRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(1)} %`;
}

/** Money from micros (what the cost ledger stores). */
export function fmtMoney(micros: number, currency: string | null | undefined): string {
  const value = micros / 1_000_000;
  if (!currency) return value.toFixed(2);
  try {
    return new Intl.NumberFormat('en-IN', { style: 'currency', currency, maximumFractionDigits: 2 }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

/** An ISO time or milliseconds since the epoch, in the browser's (or the given) time zone. */
export function fmtDateTime(iso: string | number | null | undefined, timeZone?: string): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString('en-IN', { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });
}

/** "3 min 20 s", "1 h 5 min", "12 s". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.round(h / 24)} days`;
}
