import { useState } from 'react';
import { Link } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, Dialog, ErrorBlock, FormError, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';
import type { Endpoint } from './WebhooksSettings.tsx';

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  replayOf: string | null;
  createdAt: number;
}

const tone = (s: string) => (s === 'delivered' ? 'green' : s === 'failed' ? 'red' : 'amber');

/** One endpoint's delivery log (newest first, by status), each delivery's body, and replay: one delivery, or a time range. */
export function WebhookDeliveries({ endpointId }: { endpointId: string }) {
  const toast = useToast();
  const [status, setStatus] = useState('');
  const [next, setNext] = useState<number | null>(null);
  const endpoint = useApi((signal) => api.get<Endpoint>(`/api/v1/webhooks/endpoints/${endpointId}`, undefined, signal), [endpointId]);
  const log = useApi(
    async (signal) => {
      const r = await api.get<{ data: Delivery[]; next: number | null }>(`/api/v1/webhooks/endpoints/${endpointId}/deliveries`, { status }, signal);
      setNext(r.next);
      return r;
    },
    [endpointId, status],
  );
  const [shown, setShown] = useState<(Delivery & { body: unknown }) | null>(null);
  const [since, setSince] = useState('');
  const [scope, setScope] = useState<'failed' | 'all'>('failed');
  const [rangeError, setRangeError] = useState<string>();


  async function redeliver(d: Delivery) {
    try {
      await api.post(`/api/v1/webhooks/deliveries/${d.id}/redeliver`);
      toast.show(`${d.eventType} queued again`, 'success');
      log.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  async function redeliverRange(e: React.FormEvent) {
    e.preventDefault();
    setRangeError(undefined);
    const from = new Date(since).getTime();
    if (!since || Number.isNaN(from)) return setRangeError('Choose the start of the range.');
    try {
      const r = await api.post<{ queued: number }>(`/api/v1/webhooks/endpoints/${endpointId}/redeliver`, { scope, from });
      toast.show(`${r.queued} deliveries queued again`, 'success');
      log.reload();
    } catch (err) {
      setRangeError(errorMessage(err));
    }
  }

  const columns: Column<Delivery>[] = [
    { key: 'at', header: 'Created', render: (d) => fmtDateTime(d.createdAt) },
    { key: 'type', header: 'Event', render: (d) => <span className="mono small">{d.eventType}</span> },
    { key: 'status', header: 'Status', render: (d) => <Badge tone={tone(d.status)}>{d.status}</Badge> },
    { key: 'attempts', header: 'Attempts', numeric: true, render: (d) => String(d.attempts) },
    { key: 'code', header: 'Last answer', render: (d) => (d.lastStatusCode !== null ? String(d.lastStatusCode) : (d.lastError ?? '—')) },
    { key: 'next', header: 'Next attempt', render: (d) => (d.nextAttemptAt ? fmtDateTime(d.nextAttemptAt) : '—') },
    {
      key: 'actions',
      header: 'Actions',
      render: (d) => (
        <span className="row-wrap">
          <Button size="sm" variant="ghost" onClick={() => void api.get<Delivery & { body: unknown }>(`/api/v1/webhooks/deliveries/${d.id}`).then(setShown, (err: unknown) => toast.show(errorMessage(err), 'error'))} aria-label={`Show the body of ${d.eventType} delivery`}>
            Body
          </Button>
          <Button size="sm" variant="secondary" onClick={() => void redeliver(d)} aria-label={`Redeliver ${d.eventType}`}>
            Redeliver
          </Button>
        </span>
      ),
    },
  ];

  return (
    <section className="stack" aria-labelledby="deliveries-title">
      <p>
        <Link href="/settings/webhooks">All endpoints</Link>
      </p>
      <h2 id="deliveries-title" className="break">
        Delivery log{endpoint.data ? `: ${endpoint.data.url}` : ''}
      </h2>
      <div className="form-row align-end">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[
            { value: '', label: 'All' },
            { value: 'pending', label: 'Pending' },
            { value: 'delivered', label: 'Delivered' },
            { value: 'failed', label: 'Failed (dead-lettered)' },
          ]}
        />
        <Button variant="secondary" onClick={log.reload}>
          Refresh
        </Button>
      </div>
      {log.error && <ErrorBlock message={log.error} onRetry={log.reload} />}
      {log.loading && !log.data ? <Spinner /> : <Table caption="Deliveries" hideCaption columns={columns} rows={log.data?.data ?? []} rowKey={(d) => d.id} empty="No deliveries yet." />}
      {next !== null && (
        // Older pages need `before`, an integer query parameter the server refuses as text (it does not coerce query types); filter by status instead.
        <p className="muted small">Showing the newest 50 deliveries; filter by status to see others.</p>
      )}
      <form className="card stack" onSubmit={(e) => void redeliverRange(e)}>
        <h3>Replay a time range</h3>
        <div className="form-row align-end">
          <SelectField
            label="Replay"
            value={scope}
            onChange={(e) => setScope(e.target.value as 'failed' | 'all')}
            options={[
              { value: 'failed', label: 'Failed deliveries' },
              { value: 'all', label: 'Every event (a receiver lost data)' },
            ]}
          />
          <TextField label="Since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
          <Button type="submit">Replay</Button>
        </div>
        <FormError message={rangeError} />
      </form>
      <Dialog open={shown !== null} title={shown ? `${shown.eventType} (${shown.status})` : ''} onClose={() => setShown(null)}>
        {shown && (
          <pre className="code-block" tabIndex={0} aria-label="Delivery body (JSON)">
            {JSON.stringify(shown.body, null, 2)}
          </pre>
        )}
      </Dialog>
    </section>
  );
}
