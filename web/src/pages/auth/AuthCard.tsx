import type { FormEvent, ReactNode } from 'react';
import { Logo } from '../../app/Layout.tsx';

/** The centred card every signed-out page uses. */
export function AuthCard({ title, intro, children, onSubmit }: { title: string; intro?: ReactNode; children: ReactNode; onSubmit: (e: FormEvent<HTMLFormElement>) => void }) {
  return (
    <main className="auth">
      <div className="auth-brand">
        <Logo />
        <span className="brand-name">Samvad</span>
      </div>
      <form className="auth-card" onSubmit={onSubmit} noValidate>
        <h1>{title}</h1>
        {intro && <div className="auth-intro">{intro}</div>}
        {children}
      </form>
    </main>
  );
}

/** `?next=` only ever points inside the dashboard (never to another site). */
export function safeNext(search: string, fallback: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : fallback;
}

export const PASSWORD_HINT = 'At least 10 characters.';
