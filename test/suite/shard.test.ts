import { describe, expect, it } from 'vitest';
import { parseShard, selectShard } from '../../src/harness/suite/shard.js';

const cases = Array.from({ length: 23 }, (_, index) => ({ name: `case-${index}`, index }));

describe('--shard', () => {
  it('parses I/N, 1-based', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard(' 4/4 ')).toEqual({ index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(parseShard(bad), bad).toBeNull();
  });

  it('partitions the suite into balanced shards, each in suite order', () => {
    const shards = [1, 2, 3, 4].map((i) => selectShard(cases, { index: i, count: 4 }));
    expect(shards.flat().map((c) => c.index).sort((a, b) => a - b)).toEqual(cases.map((c) => c.index));
    for (const s of shards) {
      expect([5, 6]).toContain(s.length);
      expect(s.map((c) => c.index)).toEqual([...s.map((c) => c.index)].sort((a, b) => a - b));
    }
  });

  it('depends only on the case names, not their order in the file', () => {
    const reversed = [...cases].reverse();
    const names = (list: { name: string }[]): string[] => list.map((c) => c.name).sort();
    for (let i = 1; i <= 3; i++) expect(names(selectShard(reversed, { index: i, count: 3 }))).toEqual(names(selectShard(cases, { index: i, count: 3 })));
  });

  it('no shard, or 1/1, is the whole suite', () => {
    expect(selectShard(cases, null)).toEqual(cases);
    expect(selectShard(cases, { index: 1, count: 1 })).toEqual(cases);
  });
});
