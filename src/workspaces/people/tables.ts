/**
 * People: dashboard users, their membership (role) in workspaces, server-side sessions,
 * invitations and password resets. Every token (session, invitation, reset, owner set-up) is a
 * long random secret of which only a SHA-256 is stored, like API keys.
 */
export interface UsersTable {
  id: string;
  /** Lower-cased; unique across the instance (one person, one account, several workspaces). */
  email: string;
  name: string;
  /** scrypt$N$r$p$salt$hash (see password.ts). */
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  /** owner, admin or agent (the same roles API keys carry). */
  role: string;
  /** 1 when the agent takes new conversations (auto-assignment); 0 away. */
  available: number;
  /** Set when an admin deactivated the member: no sign-in, no assignment ("Agent inactive"). */
  deactivated_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 (hex) of the cookie's token. */
  token_hash: string;
  user_id: string;
  /** The workspace this session works in (a user may belong to several). */
  workspace_id: string;
  created_at: number;
  /** Refreshed at most once a minute; a session idle for SESSION_IDLE_MS ends. */
  last_seen_at: number;
  /** Absolute end of the session. */
  expires_at: number;
}

export interface InvitationsTable {
  id: string;
  workspace_id: string;
  /** Null for the first-owner set-up link (whoever opens it chooses the email). */
  email: string | null;
  role: string;
  /** invite | owner_setup */
  kind: string;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

declare module '../../platform/db/tables.ts' {
  interface Tables {
    users: UsersTable;
    memberships: MembershipsTable;
    sessions: SessionsTable;
    invitations: InvitationsTable;
    password_resets: PasswordResetsTable;
  }
}
