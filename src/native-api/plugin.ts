import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';
import { roleAtLeast, type Role } from '../workspaces/plans.ts';
import { registerAdminRoutes } from '../workspaces/routes/admin-routes.ts';
import { registerWorkspaceRoutes } from '../workspaces/routes/workspace-routes.ts';
import { registerAdminJobRoutes } from './admin-jobs.ts';
import { registerInstanceRoute } from './instance.ts';
import { registerHistoryRoutes } from '../messaging/history/routes.ts';
import { registerContactRoutes } from '../contacts/routes/contact-routes.ts';
import { registerTemplateRoutes } from '../templates/routes.ts';
import { registerCampaignRoutes } from '../campaigns/routes.ts';
import { registerWebhookRoutes } from '../webhooks/routes.ts';
import { authenticateNativeRequest, registerPeopleRoutes } from '../workspaces/people/index.ts';
import { registerInboxRoutes } from '../inbox/index.ts';
import { registerAnalyticsRoutes } from '../analytics/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call a native route: 'none' (anyone), 'operator' (admin token), or the least key role. */
    access?: 'none' | 'operator' | Role;
  }
}

/**
 * The native API, mounted at /api/v1. Routes declare who may call them in `config.access`; the
 * hook below enforces it before the handler runs (default: an API key with the admin role).
 * Errors answer `{"error": {"code", "message", "details"}}`.
 */
export async function nativeApiPlugin(app: FastifyInstance, ctx: AppContext) {
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access ?? 'admin';
    if (access === 'none') return;
    if (access === 'operator') {
      if (!(await ctx.adminToken.check(request.headers.authorization))) {
        throw new AppError('unauthorized', 'This route needs the operator token: Authorization: Bearer <SAMVAD_ADMIN_TOKEN>');
      }
      return;
    }
    const principal = await authenticateNativeRequest(ctx, request);
    if (!principal) {
      throw new AppError('unauthorized', request.headers.authorization ? 'Invalid API key' : 'Missing API key: send Authorization: Basic <your API key>');
    }
    if (!roleAtLeast(principal.role, access)) {
      throw new AppError('forbidden', `This route needs the ${access} role; this key has the ${principal.role} role`);
    }
    request.principal = principal;
  });
  registerInstanceRoute(app, ctx);
  registerWorkspaceRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerAdminJobRoutes(app, ctx);
  registerHistoryRoutes(app, ctx);
  registerContactRoutes(app, ctx);
  registerTemplateRoutes(app, ctx);
  registerCampaignRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerPeopleRoutes(app, ctx);
  registerInboxRoutes(app, ctx);
  registerAnalyticsRoutes(app, ctx);
}
