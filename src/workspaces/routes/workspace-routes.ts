import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys.ts';
import { getWorkspace } from '../get-workspaces.ts';
import { updateWorkspace } from '../update-workspace.ts';
import { ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema, IdParams, UpdateOwnWorkspaceBody, WorkspaceSchema } from './schemas.ts';

const security = [{ apiKey: [] }];

/** The calling workspace's own settings and keys (/api/v1/workspace, /api/v1/api-keys). */
export function registerWorkspaceRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/workspace',
    { config: { access: 'agent' }, schema: { tags: ['workspace'], summary: "This key's workspace", security, response: { 200: WorkspaceSchema } } },
    async (request) => getWorkspace(ctx.database, principalOf(request).workspace.id),
  );

  app.patch<{ Body: Static<typeof UpdateOwnWorkspaceBody> }>(
    '/workspace',
    {
      config: { access: 'admin' },
      schema: { tags: ['workspace'], summary: 'Rename the workspace or change its time zone', security, body: UpdateOwnWorkspaceBody, response: { 200: WorkspaceSchema } },
    },
    async (request) => {
      const ws = await updateWorkspace(ctx.database, ctx.clock, principalOf(request).workspace.id, request.body);
      ctx.keys.invalidate();
      return ws;
    },
  );

  app.get(
    '/api-keys',
    { config: { access: 'admin' }, schema: { tags: ['api-keys'], summary: "List the workspace's API keys (secrets are never shown)", security, response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }) } } },
    async (request) => ({ data: await listApiKeys(ctx.database, principalOf(request).workspace.id) }),
  );

  app.post<{ Body: Static<typeof CreateApiKeyBody> }>(
    '/api-keys',
    { config: { access: 'admin' }, schema: { tags: ['api-keys'], summary: 'Create an API key; the key is shown once', security, body: CreateApiKeyBody, response: { 201: CreatedApiKeySchema } } },
    async (request, reply) => {
      const principal = principalOf(request);
      // A key cannot mint a key stronger than itself.
      if (request.body.role === 'owner' && principal.role !== 'owner') {
        return reply.code(403).send({ error: { code: 'forbidden', message: 'Only an owner key can create owner keys' } });
      }
      const created = await createApiKey(ctx.database, ctx.clock, principal.workspace.id, request.body);
      const { secret: _secret, ...shown } = created;
      return reply.code(201).send(shown);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api-keys/:id',
    { config: { access: 'admin' }, schema: { tags: ['api-keys'], summary: 'Revoke an API key', security, params: IdParams, response: { 200: ApiKeySchema } } },
    async (request) => {
      const key = await revokeApiKey(ctx.database, ctx.clock, principalOf(request).workspace.id, request.params.id);
      ctx.keys.invalidate();
      return key;
    },
  );
}
