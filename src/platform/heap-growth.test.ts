import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { applyHeapGrowth } from './heap-growth.ts';

describe('heap growth and SQLite cache settings', () => {
  it('defaults to 40 % heap growth and a 32 MiB page cache, and refuses values out of range', () => {
    expect(loadConfig({})).toMatchObject({ heapGrowthPercent: 40, sqliteCacheMb: 32 });
    expect(loadConfig({ SAMVAD_HEAP_GROWTH_PERCENT: '0', SAMVAD_SQLITE_CACHE_MB: '8' })).toMatchObject({ heapGrowthPercent: 0, sqliteCacheMb: 8 });
    expect(() => loadConfig({ SAMVAD_HEAP_GROWTH_PERCENT: '-5' })).toThrow(/SAMVAD_HEAP_GROWTH_PERCENT=-5: must be an integer from 0 to 1000/);
    expect(() => loadConfig({ SAMVAD_SQLITE_CACHE_MB: 'lots' })).toThrow(/SAMVAD_SQLITE_CACHE_MB=lots: must be an integer/);
  });

  it('leaves V8 alone at 0 and when node was started with its own --heap-growing-percent', () => {
    expect(applyHeapGrowth(0, [])).toBe(false);
    expect(applyHeapGrowth(40, ['--heap-growing-percent=80'])).toBe(false);
    expect(applyHeapGrowth(40, ['--heap_growing_percent=80'])).toBe(false);
  });

});
