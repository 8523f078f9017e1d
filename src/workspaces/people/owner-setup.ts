import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { hasAnyMember } from './members.ts';
import { insertInvitation } from './invitations.ts';

/**
 * First start (and every start until someone uses it): a one-time link to create the default
 * workspace's first owner. A fresh link per start, because only hashes are stored and an earlier
 * link cannot be shown again; any of them works once, and none after the workspace has a member.
 * Returns the token, or undefined when the workspace already has people.
 */
export async function createOwnerSetupToken(database: Database, clock: Clock): Promise<string | undefined> {
  const setting = await database.db.selectFrom('instance_settings').select('value').where('key', '=', 'default_workspace_id').executeTakeFirst();
  if (!setting) return undefined;
  const workspaceId = setting.value;
  if (await hasAnyMember(database.db, workspaceId)) return undefined;
  const { token } = await database.transaction((tx) => insertInvitation(tx, clock, { workspaceId, email: null, role: 'owner', kind: 'owner_setup', invitedBy: null }));
  return token;
}
