import { useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, PageHeader, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';
import { useDebounced } from '../analytics/use-debounced.ts';
import { CreateTemplate } from './CreateTemplate.tsx';
import { TemplateDetail } from './TemplateDetail.tsx';
import { qualityTone, statusTone, type Template } from './types.ts';
import '../analytics/pages.css';

/** Templates: the list (/templates), create (/templates/new) and one template (/templates/:id). */
export function TemplatesPage() {
  return (
    <div className="d2-page">
      <Switch>
        <Route path="/templates/new" component={CreateTemplate} />
        <Route path="/templates/:id">{(params: { id: string }) => <TemplateDetail id={params.id} />}</Route>
        <Route component={TemplateList} />
      </Switch>
    </div>
  );
}

const STATUSES = ['', 'APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'DELETED'];

function TemplateList() {
  const session = useSignedIn();
  const isAdmin = hasRole(session.role, 'admin');
  const toast = useToast();
  const [, navigate] = useLocation();
  const [status, setStatus] = useState('');
  const [name, setName] = useState('');
  const q = useDebounced(name.trim(), 300);
  const [syncing, setSyncing] = useState(false);
  const list = useApi((signal) => api.get<{ total: number; data: Template[] }>('/api/v1/templates', { status, name: q }, signal), [status, q]);

  async function sync() {
    setSyncing(true);
    try {
      const r = await api.post<{ upserted: number; removed: number; total: number }>('/api/v1/templates/sync', {});
      toast.show(`Synced from Meta: ${r.total} templates (${r.upserted} updated, ${r.removed} removed)`, 'success');
      list.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    } finally {
      setSyncing(false);
    }
  }

  const columns: Column<Template>[] = [
    { key: 'name', header: 'Name', render: (t) => <Link href={`/templates/${t.id}`}>{t.name}</Link> },
    { key: 'lang', header: 'Language', render: (t) => t.language },
    { key: 'cat', header: 'Category', render: (t) => t.category.toLowerCase() },
    {
      key: 'status',
      header: 'Status',
      render: (t) => (
        <span className="stack-tight">
          <Badge tone={statusTone(t.status)}>{t.status.toLowerCase()}</Badge>
          {t.rejectedReason && t.rejectedReason !== 'NONE' && <span className="muted small">{t.rejectedReason}</span>}
        </span>
      ),
    },
    { key: 'quality', header: 'Quality', render: (t) => (t.qualityScore ? <Badge tone={qualityTone(t.qualityScore)}>{t.qualityScore.toLowerCase()}</Badge> : <span className="muted">—</span>) },
    { key: 'updated', header: 'Updated', render: (t) => fmtDateTime(t.updatedAt) },
  ];

  return (
    <>
      <PageHeader title="Templates">
        {isAdmin && (
          <>
            <Button variant="secondary" busy={syncing} onClick={() => void sync()}>
              Sync from Meta
            </Button>
            <Button onClick={() => navigate('/templates/new')}>New template</Button>
          </>
        )}
      </PageHeader>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Name" type="search" value={name} onChange={(e) => setName(e.target.value)} />
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)} options={STATUSES.map((s) => ({ value: s, label: s ? s.toLowerCase() : 'any (not deleted)' }))} />
      </form>
      {list.error && <ErrorBlock message={list.error} onRetry={list.reload} />}
      {list.loading && !list.data ? <Spinner label="Loading templates…" /> : <Table caption={`Templates (${list.data?.total ?? 0})`} hideCaption columns={columns} rows={list.data?.data ?? []} rowKey={(t) => t.id} empty="No templates match." />}
    </>
  );
}

export default TemplatesPage;
