import { expect } from 'vitest';
import { upsertContactFromInbound } from '../../src/contacts/index.ts';
import type { ProviderTemplate } from '../../src/channels/whatsapp/types.ts';
import { newId } from '../../src/platform/ids.ts';
import { storeSyncedTemplates } from '../../src/templates/index.ts';
import { pauseNumberDispatch } from '../../src/channels/whatsapp/index.ts';
import type { TestApp } from '../helpers/start-test-app.ts';

export const ASHA = '919800000001';
export const BILAL = '919800000002';

/** Templates the send tests use, as the WABA lists them (hello_world as Meta seeds it). */
export const TEST_TEMPLATES: ProviderTemplate[] = [
  {
    id: '1000',
    name: 'hello_world',
    language: 'en_US',
    category: 'UTILITY',
    status: 'APPROVED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      { type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.' },
      { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
    ],
  },
  {
    id: '1001',
    name: 'order_shipped',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}} shipped' },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way and arrives {{3}}.' },
      { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+919000000001' }, { type: 'URL', text: 'Track', url: 'https://shop.example.com/track/{{1}}' }, { type: 'QUICK_REPLY', text: 'Thanks' }] },
    ],
  },
  { id: '1002', name: 'order_shipped', language: 'hi', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'नमस्ते {{1}}, आपका ऑर्डर {{2}} रास्ते में है, {{3}}' }] },
  { id: '1003', name: 'order_shipped', language: 'fr', category: 'UTILITY', status: 'PENDING', components: [{ type: 'BODY', text: 'Bonjour {{1}} {{2}} {{3}}' }] },
  { id: '1004', name: 'summer_sale', language: 'en', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hi {{1}}, {{2}}% off today only.' }, { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'SALE25' }] }] },
  { id: '1005', name: 'invoice', language: 'en', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'DOCUMENT' }, { type: 'BODY', text: 'Your invoice is attached.' }] },
  {
    id: '1006',
    name: 'login_otp',
    language: 'en',
    category: 'AUTHENTICATION',
    status: 'APPROVED',
    components: [{ type: 'BODY', text: '{{1}} is your verification code.' }, { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] }],
  },
  { id: '1007', name: 'paused_promo', language: 'en', category: 'MARKETING', status: 'PAUSED', components: [{ type: 'BODY', text: 'Promo' }] },
  { id: '1008', name: 'disabled_promo', language: 'en', category: 'MARKETING', status: 'DISABLED', components: [{ type: 'BODY', text: 'Promo' }] },
  {
    id: '1009',
    name: 'named_greeting',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    parameterFormat: 'NAMED',
    components: [{ type: 'BODY', text: 'Hello {{first_name}}, your code is {{code}}.' }],
  },
  {
    id: '1010',
    name: 'carousel_promo',
    language: 'en',
    category: 'MARKETING',
    status: 'APPROVED',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, pick one:' },
      {
        type: 'CAROUSEL',
        cards: [
          { components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Card one {{1}}' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'More' }, { type: 'URL', text: 'Buy', url: 'https://shop.example.com/p/{{1}}' }] }] },
          { components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Card two {{1}}' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'More' }, { type: 'URL', text: 'Buy', url: 'https://shop.example.com/p/{{1}}' }] }] },
        ],
      },
    ],
  },
  {
    id: '1011',
    name: 'pay_order',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hi {{1}}, please pay for your order.' }, { type: 'BUTTONS', buttons: [{ type: 'ORDER_DETAILS', text: 'Review and Pay' }] }],
  },
  { id: '1012', name: 'payment_confirmation', language: 'en', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'We received ₹{{1}}.' }] },
];

export interface SendFixture {
  workspaceId: string;
  numberId: string;
  phoneNumberId: string;
  wabaId: string;
}

/**
 * The default workspace's sending number and the test templates. Uses the sandbox number that
 * startApp connects when there is one; otherwise connects the emulator's default number here.
 */
