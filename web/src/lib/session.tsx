import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './api.ts';
import { fetchInstance, type InstanceInfo } from './instance.ts';

export type Role = 'owner' | 'admin' | 'agent';

/** What `GET /api/v1/auth/session` (and sign-in, set-up, invitation acceptance) answer. */
export interface SessionInfo {
  user: { id: string; email: string; name: string };
  role: Role;
  workspace: { id: string; name: string; timeZone: string };
  csrfToken?: string;
}

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

/** Whether `role` may do what `needed` may (owner ⊃ admin ⊃ agent), as the server enforces it. */
export function hasRole(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

interface SessionState {
  status: 'loading' | 'signed-in' | 'signed-out';
  session: SessionInfo | undefined;
  instance: InstanceInfo | undefined;
  /** Called with the body a sign-in/set-up/accept route answered. */
  signedIn: (session: SessionInfo) => void;
  signOut: () => Promise<void>;
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

let early: Promise<SessionInfo> | undefined;
/** The early check's answer once it is in: the provider then starts signed in (no spinner render). */
let earlySession: SessionInfo | undefined;
/** main.tsx asks who is signed in before React renders; the provider's first check uses that answer. */
export function startSessionCheck(): Promise<unknown> {
  early = api.get<SessionInfo>('/api/v1/auth/session');
  return early.then(
    (s) => {
      earlySession = s;
    },
    () => undefined,
  );
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [first] = useState(() => {
    const s = earlySession;
    earlySession = undefined;
    if (s) {
      early = undefined;
      setCsrfToken(s.csrfToken);
      if (performance.getEntriesByName('samvad:session-known').length === 0) performance.mark('samvad:session-known');
    }
    return s;
  });
  const [status, setStatus] = useState<SessionState['status']>(first ? 'signed-in' : 'loading');
  const [session, setSession] = useState<SessionInfo | undefined>(first);
  const [instance, setInstance] = useState<InstanceInfo | undefined>();

  const refresh = useCallback(async () => {
    try {
      const pending = early;
      early = undefined;
      const s = await (pending ?? api.get<SessionInfo>('/api/v1/auth/session'));
      setCsrfToken(s.csrfToken);
      setSession(s);
      setStatus('signed-in');
      if (performance.getEntriesByName('samvad:session-known').length === 0) performance.mark('samvad:session-known');
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setSession(undefined);
        setStatus('signed-out');
      } else {
        // The server is unreachable: show the sign-in page, whose own call reports the problem.
        setStatus('signed-out');
      }
    }
  }, []);

  useEffect(() => {
    if (!first) void refresh();
    fetchInstance().then(setInstance, () => undefined);
    return onUnauthorized(() => {
      setSession(undefined);
      setStatus('signed-out');
    });
  }, [refresh, first]);

  const signedIn = useCallback((s: SessionInfo) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
    setStatus('signed-in');
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/sign-out');
    } finally {
      setCsrfToken(undefined);
      setSession(undefined);
      setStatus('signed-out');
    }
  }, []);

  const value = useMemo(() => ({ status, session, instance, signedIn, signOut, refresh }), [status, session, instance, signedIn, signOut, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user's session (pages behind the sign-in gate only). */
export function useSignedIn(): SessionInfo {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn on a page that does not require sign-in');
  return session;
}
