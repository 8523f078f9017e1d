/**
 * The emulator's engine: accounts (portfolios, WABAs, numbers), virtual customers, the send
 * pipeline, inbound messages, the status lifecycle, templates, media, and the webhook outbox.
 * HTTP routes are thin wrappers over these methods (graph-routes.ts, control-routes.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { newSecret } from '../platform/ids.ts';
import type { EmulatorTunables } from './config.ts';
import { GraphError, webhookError, type WebhookError } from './errors.ts';
import { ManagementCallLimiter, PairRateLimiter, ThroughputLimiter } from './limits.ts';
import { baseMime, contentMatches, defaultSampleFor, fetchLinkMedia, kindOfMime, maxBytesForMime, MEDIA_RULES, samples } from './media.ts';
import {
  Store, TIER_LIMIT, TIERS,
  type Behaviour, type BusinessRow, type MediaRow, type MessageRow, type NumberRow, type OutboxRow, type Quality,
  type ReplyScript, type TemplateRow, type Tier, type UserRow, type WabaRow,
} from './store.ts';
import {
  checkTemplateSend, HELLO_WORLD, paramErrorCodes, renderTemplate, reviewTemplate, templateError, validateComponents,
  validateTemplateInput, type HydratedTemplate, type TemplateComponent,
} from './templates.ts';
import { isObj, validateRead, validateSend, type Json, type MediaKind, type ValidatedSend } from './validate-send.ts';
import { normalisePhone, numericId, unixSeconds, wamid } from './wire.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface EngineDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  tunables: EmulatorTunables;
  allowPrivateMediaUrls: boolean;
  /** Called when new work is due now (wakes the scheduler and the webhook sender). */
  wake: () => void;
}

export interface CreateNumberInput {
  display_phone_number?: string;
  verified_name?: string;
  waba_id?: string;
  business_id?: string;
  quality_rating?: Quality;
  throughput_mps?: number;
  tier?: Tier;
  access_token?: string;
  app_secret?: string;
}

export interface NumberInfo {
  phone_number_id: string;
  display_phone_number: string;
  verified_name: string;
  waba_id: string;
  business_id: string;
  access_token: string;
  app_id: string;
  app_secret: string;
  quality_rating: string;
  throughput_mps: number;
  messaging_limit_tier: Tier;
  callback_url: string | null;
  graph_path: string;
}

export interface UserInfo {
  wa_id: string;
  profile_name: string;
  behaviour: Behaviour;
  created_at: string;
}

export interface ChatEntry {
  id: string;
  from: 'business' | 'user';
  phone_number_id: string;
  business: string;
  type: string;
  text: string;
  message: unknown;
  status: string;
  error_code: number | null;
  context_id: string | null;
  reactions: string[];
  timestamp: string;
}

interface OutboundBody {
  type: string;
  content: Json;
  hydrated?: HydratedTemplate;
  templateCategory?: string;
  /** Copies of fetched/linked media stored for the phone. */
  mediaIds?: Record<string, string>;
}

type Pricing = { billable: boolean; pricing_model: 'PMP'; type: string; category: string };

