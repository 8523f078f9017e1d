import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { Button, FormError, TextField } from '../../lib/ui/index.ts';
import { AuthCard } from './AuthCard.tsx';

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/v1/auth/password-reset', { email: email.trim() });
      setSent(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Reset your password" onSubmit={submit}>
      {sent ? (
        <p role="status" className="note">
          If this email has an account, a reset link has been issued. This server has no mail server configured, so the link is in
          Samvad's log: ask the person who runs it.
        </p>
      ) : (
        <>
          <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <FormError message={error} />
          <Button type="submit" busy={busy} className="btn-block">
            Send reset link
          </Button>
        </>
      )}
      <p className="auth-links">
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