export async function prepareSending(app: TestApp): Promise<SendFixture> {
  const db = app.context.database.db;
  const ws = await db.selectFrom('workspaces').select('id').orderBy('created_at').executeTakeFirstOrThrow();
  let number = await db.selectFrom('business_numbers').select(['id', 'phone_number_id', 'waba_id']).where('workspace_id', '=', ws.id).where('is_default', '=', 1).executeTakeFirst();
  if (!number) {
    const emu = app.emulator!.defaultNumber()!;
    const now = app.context.clock.nowMs();
    const id = newId(now);
    await app.context.database.transaction((tx) =>
      tx.db
        .insertInto('business_numbers')
        .values({
          id,
          workspace_id: ws.id,
          phone_number_id: emu.phone_number_id,
          waba_id: emu.waba_id,
          business_id: 'sandbox-business',
          display_phone_number: emu.display_phone_number,
          verified_name: 'Samvad Sandbox',
          graph_base_url: `${app.url}/graph/v21.0`,
          access_token_enc: '',
          app_secret_enc: '',
          verify_token_enc: '',
          throughput_mps: 80,
          messaging_limit_tier: 'TIER_250',
          quality_rating: null,
          is_default: 1,
          is_sandbox: 1,
          dispatch_paused_at: null,
          dispatch_pause_reason: null,
          created_at: now,
          updated_at: now,
        } as never)
        .execute(),
    );
    number = { id, phone_number_id: emu.phone_number_id, waba_id: emu.waba_id };
  }
  // These templates exist only here, not in the emulator's WABA: a lazy sync on a lookup miss
  // would (rightly) mark them DELETED, so these tests turn lazy sync off.
  delete app.context.templateRefresher;
  await storeSyncedTemplates(app.context.database, app.context.clock, ws.id, number.waba_id, TEST_TEMPLATES);
  // These tests check what a send stores before it is answered (the message queued, its dispatch
  // row); pausing the number's dispatch (what an account-level error does) keeps the dispatcher
  // from consuming those rows while the tests look at them. End-to-end delivery is covered by
  // end-to-end.db.test.ts.
  await pauseNumberDispatch(app.context.database, app.context.clock, number.id, 'send API tests inspect queued messages');
  return { workspaceId: ws.id, numberId: number.id, phoneNumberId: number.phone_number_id, wabaId: number.waba_id };
}

/** The customer wrote to the number at the clock's now (what inbound processing records): contact + open window. */
export async function customerWrote(app: TestApp, fx: SendFixture, waId: string, profileName = 'Customer'): Promise<string> {
  const clock = app.context.clock;
  return app.context.database.transaction(async (tx) => {
    const { id } = await upsertContactFromInbound(tx, clock, { workspaceId: fx.workspaceId, phone: waId, profileName });
    const now = clock.nowMs();
    await tx.db
      .insertInto('conversations')
      .values({ id: newId(now), workspace_id: fx.workspaceId, number_id: fx.numberId, contact_id: id, last_message_id: null, last_message_at: now, last_inbound_at: now, window_expires_at: now + 24 * 3_600_000, fep_expires_at: null, unread_count: 1, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['number_id', 'contact_id']).doUpdateSet({ last_inbound_at: now, window_expires_at: now + 24 * 3_600_000, updated_at: now }))
      .execute();
    return id;
  });
}

/** Counts of everything a send stores, to assert that a refusal stored nothing. */
export async function storedCounts(app: TestApp) {
  const db = app.context.database.db;
  const count = async (table: 'messages' | 'dispatch_queue' | 'contacts' | 'conversations' | 'idempotency_keys') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { messages: await count('messages'), dispatch: await count('dispatch_queue'), contacts: await count('contacts'), conversations: await count('conversations'), idempotency: await count('idempotency_keys') };
}

export function expectInterakt400(res: { statusCode: number; json(): unknown }, message: string | RegExp) {
  expect(res.statusCode).toBe(400);
  const body = res.json() as { result: boolean; message: string };
  expect(body.result).toBe(false);
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
}
