/**
 * `--shard I/N`: a stable part of a suite, so a CI matrix can spread a large suite over N
 * machines. Cases are ordered by a hash of their name and dealt out in turn, so the shards are
 * balanced (sizes differ by at most one), every case is in exactly one shard, and a case's shard
 * depends only on the set of case names, never on the machine or the run.
 */
import { createHash } from 'node:crypto';
import type { SuiteCase } from './schema.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Parses `I/N` (1 <= I <= N); null when it is not of that form. */
export function parseShard(text: string): Shard | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && count >= 1 && index <= count && count <= 100_000 ? { index, count } : null;
}

const key = (name: string): string => createHash('sha256').update(name).digest('hex');

/** The cases of shard `s`, in suite order. */
export function selectShard<C extends Pick<SuiteCase, 'name' | 'index'>>(cases: readonly C[], s: Shard | null): C[] {
  if (s === null || s.count === 1) return [...cases];
  const dealt = [...cases].sort((a, b) => (key(a.name) < key(b.name) ? -1 : key(a.name) > key(b.name) ? 1 : 0));
  const mine = new Set(dealt.filter((_, k) => k % s.count === s.index - 1).map((c) => c.index));
  return cases.filter((c) => mine.has(c.index));
}
