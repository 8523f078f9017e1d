import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadInboxPage } from './app/routes.tsx';
import { startSessionCheck } from './lib/session.tsx';
import { prefetchFirstPage } from './pages/inbox/prefetch.ts';
import './styles.css';

// Opening the inbox: its code (modulepreloaded by index.html) and its first page come alongside
// the session check (index.html's inline script has usually asked for both already).
performance.mark('samvad:main'); // bench/scenarios/inbox-open.ts reads the samvad:* marks
const sessionKnown = startSessionCheck();
const path = window.location.pathname;
let codeReady: Promise<unknown> = Promise.resolve();
if (path === '/inbox' || path === '/inbox/' || path === '/') {
  const firstPage = prefetchFirstPage();
  // The first page usually arrives with the session (index.html asked for both); a slow one is
  // waited for at most 300 ms more, then the list shows its own loading state.
  codeReady = Promise.all([loadInboxPage().catch(() => undefined), sessionKnown]).then(() => Promise.race([firstPage, new Promise((r) => setTimeout(r, 300))]));
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// On the inbox, render once its code and the session are in: rendering before would suspend on
// the code (React holds back revealing a suspended page for ~300 ms) and draw a spinner first,
// costs the first screen should not pay. Other pages render at once.
void codeReady.then(() => {
  performance.mark('samvad:render');
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
