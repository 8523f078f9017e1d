import { useEffect, useState } from 'react';
import { api } from '../../lib/api.ts';
import { useSaveForm } from '../../lib/use-save-form.ts';
import { useSession } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Button, ErrorBlock, FormError, Spinner, TextField } from '../../lib/ui/index.ts';

interface Workspace {
  id: string;
  name: string;
  plan: string;
  timeZone: string;
}

/** Every IANA zone the browser knows, for the time-zone suggestions (older browsers: none, typing still works). */
function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** The workspace's name and IANA time zone (reports, schedules and business hours are in it). */
export function WorkspaceSettings() {
  const { refresh } = useSession();
  const current = useApi((signal) => api.get<Workspace>('/api/v1/workspace', undefined, signal), []);
  const [name, setName] = useState('');
  const [timeZone, setTimeZone] = useState('');
  const { error, saving, submit } = useSaveForm('Workspace saved');
  const [zoneList] = useState(zones);

  useEffect(() => {
    if (!current.data) return;
    setName(current.data.name);
    setTimeZone(current.data.timeZone);
  }, [current.data]);

  async function save() {
    current.setData(await api.patch<Workspace>('/api/v1/workspace', { name: name.trim(), timeZone: timeZone.trim() }));
    await refresh(); // the header shows the workspace's name
  }

  if (current.error) return <ErrorBlock message={current.error} onRetry={current.reload} />;
  if (!current.data) return <Spinner />;
  return (
    <form className="card stack" onSubmit={(e) => void submit(e, save)} aria-labelledby="workspace-title">
      <h2 id="workspace-title">Workspace</h2>
      <TextField label="Name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      <TextField
        label="Time zone"
        hint="An IANA name such as Asia/Kolkata. Analytics days, campaign schedules and business hours use it."
        required
        list="time-zones"
        value={timeZone}
        onChange={(e) => setTimeZone(e.target.value)}
      />
      <datalist id="time-zones">
        {zoneList.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <p className="muted small">Plan: {current.data.plan}</p>
      <FormError message={error} />
      <div className="actions">
        <Button type="submit" busy={saving}>
          Save
        </Button>
      </div>
    </form>
  );
}
