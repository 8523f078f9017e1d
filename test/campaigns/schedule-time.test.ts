import { describe, expect, it } from 'vitest';
import { parseStartTime } from '../../src/campaigns/schedule-time.ts';
import { parseCsv } from '../../src/campaigns/csv.ts';
import { ClickTokens } from '../../src/campaigns/clicks/click-token.ts';

describe('scheduled start times', () => {
  it('reads a wall-clock time in the workspace zone, DST included', () => {
    expect(new Date(parseStartTime('2026-03-01T10:00', 'Asia/Kolkata')).toISOString()).toBe('2026-03-01T04:30:00.000Z');
    expect(new Date(parseStartTime('2026-07-01T10:00', 'Europe/London')).toISOString()).toBe('2026-07-01T09:00:00.000Z');
    expect(new Date(parseStartTime('2026-01-01T10:00', 'Europe/London')).toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(new Date(parseStartTime('2026-03-01T10:00:00+05:30', 'UTC')).toISOString()).toBe('2026-03-01T04:30:00.000Z');
    expect(() => parseStartTime('tomorrow', 'UTC')).toThrow(/startAt/);
  });
  it('parses quoted CSV fields', () => {
    expect(parseCsv('phone,name\r\n"9198","A, ""B"""\n\n91,x')).toEqual([['phone', 'name'], ['9198', 'A, "B"'], ['91', 'x']]);
  });
  it('signs click tokens that cannot be forged for another message', () => {
    const t = new ClickTokens(Buffer.alloc(32, 7));
    const id = '0190f3c2-1234-7abc-8def-0123456789ab';
    const token = t.sign(id, 1);
    expect(t.verify(token)).toEqual({ messageId: id, buttonIndex: 1, suffix: '' });
    expect(t.verify(token.replace(/^0/, '1'))).toBeNull();
    expect(new ClickTokens(Buffer.alloc(32, 8)).verify(token)).toBeNull();
    // The sender's suffix travels signed: it cannot be changed or added to another token.
    const withSuffix = t.sign(id, 1, 'A1042?ref=wa&x=ü');
    expect(t.verify(withSuffix)).toEqual({ messageId: id, buttonIndex: 1, suffix: 'A1042?ref=wa&x=ü' });
    const [body, , mac] = withSuffix.split('.');
    expect(t.verify(`${body}.${Buffer.from('evil').toString('base64url')}.${mac}`)).toBeNull();
    expect(t.verify(`${token.split('.')[0]}.${Buffer.from('evil').toString('base64url')}.${token.split('.')[1]}`)).toBeNull();
  });
});
