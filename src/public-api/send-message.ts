import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findContactByPhone, parsePhoneInput } from '../contacts/index.ts';
import type { AppContext } from '../http-context.ts';
import type { OutboundContent } from '../messaging/content.ts';
import { buildTemplateObject, type TemplateValues } from '../messaging/send/build-template.ts';
import { checkIdempotencyKey, hashRequest, lookupIdempotencyKey, type IdempotencyRequest } from '../messaging/send/idempotency.ts';
import { invalid, refuse } from '../messaging/send/invalid.ts';
import { findConversationWindow, resolveReplyTarget } from '../messaging/send/recipient-state.ts';
import { acceptSend, AUTHENTICATION_TTL_MS } from '../messaging/send/send-message.ts';
import { SendingNumbers } from '../messaging/send/sending-numbers.ts';
import { findTemplate, type Template } from '../templates/index.ts';
import { trackedSendValues } from '../campaigns/index.ts';
import { newId } from '../platform/ids.ts';
import { principalOf } from './plugin.ts';
import { MESSAGE_TYPES, sessionContent, type SessionType } from './send/to-content.ts';

/** Interakt's exact success strings (integrators match on them; the brand name is part of the contract). */
export const SESSION_QUEUED = 'Message queued for sending via Interakt. Check webhook for delivery status';
export const TEMPLATE_CREATED = 'Message created successfully';
export const CUSTOMER_NOT_AVAILABLE = 'Please correct the following error - Customer is not available for the organization';
export const WINDOW_CLOSED = 'Please correct the following error - Customer has not messaged within last 24 hours';

const StringArray = Type.Array(Type.String());

export const SendMessageBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ maxLength: 255, description: "Your own id for this customer (stored on the contact that a template send creates)." })),
    fullPhoneNumber: Type.Optional(Type.String({ maxLength: 32, description: 'Country code and number, digits only: "919876543210" (a leading "+" is tolerated).' })),
    countryCode: Type.Optional(Type.String({ maxLength: 8, description: 'With phoneNumber: "+91".' })),
    phoneNumber: Type.Optional(Type.String({ maxLength: 32, description: 'With countryCode: the national number without country code or leading 0: "9876543210".' })),
    callbackData: Type.Optional(Type.String({ maxLength: 512, description: 'Echoed in the webhooks of this message (≤512).' })),
    campaignId: Type.Optional(Type.String({ maxLength: 64 })),
    template_category: Type.Optional(Type.String({ maxLength: 32, description: "Template sends only: refuse the send unless the template's current category is this one (e.g. \"utility\")." })),
    phoneNumberId: Type.Optional(Type.String({ maxLength: 64, description: "Samvad: send from this connected number (Meta's phone-number id) instead of the workspace's default." })),
    replyTo: Type.Optional(
      Type.String({
        maxLength: 128,
        description: "Samvad: reply to (quote) a message — its WhatsApp id (wamid.…) or Samvad's message id. Not for Reaction. Meta's `context: {message_id}` is accepted too.",
      }),
    ),
    context: Type.Optional(Type.Object({ message_id: Type.String({ maxLength: 128 }) }, { description: "Meta's reply shape; same as replyTo." })),
    type: Type.Union(
      MESSAGE_TYPES.map((t) => Type.Literal(t)),
      {
        description:
          'Interakt types: Text, Image, Video, Audio, Document, Sticker, InteractiveButton, InteractiveList, Template. Samvad additions: InteractiveCTA (data.message: Meta cta_url interactive), Location (data: {latitude, longitude, name?, address?}), Contacts (data.contacts: Meta contacts array, ≤257), Reaction (data: {messageId: wamid or Samvad id, emoji: one emoji or "" to remove}), Product, ProductList, Catalog, LocationRequest, Flow (data.message: Meta interactive object of type product, product_list, catalog_message, location_request_message, flow).',
      },
    ),
    data: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'Session types. Text: {message ≤4096, previewUrl?}. Image/Video/Document: {mediaUrl, message? (caption ≤1024), fileName? (Document)}. Audio/Sticker: {mediaUrl}. Interactive*/Product*/Catalog/LocationRequest/Flow: {message: Meta interactive object}. Every Cloud API limit is checked before accepting.',
        },
      ),
    ),
    template: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 512 }),
          languageCode: Type.String({ minLength: 2, maxLength: 16 }),
          headerValues: Type.Optional(StringArray),
          bodyValues: Type.Optional(StringArray),
          buttonValues: Type.Optional(Type.Record(Type.String(), StringArray, { description: 'Button index ("0".."9") → values, e.g. {"1": ["order-123"]} for a dynamic URL button at index 1; the OTP or coupon code for index 0.' })),
          fileName: Type.Optional(Type.String({ maxLength: 240 })),
          carouselCards: Type.Optional(
            Type.Array(Type.Object({ headerValues: Type.Optional(StringArray), bodyValues: Type.Optional(StringArray), buttonValues: Type.Optional(Type.Record(Type.String(), StringArray)) }), { maxItems: 10 }),
          ),
          order_details: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'WhatsApp Pay order (amounts in rupees).' })),
          order_status: Type.Optional(Type.Object({}, { additionalProperties: true })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: true },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

