import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { createApiKeyIn } from '../api-keys.ts';
import { createWorkspaceIn } from '../create-workspace.ts';
import { getWorkspace, listWorkspaces } from '../get-workspaces.ts';
import { updateWorkspace } from '../update-workspace.ts';
import { CreatedApiKeySchema, CreateWorkspaceBody, IdParams, UpdateWorkspaceBody, WorkspaceSchema } from './schemas.ts';

const security = [{ adminToken: [] }];

/** The operator's routes (/api/v1/admin), authenticated with SAMVAD_ADMIN_TOKEN. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/admin/workspaces',
    { config: { access: 'operator' }, schema: { tags: ['admin'], summary: 'List workspaces', security, response: { 200: Type.Object({ data: Type.Array(WorkspaceSchema) }) } } },
    async () => ({ data: await listWorkspaces(ctx.database) }),
  );

  app.post<{ Body: Static<typeof CreateWorkspaceBody> }>(
    '/admin/workspaces',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['admin'],
        summary: 'Create a workspace and its first API key (shown once)',
        security,
        body: CreateWorkspaceBody,
        response: { 201: Type.Object({ workspace: WorkspaceSchema, apiKey: CreatedApiKeySchema }) },
      },
    },
    async (request, reply) => {
      const result = await ctx.database.transaction(async (tx) => {
        const workspace = await createWorkspaceIn(tx, ctx.clock, request.body);
        const { secret: _secret, ...apiKey } = await createApiKeyIn(tx, ctx.clock, workspace.id, { name: 'Default key', role: 'owner' });
        return { workspace, apiKey };
      });
      return reply.code(201).send(result);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/workspaces/:id',
    { config: { access: 'operator' }, schema: { tags: ['admin'], summary: 'Get a workspace', security, params: IdParams, response: { 200: WorkspaceSchema } } },
    async (request) => getWorkspace(ctx.database, request.params.id),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateWorkspaceBody> }>(
    '/admin/workspaces/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['admin'], summary: "Change a workspace's name, plan, time zone or Enterprise limit", security, params: IdParams, body: UpdateWorkspaceBody, response: { 200: WorkspaceSchema } },
    },
    async (request) => {
      const ws = await updateWorkspace(ctx.database, ctx.clock, request.params.id, request.body);
      ctx.keys.invalidate();
      return ws;
    },
  );
}
