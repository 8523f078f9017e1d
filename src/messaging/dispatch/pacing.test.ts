import { describe, expect, it } from 'vitest';
import { AdaptiveShare, TokenBucket } from './pacing.ts';

describe('the dispatcher share of a number throughput', () => {
  it('uses the whole throughput while no customer writes in', () => {
    const share = new AdaptiveShare(0.9);
    expect(share.share(1000, 0)).toBe(1);
    expect(share.share(1000, 60_000)).toBe(1);
  });

  it('keeps twice the recent inbound rate as headroom, never going below the floor', () => {
    const share = new AdaptiveShare(0.9, 5_000);
    // 10 inbound a second for 30 s on a 1,000-mps number: the decayed rate settles near 10/s.
    for (let t = 0; t <= 30_000; t += 100) share.addInbound(1, t);
    expect(share.share(1000, 30_000)).toBeCloseTo(0.98, 2);
    // 200 a second would need 40 % headroom: the floor (90 %) holds instead.
    for (let t = 30_100; t <= 60_000; t += 100) share.addInbound(20, t);
    expect(share.share(1000, 60_000)).toBe(0.9);
    // The customers stop writing: the headroom decays away within a minute.
    expect(share.share(1000, 75_000)).toBeLessThan(1);
    expect(share.share(1000, 120_000)).toBeCloseTo(1, 3);
  });

  it('holds the floor for 30 s after Meta answered 130429', () => {
    const share = new AdaptiveShare(0.9, 5_000, 30_000);
    share.throttled(1_000);
    expect(share.share(80, 2_000)).toBe(0.9);
    expect(share.share(80, 30_999)).toBe(0.9);
    expect(share.share(80, 31_000)).toBe(1);
  });
});

describe('token bucket reconfigured while it runs', () => {
  it('counts the tokens earned so far at the old rate before the new rate applies', () => {
    const bucket = new TokenBucket(100, 1000, 0, 0);
    bucket.configure(10, 1000, 1_000); // 1 s at 100/s: 100 tokens earned
    let taken = 0;
    while (bucket.tryTake(1_000)) taken++;
    expect(taken).toBe(100);
    // From now on 10 a second.
    expect(bucket.nextTokenAt(1_000)).toBe(1_100);
  });
});
