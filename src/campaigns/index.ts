/** The campaigns module's services (other modules use these, never the campaign tables). */
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { TemplateRefresher } from '../templates/index.ts';
import { loadClickTokens, type ClickTokens } from './clicks/click-token.ts';
import type { CampaignRouteDeps } from './routes.ts';
import { CampaignRunner, wakeCampaignRunners } from './run/campaign-runner.ts';
import { useCampaignEventHook } from './triggers/event-hook.ts';
import { CAMPAIGN_INTEREST_CHANNEL, forgetCampaignInterest } from './triggers/interest-cache.ts';

export { campaignsMigrations } from './migrations.ts';
export { registerCampaignRoutes } from './routes.ts';
export { registerClickRoute } from './clicks/click-route.ts';
export { campaignsOnContactEvent, type ContactEventInput } from './triggers/on-contact-event.ts';
export { recordQuickReplyClick } from './clicks/record-click.ts';
export { trackedLinksFor, trackedSendValues, withClickTokens } from './clicks/tracked-values.ts';
export { wakeCampaignRunners } from './run/campaign-runner.ts';

export interface CampaignServices {
  tokens: ClickTokens;
  runner: CampaignRunner;
  deps: CampaignRouteDeps;
}

export interface CampaignSetup {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** Time to live of campaign messages (SAMVAD_MESSAGE_TTL_MINUTES). */
  ttlMs: number;
  /** Wakes the dispatcher of a number after its sends are committed. */
  wake: (numberId: string) => void;
  templateRefresher?: TemplateRefresher | undefined;
  /** The dispatcher's pacing share (config `dispatchThroughputShare`, SAMVAD_DISPATCH_THROUGHPUT_PERCENT / 100). */
  throughputShare: number;
}

/** The click-token key, the runner (not started) and what the routes need. */
export async function createCampaignServices(s: CampaignSetup): Promise<CampaignServices> {
  const tokens = await loadClickTokens(s.database);
  const runner = new CampaignRunner({ database: s.database, clock: s.clock, logger: s.logger.child({ component: 'campaigns' }), tokens, ttlMs: s.ttlMs, wake: s.wake, templateRefresher: s.templateRefresher, throughputShare: s.throughputShare });
  // Event-triggered sends, stop rules and conversions are written in each tracked event's own
  // transaction (nothing lost in a crash); campaign changes in other processes reach this one's
  // "which event names matter" cache through NOTIFY.
  const off = useCampaignEventHook(s.clock);
  const unlisten = await s.database.notifications.listen(CAMPAIGN_INTEREST_CHANNEL, (workspaceId) => forgetCampaignInterest(workspaceId));
  const stop = runner.stop.bind(runner);
  runner.stop = async () => {
    off();
    await unlisten();
    await stop();
  };
  const deps: CampaignRouteDeps = { database: s.database, clock: s.clock, ttlMs: s.ttlMs, wake: s.wake, templateRefresher: s.templateRefresher, wakeRunner: wakeCampaignRunners, throughputShare: s.throughputShare };
  return { tokens, runner, deps };
}
