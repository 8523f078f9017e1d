import type { CustomerInput } from './types.ts';
import { naiveUtc } from './format.ts';

/**
 * `data.customer` (reference §8.4): Interakt's customer id, `channel_phone_number` without '+',
 * phone_number and country_code (2024+ samples), and every trait of the contact.
 */
export function customerObject(c: CustomerInput): Record<string, unknown> {
  const traits: Record<string, unknown> = {
    name: c.name,
    whatsapp_opted_in: c.whatsappOptedIn ?? false,
    ...(c.createdAt !== undefined ? { created_at: naiveUtc(c.createdAt).slice(0, 19) } : {}),
    ...(c.userId ? { 'User Id': c.userId } : {}),
    source_id: null,
    source_url: null,
    ...c.traits,
  };
  return {
    id: c.id,
    channel_phone_number: c.phone.replace(/\D/g, ''),
    phone_number: c.phoneNational,
    country_code: c.countryCode,
    traits,
  };
}
