import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import type { Logger } from './platform/logger.ts';
import type { RateLimiter } from './platform/rate-limit.ts';
import type { JobQueue } from './platform/queue/index.ts';
import type { RetentionRegistry } from './platform/retention/index.ts';
import type { AdminTokenChecker } from './workspaces/admin-token.ts';
import type { KeyAuthenticator, Principal } from './workspaces/authenticate-key.ts';
import type { TemplateRefresher } from './templates/index.ts';
import type { WhatsAppServices } from './channels/whatsapp/index.ts';
import type { CampaignServices } from './campaigns/index.ts';

/** The resources route plugins are given (an explicit bag, not globals). */
export interface AppContext {
  config: Config;
  clock: Clock;
  logger: Logger;
  database: Database;
  queue: JobQueue;
  /** Modules register each kind of accumulating data here (pruned by a recurring job). */
  retention: RetentionRegistry;
  rateLimiter: RateLimiter;
  keys: KeyAuthenticator;
  adminToken: AdminTokenChecker;
  version: string;
  sandbox: boolean;
  /** The WhatsApp channel: Cloud API adapter, secret box, media store and signed media URLs. */
  whatsapp: WhatsAppServices;
  /** Wakes the dispatcher that owns a number once new sends for it are committed. */
  dispatch: { wake(numberId: string): void };
  /** Lazy template sync on a send's lookup miss (set once the WhatsApp channel is wired). */
  templateRefresher?: TemplateRefresher;
  /** Campaigns: click tokens, the runner, what the routes need (set once the dispatcher exists). */
  campaigns?: CampaignServices;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated workspace and key (set by the /v1/public and /api/v1 auth hooks). */
    principal?: Principal;
  }
}
