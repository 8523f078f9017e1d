/**
 * Webhook sender: delivers the outbox to callback URLs in Meta's envelope
 * (`object: whatsapp_business_account`, `entry[].changes[]`), signed with `X-Hub-Signature-256`
 * over the exact bytes sent (non-ASCII escaped as Meta does), batching several statuses of one
 * number in one POST, retrying failures with exponential backoff up to a configurable horizon.
 * Also performs the GET verification handshake when a callback is configured.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { Engine } from './engine.ts';
import type { NumberRow, OutboxRow, WabaRow } from './store.ts';
import { metaJson, signSha1, signSha256 } from './wire.ts';

export interface DeliveryRecord {
  url: string;
  status: number | null;
  error: string | null;
  rows: number;
}

/** Longest time the pump goes without reading the outbox table while fresh rows keep it busy. */
const FULL_READ_MS = 100;

export class WebhookSender {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  private inflight = 0;
  private readonly leased = new Set<number>();
  /**
   * Outbox rows committed by this process since the last pump, with their values as objects: the
   * pump takes them from here instead of reading them back. The outbox table stays the record:
   * it is read when nothing fresh is waiting and at least every FULL_READ_MS, which picks up
   * retries, rows due later, and rows left by an earlier process.
   */
  private fresh: Array<{ row: OutboxRow; value: unknown }> = [];
  private readonly values = new Map<number, unknown>();
  private lastFullRead = Number.NEGATIVE_INFINITY;

  constructor(private readonly engine: Engine) {
    engine.outboxListener = (row, value) => {
      if (this.fresh.length >= 50_000) return; // nobody is pumping: the table has them
      this.fresh.push({ row, value });
    };
  }

