import type { Dispatcher } from 'undici';
import { findNumberByPhoneNumberId, getDefaultNumber, getNumber, getNumberCredentials, MetaApiError, TRANSPORT_ERROR_CODE, type BusinessNumber, type SecretBox } from '../channels/whatsapp/index.ts';
import type { NumberCredentials, WhatsAppChannel } from '../channels/whatsapp/types.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import type { MediaStore, MediaUrlSigner } from '../platform/media/index.ts';
import type { TemplateRefresher } from './refresh-templates.ts';

/** What the template services need: storage, the clock and the WhatsApp channel (adapter, secrets, media). */
export interface TemplateDeps {
  database: Database;
  clock: Clock;
  whatsapp: {
    secrets: SecretBox;
    channel: Pick<WhatsAppChannel, 'listTemplates'> & { readonly dispatcher: Dispatcher };
    media: MediaStore;
    mediaUrls: MediaUrlSigner;
  };
  /** Base of links Samvad hands out (SAMVAD_PUBLIC_URL). */
  publicUrl: string;
  /** How long stored media is kept (the header sample's file_url lives as long). */
  mediaDays: number;
  refresher?: TemplateRefresher | undefined;
}

/**
 * The number whose WABA holds the templates: a Samvad number id, Meta's phone-number id, or the
 * workspace's default number when none is named.
 */
export async function resolveTemplateNumber(database: Database, workspaceId: string, numberRef?: string | null): Promise<BusinessNumber> {
  if (!numberRef) {
    const n = await getDefaultNumber(database, workspaceId);
    if (!n) throw new AppError('bad_request', 'This workspace has no WhatsApp number connected; connect one (POST /api/v1/numbers) before managing templates');
    return n;
  }
  const byPhoneId = await findNumberByPhoneNumberId(database, workspaceId, numberRef);
  return byPhoneId ?? getNumber(database, workspaceId, numberRef);
}

export function credentialsFor(deps: TemplateDeps, number: BusinessNumber): Promise<NumberCredentials> {
  return getNumberCredentials(deps.database, deps.whatsapp.secrets, number.workspaceId, number.id);
}

/**
 * Meta's refusal as a 400 that shows Meta's code, subcode and words (the caller fixes the template
 * and tries again); no answer from the Graph API as a 503.
 */
export function metaRefusal(err: unknown, action: string): never {
  if (err instanceof MetaApiError) {
    const m = err.meta;
    if (m.code === TRANSPORT_ERROR_CODE) throw new AppError('unavailable', `Could not ${action}: the Cloud API did not answer (${m.details ?? m.title})`, { meta: m });
    const words = [m.title, m.details].filter((x, i, a) => x && a.indexOf(x) === i).join(' — ');
    throw new AppError('bad_request', `Meta refused to ${action}: (#${m.code}${m.subcode ? `/${m.subcode}` : ''}) ${words}`, { meta: m });
  }
  throw err;
}
