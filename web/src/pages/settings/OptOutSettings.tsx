import { useEffect, useState } from 'react';
import { api } from '../../lib/api.ts';
import { useSaveForm } from '../../lib/use-save-form.ts';
import { useApi } from '../../lib/use-api.ts';
import { Button, ErrorBlock, FormError, Spinner, TextAreaField } from '../../lib/ui/index.ts';

interface OptSettings {
  stopKeywords: string[];
  startKeywords: string[];
  stopReply: string;
  startReply: string;
}

const lines = (s: string) => [...new Set(s.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean))];

/** STOP/START keywords (whole messages, any language) and the confirmations sent back. */
export function OptOutSettings() {
  const current = useApi((signal) => api.get<OptSettings>('/api/v1/contacts/opt-settings', undefined, signal), []);
  const [stop, setStop] = useState('');
  const [start, setStart] = useState('');
  const [stopReply, setStopReply] = useState('');
  const [startReply, setStartReply] = useState('');
  const { error, saving, submit } = useSaveForm('Opt-out settings saved');
  useEffect(() => {
    if (!current.data) return;
    setStop(current.data.stopKeywords.join('\n'));
    setStart(current.data.startKeywords.join('\n'));
    setStopReply(current.data.stopReply);
    setStartReply(current.data.startReply);
  }, [current.data]);

  async function save() {
    current.setData(await api.put<OptSettings>('/api/v1/contacts/opt-settings', { stopKeywords: lines(stop), startKeywords: lines(start), stopReply, startReply }));
  }

  if (current.error) return <ErrorBlock message={current.error} onRetry={current.reload} />;
  if (!current.data) return <Spinner />;
  return (
    <form className="card stack" onSubmit={(e) => void submit(e, save)} aria-labelledby="optout-title">
      <h2 id="optout-title">Opt-out keywords</h2>
      <p className="muted">A customer message that is exactly one of these words (any case) opts them out of, or back into, marketing messages. Utility and authentication messages still go.</p>
      <div className="form-row">
        <TextAreaField label="Opt-out keywords" hint="One per line" rows={6} value={stop} onChange={(e) => setStop(e.target.value)} />
        <TextAreaField label="Opt-in keywords" hint="One per line" rows={6} value={start} onChange={(e) => setStart(e.target.value)} />
      </div>
      <TextAreaField label="Reply to an opt-out" hint="Leave empty to send no confirmation" rows={2} value={stopReply} onChange={(e) => setStopReply(e.target.value)} />
      <TextAreaField label="Reply to an opt-in" hint="Leave empty to send no confirmation" rows={2} value={startReply} onChange={(e) => setStartReply(e.target.value)} />
      <FormError message={error} />
      <div className="actions">
        <Button type="submit" busy={saving}>
          Save
        </Button>
      </div>
    </form>
  );
}
