import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadInboxPage } from './app/routes.tsx';
import { startSessionCheck } from './lib/session.tsx';
import { prefetchFirstPage } from './pages/inbox/prefetch.ts';
import './styles.css';

// Opening the inbox: fetch its code and its first page alongside the session check.
startSessionCheck();
if (window.location.pathname === '/inbox' || window.location.pathname === '/inbox/' || window.location.pathname === '/') {
  void loadInboxPage();
  prefetchFirstPage();
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
