import { useState } from 'react';
import { api } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Chart, ErrorBlock, PageHeader, SelectField, Spinner, Table, TextField, type Column } from '../../lib/ui/index.ts';
import { fmtDuration, fmtInt, fmtMoney, fmtRate } from './format.ts';
import { Funnel } from './Funnel.tsx';
import './pages.css';

type Rate = number | null;
interface Counts {
  accepted: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  received: number;
  deliveryRate: Rate;
  readRate: Rate;
}
interface MessagesReport {
  timeZone: string;
  from: string;
  to: string;
  granularity: string;
  totals: Counts;
  buckets: (Counts & { start: string })[];
}
interface ConversationsReport {
  totals: { started: number; opened: number; closed: number; billedByCategory: Record<string, number> };
  buckets: { start: string; started: number; opened: number; closed: number }[];
}
interface CostLine {
  category: string;
  market: string;
  currency: string;
  messages: number;
  amountMicros: number;
}
interface CostsReport {
  totals: { byCurrency: { currency: string; amountMicros: number }[]; lines: CostLine[] };
}
interface Durations {
  count: number;
  averageSeconds: number | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}
interface AgentRow {
  agent: { id: string; name: string | null; email: string | null } | null;
  conversationsOpened: number;
  awaitingFirstResponse: number;
  firstResponse: Durations;
  resolution: Durations;
}
interface AgentsReport {
  totals: Omit<AgentRow, 'agent'>;
  agents: AgentRow[];
}
interface CampaignFunnel {
  campaignId: string;
  name: string;
  status: string;
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  converted: number;
  failed: number;
}
interface CampaignsReport {
  totals: { sent: number; delivered: number; read: number; clicked: number; converted: number; failed: number };
  campaigns: CampaignFunnel[];
  truncated: boolean;
}

/**
 * The date (YYYY-MM-DD) at `d` in the workspace's zone, which the reports are cut in: the
 * browser's own date differs around midnight (01:30 in Kolkata is still yesterday in UTC), and a
 * default range ending on the browser's date would leave out the workspace's today.
 */
function localDate(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** A bucket's label: "26 Nov" by day, "26 Nov 14:00" by hour (the server cut buckets in the workspace's zone; the start carries its offset). */
function bucketLabel(start: string, granularity: string): string {
  const date = start.slice(0, 10);
  const [y, m, d] = date.split('-').map(Number);
  const month = new Date(Date.UTC(y!, m! - 1, d!)).toLocaleString('en-IN', { month: 'short', timeZone: 'UTC' });
  return granularity === 'hour' ? `${d} ${month} ${start.slice(11, 16)}` : `${d} ${month}`;
}

function sumBy<T>(rows: T[], key: (r: T) => string, value: (r: T) => number): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + value(r));
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

/**
 * Analytics in the workspace's time zone: messages and conversations over time, delivery and read
 * rates, cost by category and market, agents' response times and campaign funnels — as charts,
 * each with its numbers in a table for screen readers.
 */