const SendMessageReply = Type.Object({ result: Type.Boolean(), message: Type.String(), id: Type.String() });

type AnyCtx = AppContext & { dispatch?: { wake(numberId: string): void } };

/**
 * POST /v1/public/message/ — Interakt's send API. Validates everything locally (phone, content
 * limits, media links, template name/language/status/category/variables, the 24-hour window),
 * then stores the message and its send job in one durable transaction and answers 201 with
 * Interakt's body and Samvad's message id. `Idempotency-Key`: a repeat within 24 hours gets the
 * first answer and stores nothing; the same key with another body gets 409.
 */
export function registerSendMessage(app: FastifyInstance, ctx: AnyCtx) {
  const numbers = new SendingNumbers(ctx.database, ctx.clock);
  const wake = (numberId: string) => ctx.dispatch?.wake(numberId);

  const handler = async (request: FastifyRequest<{ Body: SendMessageBody }>, reply: FastifyReply) => {
    const { workspace } = principalOf(request);
    const body = request.body;
    const now = ctx.clock.nowMs();

    let idempotency: (IdempotencyRequest & { replaceExpired: boolean }) | undefined;
    const rawKey = request.headers['idempotency-key'];
    if (rawKey !== undefined) {
      const key = checkIdempotencyKey(Array.isArray(rawKey) ? rawKey.join(',') : rawKey);
      const req = { workspaceId: workspace.id, key, requestHash: hashRequest(body) };
      const found = await lookupIdempotencyKey(ctx.database.db, req, now);
      if (found.kind === 'repeat') {
        reply.header('Idempotent-Replayed', 'true');
        return reply.code(found.answer.statusCode).send(found.answer.body);
      }
      idempotency = { ...req, replaceExpired: found.kind === 'expired' };
    }

    const phone = parsePhoneInput(body);
    const number = await numbers.resolve(workspace.id, body.phoneNumberId);
    const media = { allowPrivate: ctx.sandbox || number.isSandbox };
    const replyRef = body.replyTo ?? body.context?.message_id;

    let content: OutboundContent;
    let contactId: string | null = null;
    let template: Template | undefined;
    let replyToWamid: string | null = null;
    let messageId: string | undefined;

    if (body.type === 'Template') {
      if (!body.template) invalid('template', 'is required for type Template: {name, languageCode, bodyValues?, headerValues?, buttonValues?}');
      template = await resolveTemplate(ctx, workspace.id, number.id, number.wabaId, body.template.name, body.template.languageCode);
      if (body.template_category !== undefined && body.template_category.toLowerCase() !== template.category.toLowerCase()) {
        refuse(
          `Message not sent. Template category mismatch: Expected '${body.template_category}', but received '${template.category}'. Please update the request to match the approved template category.`,
        );
      }
      // Click-tracked URL buttons carry a token signed with the message id (the sender's value, if
      // any, becomes the suffix appended to the brand's link): the id is made here, before the content.
      const tracked = trackedSendValues(ctx.campaigns?.tokens, template, body.template as TemplateValues, () => newId(now));
      messageId = tracked.messageId;
      content = { type: 'template', template: buildTemplateObject(template, tracked.values, media) };
    } else {
      if (body.data === undefined) invalid('data', `is required for type ${body.type}`);
      const built = sessionContent(body.type as SessionType, body.data, media);
      content = built.content;
      if (built.reactionTo !== undefined) {
        if (replyRef !== undefined) invalid('replyTo', 'cannot be used with a Reaction (the reaction names its message in data.messageId)');
        const target = await resolveReplyTarget(ctx.database.db, workspace.id, built.reactionTo, 'data.messageId');
        (content.reaction as { message_id: string }).message_id = target;
      }
      const contact = await findContactByPhone(ctx.database.db, workspace.id, phone.phone);
      if (!contact) refuse(CUSTOMER_NOT_AVAILABLE);
      const windowExpiresAt = await findConversationWindow(ctx.database.db, number.id, contact.id);
      if (windowExpiresAt === null || windowExpiresAt <= now) refuse(WINDOW_CLOSED);
      contactId = contact.id;
    }
    if (replyRef !== undefined) replyToWamid = await resolveReplyTarget(ctx.database.db, workspace.id, replyRef, body.replyTo !== undefined ? 'replyTo' : 'context.message_id');

    const message = template ? TEMPLATE_CREATED : SESSION_QUEUED;
    const accepted = await acceptSend(ctx.database, ctx.clock, {
      workspaceId: workspace.id,
      number,
      phone,
      contactId,
      userId: body.userId,
      content,
      template: template ? { name: template.name, language: template.language, category: template.category } : undefined,
      callbackData: body.callbackData,
      campaignId: body.campaignId,
      replyToWamid,
      source: 'api',
      ttlMs: template?.category === 'AUTHENTICATION' ? AUTHENTICATION_TTL_MS : ctx.config.messageTtlMs,
      idempotency,
      answer: (id) => ({ statusCode: 201, body: { result: true, message, id } }),
      wake,
      messageId,
    });
    if (accepted.repeated) reply.header('Idempotent-Replayed', 'true');
    return reply.code(accepted.answer.statusCode).send(accepted.answer.body);
  };

  const schema = {
    tags: ['public'],
    summary: 'Send a WhatsApp message (Interakt-compatible)',
    description:
      "Interakt's `POST /v1/public/message/`. Answers 201 `{result: true, message, id}` once the message and its send job are stored; delivery status arrives by webhook. Errors: 400 `{result: false, message}` naming the field or rule (nothing is stored), 409 when an `Idempotency-Key` is reused with a different body. Header `Idempotency-Key` (optional, ≤255 visible ASCII): a repeat within 24 hours returns the first answer (header `Idempotent-Replayed: true`) and sends nothing.",
    security: [{ apiKey: [] }],
    headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Makes the request safe to retry for 24 hours.' })) }),
    body: SendMessageBody,
    response: { 201: SendMessageReply },
  };
  app.post<{ Body: SendMessageBody }>('/message/', { schema }, handler);
}

