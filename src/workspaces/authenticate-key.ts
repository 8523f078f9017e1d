import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { hashSecret, secretsFromAuthorization } from './api-keys.ts';
import type { Role } from './plans.ts';
import type { WorkspaceRow } from './workspace.ts';

export interface Principal {
  workspace: WorkspaceRow;
  keyId: string;
  role: Role;
}

/**
 * Resolves an Authorization header to a workspace and key. Lookups are cached for a few seconds:
 * the hot path then costs a hash and a map read. Revoking a key clears this process's cache at
 * once; other processes see the revocation within `ttlMs`.
 */
export class KeyAuthenticator {
  private cache = new Map<string, { principal: Principal | null; expiresAt: number }>();
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 5000,
    private readonly maxEntries = 10_000,
  ) {}

  async authenticate(header: string | undefined): Promise<Principal | null> {
    for (const secret of secretsFromAuthorization(header)) {
      const hash = hashSecret(secret);
      const principal = await this.lookup(hash);
      if (principal) return principal;
    }
    return null;
  }

  /** Forgets cached lookups (after a key is revoked or a workspace's plan changes). */
  invalidate(): void {
    this.cache.clear();
  }

  private async lookup(hash: string): Promise<Principal | null> {
    const now = this.clock.nowMs();
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now) return hit.principal;
    const row = await this.database.db
      .selectFrom('api_keys')
      .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
      .select([
        'api_keys.id as key_id',
        'api_keys.role as role',
        'api_keys.revoked_at as revoked_at',
        'workspaces.id as id',
        'workspaces.name as name',
        'workspaces.plan as plan',
        'workspaces.time_zone as time_zone',
        'workspaces.rate_limit_per_minute as rate_limit_per_minute',
        'workspaces.created_at as created_at',
        'workspaces.updated_at as updated_at',
      ])
      .where('api_keys.secret_hash', '=', hash)
      .executeTakeFirst();
    let principal: Principal | null = null;
    if (row && row.revoked_at === null) {
      const { key_id, role, revoked_at: _r, ...workspace } = row;
      principal = { workspace, keyId: key_id, role: role as Role };
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(hash, { principal, expiresAt: now + this.ttlMs });
    return principal;
  }
}
