/**
 * Random instruction cases (test/reference/random, README "Random cases"): about a million cases
 * over every row of the opcode table, rebuilt from their seeds and run in our CPU; each result's
 * digest must equal the native CPU's (test/fixtures/reference/random.krnd.br).
 *
 * `npm test` runs slice 0 (every 8th case of every row); KREF_RANDOM=full (`npm run
 * test:cpu-random`) runs every case, half of the slices here and half in random-full-2.test.ts, so
 * that vitest runs them in parallel.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from './random/catalog.js';
import { loadFixture, runGroups } from './random/suite.js';

const fx = loadFixture();
const { planned, excluded, missing } = catalog();

describe('random instruction cases: coverage', () => {
  it('every row of the opcode table with a handler has a template or a documented exclusion', () => {
    expect(missing.map((r) => r.key), 'rows with a handler but no template (random/catalog.ts): add a template or an exclusion with its reason').toEqual([]);
  });

  it('the fixture has cases for every planned row (else regenerate: make -C test/reference random)', () => {
    const inFixture = new Map(fx.header.rows.map((r) => [r.key, r.count]));
    const absent = planned.filter((p) => !inFixture.has(p.ref.key)).map((p) => p.ref.key);
    const changed = planned.filter((p) => inFixture.has(p.ref.key) && inFixture.get(p.ref.key) !== p.count).map((p) => p.ref.key);
    const gone = fx.header.rows.filter((r) => !planned.some((p) => p.ref.key === r.key)).map((r) => r.key);
    expect({ absent, changed, gone }).toEqual({ absent: [], changed: [], gone: [] });
    expect(planned.every((p) => p.count > 0)).toBe(true);
    expect(fx.header.excluded.map((e) => e.key).sort()).toEqual(excluded.map((e) => e.ref.key).sort());
  });

  it('at least a million cases', () => {
    expect(fx.header.caseCount).toBeGreaterThanOrEqual(1_000_000);
  });
});

if (process.env.KREF_RANDOM === 'full') runGroups(fx, planned, null, 0, 2);
else runGroups(fx, planned, [0], 0, 1);
