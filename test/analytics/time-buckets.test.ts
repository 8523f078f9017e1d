import { describe, expect, it } from 'vitest';
import { bucketIndex, buckets, isoInZone, localToUtc, parseLocalDate } from '../../src/analytics/time-buckets.ts';

describe('analytics time buckets', () => {
  it('cuts days at local midnight across a DST change (America/New_York: 23 h and 25 h days)', () => {
    const spring = buckets('America/New_York', { y: 2026, m: 3, d: 7 }, { y: 2026, m: 3, d: 9 }, 'day');
    expect(spring.map((b) => b.start)).toEqual(['2026-03-07T00:00:00-05:00', '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00']);
    expect(spring.map((b) => (b.endMs - b.startMs) / 3_600_000)).toEqual([24, 23, 24]);
    const fall = buckets('America/New_York', { y: 2026, m: 11, d: 1 }, { y: 2026, m: 11, d: 1 }, 'day');
    expect((fall[0]!.endMs - fall[0]!.startMs) / 3_600_000).toBe(25);
  });

  it('gives a DST day 23 or 25 hourly buckets, each a real hour, the repeated 01:00 told apart by its offset', () => {
    const spring = buckets('America/New_York', { y: 2026, m: 3, d: 8 }, { y: 2026, m: 3, d: 8 }, 'hour');
    expect(spring).toHaveLength(23);
    expect(spring.slice(1, 3).map((b) => b.start)).toEqual(['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00']);
    const fall = buckets('America/New_York', { y: 2026, m: 11, d: 1 }, { y: 2026, m: 11, d: 1 }, 'hour');
    expect(fall).toHaveLength(25);
    expect(fall.slice(1, 3).map((b) => b.start)).toEqual(['2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00']);
    for (const b of [...spring, ...fall]) expect(b.endMs - b.startMs).toBe(3_600_000);
  });

  it('uses Asia/Kolkata (+05:30) midnights and hours starting at :00 local', () => {
    const days = buckets('Asia/Kolkata', { y: 2026, m: 1, d: 1 }, { y: 2026, m: 1, d: 2 }, 'day');
    expect(days[0]).toEqual({ start: '2026-01-01T00:00:00+05:30', startMs: Date.UTC(2025, 11, 31, 18, 30), endMs: Date.UTC(2026, 0, 1, 18, 30) });
    const hours = buckets('Asia/Kolkata', { y: 2026, m: 1, d: 1 }, { y: 2026, m: 1, d: 1 }, 'hour');
    expect(hours).toHaveLength(24);
    expect(hours[1]!.start).toBe('2026-01-01T01:00:00+05:30');
    // 2026-01-01T18:29:59Z is 23:59:59 in Kolkata: the first day; a second later is the next.
    expect(bucketIndex(days, Date.UTC(2026, 0, 1, 18, 29, 59))).toBe(0);
    expect(bucketIndex(days, Date.UTC(2026, 0, 1, 18, 30))).toBe(1);
    expect(bucketIndex(days, Date.UTC(2025, 11, 31, 18, 29))).toBe(-1);
  });

  it('maps wall times in a spring-forward gap forward by the gap (like Temporal "compatible") and ambiguous ones to the first occurrence', () => {
    expect(isoInZone('America/New_York', localToUtc('America/New_York', 2026, 3, 8, 2, 30))).toBe('2026-03-08T03:30:00-04:00');
    expect(isoInZone('America/New_York', localToUtc('America/New_York', 2026, 11, 1, 1, 30))).toBe('2026-11-01T01:30:00-04:00');
  });

  it('refuses dates that are not calendar dates', () => {
    expect(() => parseLocalDate('2026-02-30', 'from')).toThrow(/YYYY-MM-DD/);
    expect(() => parseLocalDate('2026-2-3', 'from')).toThrow(/YYYY-MM-DD/);
    expect(parseLocalDate('2024-02-29', 'from')).toEqual({ y: 2024, m: 2, d: 29 });
  });
});
