/**
 * The machine's ceiling for Samvad's API: a bare Fastify 5 server with one POST route that
 * validates the same JSON schema as Samvad's no-op ping route and answers `{"result":true}`.
 * No auth, no rate limit, no logging, no database — whatever Samvad adds on top costs the
 * difference. Run in a child process by the ceiling-fastify scenario:
 *   node bin/run-ts.js bench/servers/ceiling.ts PORT
 */
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { PingBody } from '../../src/public-api/ping.ts';

const port = Number(process.argv[2] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: ceiling.ts PORT (got ${process.argv[2]})`);
  process.exit(2);
}

const app = Fastify({ logger: false });

app.post(
  '/v1/public/ping/',
  {
    schema: {
      body: PingBody,
      response: { 200: Type.Object({ result: Type.Boolean() }) },
    },
  },
  async () => ({ result: true }),
);
app.get('/readyz', async () => ({ ok: true }));

await app.listen({ port, host: '127.0.0.1' });

const shutdown = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
