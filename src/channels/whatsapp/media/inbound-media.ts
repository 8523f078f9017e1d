import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import { newId } from '../../../platform/ids.ts';
import type { MediaStore } from '../../../platform/media/media-store.ts';
import { getNumberCredentials } from '../numbers/manage-numbers.ts';
import type { SecretBox } from '../secret-box.ts';
import type { WhatsAppChannel } from '../types.ts';

export interface InboundMediaDeps {
  database: Database;
  clock: Clock;
  secrets: SecretBox;
  channel: WhatsAppChannel;
  media: MediaStore;
}

/**
 * The media-store key holding a received media file, for readers that find it missing (its
 * download failed while the webhook was processed, or the stored copy was pruned): the kept copy
 * when it is still there, otherwise downloaded again through the adapter (Meta keeps a media id
 * about 30 days) and kept, indexed by (number, media id) as webhook processing does.
 * `knownKey` is the key the message recorded, if any. Throws the adapter's MetaApiError when
 * the provider no longer has the file. Two readers racing on a missing file both download it;
 * the last one's copy is indexed and the other waits for retention to prune its day.
 */
export async function ensureInboundMedia(deps: InboundMediaDeps, workspaceId: string, numberId: string, mediaId: string, knownKey?: string): Promise<{ key: string; mimeType: string }> {
  const { database, media } = deps;
  const candidates: string[] = [];
  if (knownKey) candidates.push(knownKey);
  const row = await database.db
    .selectFrom('whatsapp_media')
    .select(['stored_key'])
    .where('workspace_id', '=', workspaceId)
    .where('number_id', '=', numberId)
    .where('media_id', '=', mediaId)
    .executeTakeFirst();
  if (row && row.stored_key !== knownKey) candidates.push(row.stored_key);
  for (const key of candidates) {
    // Only keys of this workspace (they start with its id): a forged content cannot point elsewhere.
    if (!key.startsWith(`${workspaceId}/`)) continue;
    const got = await media.get(key);
    if (got) return { key, mimeType: got.mimeType };
  }
  const downloaded = await deps.channel.downloadMedia(await getNumberCredentials(database, deps.secrets, workspaceId, numberId), mediaId);
  const now = deps.clock.nowMs();
  const key = await media.put(workspaceId, downloaded.bytes, downloaded.mimeType, now);
  await database.transaction(async (tx) => {
    await tx.db
      .insertInto('whatsapp_media')
      .values({ id: newId(now), workspace_id: workspaceId, number_id: numberId, media_id: mediaId, stored_key: key, mime_type: downloaded.mimeType, sha256: downloaded.sha256 ?? null, size_bytes: downloaded.bytes.length, created_at: now })
      // A pruned copy's row is pointed at the new copy; created_at restarts its retention.
      .onConflict((oc) => oc.columns(['number_id', 'media_id']).doUpdateSet({ stored_key: key, mime_type: downloaded.mimeType, size_bytes: downloaded.bytes.length, created_at: now }))
      .execute();
  });
  return { key, mimeType: downloaded.mimeType };
}
