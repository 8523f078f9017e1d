import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { recordLinkClick } from './record-click.ts';

/**
 * GET /r/{token}: a tracked URL button of a template message (API or campaign send). Records the
 * click, emits the click webhook and redirects (302) to the brand's link; a forged, expired or
 * unknown token gets 404 (no open redirect: the target is always a stored brand link).
 */
export function registerClickRoute(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Params: { token: string } }>(
    '/r/:token',
    { schema: { tags: ['campaigns'], summary: 'Tracked link: records the click, emits message_api_clicked (CTA) or message_campaign_clicked, and redirects to the brand link', params: Type.Object({ token: Type.String({ maxLength: 2000 }) }) } },
    async (request, reply) => {
      const services = ctx.campaigns;
      const link = services ? await recordLinkClick(ctx.database, services.tokens, request.params.token, ctx.clock.nowMs()) : null;
      if (!link) return reply.code(404).type('text/plain').send('This link is not valid.');
      return reply.redirect(link, 302);
    },
  );
}
