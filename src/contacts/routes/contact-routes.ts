import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../http-context.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { AppError } from '../../platform/errors.ts';
import { contactConversations, contactTimeline, getContactView, listContacts, removeContactTags } from '../contact-details.ts';
import { eraseContact, registeredErasers } from '../erasure.ts';
import { createImport, getImport, importErrorReport, listImports } from '../import/imports.ts';
import { parseMappingParam } from '../import/mapping.ts';
import { forgetOptSettings } from '../opt-out/inbound-keywords.ts';
import { getOptSettings, updateOptSettings } from '../opt-out/opt-settings.ts';
import { countSegment, streamContactIdsWhere } from '../segments/evaluate.ts';
import { checkSegmentDefinition, compileSegment } from '../segments/definition.ts';
import { countSegmentById, createSegment, deleteSegment, getSegment, listSegments, updateSegment } from '../segments/segments.ts';
import { checkTags, checkTraits } from '../traits/trait-values.ts';
import { trackUserInTx } from '../track/track-user.ts';

const security = [{ apiKey: [] }];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Condition = Type.Object(
  {
    type: Type.String({ description: 'trait | tag | event | event_not_followed' }),
    trait: Type.Optional(Type.String()),
    op: Type.Optional(Type.String({ description: 'trait: eq ne gt gte lt lte contains in exists not_exists; tag: has not_has; event: at_least at_most did_not' })),
    val: Type.Optional(Type.Unknown()),
    tag: Type.Optional(Type.String()),
    event: Type.Optional(Type.String()),
    count: Type.Optional(Type.Integer()),
    withinDays: Type.Optional(Type.Number()),
    notFollowedBy: Type.Optional(Type.String()),
    withinMs: Type.Optional(Type.Integer()),
    lookbackDays: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
const Definition = Type.Object({ match: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])), conditions: Type.Array(Condition, { minItems: 1, maxItems: 20 }) });
const SegmentBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), definition: Definition });
const SegmentPatch = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), definition: Type.Optional(Definition) });
const ContactPatch = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    userId: Type.Optional(Type.String({ maxLength: 255 })),
    traits: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Merged per key; null removes (same rules as track users).' })),
    addTags: Type.Optional(Type.Array(Type.String())),
    removeTags: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    whatsappOptedIn: Type.Optional(Type.Boolean({ description: 'false opts the contact out of marketing, true back in (a timeline event).' })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name, profile name or phone.' })),
  tag: Type.Optional(Type.String({ maxLength: 128 })),
  trait: Type.Optional(Type.String({ maxLength: 128 })),
  value: Type.Optional(Type.String({ maxLength: 4096 })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$', description: '1–200, default 50' })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
const OptSettingsBody = Type.Object(
  {
    stopKeywords: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
    startKeywords: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
    stopReply: Type.Optional(Type.String({ maxLength: 4096, description: '"" sends no confirmation' })),
    startReply: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/** Contacts, segments, imports and opt-out settings on the native API (/api/v1). */
export function registerContactRoutes(app: FastifyInstance, ctx: AppContext) {
  const db = () => ctx.database.db as unknown as Kysely<any>;
  const ws = (request: { principal?: unknown }) => principalOf(request).workspace.id;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/contacts',
    { config: { access: 'agent' }, schema: { tags: ['contacts'], summary: 'Contacts, newest first, with search by name/phone, tag or trait (cursor pagination)', security, querystring: ListQuery } },
    async (request) => listContacts(db(), ws(request), { ...request.query, limit: Number(request.query.limit ?? 50) }),
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/contacts/:id',
    { config: { access: 'agent' }, schema: { tags: ['contacts'], summary: 'One contact: traits, tags, opt state, conversations (service window) and the latest timeline', security, params: Id } },
    async (request) => {
      const w = ws(request);
      const contact = await getContactView(db(), w, request.params.id);
      const [conversations, timeline] = await Promise.all([contactConversations(db(), w, contact.id, ctx.clock.nowMs()), contactTimeline(db(), w, contact.id, { limit: 20 })]);
      return { contact, conversations, timeline };
    },
  );
  app.get<{ Params: Static<typeof Id>; Querystring: { limit?: string; before?: string } }>(
    '/contacts/:id/timeline',
    {
      config: { access: 'agent' },
      schema: {
        tags: ['contacts'],
        summary: "A contact's timeline, newest first: tracked events, opt changes and messages (page back with before = nextBefore)",
        security,
        params: Id,
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$' })), before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }),
      },
    },
    async (request) => {
      const w = ws(request);
      await getContactView(db(), w, request.params.id);
      return contactTimeline(db(), w, request.params.id, { limit: Number(request.query.limit ?? 50), before: request.query.before ? Number(request.query.before) : undefined });
    },
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof ContactPatch> }>(
    '/contacts/:id',
    { config: { access: 'agent' }, schema: { tags: ['contacts'], summary: 'Update a contact: name, userId, traits (merged; null removes), tags to add/remove, marketing opt-in', security, params: Id, body: ContactPatch } },
    async (request) => {
      const w = ws(request);
      const b = request.body;
      const traits = checkTraits(b.traits);
      if (b.name !== undefined) traits.name = b.name;
      if (b.whatsappOptedIn !== undefined) traits.whatsapp_opted_in = b.whatsappOptedIn;
      const addTags = checkTags(b.addTags, 'addTags');
      await ctx.database.transaction(async (tx) => {
        const now = ctx.clock.nowMs();
        await trackUserInTx(tx, now, { workspaceId: w, contactId: request.params.id, userId: b.userId, traits, tags: addTags, source: 'agent' }, ctx.database.dialect === 'postgres');
        await removeContactTags(tx, w, request.params.id, b.removeTags ?? [], now);
      });
      return { contact: await getContactView(db(), w, request.params.id) };
    },
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Erase a contact (DPDP Act / GDPR): personal data and message content removed from every store in one transaction; anonymous counts kept',
        security,
        params: Id,
      },
    },
    async (request) => {
      const w = ws(request);
      await getContactView(db(), w, request.params.id);
      const stores = await eraseContact(ctx.database, w, request.params.id, ctx.clock.nowMs());
      return { erased: true, id: request.params.id, stores: [...stores, 'contacts', 'contact_traits', 'contact_tags', 'contact_events'] };
    },
  );

  // Segments.
  app.get('/segments', { config: { access: 'agent' }, schema: { tags: ['segments'], summary: 'Saved segments', security } }, async (request) => ({ items: await listSegments(db(), ws(request)) }));
  app.post<{ Body: Static<typeof SegmentBody> }>(
    '/segments',
    {
      schema: {
        tags: ['segments'],
        summary: 'Create a segment: contacts matching all (or any) conditions on traits, tags and events',
        description:
          'Conditions: {type:"trait", trait, op, val}; {type:"tag", tag, op:"has"|"not_has"}; {type:"event", event, op:"at_least"|"at_most"|"did_not", count, withinDays} ("did Order Placed at least 2 times in the last 30 days"); {type:"event_not_followed", event, notFollowedBy, withinMs, lookbackDays} ("added to cart but did not order within 1 hour": counted once the hour has passed).',
        security,
        body: SegmentBody,
      },
    },
    async (request, reply) => reply.code(201).send(await createSegment(ctx.database, ctx.clock, ws(request), request.body)),
  );
  app.post<{ Body: { definition: Static<typeof Definition> } }>(
    '/segments/preview',
    { config: { access: 'agent' }, schema: { tags: ['segments'], summary: 'Count the contacts a definition matches now (without saving it)', security, body: Type.Object({ definition: Definition }) } },
    async (request) => ({ count: await countSegment(db(), ws(request), checkSegmentDefinition(request.body.definition), ctx.clock.nowMs()) }),
  );
  app.get<{ Params: Static<typeof Id> }>('/segments/:id', { config: { access: 'agent' }, schema: { tags: ['segments'], summary: 'One segment', security, params: Id } }, async (request) => getSegment(db(), ws(request), request.params.id));
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof SegmentPatch> }>(
    '/segments/:id',
    { schema: { tags: ['segments'], summary: 'Rename a segment or change its definition', security, params: Id, body: SegmentPatch } },
    async (request) => updateSegment(ctx.database, ctx.clock, ws(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof Id> }>('/segments/:id', { schema: { tags: ['segments'], summary: 'Delete a segment', security, params: Id } }, async (request, reply) => {
    await deleteSegment(ctx.database, ws(request), request.params.id);
    return reply.code(204).send();
  });
  app.get<{ Params: Static<typeof Id> }>(
    '/segments/:id/count',
    { config: { access: 'agent' }, schema: { tags: ['segments'], summary: 'How many contacts the segment matches now (evaluated on every call)', security, params: Id } },
    async (request) => ({ count: await countSegmentById(ctx.database, ctx.clock, ws(request), request.params.id) }),
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/segments/:id/members',
    { config: { access: 'agent' }, schema: { tags: ['segments'], summary: "The segment's members as a streamed CSV (id, phone, name), in batches: a million members never sit in memory", security, params: Id } },
    async (request, reply) => {
      const w = ws(request);
      const seg = await getSegment(db(), w, request.params.id);
      const where = compileSegment(seg.definition, w, ctx.clock.nowMs(), 'probe');
      const d = db();
      async function* lines() {
        yield 'id,phone,name\r\n';
        for await (const ids of streamContactIdsWhere(d, w, where, 2000)) {
          const rows = await d.selectFrom('contacts').select(['id', 'phone', 'name']).where('id', 'in', ids).orderBy('id').execute();
          yield rows.map((r) => `${r.id},${r.phone},${csv(r.name ?? '')}`).join('\r\n') + '\r\n';
        }
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="segment-${seg.id}.csv"`).send(Readable.from(lines()));
    },
  );

  // Opt-out keywords and confirmations.
  app.get('/contacts/opt-settings', { schema: { tags: ['contacts'], summary: 'STOP/START keywords (any language) and confirmation texts', security } }, async (request) => getOptSettings(db(), ws(request)));
  app.put<{ Body: Static<typeof OptSettingsBody> }>(
    '/contacts/opt-settings',
    { schema: { tags: ['contacts'], summary: 'Set the opt-out/opt-in keywords and confirmation texts ("" sends none)', security, body: OptSettingsBody } },
    async (request) => {
      const w = ws(request);
      const s = await ctx.database.transaction((tx) => updateOptSettings(tx.db as unknown as Kysely<any>, w, request.body, ctx.clock.nowMs()));
      forgetOptSettings(w);
      return s;
    },
  );

  // CSV import: the body is the file (text/csv), streamed to disk.
  app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv', 'application/octet-stream', 'text/plain'], (_request, payload, done) => done(null, payload));
    scope.post<{ Querystring: { mapping?: string; fileName?: string } }>(
      '/contacts/imports',
      {
        schema: {
          tags: ['contacts'],
          summary: 'Import contacts from a CSV (streamed upload; answers 202 with the import, which runs as a job)',
          description:
            'Body: the CSV file (Content-Type: text/csv), header row first. Query `mapping` (JSON): {phone, countryCode?, defaultCountryCode?, name?, userId?, traits?: {column: traitKey}, tags? (column, "," or ";" separated), staticTags?}; without it, known headers are mapped (phone/mobile, country_code, name, user_id, tags) and every other column becomes a trait. Rows are validated one by one (bad rows go to the error report), deduplicated by phone, committed in batches with a checkpoint: progress in GET /contacts/imports/{id}, resumed after a restart.',
          security,
          querystring: Type.Object({ mapping: Type.Optional(Type.String({ maxLength: 20_000 })), fileName: Type.Optional(Type.String({ maxLength: 255 })) }),
        },
      },
      async (request, reply) => {
        const body = request.body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== 'function') throw new AppError('unsupported_media_type', 'Send the CSV as the request body with Content-Type: text/csv');
        const imp = await createImport({ database: ctx.database, clock: ctx.clock, queue: ctx.queue, dataDir: ctx.config.dataDir }, ws(request), {
          body,
          fileName: request.query.fileName ?? null,
          mapping: parseMappingParam(request.query.mapping),
        });
        return reply.code(202).send(imp);
      },
    );
  });
  app.get('/contacts/imports', { schema: { tags: ['contacts'], summary: 'Recent imports with progress', security } }, async (request) => ({ items: await listImports(db(), ws(request)) }));
  app.get<{ Params: Static<typeof Id> }>(
    '/contacts/imports/:id',
    { schema: { tags: ['contacts'], summary: 'An import: status (queued, running, completed, failed), rows done/total, created/updated/failed/duplicate, percent', security, params: Id } },
    async (request) => getImport(db(), ws(request), request.params.id),
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/contacts/imports/:id/errors',
    { schema: { tags: ['contacts'], summary: "The import's error report as CSV: row number, error, the row's cells", security, params: Id } },
    async (request, reply) => {
      const w = ws(request);
      await getImport(db(), w, request.params.id);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${request.params.id}-errors.csv"`).send(Readable.from(importErrorReport(db(), w, request.params.id)));
    },
  );
  app.get('/contacts/erasure-stores', { schema: { tags: ['contacts'], summary: 'The stores a contact erasure scrubs (registered erasers)', security } }, async () => ({ stores: registeredErasers() }));
}

function csv(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
