import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

describe('createBatcher', () => {
  it('flushes the items of one event-loop turn together and answers each caller', async () => {
    const flushed: number[][] = [];
    const add = createBatcher<number>(async (items) => void flushed.push(items));
    await Promise.all([add(1), add(2), add(3)]);
    await add(4);
    expect(flushed).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every caller of a failed batch, and the next batch runs normally', async () => {
    let fail = true;
    const add = createBatcher<string>(async () => {
      if (fail) throw new Error('disk full');
    });
    const results = await Promise.allSettled([add('a'), add('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(add('c')).resolves.toBeUndefined();
  });
});
