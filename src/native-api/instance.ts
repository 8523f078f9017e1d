import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { firstWorkspace } from '../workspaces/get-workspaces.ts';

const InstanceReply = Type.Object({
  name: Type.String(),
  version: Type.String(),
  workspace: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
  sandbox: Type.Boolean(),
  docsUrl: Type.String(),
});

/**
 * What the dashboard shows before anyone signs in: the instance, its default workspace's name and
 * whether it runs in sandbox mode. Deliberately nothing secret and nothing about other workspaces.
 */
export function registerInstanceRoute(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/instance',
    { config: { access: 'none' }, schema: { tags: ['instance'], summary: 'Instance name, default workspace and mode', response: { 200: InstanceReply } } },
    async () => {
      const workspace = await firstWorkspace(ctx.database);
      return { name: 'Samvad', version: ctx.version, workspace: workspace ? { name: workspace.name } : null, sandbox: ctx.sandbox, docsUrl: '/docs' };
    },
  );
}
