import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/analytics/coalesce.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Coalescer', () => {
  it('runs at once when idle, and callers arriving during a run share the next run, which starts after it', async () => {
    const c = new Coalescer<number>();
    let runs = 0;
    const started: number[] = [];
    let release: (() => void) | undefined;
    const fn = () => {
      const n = ++runs;
      started.push(n);
      return new Promise<number>((resolve) => {
        release = () => resolve(n);
      });
    };
    const first = c.run('k', fn);
    // Callers in the same turn of the event loop join the first run (it starts on the next turn).
    const sameTurn = c.run('k', fn);
    expect(sameTurn).toBe(first);
    await tick();
    expect(runs).toBe(1);
    // Arriving while run 1 is in flight: they must not get run 1's answer (read before they came).
    const second = c.run('k', fn);
    const third = c.run('k', fn);
    expect(second).toBe(third);
    await tick();
    expect(runs).toBe(1); // the next run waits for the current one
    release!();
    expect(await first).toBe(1);
    await tick();
    expect(runs).toBe(2);
    // A caller arriving while run 2 is in flight waits for run 3.
    const fourth = c.run('k', fn);
    release!();
    expect(await second).toBe(2);
    expect(await third).toBe(2);
    await tick();
    release!();
    expect(await fourth).toBe(3);
    await tick();
    expect(c.size()).toBe(0);
    // Different keys never share.
    const a = c.run('a', async () => 10);
    const b = c.run('b', async () => 20);
    expect([await a, await b]).toEqual([10, 20]);
  });

  it('passes a failure to the callers of that run only; the next run starts anyway', async () => {
    const c = new Coalescer<string>();
    let fail = true;
    let release: (() => void) | undefined;
    const fn = () =>
      new Promise<string>((resolve, reject) => {
        release = () => (fail ? reject(new Error('boom')) : resolve('ok'));
      });
    const first = c.run('k', fn);
    await tick(); // the first run has started
    const second = c.run('k', fn);
    release!();
    await expect(first).rejects.toThrow('boom');
    await tick();
    fail = false;
    release!();
    expect(await second).toBe('ok');
    await tick();
    expect(c.size()).toBe(0);
  });
});
