import { useEffect, useState } from 'react';
import { api } from '../../lib/api.ts';
import { useSaveForm } from '../../lib/use-save-form.ts';
import { useApi } from '../../lib/use-api.ts';
import { Button, ErrorBlock, FormError, Spinner, TextAreaField, TextField } from '../../lib/ui/index.ts';

type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAYS: { key: Day; label: string }[] = [
  { key: 'mon', label: 'Monday' },
  { key: 'tue', label: 'Tuesday' },
  { key: 'wed', label: 'Wednesday' },
  { key: 'thu', label: 'Thursday' },
  { key: 'fri', label: 'Friday' },
  { key: 'sat', label: 'Saturday' },
  { key: 'sun', label: 'Sunday' },
];

interface Interval {
  open: string;
  close: string;
}
interface InboxSettings {
  defaultTeamId: string | null;
  businessHours: { enabled: boolean; timeZone: string | null; days: Partial<Record<Day, Interval[]>> };
  outOfHours: { enabled: boolean; message: string | null; cooldownMinutes: number };
}

/** Business hours per weekday (one open interval a day here; the API takes several) and the out-of-hours auto-reply. */
export function BusinessHoursSettings() {
  const current = useApi((signal) => api.get<InboxSettings>('/api/v1/inbox/settings', undefined, signal), []);
  const [enabled, setEnabled] = useState(false);
  const [timeZone, setTimeZone] = useState('');
  const [days, setDays] = useState<Record<Day, { on: boolean; open: string; close: string; extra: number }>>(() =>
    Object.fromEntries(DAYS.map((d) => [d.key, { on: false, open: '09:00', close: '18:00', extra: 0 }])) as Record<Day, { on: boolean; open: string; close: string; extra: number }>,
  );
  const [ooh, setOoh] = useState({ enabled: false, message: '', cooldown: '720' });
  const { error, saving, submit } = useSaveForm('Business hours saved');

  useEffect(() => {
    const s = current.data;
    if (!s) return;
    setEnabled(s.businessHours.enabled);
    setTimeZone(s.businessHours.timeZone ?? '');
    setDays(
      Object.fromEntries(
        DAYS.map((d) => {
          const list = s.businessHours.days[d.key] ?? [];
          return [d.key, { on: list.length > 0, open: list[0]?.open ?? '09:00', close: list[0]?.close ?? '18:00', extra: Math.max(0, list.length - 1) }];
        }),
      ) as Record<Day, { on: boolean; open: string; close: string; extra: number }>,
    );
    setOoh({ enabled: s.outOfHours.enabled, message: s.outOfHours.message ?? '', cooldown: String(s.outOfHours.cooldownMinutes) });
  }, [current.data]);

  async function save() {
    const keep = current.data?.businessHours.days ?? {};
    const body = {
      businessHours: {
        enabled,
        timeZone: timeZone.trim() || null,
        days: Object.fromEntries(DAYS.map((d) => [d.key, days[d.key].on ? [{ open: days[d.key].open, close: days[d.key].close }, ...(keep[d.key] ?? []).slice(1)] : []])),
      },
      outOfHours: { enabled: ooh.enabled, message: ooh.message.trim() || null, cooldownMinutes: Number(ooh.cooldown) || 0 },
    };
    current.setData(await api.patch<InboxSettings>('/api/v1/inbox/settings', body));
  }

  if (current.error) return <ErrorBlock message={current.error} onRetry={current.reload} />;
  if (!current.data) return <Spinner />;
  return (
    <form className="card stack" onSubmit={(e) => void submit(e, save)} aria-labelledby="hours-title">
      <h2 id="hours-title">Business hours</h2>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Use business hours (outside them, new chats get the out-of-hours reply)
      </label>
      <TextField label="Time zone" hint="IANA name such as Asia/Kolkata; empty: the workspace's" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
      <fieldset className="hours">
        <legend>Open hours</legend>
        {DAYS.map((d) => {
          const v = days[d.key];
          const set = (patch: Partial<typeof v>) => setDays((old) => ({ ...old, [d.key]: { ...old[d.key], ...patch } }));
          return (
            <div key={d.key} className="hours-row">
              <label className="check">
                <input type="checkbox" checked={v.on} onChange={(e) => set({ on: e.target.checked })} /> {d.label}
              </label>
              <label>
                <span className="visually-hidden">{d.label} opens</span>
                <input className="input" type="time" value={v.open} disabled={!v.on} onChange={(e) => set({ open: e.target.value })} />
              </label>
              <span aria-hidden="true">–</span>
              <label>
                <span className="visually-hidden">{d.label} closes</span>
                <input className="input" type="time" value={v.close} disabled={!v.on} onChange={(e) => set({ close: e.target.value })} />
              </label>
              {v.extra > 0 && <span className="muted small">+{v.extra} more interval(s) kept</span>}
            </div>
          );
        })}
      </fieldset>
      <h3>Out-of-hours reply</h3>
      <label className="check">
        <input type="checkbox" checked={ooh.enabled} onChange={(e) => setOoh({ ...ooh, enabled: e.target.checked })} /> Send an automatic reply outside business hours
      </label>
      <TextAreaField label="Reply text" rows={3} value={ooh.message} onChange={(e) => setOoh({ ...ooh, message: e.target.value })} />
      <TextField label="At most once per conversation every (minutes)" inputMode="numeric" value={ooh.cooldown} onChange={(e) => setOoh({ ...ooh, cooldown: e.target.value })} />
      <FormError message={error} />
      <div className="actions">
        <Button type="submit" busy={saving}>
          Save
        </Button>
      </div>
    </form>
  );
}
