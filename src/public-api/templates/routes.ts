import multipart from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import {
  createTemplate,
  MAX_TEMPLATE_MEDIA_BYTES,
  queryTemplates,
  resolveLanguage,
  templateProblemsError,
  uploadTemplateMedia,
  validateTemplateDefinition,
  type TemplateProblem,
} from '../../templates/index.ts';
import { readUpload, templateDeps } from '../../templates/routes.ts';
import { principalOf } from '../plugin.ts';
import { statusesForApprovalFilter, toInteraktTemplate } from './interakt-template.ts';

/** Our wording (Interakt's exact create/upload success strings are not public). */
export const TEMPLATE_CREATED_MESSAGE = 'Template created successfully';
export const FILE_UPLOADED_MESSAGE = 'File uploaded successfully';

const ListQuery = Type.Object(
  {
    offset: Type.Optional(Type.String({ pattern: '^\\d{1,9}$' })),
    limit: Type.Optional(Type.String({ pattern: '^\\d{1,4}$', description: 'Page size, default 100 (at most 500)' })),
    template_name: Type.Optional(Type.String({ maxLength: 512, description: 'Part of the name or display name' })),
    autosubmitted_for: Type.Optional(Type.String({ maxLength: 64, description: 'Accepted and ignored ("all")' })),
    approval_status: Type.Optional(Type.String({ maxLength: 32, description: 'APPROVED, WAITING (in review), REJECTED, PAUSED, DISABLED or all (default)' })),
    variable_present: Type.Optional(Type.String({ maxLength: 8, description: 'Yes or No' })),
    language: Type.Optional(Type.String({ maxLength: 64, description: 'A code (en), a name (English) or all (default)' })),
  },
  { additionalProperties: true },
);

const StringOrArray = Type.Union([Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 }), Type.String({ maxLength: 4096 })]);
export const InteraktCreateBody = Type.Object(
  {
    display_name: Type.String({ minLength: 1, maxLength: 512, description: 'Becomes the template name: lowercased, spaces to underscores' }),
    language: Type.String({ minLength: 1, maxLength: 64, description: 'English name ("English", "Hindi") as Interakt takes it, or a code ("en")' }),
    category: Type.String({ minLength: 1, maxLength: 40, description: 'Marketing, Utility or Authentication' }),
    header_format: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()], { description: 'TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION' })),
    header: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
    header_text: Type.Optional(Type.Union([StringOrArray, Type.Null()], { description: 'Example value of the header variable' })),
    header_handle: Type.Optional(Type.Union([StringOrArray, Type.Null()], { description: 'file_handle from the upload call' })),
    header_handle_file_url: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
    header_handle_file_name: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    body: Type.String({ minLength: 1, maxLength: 4096 }),
    body_text: Type.Optional(Type.Union([StringOrArray, Type.Null()], { description: 'Example values of the body variables, in order' })),
    footer: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
    button_type: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()], { description: '"Call To Action" or "Quick Replies" (informative)' })),
    buttons: Type.Optional(Type.Union([Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 20 }), Type.String({ maxLength: 16384 }), Type.Null()], { description: "Meta's button objects (or their JSON string): {type: QUICK_REPLY|URL|PHONE_NUMBER|COPY_CODE, text, url?, phone_number?, example?}" })),
    parameter_format: Type.Optional(Type.String({ maxLength: 16 })),
    phoneNumberId: Type.Optional(Type.String({ maxLength: 64, description: "Samvad: the number whose WABA gets it (default number if absent)" })),
  },
  { additionalProperties: true },
);
type InteraktCreateBody = Static<typeof InteraktCreateBody>;

function asArray(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown;
      // Interakt's own JSON strings are sometimes double-encoded.
      if (typeof parsed === 'string') return asArray(parsed);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      /* a plain value */
    }
    return [v];
  }
  return [v];
}

/** Interakt's create body → Meta's definition, with each component's Interakt field name (for messages). */
function toDefinition(b: InteraktCreateBody, problems: TemplateProblem[]) {
  const language = resolveLanguage(b.language);
  if (!language) problems.push({ field: 'language', message: `"${b.language}" is not a language Meta supports for templates (give an English name such as "English" or a code such as "en")` });
  const components: Record<string, unknown>[] = [];
  const labels: string[] = [];
  const format = b.header_format ? b.header_format.toUpperCase() : b.header ? 'TEXT' : null;
  if (format && format !== 'NONE') {
    const h: Record<string, unknown> = { type: 'HEADER', format };
    if (format === 'TEXT') {
      h.text = b.header ?? '';
      const ex = asArray(b.header_text);
      if (ex) h.example = { header_text: ex };
    } else if (format !== 'LOCATION') {
      const handles = asArray(b.header_handle);
      if (handles) h.example = { header_handle: handles };
    }
    components.push(h);
    labels.push('header');
  }
  const bodyEx = asArray(b.body_text);
  components.push({ type: 'BODY', text: b.body, ...(bodyEx ? { example: { body_text: [bodyEx] } } : {}) });
  labels.push('body');
  if (b.footer) {
    components.push({ type: 'FOOTER', text: b.footer });
    labels.push('footer');
  }
  const buttons = asArray(b.buttons);
  if (buttons && buttons.length) {
    components.push({
      type: 'BUTTONS',
      buttons: buttons.map((x) => {
        const o = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
        return typeof o.type === 'string' ? { ...o, type: o.type.trim().toUpperCase().replace(/[\s-]+/g, '_') } : o;
      }),
    });
    labels.push('buttons');
  }
  const name = b.display_name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return { definition: { name, language: language ?? '', category: b.category, components, ...(b.parameter_format ? { parameter_format: b.parameter_format } : {}) }, labels, languageKnown: language !== null };
}

