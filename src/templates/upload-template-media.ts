import { randomBytes } from 'node:crypto';
import { appIdOfToken, uploadTemplateHeaderSample } from '../channels/whatsapp/cloud-api/templates.ts';
import { AppError } from '../platform/errors.ts';
import { credentialsFor, metaRefusal, resolveTemplateNumber, type TemplateDeps } from './deps.ts';

/** What the Resumable Upload API takes, with Meta's media size limits (limits §7.2). */
const ACCEPTED: Record<string, { format: 'IMAGE' | 'VIDEO' | 'DOCUMENT'; maxBytes: number }> = {
  'image/jpeg': { format: 'IMAGE', maxBytes: 5 * 1024 * 1024 },
  'image/jpg': { format: 'IMAGE', maxBytes: 5 * 1024 * 1024 },
  'image/png': { format: 'IMAGE', maxBytes: 5 * 1024 * 1024 },
  'video/mp4': { format: 'VIDEO', maxBytes: 16 * 1024 * 1024 },
  'application/pdf': { format: 'DOCUMENT', maxBytes: 100 * 1024 * 1024 },
};

/** The largest sample accepted (a PDF). */
export const MAX_TEMPLATE_MEDIA_BYTES = 100 * 1024 * 1024;

export interface TemplateMediaUpload {
  /** A link to Samvad's copy (signed, valid as long as media is kept). */
  fileUrl: string;
  /** The handle for a media header's `example.header_handle`. */
  fileHandle: string;
  fileName: string;
  mimeType: string;
  /** The header format this file suits. */
  headerFormat: 'IMAGE' | 'VIDEO' | 'DOCUMENT';
  sizeBytes: number;
}

/**
 * A media header's sample file (Interakt's upload_to_fb): kept in Samvad's media store (the
 * file_url) and uploaded to Meta through the Resumable Upload API for its handle. Sandbox numbers
 * get a local handle instead: the emulator accepts any handle and has no upload API.
 */
export async function uploadTemplateMedia(
  deps: TemplateDeps,
  workspaceId: string,
  input: { numberId?: string | null | undefined; bytes: Buffer; mimeType: string; fileName: string },
): Promise<TemplateMediaUpload> {
  const mimeType = input.mimeType.split(';')[0]!.trim().toLowerCase();
  const kind = ACCEPTED[mimeType];
  if (!kind) throw new AppError('unsupported_media_type', `Template header samples must be JPEG or PNG images, MP4 videos or PDF documents; got ${mimeType || 'no type'}`);
  if (input.bytes.length === 0) throw new AppError('validation_failed', 'The uploaded file is empty');
  if (input.bytes.length > kind.maxBytes) {
    throw new AppError('payload_too_large', `A ${kind.format.toLowerCase()} sample can be at most ${kind.maxBytes / 1024 / 1024} MB; this file is ${(input.bytes.length / 1024 / 1024).toFixed(1)} MB`);
  }
  const number = await resolveTemplateNumber(deps.database, workspaceId, input.numberId);
  const now = deps.clock.nowMs();
  const fileName = input.fileName.replace(/[\\/\0]/g, '_').slice(0, 240) || 'sample';
  let fileHandle: string;
  if (number.isSandbox) {
    fileHandle = `4::${Buffer.from(`samvad-sandbox:${mimeType}:${randomBytes(12).toString('base64url')}`).toString('base64')}`;
  } else {
    const creds = await credentialsFor(deps, number);
    try {
      const appId = await appIdOfToken(deps.whatsapp.channel.dispatcher, creds);
      fileHandle = await uploadTemplateHeaderSample(deps.whatsapp.channel.dispatcher, creds, appId, { bytes: input.bytes, mimeType, fileName });
    } catch (err) {
      metaRefusal(err, 'take the header sample (Resumable Upload API)');
    }
  }
  const key = await deps.whatsapp.media.put(workspaceId, input.bytes, mimeType, now);
  const fileUrl = deps.whatsapp.mediaUrls.url(deps.publicUrl, key, now, deps.mediaDays * 86_400_000);
  return { fileUrl, fileHandle, fileName, mimeType, headerFormat: kind.format, sizeBytes: input.bytes.length };
}
