import { Agent, FormData, type Dispatcher } from 'undici';
import type { OutboundSend } from '../../../messaging/content.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { MetaError, NumberCredentials, PhoneNumberInfo, ProviderTemplate, SendOutcome, WhatsAppChannel } from '../types.ts';
import { classifySendAnswer, classifyTransportFailure, parseMetaError, TRANSPORT_ERROR_CODE } from './classify.ts';
import { graphCall, graphUrl, MetaApiError, transportError } from './graph-call.ts';
import { postJson } from './post-json.ts';

export { MetaApiError } from './graph-call.ts';

export interface ChannelTimeouts {
  /** TCP + TLS connect. Default 5 s. */
  connectMs: number;
  /** From the request written to the answer's headers. Default 20 s. */
  headersMs: number;
  /** Between body chunks of the answer. Default 30 s. */
  bodyMs: number;
}

export const DEFAULT_CHANNEL_TIMEOUTS: ChannelTimeouts = { connectMs: 5_000, headersMs: 20_000, bodyMs: 30_000 };

/** Largest media Samvad downloads (Meta's inbound maximum is 100 MB). */
const MAX_MEDIA_BYTES = 100 * 1024 * 1024;

/** A Graph call that answered with Meta's error envelope (or no answer): management calls throw it. */

export interface CreateWhatsAppChannelOptions {
  clock: Clock;
  logger: Logger;
  timeouts?: Partial<ChannelTimeouts>;
  /** Connections per origin (Graph is one origin; keep-alive pool). Default 64. */
  connectionsPerOrigin?: number;
}

/**
 * The Cloud API adapter: the only code that speaks to Meta (or the emulator). One undici Agent
 * keeps a keep-alive pool per origin; every send answer is classified (see classify.ts).
 * Tokens go only in the Authorization header and never into a log line.
 */
