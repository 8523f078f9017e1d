import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { findMemberByEmail, isSessionPrincipal, userOf } from '../../workspaces/people/index.ts';
import { roleAtLeast } from '../../workspaces/plans.ts';
import { assignConversation, assignTeam, closeConversation, getConversationState, removeTeam, reopenConversation, unassignConversation } from '../assignment.ts';
import { getConversationRef } from '../conversation-ref.ts';
import { publishTyping } from '../events/typing.ts';
import { conversationLabels, setConversationLabels } from '../labels.ts';
import { listInbox } from '../list-inbox.ts';
import { addNote, deleteNote, listNotes } from '../notes.ts';
import { actorOf, Id, security, StateSchema, tags } from './common.ts';

const AssignBody = Type.Object(
  {
    agentId: Type.Optional(Type.String({ maxLength: 64, description: "The member's user id" })),
    agentEmail: Type.Optional(Type.String({ maxLength: 254, description: "Or the member's email (Interakt's agent_email)" })),
  },
  { additionalProperties: false },
);
const TeamBody = Type.Object({ teamId: Type.String({ maxLength: 64 }), autoAssign: Type.Optional(Type.Boolean({ description: 'Round robin to an available agent of the team (default true)' })) }, { additionalProperties: false });
const NoteBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });
const NoteSchema = Type.Object({ id: Type.String(), conversationId: Type.String(), body: Type.String(), authorId: Type.Union([Type.String(), Type.Null()]), authorKeyId: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String({ format: 'date-time' }) });
const LabelsBody = Type.Object({ labels: Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50 }) }, { additionalProperties: false });
const LabelsSchema = Type.Object({ labels: Type.Array(Type.String()) });
const ListQuery = Type.Object({
  view: Type.Optional(Type.String({ enum: ['mine', 'unassigned', 'all'], description: 'mine: assigned to you (session); default all' })),
  status: Type.Optional(Type.String({ enum: ['open', 'closed'] })),
  teamId: Type.Optional(Type.String({ maxLength: 64 })),
  label: Type.Optional(Type.String({ maxLength: 50 })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$', description: 'Page size 1–200 (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
const ListItem = Type.Object({
  conversationId: Type.String(),
  numberId: Type.String(),
  contactId: Type.String(),
  lastMessageAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  unreadCount: Type.Integer(),
  status: Type.String({ enum: ['open', 'closed'] }),
  assigneeId: Type.Union([Type.String(), Type.Null()]),
  teamId: Type.Union([Type.String(), Type.Null()]),
});

/** Handling of one conversation: assignment, team, open/closed, private notes, labels, typing. */
export function registerConversationRoutes(app: FastifyInstance, ctx: AppContext) {
  const ref = (request: { params: { id: string } } & Parameters<typeof principalOf>[0]) => getConversationRef(ctx.database.db, principalOf(request).workspace.id, request.params.id);

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/inbox/conversations',
    {
      config: { access: 'agent' },
      schema: { tags, summary: 'The inbox list: mine / unassigned / all, open or closed, by team or label, most recent first (cursor pagination)', security, querystring: ListQuery, response: { 200: Type.Object({ data: Type.Array(ListItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } },
    },
    async (request) => {
      const q = request.query;
      return listInbox(ctx.database.db, principalOf(request).workspace.id, {
        view: (q.view ?? 'all') as 'mine' | 'unassigned' | 'all',
        userId: userOf(request)?.id ?? null,
        status: q.status as 'open' | 'closed' | undefined,
        teamId: q.teamId,
        label: q.label,
        limit: Number(q.limit ?? 50),
        cursor: q.cursor,
      });
    },
  );

  app.get<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id',
    { config: { access: 'agent' }, schema: { tags, summary: "A conversation's handling: open/closed, assignee, team, labels", security, params: Id, response: { 200: Type.Composite([StateSchema, LabelsSchema]) } } },
    async (request) => {
      const r = await ref(request);
      return { ...(await getConversationState(ctx.database, ctx.clock, r)), labels: await conversationLabels(ctx.database.db, r) };
    },
  );

  app.post<{ Params: Static<typeof Id>; Body: Static<typeof AssignBody> }>(
    '/inbox/conversations/:id/assign',
    {
      config: { access: 'agent' },
      schema: { tags, summary: 'Assign or reassign to an agent (by id or email); 409 when already assigned to that agent', security, params: Id, body: AssignBody, response: { 200: StateSchema } },
    },
    async (request) => {
      const r = await ref(request);
      let agentId = request.body.agentId;
      if (!agentId && request.body.agentEmail) agentId = (await findMemberByEmail(ctx.database.db, r.workspaceId, request.body.agentEmail))?.id ?? '\u0000none';
      if (!agentId) throw new AppError('validation_failed', 'agentId or agentEmail is required', [{ field: 'agentId' }]);
      return assignConversation(ctx.database, ctx.clock, r, agentId, actorOf(request));
    },
  );

  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/unassign',
    { config: { access: 'agent' }, schema: { tags, summary: 'Remove the assignee (the team stays)', security, params: Id, response: { 200: StateSchema } } },
    async (request) => unassignConversation(ctx.database, ctx.clock, await ref(request), actorOf(request)),
  );

  app.post<{ Params: Static<typeof Id>; Body: Static<typeof TeamBody> }>(
    '/inbox/conversations/:id/assign-team',
    {
      config: { access: 'agent' },
      schema: { tags, summary: 'Give to a team: round robin to its next available agent under the cap, or unassigned in the team when none is', security, params: Id, body: TeamBody, response: { 200: StateSchema } },
    },
    async (request) => assignTeam(ctx.database, ctx.clock, await ref(request), request.body.teamId, actorOf(request), request.body.autoAssign ?? true),
  );

  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/remove-team',
    { config: { access: 'agent' }, schema: { tags, summary: 'Take the conversation off its team (the assignee stays)', security, params: Id, response: { 200: StateSchema } } },
    async (request) => removeTeam(ctx.database, ctx.clock, await ref(request), actorOf(request)),
  );

  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/close',
    { config: { access: 'agent' }, schema: { tags, summary: 'Close (resolve); a new customer message reopens it', security, params: Id, response: { 200: StateSchema } } },
    async (request) => closeConversation(ctx.database, ctx.clock, await ref(request), actorOf(request)),
  );

  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/reopen',
    { config: { access: 'agent' }, schema: { tags, summary: 'Reopen a closed conversation', security, params: Id, response: { 200: StateSchema } } },
    async (request) => reopenConversation(ctx.database, ctx.clock, await ref(request), actorOf(request)),
  );

  app.get<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/notes',
    { config: { access: 'agent' }, schema: { tags, summary: 'Private notes, oldest first (never sent to the customer)', security, params: Id, response: { 200: Type.Object({ data: Type.Array(NoteSchema) }) } } },
    async (request) => ({ data: await listNotes(ctx.database.db, await ref(request)) }),
  );

  app.post<{ Params: Static<typeof Id>; Body: Static<typeof NoteBody> }>(
    '/inbox/conversations/:id/notes',
    { config: { access: 'agent' }, schema: { tags, summary: 'Add a private note (never sent to the customer)', security, params: Id, body: NoteBody, response: { 201: NoteSchema } } },
    async (request, reply) => reply.code(201).send(await addNote(ctx.database, ctx.clock, await ref(request), request.body.body, actorOf(request))),
  );

  app.delete<{ Params: Static<typeof Id> }>(
    '/inbox/notes/:id',
    { config: { access: 'agent' }, schema: { tags, summary: 'Delete a note (its author or an admin)', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const p = principalOf(request);
      await deleteNote(ctx.database, p.workspace.id, request.params.id, { userId: userOf(request)?.id ?? null, isAdmin: roleAtLeast(p.role, 'admin') });
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof Id>; Body: Static<typeof LabelsBody> }>(
    '/inbox/conversations/:id/labels',
    { config: { access: 'agent' }, schema: { tags, summary: "Replace the conversation's labels (names of existing labels)", security, params: Id, body: LabelsBody, response: { 200: LabelsSchema } } },
    async (request) => ({ labels: await setConversationLabels(ctx.database, ctx.clock, await ref(request), request.body.labels) }),
  );

  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/typing',
    { config: { access: 'agent' }, schema: { tags, summary: 'Tell the other signed-in users you are typing here (a "typing" event on their streams; not stored, not replayed)', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const p = principalOf(request);
      if (!isSessionPrincipal(p)) throw new AppError('bad_request', 'Typing is for signed-in dashboard users');
      const r = await ref(request);
      await publishTyping(ctx.database, { workspaceId: r.workspaceId, conversationId: r.conversationId, user: { id: p.user.id, name: p.user.name }, at: ctx.clock.nowMs() });
      return reply.code(204).send();
    },
  );
}
