import { useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, FormError, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';

interface ApiKey {
  id: string;
  name: string;
  role: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

/** API keys: create (the secret is shown once), list with role and hint, revoke. */
export function ApiKeysSettings() {
  const session = useSignedIn();
  const toast = useToast();
  const keys = useApi((signal) => api.get<{ data: ApiKey[] }>('/api/v1/api-keys', undefined, signal), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('admin');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const k = await api.post<ApiKey & { key: string }>('/api/v1/api-keys', { name: name.trim() || undefined, role });
      setCreated({ name: k.name, key: k.key });
      setName('');
      keys.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(k: ApiKey) {
    if (!window.confirm(`Revoke the key “${k.name}”? Integrations using it stop working at once.`)) return;
    try {
      await api.delete(`/api/v1/api-keys/${k.id}`);
      keys.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  const columns: Column<ApiKey>[] = [
    { key: 'name', header: 'Name', render: (k) => k.name },
    { key: 'role', header: 'Role', render: (k) => k.role },
    { key: 'hint', header: 'Key', render: (k) => <span className="mono">{k.hint}</span> },
    { key: 'created', header: 'Created', render: (k) => fmtDateTime(k.createdAt) },
    { key: 'state', header: 'State', render: (k) => (k.revokedAt ? <Badge tone="red">revoked</Badge> : <Badge tone="green">active</Badge>) },
    {
      key: 'actions',
      header: 'Actions',
      render: (k) =>
        k.revokedAt ? null : (
          <Button size="sm" variant="ghost" onClick={() => void revoke(k)} aria-label={`Revoke key ${k.name}`}>
            Revoke
          </Button>
        ),
    },
  ];
  const roles = [...(hasRole(session.role, 'owner') ? [{ value: 'owner', label: 'Owner' }] : []), { value: 'admin', label: 'Admin' }, { value: 'agent', label: 'Agent' }];

  return (
    <section className="stack" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted">
        Send a key as <span className="mono">Authorization: Basic &lt;key&gt;</span> to the Interakt-compatible API (<span className="mono">/v1/public</span>) and the native API (<span className="mono">/api/v1</span>). A key
        carries a role, like a person.
      </p>
      <form className="card form-row align-end" onSubmit={(e) => void create(e)}>
        <TextField label="Key name" placeholder="Shopify integration" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} options={roles} />
        <Button type="submit" busy={busy}>
          Create key
        </Button>
      </form>
      <FormError message={error} />
      {created && (
        <div className="card secret-box" role="status">
          <p>
            <strong>{created.name}</strong>: copy this key now — it is not shown again.
          </p>
          <code className="mono secret" data-testid="new-api-key">
            {created.key}
          </code>
          <div className="actions">
            <Button size="sm" variant="secondary" onClick={() => void navigator.clipboard?.writeText(created.key).then(() => toast.show('Copied', 'success'))}>
              Copy
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </div>
      )}
      {keys.error && <ErrorBlock message={keys.error} onRetry={keys.reload} />}
      {keys.loading && !keys.data ? <Spinner /> : <Table caption="API keys" hideCaption columns={columns} rows={keys.data?.data ?? []} rowKey={(k) => k.id} />}
    </section>
  );
}
