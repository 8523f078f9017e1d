import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { isMediaKey, type MediaStore } from './media-store.ts';
import type { MediaUrlSigner } from './signed-url.ts';

/** `GET /media/<key>?exp=&sig=`: 403 when the signature is wrong or the link expired, 404 when gone. */
export function registerMediaRoutes(app: FastifyInstance, deps: { store: MediaStore; signer: MediaUrlSigner; clock: Clock }) {
  app.get<{ Params: { '*': string }; Querystring: { exp?: string; sig?: string } }>(
    '/media/*',
    { schema: { hide: true } },
    async (request, reply) => {
      const key = request.params['*'];
      if (!isMediaKey(key)) throw new AppError('not_found', 'No such media');
      const verdict = deps.signer.verify(key, request.query.exp, request.query.sig, deps.clock.nowMs());
      if (verdict === 'expired') throw new AppError('forbidden', 'This media link has expired');
      if (verdict !== 'ok') throw new AppError('forbidden', 'Invalid media link signature');
      const media = await deps.store.get(key);
      if (!media) throw new AppError('not_found', 'No such media');
      return reply
        .header('content-type', media.mimeType)
        .header('cache-control', 'private, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(media.bytes);
    },
  );
}