export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly t: EmulatorTunables;
  private readonly deps: EngineDeps;
  readonly throughput = new ThroughputLimiter();
  readonly pairRate = new PairRateLimiter();
  readonly mgmt = new ManagementCallLimiter();
  private readonly tokenCache = new Map<string, WabaRow>();
  // Read-through copies of rarely written rows; the store drops them on any write to their table.
  private readonly numberCache = new Map<string, NumberRow | null>();
  private readonly wabaCache = new Map<string, WabaRow | null>();
  private readonly businessCache = new Map<string, BusinessRow | null>();
  private readonly userCache = new Map<string, (UserRow & { b: Behaviour }) | null>();
  private readonly typingUntil = new Map<string, number>();
  private readonly fetching = new Set<string>();
  /** Told of every committed status/message outbox row (the webhook sender delivers them from memory). */
  outboxListener: ((row: OutboxRow, value: Json) => void) | null = null;
  /**
   * Copies (without body) of outgoing messages whose next step was committed by this process, and
   * a heap of their due times: processDue takes due steps from here instead of reading them back.
   * The messages table stays the record: it is read when nothing here is due and at least every
   * FULL_READ_MS (steps after a link fetch, rows of an earlier process, anything dropped here).
   */
  private readonly dueRows = new Map<string, MessageRow>();
  private dueHeap: Array<[number, string]> = [];
  private lastFullRead = Number.NEGATIVE_INFINITY;
  private pendingAccepts: Array<{ run: () => void; resolve: () => void; reject: (err: unknown) => void }> = [];
  private mediaSecret: string;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.store = deps.store;
    this.clock = deps.clock;
    this.log = deps.logger;
    this.t = deps.tunables;
    this.store.onCachedWrite(() => {
      if (this.numberCache.size) this.numberCache.clear();
      if (this.wabaCache.size) this.wabaCache.clear();
      if (this.businessCache.size) this.businessCache.clear();
      if (this.userCache.size) this.userCache.clear();
      if (this.tokenCache.size) this.tokenCache.clear();
    });
    let secret = this.store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', 'media_secret')?.value;
    if (!secret) {
      secret = newSecret();
      this.store.run('INSERT INTO meta (key, value) VALUES (?, ?)', 'media_secret', secret);
    }
    this.mediaSecret = secret;
  }

  now(): number {
    return this.clock.nowMs();
  }

  // ------------------------------------------------------------------ accounts

  createBusiness(name: string, tier: Tier = 'TIER_250'): BusinessRow {
    const row: BusinessRow = { id: numericId(), name, tier, verified: 0, upgrade_due_at: null, created_at: this.now() };
    this.store.run('INSERT INTO businesses (id, name, tier, verified, upgrade_due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)', row.id, row.name, row.tier, 0, null, row.created_at);
    return row;
  }

  /** A WABA with its app (token, secret); starts, as Meta's do, with hello_world approved. */
  createWaba(businessId: string, name: string, token?: string, appSecret?: string): WabaRow {
    const row: WabaRow = {
      id: numericId(), business_id: businessId, name, access_token: token ?? 'EAAG' + newSecret(48), app_id: numericId(),
      app_secret: appSecret ?? randomBytes(16).toString('hex'), callback_url: null, verify_token: null, payment_valid: 1, created_at: this.now(),
    };
    this.store.tx(() => {
      this.store.run(
        'INSERT INTO wabas (id, business_id, name, access_token, app_id, app_secret, callback_url, verify_token, payment_valid, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 1, ?)',
        row.id, row.business_id, row.name, row.access_token, row.app_id, row.app_secret, row.created_at,
      );
      this.insertTemplate(row.id, HELLO_WORLD.name, HELLO_WORLD.language, HELLO_WORLD.category, 'APPROVED', 'POSITIONAL', HELLO_WORLD.components, null);
    });
    return row;
  }

  createNumber(input: CreateNumberInput = {}): NumberInfo {
    return this.store.tx(() => {
      let waba: WabaRow | undefined;
      if (input.waba_id) {
        waba = this.waba(input.waba_id);
        if (!waba) throw new GraphError(100, `WABA ${input.waba_id} does not exist.`, { httpStatus: 404 });
      } else {
        let businessId = input.business_id;
        if (businessId) {
          if (!this.business(businessId)) throw new GraphError(100, `Business ${businessId} does not exist.`, { httpStatus: 404 });
        } else {
          businessId = this.createBusiness(`${input.verified_name ?? 'Sandbox'} portfolio`, input.tier ?? 'TIER_250').id;
        }
        waba = this.createWaba(businessId, `${input.verified_name ?? 'Sandbox'} WABA`, input.access_token, input.app_secret);
      }
      let display = input.display_phone_number ? normalisePhone(input.display_phone_number) : null;
      if (input.display_phone_number && !display) throw new GraphError(131009, 'display_phone_number is not a valid phone number.');
      if (!display) {
        do display = '1555' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
        while (this.store.get('SELECT 1 FROM numbers WHERE display_phone_number = ?', display));
      } else if (this.store.get('SELECT 1 FROM numbers WHERE display_phone_number = ?', display)) {
        throw new GraphError(100, `A number with display_phone_number ${display} already exists.`, { httpStatus: 409 });
      }
      const mps = input.throughput_mps ?? 80;
      if (![20, 80, 1000].includes(mps) && mps < 1) throw new GraphError(131009, 'throughput_mps must be 20, 80 or 1000.');
      const id = numericId();
      this.store.run(
        'INSERT INTO numbers (id, waba_id, display_phone_number, verified_name, quality_rating, throughput_mps, callback_url, verify_token, registered, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 1, ?)',
        id, waba.id, display, input.verified_name ?? 'Sandbox Business', input.quality_rating ?? 'GREEN', mps, this.now(),
      );
      if (input.tier && input.waba_id) this.store.run('UPDATE businesses SET tier = ? WHERE id = ?', input.tier, waba.business_id);
      return this.numberInfo(this.number(id)!);
    });
  }

  numberInfo(n: NumberRow): NumberInfo {
    const waba = this.waba(n.waba_id)!;
    const biz = this.business(waba.business_id)!;
    return {
      phone_number_id: n.id, display_phone_number: n.display_phone_number, verified_name: n.verified_name, waba_id: waba.id,
      business_id: biz.id, access_token: waba.access_token, app_id: waba.app_id, app_secret: waba.app_secret,
      quality_rating: n.quality_rating, throughput_mps: n.throughput_mps, messaging_limit_tier: biz.tier,
      callback_url: n.callback_url ?? waba.callback_url, graph_path: `/${n.id}`,
    };
  }

  number(id: string): NumberRow | undefined {
    let n = this.numberCache.get(id);
    if (n === undefined) {
      n = this.store.get<NumberRow>('SELECT * FROM numbers WHERE id = ?', id) ?? null;
      this.numberCache.set(id, n);
    }
    return n ?? undefined;
  }
  numbers(): NumberRow[] {
    return this.store.all<NumberRow>('SELECT * FROM numbers ORDER BY created_at');
  }
  waba(id: string): WabaRow | undefined {
    let w = this.wabaCache.get(id);
    if (w === undefined) {
      w = this.store.get<WabaRow>('SELECT * FROM wabas WHERE id = ?', id) ?? null;
      this.wabaCache.set(id, w);
    }
    return w ?? undefined;
  }
  business(id: string): BusinessRow | undefined {
    let b = this.businessCache.get(id);
    if (b === undefined) {
      b = this.store.get<BusinessRow>('SELECT * FROM businesses WHERE id = ?', id) ?? null;
      this.businessCache.set(id, b);
    }
    return b ?? undefined;
  }
  businessOfNumber(n: NumberRow): BusinessRow {
    return this.business(this.waba(n.waba_id)!.business_id)!;
  }

  setCallback(numberId: string, url: string | null, verifyToken: string | null): void {
    this.store.run('UPDATE numbers SET callback_url = ?, verify_token = ? WHERE id = ?', url, verifyToken, numberId);
  }
  setWabaCallback(wabaId: string, url: string | null, verifyToken: string | null): void {
    this.store.run('UPDATE wabas SET callback_url = ?, verify_token = ? WHERE id = ?', url, verifyToken, wabaId);
  }

  // ------------------------------------------------------------------ auth

  /** Resolves a Bearer token to its WABA (190 when missing or unknown). */
  authenticate(authorization: string | undefined, queryToken?: unknown): WabaRow {
    let token: string | undefined;
    if (authorization && /^Bearer\s+/i.test(authorization)) token = authorization.replace(/^Bearer\s+/i, '').trim();
    else if (typeof queryToken === 'string') token = queryToken;
    if (!token) {
      throw new GraphError(190, undefined, { message: 'An active access token must be used to query information about the current user.', noErrorData: true, httpStatus: 401 });
    }
    let waba = this.tokenCache.get(token);
    if (!waba) {
      waba = this.store.get<WabaRow>('SELECT * FROM wabas WHERE access_token = ?', token);
      if (!waba) throw new GraphError(190, undefined, { message: 'Invalid OAuth access token - Cannot parse access token', noErrorData: true, httpStatus: 401 });
      this.tokenCache.set(token, waba);
    }
    return waba;
  }

  invalidateTokenCache(): void {
    this.tokenCache.clear();
  }

  noObject(id: string, method: 'get' | 'post' | 'delete'): GraphError {
    return new GraphError(
      100,
      `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      { subcode: 33 },
    );
  }

  ownedNumber(waba: WabaRow, id: string, method: 'get' | 'post' | 'delete'): NumberRow {
    const n = this.number(id);
    if (!n || n.waba_id !== waba.id) throw this.noObject(id, method);
    return n;
  }

  checkManagementCall(waba: WabaRow): void {
    if (!this.t.limits.managementCalls) return;
    if (!this.mgmt.tryTake(waba.id, this.t.managementCallsPerHour, this.now())) throw new GraphError(80007);
  }

  // ------------------------------------------------------------------ virtual customers

  user(waId: string): (UserRow & { b: Behaviour }) | undefined {
    let u = this.userCache.get(waId);
    if (u === undefined) {
      const row = this.store.get<UserRow>('SELECT * FROM users WHERE wa_id = ?', waId);
      u = row ? { ...row, b: JSON.parse(row.behaviour) as Behaviour } : null;
      if (this.userCache.size > 100_000) this.userCache.clear();
      this.userCache.set(waId, u);
    }
    return u ?? undefined;
  }

  userInfo(u: UserRow): UserInfo {
    return { wa_id: u.wa_id, profile_name: u.profile_name, behaviour: JSON.parse(u.behaviour) as Behaviour, created_at: new Date(u.created_at).toISOString() };
  }

  users(): UserInfo[] {
    return this.store.all<UserRow>('SELECT * FROM users ORDER BY created_at, wa_id').map((u) => this.userInfo(u));
  }

  createUser(waIdRaw: string, profileName: string, behaviour: Partial<Behaviour> = {}): UserInfo {
    const waId = normalisePhone(waIdRaw);
    if (!waId) throw new GraphError(131009, `${waIdRaw} is not a valid phone number.`);
    const b = mergeBehaviour(this.t.defaultBehaviour, behaviour);
    const now = this.now();
    this.store.run(
      `INSERT INTO users (wa_id, profile_name, behaviour, replied, created_at) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (wa_id) DO UPDATE SET profile_name = excluded.profile_name, behaviour = excluded.behaviour`,
      waId, profileName, JSON.stringify(b), now,
    );
    return this.userInfo(this.store.get<UserRow>('SELECT * FROM users WHERE wa_id = ?', waId)!);
  }

  updateUser(waId: string, patch: { profile_name?: string; behaviour?: Partial<Behaviour> }): UserInfo {
    const u = this.user(waId);
    if (!u) throw new GraphError(100, `Virtual user ${waId} does not exist.`, { httpStatus: 404 });
    const b = mergeBehaviour(u.b, patch.behaviour ?? {});
    this.store.run('UPDATE users SET profile_name = ?, behaviour = ? WHERE wa_id = ?', patch.profile_name ?? u.profile_name, JSON.stringify(b), waId);
    return this.userInfo(this.store.get<UserRow>('SELECT * FROM users WHERE wa_id = ?', waId)!);
  }

  private ensureUser(waId: string): UserRow & { b: Behaviour } {
    const u = this.user(waId);
    if (u) return u;
    this.createUser(waId, `User ${waId.slice(-4)}`);
    return this.user(waId)!;
  }

  // ------------------------------------------------------------------ send

  /** Validates and accepts a send in its own transaction (synchronous; tests and in-process callers). */
  send(waba: WabaRow, numberId: string, body: unknown, apiVersion: number): Json {
    this.flushAccepts();
    const p = this.prepareSend(waba, numberId, body, apiVersion);
    if (!p.accept) return p.response;
    this.store.tx(p.accept);
    this.deps.wake();
    return p.response;
  }

  /**
   * The Graph route's send: validates at once (errors are thrown synchronously, as from send()),
   * then group-commits the accepted message with the others that arrived in the same turn of the
   * event loop. The answer comes only after the transaction holding the message has committed.
   */
  sendGrouped(waba: WabaRow, numberId: string, body: unknown, apiVersion: number): Json | Promise<Json> {
    const p = this.prepareSend(waba, numberId, body, apiVersion);
    const accept = p.accept;
    if (!accept) return p.response;
    return new Promise<Json>((resolve, reject) => {
      this.pendingAccepts.push({ run: accept, resolve: () => resolve(p.response), reject });
      if (this.pendingAccepts.length === 1) setImmediate(() => this.flushAccepts());
    });
  }

  /** Commits every accept waiting for the group commit (one transaction; one per accept if it fails). */
  flushAccepts(): void {
    const batch = this.pendingAccepts;
    if (batch.length === 0) return;
    this.pendingAccepts = [];
    try {
      this.store.tx(() => {
        for (const a of batch) a.run();
      });
      for (const a of batch) a.resolve();
    } catch {
      for (const a of batch) {
        try {
          this.store.tx(a.run);
          a.resolve();
        } catch (err) {
          a.reject(err);
        }
      }
    }
    this.deps.wake();
  }

  private prepareSend(waba: WabaRow, numberId: string, body: unknown, apiVersion: number): { response: Json; accept?: () => void } {
    const num = this.ownedNumber(waba, numberId, 'post');
    if (!num.registered) throw new GraphError(133010);
    if (!isObj(body)) throw new GraphError(100, 'The request body must be a JSON object.');
    if (body.status !== undefined || body.message_id !== undefined) return { response: this.markRead(num, body) };
    const now = this.now();
    if (this.t.limits.throughput && !this.throughput.tryTake(num.id, num.throughput_mps, now)) throw new GraphError(130429);
    const pre = typeof body.to === 'string' ? normalisePhone(body.to) : null;
    if (pre && this.t.limits.pairRate && !this.pairRate.tryTake(num.id, pre, now)) throw new GraphError(131056);
    const v = validateSend(body, { strictUnknownFields: this.t.strictUnknownFields });
    if (v.waId === num.display_phone_number) throw new GraphError(131021);

    let template: TemplateRow | undefined;
    let hydrated: HydratedTemplate | undefined;
    if (v.type === 'template') {
      const name = String(v.content.name);
      const lang = String((v.content.language as Json).code);
      template = this.store.get<TemplateRow>('SELECT * FROM templates WHERE waba_id = ? AND name = ? AND language = ?', waba.id, name, lang);
      if (!template || ['PENDING', 'REJECTED', 'DELETED', 'PENDING_DELETION', 'IN_APPEAL', 'LIMIT_EXCEEDED', 'ARCHIVED'].includes(template.status)) {
        throw new GraphError(132001, `template name (${name}) does not exist in ${lang}`);
      }
      if (template.status === 'PAUSED') throw new GraphError(132015);
      if (template.status === 'DISABLED') throw new GraphError(132016);
      hydrated = checkTemplateSend(
        { components: JSON.parse(template.components) as TemplateComponent[], parameterFormat: template.parameter_format },
        v.content,
        paramErrorCodes(apiVersion, this.t.templateParamErrors),
      );
    }

    const id = wamid(v.waId);
    const message: Json = { id };
    if (template) message.message_status = 'accepted';
    return {
      response: { messaging_product: 'whatsapp', contacts: [{ input: v.to, wa_id: v.waId }], messages: [message] },
      accept: () => this.accept(num, waba, v, id, apiVersion, template, hydrated, now),
    };
  }

  private accept(
    num: NumberRow, waba: WabaRow, v: ValidatedSend, id: string, apiVersion: number,
    template: TemplateRow | undefined, hydrated: HydratedTemplate | undefined, now: number,
  ): void {
    const user = this.ensureUser(v.waId);
    const b = user.b;
    const win = this.store.get<{ last_inbound_at: number | null; referral_at: number | null; fep_until: number | null }>(
      'SELECT last_inbound_at, referral_at, fep_until FROM windows WHERE number_id = ? AND wa_id = ?', num.id, v.waId,
    );
    const cswOpen = win?.last_inbound_at != null && now < win.last_inbound_at + DAY;
    let fepOpen = win?.fep_until != null && now < win.fep_until;
    if (!fepOpen && cswOpen && win?.referral_at != null && now < win.referral_at + DAY && win.fep_until == null) {
      // A reply within 24 h of a click-to-WhatsApp entry opens a 72-hour free entry point window.
      fepOpen = true;
      this.store.run('UPDATE windows SET fep_until = ? WHERE number_id = ? AND wa_id = ?', now + 72 * HOUR, num.id, v.waId);
    }
    const isTemplate = !!template;
    const category = template ? template.category.toLowerCase() : 'service';
    let pricing: Pricing;
    if (fepOpen) pricing = { billable: false, pricing_model: 'PMP', type: 'free_entry_point', category: 'referral_conversion' };
    else if (!isTemplate) pricing = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
    else if (category === 'utility' && cswOpen) pricing = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' };
    else pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category };

    let failure: { code: number; details?: string } | null = null;
    if (!b.onWhatsApp) failure = { code: 131026 };
    else if (!isTemplate && !cswOpen) failure = { code: 131047 };
    else if (isTemplate && category === 'marketing' && b.marketingOptOut) failure = { code: 131050 };
    else if (isTemplate && category === 'marketing' && b.marketingCap !== null &&
      (this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM marketing_receipts WHERE wa_id = ? AND at > ?', v.waId, now - DAY)?.n ?? 0) >= b.marketingCap) {
      failure = { code: 131049 };
    } else if (pricing.billable && !waba.payment_valid) failure = { code: 131042 };
    else if (isTemplate && !cswOpen && !fepOpen && this.t.limits.messagingTier) {
      failure = this.countPortfolio(num, v.waId, now);
    }
    if (!failure && v.type === 'reaction') {
      const target = this.store.get<MessageRow>('SELECT * FROM messages WHERE id = ? AND number_id = ?', String(v.content.message_id), num.id);
      if (!target || target.wa_id !== v.waId || target.type === 'reaction' || now - target.created_at > 30 * DAY) {
        failure = { code: 131009, details: 'The message you are reacting to does not exist, is older than 30 days, or is a reaction.' };
      }
    }
    const body: OutboundBody = { type: v.type, content: v.content };
    if (hydrated) {
      body.hydrated = hydrated;
      body.templateCategory = template!.category;
    }
    let needsFetch = false;
    if (!failure) {
      for (const m of v.media) {
        if (m.link) needsFetch = true;
        else if (m.id) {
          const media = this.store.get<MediaRow>('SELECT id, mime_type, waba_id, expires_at FROM media WHERE id = ?', m.id);
          if (!media || media.waba_id !== waba.id || media.expires_at <= now) {
            failure = { code: 131053, details: `Media ${m.id} does not exist or has expired.` };
          } else if (!MEDIA_RULES[m.kind].mimes.includes(baseMime(media.mime_type))) {
            failure = { code: 131053, details: `Media ${m.id} of type ${media.mime_type} cannot be sent as ${m.kind}.` };
          }
        }
      }
    }
    if (!failure && isTemplate && category === 'marketing') this.store.run('INSERT INTO marketing_receipts (wa_id, at) VALUES (?, ?)', v.waId, now);

    const status = failure ? 'failed' : needsFetch ? 'accepted' : 'sent';
    const conversation = this.conversationFor(id, num.id, v.waId, pricing, apiVersion, fepOpen);
    let nextStep: MessageRow['next_step'] = null;
    let nextAt: number | null = null;
    if (!failure) {
      if (needsFetch) {
        nextStep = 'fetch';
        nextAt = now;
      } else if (v.type !== 'reaction') {
        nextStep = 'deliver';
        nextAt = now + this.t.sentDelayMs + b.deliveryDelayMs;
      }
    }
    const pricingJson = JSON.stringify({ pricing, conversation });
    this.store.run(
      `INSERT INTO messages (id, number_id, wa_id, direction, type, body, status, error_code, pricing, biz_opaque, api_version, context_id, next_step, next_at, created_at, updated_at)
       VALUES (?, ?, ?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id, num.id, v.waId, v.type, JSON.stringify(body), status, failure?.code ?? null, pricingJson,
      v.bizOpaque, apiVersion, v.contextId, nextStep, nextAt, now, now,
    );
    if (nextStep === 'deliver' && nextAt !== null) {
      const row: MessageRow = {
        id, number_id: num.id, wa_id: v.waId, direction: 'out', type: v.type, body: '', status, error_code: null, pricing: pricingJson,
        biz_opaque: v.bizOpaque, api_version: apiVersion, context_id: v.contextId, next_step: nextStep, next_at: nextAt, created_at: now, updated_at: now,
      };
      this.store.afterCommit(() => this.remember(row));
    }
    const msg = { id, wa_id: v.waId, biz_opaque: v.bizOpaque, number_id: num.id };
    if (failure) {
      this.enqueueStatus(num, msg, 'failed', now + this.t.sentDelayMs, { errors: [webhookError(failure.code, failure.details)] });
    } else if (!needsFetch) {
      this.enqueueStatus(num, msg, 'sent', now + this.t.sentDelayMs, { pricing, conversation: conversation ? { ...conversation, expiration_timestamp: unixSeconds(now + DAY) } : undefined });
    }
  }

  private conversationFor(id: string, numberId: string, waId: string, pricing: Pricing, apiVersion: number, fepOpen: boolean): Json | undefined {
    if (apiVersion >= 24 && !fepOpen) return undefined;
    const seed = fepOpen ? `fep:${numberId}:${waId}` : id;
    return { id: createHash('md5').update(seed).digest('hex'), origin: { type: pricing.category } };
  }

  /** Portfolio messaging limit (unique users outside a service window per moving 24 h). */
  private countPortfolio(num: NumberRow, waId: string, now: number): { code: number } | null {
    const biz = this.businessOfNumber(num);
    const limit = TIER_LIMIT[biz.tier];
    const seen = this.store.get<{ at: number }>('SELECT at FROM portfolio_usage WHERE business_id = ? AND wa_id = ?', biz.id, waId);
    if (seen && seen.at > now - DAY) return null;
    const used = this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM portfolio_usage WHERE business_id = ? AND at > ?', biz.id, now - DAY)?.n ?? 0;
    if (used >= limit) return { code: this.t.messagingLimitErrorCode };
    this.store.run(
      'INSERT INTO portfolio_usage (business_id, wa_id, at) VALUES (?, ?, ?) ON CONFLICT (business_id, wa_id) DO UPDATE SET at = excluded.at',
      biz.id, waId, now,
    );
    // Automatic scaling: half the limit used → one level up within tierUpgradeDelayMs (from TIER_2K on;
    // 250 → 2K needs business verification, which the control API stands in for).
    if (used + 1 >= limit / 2 && biz.tier !== 'TIER_250' && biz.tier !== 'TIER_UNLIMITED' && biz.upgrade_due_at == null) {
      const due = now + this.t.tierUpgradeDelayMs;
      this.store.run('UPDATE businesses SET upgrade_due_at = ? WHERE id = ?', due, biz.id);
      this.addJob('tier_upgrade', biz.id, {}, due);
    }
    return null;
  }

  private markRead(num: NumberRow, body: Json): Json {
    const r = validateRead(body);
    const msg = this.store.get<MessageRow>('SELECT * FROM messages WHERE id = ? AND number_id = ? AND direction = ?', r.messageId, num.id, 'in');
    if (!msg) throw new GraphError(131009, `Message ${r.messageId} was not received by this phone number.`);
    // Marking a message read also marks every earlier message in the thread read.
    this.store.run(
      "UPDATE messages SET status = 'read', updated_at = ? WHERE number_id = ? AND wa_id = ? AND direction = 'in' AND created_at <= ? AND status != 'read'",
      this.now(), num.id, msg.wa_id, msg.created_at,
    );
    if (r.typing) this.typingUntil.set(`${num.id}:${msg.wa_id}`, this.now() + 25_000);
    return { success: true };
  }

  // ------------------------------------------------------------------ status lifecycle

  private enqueueStatus(
    num: NumberRow,
    msg: { id: string; wa_id: string; biz_opaque: string | null },
    status: string,
    at: number,
    extra: { pricing?: Pricing | undefined; conversation?: Json | undefined; errors?: WebhookError[] } = {},
  ): void {
    const s: Json = { id: msg.id, status, timestamp: unixSeconds(at), recipient_id: msg.wa_id };
    if (msg.biz_opaque) s.biz_opaque_callback_data = msg.biz_opaque;
    if (extra.conversation) s.conversation = extra.conversation;
    if (extra.pricing) s.pricing = extra.pricing;
    if (extra.errors) s.errors = extra.errors;
    this.enqueue(num, 'status', 'messages', s, at);
  }

  enqueue(num: NumberRow, kind: 'status' | 'message', field: string, value: Json, at: number): void {
    const waba = this.waba(num.waba_id)!;
    const url = num.callback_url ?? waba.callback_url;
    if (!url) return;
    const row: OutboxRow = {
      id: 0, waba_id: waba.id, number_id: num.id, kind, field, value: JSON.stringify(value), url, state: 'pending', attempts: 0,
      next_at: at, created_at: this.now(), last_error: null, delivered_at: null,
    };
    const r = this.store.run(
      'INSERT INTO outbox (waba_id, number_id, kind, field, value, url, state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)',
      row.waba_id, row.number_id, kind, field, row.value, url, 'pending', at, row.created_at,
    );
    const listener = this.outboxListener;
    if (listener) {
      row.id = Number(r.lastInsertRowid);
      this.store.afterCommit(() => listener(row, value));
    }
  }

  /** WABA-level webhooks (template status, quality, tier) go to the WABA's callback, else to its numbers' callbacks. */
  enqueueWaba(wabaId: string, field: string, value: Json): void {
    const waba = this.waba(wabaId);
    if (!waba) return;
    const urls = new Set<string>();
    if (waba.callback_url) urls.add(waba.callback_url);
    else for (const n of this.store.all<NumberRow>('SELECT * FROM numbers WHERE waba_id = ?', wabaId)) if (n.callback_url) urls.add(n.callback_url);
    const now = this.now();
    for (const url of urls) {
      this.store.run(
        'INSERT INTO outbox (waba_id, number_id, kind, field, value, url, state, attempts, next_at, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?, 0, ?, ?)',
        wabaId, 'waba', field, JSON.stringify(value), url, 'pending', now, now,
      );
    }
  }

  /** Runs every message step and job that is due. Returns how many were handled. */
  /** Keeps a committed step in memory (see dueRows). */
  private remember(row: MessageRow): void {
    if (row.next_at === null) {
      this.dueRows.delete(row.id);
      return;
    }
    if (this.dueRows.size >= 200_000 && !this.dueRows.has(row.id)) return; // the table has it
    this.dueRows.set(row.id, row);
    heapPush(this.dueHeap, [row.next_at, row.id]);
  }

  private forgetDue(): void {
    this.dueRows.clear();
    this.dueHeap = [];
  }

  processDue(limit = 500): number {
    this.flushAccepts();
    const now = this.now();
    let handled = 0;
    const rows: MessageRow[] = [];
    const taken = new Set<string>();
    while (rows.length < limit && this.dueHeap.length > 0 && this.dueHeap[0]![0] <= now) {
      const [at, id] = heapPop(this.dueHeap)!;
      const row = this.dueRows.get(id);
      if (!row || row.next_at !== at || taken.has(id)) continue; // a stale entry: the step moved on
      rows.push(row);
      taken.add(id);
    }
    if (rows.length === 0 || performance.now() - this.lastFullRead >= FULL_READ_MS) {
      this.lastFullRead = performance.now();
      // The body is read only for the steps that use it (link fetch, scripted reply).
      const stored = this.store.all<MessageRow>(
        `SELECT id, number_id, wa_id, direction, type, CASE WHEN next_step IN ('fetch', 'reply') THEN body ELSE '' END AS body, status,
           error_code, pricing, biz_opaque, api_version, context_id, next_step, next_at, created_at, updated_at
         FROM messages WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?`,
        now, limit,
      );
      for (const r of stored) {
        if (rows.length >= limit || taken.has(r.id)) continue;
        // The memory copy, if any, is the one the step updates (so its heap entries go stale).
        const mem = this.dueRows.get(r.id);
        if (mem) mem.body = r.body;
        rows.push(mem ?? r);
        taken.add(r.id);
      }
    }
    for (const row of rows) {
      if (row.next_step === 'reply' && row.body === '') {
        row.body = this.store.get<{ body: string }>('SELECT body FROM messages WHERE id = ?', row.id)?.body ?? '{}';
      }
    }
    const fetches: MessageRow[] = [];
    try {
      this.store.tx(() => this.runSteps(rows, now, fetches, () => handled++));
    } catch (err) {
      this.forgetDue(); // copies may have moved ahead of the rolled-back rows
      throw err;
    }
    for (const row of rows) if (this.dueRows.get(row.id) === row) this.remember(row);
    for (const row of fetches) {
      this.fetching.add(row.id);
      void this.fetchMedia(row).finally(() => this.fetching.delete(row.id));
      handled++;
    }
    const jobs = this.store.all<{ id: number; kind: string; ref: string; payload: string }>('SELECT * FROM jobs WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, limit);
    for (const job of jobs) {
      this.store.tx(() => {
        this.store.run('DELETE FROM jobs WHERE id = ?', job.id);
        this.runJob(job.kind, job.ref, JSON.parse(job.payload) as Json);
      });
      handled++;
    }
    return handled;
  }

  private runSteps(rows: MessageRow[], now: number, fetches: MessageRow[], count: () => void): void {
    {
      for (const row of rows) {
        if (row.next_step === 'fetch') {
          if (this.fetching.has(row.id)) continue;
          fetches.push(row);
          // Lease: if the process dies mid-fetch the step comes back in a minute.
          this.store.run('UPDATE messages SET next_at = ? WHERE id = ?', now + 60_000, row.id);
          this.dueRows.delete(row.id);
          continue;
        }
        this.step(row, now);
        count();
      }
    }
  }

  /** Earliest due time of any pending message step or job. */
  nextDue(): number | null {
    const a = this.store.get<{ t: number | null }>('SELECT MIN(next_at) AS t FROM messages WHERE next_at IS NOT NULL')?.t ?? null;
    const b = this.store.get<{ t: number | null }>('SELECT MIN(due_at) AS t FROM jobs')?.t ?? null;
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
  }

  /** Number of link fetches in flight (tests wait for them). */
  pendingFetches(): number {
    return this.fetching.size;
  }

  private step(row: MessageRow, processedAt: number): void {
    // Steps chain from their scheduled time, so a clock jump replays the whole lifecycle in order.
    const now = Math.min(row.next_at ?? processedAt, processedAt);
    const num = this.number(row.number_id);
    const user = this.user(row.wa_id);
    if (!num || !user) {
      this.store.run('UPDATE messages SET next_step = NULL, next_at = NULL WHERE id = ?', row.id);
      row.next_step = null;
      row.next_at = null;
      return;
    }
    const b = user.b;
    const { pricing, conversation } = JSON.parse(row.pricing ?? '{}') as { pricing?: Pricing; conversation?: Json };
    const msg = { id: row.id, wa_id: row.wa_id, biz_opaque: row.biz_opaque };
    // The row object follows what is written, so a memory copy (dueRows) stays equal to the table.
    const setNext = (status: string, step: MessageRow['next_step'], at: number | null) => {
      this.store.run('UPDATE messages SET status = ?, next_step = ?, next_at = ?, updated_at = ? WHERE id = ?', status, step, at, processedAt, row.id);
      row.status = status;
      row.next_step = step;
      row.next_at = at;
      row.updated_at = processedAt;
    };
    const replyStep = (): [MessageRow['next_step'], number | null] =>
      this.shouldReply(user, row) ? ['reply', now + (b.reply?.delayMs ?? 0)] : [null, null];
    switch (row.next_step) {
      case 'deliver': {
        const readsAtOnce = b.readDelayMs !== null && b.readDelayMs <= 1000;
        const skip = readsAtOnce && Math.random() < this.t.deliveredSkipShare;
        if (!skip) this.enqueueStatus(num, msg, 'delivered', now, { pricing, conversation });
        if (b.readDelayMs !== null) setNext(skip ? 'sent' : 'delivered', 'read', now + b.readDelayMs);
        else setNext('delivered', ...replyStep());
        break;
      }
      case 'read': {
        // Pricing rides on `sent` and on one of delivered/read: on read when delivered was skipped.
        this.enqueueStatus(num, msg, 'read', now, row.status === 'sent' ? { pricing, conversation } : {});
        setNext('read', ...replyStep());
        break;
      }
      case 'reply': {
        setNext(row.status, null, null);
        this.store.run('UPDATE users SET replied = replied + 1 WHERE wa_id = ?', row.wa_id);
        const reply = this.scriptedReply(user, row, num);
        if (reply) this.inboundTx(num, user, reply, now);
        break;
      }
      default:
        setNext(row.status, null, null);
    }
  }

  private async fetchMedia(row: MessageRow): Promise<void> {
    const body = JSON.parse(row.body) as OutboundBody;
    const refs = collectMedia(body);
    const num = this.number(row.number_id);
    if (!num) return;
    const stored: Record<string, string> = {};
    let failure: string | null = null;
    for (const ref of refs) {
      if (!ref.link) continue;
      const r = await fetchLinkMedia(ref.link, ref.kind, { allowPrivate: this.deps.allowPrivateMediaUrls, timeoutMs: this.t.linkFetchTimeoutMs });
      if (!r.ok) {
        failure = r.reason;
        break;
      }
      stored[ref.path] = this.storeMedia(num, r.mime, r.data, r.filename, 'link', 30 * DAY);
    }
    const now = this.now();
    const user = this.user(row.wa_id);
    const { pricing, conversation } = JSON.parse(row.pricing ?? '{}') as { pricing?: Pricing; conversation?: Json };
    const msg = { id: row.id, wa_id: row.wa_id, biz_opaque: row.biz_opaque };
    this.store.tx(() => {
      if (failure || !user) {
        this.store.run("UPDATE messages SET status = 'failed', error_code = 131053, next_step = NULL, next_at = NULL, updated_at = ? WHERE id = ?", now, row.id);
        this.enqueueStatus(num, msg, 'failed', now, { errors: [webhookError(131053, failure ?? undefined)] });
      } else {
        body.mediaIds = stored;
        this.store.run(
          "UPDATE messages SET status = 'sent', body = ?, next_step = ?, next_at = ?, updated_at = ? WHERE id = ?",
          JSON.stringify(body), row.type === 'reaction' ? null : 'deliver', row.type === 'reaction' ? null : now + user.b.deliveryDelayMs, now, row.id,
        );
        this.enqueueStatus(num, msg, 'sent', now, { pricing, conversation: conversation ? { ...conversation, expiration_timestamp: unixSeconds(now + DAY) } : undefined });
      }
    });
    this.deps.wake();
  }

  private shouldReply(user: UserRow & { b: Behaviour }, row: MessageRow): boolean {
    const r = user.b.reply;
    if (!r || row.type === 'reaction') return false;
    if (r.once && user.replied > 0) return false;
    return true;
  }

  /** What a scripted user answers to a business message (see ReplyScript). */
  private scriptedReply(user: UserRow & { b: Behaviour }, row: MessageRow, num: NumberRow): Json | null {
    const r = user.b.reply;
    if (!r) return null;
    const body = JSON.parse(row.body) as OutboundBody;
    const context = { from: num.display_phone_number, id: row.id };
    const text = { type: 'text', text: { body: r.text } };
    if (r.mode === 'text') return text;
    if (body.type === 'interactive') {
      const i = body.content;
      const action = (i.action ?? {}) as Json;
      switch (i.type) {
        case 'button': {
          const buttons = (action.buttons ?? []) as Array<{ reply: { id: string; title: string } }>;
          const btn = buttons[Math.min(r.buttonIndex, buttons.length - 1)];
          if (!btn) return text;
          return { context, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: btn.reply.id, title: btn.reply.title } } };
        }
        case 'list': {
          const rows = ((action.sections ?? []) as Array<{ rows: Array<{ id: string; title: string; description?: string }> }>).flatMap((s) => s.rows);
          const pick = rows[Math.min(r.rowIndex, rows.length - 1)];
          if (!pick) return text;
          const list_reply: Json = { id: pick.id, title: pick.title };
          if (pick.description) list_reply.description = pick.description;
          return { context, type: 'interactive', interactive: { type: 'list_reply', list_reply } };
        }
        case 'product_list':
        case 'product':
        case 'catalog_message': {
          const ids =
            i.type === 'product_list'
              ? ((action.sections ?? []) as Array<{ product_items: Array<{ product_retailer_id: string }> }>).flatMap((s) => s.product_items.map((p) => p.product_retailer_id))
              : [String(action.product_retailer_id ?? ((action.parameters ?? {}) as Json).thumbnail_product_retailer_id ?? 'sku-1')];
          return {
            context,
            type: 'order',
            order: {
              catalog_id: String(action.catalog_id ?? '100000000000001'),
              text: '',
              product_items: ids.slice(0, 2).map((id) => ({ product_retailer_id: id, quantity: 1, item_price: 499, currency: 'INR' })),
            },
          };
        }
        case 'flow': {
          const p = (action.parameters ?? {}) as Json;
          const response = { flow_token: p.flow_token ?? 'unused', ...(r.text ? { comment: r.text } : {}) };
          return { context, type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: JSON.stringify(response) } } };
        }
        case 'location_request_message':
          return { context, type: 'location', location: { latitude: 12.9716, longitude: 77.5946, name: 'MG Road', address: 'MG Road, Bengaluru, Karnataka 560001' } };
        default:
          return text;
      }
    }
    if (body.type === 'template' && body.hydrated) {
      const qrs = body.hydrated.buttons.filter((b) => b.type === 'QUICK_REPLY');
      const btn = qrs[Math.min(r.buttonIndex, qrs.length - 1)];
      if (btn) return { context, type: 'button', button: { payload: btn.payload ?? btn.text, text: btn.text } };
    }
    return text;
  }

  // ------------------------------------------------------------------ inbound

  /** A virtual user sends a message to a business number (control API, scripted replies). */
  userSends(waIdRaw: string, input: Json): { id: string; message: Json } {
    const waId = normalisePhone(waIdRaw);
    if (!waId) throw new GraphError(131009, `${waIdRaw} is not a valid phone number.`);
    const user = this.ensureUser(waId);
    let numberId = typeof input.phone_number_id === 'string' ? input.phone_number_id : undefined;
    if (!numberId) {
      numberId =
        this.store.get<{ number_id: string }>('SELECT number_id FROM messages WHERE wa_id = ? ORDER BY created_at DESC LIMIT 1', waId)?.number_id ??
        this.numbers()[0]?.id;
    }
    const num = numberId ? this.number(numberId) : undefined;
    if (!num) throw new GraphError(100, 'phone_number_id does not name a number of this emulator.', { httpStatus: 404 });
    const message = this.buildInbound(num, waId, input);
    const now = this.now();
    const out = this.store.tx(() => this.inboundTx(num, user, message, now));
    this.deps.wake();
    return out;
  }

  private inboundTx(num: NumberRow, user: UserRow, partial: Json, now: number): { id: string; message: Json } {
    const id = wamid(user.wa_id);
    const message: Json = { ...(partial.context ? { context: partial.context } : {}), from: user.wa_id, id, timestamp: unixSeconds(now) };
    for (const [k, v] of Object.entries(partial)) if (k !== 'context') message[k] = v;
    const type = String(message.type);
    this.throughput.charge(num.id, num.throughput_mps, now);
    const referral = message.referral !== undefined;
    this.store.run(
      `INSERT INTO windows (number_id, wa_id, last_inbound_at, referral_at, fep_until) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (number_id, wa_id) DO UPDATE SET last_inbound_at = excluded.last_inbound_at,
         referral_at = COALESCE(excluded.referral_at, windows.referral_at),
         fep_until = CASE WHEN excluded.referral_at IS NOT NULL THEN NULL ELSE windows.fep_until END`,
      num.id, user.wa_id, now, referral ? now : null,
    );
    const ctx = isObj(message.context) ? message.context : null;
    this.store.run(
      `INSERT INTO messages (id, number_id, wa_id, direction, type, body, status, error_code, pricing, biz_opaque, api_version, context_id, next_step, next_at, created_at, updated_at)
       VALUES (?, ?, ?, 'in', ?, ?, 'received', NULL, NULL, NULL, 0, ?, NULL, NULL, ?, ?)`,
      id, num.id, user.wa_id, type, JSON.stringify(message), typeof ctx?.id === 'string' ? ctx.id : null, now, now,
    );
    const value: Json = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: num.display_phone_number, phone_number_id: num.id },
      contacts: [{ profile: { name: user.profile_name }, wa_id: user.wa_id }],
      messages: [message],
    };
    this.enqueueRaw(num, 'message', value, now);
    return { id, message };
  }

  private enqueueRaw(num: NumberRow, kind: 'message', value: Json, at: number): void {
    const waba = this.waba(num.waba_id)!;
    const url = num.callback_url ?? waba.callback_url;
    if (!url) return;
    const row: OutboxRow = {
      id: 0, waba_id: waba.id, number_id: num.id, kind, field: 'messages', value: JSON.stringify(value), url, state: 'pending', attempts: 0,
      next_at: at, created_at: at, last_error: null, delivered_at: null,
    };
    const r = this.store.run(
      'INSERT INTO outbox (waba_id, number_id, kind, field, value, url, state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)',
      waba.id, num.id, kind, 'messages', row.value, url, 'pending', at, at,
    );
    const listener = this.outboxListener;
    if (listener) {
      row.id = Number(r.lastInsertRowid);
      this.store.afterCommit(() => listener(row, value));
    }
  }

  /** Builds the inbound message object (payloads reference §3.3) from a control-API request. */
  private buildInbound(num: NumberRow, waId: string, input: Json): Json {
    const type = typeof input.type === 'string' ? input.type : 'text';
    const ref = typeof input.reply_to === 'string' ? this.store.get<MessageRow>('SELECT * FROM messages WHERE id = ?', input.reply_to) : undefined;
    if (typeof input.reply_to === 'string' && (!ref || ref.number_id !== num.id || ref.wa_id !== waId)) {
      throw new GraphError(131009, `reply_to ${input.reply_to} is not a message in this chat.`);
    }
    const context: Json | undefined = ref ? { from: num.display_phone_number, id: ref.id } : undefined;
    const refBody = ref && ref.direction === 'out' ? (JSON.parse(ref.body) as OutboundBody) : undefined;
    const m: Json = { type };
    if (context) m.context = context;
    if (input.forwarded === true) m.context = { ...(context ?? {}), forwarded: true };
    if (isObj(input.referral) || input.referral === true) {
      m.referral = isObj(input.referral)
        ? input.referral
        : {
            source_url: 'https://fb.me/sandbox-ad', source_id: '120200000000001', source_type: 'ad', headline: 'Sandbox offer', body: 'Tap to chat with us',
            media_type: 'image', image_url: 'https://example.com/ad.png', ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
          };
    }
    const str = (k: string, d?: string): string | undefined => (typeof input[k] === 'string' ? (input[k] as string) : d);
    switch (type) {
      case 'text':
        m.text = { body: str('text', 'Hello') };
        break;
      case 'image':
      case 'video':
      case 'audio':
      case 'document':
      case 'sticker': {
        const kind = type as MediaKind;
        let data: Buffer;
        let mime: string;
        let filename: string | null = str('filename') ?? null;
        if (typeof input.data_base64 === 'string') {
          data = Buffer.from(input.data_base64, 'base64');
          mime = str('mime_type') ?? '';
        } else {
          const sample = typeof input.sample === 'string' ? samples().get(input.sample) : defaultSampleFor(kind);
          if (!sample) throw new GraphError(131009, `Unknown sample ${String(input.sample)}.`);
          data = sample.data;
          mime = sample.mime;
          filename ??= sample.name;
        }
        if (kind === 'audio' && input.voice === true) mime = 'audio/ogg; codecs=opus';
        const id = this.storeMedia(num, mime, data, filename, 'inbound', 7 * DAY);
        const media = this.store.get<MediaRow>('SELECT * FROM media WHERE id = ?', id)!;
        const o: Json = { mime_type: mime, sha256: media.sha256, id };
        if (typeof input.caption === 'string' && ['image', 'video', 'document'].includes(kind)) o.caption = input.caption;
        if (kind === 'document') o.filename = filename ?? 'document';
        if (kind === 'audio') o.voice = input.voice === true;
        if (kind === 'sticker') o.animated = false;
        m[type] = o;
        break;
      }
      case 'location':
        m.location = {
          latitude: typeof input.latitude === 'number' ? input.latitude : 12.9716,
          longitude: typeof input.longitude === 'number' ? input.longitude : 77.5946,
          ...(str('name') ? { name: str('name') } : {}),
          ...(str('address') ? { address: str('address') } : {}),
        };
        break;
      case 'contacts':
        m.contacts = Array.isArray(input.contacts)
          ? input.contacts
          : [{ name: { formatted_name: 'Ravi Kumar', first_name: 'Ravi', last_name: 'Kumar' }, phones: [{ phone: '+91 98000 12345', wa_id: '919800012345', type: 'CELL' }] }];
        break;
      case 'reaction': {
        const target = str('message_id') ?? ref?.id;
        if (!target) throw new GraphError(131008, 'A reaction needs message_id (or reply_to).');
        m.reaction = { message_id: target, emoji: str('emoji', '\u{1F44D}') };
        delete m.context;
        break;
      }
      case 'button': {
        // Tap on a template quick-reply button.
        let payload = str('payload');
        let text = str('text');
        if (refBody?.hydrated && (!payload || !text)) {
          const qrs = refBody.hydrated.buttons.filter((b) => b.type === 'QUICK_REPLY');
          const btn = qrs[typeof input.button_index === 'number' ? input.button_index : 0];
          if (!btn) throw new GraphError(131009, 'The referenced template has no such quick-reply button.');
          payload ??= btn.payload ?? btn.text;
          text ??= btn.text;
        }
        if (!payload) throw new GraphError(131008, 'A button reply needs payload, or reply_to a template with quick-reply buttons.');
        m.button = { payload, text: text ?? payload };
        break;
      }
      case 'button_reply':
      case 'list_reply':
      case 'interactive': {
        let interactive = isObj(input.interactive) ? input.interactive : undefined;
        if (!interactive && refBody?.type === 'interactive') {
          const action = (refBody.content.action ?? {}) as Json;
          if (refBody.content.type === 'button' || type === 'button_reply') {
            const buttons = (action.buttons ?? []) as Array<{ reply: { id: string; title: string } }>;
            const btn = buttons[typeof input.button_index === 'number' ? input.button_index : 0];
            if (!btn) throw new GraphError(131009, 'The referenced message has no such button.');
            interactive = { type: 'button_reply', button_reply: { id: btn.reply.id, title: btn.reply.title } };
          } else if (refBody.content.type === 'list') {
            const rows = ((action.sections ?? []) as Array<{ rows: Array<{ id: string; title: string; description?: string }> }>).flatMap((s) => s.rows);
            const row = rows[typeof input.row_index === 'number' ? input.row_index : 0];
            if (!row) throw new GraphError(131009, 'The referenced list has no such row.');
            interactive = { type: 'list_reply', list_reply: { id: row.id, title: row.title, ...(row.description ? { description: row.description } : {}) } };
          } else if (refBody.content.type === 'flow') {
            const p = (action.parameters ?? {}) as Json;
            const response = { flow_token: p.flow_token ?? 'unused', ...(isObj(input.flow_response) ? input.flow_response : {}) };
            interactive = { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: JSON.stringify(response) } };
          }
        }
        if (!interactive && isObj(input.flow_response)) {
          interactive = { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: JSON.stringify(input.flow_response) } };
        }
        if (!interactive) throw new GraphError(131008, 'An interactive reply needs `interactive`, or reply_to an interactive message.');
        m.type = 'interactive';
        m.interactive = interactive;
        break;
      }
      case 'order': {
        let order = isObj(input.order) ? input.order : undefined;
        if (!order && refBody?.type === 'interactive') {
          const action = (refBody.content.action ?? {}) as Json;
          const ids = ((action.sections ?? []) as Array<{ product_items: Array<{ product_retailer_id: string }> }>).flatMap((s) => s.product_items.map((p) => p.product_retailer_id));
          if (action.product_retailer_id) ids.push(String(action.product_retailer_id));
          order = { catalog_id: String(action.catalog_id ?? '100000000000001'), text: str('text', '')!, product_items: ids.slice(0, 2).map((id) => ({ product_retailer_id: id, quantity: 1, item_price: 499, currency: 'INR' })) };
        }
        m.order = order ?? { catalog_id: '100000000000001', text: str('text', '')!, product_items: [{ product_retailer_id: 'sku-1', quantity: 1, item_price: 499, currency: 'INR' }] };
        break;
      }
      case 'unsupported':
        m.errors = [{ ...webhookError(131051, 'Message type is currently not supported.'), title: 'Message type unknown', message: 'Message type unknown' }];
        m.unsupported = { type: str('unsupported_type', 'poll') };
        break;
      default:
        throw new GraphError(131051, `Virtual users cannot send messages of type ${type}.`);
    }
    if (isObj(input.message)) Object.assign(m, input.message);
    return m;
  }

  // ------------------------------------------------------------------ chat view

  /** The user's chat as their phone shows it: messages that reached the phone, oldest first. */
  chat(waId: string, opts: { numberId?: string; all?: boolean } = {}): { wa_id: string; profile_name: string; typing: boolean; messages: ChatEntry[] } {
    const user = this.user(waId);
    if (!user) throw new GraphError(100, `Virtual user ${waId} does not exist.`, { httpStatus: 404 });
    const rows = opts.numberId
      ? this.store.all<MessageRow>('SELECT * FROM messages WHERE wa_id = ? AND number_id = ? ORDER BY created_at, rowid', waId, opts.numberId)
      : this.store.all<MessageRow>('SELECT * FROM messages WHERE wa_id = ? ORDER BY created_at, rowid', waId);
    const numbers = new Map(this.numbers().map((n) => [n.id, n]));
    const reactions = new Map<string, string[]>();
    const entries: ChatEntry[] = [];
    const onPhone = (r: MessageRow) => r.direction === 'in' || ['delivered', 'read'].includes(r.status) || (r.type === 'reaction' && r.status === 'sent');
    for (const r of rows) {
      if (r.type === 'reaction' && onPhone(r)) {
        const body = r.direction === 'out' ? (JSON.parse(r.body) as OutboundBody).content : ((JSON.parse(r.body) as Json).reaction as Json);
        const target = String(body.message_id);
        const list = reactions.get(target) ?? [];
        list.push(`${r.direction === 'out' ? 'business' : 'user'}:${String(body.emoji)}`);
        reactions.set(target, list);
      }
    }
    for (const r of rows) {
      if (!opts.all && (!onPhone(r) || r.type === 'reaction')) continue;
      const num = numbers.get(r.number_id);
      const message = r.direction === 'out' ? (JSON.parse(r.body) as OutboundBody) : (JSON.parse(r.body) as Json);
      entries.push({
        id: r.id,
        from: r.direction === 'out' ? 'business' : 'user',
        phone_number_id: r.number_id,
        business: num ? `${num.verified_name} (+${num.display_phone_number})` : r.number_id,
        type: r.type,
        text: r.direction === 'out' ? renderOutbound(message as OutboundBody) : renderInbound(message as Json),
        message: r.direction === 'out' ? { type: (message as OutboundBody).type, [(message as OutboundBody).type]: (message as OutboundBody).content } : message,
        status: r.status,
        error_code: r.error_code,
        context_id: r.context_id,
        reactions: reactions.get(r.id) ?? [],
        timestamp: new Date(r.created_at).toISOString(),
      });
    }
    const lastNum = opts.numberId ?? rows[rows.length - 1]?.number_id;
    const typing = lastNum ? (this.typingUntil.get(`${lastNum}:${waId}`) ?? 0) > this.now() : false;
    return { wa_id: waId, profile_name: user.profile_name, typing, messages: entries };
  }

  message(id: string): (MessageRow & { parsed: unknown }) | undefined {
    const r = this.store.get<MessageRow>('SELECT * FROM messages WHERE id = ?', id);
    return r ? { ...r, parsed: JSON.parse(r.body) } : undefined;
  }

  // ------------------------------------------------------------------ numbers: quality, tier, throughput

  updateNumber(id: string, patch: { quality_rating?: Quality; throughput_mps?: number; tier?: Tier; verified_name?: string; registered?: boolean; payment_valid?: boolean }): NumberInfo {
    const n = this.number(id);
    if (!n) throw new GraphError(100, `Number ${id} does not exist.`, { httpStatus: 404 });
    this.store.tx(() => {
      if (patch.verified_name) this.store.run('UPDATE numbers SET verified_name = ? WHERE id = ?', patch.verified_name, id);
      if (patch.registered !== undefined) this.store.run('UPDATE numbers SET registered = ? WHERE id = ?', patch.registered ? 1 : 0, id);
      if (patch.payment_valid !== undefined) {
        this.store.run('UPDATE wabas SET payment_valid = ? WHERE id = ?', patch.payment_valid ? 1 : 0, n.waba_id);
        this.invalidateTokenCache();
      }
      if (patch.quality_rating && patch.quality_rating !== n.quality_rating) {
        this.store.run('UPDATE numbers SET quality_rating = ? WHERE id = ?', patch.quality_rating, id);
        const biz = this.businessOfNumber(n);
        const event = patch.quality_rating === 'RED' ? 'FLAGGED' : n.quality_rating === 'RED' ? 'UNFLAGGED' : null;
        if (event) this.enqueueWaba(n.waba_id, 'phone_number_quality_update', { display_phone_number: n.display_phone_number, event, max_daily_conversations_per_business: biz.tier });
      }
      if (patch.throughput_mps !== undefined && patch.throughput_mps !== n.throughput_mps) {
        if (!Number.isInteger(patch.throughput_mps) || patch.throughput_mps < 1) throw new GraphError(131009, 'throughput_mps must be a positive integer (20, 80 or 1000).');
        this.store.run('UPDATE numbers SET throughput_mps = ? WHERE id = ?', patch.throughput_mps, id);
        this.throughput.reset(id);
        if (patch.throughput_mps >= 1000) {
          this.enqueueWaba(n.waba_id, 'phone_number_quality_update', { display_phone_number: n.display_phone_number, event: 'THROUGHPUT_UPGRADE', max_daily_conversations_per_business: 'TIER_UNLIMITED' });
        }
      }
      if (patch.tier) this.setTier(this.businessOfNumber(n).id, patch.tier);
    });
    this.deps.wake();
    return this.numberInfo(this.number(id)!);
  }

  setTier(businessId: string, tier: Tier): void {
    const biz = this.business(businessId);
    if (!biz) throw new GraphError(100, `Business ${businessId} does not exist.`, { httpStatus: 404 });
    if (!TIERS.includes(tier)) throw new GraphError(131009, `tier must be one of ${TIERS.join(', ')}.`);
    if (tier === biz.tier) return;
    this.store.run('UPDATE businesses SET tier = ?, upgrade_due_at = NULL WHERE id = ?', tier, businessId);
    const event = TIERS.indexOf(tier) > TIERS.indexOf(biz.tier) ? 'UPGRADE' : 'DOWNGRADE';
    for (const w of this.store.all<WabaRow>('SELECT * FROM wabas WHERE business_id = ?', businessId)) {
      this.enqueueWaba(w.id, 'business_capability_update', { max_daily_conversations_per_business: tier });
      for (const n of this.store.all<NumberRow>('SELECT * FROM numbers WHERE waba_id = ?', w.id)) {
        this.enqueueWaba(w.id, 'phone_number_quality_update', { display_phone_number: n.display_phone_number, event, old_limit: biz.tier, max_daily_conversations_per_business: tier });
      }
    }
  }

  // ------------------------------------------------------------------ jobs

  addJob(kind: string, ref: string, payload: Json, dueAt: number): void {
    this.store.run(
      'INSERT INTO jobs (kind, ref, payload, due_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, ref) DO UPDATE SET payload = excluded.payload, due_at = excluded.due_at',
      kind, ref, JSON.stringify(payload), dueAt,
    );
  }

  private runJob(kind: string, ref: string, payload: Json): void {
    if (kind === 'review') {
      const t = this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', ref);
      if (!t || t.status !== 'PENDING') return;
      const outcome = reviewTemplate(t.category, JSON.parse(t.components) as TemplateComponent[]);
      this.setTemplateStatus(t, outcome.status, outcome.reason, outcome.rejectionInfo ? { rejection_info: outcome.rejectionInfo } : {});
    } else if (kind === 'unpause') {
      const t = this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', ref);
      if (!t || t.status !== 'PAUSED') return;
      this.setTemplateStatus(t, 'APPROVED', 'NONE', { other_info: { title: 'UNPAUSE', description: 'Your template has been unpaused.' } });
    } else if (kind === 'tier_upgrade') {
      const biz = this.business(ref);
      if (!biz) return;
      this.store.run('UPDATE businesses SET upgrade_due_at = NULL WHERE id = ?', biz.id);
      const red = this.store.get('SELECT 1 FROM numbers n JOIN wabas w ON w.id = n.waba_id WHERE w.business_id = ? AND n.quality_rating = ?', biz.id, 'RED');
      const idx = TIERS.indexOf(biz.tier);
      if (!red && idx >= 0 && idx < TIERS.length - 1) this.setTier(biz.id, TIERS[idx + 1]!);
    }
    void payload;
  }

  // ------------------------------------------------------------------ templates

  private insertTemplate(wabaId: string, name: string, language: string, category: string, status: string, pf: string, components: TemplateComponent[], ttl: number | null): string {
    const id = numericId();
    const now = this.now();
    this.store.run(
      `INSERT INTO templates (id, waba_id, name, language, category, status, parameter_format, components, reason, rejection_info, quality, ttl, pause_count, edits, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'UNKNOWN', ?, 0, '[]', ?, ?)`,
      id, wabaId, name, language, category, status, pf, JSON.stringify(components), ttl, now, now,
    );
    return id;
  }

  createTemplate(waba: WabaRow, body: unknown): Json {
    if (!isObj(body)) throw new GraphError(100, 'The request body must be a JSON object.');
    const input = validateTemplateInput(body, { requireName: true, strict: this.t.strictUnknownFields });
    const now = this.now();
    return this.store.tx(() => {
      const count = this.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM templates WHERE waba_id = ? AND status NOT IN ('DELETED')", waba.id)?.n ?? 0;
      if (count >= this.t.templateCap) {
        throw templateError(2388019, 'Message Template Limit Exceeded', `A WhatsApp Business account can have up to ${this.t.templateCap} message templates.`);
      }
      if (this.store.get('SELECT 1 FROM templates WHERE waba_id = ? AND name = ? AND language = ?', waba.id, input.name, input.language)) {
        throw templateError(2388024, 'Content in This Language Already Exists', `There is already ${input.language} content for this template. You can create a new template and try again.`);
      }
      const blocked = this.store.get<{ until: number }>('SELECT until FROM deleted_names WHERE waba_id = ? AND name = ?', waba.id, input.name);
      if (blocked && blocked.until > now) {
        throw templateError(2388023, 'Template name is unavailable', `The name ${input.name} belonged to an approved template deleted less than 30 days ago and can't be reused yet.`);
      }
      const id = this.insertTemplate(waba.id, input.name, input.language, input.category, 'PENDING', input.parameterFormat, input.components, input.ttl);
      this.addJob('review', id, {}, now + this.t.templateReviewDelayMs);
      this.deps.wake();
      return { id, status: 'PENDING', category: input.category };
    });
  }

  templateOf(waba: WabaRow, id: string, method: 'get' | 'post'): TemplateRow {
    const t = this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', id);
    if (!t || t.waba_id !== waba.id || t.status === 'DELETED') throw this.noObject(id, method);
    return t;
  }

  templateJson(t: TemplateRow, fields?: string[]): Json {
    const full: Json = {
      name: t.name, parameter_format: t.parameter_format, components: JSON.parse(t.components), language: t.language, status: t.status,
      category: t.category, id: t.id,
    };
    const extra: Json = {
      quality_score: { score: t.quality, date: Math.floor(t.updated_at / 1000) },
      rejected_reason: t.reason ?? 'NONE',
      message_send_ttl_seconds: t.ttl ?? undefined,
      previous_category: undefined,
    };
    if (!fields || fields.length === 0) return full;
    const out: Json = {};
    for (const f of fields) {
      if (f in full) out[f] = full[f];
      else if (f in extra && extra[f] !== undefined) out[f] = extra[f];
    }
    out.id = t.id;
    return out;
  }

  listTemplates(waba: WabaRow, q: Json, baseUrl: string): Json {
    const fields = typeof q.fields === 'string' ? q.fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    const limit = Math.min(Math.max(Number(q.limit ?? 25) || 25, 1), 1000);
    let rows = this.store.all<TemplateRow>("SELECT * FROM templates WHERE waba_id = ? AND status != 'DELETED' ORDER BY created_at DESC, id", waba.id);
    if (typeof q.name === 'string') rows = rows.filter((r) => r.name.includes(q.name as string));
    if (typeof q.status === 'string') {
      const set = q.status.toUpperCase().split(',');
      rows = rows.filter((r) => set.includes(r.status));
    }
    if (typeof q.category === 'string') rows = rows.filter((r) => r.category === (q.category as string).toUpperCase());
    if (typeof q.language === 'string') rows = rows.filter((r) => r.language === q.language);
    let start = 0;
    if (typeof q.after === 'string') {
      const idx = rows.findIndex((r) => Buffer.from(r.id).toString('base64url') === q.after);
      start = idx >= 0 ? idx + 1 : rows.length;
    }
    const page = rows.slice(start, start + limit);
    const out: Json = { data: page.map((r) => this.templateJson(r, fields)) };
    if (page.length) {
      const cursors = { before: Buffer.from(page[0]!.id).toString('base64url'), after: Buffer.from(page[page.length - 1]!.id).toString('base64url') };
      const paging: Json = { cursors };
      if (start + limit < rows.length) {
        const u = new URL(baseUrl);
        u.searchParams.set('limit', String(limit));
        u.searchParams.set('after', cursors.after);
        paging.next = u.toString();
      }
      out.paging = paging;
    }
    return out;
  }

  editTemplate(waba: WabaRow, id: string, body: unknown): Json {
    if (!isObj(body)) throw new GraphError(100, 'The request body must be a JSON object.');
    const t = this.templateOf(waba, id, 'post');
    const now = this.now();
    if (!['APPROVED', 'REJECTED', 'PAUSED'].includes(t.status)) {
      throw templateError(2388039, 'Template status can\'t be changed', `Templates with status ${t.status} can't be edited.`);
    }
    for (const k of Object.keys(body)) {
      if (!['category', 'components', 'message_send_ttl_seconds', 'parameter_format'].includes(k)) throw new GraphError(100, `Param ${k} can't be edited.`);
    }
    const edits = (JSON.parse(t.edits) as number[]).filter((e) => e > now - 30 * DAY);
    if (t.status === 'APPROVED') {
      if (edits.some((e) => e > now - DAY)) throw templateError(2388039, 'Edit limit reached', 'An approved template can be edited once every 24 hours.');
      if (edits.length >= 10) throw templateError(2388039, 'Edit limit reached', 'An approved template can be edited 10 times in 30 days.');
    }
    let category = t.category;
    if (body.category !== undefined) {
      const c = String(body.category).toUpperCase();
      if (!['MARKETING', 'UTILITY', 'AUTHENTICATION'].includes(c)) throw new GraphError(100, `Category ${String(body.category)} is not valid.`);
      if (t.status === 'APPROVED' && c !== t.category) throw new GraphError(100, "The category of an approved template can't be changed.");
      category = c;
    }
    const pf = (body.parameter_format ? String(body.parameter_format).toUpperCase() : t.parameter_format) as 'POSITIONAL' | 'NAMED';
    const components = body.components !== undefined ? validateComponents(body.components, pf, category) : (JSON.parse(t.components) as TemplateComponent[]);
    const ttl = typeof body.message_send_ttl_seconds === 'number' ? body.message_send_ttl_seconds : t.ttl;
    const reReview = body.components !== undefined || body.category !== undefined;
    this.store.tx(() => {
      this.store.run(
        'UPDATE templates SET category = ?, parameter_format = ?, components = ?, ttl = ?, status = ?, edits = ?, updated_at = ? WHERE id = ?',
        category, pf, JSON.stringify(components), ttl, reReview ? 'PENDING' : t.status, JSON.stringify(t.status === 'APPROVED' ? [...edits, now] : edits), now, id,
      );
      if (reReview) this.addJob('review', id, {}, now + this.t.templateReviewDelayMs);
    });
    this.deps.wake();
    return { success: true };
  }

  deleteTemplates(waba: WabaRow, q: Json): Json {
    const now = this.now();
    let rows: TemplateRow[];
    if (q.hsm_ids !== undefined) {
      if (q.name !== undefined || q.hsm_id !== undefined) throw new GraphError(100, 'hsm_ids cannot be combined with name or hsm_id.');
      let ids: unknown;
      try {
        ids = JSON.parse(String(q.hsm_ids));
      } catch {
        ids = String(q.hsm_ids).split(',');
      }
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw new GraphError(100, 'hsm_ids must be a list of 1 to 100 template ids.');
      rows = ids.map((i) => {
        const r = this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ? AND waba_id = ?', String(i), waba.id);
        if (!r || r.status === 'DELETED') throw new GraphError(100, `Template ${String(i)} does not exist; nothing was deleted.`);
        return r;
      });
    } else {
      if (typeof q.name !== 'string' || !q.name) throw new GraphError(131008, 'The parameter name is required.');
      rows = this.store.all<TemplateRow>("SELECT * FROM templates WHERE waba_id = ? AND name = ? AND status != 'DELETED'", waba.id, q.name);
      if (q.hsm_id !== undefined) rows = rows.filter((r) => r.id === String(q.hsm_id));
      if (rows.length === 0) throw new GraphError(100, `Message template "${q.name}" does not exist.`, { subcode: 2593002 });
    }
    const disabled = rows.find((r) => r.status === 'DISABLED');
    if (disabled) throw new GraphError(100, `Template ${disabled.name} (${disabled.language}) is DISABLED and can't be deleted.`);
    this.store.tx(() => {
      for (const r of rows) {
        this.store.run("UPDATE templates SET status = 'DELETED', updated_at = ? WHERE id = ?", now, r.id);
        if (r.status === 'APPROVED') {
          this.store.run(
            'INSERT INTO deleted_names (waba_id, name, until) VALUES (?, ?, ?) ON CONFLICT (waba_id, name) DO UPDATE SET until = excluded.until',
            waba.id, r.name, now + 30 * DAY,
          );
        }
        // Frees the (name, language) slot for a later template after the 30-day block.
        this.store.run('UPDATE templates SET name = name || ? WHERE id = ?', `#deleted#${r.id}`, r.id);
        this.enqueueWaba(waba.id, 'message_template_status_update', this.templateEvent(r, 'DELETED', 'NONE'));
      }
    });
    this.deps.wake();
    return { success: true };
  }

  private templateEvent(t: TemplateRow, event: string, reason: string | null, extra: Json = {}): Json {
    return {
      event, message_template_id: Number(t.id), message_template_name: t.name.split('#deleted#')[0], message_template_language: t.language,
      reason, message_template_category: t.category, ...extra,
    };
  }

  setTemplateStatus(t: TemplateRow, status: string, reason: string | null, extra: Json = {}): void {
    const now = this.now();
    this.store.run(
      'UPDATE templates SET status = ?, reason = ?, rejection_info = ?, updated_at = ? WHERE id = ?',
      status, reason, extra.rejection_info ? JSON.stringify(extra.rejection_info) : null, now, t.id,
    );
    this.enqueueWaba(t.waba_id, 'message_template_status_update', this.templateEvent(t, status, reason, extra));
  }

  /** Control API: force a review outcome or lifecycle event on a template. */
  triggerTemplateEvent(id: string, event: string, reason?: string): Json {
    const t = this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', id);
    if (!t || t.status === 'DELETED') throw new GraphError(100, `Template ${id} does not exist.`, { httpStatus: 404 });
    const now = this.now();
    this.store.tx(() => {
      this.store.run("DELETE FROM jobs WHERE kind = 'review' AND ref = ?", id);
      switch (event) {
        case 'APPROVED':
          this.setTemplateStatus(t, 'APPROVED', 'NONE');
          break;
        case 'REJECTED': {
          const r = reason ?? 'INVALID_FORMAT';
          const extra = r === 'INVALID_FORMAT' ? { rejection_info: reviewTemplate('MARKETING', [{ type: 'BODY', text: '{{1}}{{2}}' }]).rejectionInfo } : {};
          this.setTemplateStatus(t, 'REJECTED', r, extra);
          break;
        }
        case 'PAUSED':
        case 'DISABLED':
          this.qualityDrop(t, event === 'DISABLED');
          break;
        case 'REINSTATED':
        case 'UNPAUSED':
          this.setTemplateStatus(t, 'APPROVED', 'NONE', { other_info: { title: 'UNPAUSE', description: 'Your template has been unpaused.' } });
          break;
        case 'FLAGGED':
        case 'IN_APPEAL':
        case 'PENDING_DELETION':
        case 'ARCHIVED':
        case 'LOCKED':
        case 'LIMIT_EXCEEDED':
          this.setTemplateStatus(t, event === 'FLAGGED' ? t.status : event, reason ?? 'NONE');
          break;
        default:
          throw new GraphError(131009, `Unknown template event ${event}.`);
      }
    });
    void now;
    this.deps.wake();
    return this.templateJson(this.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', id)!);
  }

  /** Low quality: 1st pause 3 h, 2nd pause 6 h, 3rd → DISABLED (limits reference §5.4). */
  private qualityDrop(t: TemplateRow, disable: boolean): void {
    const now = this.now();
    const count = disable ? 3 : t.pause_count + 1;
    this.store.run("UPDATE templates SET pause_count = ?, quality = 'RED' WHERE id = ?", count, t.id);
    this.enqueueWaba(t.waba_id, 'message_template_quality_update', {
      previous_quality_score: t.quality, new_quality_score: 'RED', message_template_id: Number(t.id), message_template_name: t.name, message_template_language: t.language,
    });
    if (count >= 3) {
      this.setTemplateStatus(t, 'DISABLED', 'NONE', {
        disable_info: { disable_date: unixSeconds(now) },
        other_info: { title: 'DISABLED', description: 'Your template has been disabled due to low quality.' },
      });
    } else {
      const hours = count === 1 ? 3 : 6;
      this.setTemplateStatus(t, 'PAUSED', 'NONE', {
        other_info: { title: count === 1 ? 'FIRST_PAUSE' : 'SECOND_PAUSE', description: `Your template has been paused for ${hours} hours due to low quality.` },
      });
      this.addJob('unpause', t.id, {}, now + hours * HOUR);
    }
  }

  // ------------------------------------------------------------------ media

  storeMedia(num: NumberRow, mime: string, data: Buffer, filename: string | null, origin: string, ttlMs: number): string {
    const id = numericId();
    const now = this.now();
    this.store.run(
      'INSERT INTO media (id, number_id, waba_id, mime_type, sha256, file_size, filename, data, origin, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      id, num.id, num.waba_id, mime, createHash('sha256').update(data).digest('base64'), data.length, filename, data, origin, now, now + ttlMs,
    );
    return id;
  }

  upload(waba: WabaRow, numberId: string, form: { fields: Record<string, string>; file: { data: Buffer; type: string; name: string } | null }): Json {
    const num = this.ownedNumber(waba, numberId, 'post');
    if (form.fields.messaging_product === undefined) throw new GraphError(131008, 'The parameter messaging_product is required.');
    if (form.fields.messaging_product !== 'whatsapp') throw new GraphError(131009, 'Parameter messaging_product must be "whatsapp".');
    if (!form.file) throw new GraphError(131008, 'The parameter file is required.');
    const declared = form.fields.type ?? form.file.type;
    if (!declared) throw new GraphError(131008, 'The parameter type is required.');
    const mime = baseMime(declared);
    const max = maxBytesForMime(mime);
    if (max === null) throw new GraphError(131053, `Param file must be a file with one of the following types: ${Object.values(MEDIA_RULES).flatMap((r) => r.mimes).join(', ')}. Received file of type '${mime}'.`);
    if (form.file.data.length === 0) throw new GraphError(131053, 'The uploaded file is empty.');
    if (form.file.data.length > max) throw new GraphError(131053, `The file is larger than the ${max} bytes allowed for ${mime}.`);
    if (!contentMatches(mime, form.file.data)) throw new GraphError(131053, `The file content does not match its type ${mime}.`);
    const id = this.storeMedia(num, declared, form.file.data, form.file.name || null, 'upload', 30 * DAY);
    return { id };
  }

  mediaOf(waba: WabaRow, id: string, phoneNumberId: unknown, method: 'get' | 'delete'): MediaRow {
    const m = this.store.get<MediaRow>('SELECT * FROM media WHERE id = ?', id);
    if (!m || m.waba_id !== waba.id || m.expires_at <= this.now()) throw this.noObject(id, method);
    if (typeof phoneNumberId === 'string' && phoneNumberId !== m.number_id) throw this.noObject(id, method);
    return m;
  }

  mediaInfo(m: MediaRow, baseUrl: string, graphPrefix: string): Json {
    const exp = this.now() + this.t.mediaUrlTtlMs;
    const url = `${baseUrl}${graphPrefix}/whatsapp_business/attachments/?mid=${m.id}&ext=${Math.floor(exp / 1000)}&hash=${this.mediaHash(m.id, exp)}`;
    return { messaging_product: 'whatsapp', url, mime_type: m.mime_type, sha256: m.sha256, file_size: m.file_size, id: m.id };
  }

  private mediaHash(id: string, expMs: number): string {
    return createHmac('sha256', this.mediaSecret).update(`${id}:${Math.floor(expMs / 1000)}`).digest('base64url');
  }

  /** Authenticated media download; any failure is a 404 as Meta's. */
  download(q: Json, authorization: string | undefined): MediaRow | null {
    const mid = typeof q.mid === 'string' ? q.mid : '';
    const ext = Number(q.ext);
    const hash = typeof q.hash === 'string' ? q.hash : '';
    if (!mid || !Number.isFinite(ext) || ext * 1000 < this.now()) return null;
    const want = Buffer.from(this.mediaHash(mid, ext * 1000));
    const got = Buffer.from(hash);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    let waba: WabaRow;
    try {
      waba = this.authenticate(authorization);
    } catch {
      return null;
    }
    const m = this.store.get<MediaRow>('SELECT * FROM media WHERE id = ?', mid);
    if (!m || m.waba_id !== waba.id || m.expires_at <= this.now()) return null;
    return m;
  }

  deleteMedia(m: MediaRow): Json {
    this.store.run('DELETE FROM media WHERE id = ?', m.id);
    return { success: true };
  }

  /** Inbound media ids from webhooks (to download via GET /{media-id}). */
  mediaRow(id: string): MediaRow | undefined {
    return this.store.get<MediaRow>('SELECT * FROM media WHERE id = ?', id);
  }

  // ------------------------------------------------------------------ housekeeping

  prune(): void {
    const now = this.now();
    this.store.tx(() => {
      this.store.run("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?", now - this.t.webhookRetentionMs);
      this.store.run('DELETE FROM media WHERE expires_at < ?', now);
      this.store.run('DELETE FROM marketing_receipts WHERE at < ?', now - DAY);
      this.store.run('DELETE FROM portfolio_usage WHERE at < ?', now - DAY);
    });
  }

  outbox(state?: string, limit = 100): OutboxRow[] {
    return state
      ? this.store.all<OutboxRow>('SELECT * FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?', state, limit)
      : this.store.all<OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT ?', limit);
  }
}

