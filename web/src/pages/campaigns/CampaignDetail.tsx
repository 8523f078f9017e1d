import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, PageHeader, ProgressBar, SelectField, Spinner, Table, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime, fmtDuration, fmtInt, fmtMoney, fmtPct } from '../analytics/format.ts';
import { Funnel } from '../analytics/Funnel.tsx';
import { usePoll } from '../analytics/use-poll.ts';
import { campaignTone, doneCount, RETARGET_STATES, type Campaign, type CampaignProgress, type Recipient } from './types.ts';

type FailureRow = CampaignProgress['failed']['byReason'][number];

/**
 * One campaign, followed live: a progress bar of recipients settled with the ETA, the funnel
 * sent → delivered → read → clicked → converted, failures and skips by reason, and the actions
 * (start, pause, resume, cancel, retry the failed, retarget a group of its recipients).
 */
export function CampaignDetail({ id }: { id: string }) {
  const session = useSignedIn();
  const isAdmin = hasRole(session.role, 'admin');
  const toast = useToast();
  const [, navigate] = useLocation();
  const c = useApi((signal) => api.get<Campaign>(`/api/v1/campaigns/${id}`, undefined, signal), [id]);
  const recipients = useApi((signal) => api.get<{ data: Recipient[] }>(`/api/v1/campaigns/${id}/recipients`, { limit: 50 }, signal), [id]);
  const [busy, setBusy] = useState<string | null>(null);
  const [retargetState, setRetargetState] = useState<string>('delivered_not_read');
  const live = c.data?.status === 'running' || c.data?.status === 'scheduled';
  usePoll(
    () => {
      c.reload();
      recipients.reload();
    },
    1000,
    live,
  );

  async function act(action: 'start' | 'pause' | 'resume' | 'cancel' | 'retry-failed') {
    if (action === 'cancel' && !window.confirm('Cancel this campaign? Recipients not sent yet will not get it. This cannot be undone.')) return;
    setBusy(action);
    try {
      const r = await api.post<Campaign & { retry?: { retried?: number; notRetryable?: number } }>(`/api/v1/campaigns/${id}/${action}`, action === 'start' ? { startAt: 'now' } : undefined);
      c.setData(r);
      if (action === 'retry-failed') toast.show(`Retrying ${fmtInt(r.retry?.retried ?? 0)} failed recipients`, 'success');
      recipients.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    if (!window.confirm('Delete this campaign?')) return;
    try {
      await api.delete(`/api/v1/campaigns/${id}`);
      navigate('/campaigns');
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  if (c.error && !c.data) return <ErrorBlock message={c.error} onRetry={c.reload} />;
  if (!c.data) return <Spinner label="Loading the campaign…" />;
  const camp = c.data;
  const p = camp.progress;
  const status = camp.status;

  const failureColumns: Column<FailureRow>[] = [
    { key: 'reason', header: 'Reason', render: (r) => r.reason },
    { key: 'code', header: 'Meta code', render: (r) => (r.code === null ? '—' : String(r.code)) },
    { key: 'count', header: 'Recipients', numeric: true, render: (r) => fmtInt(r.count) },
    { key: 'retry', header: 'Retryable', render: (r) => (r.retryable ? 'yes' : 'no') },
  ];
  const recipientColumns: Column<Recipient>[] = [
    { key: 'phone', header: 'Phone', render: (r) => <span className="mono">+{r.phone}</span> },
    { key: 'state', header: 'State', render: (r) => r.state },
    { key: 'status', header: 'Message', render: (r) => r.messageStatus ?? r.skipReason ?? '—' },
    { key: 'error', header: 'Error', render: (r) => (r.error ? `${r.errorCode ?? ''} ${r.error}` : '—') },
  ];

  const total = p ? Math.max(p.recipients, camp.recipientCount) : 0;
  const done = p ? doneCount(p) : 0;
  const retryable = p?.failed.byReason.filter((f) => f.retryable).reduce((n, f) => n + f.count, 0) ?? 0;

  return (
    <>
      <PageHeader title={camp.name}>
        <Link href="/campaigns">Back to campaigns</Link>
      </PageHeader>
      <div className="stack">
        <div className="card stack">
          <p className="row-wrap">
            <Badge tone={campaignTone(status)}>
              <span data-testid="campaign-status">{status}</span>
            </Badge>
            <span>
              {camp.type} · template <strong>{camp.templateName}</strong> ({camp.languageCode}) · audience: {camp.audience.kind}
            </span>
            {camp.statusReason && <span className="muted">({camp.statusReason})</span>}
          </p>
          {p && (
            <>
              <ProgressBar label="Campaign progress" value={done} max={Math.max(1, total)} />
              <p aria-live="polite" data-testid="campaign-progress-text">
                {status === 'draft'
                  ? 'Not started.'
                  : status === 'scheduled'
                    ? `Scheduled for ${fmtDateTime(camp.scheduledAt)}.`
                    : `${fmtInt(done)} of ${fmtInt(total)} recipients done (${fmtPct(done, total)})${p.audienceFrozen ? '' : ', audience still being prepared'}.`}
                {status === 'running' && p.eta.remaining > 0 && (
                  <>
                    {' '}
                    About {fmtDuration(p.eta.seconds)} left at {fmtInt(Math.round(p.eta.ratePerSecond))}/s
                    {p.eta.finishesAt ? `, finishing around ${fmtDateTime(p.eta.finishesAt)}` : ''}
                    {p.eta.limitedBy === 'messaging_limit' ? " (held back by the number's daily messaging limit)" : ''}.
                  </>
                )}
                {status === 'completed' && ` Completed ${fmtDateTime(camp.completedAt)}.`}
              </p>
            </>
          )}
          {isAdmin && (
            <div className="actions">
              {status === 'draft' && (
                <Button busy={busy === 'start'} onClick={() => void act('start')}>
                  Start now
                </Button>
              )}
              {status === 'running' && (
                <Button variant="secondary" busy={busy === 'pause'} onClick={() => void act('pause')}>
                  Pause
                </Button>
              )}
              {status === 'paused' && (
                <Button busy={busy === 'resume'} onClick={() => void act('resume')}>
                  Resume
                </Button>
              )}
              {(status === 'running' || status === 'paused' || status === 'scheduled') && (
                <Button variant="danger" busy={busy === 'cancel'} onClick={() => void act('cancel')}>
                  Cancel campaign
                </Button>
              )}
              {(status === 'draft' || status === 'scheduled') && (
                <Button variant="ghost" onClick={() => void remove()}>
                  Delete
                </Button>
              )}
            </div>
          )}
        </div>

        {p && (
          <>
            <dl className="stats" aria-label="Campaign counts">
              {(
                [
                  ['Recipients', fmtInt(total)],
                  ['Queued', fmtInt(p.pending + p.queued)],
                  ['Sent', fmtInt(p.sent)],
                  ['Delivered', fmtInt(p.delivered)],
                  ['Read', fmtInt(p.read)],
                  ['Replied', fmtInt(p.replied)],
                  ['Failed', fmtInt(p.failed.total)],
                  ['Skipped', fmtInt(p.skipped.total)],
                  ['Cost', fmtMoney(p.cost.amountMicros, p.cost.currency)],
                ] as const
              ).map(([k, v]) => (
                <div key={k} className="stat">
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
            <div className="card">
              <Funnel
                title="Funnel"
                steps={[
                  { label: 'Sent', value: p.sent },
                  { label: 'Delivered', value: p.delivered },
                  { label: 'Read', value: p.read },
                  { label: 'Clicked', value: p.clicked },
                  { label: 'Converted', value: p.converted },
                ]}
              />
              {p.conversion ? (
                <p className="muted small">
                  Converted: did “{p.conversion.event}” within {p.conversion.windowHours} h of the message.
                </p>
              ) : (
                <p className="muted small">No conversion event was set for this campaign, so nothing counts as converted.</p>
              )}
            </div>
            <section className="card stack" aria-labelledby="failures-title">
              <h2 id="failures-title">Failures by reason</h2>
              <Table caption="Failures by reason" hideCaption columns={failureColumns} rows={p.failed.byReason} rowKey={(r) => `${r.code}-${r.reason}`} empty="No failures." />
              {Object.keys(p.skipped.byReason).length > 0 && (
                <p>
                  Skipped:{' '}
                  {Object.entries(p.skipped.byReason)
                    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmtInt(v)}`)
                    .join(' · ')}
                </p>
              )}
              {isAdmin && (
                <div className="actions">
                  <Button variant="secondary" disabled={retryable === 0 || status === 'cancelled' || status === 'draft'} busy={busy === 'retry-failed'} onClick={() => void act('retry-failed')}>
                    Retry failed ({fmtInt(retryable)} retryable)
                  </Button>
                </div>
              )}
            </section>
            {isAdmin && camp.type === 'Broadcast' && status !== 'draft' && (
              <section className="card stack" aria-labelledby="retarget-title">
                <h2 id="retarget-title">Retarget</h2>
                <p className="muted">Send another template to a group of this campaign's recipients.</p>
                <div className="form-row align-end">
                  <SelectField label="Recipients who" options={RETARGET_STATES.map((s) => ({ value: s.value, label: s.label }))} value={retargetState} onChange={(e) => setRetargetState(e.target.value)} />
                  <Button onClick={() => navigate(`/campaigns/new?retarget=${encodeURIComponent(camp.id)}&state=${encodeURIComponent(retargetState)}`)}>Create retargeting campaign</Button>
                </div>
              </section>
            )}
          </>
        )}
        <Table caption="Recipients (first 50)" columns={recipientColumns} rows={recipients.data?.data ?? []} rowKey={(r) => String(r.seq)} empty="No recipients yet." />
      </div>
    </>
  );
}
