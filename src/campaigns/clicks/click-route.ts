import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { recordLinkClick } from './record-click.ts';

/**
 * GET /r/{token}: a tracked URL button of a campaign message. Records the click and redirects
 * (302) to the brand's link; a forged or unknown token gets 404 (no open redirect).
 */
export function registerClickRoute(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Params: { token: string } }>(
    '/r/:token',
    { schema: { tags: ['campaigns'], summary: 'Tracked link: records the click and redirects to the brand link', params: Type.Object({ token: Type.String({ maxLength: 120 }) }) } },
    async (request, reply) => {
      const services = ctx.campaigns;
      const link = services ? await recordLinkClick(ctx.database, services.tokens, request.params.token, ctx.clock.nowMs()) : null;
      if (!link) return reply.code(404).type('text/plain').send('This link is not valid.');
      return reply.redirect(link, 302);
    },
  );
}
