import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';
import type { Principal } from '../workspaces/authenticate-key.ts';
import { planLimits } from '../workspaces/plans.ts';
import { registerPing } from './ping.ts';
import { registerSendMessage } from './send-message.ts';
import { registerAssignment } from './assignment/route.ts';
import { registerInteraktTemplateRoutes } from './templates/routes.ts';
import { registerCreateCampaign } from './campaigns/create-campaign.ts';
import { registerTrackRoutes } from './track/routes.ts';

export const RATE_LIMIT_MESSAGE = 'Rate limit exceeded for this resource';

/**
 * The Interakt-compatible surface, mounted at /v1/public. Every request is authenticated with
 * the workspace's key, refused on plans without API access (Starter, 403), and counted against
 * the workspace's per-minute limit across all its keys (429 with Interakt's exact body).
 * Errors answer `{"result": false, "message": "…"}` (the server's error handler picks the format).
 */
export async function publicApiPlugin(app: FastifyInstance, ctx: AppContext) {
  app.addHook('onRequest', async (request, reply) => {
    const principal = await ctx.keys.authenticate(request.headers.authorization);
    if (!principal) {
      throw new AppError(
        'unauthorized',
        request.headers.authorization ? 'Invalid API key' : 'Missing API key: send Authorization: Basic <your API key>',
      );
    }
    const limits = planLimits(principal.workspace, ctx.config.defaultRateLimitPerMinute);
    if (!limits.publicApi) {
      throw new AppError('plan_no_api_access', 'Public APIs are not accessible on the Starter plan. Upgrade to Growth or higher to use the API.');
    }
    const decision = await ctx.rateLimiter.consume(principal.workspace.id, limits.requestsPerMinute);
    reply.header('X-RateLimit-Limit', String(decision.limit));
    reply.header('X-RateLimit-Remaining', String(Math.max(0, decision.remaining)));
    if (!decision.allowed) {
      throw new AppError('rate_limited', RATE_LIMIT_MESSAGE, undefined, {
        'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))),
      });
    }
    request.principal = principal;
  });
  registerPing(app, ctx);
  registerSendMessage(app, ctx);
  registerAssignment(app, ctx);
  registerInteraktTemplateRoutes(app, ctx);
  registerCreateCampaign(app, ctx);
  registerTrackRoutes(app, ctx);
}

export function principalOf(request: Pick<FastifyRequest, 'principal'> | { principal?: unknown }): Principal {
  const p = request.principal as Principal | undefined;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  return p;
}