  /** Delivers what is due; resolves when the POSTs it started have finished. */
  async pump(limit = 1000, options: { fullRead?: boolean } = {}): Promise<number> {
    const e = this.engine;
    const now = e.now();
    const rows: OutboxRow[] = [];
    const taken = new Set<number>();
    if (this.fresh.length > 0) {
      const fresh = this.fresh;
      this.fresh = [];
      for (const f of fresh) {
        // Rows not due yet are left to the table (nextDue() reads it).
        if (f.row.next_at > now || this.leased.has(f.row.id)) continue;
        if (rows.length >= limit) {
          this.fresh.push(f);
          continue;
        }
        rows.push(f.row);
        taken.add(f.row.id);
        this.values.set(f.row.id, f.value);
      }
    }
    if (options.fullRead || rows.length === 0 || performance.now() - this.lastFullRead >= FULL_READ_MS) {
      this.lastFullRead = performance.now();
      const stored = e.store.all<OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?", now, limit);
      const read = new Set<number>();
      for (const r of stored) {
        if (rows.length < limit && !this.leased.has(r.id) && !taken.has(r.id)) rows.push(r);
        read.add(r.id);
      }
      // Rows the table gave are handled now: their fresh copies must not be sent again later.
      if (this.fresh.length > 0) this.fresh = this.fresh.filter((f) => !read.has(f.row.id));
    }
    if (rows.length === 0) return 0;
    // The table's order (due time, then commit order), whichever way each row came.
    rows.sort((a, b) => a.next_at - b.next_at || a.id - b.id);
    // Group statuses of one number to one URL into batches; everything else goes alone.
    const groups: OutboxRow[][] = [];
    const open = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      if (r.kind !== 'status') {
        groups.push([r]);
        continue;
      }
      const key = `${r.url}|${r.number_id}`;
      let g = open.get(key);
      if (!g || g.length >= e.t.webhookBatchMax) {
        g = [];
        open.set(key, g);
        groups.push(g);
      }
      g.push(r);
    }
    for (const r of rows) this.leased.add(r.id);
    const queue = [...groups];
    // Successful deliveries are marked in one statement per chunk, in one transaction, once every
    // POST of this pump has finished (a crash before that re-sends them: at least once, as Meta).
    const delivered: number[] = [];
    const workers = Array.from({ length: Math.min(e.t.webhookConcurrency, queue.length) }, async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        let ok = false;
        try {
          const r = await this.deliver(g);
          ok = r.status !== null && !r.error;
        } finally {
          if (ok) for (const row of g) delivered.push(row.id);
          else for (const row of g) this.leased.delete(row.id);
        }
      }
    });
    try {
      await Promise.all(workers);
    } finally {
      for (const r of rows) this.values.delete(r.id);
      if (delivered.length > 0) {
        const now = e.now();
        e.store.tx(() => {
          for (let i = 0; i < delivered.length; i += 500) {
            const ids = delivered.slice(i, i + 500);
            e.store.run(
              `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id IN (${ids.map(() => '?').join(',')})`,
              now, ...ids,
            );
          }
        });
      }
      for (const id of delivered) this.leased.delete(id);
    }
    return rows.length;
  }

  nextDue(): number | null {
    return this.engine.store.get<{ t: number | null }>("SELECT MIN(next_at) AS t FROM outbox WHERE state = 'pending'")?.t ?? null;
  }

  private envelope(rows: OutboxRow[], waba: WabaRow, num: NumberRow | undefined): unknown {
    const first = rows[0]!;
    if (first.kind === 'waba') {
      return {
        entry: [{ id: waba.id, time: Math.floor(this.engine.now() / 1000), changes: [{ value: JSON.parse(first.value), field: first.field }] }],
        object: 'whatsapp_business_account',
      };
    }
    let value: Record<string, unknown>;
    if (first.kind === 'status') {
      const statuses = rows.map((r) => this.values.get(r.id) ?? (JSON.parse(r.value) as unknown));
      if (statuses.length > 1 && Math.random() < this.engine.t.reorderShare) statuses.reverse();
      value = {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: num?.display_phone_number ?? '', phone_number_id: first.number_id },
        statuses,
      };
    } else {
      value = (this.values.get(first.id) ?? JSON.parse(first.value)) as Record<string, unknown>;
    }
    return { object: 'whatsapp_business_account', entry: [{ id: waba.id, changes: [{ value, field: first.field }] }] };
  }

  private async deliver(rows: OutboxRow[]): Promise<DeliveryRecord> {
    const e = this.engine;
    const first = rows[0]!;
    const waba = e.waba(first.waba_id);
    const ids = rows.map((r) => r.id);
    const marks = ids.map(() => '?').join(',');
    if (!waba) {
      e.store.run(`UPDATE outbox SET state = 'dead', last_error = 'WABA no longer exists' WHERE id IN (${marks})`, ...ids);
      return { url: first.url, status: null, error: 'no waba', rows: rows.length };
    }
    const num = first.number_id ? e.number(first.number_id) : undefined;
    // Meta posts to the callback URL configured when it sends, so a retry after the URL changed
    // (a restarted receiver on a new port, a moved endpoint) goes to the new one.
    const url = (num ? (num.callback_url ?? waba.callback_url) : waba.callback_url) ?? first.url;
    const body = metaJson(this.envelope(rows, waba, num));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': signSha256(waba.app_secret, body),
    };
    if (e.t.sendSha1Signature) headers['x-hub-signature'] = signSha1(waba.app_secret, body);
    let status: number | null = null;
    let error: string | null = null;
    try {
      this.inflight++;
      const res = await request(url, {
        method: 'POST', headers, body, dispatcher: this.agent,
        headersTimeout: e.t.webhookTimeoutMs, bodyTimeout: e.t.webhookTimeoutMs,
      });
      status = res.statusCode;
      await res.body.dump();
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message || String(err);
    } finally {
      this.inflight--;
    }
    const now = e.now();
    if (error) {
      e.store.tx(() => {
        for (const r of rows) {
          const attempts = r.attempts + 1;
          // Retried at once, then with decreasing frequency: 2^n seconds (capped at an hour) with jitter.
          const delay = attempts === 1 ? 0 : Math.min(3_600_000, 1000 * 2 ** Math.min(attempts, 22)) + randomInt(0, 1000);
          const dead = now + delay - r.created_at > e.t.webhookRetryHorizonMs;
          e.store.run(
            'UPDATE outbox SET state = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?',
            dead ? 'dead' : 'pending', attempts, now + delay, error, r.id,
          );
        }
      });
      e.log.debug({ url, error, rows: rows.length }, 'emulator webhook delivery failed');
    }
    return { url, status, error, rows: rows.length };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * Meta's verification handshake: GET callback?hub.mode=subscribe&hub.challenge=N&hub.verify_token=T;
 * the endpoint must answer 200 with the challenge as the body.
 */
export async function verifyCallback(url: string, verifyToken: string, timeoutMs = 10_000): Promise<{ ok: boolean; reason?: string }> {
  const challenge = String(randomInt(100_000_000, 2_000_000_000));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'The callback URL is not a valid URL.' };
  }
  u.searchParams.set('hub.mode', 'subscribe');
  u.searchParams.set('hub.challenge', challenge);
  u.searchParams.set('hub.verify_token', verifyToken);
  try {
    const res = await request(u, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { ok: false, reason: `The callback URL answered HTTP ${res.statusCode}.` };
    if (text.trim() !== challenge) return { ok: false, reason: 'The callback URL did not echo hub.challenge.' };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `The callback URL could not be reached: ${(err as Error).message}` };
  }
}
