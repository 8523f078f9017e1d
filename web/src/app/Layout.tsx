import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { hasRole, useSession } from '../lib/session.tsx';
import { navHref, routes } from './routes.tsx';

/** The signed-in frame: navigation (a sidebar on a laptop, a top strip on a phone) and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { session, instance, signOut } = useSession();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const sandbox = instance?.sandbox ?? false;
  const items = routes.filter((r) => r.nav && r.access !== 'public' && hasRole(session?.role, r.access) && (!r.sandboxOnly || sandbox));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-top">
        <Link href="/inbox" className="brand" aria-label="Samvad home">
          <Logo />
          <span className="brand-name">Samvad</span>
        </Link>
        <span className="shell-workspace" data-testid="workspace-name">
          {session?.workspace.name}
        </span>
        {instance && (
          <span className={sandbox ? 'badge badge-amber' : 'badge badge-green'} data-testid="mode">
            {sandbox ? 'Sandbox' : 'Live'}
          </span>
        )}
        <div className="user-menu">
          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={menuOpen} aria-controls="user-menu" onClick={() => setMenuOpen((o) => !o)}>
            <span className="avatar" aria-hidden="true">
              {initials(session?.user.name ?? '')}
            </span>
            <span className="user-name">{session?.user.name}</span>
          </button>
          {menuOpen && (
            <div id="user-menu" className="menu">
              <p className="menu-meta">
                {session?.user.email}
                <br />
                <span className="muted">{session?.role}</span>
              </p>
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      <nav className="shell-nav" aria-label="Main">
        <ul>
          {items.map((r) => {
            const href = navHref(r);
            const current = location === href || location.startsWith(href + '/');
            return (
              <li key={r.path}>
                <Link href={href} className={current ? 'nav-link active' : 'nav-link'} aria-current={current ? 'page' : undefined}>
                  {r.nav}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" className="shell-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((p) => p[0]!.toUpperCase())
      .join('') || '?'
  );
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path d="M9 10h14a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-8l-5 4v-4H9a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2z" fill="#fff" />
    </svg>
  );
}
