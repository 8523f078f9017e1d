import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import { AppError } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { JobQueue } from '../../../platform/queue/index.ts';
import { SECRET_LABEL } from '../numbers/business-number.ts';
import type { SecretBox } from '../secret-box.ts';
import { namedIds } from './parse-envelope.ts';
import { PROCESS_WEBHOOK_JOB } from './process-webhook.ts';
import { verifyHubSignature } from './verify-signature.ts';

/** Meta batches up to 1000 updates per POST; 3 MB holds them with room to spare. */
export const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;
export const WEBHOOK_PATH = '/webhooks/whatsapp';

export interface ReceiverDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  queue: JobQueue;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Meta's webhooks in. GET: the subscription handshake (any connected number's verify token). POST:
 * the raw bytes are verified against the app secret of the numbers the body names, stored together
 * with their processing job in one durable transaction, and acknowledged at once; the job does the
 * rest. Registered in its own scope so the raw-body parser applies to this route only.
 */
export async function registerWebhookReceiver(app: FastifyInstance, deps: ReceiverDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      WEBHOOK_PATH,
      { schema: { tags: ['webhooks-in'], summary: "Meta's webhook verification handshake (hub.mode, hub.verify_token, hub.challenge)" } },
      async (request, reply) => {
        const q = request.query;
        const token = q['hub.verify_token'];
        // The request log line prints the URL: keep the verify token out of it.
        request.raw.url = `${WEBHOOK_PATH}?hub.mode=${encodeURIComponent(q['hub.mode'] ?? '')}&hub.verify_token=[redacted]`;
        const challenge = q['hub.challenge'];
        if (q['hub.mode'] !== 'subscribe' || !token || challenge === undefined) throw new AppError('forbidden', 'Verification failed');
        const rows = await deps.database.db.selectFrom('business_numbers').select(['verify_token_enc']).execute();
        let match = false;
        for (const r of rows) {
          // Compare every row (no early exit) so timing does not reveal how many tokens exist.
          if (safeEqual(deps.secrets.open(r.verify_token_enc, SECRET_LABEL.verifyToken), token)) match = true;
        }
        if (!match) throw new AppError('forbidden', 'Verification failed');
        return reply.code(200).type('text/plain').send(challenge);
      },
    );

    scope.post(
      WEBHOOK_PATH,
      { bodyLimit: WEBHOOK_BODY_LIMIT, schema: { tags: ['webhooks-in'], summary: "Meta's webhooks (X-Hub-Signature-256 over the raw body); stored, acknowledged, then processed" } },
      async (request, reply) => {
        const raw = request.body;
        if (!Buffer.isBuffer(raw) || raw.length === 0) throw new AppError('bad_request', 'Empty webhook body');
        const header = request.headers['x-hub-signature-256'];
        const signature = Array.isArray(header) ? header[0] : header;
        if (!signature) throw new AppError('unauthorized', 'Missing X-Hub-Signature-256');
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new AppError('invalid_json', 'The webhook body is not JSON');
        }
        const { phoneNumberIds, wabaIds } = namedIds(parsed);
        // The numbers the body names; WABA-level fields (templates, quality) name only the WABA.
        let q = deps.database.db.selectFrom('business_numbers').select(['id', 'workspace_id', 'app_secret_enc']);
        if (phoneNumberIds.length > 0) q = q.where('phone_number_id', 'in', phoneNumberIds);
        else if (wabaIds.length > 0) q = q.where('waba_id', 'in', wabaIds);
        else throw new AppError('unauthorized', 'The webhook names no connected number');
        const candidates = await q.execute();
        const secretOk = new Map<string, boolean>();
        const verified = candidates.filter((c) => {
          const secret = deps.secrets.open(c.app_secret_enc, SECRET_LABEL.appSecret);
          if (!secretOk.has(secret)) secretOk.set(secret, verifyHubSignature(raw, signature, secret));
          return secretOk.get(secret)!;
        });
        if (verified.length === 0) {
          deps.logger.warn({ phoneNumberIds, wabaIds, candidates: candidates.length }, 'webhook refused: X-Hub-Signature-256 does not match');
          throw new AppError('unauthorized', 'Invalid X-Hub-Signature-256');
        }
        const workspaces = new Set(verified.map((v) => v.workspace_id));
        const now = deps.clock.nowMs();
        const id = newId(now);
        await deps.database.transaction(async (tx) => {
          await tx.db
            .insertInto('raw_webhooks')
            .values({
              id,
              number_id: verified.length === 1 ? verified[0]!.id : null,
              workspace_id: workspaces.size === 1 ? verified[0]!.workspace_id : null,
              received_at: now,
              body: raw.toString('utf8'),
              processed_at: null,
              verified_number_ids: JSON.stringify(verified.map((v) => v.id)),
            })
            .execute();
          await deps.queue.enqueue(tx, { kind: PROCESS_WEBHOOK_JOB, payload: { rawWebhookId: id }, workspaceId: workspaces.size === 1 ? verified[0]!.workspace_id : null, priority: 50 });
        });
        return reply.code(200).type('text/plain').send('OK');
      },
    );
  });
}
