import type { Migration } from 'kysely';
import { queueMigrations } from './platform/queue/migrations.ts';
import { workspacesMigrations } from './workspaces/migrations.ts';

/**
 * Every migration of every module, for both dialects. Names sort in the order they must run:
 * 0001–0009 workspaces, 0010–0019 the job queue; later modules take the next free decades.
 */
export const migrations: Record<string, Migration> = {
  ...workspacesMigrations,
  ...queueMigrations,
};