export function createWhatsAppChannel(options: CreateWhatsAppChannelOptions): WhatsAppChannel & { readonly dispatcher: Dispatcher } {
  const t = { ...DEFAULT_CHANNEL_TIMEOUTS, ...options.timeouts };
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: { timeout: t.connectMs },
    headersTimeout: t.headersMs,
    bodyTimeout: t.bodyMs,
  });
  const log = options.logger;

  const graphJson = (method: 'GET' | 'POST', url: URL, token: string, body?: FormData) =>
    graphCall(agent, { origin: url.origin, path: url.pathname + url.search, method, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ...(body ? { body } : {}) });


  return {
    dispatcher: agent,

    async send(number: NumberCredentials, send: OutboundSend): Promise<SendOutcome> {
      const body = Buffer.from(
        JSON.stringify({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: send.to,
          ...send.content,
          // Reactions cannot be sent as replies (payloads §1.0).
          ...(send.replyToWamid && send.content.type !== 'reaction' ? { context: { message_id: send.replyToWamid } } : {}),
          biz_opaque_callback_data: send.messageId,
        }),
      );
      const url = graphUrl(number, `${encodeURIComponent(number.phoneNumberId)}/messages`);
      const res = await postJson(agent, {
        origin: url.origin,
        path: url.pathname,
        headers: { authorization: `Bearer ${number.accessToken}`, 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      });
      if (res.kind === 'failed') {
        // Once the body is on the socket Meta may act on the message: a failure is then an
        // unknown outcome, never a retry. Before that, nothing left and a retry is safe.
        const { error, answer } = res;
        // The answer's status line arrived but its body did not: a refusal is still a refusal.
        if (answer && !(answer.statusCode >= 200 && answer.statusCode < 300)) return classifySendAnswer(answer.statusCode, null, answer.headers);
        const outcome = classifyTransportFailure(error, res.bodyWritten);
        if (!answer) log.warn({ numberId: number.id, messageId: send.messageId, outcome: outcome.kind, err: { code: (error as { code?: string }).code, message: error.message } }, 'Cloud API send failed without an answer');
        return outcome;
      }
      let json: unknown = null;
      try {
        json = res.text ? JSON.parse(res.text) : null;
      } catch (err) {
        // An answer that is not JSON: a success we cannot read is an unknown outcome.
        if (res.statusCode >= 200 && res.statusCode < 300) return classifyTransportFailure(err, true);
      }
      return classifySendAnswer(res.statusCode, json, res.headers);
    },

    async getPhoneNumber(number: NumberCredentials): Promise<PhoneNumberInfo> {
      const url = graphUrl(number, encodeURIComponent(number.phoneNumberId));
      url.searchParams.set('fields', 'id,display_phone_number,verified_name,quality_rating,throughput,messaging_limit_tier');
      const { json } = await graphJson('GET', url, number.accessToken);
      const j = (json ?? {}) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      return {
        id: str(j.id) ?? number.phoneNumberId,
        displayPhoneNumber: str(j.display_phone_number) ?? '',
        verifiedName: str(j.verified_name),
        qualityRating: str(j.quality_rating),
        throughputLevel: str((j.throughput as { level?: unknown } | undefined)?.level),
        messagingLimitTier: str(j.messaging_limit_tier) ?? str(j.whatsapp_business_manager_messaging_limit),
      };
    },

    async listTemplates(number: NumberCredentials): Promise<ProviderTemplate[]> {
      const out: ProviderTemplate[] = [];
      const first = graphUrl(number, `${encodeURIComponent(number.wabaId)}/message_templates`);
      first.searchParams.set('limit', '100');
      first.searchParams.set('fields', 'id,name,language,category,status,components,parameter_format,quality_score,rejected_reason');
      let url: URL | null = first;
      for (let page = 0; url && page < 1000; page++) {
        const { json } = await graphJson('GET', url, number.accessToken);
        const j = (json ?? {}) as { data?: Record<string, unknown>[]; paging?: { next?: string; cursors?: { after?: string } } };
        for (const r of j.data ?? []) {
          out.push({
            id: String(r.id),
            name: String(r.name),
            language: String(r.language),
            category: String(r.category),
            status: String(r.status),
            components: Array.isArray(r.components) ? r.components : [],
            ...(typeof r.parameter_format === 'string' ? { parameterFormat: r.parameter_format } : {}),
            qualityScore: typeof r.quality_score === 'string' ? r.quality_score : ((r.quality_score as { score?: string } | undefined)?.score ?? null),
            rejectedReason: typeof r.rejected_reason === 'string' ? r.rejected_reason : null,
          });
        }
        const after = j.paging?.cursors?.after;
        if (!j.paging?.next || !after || (j.data ?? []).length === 0) break;
        // Follow the cursor on our own URL: the token must not go to an origin we did not configure.
        url = new URL(first);
        url.searchParams.set('after', after);
      }
      return out;
    },

    async downloadMedia(number: NumberCredentials, mediaId: string) {
      const info = graphUrl(number, encodeURIComponent(mediaId));
      info.searchParams.set('phone_number_id', number.phoneNumberId);
      const { json } = await graphJson('GET', info, number.accessToken);
      const j = (json ?? {}) as { url?: unknown; mime_type?: unknown; sha256?: unknown; file_size?: unknown };
      if (typeof j.url !== 'string') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'Media answer without a url' });
      if (typeof j.file_size === 'number' && j.file_size > MAX_MEDIA_BYTES) throw new MetaApiError({ code: 131052, title: 'Media file size too big' });
      const mediaUrl = new URL(j.url);
      // Meta's media URL needs the same bearer token (limits §7.1).
      let res: Dispatcher.ResponseData;
      try {
        res = await agent.request({ origin: mediaUrl.origin, path: mediaUrl.pathname + mediaUrl.search, method: 'GET', headers: { authorization: `Bearer ${number.accessToken}` } });
      } catch (err) {
        throw new MetaApiError(transportError(err));
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: `Media download answered HTTP ${res.statusCode}`, httpStatus: res.statusCode });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_MEDIA_BYTES) {
          res.body.destroy();
          throw new MetaApiError({ code: 131052, title: 'Media file size too big' });
        }
        chunks.push(chunk as Buffer);
      }
      const header = res.headers['content-type'];
      const mimeType = (typeof j.mime_type === 'string' ? j.mime_type : Array.isArray(header) ? header[0] : header) ?? 'application/octet-stream';
      return { bytes: Buffer.concat(chunks), mimeType, ...(typeof j.sha256 === 'string' ? { sha256: j.sha256 } : {}) };
    },

    async uploadMedia(number: NumberCredentials, file: { bytes: Buffer; mimeType: string; fileName?: string }) {
      const form = new FormData();
      form.append('messaging_product', 'whatsapp');
      form.append('type', file.mimeType);
      form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.fileName ?? 'file');
      const { json } = await graphJson('POST', graphUrl(number, `${encodeURIComponent(number.phoneNumberId)}/media`), number.accessToken, form);
      const id = (json as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' && typeof id !== 'number') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'Upload answer without an id' });
      return { id: String(id) };
    },

    async close() {
      await agent.close();
    },
  };
}

/** GET {graph}/{waba-id}/subscribed_apps (numbers test): the apps receiving this WABA's webhooks. */
export async function getSubscribedApps(dispatcher: Dispatcher, number: NumberCredentials): Promise<{ ok: true; apps: unknown[] } | { ok: false; status?: number; error: MetaError }> {
  const url = new URL(`${number.graphBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(number.wabaId)}/subscribed_apps`);
  try {
    const res = await dispatcher.request({ origin: url.origin, path: url.pathname, method: 'GET', headers: { authorization: `Bearer ${number.accessToken}` } });
    const text = await res.body.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (res.statusCode === 200) return { ok: true, apps: ((json as { data?: unknown[] } | null)?.data ?? []) };
    return { ok: false, status: res.statusCode, error: parseMetaError(json, res.statusCode) ?? { code: TRANSPORT_ERROR_CODE, title: `HTTP ${res.statusCode}`, httpStatus: res.statusCode } };
  } catch (err) {
    return { ok: false, error: transportError(err) };
  }
}
