import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { HOME } from '../../app/routes.tsx';
import { api, errorMessage } from '../../lib/api.ts';
import { useSession, type SessionInfo } from '../../lib/session.tsx';
import { Button, FormError, TextField } from '../../lib/ui/index.ts';
import { AuthCard, PASSWORD_HINT } from './AuthCard.tsx';

/** An invitation link: creates the account (or joins with an existing account's password). */
export default function InvitePage() {
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const { signedIn } = useSession();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await api.post<SessionInfo>('/api/v1/auth/invitations/accept', { token, name: name.trim() || undefined, password });
      signedIn(s);
      navigate(HOME, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Join the workspace"
      intro={<p>Choose your name and a password. If you already have a Samvad account with this email, enter its password to join.</p>}
      onSubmit={submit}
    >
      {!token && <FormError message="This link has no token. Ask for a new invitation." />}
      <TextField label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      <TextField label="Password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError message={error} />
      <Button type="submit" busy={busy} disabled={!token} className="btn-block">
        Join
      </Button>
    </AuthCard>
  );
}
