import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { userOf } from '../../workspaces/people/index.ts';
import { DAYS } from '../business-hours.ts';
import { createCannedResponse, deleteCannedResponse, listCannedResponses, renderCannedResponse, updateCannedResponse } from '../canned-responses.ts';
import { contactLabels, createLabel, deleteLabel, listLabels, setContactLabels, updateLabel } from '../labels.ts';
import { getInboxSettings, updateInboxSettings } from '../settings.ts';
import { createTeam, deleteTeam, listTeams, updateTeam } from '../teams.ts';
import { Id, security, tags } from './common.ts';

const TeamSchema = Type.Object({ id: Type.String(), name: Type.String(), autoAssign: Type.Boolean(), maxOpenPerAgent: Type.Union([Type.Integer(), Type.Null()]), memberIds: Type.Array(Type.String()), createdAt: Type.String({ format: 'date-time' }) });
const TeamFields = {
  autoAssign: Type.Optional(Type.Boolean({ description: 'Round robin new conversations to available members (default true)' })),
  maxOpenPerAgent: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], { description: 'Skip members with this many open conversations; null: no cap' })),
  memberIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })),
};
const CreateTeamBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), ...TeamFields }, { additionalProperties: false });
const UpdateTeamBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), ...TeamFields }, { additionalProperties: false });

const Interval = Type.Object({ open: Type.String({ pattern: '^\\d\\d:\\d\\d$' }), close: Type.String({ pattern: '^\\d\\d:\\d\\d$' }) }, { additionalProperties: false });
const BusinessHoursSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    timeZone: Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: "IANA zone; null: the workspace's" }),
    days: Type.Object(Object.fromEntries(DAYS.map((d) => [d, Type.Optional(Type.Array(Interval, { maxItems: 10 }))])), { additionalProperties: false, description: 'Open intervals per weekday, e.g. {"mon": [{"open": "09:00", "close": "18:00"}]}' }),
  },
  { additionalProperties: false },
);
const OutOfHoursSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    message: Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]),
    cooldownMinutes: Type.Integer({ minimum: 0, maximum: 100_000, description: 'At most one reply per conversation within this time (default 720)' }),
  },
  { additionalProperties: false },
);
const SettingsSchema = Type.Object({ defaultTeamId: Type.Union([Type.String(), Type.Null()]), businessHours: BusinessHoursSchema, outOfHours: OutOfHoursSchema });
const SettingsBody = Type.Object(
  { defaultTeamId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])), businessHours: Type.Optional(BusinessHoursSchema), outOfHours: Type.Optional(Type.Partial(OutOfHoursSchema)) },
  { additionalProperties: false },
);

const LabelSchema = Type.Object({ id: Type.String(), name: Type.String(), color: Type.Union([Type.String(), Type.Null()]), description: Type.Union([Type.String(), Type.Null()]) });
const CreateLabelBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 50 }), color: Type.Optional(Type.Union([Type.String({ maxLength: 7 }), Type.Null()])), description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])) }, { additionalProperties: false });
const UpdateLabelBody = Type.Object({ color: Type.Optional(Type.Union([Type.String({ maxLength: 7 }), Type.Null()])), description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])) }, { additionalProperties: false });
const LabelsBody = Type.Object({ labels: Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50 }) }, { additionalProperties: false });

