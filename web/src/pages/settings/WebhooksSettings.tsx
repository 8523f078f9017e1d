import { useState } from 'react';
import { Link } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, FormError, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';

export interface Endpoint {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  disabledReason: string | null;
  failingSince: number | null;
  description: string | null;
  createdAt: number;
}

/** Webhook endpoints: create (secret shown once), enable/disable, delete; each links to its delivery log. */
export function WebhooksSettings() {
  const toast = useToast();
  const endpoints = useApi((signal) => api.get<{ data: Endpoint[] }>('/api/v1/webhooks/endpoints', undefined, signal), []);
  const types = useApi((signal) => api.get<{ data: { type: string; description: string }[] }>('/api/v1/webhooks/event-types', undefined, signal), []);
  const notices = useApi((signal) => api.get<{ data: { id?: string; message?: string; [k: string]: unknown }[] }>('/api/v1/webhooks/notices', undefined, signal), []);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const ep = await api.post<Endpoint & { secret: string }>('/api/v1/webhooks/endpoints', { url: url.trim(), events: chosen, ...(description.trim() ? { description: description.trim() } : {}) });
      setSecret({ url: ep.url, secret: ep.secret });
      setUrl('');
      setDescription('');
      setChosen([]);
      endpoints.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function change(ep: Endpoint, what: 'toggle' | 'delete') {
    try {
      if (what === 'delete') {
        if (!window.confirm(`Delete the endpoint ${ep.url} and its pending deliveries?`)) return;
        await api.delete(`/api/v1/webhooks/endpoints/${ep.id}`);
      } else await api.patch(`/api/v1/webhooks/endpoints/${ep.id}`, { status: ep.status === 'active' ? 'disabled' : 'active' });
      endpoints.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  const columns: Column<Endpoint>[] = [
    {
      key: 'url',
      header: 'URL',
      render: (ep) => (
        <span className="stack-tight">
          <Link href={`/settings/webhooks/${ep.id}`} className="break">
            {ep.url}
          </Link>
          {ep.description && <span className="muted small">{ep.description}</span>}
        </span>
      ),
    },
    { key: 'events', header: 'Events', render: (ep) => (ep.events.length ? ep.events.join(', ') : 'all') },
    {
      key: 'status',
      header: 'Status',
      render: (ep) => (
        <span className="stack-tight">
          <Badge tone={ep.status === 'active' ? (ep.failingSince ? 'amber' : 'green') : 'red'}>{ep.status === 'active' && ep.failingSince ? 'failing' : ep.status}</Badge>
          {ep.disabledReason && <span className="muted small">{ep.disabledReason}</span>}
        </span>
      ),
    },
    { key: 'created', header: 'Created', render: (ep) => fmtDateTime(ep.createdAt) },
    {
      key: 'actions',
      header: 'Actions',
      render: (ep) => (
        <span className="row-wrap">
          <Link href={`/settings/webhooks/${ep.id}`} aria-label={`Delivery log of ${ep.url}`}>
            Delivery log
          </Link>
          <Button size="sm" variant="secondary" onClick={() => void change(ep, 'toggle')} aria-label={`${ep.status === 'active' ? 'Disable' : 'Enable'} ${ep.url}`}>
            {ep.status === 'active' ? 'Disable' : 'Enable'}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void change(ep, 'delete')} aria-label={`Delete ${ep.url}`}>
            Delete
          </Button>
        </span>
      ),
    },
  ];

  return (
    <section className="stack" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhook endpoints</h2>
      <p className="muted">Samvad POSTs each event in Interakt's format, signed with the endpoint's secret (Interakt-Signature), retried for up to three days.</p>
      {notices.data && notices.data.data.length > 0 && (
        <div className="note" role="status">
          {notices.data.data.map((n, i) => (
            <p key={n.id ?? i}>{String(n.message ?? JSON.stringify(n))}</p>
          ))}
        </div>
      )}
      <form className="card stack" onSubmit={(e) => void create(e)}>
        <h3>Add an endpoint</h3>
        <div className="form-row">
          <TextField label="URL" type="url" placeholder="https://example.com/samvad" value={url} onChange={(e) => setUrl(e.target.value)} required />
          <TextField label="Description (optional)" value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <fieldset className="checks">
          <legend>Events (none chosen: all)</legend>
          {types.data?.data.map((t) => (
            <label key={t.type} className="check" title={t.description}>
              <input type="checkbox" checked={chosen.includes(t.type)} onChange={(e) => setChosen((old) => (e.target.checked ? [...old, t.type] : old.filter((x) => x !== t.type)))} /> {t.type}
            </label>
          ))}
        </fieldset>
        <FormError message={error} />
        <div className="actions">
          <Button type="submit" busy={busy} disabled={!url.trim()}>
            Add endpoint
          </Button>
        </div>
      </form>
      {secret && (
        <div className="card secret-box" role="status">
          <p>
            Signing secret of <strong className="break">{secret.url}</strong> — copy it now, it is not shown again:
          </p>
          <code className="mono secret">{secret.secret}</code>
          <div className="actions">
            <Button size="sm" variant="ghost" onClick={() => setSecret(null)}>
              Done
            </Button>
          </div>
        </div>
      )}
      {endpoints.error && <ErrorBlock message={endpoints.error} onRetry={endpoints.reload} />}
      {endpoints.loading && !endpoints.data ? <Spinner /> : <Table caption="Webhook endpoints" hideCaption columns={columns} rows={endpoints.data?.data ?? []} rowKey={(ep) => ep.id} empty="No endpoints yet." />}
    </section>
  );
}
