import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findNumberRow } from '../../channels/whatsapp/numbers/manage-numbers.ts';
import { findContactByPhone, getContact, parsePhoneInput, parseWaId } from '../../contacts/index.ts';
import type { AppContext } from '../../http-context.ts';
import type { OutboundContent } from '../../messaging/content.ts';
import { buildTemplateObject, type TemplateValues } from '../../messaging/send/build-template.ts';
import { invalid, refuse } from '../../messaging/send/invalid.ts';
import { findConversationWindow, resolveReplyTarget } from '../../messaging/send/recipient-state.ts';
import { acceptSend, AUTHENTICATION_TTL_MS } from '../../messaging/send/send-message.ts';
import { SendingNumbers } from '../../messaging/send/sending-numbers.ts';
import { latestConversationOfContact } from '../conversation-ref.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { sessionContent } from '../../public-api/send/to-content.ts';
import { findTemplate } from '../../templates/index.ts';
import { trackedSendValues } from '../../campaigns/index.ts';
import { newId } from '../../platform/ids.ts';
import { getConversationRef } from '../conversation-ref.ts';
import { Id, security, tags } from './common.ts';

const StringArray = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 });
const ReplyBody = Type.Object(
  {
    type: Type.String({ enum: ['text', 'image', 'video', 'audio', 'document', 'template'] }),
    text: Type.Optional(Type.String({ maxLength: 4096, description: 'text: the message; image/video/document: the caption' })),
    mediaUrl: Type.Optional(Type.String({ maxLength: 2048, description: 'image/video/audio/document: a public https link to the file' })),
    fileName: Type.Optional(Type.String({ maxLength: 240 })),
    replyTo: Type.Optional(Type.String({ maxLength: 128, description: 'Quote a message: its wamid or Samvad id' })),
    template: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 512 }),
          languageCode: Type.String({ minLength: 2, maxLength: 16 }),
          headerValues: Type.Optional(StringArray),
          bodyValues: Type.Optional(StringArray),
          buttonValues: Type.Optional(Type.Record(Type.String(), StringArray)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const StartBody = Type.Object(
  {
    phone: Type.String({ minLength: 6, maxLength: 32, description: 'Country code and number: "919800000002" (a leading + is tolerated)' }),
    template: Type.Index(ReplyBody, ['template']),
  },
  { additionalProperties: false },
);
const ReplyAnswer = Type.Object({ id: Type.String({ description: "The message's id (GET /api/v1/messages/:id)" }), status: Type.String() });

const SESSION_TYPE = { text: 'Text', image: 'Image', video: 'Video', audio: 'Audio', document: 'Document' } as const;

/**
 * An agent's reply from the inbox: POST /api/v1/inbox/conversations/:id/messages. The same checks
 * and durable path as the public send API (acceptSend, source "agent"): free text and media only
 * while the customer's 24-hour window is open, otherwise an approved template.
 */
export function registerSendReplyRoute(app: FastifyInstance, ctx: AppContext) {
  const wake = (numberId: string) => ctx.dispatch.wake(numberId);
  app.post<{ Params: Static<typeof Id>; Body: Static<typeof ReplyBody> }>(
    '/inbox/conversations/:id/messages',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: "Reply in a conversation as an agent: text or media while the 24-hour window is open, else an approved template (the public send API's checks)",
        security,
        params: Id,
        body: ReplyBody,
        response: { 201: ReplyAnswer },
      },
    },
    async (request, reply) => {
      const { workspace } = principalOf(request);
      const body = request.body;
      const ref = await getConversationRef(ctx.database.db, workspace.id, request.params.id);
      const row = await findNumberRow(ctx.database, workspace.id, ref.numberId);
      const contact = await getContact(ctx.database.db, workspace.id, ref.contactId);
      if (!row || !contact) throw new AppError('not_found', 'The conversation\'s number or contact is gone');
      const number = { id: row.id, workspaceId: row.workspace_id, phoneNumberId: row.phone_number_id, wabaId: row.waba_id, isSandbox: Number(row.is_sandbox) === 1 };
      const media = { allowPrivate: ctx.sandbox || number.isSandbox };

      let content: OutboundContent;
      let template: { name: string; language: string; category: string } | undefined;
      let messageId: string | undefined;
      if (body.type === 'template') {
        if (!body.template) invalid('template', 'is required for type template: {name, languageCode, bodyValues?, headerValues?, buttonValues?}');
        const t = await approvedTemplate(ctx, workspace.id, number.wabaId, body.template.name, body.template.languageCode);
        // Click-tracked URL buttons carry a token signed with the message's id, made here.
        const tracked = trackedSendValues(ctx.campaigns?.tokens, t, body.template as TemplateValues, () => newId(ctx.clock.nowMs()), 'template.buttonValues');
        messageId = tracked.messageId;
        content = { type: 'template', template: buildTemplateObject(t, tracked.values, media) };
        template = { name: t.name, language: t.language, category: t.category };
      } else {
        const windowExpiresAt = await findConversationWindow(ctx.database.db, number.id, contact.id);
        if (windowExpiresAt === null || windowExpiresAt <= ctx.clock.nowMs()) {
          refuse('The customer has not written in the last 24 hours: only an approved template can be sent', { reason: 'window_closed' });
        }
        const data = body.type === 'text' ? { message: body.text } : { mediaUrl: body.mediaUrl, ...(body.text ? { message: body.text } : {}), ...(body.fileName ? { fileName: body.fileName } : {}) };
        content = sessionContent(SESSION_TYPE[body.type as keyof typeof SESSION_TYPE], data, media).content;
      }
      const replyToWamid = body.replyTo ? await resolveReplyTarget(ctx.database.db, workspace.id, body.replyTo, 'replyTo') : null;
      const accepted = await acceptSend(ctx.database, ctx.clock, {
        workspaceId: workspace.id,
        number,
        phone: parseWaId(contact.phone),
        contactId: contact.id,
        content,
        template,
        replyToWamid,
        messageId,
        source: 'agent',
        ttlMs: template?.category === 'AUTHENTICATION' ? AUTHENTICATION_TTL_MS : ctx.config.messageTtlMs,
        answer: (id) => ({ statusCode: 201, body: { id, status: 'queued' } }),
        wake,
      });
      return reply.code(201).send(accepted.answer.body);
    },
  );

  const numbers = new SendingNumbers(ctx.database, ctx.clock);
  app.post<{ Body: Static<typeof StartBody> }>(
    '/inbox/conversations',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: "Start a conversation from the inbox: an approved template to a phone number, from the workspace's default number (the contact is created if new)",
        security,
        body: StartBody,
        response: { 201: Type.Composite([ReplyAnswer, Type.Object({ conversationId: Type.String() })]) },
      },
    },
    async (request, reply) => {
      const { workspace } = principalOf(request);
      if (!request.body.template) invalid('template', 'is required');
      const phone = parsePhoneInput({ fullPhoneNumber: request.body.phone });
      const number = await numbers.resolve(workspace.id, undefined);
      const media = { allowPrivate: ctx.sandbox || number.isSandbox };
      const t = await approvedTemplate(ctx, workspace.id, number.wabaId, request.body.template.name, request.body.template.languageCode);
      const tracked = trackedSendValues(ctx.campaigns?.tokens, t, request.body.template as TemplateValues, () => newId(ctx.clock.nowMs()), 'template.buttonValues');
      const accepted = await acceptSend(ctx.database, ctx.clock, {
        workspaceId: workspace.id,
        number,
        phone,
        contactId: null,
        messageId: tracked.messageId,
        content: { type: 'template', template: buildTemplateObject(t, tracked.values, media) },
        template: { name: t.name, language: t.language, category: t.category },
        source: 'agent',
        ttlMs: t.category === 'AUTHENTICATION' ? AUTHENTICATION_TTL_MS : ctx.config.messageTtlMs,
        answer: (id) => ({ statusCode: 201, body: { id, status: 'queued' } }),
        wake,
      });
      const contact = await findContactByPhone(ctx.database.db, workspace.id, phone.phone);
      const conversation = contact ? await latestConversationOfContact(ctx.database.db, workspace.id, contact.id) : null;
      if (!conversation) throw new AppError('internal', 'The conversation was not created');
      return reply.code(201).send({ ...(accepted.answer.body as { id: string; status: string }), conversationId: conversation.conversationId });
    },
  );
}

async function approvedTemplate(ctx: AppContext, workspaceId: string, wabaId: string, name: string, language: string) {
  const t = (await findTemplate(ctx.database.db, ctx.clock.nowMs(), workspaceId, wabaId, name, language)).template;
  if (!t || t.status !== 'APPROVED') refuse(`Template "${name}" (${language}) is not approved for this number${t ? ` (it is ${t.status})` : ''}`);
  return t;
}