/** Longest time processDue goes without reading the messages table while memory keeps it busy. */
const FULL_READ_MS = 100;

function heapPush(h: Array<[number, string]>, e: [number, string]): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]![0] <= e[0]) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = e;
}

function heapPop(h: Array<[number, string]>): [number, string] | undefined {
  const top = h[0];
  const last = h.pop();
  if (top === undefined || last === undefined || h.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && h[r]![0] < h[l]![0] ? r : l;
    if (h[c]![0] >= last[0]) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}

export function mergeBehaviour(base: Behaviour, patch: Partial<Behaviour>): Behaviour {
  const out: Behaviour = { ...base, ...patch };
  if (patch.reply !== undefined) {
    const defaults: ReplyScript = { mode: 'auto', text: 'Thanks!', buttonIndex: 0, rowIndex: 0, delayMs: 1000, once: false };
    out.reply = patch.reply === null ? null : { ...defaults, ...(base.reply ?? {}), ...(patch.reply as Partial<ReplyScript>) };
  }
  return out;
}

function collectMedia(body: OutboundBody): Array<{ kind: MediaKind; link?: string; path: string }> {
  const out: Array<{ kind: MediaKind; link?: string; path: string }> = [];
  const c = body.content;
  if (['image', 'video', 'audio', 'document', 'sticker'].includes(body.type)) {
    out.push({ kind: body.type as MediaKind, link: typeof c.link === 'string' ? c.link : undefined, path: body.type });
  } else if (body.type === 'interactive' && isObj(c.header)) {
    const t = String(c.header.type);
    const m = c.header[t];
    if (isObj(m) && typeof m.link === 'string') out.push({ kind: t as MediaKind, link: m.link, path: `interactive.header.${t}` });
  } else if (body.type === 'template' && body.hydrated?.headerMedia) {
    const hm = body.hydrated.headerMedia;
    if (typeof hm.object.link === 'string' && hm.type !== 'location') out.push({ kind: hm.type as MediaKind, link: hm.object.link, path: 'template.header' });
  }
  return out;
}

function renderOutbound(b: OutboundBody): string {
  const c = b.content;
  switch (b.type) {
    case 'text':
      return String(c.body ?? '');
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return `[${b.type}]${c.caption ? ' ' + String(c.caption) : ''}${c.filename ? ' ' + String(c.filename) : ''}`;
    case 'location':
      return `[location] ${String(c.name ?? '')} ${String(c.address ?? '')} (${String(c.latitude)}, ${String(c.longitude)})`.trim();
    case 'contacts':
      return `[contacts] ${((c.contacts ?? []) as Array<{ name: { formatted_name: string } }>).map((x) => x.name.formatted_name).join(', ')}`;
    case 'reaction':
      return String(c.emoji ?? '');
    case 'template':
      return b.hydrated ? renderTemplate(b.hydrated) : `[template ${String(c.name)}]`;
    case 'interactive': {
      const parts: string[] = [];
      const h = c.header as Json | undefined;
      if (h?.type === 'text') parts.push(String(h.text));
      else if (h) parts.push(`[${String(h.type)}]`);
      if (isObj(c.body)) parts.push(String(c.body.text));
      if (isObj(c.footer)) parts.push(String(c.footer.text));
      const a = (c.action ?? {}) as Json;
      if (Array.isArray(a.buttons)) parts.push(...(a.buttons as Array<{ reply: { title: string } }>).map((x) => `[${x.reply.title}]`));
      if (c.type === 'list') parts.push(`[${String(a.button)}]`);
      if (c.type === 'cta_url' || c.type === 'flow') {
        const p = (a.parameters ?? {}) as Json;
        parts.push(`[${String(p.display_text ?? p.flow_cta)}]`);
      }
      if (c.type === 'location_request_message') parts.push('[Send location]');
      if (c.type === 'product_list' || c.type === 'catalog_message' || c.type === 'product') parts.push('[View items]');
      return parts.join('\n');
    }
    default:
      return `[${b.type}]`;
  }
}

function renderInbound(m: Json): string {
  const t = String(m.type);
  const o = (m[t] ?? {}) as Json;
  switch (t) {
    case 'text':
      return String(o.body ?? '');
    case 'button':
      return String(o.text ?? '');
    case 'interactive': {
      const i = o;
      const r = (i.button_reply ?? i.list_reply ?? i.nfm_reply ?? {}) as Json;
      return String(r.title ?? r.body ?? '');
    }
    case 'order':
      return `[order] ${((o.product_items ?? []) as Array<{ product_retailer_id: string; quantity: number }>).map((p) => `${p.quantity} x ${p.product_retailer_id}`).join(', ')}`;
    case 'location':
      return `[location] ${String(o.latitude)}, ${String(o.longitude)}`;
    default:
      return `[${t}]${o.caption ? ' ' + String(o.caption) : ''}`;
  }
}

export { kindOfMime };
