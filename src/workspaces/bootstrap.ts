import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { newSecret } from '../platform/ids.ts';
import { createApiKeyIn, hashSecret } from './api-keys.ts';
import { createWorkspaceIn } from './create-workspace.ts';
import type { Workspace } from './workspace.ts';

export interface BootstrapResult {
  /** Set only on the start that created the default workspace. */
  workspace?: Workspace;
  /** The default workspace's key (`Authorization: Basic <key>`), when it was created now. */
  apiKey?: string;
  /** The operator token, when it was generated now (never when it came from the environment). */
  adminToken?: string;
}

/**
 * First start: create the default workspace and its API key, and the operator's admin token.
 * Safe when several processes start at once on one PostgreSQL: the `default_workspace_id`
 * setting's primary key lets exactly one of them win; the others find it done.
 */
export async function bootstrapInstance(
  database: Database,
  clock: Clock,
  options: { workspaceName: string; apiKey?: string | undefined; adminToken?: string | undefined },
): Promise<BootstrapResult> {
  const already = await database.db.selectFrom('instance_settings').select('key').where('key', '=', 'default_workspace_id').executeTakeFirst();
  if (already) return {};
  try {
    return await database.transaction(async (tx) => {
      const now = clock.nowMs();
      const result: BootstrapResult = {};
      const anyWorkspace = await tx.db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
      let workspaceId = anyWorkspace?.id;
      if (!workspaceId) {
        const workspace = await createWorkspaceIn(tx, clock, { name: options.workspaceName });
        workspaceId = workspace.id;
        const key = await createApiKeyIn(tx, clock, workspace.id, { name: 'Default key', role: 'admin', ...(options.apiKey ? { secret: options.apiKey } : {}) });
        result.workspace = workspace;
        result.apiKey = key.key;
      }
      await tx.db.insertInto('instance_settings').values({ key: 'default_workspace_id', value: workspaceId, updated_at: now }).execute();
      if (options.adminToken === undefined) {
        const token = `adm_${newSecret(24)}`;
        await tx.db.insertInto('instance_settings').values({ key: 'admin_token_hash', value: hashSecret(token), updated_at: now }).execute();
        result.adminToken = token;
      }
      return result;
    });
  } catch (err) {
    // Another process bootstrapped at the same moment (unique key on the setting).
    const again = await database.db.selectFrom('instance_settings').select('key').where('key', '=', 'default_workspace_id').executeTakeFirst();
    if (again) return {};
    throw err;
  }
}
