import { useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, Dialog, ErrorBlock, FormError, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';

interface Team {
  id: string;
  name: string;
  autoAssign: boolean;
  maxOpenPerAgent: number | null;
  memberIds: string[];
}
interface Member {
  id: string;
  name: string;
  email: string;
  active: boolean;
  available: boolean;
}
interface InboxSettings {
  defaultTeamId: string | null;
}

type Draft = { id?: string; name: string; autoAssign: boolean; cap: string; memberIds: string[] };
const empty = (): Draft => ({ name: '', autoAssign: true, cap: '', memberIds: [] });

/**
 * Teams: members, round-robin auto-assignment with a per-agent cap of open conversations, and
 * which team new conversations go to (the inbox's default team).
 */
export function TeamsSettings() {
  const toast = useToast();
  const teams = useApi((signal) => api.get<{ data: Team[] }>('/api/v1/teams', undefined, signal), []);
  const members = useApi((signal) => api.get<{ data: Member[] }>('/api/v1/users', undefined, signal), []);
  const settings = useApi((signal) => api.get<InboxSettings>('/api/v1/inbox/settings', undefined, signal), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const nameOf = (id: string) => members.data?.data.find((m) => m.id === id)?.name ?? 'Former member';

  async function save(e: React.FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    const cap = draft.cap.trim();
    if (cap !== '' && !/^[1-9][0-9]*$/.test(cap)) {
      setError('The cap is a whole number of open conversations (or empty for no cap).');
      setBusy(false);
      return;
    }
    const body = { name: draft.name.trim(), autoAssign: draft.autoAssign, maxOpenPerAgent: cap === '' ? null : Number(cap), memberIds: draft.memberIds };
    try {
      if (draft.id) await api.patch(`/api/v1/teams/${draft.id}`, body);
      else await api.post('/api/v1/teams', body);
      toast.show(draft.id ? 'Team saved' : `Team ${body.name} created`, 'success');
      setDraft(null);
      teams.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(t: Team) {
    if (!window.confirm(`Delete the team ${t.name}? Its conversations keep their assignee.`)) return;
    try {
      await api.delete(`/api/v1/teams/${t.id}`);
      teams.reload();
      settings.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  async function setDefault(teamId: string) {
    try {
      settings.setData(await api.patch<InboxSettings>('/api/v1/inbox/settings', { defaultTeamId: teamId || null }));
      toast.show(teamId ? 'New conversations now go to that team' : 'New conversations stay unassigned', 'success');
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  const columns: Column<Team>[] = [
    { key: 'name', header: 'Team', render: (t) => <strong>{t.name}</strong> },
    { key: 'members', header: 'Members', render: (t) => (t.memberIds.length ? t.memberIds.map(nameOf).join(', ') : <span className="muted">None</span>) },
    {
      key: 'auto',
      header: 'Auto-assignment',
      render: (t) => (t.autoAssign ? <Badge tone="green">Round robin{t.maxOpenPerAgent ? `, at most ${t.maxOpenPerAgent} open each` : ''}</Badge> : <Badge>Off</Badge>),
    },
    {
      key: 'actions',
      header: 'Actions',
      render: (t) => (
        <span className="row-wrap">
          <Button size="sm" variant="secondary" onClick={() => setDraft({ id: t.id, name: t.name, autoAssign: t.autoAssign, cap: t.maxOpenPerAgent ? String(t.maxOpenPerAgent) : '', memberIds: t.memberIds })}>
            Edit<span className="visually-hidden"> {t.name}</span>
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void remove(t)}>
            Delete<span className="visually-hidden"> {t.name}</span>
          </Button>
        </span>
      ),
    },
  ];

  if (teams.error) return <ErrorBlock message={teams.error} onRetry={teams.reload} />;
  if (!teams.data || !members.data || !settings.data) return <Spinner />;
  const list = teams.data.data;
  return (
    <div className="stack">
      <section className="card stack" aria-labelledby="teams-title">
        <div className="section-head">
          <h2 id="teams-title">Teams</h2>
          <Button
            onClick={() => {
              setError(undefined);
              setDraft(empty());
            }}
          >
            New team
          </Button>
        </div>
        <Table caption="Teams" hideCaption columns={columns} rows={list} rowKey={(t) => t.id} empty="No teams yet. A team shares conversations among its members, round robin." />
      </section>
      <section className="card stack" aria-labelledby="routing-title">
        <h2 id="routing-title">New conversations</h2>
        <SelectField
          label="Go to team"
          hint="A new (or reopened, unassigned) conversation goes to this team, and round robin to its next available member under the cap; when nobody is, it waits unassigned in the team."
          value={settings.data.defaultTeamId ?? ''}
          onChange={(e) => void setDefault(e.target.value)}
          options={[{ value: '', label: 'No team (stay unassigned)' }, ...list.map((t) => ({ value: t.id, label: t.name }))]}
        />
      </section>
      {draft && (
        <Dialog open title={draft.id ? 'Edit team' : 'New team'} onClose={() => setDraft(null)}>
          <form className="stack" onSubmit={(e) => void save(e)}>
            <TextField label="Team name" required maxLength={100} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
            <fieldset className="stack">
              <legend>Members</legend>
              {members.data.data
                .filter((m) => m.active)
                .map((m) => (
                  <label key={m.id} className="check">
                    <input
                      type="checkbox"
                      checked={draft.memberIds.includes(m.id)}
                      onChange={(e) => setDraft({ ...draft, memberIds: e.target.checked ? [...draft.memberIds, m.id] : draft.memberIds.filter((x) => x !== m.id) })}
                    />{' '}
                    {m.name} <span className="muted small">{m.email}</span>
                  </label>
                ))}
            </fieldset>
            <label className="check">
              <input type="checkbox" checked={draft.autoAssign} onChange={(e) => setDraft({ ...draft, autoAssign: e.target.checked })} /> Assign new conversations round robin to available members
            </label>
            <TextField
              label="At most this many open conversations per agent"
              hint="Members at the cap are skipped; empty: no cap."
              inputMode="numeric"
              value={draft.cap}
              disabled={!draft.autoAssign}
              onChange={(e) => setDraft({ ...draft, cap: e.target.value })}
            />
            <FormError message={error} />
            <div className="actions">
              <Button type="button" variant="secondary" onClick={() => setDraft(null)}>
                Cancel
              </Button>
              <Button type="submit" busy={busy}>
                {draft.id ? 'Save team' : 'Create team'}
              </Button>
            </div>
          </form>
        </Dialog>
      )}
    </div>
  );
}
