import type { RetentionRegistry } from '../retention/index.ts';
import type { MediaStore } from './media-store.ts';

export { createLocalMediaStore, isMediaKey, type MediaStore } from './media-store.ts';
export { createMediaUrlSigner, DEFAULT_MEDIA_URL_TTL_MS, type MediaUrlSigner } from './signed-url.ts';
export { registerMediaRoutes } from './routes.ts';

/** Stored media files are kept `days` (config.retention.mediaDays), pruned by the hourly retention job. */
export function registerMediaRetention(registry: RetentionRegistry, store: MediaStore, days: () => number): void {
  registry.register({ name: 'media.files', days, prune: (ctx) => store.pruneBefore(ctx.cutoffMs) });
}
