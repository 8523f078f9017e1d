import { createElement, lazy, type ComponentType } from 'react';
import type { Role } from '../lib/session.tsx';

/**
 * The dashboard's routing table: one entry per page. Each page is its own lazily loaded chunk, so
 * the inbox does not wait for the analytics code. Entries with `nav` appear in the navigation in
 * this order. Add a page with a one-line entry (its component is the module's default export).
 *
 * access: 'public' pages show without a session (sign-in, links from emails/logs); the others
 * need a signed-in user with at least that role (the server enforces the same rule).
 */
export interface PageRoute {
  path: string;
  title: string;
  component: ComponentType;
  access: 'public' | Role;
  /** The navigation label; absent for pages reached by link only. */
  nav?: string;
  /** Shown only when the instance runs in sandbox mode (the emulator is in-process). */
  sandboxOnly?: boolean;
}

/**
 * A lazily loaded page that, once its code is in (preload() was called early), renders directly
 * instead of suspending: React holds back revealing suspended content for a moment, which the
 * first screen should not pay when its code is already there.
 */
function preloadable(loader: () => Promise<{ default: ComponentType }>) {
  let loaded: ComponentType | undefined;
  const preload = () => loader().then((m) => ((loaded = m.default), m));
  const Lazy = lazy(preload);
  const component: ComponentType = () => createElement(loaded ?? Lazy);
  return { component, preload };
}

/** The inbox is where most sessions start: main.tsx loads it alongside the session check. */
const inboxPage = preloadable(() => import('../pages/inbox/InboxPage.tsx'));
export const loadInboxPage = inboxPage.preload;

export const routes: PageRoute[] = [
  { path: '/sign-in', title: 'Sign in', access: 'public', component: lazy(() => import('../pages/auth/SignInPage.tsx')) },
  { path: '/setup', title: 'Create the owner', access: 'public', component: lazy(() => import('../pages/auth/SetupPage.tsx')) },
  { path: '/invite', title: 'Accept invitation', access: 'public', component: lazy(() => import('../pages/auth/InvitePage.tsx')) },
  { path: '/forgot-password', title: 'Forgot password', access: 'public', component: lazy(() => import('../pages/auth/ForgotPasswordPage.tsx')) },
  { path: '/reset-password', title: 'Reset password', access: 'public', component: lazy(() => import('../pages/auth/ResetPasswordPage.tsx')) },
  { path: '/inbox/:id?', title: 'Inbox', nav: 'Inbox', access: 'agent', component: inboxPage.component },
  // D2's pages (contacts, templates, campaigns, analytics, settings) go here, one line each.
  { path: '/contacts/:section?', title: 'Contacts', nav: 'Contacts', access: 'agent', component: lazy(() => import('../pages/contacts/ContactsPage.tsx')) },
  { path: '/templates/:id?', title: 'Templates', nav: 'Templates', access: 'agent', component: lazy(() => import('../pages/templates/TemplatesPage.tsx')) },
  { path: '/campaigns/:id?', title: 'Campaigns', nav: 'Campaigns', access: 'agent', component: lazy(() => import('../pages/campaigns/CampaignsPage.tsx')) },
  { path: '/analytics', title: 'Analytics', nav: 'Analytics', access: 'agent', component: lazy(() => import('../pages/analytics/AnalyticsPage.tsx')) },
  { path: '/settings/:section?/:id?', title: 'Settings', nav: 'Settings', access: 'admin', component: lazy(() => import('../pages/settings/SettingsPage.tsx')) },
  { path: '/sandbox/:waId?', title: 'Sandbox phone', nav: 'Sandbox phone', access: 'agent', sandboxOnly: true, component: lazy(() => import('../pages/sandbox/SandboxPage.tsx')) },
];

/** Where a signed-in user lands. */
export const HOME = '/inbox';

/** The href a nav entry links to (its path without parameters). */
export function navHref(route: PageRoute): string {
  return route.path.replace(/\/:[^/]+\?$/, '').replace(/\/:[^/]+/g, '');
}