const CannedSchema = Type.Object({ id: Type.String(), shortcut: Type.String(), content: Type.String(), createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) });
const CreateCannedBody = Type.Object({ shortcut: Type.String({ minLength: 1, maxLength: 51 }), content: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
const UpdateCannedBody = Type.Partial(CreateCannedBody, { additionalProperties: false });
const CannedQuery = Type.Object({ prefix: Type.Optional(Type.String({ maxLength: 51, description: 'What follows "/" in the reply box' })) });
const RenderBody = Type.Object({ shortcut: Type.String({ minLength: 1, maxLength: 51 }), contactId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** Teams, inbox settings (default team, business hours, out-of-hours reply), labels and canned responses. */
export function registerWorkspaceInboxRoutes(app: FastifyInstance, ctx: AppContext) {
  const ws = (request: Parameters<typeof principalOf>[0]) => principalOf(request).workspace.id;

  app.get('/teams', { config: { access: 'agent' }, schema: { tags, summary: 'Teams and their members', security, response: { 200: Type.Object({ data: Type.Array(TeamSchema) }) } } }, async (request) => ({
    data: await listTeams(ctx.database.db, ws(request)),
  }));
  app.post<{ Body: Static<typeof CreateTeamBody> }>(
    '/teams',
    { config: { access: 'admin' }, schema: { tags, summary: 'Create a team (round robin with an optional per-agent cap)', security, body: CreateTeamBody, response: { 201: TeamSchema } } },
    async (request, reply) => reply.code(201).send(await createTeam(ctx.database, ctx.clock, ws(request), request.body)),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof UpdateTeamBody> }>(
    '/teams/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Change a team (memberIds replaces the members)', security, params: Id, body: UpdateTeamBody, response: { 200: TeamSchema } } },
    async (request) => updateTeam(ctx.database, ctx.clock, ws(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/teams/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Delete a team (its conversations keep their assignee)', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await deleteTeam(ctx.database, ctx.clock, ws(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get('/inbox/settings', { config: { access: 'agent' }, schema: { tags, summary: 'Default team, business hours and the out-of-hours reply', security, response: { 200: SettingsSchema } } }, async (request) =>
    getInboxSettings(ctx.database.db, ws(request)),
  );
  app.patch<{ Body: Static<typeof SettingsBody> }>(
    '/inbox/settings',
    { config: { access: 'admin' }, schema: { tags, summary: 'Change the default team, business hours or the out-of-hours reply', security, body: SettingsBody, response: { 200: SettingsSchema } } },
    async (request) => updateInboxSettings(ctx.database, ctx.clock, ws(request), request.body),
  );

  app.get('/labels', { config: { access: 'agent' }, schema: { tags, summary: 'Labels', security, response: { 200: Type.Object({ data: Type.Array(LabelSchema) }) } } }, async (request) => ({ data: await listLabels(ctx.database.db, ws(request)) }));
  app.post<{ Body: Static<typeof CreateLabelBody> }>(
    '/labels',
    { config: { access: 'admin' }, schema: { tags, summary: 'Create a label (a lower-case slug)', security, body: CreateLabelBody, response: { 201: LabelSchema } } },
    async (request, reply) => reply.code(201).send(await createLabel(ctx.database, ctx.clock, ws(request), request.body)),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof UpdateLabelBody> }>(
    '/labels/:id',
    { config: { access: 'admin' }, schema: { tags, summary: "Change a label's color or description", security, params: Id, body: UpdateLabelBody, response: { 200: LabelSchema } } },
    async (request) => updateLabel(ctx.database, ws(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/labels/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Delete a label (taken off every conversation and contact)', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await deleteLabel(ctx.database, ws(request), request.params.id);
      return reply.code(204).send();
    },
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/contacts/:id/labels',
    { config: { access: 'agent' }, schema: { tags, summary: "A contact's labels", security, params: Id, response: { 200: Type.Object({ labels: Type.Array(Type.String()) }) } } },
    async (request) => ({ labels: await contactLabels(ctx.database.db, ws(request), request.params.id) }),
  );
  app.put<{ Params: Static<typeof Id>; Body: Static<typeof LabelsBody> }>(
    '/contacts/:id/labels',
    { config: { access: 'agent' }, schema: { tags, summary: "Replace a contact's labels", security, params: Id, body: LabelsBody, response: { 200: Type.Object({ labels: Type.Array(Type.String()) }) } } },
    async (request) => ({ labels: await setContactLabels(ctx.database, ctx.clock, ws(request), request.params.id, request.body.labels) }),
  );

  app.get<{ Querystring: Static<typeof CannedQuery> }>(
    '/canned-responses',
    { config: { access: 'agent' }, schema: { tags, summary: 'Canned responses, by shortcut (prefix filters for "/" completion)', security, querystring: CannedQuery, response: { 200: Type.Object({ data: Type.Array(CannedSchema) }) } } },
    async (request) => ({ data: await listCannedResponses(ctx.database.db, ws(request), request.query.prefix) }),
  );
  app.post<{ Body: Static<typeof CreateCannedBody> }>(
    '/canned-responses',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'Create a canned response; content may use {{contact.name}}, {{contact.first_name}}, {{contact.phone}}, {{contact.<trait>}}, {{agent.name}}, with "| fallback"', security, body: CreateCannedBody, response: { 201: CannedSchema } },
    },
    async (request, reply) => reply.code(201).send(await createCannedResponse(ctx.database, ctx.clock, ws(request), request.body)),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof UpdateCannedBody> }>(
    '/canned-responses/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Change a canned response', security, params: Id, body: UpdateCannedBody, response: { 200: CannedSchema } } },
    async (request) => updateCannedResponse(ctx.database, ctx.clock, ws(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof Id> }>(
    '/canned-responses/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Delete a canned response', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await deleteCannedResponse(ctx.database, ws(request), request.params.id);
      return reply.code(204).send();
    },
  );
  app.post<{ Body: Static<typeof RenderBody> }>(
    '/canned-responses/render',
    {
      config: { access: 'agent' },
      schema: { tags, summary: "Fill /shortcut's variables for a contact (traits); `missing` lists variables without a value", security, body: RenderBody, response: { 200: Type.Object({ shortcut: Type.String(), text: Type.String(), missing: Type.Array(Type.String()) }) } },
    },
    async (request) => renderCannedResponse(ctx.database.db, ws(request), request.body.shortcut, request.body.contactId, userOf(request)),
  );
}