export function AnalyticsPage() {
  const session = useSignedIn();
  const isAdmin = hasRole(session.role, 'admin');
  const zone = session.workspace.timeZone;
  const [to, setTo] = useState(() => localDate(new Date(), zone));
  const [from, setFrom] = useState(() => localDate(new Date(Date.now() - 29 * 86400_000), zone));
  const [granularity, setGranularity] = useState<'day' | 'hour'>('day');
  // Message filters the API takes (numberId, source); the campaign filter picks one funnel.
  const [numberId, setNumberId] = useState('');
  const [source, setSource] = useState('');
  const [campaignId, setCampaignId] = useState('');
  const q = { from, to, granularity };
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const key = JSON.stringify(q);
  const numbers = useApi((signal) => api.get<{ data: { id: string; displayPhoneNumber: string; verifiedName: string | null }[] }>('/api/v1/numbers', undefined, signal), []);
  const messages = useApi(
    (signal) => (valid ? api.get<MessagesReport>('/api/v1/analytics/messages', { ...q, numberId: numberId || undefined, source: source || undefined }, signal) : Promise.reject(new Error('Choose a valid range.'))),
    [key, numberId, source],
  );
  const conversations = useApi((signal) => (valid ? api.get<ConversationsReport>('/api/v1/analytics/conversations', q, signal) : Promise.reject(new Error('Choose a valid range.'))), [key]);
  const campaigns = useApi((signal) => (valid ? api.get<CampaignsReport>('/api/v1/analytics/campaigns', { from, to }, signal) : Promise.reject(new Error('Choose a valid range.'))), [key]);
  const costs = useApi((signal) => (valid && isAdmin ? api.get<CostsReport>('/api/v1/analytics/costs', q, signal) : Promise.resolve(undefined)), [key, isAdmin]);
  const agents = useApi((signal) => (valid && isAdmin ? api.get<AgentsReport>('/api/v1/analytics/agents', { from, to }, signal) : Promise.resolve(undefined)), [key, isAdmin]);
  const oneFunnel = useApi((signal) => (campaignId ? api.get<CampaignFunnel>(`/api/v1/analytics/campaigns/${encodeURIComponent(campaignId)}/funnel`, undefined, signal) : Promise.resolve(undefined)), [campaignId]);

  const m = messages.data;
  const labels = m ? m.buckets.map((b) => bucketLabel(b.start, m.granularity)) : [];
  const currency = costs.data?.totals.byCurrency[0]?.currency ?? null;
  const costLines = (costs.data?.totals.lines ?? []).filter((l) => !currency || l.currency === currency);
  const byCategory = sumBy(costLines, (l) => l.category, (l) => l.amountMicros);
  const byMarket = sumBy(costLines, (l) => l.market, (l) => l.amountMicros).slice(0, 10);
  const agentRows = (agents.data?.agents ?? []).filter((a) => a.agent);
  const agentName = (a: AgentRow) => a.agent?.name ?? a.agent?.email ?? 'Unassigned';

  const campaignColumns: Column<CampaignFunnel>[] = [
    { key: 'name', header: 'Campaign', render: (c) => <a href={`/campaigns/${c.campaignId}`}>{c.name}</a> },
    { key: 'sent', header: 'Sent', numeric: true, render: (c) => fmtInt(c.sent) },
    { key: 'delivered', header: 'Delivered', numeric: true, render: (c) => fmtInt(c.delivered) },
    { key: 'read', header: 'Read', numeric: true, render: (c) => fmtInt(c.read) },
    { key: 'clicked', header: 'Clicked', numeric: true, render: (c) => fmtInt(c.clicked) },
    { key: 'converted', header: 'Converted', numeric: true, render: (c) => fmtInt(c.converted) },
    { key: 'failed', header: 'Failed', numeric: true, render: (c) => fmtInt(c.failed) },
  ];
  const agentColumns: Column<AgentRow>[] = [
    { key: 'agent', header: 'Agent', render: agentName },
    { key: 'opened', header: 'Conversations', numeric: true, render: (a) => fmtInt(a.conversationsOpened) },
    { key: 'waiting', header: 'Awaiting reply', numeric: true, render: (a) => fmtInt(a.awaitingFirstResponse) },
    { key: 'median', header: 'Median first response', numeric: true, render: (a) => fmtDuration(a.firstResponse.medianSeconds) },
    { key: 'p90', header: '90th percentile', numeric: true, render: (a) => fmtDuration(a.firstResponse.p90Seconds) },
    { key: 'resolution', header: 'Median resolution', numeric: true, render: (a) => fmtDuration(a.resolution.medianSeconds) },
  ];

  return (
    <div className="d2-page">
      <PageHeader title="Analytics" />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        <SelectField
          label="By"
          value={granularity}
          onChange={(e) => setGranularity(e.target.value as 'day' | 'hour')}
          options={[
            { value: 'day', label: 'Day' },
            { value: 'hour', label: 'Hour (up to 31 days)' },
          ]}
        />
        <SelectField
          label="Number"
          value={numberId}
          onChange={(e) => setNumberId(e.target.value)}
          options={[{ value: '', label: 'All numbers' }, ...(numbers.data?.data ?? []).map((n) => ({ value: n.id, label: `+${n.displayPhoneNumber.replace(/^\+/, '')}${n.verifiedName ? ` (${n.verifiedName})` : ''}` }))]}
        />
        <SelectField
          label="Sent by"
          value={source}
          onChange={(e) => setSource(e.target.value)}
          options={[
            { value: '', label: 'Everyone' },
            { value: 'api', label: 'The API' },
            { value: 'campaign', label: 'Campaigns' },
            { value: 'agent', label: 'Agents' },
            { value: 'automation', label: 'Automations' },
          ]}
        />
        <SelectField
          label="Campaign"
          hint="Its funnel, under Campaigns"
          value={campaignId}
          onChange={(e) => setCampaignId(e.target.value)}
          options={[{ value: '', label: 'All campaigns' }, ...(campaigns.data?.campaigns ?? []).map((c) => ({ value: c.campaignId, label: c.name }))]}
        />
      </form>
      {(numberId || source) && <p className="muted small">Messages are filtered by {[numberId && 'number', source && 'sender'].filter(Boolean).join(' and ')}; received messages count only when the sender is Everyone.</p>}
      {m && <p className="muted small">Times in the workspace's time zone, {m.timeZone}.</p>}

      <section className="card stack" aria-labelledby="messages-title">
        <h2 id="messages-title">Messages</h2>
        {messages.error && <ErrorBlock message={messages.error} onRetry={messages.reload} />}
        {!m ? (
          messages.loading && <Spinner />
        ) : (
          <>
            <dl className="stats">
              {(
                [
                  ['Sent', fmtInt(m.totals.sent)],
                  ['Delivered', fmtInt(m.totals.delivered)],
                  ['Read', fmtInt(m.totals.read)],
                  ['Failed', fmtInt(m.totals.failed)],
                  ['Received', fmtInt(m.totals.received)],
                  ['Delivery rate', fmtRate(m.totals.deliveryRate)],
                  ['Read rate', fmtRate(m.totals.readRate)],
                ] as const
              ).map(([k, v]) => (
                <div key={k} className="stat">
                  <dt>{k}</dt>
                  <dd data-testid={`stat-${k.toLowerCase().replace(/ /g, '-')}`}>{v}</dd>
                </div>
              ))}
            </dl>
            <Chart
              title="Messages over time"
              kind="line"
              labels={labels}
              series={[
                { name: 'Sent', values: m.buckets.map((b) => b.sent) },
                { name: 'Delivered', values: m.buckets.map((b) => b.delivered) },
                { name: 'Read', values: m.buckets.map((b) => b.read) },
                { name: 'Received', values: m.buckets.map((b) => b.received) },
                { name: 'Failed', values: m.buckets.map((b) => b.failed) },
              ]}
            />
            <h3>Delivery and read rates</h3>
            <Chart
              title="Delivery and read rates over time (percent)"
              kind="line"
              labels={labels}
              formatValue={(v) => `${Math.round(v)} %`}
              series={[
                { name: 'Delivery rate', values: m.buckets.map((b) => (b.deliveryRate ?? 0) * 100) },
                { name: 'Read rate', values: m.buckets.map((b) => (b.readRate ?? 0) * 100) },
              ]}
            />
          </>
        )}
      </section>

      <section className="card stack" aria-labelledby="conversations-title">
        <h2 id="conversations-title">Conversations</h2>
        {conversations.error && <ErrorBlock message={conversations.error} onRetry={conversations.reload} />}
        {conversations.data && (
          <>
            <p>
              {fmtInt(conversations.data.totals.started)} started · {fmtInt(conversations.data.totals.opened)} opened in the inbox · {fmtInt(conversations.data.totals.closed)} closed
            </p>
            <Chart
              title="Conversations over time"
              kind="bar"
              labels={conversations.data.buckets.map((b) => bucketLabel(b.start, granularity))}
              series={[
                { name: 'Started', values: conversations.data.buckets.map((b) => b.started) },
                { name: 'Opened', values: conversations.data.buckets.map((b) => b.opened) },
                { name: 'Closed', values: conversations.data.buckets.map((b) => b.closed) },
              ]}
            />
          </>
        )}
      </section>

      {isAdmin && (
        <section className="card stack" aria-labelledby="costs-title">
          <h2 id="costs-title">Cost</h2>
          {costs.error && <ErrorBlock message={costs.error} onRetry={costs.reload} />}
          {costs.data && (
            <>
              <p>
                What Meta charged in the period:{' '}
                <strong>{costs.data.totals.byCurrency.length ? costs.data.totals.byCurrency.map((c) => fmtMoney(c.amountMicros, c.currency)).join(' + ') : fmtMoney(0, null)}</strong>
              </p>
              {byCategory.length === 0 ? (
                <p className="muted">No billed messages in this period.</p>
              ) : (
                <div className="chart-grid">
                  <div>
                    <h3>By category</h3>
                    <Chart title={`Cost by category (${currency ?? ''})`} kind="bar" labels={byCategory.map(([k]) => k)} series={[{ name: 'Cost', values: byCategory.map(([, v]) => v / 1_000_000) }]} formatValue={(v) => v.toFixed(2)} />
                  </div>
                  <div>
                    <h3>By market</h3>
                    <Chart title={`Cost by market (${currency ?? ''})`} kind="bar" labels={byMarket.map(([k]) => k)} series={[{ name: 'Cost', values: byMarket.map(([, v]) => v / 1_000_000) }]} formatValue={(v) => v.toFixed(2)} />
                  </div>
                </div>
              )}
            </>
          )}
        </section>
      )}

      {isAdmin && (
        <section className="card stack" aria-labelledby="agents-title">
          <h2 id="agents-title">Agent response times</h2>
          {agents.error && <ErrorBlock message={agents.error} onRetry={agents.reload} />}
          {agents.data && (
            <>
              <p>
                Median first response {fmtDuration(agents.data.totals.firstResponse.medianSeconds)} over {fmtInt(agents.data.totals.firstResponse.count)} conversations; median resolution{' '}
                {fmtDuration(agents.data.totals.resolution.medianSeconds)}.
              </p>
              {agentRows.length > 0 && (
                <Chart
                  title="Median first response time by agent (minutes)"
                  kind="bar"
                  labels={agentRows.map(agentName)}
                  series={[
                    { name: 'Median', values: agentRows.map((a) => (a.firstResponse.medianSeconds ?? 0) / 60) },
                    { name: '90th percentile', values: agentRows.map((a) => (a.firstResponse.p90Seconds ?? 0) / 60) },
                  ]}
                  formatValue={(v) => `${v.toFixed(1)} min`}
                />
              )}
              <Table caption="Agents" hideCaption columns={agentColumns} rows={agents.data.agents} rowKey={(a) => a.agent?.id ?? 'none'} empty="No conversations handled in this period." />
            </>
          )}
        </section>
      )}

      <section className="card stack" aria-labelledby="campaign-funnels-title">
        <h2 id="campaign-funnels-title">Campaigns</h2>
        {campaigns.error && <ErrorBlock message={campaigns.error} onRetry={campaigns.reload} />}
        {campaigns.data && (
          <>
            {campaignId && oneFunnel.data && (
              <Funnel
                title={`Campaign ${oneFunnel.data.name}`}
                steps={[
                  { label: 'Sent', value: oneFunnel.data.sent },
                  { label: 'Delivered', value: oneFunnel.data.delivered },
                  { label: 'Read', value: oneFunnel.data.read },
                  { label: 'Clicked', value: oneFunnel.data.clicked },
                  { label: 'Converted', value: oneFunnel.data.converted },
                ]}
              />
            )}
            {oneFunnel.error && <ErrorBlock message={oneFunnel.error} onRetry={oneFunnel.reload} />}
            <Funnel
              title="All campaigns started in the period"
              steps={[
                { label: 'Sent', value: campaigns.data.totals.sent },
                { label: 'Delivered', value: campaigns.data.totals.delivered },
                { label: 'Read', value: campaigns.data.totals.read },
                { label: 'Clicked', value: campaigns.data.totals.clicked },
                { label: 'Converted', value: campaigns.data.totals.converted },
              ]}
            />
            <Table caption="Campaign funnels" hideCaption columns={campaignColumns} rows={campaigns.data.campaigns} rowKey={(c) => c.campaignId} empty="No campaigns started in this period." />
            {campaigns.data.truncated && <p className="muted small">Only the newest 100 campaigns are listed.</p>}
          </>
        )}
      </section>
    </div>
  );
}

export default AnalyticsPage;
