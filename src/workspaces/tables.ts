import type { Generated } from 'kysely';

export interface WorkspacesTable {
  id: string;
  name: string;
  plan: string;
  /** IANA time zone in which times are shown to this workspace; stored times stay UTC. */
  time_zone: string;
  /** Enterprise plan: the agreed requests/minute on /v1/public; null elsewhere. */
  rate_limit_per_minute: number | null;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  /** SHA-256 (hex) of the secret; the secret itself is never stored. */
  secret_hash: string;
  /** First characters of the key as the user pastes it, to tell keys apart in lists. */
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

/** Instance-wide settings (the operator's admin token hash, first-start markers). */
export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: Generated<number>;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    workspaces: WorkspacesTable;
    api_keys: ApiKeysTable;
    instance_settings: InstanceSettingsTable;
  }
}
