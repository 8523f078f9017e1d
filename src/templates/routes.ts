import multipart from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';
import type { Principal } from '../workspaces/authenticate-key.ts';
import { createTemplate } from './create-template.ts';
import { deleteTemplate } from './delete-template.ts';
import { resolveTemplateNumber, type TemplateDeps } from './deps.ts';
import { editTemplate } from './edit-template.ts';
import { getTemplate, queryTemplates } from './find-template.ts';
import { renderTemplatePreview } from './render-preview.ts';
import { syncNumberTemplates } from './sync-number-templates.ts';
import { listTemplateEvents } from './template-events.ts';
import type { Template } from './template.ts';
import { MAX_TEMPLATE_MEDIA_BYTES, uploadTemplateMedia } from './upload-template-media.ts';
import { setTrackedLinks } from './tracked-links.ts';
import { validateTemplateDefinition } from './validate-template.ts';

const security = [{ apiKey: [] }];
const tags = ['templates'];

/** The services' resources, read per request (the template refresher is set after the routes). */
export function templateDeps(ctx: AppContext): TemplateDeps {
  return {
    database: ctx.database,
    clock: ctx.clock,
    whatsapp: ctx.whatsapp,
    publicUrl: ctx.config.publicUrl,
    mediaDays: ctx.config.retention.mediaDays,
    refresher: ctx.templateRefresher,
  };
}

