import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`: under ESM interop the function is on .default.
const addFormats = ((ajvFormats as unknown as { default?: typeof ajvFormats }).default ?? ajvFormats) as unknown as (ajv: Ajv) => Ajv;
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '../logger.ts';
import { newId } from '../ids.ts';
import { interaktErrorBody, mapError, nativeErrorBody } from './error-format.ts';
import type { Registry } from 'prom-client';
import { registerMetrics } from './metrics.ts';

export interface HttpServerOptions {
  logger: Logger;
  bodyLimitBytes: number;
  version: string;
  publicUrl: string;
  /** Database reachable and migrations applied. */
  readiness: () => Promise<{ ready: boolean; reason?: string }>;
  /** Adds the modules' own metrics (dispatch, webhook delivery) to the /metrics registry. */
  metrics?: (registry: Registry) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True for Interakt-compatible routes, which answer errors in Interakt's format. */
export function isPublicApiUrl(url: string): boolean {
  return url === '/v1/public' || url.startsWith('/v1/public/') || url.startsWith('/v1/public?');
}

/**
 * The Fastify instance with what every route shares: request ids (an incoming X-Request-Id is
 * kept when well-formed), structured logs, the 32 KB JSON limit, errors mapped once to the
 * surface's format, /healthz, /readyz, /metrics and the OpenAPI document at /docs.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    // Our own one-line-per-request log (below) replaces Fastify's two lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  // Bodies are validated as sent (a number where a string belongs is a 400, as Interakt's API
  // answers); query strings and path parameters are text by nature, so `?limit=50` is coerced to
  // the integer its schema declares.
  const strict = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true, strict: false });
  const lenient = new Ajv({ removeAdditional: false, coerceTypes: 'array', allErrors: true, useDefaults: true, strict: false });
  addFormats(strict);
  addFormats(lenient);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // One log line per answered request, at debug for health/metrics probes.
  app.addHook('onResponse', async (request, reply) => {
    const quiet = request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics';
    const level = reply.statusCode >= 500 ? 'error' : quiet ? 'debug' : 'info';
    request.log[level]({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = mapError(err, options.bodyLimitBytes);
    if (mapped.status >= 500) request.log.error({ err }, 'request failed');
    if (mapped.headers) reply.headers(mapped.headers);
    reply.code(mapped.status).send(isPublicApiUrl(request.url) ? interaktErrorBody(mapped.message) : nativeErrorBody(mapped));
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `No route for ${request.method} ${request.url.split('?')[0]}`;
    reply.code(404).send(isPublicApiUrl(request.url) ? interaktErrorBody(message) : nativeErrorBody({ status: 404, code: 'not_found', message }));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Samvad API',
        version: options.version,
        description:
          'Interakt-compatible public API under `/v1/public` (`Authorization: Basic YOUR_KEY`), the native API under `/api/v1`, and, in sandbox mode, the WhatsApp Cloud API emulator (`/graph`, `/emulator`).',
      },
      // No `servers`: the docs page then calls the origin it was loaded from.
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'basic', description: 'Basic base64(secret:), exactly as Interakt keys' },
          adminToken: { type: 'http', scheme: 'bearer', description: "The operator's SAMVAD_ADMIN_TOKEN" },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  options.metrics?.(registerMetrics(app));
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'The database answers and every migration is applied' } }, async (_request, reply) => {
    const r = await options.readiness().catch((err: unknown) => ({ ready: false, reason: err instanceof Error ? err.message : 'database unreachable' }));
    if (!r.ready) return reply.code(503).send({ status: 'not_ready', reason: r.reason });
    return { status: 'ready' };
  });
  return app;
}
