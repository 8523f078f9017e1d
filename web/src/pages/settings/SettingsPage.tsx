import { Redirect, Route, Switch } from 'wouter';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { PageHeader } from '../../lib/ui/index.ts';
import { SubNav } from '../analytics/SubNav.tsx';
import { ApiKeysSettings } from './ApiKeysSettings.tsx';
import { BusinessHoursSettings } from './BusinessHoursSettings.tsx';
import { NumbersSettings } from './NumbersSettings.tsx';
import { OptOutSettings } from './OptOutSettings.tsx';
import { TeamsSettings } from './TeamsSettings.tsx';
import { WorkspaceSettings } from './WorkspaceSettings.tsx';
import { UsersSettings } from './UsersSettings.tsx';
import { WebhookDeliveries } from './WebhookDeliveries.tsx';
import { WebhooksSettings } from './WebhooksSettings.tsx';
import '../analytics/pages.css';

const SECTIONS = [
  { href: '/settings/workspace', label: 'Workspace' },
  { href: '/settings/numbers', label: 'Numbers' },
  { href: '/settings/api-keys', label: 'API keys' },
  { href: '/settings/webhooks', label: 'Webhooks' },
  { href: '/settings/users', label: 'Users and roles' },
  { href: '/settings/teams', label: 'Teams' },
  { href: '/settings/business-hours', label: 'Business hours' },
  { href: '/settings/opt-out', label: 'Opt-out keywords' },
];

/** Settings: workspace (name, time zone), numbers, API keys, webhook endpoints (with delivery log and replay), users, teams, business hours, opt-out keywords. */
export function SettingsPage() {
  const session = useSignedIn();
  if (!hasRole(session.role, 'admin')) {
    return (
      <div className="d2-page">
        <PageHeader title="Settings" />
        <p className="note">Settings are for admins and owners.</p>
      </div>
    );
  }
  return (
    <div className="d2-page">
      <PageHeader title="Settings" />
      <SubNav label="Settings sections" items={SECTIONS} />
      <Switch>
        <Route path="/settings/workspace" component={WorkspaceSettings} />
        <Route path="/settings/numbers" component={NumbersSettings} />
        <Route path="/settings/api-keys" component={ApiKeysSettings} />
        <Route path="/settings/webhooks/:id">{(p: { id: string }) => <WebhookDeliveries endpointId={p.id} />}</Route>
        <Route path="/settings/webhooks" component={WebhooksSettings} />
        <Route path="/settings/users" component={UsersSettings} />
        <Route path="/settings/teams" component={TeamsSettings} />
        <Route path="/settings/business-hours" component={BusinessHoursSettings} />
        <Route path="/settings/opt-out" component={OptOutSettings} />
        <Route>
          <Redirect to="/settings/numbers" replace />
        </Route>
      </Switch>
    </div>
  );
}

export default SettingsPage;