/** Meta-side field paths in Interakt's words: `name` → `display_name`, `components[1].text` → `body.text`. */
function inInteraktTerms(p: TemplateProblem, labels: string[]): TemplateProblem {
  if (p.field === 'name') return { ...p, field: 'display_name' };
  const m = /^components\[(\d+)\](.*)$/.exec(p.field);
  if (m && labels[Number(m[1])]) {
    const label = labels[Number(m[1])]!;
    let rest = m[2]!.replace(/^\.buttons/, '');
    if (label === 'body' && rest === '.example.body_text') rest = '_text';
    if (label === 'header' && rest === '.example.header_text') rest = '_text';
    if (label === 'header' && rest === '.example.header_handle') rest = '_handle';
    if (rest === '.text') rest = '';
    return { ...p, field: `${label}${rest}` };
  }
  return p;
}

/**
 * Interakt's template routes (interakt-api.md §6): list with its filters and response shape,
 * create (Interakt's body: English language name, title-case category, header/body/footer
 * fields, examples in header_text/body_text), and the header-media upload (`upload_to_fb`).
 */
export function registerInteraktTemplateRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/track/organization/templates',
    {
      schema: {
        tags: ['public'],
        summary: "Interakt's template list: {count, has_next, results: {templates: [...]}} with Interakt's template objects",
        querystring: ListQuery,
      },
    },
    async (request) => {
      const { workspace } = principalOf(request);
      const q = request.query;
      const offset = Number(q.offset ?? 0);
      const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 500);
      const statuses = statusesForApprovalFilter(q.approval_status);
      let language: string | undefined;
      if (q.language && q.language.toLowerCase() !== 'all') {
        language = resolveLanguage(q.language) ?? q.language;
      }
      const variable = q.variable_present?.toLowerCase();
      const r = await queryTemplates(ctx.database.db, workspace.id, {
        statuses: statuses ?? undefined,
        name: q.template_name ? q.template_name.trim().toLowerCase().replace(/\s+/g, '_') : undefined,
        language,
        hasVariables: variable === 'yes' ? true : variable === 'no' ? false : undefined,
        offset,
        limit,
      });
      return { count: r.total, has_next: offset + r.templates.length < r.total, results: { templates: r.templates.map(toInteraktTemplate) } };
    },
  );

  app.post<{ Body: InteraktCreateBody }>(
    '/track/templates/',
    {
      schema: {
        tags: ['public'],
        summary: "Interakt's create template: checked against Meta's rules (every problem in one message), then submitted to the WABA; approval_status WAITING until Meta's webhook",
        body: InteraktCreateBody,
      },
    },
    async (request, reply) => {
      const { workspace } = principalOf(request);
      const b = request.body;
      const problems: TemplateProblem[] = [];
      const { definition, labels } = toDefinition(b, problems);
      const checked = validateTemplateDefinition(definition).problems.filter((p) => !(p.field === 'language' && problems.some((x) => x.field === 'language')));
      problems.push(...checked.map((p) => inInteraktTerms(p, labels)));
      if (problems.length) throw templateProblemsError(problems);
      const t = await createTemplate(templateDeps(ctx), workspace.id, {
        ...definition,
        numberId: b.phoneNumberId,
        displayName: b.display_name,
        headerMediaUrl: b.header_handle_file_url ?? null,
        headerMediaFileName: b.header_handle_file_name ?? null,
      });
      return reply.code(201).send({ result: true, message: TEMPLATE_CREATED_MESSAGE, data: toInteraktTemplate(t) });
    },
  );

  app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_TEMPLATE_MEDIA_BYTES, files: 1, fields: 5 } });
    scope.post<{ Querystring: { fileCategory?: string } }>(
      '/track/files/upload_to_fb/',
      {
        bodyLimit: MAX_TEMPLATE_MEDIA_BYTES + 64 * 1024,
        schema: {
          tags: ['public'],
          summary: "Interakt's header-media upload: multipart field uploadFile, ?fileCategory=message_template_media → {result, message, data: {file_url, file_handle, file_name}}",
          consumes: ['multipart/form-data'],
          querystring: Type.Object({ fileCategory: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: true }),
        },
      },
      async (request) => {
        const { workspace } = principalOf(request);
        if (request.query.fileCategory !== 'message_template_media') {
          throw new AppError('validation_failed', 'fileCategory must be message_template_media');
        }
        const file = await readUpload(request, 'uploadFile');
        const up = await uploadTemplateMedia(templateDeps(ctx), workspace.id, file);
        return { result: true, message: FILE_UPLOADED_MESSAGE, data: { file_url: up.fileUrl, file_handle: up.fileHandle, file_name: up.fileName } };
      },
    );
  });
}
