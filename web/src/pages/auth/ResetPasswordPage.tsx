import { useState, type FormEvent } from 'react';
import { Link, useSearch } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { Button, FormError, TextField } from '../../lib/ui/index.ts';
import { AuthCard, PASSWORD_HINT } from './AuthCard.tsx';

export default function ResetPasswordPage() {
  const token = new URLSearchParams(useSearch()).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/v1/auth/password-reset/complete', { token, password });
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Choose a new password" onSubmit={submit}>
      {done ? (
        <p role="status" className="note">
          Your password is changed and every session of your account has ended. <Link href="/sign-in">Sign in</Link> with the new password.
        </p>
      ) : (
        <>
          {!token && <FormError message="This link has no token. Ask for a new reset link." />}
          <TextField label="New password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} value={password} onChange={(e) => setPassword(e.target.value)} required />
          <TextField label="Repeat the new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
          <FormError message={error} />
          <Button type="submit" busy={busy} disabled={!token} className="btn-block">
            Set password
          </Button>
        </>
      )}
    </AuthCard>
  );
}
