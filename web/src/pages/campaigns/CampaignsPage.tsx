import { Link, Route, Switch, useLocation } from 'wouter';
import { api } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, PageHeader, Spinner, Table, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime, fmtInt } from '../analytics/format.ts';
import { usePoll } from '../analytics/use-poll.ts';
import { CampaignDetail } from './CampaignDetail.tsx';
import { CampaignWizard } from './CampaignWizard.tsx';
import { campaignTone, type Campaign } from './types.ts';
import '../analytics/pages.css';

/** Campaigns: the list (/campaigns), the create wizard (/campaigns/new) and one campaign's live progress (/campaigns/:id). */
export function CampaignsPage() {
  return (
    <div className="d2-page">
      <Switch>
        <Route path="/campaigns/new" component={CampaignWizard} />
        <Route path="/campaigns/:id">{(params: { id: string }) => <CampaignDetail id={params.id} />}</Route>
        <Route component={CampaignList} />
      </Switch>
    </div>
  );
}

function CampaignList() {
  const session = useSignedIn();
  const [, navigate] = useLocation();
  const list = useApi((signal) => api.get<{ data: Campaign[] }>('/api/v1/campaigns', { limit: 200 }, signal), []);
  usePoll(list.reload, 3000, Boolean(list.data?.data.some((c) => c.status === 'running' || c.status === 'scheduled')));
  const columns: Column<Campaign>[] = [
    { key: 'name', header: 'Name', render: (c) => <Link href={`/campaigns/${c.id}`}>{c.name}</Link> },
    { key: 'status', header: 'Status', render: (c) => <Badge tone={campaignTone(c.status)}>{c.status}</Badge> },
    { key: 'type', header: 'Type', render: (c) => c.type },
    { key: 'template', header: 'Template', render: (c) => `${c.templateName} (${c.languageCode})` },
    { key: 'recipients', header: 'Recipients', numeric: true, render: (c) => fmtInt(c.recipientCount) },
    { key: 'when', header: 'Started', render: (c) => (c.startedAt ? fmtDateTime(c.startedAt) : c.scheduledAt ? `scheduled ${fmtDateTime(c.scheduledAt)}` : '—') },
  ];
  return (
    <>
      <PageHeader title="Campaigns">{hasRole(session.role, 'admin') && <Button onClick={() => navigate('/campaigns/new')}>New campaign</Button>}</PageHeader>
      {list.error && <ErrorBlock message={list.error} onRetry={list.reload} />}
      {list.loading && !list.data ? <Spinner label="Loading campaigns…" /> : <Table caption="Campaigns" hideCaption columns={columns} rows={list.data?.data ?? []} rowKey={(c) => c.id} empty="No campaigns yet." />}
    </>
  );
}

export default CampaignsPage;
