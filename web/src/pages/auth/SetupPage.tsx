import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { HOME } from '../../app/routes.tsx';
import { api, errorMessage } from '../../lib/api.ts';
import { useSession, type SessionInfo } from '../../lib/session.tsx';
import { Button, FormError, TextField } from '../../lib/ui/index.ts';
import { AuthCard, PASSWORD_HINT } from './AuthCard.tsx';

/** The one-time link printed at first start: creates the workspace's first owner. */
export default function SetupPage() {
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const { signedIn } = useSession();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await api.post<SessionInfo>('/api/v1/auth/setup', { token, name: name.trim() || undefined, email: email.trim(), password });
      signedIn(s);
      navigate(HOME, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Create the owner account" intro={<p>This one-time link sets up the first person who manages this Samvad workspace.</p>} onSubmit={submit}>
      {!token && <FormError message="This link has no token. Use the link Samvad printed at start." />}
      <TextField label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <TextField label="Password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError message={error} />
      <Button type="submit" busy={busy} disabled={!token} className="btn-block">
        Create account
      </Button>
    </AuthCard>
  );
}
