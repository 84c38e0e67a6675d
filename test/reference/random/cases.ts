/**
 * Case numbering and seeding. Row r's case k is built by its template from a PRNG seeded with
 * (SEED, the row's key, k) alone, so any case can be rebuilt on its own, adding a row changes no
 * other row's cases, and the runner regenerates inputs instead of reading them from the fixture.
 * Cases of a row are split into RESIDUES slices by k mod RESIDUES; the fixture keeps a hash of
 * each slice's inputs and outputs, and `npm test` runs slice 0 only.
 */
import { Rng } from '../gen/core.js';
import { Case, Gen } from './case.js';
import type { Planned } from './catalog.js';

export const SEED = 0x4b524e44; // "KRND"
export const RESIDUES = 8;

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of case k of the row whose key hashes to `rowHash`. */
export function caseSeed(rowHash: number, k: number): number {
  let h = (SEED ^ rowHash) >>> 0;
  h = Math.imul(h ^ (k + 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Builds cases into one reused Case. */
export class CaseBuilder {
  readonly c = new Case();
  private readonly g = new Gen(this.c);
  private readonly hashes = new Map<string, number>();

  /** Builds case k of a planned row into `this.c` (and returns it). */
  build(p: Planned, k: number): Case {
    let h = this.hashes.get(p.ref.key);
    if (h === undefined) this.hashes.set(p.ref.key, (h = fnv1a(p.ref.key)));
    this.g.begin(new Rng(caseSeed(h, k)));
    p.template(this.g, p.ref);
    return this.c;
  }
}
