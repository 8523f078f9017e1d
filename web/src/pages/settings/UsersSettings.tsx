import { useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, FormError, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';

interface Member {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'agent';
  available: boolean;
  active: boolean;
  createdAt: string;
}

interface Invitation {
  id: string;
  email: string | null;
  role: string;
  kind: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

/** Members with their roles (change, deactivate, remove) and invitations (invite by email; the link is shown since there is no mail server). */
export function UsersSettings() {
  const session = useSignedIn();
  const toast = useToast();
  const isOwner = hasRole(session.role, 'owner');
  const members = useApi((signal) => api.get<{ data: Member[] }>('/api/v1/users', undefined, signal), []);
  const invitations = useApi((signal) => api.get<{ data: Invitation[] }>('/api/v1/invitations', undefined, signal), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('agent');
  const [link, setLink] = useState<{ email: string; link: string } | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function change(m: Member, patch: Partial<Pick<Member, 'role' | 'active' | 'available'>>) {
    try {
      await api.patch(`/api/v1/users/${m.id}`, patch);
      members.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
      members.reload();
    }
  }

  async function remove(m: Member) {
    if (!window.confirm(`Remove ${m.name} (${m.email}) from the workspace?`)) return;
    try {
      await api.delete(`/api/v1/users/${m.id}`);
      members.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  async function invite(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<{ invitation: Invitation; link: string }>('/api/v1/invitations', { email: email.trim(), role });
      setLink({ email: email.trim(), link: r.link });
      setEmail('');
      invitations.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(i: Invitation) {
    try {
      await api.delete(`/api/v1/invitations/${i.id}`);
      invitations.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  const roleOptions = [...(isOwner ? [{ value: 'owner', label: 'Owner' }] : []), { value: 'admin', label: 'Admin' }, { value: 'agent', label: 'Agent' }];
  const memberColumns: Column<Member>[] = [
    {
      key: 'who',
      header: 'Person',
      render: (m) => (
        <span className="stack-tight">
          <strong>{m.name}</strong>
          <span className="muted small">{m.email}</span>
        </span>
      ),
    },
    {
      key: 'role',
      header: 'Role',
      render: (m) =>
        m.id === session.user.id || (m.role === 'owner' && !isOwner) ? (
          m.role
        ) : (
          <select className="input" aria-label={`Role of ${m.name}`} value={m.role} onChange={(e) => void change(m, { role: e.target.value as Member['role'] })}>
            {(m.role === 'owner' && !isOwner ? [{ value: 'owner', label: 'Owner' }, ...roleOptions] : roleOptions).map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        ),
    },
    { key: 'available', header: 'Takes new chats', render: (m) => (m.available ? 'yes' : 'no') },
    { key: 'active', header: 'State', render: (m) => (m.active ? <Badge tone="green">active</Badge> : <Badge tone="red">deactivated</Badge>) },
    {
      key: 'actions',
      header: 'Actions',
      render: (m) =>
        m.id === session.user.id ? (
          <span className="muted">you</span>
        ) : (
          <span className="row-wrap">
            <Button size="sm" variant="secondary" onClick={() => void change(m, { active: !m.active })} aria-label={`${m.active ? 'Deactivate' : 'Reactivate'} ${m.name}`}>
              {m.active ? 'Deactivate' : 'Reactivate'}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => void remove(m)} aria-label={`Remove ${m.name}`}>
              Remove
            </Button>
          </span>
        ),
    },
  ];
  const pending = (invitations.data?.data ?? []).filter((i) => !i.acceptedAt && !i.revokedAt && i.kind === 'invite');
  const inviteColumns: Column<Invitation>[] = [
    { key: 'email', header: 'Email', render: (i) => i.email ?? '—' },
    { key: 'role', header: 'Role', render: (i) => i.role },
    { key: 'expires', header: 'Expires', render: (i) => fmtDateTime(i.expiresAt) },
    {
      key: 'actions',
      header: 'Actions',
      render: (i) => (
        <Button size="sm" variant="ghost" onClick={() => void revoke(i)} aria-label={`Revoke the invitation of ${i.email ?? ''}`}>
          Revoke
        </Button>
      ),
    },
  ];

  return (
    <div className="stack">
      <section className="stack" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <p className="muted">Owners manage everything including owners; admins manage settings, templates and campaigns; agents work in the inbox.</p>
        {members.error && <ErrorBlock message={members.error} onRetry={members.reload} />}
        {members.loading && !members.data ? <Spinner /> : <Table caption="Members" hideCaption columns={memberColumns} rows={members.data?.data ?? []} rowKey={(m) => m.id} />}
      </section>
      <section className="stack" aria-labelledby="invite-title">
        <h2 id="invite-title">Invite someone</h2>
        <form className="card form-row align-end" onSubmit={(e) => void invite(e)}>
          <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} options={roleOptions} />
          <Button type="submit" busy={busy} disabled={!email.trim()}>
            Invite
          </Button>
        </form>
        <FormError message={error} />
        {link && (
          <div className="card secret-box" role="status">
            <p>
              Send this link to <strong>{link.email}</strong> (valid 7 days, once). There is no mail server configured, so Samvad does not email it.
            </p>
            <code className="mono secret break">{link.link}</code>
          </div>
        )}
        {pending.length > 0 && <Table caption="Pending invitations" columns={inviteColumns} rows={pending} rowKey={(i) => i.id} />}
      </section>
    </div>
  );
}
