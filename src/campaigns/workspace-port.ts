import type { Database } from '../platform/db/database.ts';
import { getWorkspace } from '../workspaces/get-workspaces.ts';

/** The workspace's IANA time zone (scheduled starts are read in it). */
export async function getWorkspaceTimeZone(database: Database, workspaceId: string): Promise<string> {
  return (await getWorkspace(database, workspaceId)).timeZone;
}
