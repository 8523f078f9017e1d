/**
 * The sandbox's first minute: a default number (with Meta's hello_world template approved) and
 * five virtual customers with different behaviours.
 */
import type { Engine, NumberInfo } from './engine.ts';
import type { Behaviour } from './store.ts';

export interface SeedCustomer {
  wa_id: string;
  profile_name: string;
  summary: string;
  behaviour: Partial<Behaviour>;
}

export const SEEDED_CUSTOMERS: SeedCustomer[] = [
  {
    wa_id: '919800000001', profile_name: 'Asha Rao', summary: 'replies at once (presses buttons, picks rows, orders, submits flows)',
    behaviour: { deliveryDelayMs: 200, readDelayMs: 500, reply: { mode: 'auto', text: 'Thanks! \u{1F44D}', buttonIndex: 0, rowIndex: 0, delayMs: 1000, once: false } },
  },
  {
    wa_id: '919800000002', profile_name: 'Bilal Khan', summary: 'reads but never replies',
    behaviour: { deliveryDelayMs: 500, readDelayMs: 2000, reply: null },
  },
  {
    wa_id: '919800000003', profile_name: 'Chitra Iyer', summary: 'not on WhatsApp (every send fails with 131026)',
    behaviour: { onWhatsApp: false, reply: null },
  },
  {
    wa_id: '919800000004', profile_name: 'Dev Malhotra', summary: 'opted out of marketing (marketing templates fail with 131050)',
    behaviour: { marketingOptOut: true, deliveryDelayMs: 500, readDelayMs: 5000, reply: null },
  },
  {
    wa_id: '919800000005', profile_name: 'Esha Patel', summary: 'slow network (delivered after 30 s, read after 2 min, replies a minute later)',
    behaviour: { deliveryDelayMs: 30_000, readDelayMs: 120_000, reply: { mode: 'text', text: 'Sorry, my network is slow. Yes please!', buttonIndex: 0, rowIndex: 0, delayMs: 60_000, once: true } },
  },
];

export const DEFAULT_NUMBER = { display_phone_number: '919000000001', verified_name: 'Samvad Sandbox' };

/** Seeds on first start only (a marker in the store); returns the default number either way. */
export function seed(engine: Engine): NumberInfo | null {
  const marker = engine.store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', 'seeded');
  if (!marker) {
    engine.store.tx(() => {
      if (!engine.store.get('SELECT 1 FROM numbers WHERE display_phone_number = ?', DEFAULT_NUMBER.display_phone_number)) {
        engine.createNumber({ ...DEFAULT_NUMBER, tier: 'TIER_250' });
      }
      for (const c of SEEDED_CUSTOMERS) if (!engine.user(c.wa_id)) engine.createUser(c.wa_id, c.profile_name, c.behaviour);
      engine.store.run('INSERT INTO meta (key, value) VALUES (?, ?)', 'seeded', new Date(engine.now()).toISOString());
    });
    const num = defaultNumber(engine);
    engine.log.info(
      {
        phone_number_id: num?.phone_number_id,
        display_phone_number: num?.display_phone_number,
        waba_id: num?.waba_id,
        customers: SEEDED_CUSTOMERS.map((c) => `+${c.wa_id} ${c.profile_name}: ${c.summary}`),
      },
      'emulator seeded: default sandbox number and five virtual customers',
    );
  }
  return defaultNumber(engine);
}

export function defaultNumber(engine: Engine): NumberInfo | null {
  const n =
    engine.store.get<{ id: string }>('SELECT id FROM numbers WHERE display_phone_number = ?', DEFAULT_NUMBER.display_phone_number) ??
    engine.store.get<{ id: string }>('SELECT id FROM numbers ORDER BY created_at LIMIT 1');
  return n ? engine.numberInfo(engine.number(n.id)!) : null;
}
