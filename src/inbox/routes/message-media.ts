import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ensureInboundMedia, MetaApiError, TRANSPORT_ERROR_CODE } from '../../channels/whatsapp/index.ts';
import type { AppContext } from '../../http-context.ts';
import { getMessage } from '../../messaging/history/get-messages.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { Id, security, tags } from './common.ts';

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const HOUR = 3_600_000;

/**
 * GET /api/v1/inbox/messages/:id/media — a received message's media file, for the workspace's
 * signed-in users (cookie: an <img src> works) and its API keys. It answers with a redirect to
 * the same signed `/media/<key>` URL that message_received webhooks carry (one address for a kept
 * file), after making sure the file is kept: when the webhook-time download failed or the copy
 * was pruned, it is fetched again through the Cloud API adapter (Meta or the emulator) and kept.
 * The link's expiry is rounded to the hour so the browser can cache the file while it is valid.
 */
export function registerMessageMediaRoute(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Params: Static<typeof Id> }>(
    '/inbox/messages/:id/media',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: "A received message's media (image, video, audio, document, sticker): 302 to its signed /media URL, fetched from WhatsApp and kept first if needed",
        security,
        params: Id,
      },
    },
    async (request, reply) => {
      const workspaceId = principalOf(request).workspace.id;
      const m = await getMessage(ctx.database.db, workspaceId, request.params.id);
      const content = (m.content ?? {}) as Record<string, any>;
      const object = content[m.type] as { id?: unknown } | undefined;
      const mediaId = object && (typeof object.id === 'string' || typeof object.id === 'number') ? String(object.id) : undefined;
      if (m.direction !== 'inbound' || !MEDIA_TYPES.has(m.type) || !mediaId) throw new AppError('not_found', 'This message has no received media');
      const knownKey = typeof content.media?.storedKey === 'string' ? (content.media.storedKey as string) : undefined;
      let kept: { key: string };
      try {
        kept = await ensureInboundMedia({ database: ctx.database, clock: ctx.clock, secrets: ctx.whatsapp.secrets, channel: ctx.whatsapp.channel, media: ctx.whatsapp.media }, workspaceId, m.numberId, mediaId, knownKey);
      } catch (err) {
        if (!(err instanceof MetaApiError)) throw err;
        if (err.meta.code === TRANSPORT_ERROR_CODE || (err.meta.httpStatus ?? 0) >= 500) throw new AppError('unavailable', `WhatsApp could not be reached for this media: ${err.message}`);
        throw new AppError('not_found', `WhatsApp no longer has this media (it keeps received media about 30 days): ${err.message}`);
      }
      const windowStart = Math.floor(ctx.clock.nowMs() / HOUR) * HOUR;
      const url = ctx.whatsapp.mediaUrls.url('', kept.key, windowStart, 2 * HOUR);
      return reply.header('cache-control', 'private, max-age=300').redirect(url, 302);
    },
  );
}
