/**
 * Meta prices a message by the recipient's market, found from the calling code of its phone
 * number (limits reference §6.1): standalone markets by ISO code, everything else by region.
 * Longest-prefix match on the wa_id's digits.
 */
const STANDALONE: Record<string, string> = {
  '54': 'AR', '55': 'BR', '56': 'CL', '57': 'CO', '20': 'EG', '33': 'FR', '49': 'DE', '852': 'HK', '36': 'HU',
  '91': 'IN', '62': 'ID', '972': 'IL', '39': 'IT', '60': 'MY', '52': 'MX', '31': 'NL', '234': 'NG', '92': 'PK',
  '51': 'PE', '48': 'PL', '974': 'QA', '40': 'RO', '7': 'RU', '966': 'SA', '65': 'SG', '27': 'ZA', '34': 'ES',
  '90': 'TR', '971': 'AE', '44': 'GB',
};

/** North American numbering plan prefixes that Meta prices as Rest of Latin America. */
const NANP_LATAM = ['1809', '1829', '1849', '1658', '1876', '1787', '1939'];

/** The pricing market of a recipient: an ISO country code for standalone markets, else a region name. */
export function marketForRecipient(waId: string): string {
  const digits = waId.replace(/\D/g, '');
  if (digits.startsWith('1')) return NANP_LATAM.some((p) => digits.startsWith(p)) ? 'Rest of Latin America' : 'North America';
  for (const len of [3, 2, 1]) {
    const m = STANDALONE[digits.slice(0, len)];
    if (m) return m;
  }
  // Regions (Rest of Africa, Rest of Asia Pacific, …) need the full country table; until a rate card
  // for them is configured the ledger cannot price these anyway.
  return 'Other';
}
