import { useCallback, useEffect, useState } from 'react';
import { fetchInstance, InstanceError, type InstanceInfo } from './instance.ts';

type State =
  | { status: 'loading' }
  | { status: 'ready'; info: InstanceInfo }
  | { status: 'error'; message: string };

export function App() {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    fetchInstance(controller.signal).then(
      (info) => setState({ status: 'ready', info }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const message = err instanceof InstanceError ? err.message : 'Something went wrong while loading.';
        setState({ status: 'error', message });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  const info = state.status === 'ready' ? state.info : null;
  useEffect(() => {
    document.title = info?.workspace ? `${info.workspace.name} · Samvad` : 'Samvad';
  }, [info]);

  return (
    <div className="page">
      <header className="topbar">
        <div className="brand">
          <Logo />
          <span className="brand-name">Samvad</span>
        </div>
        {info && (
          <span className={info.sandbox ? 'badge badge-sandbox' : 'badge badge-live'} data-testid="mode">
            {info.sandbox ? 'Sandbox mode' : 'Live'}
          </span>
        )}
      </header>

      <main className="card" aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status !== 'error' && <p className="eyebrow">Workspace</p>}
        {state.status === 'loading' && <Loading />}
        {state.status === 'error' && <ErrorState message={state.message} onRetry={retry} />}
        {info && <Ready info={info} />}
      </main>

      <footer className="footer">
        <span>Self-hosted, WhatsApp-first customer messaging.</span>
        {info && <span className="version">v{info.version}</span>}
      </footer>
    </div>
  );
}

function Ready({ info }: { info: InstanceInfo }) {
  return (
    <>
      <h1 className="workspace-name" data-testid="workspace-name">
        {info.workspace ? info.workspace.name : 'No workspace yet'}
      </h1>
      <p className="lede">
        Samvad is a self-hosted, WhatsApp-first customer messaging platform: an Interakt-compatible
        public API, signed webhooks, campaigns and a team inbox, running on your own machine.
      </p>
      {info.sandbox ? (
        <p className="note note-sandbox">
          <strong>Sandbox mode.</strong> No WhatsApp number is connected yet, so messages go to the
          built-in WhatsApp Cloud API emulator and its virtual customers. Nothing reaches Meta.
        </p>
      ) : (
        <p className="note note-live">
          <strong>Live.</strong> Messages are sent through Meta's WhatsApp Cloud API.
        </p>
      )}
      <div className="actions">
        <a className="button" href={info.docsUrl}>
          API documentation
        </a>
        <span className="hint">
          The full dashboard — inbox, contacts, templates, campaigns — is on its way.
        </span>
      </div>
    </>
  );
}

function Loading() {
  return (
    <div className="loading" role="status">
      <span className="skeleton skeleton-title" />
      <span className="skeleton skeleton-line" />
      <span className="skeleton skeleton-line short" />
      <span className="visually-hidden">Loading…</span>
    </div>
  );
}

function ErrorState({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="error" role="alert" data-testid="error">
      <h1 className="workspace-name">We couldn't load this Samvad instance</h1>
      <p className="lede">{message} Check that the server is running, then try again.</p>
      <div className="actions">
        <button className="button" type="button" onClick={onRetry}>
          Try again
        </button>
        <a className="link" href="/docs">
          API documentation
        </a>
      </div>
    </div>
  );
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path
        d="M9 10h14a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-8l-5 4v-4H9a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2z"
        fill="#fff"
      />
    </svg>
  );
}