const AnyObject = Type.Object({}, { additionalProperties: true });
const Component = Type.Object(
  { type: Type.String({ description: 'HEADER, BODY, FOOTER, BUTTONS or CAROUSEL' }) },
  { additionalProperties: true, description: "Meta's component object: {type, format?, text?, example?, buttons?, cards?}" },
);
const Iso = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const TemplateSchema = Type.Object({
  id: Type.String({ description: "Samvad's id" }),
  providerTemplateId: Type.Union([Type.String(), Type.Null()], { description: "Meta's template id (null until Meta answered the create)" }),
  wabaId: Type.String(),
  name: Type.String(),
  language: Type.String(),
  category: Type.String({ description: 'MARKETING, UTILITY or AUTHENTICATION' }),
  status: Type.String({ description: 'PENDING, APPROVED, REJECTED, PAUSED, DISABLED, IN_APPEAL, PENDING_DELETION, DELETED, … (from Meta\'s webhooks)' }),
  parameterFormat: Type.String({ enum: ['positional', 'named'] }),
  components: Type.Array(Component),
  qualityScore: Type.Union([Type.String(), Type.Null()], { description: 'GREEN, YELLOW, RED or UNKNOWN' }),
  rejectedReason: Type.Union([Type.String(), Type.Null()], { description: "Meta's reason: INVALID_FORMAT, INCORRECT_CATEGORY, PROMOTIONAL, …" }),
  rejectionInfo: Type.Union([AnyObject, Type.Null()], { description: "Meta's rejection_info {reason, recommendation}" }),
  statusDetail: Type.Union([AnyObject, Type.Null()], { description: "The last event's other_info (FIRST_PAUSE, SECOND_PAUSE, UNPAUSE, DISABLED) and disable_info" }),
  statusChangedAt: Iso,
  disabledAt: Iso,
  subCategory: Type.Union([Type.String(), Type.Null()]),
  ttlSeconds: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.String({ description: "'samvad' (created here) or 'sync' (imported from Meta)" }),
  trackedLinks: Type.Record(Type.String(), Type.String(), { description: 'Click-tracked URL buttons: button index → the brand link /r/{token} redirects to' }),
  sendable: Type.Boolean({ description: 'Only APPROVED templates can be sent' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function templateJson(t: Template): Static<typeof TemplateSchema> {
  return {
    id: t.id,
    providerTemplateId: t.providerTemplateId,
    wabaId: t.wabaId,
    name: t.name,
    language: t.language,
    category: t.category,
    status: t.status,
    parameterFormat: t.parameterFormat,
    components: t.components,
    qualityScore: t.qualityScore,
    rejectedReason: t.rejectedReason,
    rejectionInfo: t.rejectionInfo,
    statusDetail: t.statusDetail,
    statusChangedAt: iso(t.statusChangedAt),
    disabledAt: iso(t.disabledAt),
    subCategory: t.subCategory,
    ttlSeconds: t.ttlSeconds,
    source: t.source,
    trackedLinks: t.trackedLinks,
    sendable: t.status === 'APPROVED',
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}

const Definition = {
  name: Type.String({ minLength: 1, maxLength: 600, description: 'Lowercase letters, digits and underscores, ≤512' }),
  language: Type.String({ minLength: 1, maxLength: 16, description: "Meta's code: en, en_US, hi, …" }),
  category: Type.String({ minLength: 1, maxLength: 40, description: 'MARKETING, UTILITY or AUTHENTICATION' }),
  parameter_format: Type.Optional(Type.String({ description: 'positional (default) or named' })),
  components: Type.Array(Component, { maxItems: 20 }),
  message_send_ttl_seconds: Type.Optional(Type.Integer()),
  sub_category: Type.Optional(Type.String({ maxLength: 64 })),
};
const TrackedLinks = Type.Record(Type.String({ pattern: '^[0-9]$' }), Type.String({ maxLength: 2000 }), {
  description:
    'Click tracking: button index (in the BUTTONS component, from 0) → the brand link. Each named URL button is created with SAMVAD_PUBLIC_URL/r/{{1}}; every send fills {{1}} with a signed token, and /r/{token} records the click, emits message_api_clicked (CTA shape) or message_campaign_clicked, and redirects (302) to the link. A value the sender gives for such a button is appended to the link.',
});
export const CreateTemplateBody = Type.Object(
  {
    numberId: Type.Optional(Type.String({ maxLength: 64, description: "The number whose WABA gets it (Samvad id or Meta's phone-number id); default number if absent" })),
    ...Definition,
    trackedLinks: Type.Optional(TrackedLinks),
  },
  { additionalProperties: false },
);
const ValidateBody = Type.Object({ ...Definition, name: Type.Optional(Definition.name), language: Type.Optional(Definition.language), category: Type.Optional(Definition.category), components: Type.Optional(Definition.components) }, { additionalProperties: true });
const EditBody = Type.Object(
  { category: Type.Optional(Type.String({ maxLength: 40 })), components: Type.Optional(Type.Array(Component, { maxItems: 20 })), message_send_ttl_seconds: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);
const StringArray = Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 100 });
export const PreviewBody = Type.Object(
  {
    headerValues: Type.Optional(StringArray),
    bodyValues: Type.Optional(StringArray),
    buttonValues: Type.Optional(Type.Record(Type.String(), StringArray, { description: 'Button index → values' })),
    carouselCards: Type.Optional(Type.Array(Type.Object({ headerValues: Type.Optional(StringArray), bodyValues: Type.Optional(StringArray), buttonValues: Type.Optional(Type.Record(Type.String(), StringArray)) }), { maxItems: 10 })),
  },
  { additionalProperties: false, description: "Interakt's value shape, as in POST /v1/public/message/ (template.*Values)" },
);
const PreviewReply = Type.Object({
  text: Type.String({ description: 'The message as the phone shows it: header, body, footer, then [button] labels, one per line' }),
  header: Type.Union([Type.String(), Type.Null()]),
  headerMedia: Type.Union([Type.Object({ format: Type.String(), link: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  body: Type.String(),
  footer: Type.Union([Type.String(), Type.Null()]),
  buttons: Type.Array(AnyObject),
  cards: Type.Array(AnyObject),
});
const Problem = Type.Object({ field: Type.String(), message: Type.String() });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: 'Comma-separated statuses (APPROVED,PENDING,…); DELETED ones are listed only when asked for' })),
    name: Type.Optional(Type.String({ maxLength: 512, description: 'Part of the name' })),
    language: Type.Optional(Type.String({ maxLength: 16 })),
    category: Type.Optional(Type.String({ maxLength: 40 })),
    numberId: Type.Optional(Type.String({ maxLength: 64, description: "Only this number's WABA" })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SyncBody = Type.Union([Type.Object({ numberId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }), Type.Null()]);

function workspaceOf(request: { principal?: unknown }): string {
  const p = request.principal as Principal | undefined;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  return p.workspace.id;
}

/** /api/v1/templates: agents read and preview; admins create, edit, delete, sync and upload. Inside the native API scope. */
export function registerTemplateRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/templates',
    { config: { access: 'agent' }, schema: { tags, summary: "The workspace's templates, newest first (filters: status, name, language, category, number)", security, querystring: ListQuery, response: { 200: Type.Object({ total: Type.Integer(), data: Type.Array(TemplateSchema) }) } } },
    async (request) => {
      const q = request.query;
      const ws = workspaceOf(request);
      let wabaId: string | undefined;
      if (q.numberId) wabaId = (await resolveTemplateNumber(ctx.database, ws, q.numberId)).wabaId;
      const r = await queryTemplates(ctx.database.db, ws, {
        wabaId,
        statuses: q.status ? q.status.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined,
        name: q.name,
        language: q.language,
        category: q.category,
        offset: q.offset,
        limit: q.limit ?? 100,
      });
      return { total: r.total, data: r.templates.map(templateJson) };
    },
  );
  app.post<{ Body: Static<typeof CreateTemplateBody> }>(
    '/templates',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "Create a template in the number's WABA: Meta's rules are checked first (every problem listed at once), then it is submitted for review (PENDING until Meta's status webhook)",
        security,
        body: CreateTemplateBody,
        response: { 201: TemplateSchema },
      },
    },
    async (request, reply) => reply.code(201).send(templateJson(await createTemplate(templateDeps(ctx), workspaceOf(request), request.body))),
  );
  app.post<{ Body: Static<typeof ValidateBody> }>(
    '/templates/validate',
    { config: { access: 'agent' }, schema: { tags, summary: "Check a definition against Meta's creation rules without submitting it", security, body: ValidateBody, response: { 200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Problem) }) } } },
    async (request) => {
      const { problems } = validateTemplateDefinition(request.body);
      return { valid: problems.length === 0, problems };
    },
  );
  app.post<{ Body: Static<typeof SyncBody> }>(
    '/templates/sync',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "Sync from Meta: import every template of the number's WABA (ones created in Meta's tools too)",
        security,
        body: Type.Optional(SyncBody),
        response: { 200: Type.Object({ numberId: Type.String(), wabaId: Type.String(), upserted: Type.Integer(), removed: Type.Integer(), total: Type.Integer() }) },
      },
    },
    async (request) => syncNumberTemplates(templateDeps(ctx), workspaceOf(request), request.body?.numberId),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/templates/:id',
    { config: { access: 'agent' }, schema: { tags, summary: "One template (Samvad's or Meta's id)", security, params: IdParams, response: { 200: TemplateSchema } } },
    async (request) => templateJson(await getTemplate(ctx.database.db, workspaceOf(request), request.params.id)),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/templates/:id/events',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: "Meta's lifecycle events of a template, oldest first: approvals, rejections with reason, pauses, disables, quality and category changes",
        security,
        params: IdParams,
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({ event: Type.String(), status: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), qualityScore: Type.Union([Type.String(), Type.Null()]), detail: Type.Union([AnyObject, Type.Null()]), at: Type.String({ format: 'date-time' }) }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const ws = workspaceOf(request);
      const t = await getTemplate(ctx.database.db, ws, request.params.id);
      return { data: (await listTemplateEvents(ctx.database.db, ws, t.id)).map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
    },
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof EditBody> }>(
    '/templates/:id',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'Edit a template in Meta (components replaced whole, category, TTL); a content change goes back to review', security, params: IdParams, body: EditBody, response: { 200: TemplateSchema } },
    },
    async (request) => templateJson(await editTemplate(templateDeps(ctx), workspaceOf(request), request.params.id, request.body)),
  );
  app.put<{ Params: Static<typeof IdParams>; Body: { trackedLinks: Record<string, string> } }>(
    '/templates/:id/tracked-links',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Set (or clear with {}) the brand links of tracked URL buttons: for a template whose URL buttons end in /r/{{1}} (e.g. created in Meta\'s tools and synced), or to change where clicks go. No review: the definition in Meta is unchanged.',
        security,
        params: IdParams,
        body: Type.Object({ trackedLinks: TrackedLinks }, { additionalProperties: false }),
        response: { 200: TemplateSchema },
      },
    },
    async (request) => templateJson(await setTrackedLinks(ctx.database, workspaceOf(request), request.params.id, request.body.trackedLinks, ctx.clock.nowMs())),
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/templates/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Delete a template (this language) in Meta; kept here as DELETED since messages name it', security, params: IdParams, response: { 200: TemplateSchema } } },
    async (request) => templateJson(await deleteTemplate(templateDeps(ctx), workspaceOf(request), request.params.id)),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof PreviewBody> }>(
    '/templates/:id/preview',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: "What a customer sees for the template filled with these values; values that don't fit its variables answer 400 listing each",
        security,
        params: IdParams,
        body: PreviewBody,
        response: { 200: PreviewReply },
      },
    },
    async (request) => renderTemplatePreview(await getTemplate(ctx.database.db, workspaceOf(request), request.params.id), request.body),
  );
  // Header samples: multipart, in a scope of its own (the rest of the API is JSON).
  app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_TEMPLATE_MEDIA_BYTES, files: 1, fields: 5 } });
    scope.post(
      '/templates/media',
      {
        config: { access: 'admin' },
        bodyLimit: MAX_TEMPLATE_MEDIA_BYTES + 64 * 1024,
        schema: {
          tags,
          summary: "Upload a media header's sample (multipart field `file`; optional field `numberId`): JPEG/PNG ≤5 MB, MP4 ≤16 MB, PDF ≤100 MB. Use the fileHandle as example.header_handle",
          security,
          consumes: ['multipart/form-data'],
          response: { 201: Type.Object({ fileUrl: Type.String(), fileHandle: Type.String(), fileName: Type.String(), mimeType: Type.String(), headerFormat: Type.String(), sizeBytes: Type.Integer() }) },
        },
      },
      async (request, reply) => {
        const file = await readUpload(request, 'file');
        return reply.code(201).send(await uploadTemplateMedia(templateDeps(ctx), workspaceOf(request), file));
      },
    );
  });
}

/** The one file of a multipart request (field `fieldName`) with the other fields; 400 when missing. */
export async function readUpload(request: FastifyRequest, fieldName: string): Promise<{ bytes: Buffer; mimeType: string; fileName: string; numberId?: string }> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type', `Send multipart/form-data with the file in the "${fieldName}" field`);
  let found: { bytes: Buffer; mimeType: string; fileName: string } | undefined;
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== fieldName || found) {
        await part.toBuffer();
        continue;
      }
      const bytes = await part.toBuffer();
      if (part.file.truncated) throw new AppError('payload_too_large', `The file is larger than ${MAX_TEMPLATE_MEDIA_BYTES / 1024 / 1024} MB`);
      found = { bytes, mimeType: part.mimetype, fileName: part.filename };
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  if (!found) throw new AppError('validation_failed', `No file in the "${fieldName}" field of the multipart body`);
  return { ...found, ...(fields.numberId ? { numberId: fields.numberId } : {}) };
}
