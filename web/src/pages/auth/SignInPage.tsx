import { useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { HOME } from '../../app/routes.tsx';
import { api, errorMessage } from '../../lib/api.ts';
import { useSession, type SessionInfo } from '../../lib/session.tsx';
import { Button, FormError, TextField } from '../../lib/ui/index.ts';
import { AuthCard, safeNext } from './AuthCard.tsx';

export default function SignInPage() {
  const { status, signedIn } = useSession();
  const search = useSearch();
  const [, navigate] = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const next = safeNext(search, HOME);

  if (status === 'signed-in') {
    queueMicrotask(() => navigate(next, { replace: true }));
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const s = await api.post<SessionInfo>('/api/v1/auth/sign-in', { email: email.trim(), password });
      signedIn(s);
      navigate(next, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Sign in" onSubmit={submit}>
      <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError message={error} />
      <Button type="submit" busy={busy} className="btn-block">
        Sign in
      </Button>
      <p className="auth-links">
        <Link href="/forgot-password">Forgot your password?</Link>
      </p>
    </AuthCard>
  );
}
