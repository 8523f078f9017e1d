import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { ROLES } from '../plans.ts';
import { isSessionPrincipal, type SessionPrincipal } from './authenticate-request.ts';
import { clearSessionCookies, sessionTokenOf, setSessionCookies } from './cookies.ts';
import { acceptInvitation, createInvitation, listInvitations, revokeInvitation } from './invitations.ts';
import { invitationLink, passwordResetLink } from './links.ts';
import { getMember, listMembers, removeMember, updateMember } from './members.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.ts';
import { changePassword, completePasswordReset, requestPasswordReset } from './password-reset.ts';
import { endAllSessions, endSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import { csrfTokenFor } from './tokens.ts';

const Role = Type.String({ enum: [...ROLES] });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX, description: `${PASSWORD_MIN}–${PASSWORD_MAX} characters` });
const Email = Type.String({ minLength: 3, maxLength: 254 });
const Token = Type.String({ minLength: 10, maxLength: 200 });

export const MemberSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  available: Type.Boolean({ description: 'Takes new conversations from auto-assignment' }),
  active: Type.Boolean({ description: 'False once deactivated: no sign-in, no assignment' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const SessionSchema = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  role: Role,
  workspace: Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String() }),
  csrfToken: Type.Optional(Type.String({ description: 'Send as X-CSRF-Token on every POST/PUT/PATCH/DELETE made with the session cookie' })),
});
const InvitationSchema = Type.Object({
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  kind: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  acceptedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SignInBody = Type.Object({ email: Email, password: Password, workspaceId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
const SetupBody = Type.Object({ token: Token, email: Email, name: Type.Optional(Type.String({ maxLength: 100 })), password: Password }, { additionalProperties: false });
const AcceptBody = Type.Object({ token: Token, name: Type.Optional(Type.String({ maxLength: 100 })), password: Password }, { additionalProperties: false });
const ResetBody = Type.Object({ email: Email }, { additionalProperties: false });
const ResetCompleteBody = Type.Object({ token: Token, password: Password }, { additionalProperties: false });
const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
const UpdateMeBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), available: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const UpdateMemberBody = Type.Object(
  { role: Type.Optional(Role), available: Type.Optional(Type.Boolean()), active: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false },
);
const InviteBody = Type.Object({ email: Email, role: Role }, { additionalProperties: false });

/** An API key, or the dashboard's session cookie (with X-CSRF-Token on unsafe methods). */
const security = [{ apiKey: [] }];
const tags = ['people'];
/** Sign-in and reset requests per email per minute. */
const ATTEMPTS_PER_MINUTE = 10;

/** Dashboard users: sign-in and sessions (/auth), members (/users) and invitations. */
export function registerPeopleRoutes(app: FastifyInstance, ctx: AppContext) {
  const secure = ctx.config.publicUrl.startsWith('https:');
  // Password guessing is slowed per email; tokens in links are 256-bit random and need no limit.
  const limitAttempts = async (what: string, key: string) => {
    const d = await ctx.rateLimiter.consume(`auth:${what}:${key}`, ATTEMPTS_PER_MINUTE);
    if (!d.allowed) throw new AppError('rate_limited', 'Too many attempts; try again in a minute', undefined, { 'Retry-After': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))) });
  };
  // Login CSRF: the routes that start a session run before any session exists, so the CSRF token
  // cannot protect them; a browser's Origin header must then name this server. Clients that send
  // no Origin (curl, server-side code) are not browsers acting for someone else.
  const publicOrigin = new URL(ctx.config.publicUrl).origin;
  const assertSameOrigin = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (origin !== publicOrigin && host !== request.headers.host) throw new AppError('forbidden', `Origin ${origin} may not sign in here`, { reason: 'origin' });
  };
  const startSession = async (reply: FastifyReply, token: string, userId: string, workspaceId: string, status: number) => {
    const csrfToken = setSessionCookies(reply, token, secure);
    const member = await getMember(ctx.database.db, workspaceId, userId);
    const ws = await ctx.database.db.selectFrom('workspaces').select(['id', 'name', 'time_zone']).where('id', '=', workspaceId).executeTakeFirstOrThrow();
    return reply.code(status).send({ user: { id: member.id, email: member.email, name: member.name }, role: member.role, workspace: { id: ws.id, name: ws.name, timeZone: ws.time_zone }, csrfToken });
  };
  const sessionOf = (request: FastifyRequest): SessionPrincipal => {
    const p = principalOf(request);
    if (!isSessionPrincipal(p)) throw new AppError('bad_request', 'This route is for signed-in dashboard users (session cookie), not API keys');
    return p;
  };

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/auth/sign-in',
    { config: { access: 'none' }, schema: { tags, summary: 'Sign in with email and password; sets the HttpOnly session cookie and returns the CSRF token', body: SignInBody, response: { 200: SessionSchema } } },
    async (request, reply) => {
      assertSameOrigin(request);
      await limitAttempts('sign-in', request.body.email.trim().toLowerCase());
      const s = await signIn(ctx.database, ctx.clock, request.body);
      return startSession(reply, s.sessionToken, s.userId, s.workspaceId, 200);
    },
  );

  app.post<{ Body: Static<typeof SetupBody> }>(
    '/auth/setup',
    { config: { access: 'none' }, schema: { tags, summary: "Create the first owner with the one-time link printed at first start", body: SetupBody, response: { 201: SessionSchema } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const a = await acceptInvitation(ctx.database, ctx.clock, request.body, 'owner_setup');
      request.log.info({ userId: a.userId, workspaceId: a.workspaceId }, 'first owner created');
      return startSession(reply, a.sessionToken, a.userId, a.workspaceId, 201);
    },
  );

  app.post<{ Body: Static<typeof AcceptBody> }>(
    '/auth/invitations/accept',
    { config: { access: 'none' }, schema: { tags, summary: 'Accept an invitation: creates the account (or joins with an existing one) and signs in', body: AcceptBody, response: { 201: SessionSchema } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const a = await acceptInvitation(ctx.database, ctx.clock, request.body, 'invite');
      return startSession(reply, a.sessionToken, a.userId, a.workspaceId, 201);
    },
  );

  app.post<{ Body: Static<typeof ResetBody> }>(
    '/auth/password-reset',
    {
      config: { access: 'none' },
      schema: { tags, summary: 'Ask for a password reset link (printed to the log: no mail server yet). Same answer whether or not the email has an account', body: ResetBody, response: { 202: Type.Object({ message: Type.String() }) } },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      await limitAttempts('reset', email);
      const r = await requestPasswordReset(ctx.database, ctx.clock, email);
      // No mail server is configured in this version: the link goes to the operator's log.
      if (r) ctx.logger.warn({ userId: r.userId, link: passwordResetLink(ctx.config.publicUrl, r.token) }, 'password reset requested (no mail server configured: give this link to the user)');
      return reply.code(202).send({ message: 'If this email has an account, a reset link has been issued' });
    },
  );

  app.post<{ Body: Static<typeof ResetCompleteBody> }>(
    '/auth/password-reset/complete',
    { config: { access: 'none' }, schema: { tags, summary: 'Set a new password with a reset link; every session of the account ends', body: ResetCompleteBody, response: { 200: Type.Object({ message: Type.String() }) } } },
    async (request) => {
      await completePasswordReset(ctx.database, ctx.clock, request.body.token, request.body.password);
      return { message: 'Password changed; sign in with the new password' };
    },
  );

  app.get(
    '/auth/session',
    { config: { access: 'agent' }, schema: { tags, summary: 'Who is signed in (session) or which key is used; the CSRF token for the session', security, response: { 200: SessionSchema } } },
    async (request) => {
      const p = principalOf(request);
      const workspace = { id: p.workspace.id, name: p.workspace.name, timeZone: p.workspace.time_zone };
      if (!isSessionPrincipal(p)) return { user: { id: `key:${p.keyId}`, email: '', name: 'API key' }, role: p.role, workspace };
      return { user: p.user, role: p.role, workspace, csrfToken: csrfTokenFor(sessionTokenOf(request)!) };
    },
  );

  app.post(
    '/auth/sign-out',
    { config: { access: 'agent' }, schema: { tags, summary: 'End this session', security, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await endSession(ctx.database, sessionOf(request).sessionId);
      clearSessionCookies(reply, secure);
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/sign-out-everywhere',
    { config: { access: 'agent' }, schema: { tags, summary: 'End every session of this account, on every device and workspace', security, response: { 200: Type.Object({ ended: Type.Integer() }) } } },
    async (request, reply) => {
      const s = sessionOf(request);
      const ended = await ctx.database.transaction((tx) => endAllSessions(tx, s.user.id));
      clearSessionCookies(reply, secure);
      return { ended };
    },
  );

  app.post<{ Body: Static<typeof ChangePasswordBody> }>(
    '/auth/password',
    { config: { access: 'agent' }, schema: { tags, summary: 'Change your password (other sessions end)', security, body: ChangePasswordBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const s = sessionOf(request);
      await changePassword(ctx.database, ctx.clock, s.user.id, s.sessionId, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );

  app.get(
    '/users',
    { config: { access: 'agent' }, schema: { tags, summary: "The workspace's members (agents are what Interakt's agent_email names)", security, response: { 200: Type.Object({ data: Type.Array(MemberSchema) }) } } },
    async (request) => ({ data: await listMembers(ctx.database.db, principalOf(request).workspace.id) }),
  );

  app.patch<{ Body: Static<typeof UpdateMeBody> }>(
    '/users/me',
    { config: { access: 'agent' }, schema: { tags, summary: 'Change your name or your availability for auto-assignment', security, body: UpdateMeBody, response: { 200: MemberSchema } } },
    async (request) => {
      const s = sessionOf(request);
      return updateMember(ctx.database, ctx.clock, s.workspace.id, { role: s.role, userId: s.user.id }, s.user.id, request.body);
    },
  );

  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof UpdateMemberBody> }>(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags, summary: "Change a member's role, availability, name, or deactivate them (only owners touch owners; the last owner stays)", security, params: Id, body: UpdateMemberBody, response: { 200: MemberSchema } },
    },
    async (request) => {
      const p = principalOf(request);
      return updateMember(ctx.database, ctx.clock, p.workspace.id, { role: p.role, userId: isSessionPrincipal(p) ? p.user.id : null }, request.params.id, request.body);
    },
  );

  app.delete<{ Params: Static<typeof Id> }>(
    '/users/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Remove a member from the workspace', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const p = principalOf(request);
      await removeMember(ctx.database, p.workspace.id, { role: p.role }, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/invitations',
    { config: { access: 'admin' }, schema: { tags, summary: 'Invitations of this workspace', security, response: { 200: Type.Object({ data: Type.Array(InvitationSchema) }) } } },
    async (request) => ({ data: await listInvitations(ctx.database.db, principalOf(request).workspace.id) }),
  );

  app.post<{ Body: Static<typeof InviteBody> }>(
    '/invitations',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Invite someone by email with a role; the link (valid 7 days, once) is returned and logged — there is no mail server yet',
        security,
        body: InviteBody,
        response: { 201: Type.Object({ invitation: InvitationSchema, link: Type.String(), token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { invitation, token } = await createInvitation(ctx.database, ctx.clock, p.workspace.id, { role: p.role, userId: isSessionPrincipal(p) ? p.user.id : null }, request.body);
      const link = invitationLink(ctx.config.publicUrl, token);
      ctx.logger.info({ workspaceId: p.workspace.id, invitationId: invitation.id, email: invitation.email, link }, 'invitation created');
      return reply.code(201).send({ invitation, link, token });
    },
  );

  app.delete<{ Params: Static<typeof Id> }>(
    '/invitations/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Revoke an invitation', security, params: Id, response: { 200: InvitationSchema } } },
    async (request) => revokeInvitation(ctx.database, ctx.clock, principalOf(request).workspace.id, request.params.id),
  );
}
