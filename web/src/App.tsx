import { Suspense, useEffect } from 'react';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { Layout } from './app/Layout.tsx';
import { HOME, routes, type PageRoute } from './app/routes.tsx';
import { hasRole, SessionProvider, useSession } from './lib/session.tsx';
import { Spinner, ToastProvider } from './lib/ui/index.ts';

export function App() {
  return (
    <SessionProvider>
      <ToastProvider>
        <Pages />
      </ToastProvider>
    </SessionProvider>
  );
}

function Pages() {
  const { status } = useSession();
  if (status === 'loading') return <Spinner label="Loading Samvad…" />;
  return (
    <Switch>
      {routes.map((r) => (
        <Route key={r.path} path={r.path}>
          <Page route={r} />
        </Route>
      ))}
      <Route path="/">
        <Redirect to={status === 'signed-in' ? HOME : '/sign-in'} replace />
      </Route>
      <Route>
        <NotFound />
      </Route>
    </Switch>
  );
}

function Page({ route }: { route: PageRoute }) {
  const { status, session, instance } = useSession();
  const [location] = useLocation();
  useEffect(() => {
    document.title = session ? `${route.title} · ${session.workspace.name} · Samvad` : `${route.title} · Samvad`;
  }, [route.title, session]);
  const Component = route.component;
  const body = (
    <Suspense fallback={<Spinner />}>
      <Component />
    </Suspense>
  );
  if (route.access === 'public') return <div className="public-page">{body}</div>;
  if (status !== 'signed-in') return <Redirect to={`/sign-in?next=${encodeURIComponent(location)}`} replace />;
  if (!hasRole(session?.role, route.access)) return <Layout><p className="page-pad">This page needs the {route.access} role.</p></Layout>;
  if (route.sandboxOnly && instance && !instance.sandbox) return <Layout><p className="page-pad">The sandbox phone is only there in sandbox mode.</p></Layout>;
  return <Layout>{body}</Layout>;
}

function NotFound() {
  const { status } = useSession();
  const content = (
    <div className="page-pad">
      <h1>Page not found</h1>
      <p>
        <a href="/">Go to the dashboard</a>
      </p>
    </div>
  );
  return status === 'signed-in' ? <Layout>{content}</Layout> : <div className="public-page">{content}</div>;
}
