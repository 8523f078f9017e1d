import { describe, expect, it } from 'vitest';
import { retryOnDeadlock } from './retry-deadlock.ts';

describe('retryOnDeadlock', () => {
  const failing = (codes: string[], value: string) => {
    let calls = 0;
    return {
      fn: async () => {
        const code = codes[calls++];
        if (code) throw Object.assign(new Error(`error ${code}`), { code });
        return value;
      },
      calls: () => calls,
    };
  };

  it('runs the work again after a deadlock or serialization failure', async () => {
    const w = failing(['40P01', '40001'], 'done');
    await expect(retryOnDeadlock(w.fn)).resolves.toBe('done');
    expect(w.calls()).toBe(3);
  });

  it('gives up after the given number of tries, and never retries other errors', async () => {
    const always = failing(['40P01', '40P01', '40P01'], 'never');
    await expect(retryOnDeadlock(always.fn, 3)).rejects.toThrow('error 40P01');
    expect(always.calls()).toBe(3);
    const other = failing(['23505'], 'never');
    await expect(retryOnDeadlock(other.fn)).rejects.toThrow('error 23505');
    expect(other.calls()).toBe(1);
  });
});
