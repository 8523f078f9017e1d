import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, PageHeader, Spinner, Table, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';
import { usePoll } from '../analytics/use-poll.ts';
import { qualityTone, statusTone, type Template, type TemplateComponent } from './types.ts';
import { WhatsAppPreview, type PreviewMessage } from './WhatsAppPreview.tsx';

interface TemplateEvent {
  event: string;
  status: string;
  reason: string | null;
  qualityScore: string | null;
  at: string;
}

/** The stored definition as the phone would show it, variables filled with their examples. */
export function previewOf(components: TemplateComponent[]): PreviewMessage {
  const find = (type: string) => components.find((c) => c.type.toUpperCase() === type);
  const header = find('HEADER');
  const body = find('BODY');
  const footer = find('FOOTER');
  const buttons = find('BUTTONS')?.buttons ?? [];
  const fill = (text: string | undefined, examples: unknown) => {
    if (!text) return '';
    const list = Array.isArray(examples) ? (Array.isArray(examples[0]) ? (examples[0] as unknown[]) : examples) : [];
    const named = new Map<string, string>();
    if (Array.isArray(examples)) for (const e of examples) if (e && typeof e === 'object' && 'param_name' in e) named.set(String((e as { param_name: unknown }).param_name), String((e as { example?: unknown }).example ?? ''));
    return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (all, v: string) => {
      if (named.has(v)) return named.get(v)!;
      const i = Number(v) - 1;
      return Number.isInteger(i) && typeof list[i] === 'string' ? (list[i] as string) : all;
    });
  };
  const ex = (c: TemplateComponent | undefined, key: string) => (c?.example as Record<string, unknown> | undefined)?.[key] ?? (c?.example as Record<string, unknown> | undefined)?.[`${key}_named_params`];
  const format = String(header?.format ?? 'TEXT').toUpperCase();
  return {
    header: header && format === 'TEXT' ? fill(header.text, ex(header, 'header_text')) : null,
    headerMedia: header && format !== 'TEXT' ? `[${format.toLowerCase()}]` : null,
    body: fill(body?.text, ex(body, 'body_text')),
    footer: footer?.text ?? null,
    buttons: buttons.map((b) => ({ type: String(b.type), text: String(b.text ?? (b.type === 'COPY_CODE' ? 'Copy offer code' : '')) })),
  };
}

/** One template: status (followed live while Meta reviews it), quality, rejection reason, preview, history. */
export function TemplateDetail({ id }: { id: string }) {
  const session = useSignedIn();
  const toast = useToast();
  const [, navigate] = useLocation();
  const t = useApi((signal) => api.get<Template>(`/api/v1/templates/${id}`, undefined, signal), [id]);
  const events = useApi((signal) => api.get<{ data: TemplateEvent[] }>(`/api/v1/templates/${id}/events`, undefined, signal), [id]);
  const [deleting, setDeleting] = useState(false);
  const reviewing = t.data?.status === 'PENDING' || t.data?.status === 'IN_APPEAL';
  usePoll(
    () => {
      t.reload();
      events.reload();
    },
    1500,
    reviewing,
  );

  async function remove() {
    if (!t.data || !window.confirm(`Delete the template ${t.data.name} (${t.data.language}) in Meta?`)) return;
    setDeleting(true);
    try {
      await api.delete(`/api/v1/templates/${id}`);
      toast.show('Template deleted', 'success');
      navigate('/templates');
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    } finally {
      setDeleting(false);
    }
  }

  if (t.error && !t.data) return <ErrorBlock message={t.error} onRetry={t.reload} />;
  if (!t.data) return <Spinner label="Loading the template…" />;
  const tpl = t.data;
  const eventColumns: Column<TemplateEvent>[] = [
    { key: 'at', header: 'When', render: (e) => fmtDateTime(e.at) },
    { key: 'event', header: 'Event', render: (e) => e.event },
    { key: 'status', header: 'Status', render: (e) => e.status },
    { key: 'reason', header: 'Reason', render: (e) => e.reason ?? '—' },
  ];
  return (
    <>
      <PageHeader title={tpl.name}>
        <Link href="/templates">Back to templates</Link>
        {hasRole(session.role, 'admin') && tpl.status !== 'DELETED' && (
          <Button variant="danger" busy={deleting} onClick={() => void remove()}>
            Delete
          </Button>
        )}
      </PageHeader>
      <div className="split">
        <div className="stack">
          <dl className="facts card">
            <div>
              <dt>Status</dt>
              <dd data-testid="template-status" aria-live="polite">
                <Badge tone={statusTone(tpl.status)}>{tpl.status.toLowerCase()}</Badge>
                {reviewing && <span className="muted small"> Meta is reviewing it; this page updates by itself.</span>}
              </dd>
            </div>
            <div>
              <dt>Quality</dt>
              <dd>{tpl.qualityScore ? <Badge tone={qualityTone(tpl.qualityScore)}>{tpl.qualityScore.toLowerCase()}</Badge> : '—'}</dd>
            </div>
            <div>
              <dt>Language</dt>
              <dd>{tpl.language}</dd>
            </div>
            <div>
              <dt>Category</dt>
              <dd>{tpl.category.toLowerCase()}</dd>
            </div>
            {tpl.rejectedReason && tpl.rejectedReason !== 'NONE' && (
              <div>
                <dt>Rejected because</dt>
                <dd>
                  {tpl.rejectedReason}
                  {tpl.rejectionInfo?.recommendation ? ` — ${tpl.rejectionInfo.recommendation}` : ''}
                </dd>
              </div>
            )}
            <div>
              <dt>Meta id</dt>
              <dd className="mono">{tpl.providerTemplateId ?? '—'}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>{fmtDateTime(tpl.updatedAt)}</dd>
            </div>
          </dl>
          <Table caption="Review history" columns={eventColumns} rows={events.data?.data ?? []} rowKey={(e) => `${e.at}-${e.event}-${e.status}`} empty="No events from Meta yet." />
        </div>
        <aside aria-label="Preview" className="preview-col">
          <h2 className="small-heading">Preview (with the example values)</h2>
          <WhatsAppPreview message={previewOf(tpl.components)} />
        </aside>
      </div>
    </>
  );
}
