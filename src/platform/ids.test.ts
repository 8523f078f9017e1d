import { describe, expect, it } from 'vitest';
import { newId, newIdsAscending } from './ids.ts';

describe('newId', () => {
  it('is a UUIDv7: the millisecond timestamp first, version 7, RFC variant, the rest random', () => {
    const t = 0x019ac021507b;
    const id = newId(t);
    expect(id).toMatch(/^019ac021-507b-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newId(0)).toMatch(/^00000000-0000-7/);
    expect(newId(2 ** 48 - 1)).toMatch(/^ffffffff-ffff-7/);
    for (let i = 0; i < 1_000; i++) {
      const ms = Math.floor(Math.random() * 2 ** 48);
      const id = newId(ms);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    }
  });

  it('sorts by creation time and does not repeat within a millisecond across pool refills', () => {
    expect(newId(1_000) < newId(1_001)).toBe(true);
    const ids = Array.from({ length: 50_000 }, () => newId(1_764_160_000_123));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives ids of one moment in ascending order (newIdsAscending)', () => {
    const ids = newIdsAscending(5_000, 1_764_160_000_123);
    expect(ids).toHaveLength(5_000);
    expect(new Set(ids).size).toBe(5_000);
    expect(ids.every((id, i) => i === 0 || ids[i - 1]! < id)).toBe(true);
    expect(ids[0]).toMatch(/^019ac021-507b-7/);
    expect(newIdsAscending(0)).toEqual([]);
  });
});