/** The template in the number's WABA, approved in that language, or a 400 saying why not. */
async function resolveTemplate(ctx: AppContext, workspaceId: string, numberId: string, wabaId: string, name: string, language: string): Promise<Template> {
  let found = await findTemplate(ctx.database.db, ctx.clock.nowMs(), workspaceId, wabaId, name, language);
  if (!found.template && ctx.templateRefresher) {
    const synced = await ctx.templateRefresher.refresh(workspaceId, numberId, wabaId);
    if (synced) found = await findTemplate(ctx.database.db, ctx.clock.nowMs(), workspaceId, wabaId, name, language);
  }
  const t = found.template;
  if (t && t.status === 'APPROVED') return t;
  if (t && t.status === 'PAUSED') refuse(`Template "${name}" (${language}) is paused by Meta because of low quality; it cannot be sent until Meta unpauses it`);
  if (t && t.status === 'DISABLED') refuse(`Template "${name}" (${language}) is disabled by Meta and cannot be sent`);
  const approved = found.languages.filter((l) => l.status === 'APPROVED').map((l) => l.language);
  if (found.languages.length === 0) {
    refuse(`Template error - no approved template found with name "${name}" in this number's WhatsApp Business Account (sync templates if it was created in Meta's Business Manager)`);
  }
  const where = approved.length > 0 ? `it is approved in: ${approved.join(', ')}` : 'it is not approved in any language yet';
  const status = t ? ` (it is ${t.status} in ${language})` : '';
  refuse(`Template error - no approved template found with name "${name}" in language "${language}"${status}; ${where}`);
}
