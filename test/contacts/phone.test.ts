import { it, expect } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parsePhoneInput } from '../../src/contacts/phone.ts';
it('the fast phone path agrees with libphonenumber on 30,000 random numbers of 15 calling codes', () => {
  let n = 0;
  const ccs = ['91', '44', '1', '49', '971', '65', '55', '234', '62', '7', '33', '86', '852', '880', '92'];
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
  for (let i = 0; i < 30000; i++) {
    const cc = ccs[i % ccs.length]!;
    const len = 6 + (rnd() % 8);
    let nat = ''; for (let k = 0; k < len; k++) nat += String(rnd() % 10);
    const digits = cc + nat;
    const p = parsePhoneNumberFromString(`+${digits}`);
    const expected = p && p.isValid() && digits.length >= 6 && digits.length <= 15 && !nat.startsWith('0') ? `${p.countryCallingCode}${p.nationalNumber}` : null;
    let got: string | null = null;
    try { got = parsePhoneInput({ fullPhoneNumber: digits }).phone; } catch {}
    if (expected !== got && !(expected === null && nat.startsWith('0'))) { n++; if (n < 5) console.log(digits, expected, got); }
  }
  expect(n).toBe(0);
});
