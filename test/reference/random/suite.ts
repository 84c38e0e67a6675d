/**
 * The vitest side of the random cases: one `it` per group of rows, shared by random.test.ts and
 * the shard files (the full run is split over files so that vitest runs them in parallel).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Planned } from './catalog.js';
import { checkRows, describeMismatches } from './check.js';
import { decodeRandom, type RandomFixture } from './fixture.js';
import { RandomRunner } from './runner.js';

export function loadFixture(): RandomFixture {
  return decodeRandom(readFileSync(new URL('../../fixtures/reference/random.krnd.br', import.meta.url)));
}

/**
 * Registers the tests that run cases: residues null = every slice (the full run), split so that
 * this file takes the slices j with j mod shards = shard; else the given slices.
 */
export function runGroups(fx: RandomFixture, planned: readonly Planned[], residues: number[] | null, shard: number, shards: number): void {
  const slices = residues ?? Array.from({ length: fx.header.residues }, (_, j) => j).filter((j) => j % shards === shard);
  const groups = [...new Set(planned.map((p) => p.group))].sort();
  const label = residues ? `slice ${residues.join(',')} of ${fx.header.residues}` : `slices ${slices.join(',')} of ${fx.header.residues} (full run)`;
  describe(`random instruction cases, ${label}, native results from ${fx.header.hostCpu}`, () => {
    const runner = new RandomRunner(fx.header.env);
    let total = 0, ms = 0;
    const t0 = performance.now();
    for (const group of groups) {
      it(`${group}`, () => {
        const rows = planned.filter((p) => p.group === group);
        const r = checkRows(fx, rows, slices, runner);
        total += r.cases;
        const problems: string[] = [];
        if (r.staleSlices.length) problems.push(`the generator no longer builds the inputs the fixture was made from (regenerate: make -C test/reference random): ${r.staleSlices.slice(0, 10).join('; ')}`);
        if (r.mismatchCount) {
          ms += r.mismatchCount;
          problems.push(`${r.mismatchCount} of ${r.cases} cases differ from the native CPU:\n${describeMismatches(fx, r.mismatches)}`);
        }
        if (r.hiddenSlices.length) problems.push(`digests differ although the stored 16 bits matched (a collision) in: ${r.hiddenSlices.join('; ')}`);
        expect(problems.join('\n\n') || 'ok').toBe('ok');
        expect(r.cases).toBeGreaterThan(0);
      });
    }
    afterAll(() => {
      const s = (performance.now() - t0) / 1000;
      console.log(`random instruction cases (${label}): ${total} cases, ${ms} mismatches, ${s.toFixed(1)} s (${Math.round(total / s)} cases/s)${runner.hltAtCpl3 ? `; HLT at CPL 3 did not fault ${runner.hltAtCpl3} times` : ''}`);
    });
  });
}
