/**
 * Instruction reference: every case of test/fixtures/reference/instructions.kref.br run in our CPU
 * and compared with what the native CPU did (registers, the SDM-defined flags, the data area, the
 * exception vector). One `it` per family; a failing family lists how many cases differ and a few.
 * Regenerate the fixture with `make -C test/reference fixtures` (README.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { CaseRunner, compare, describeCase } from './emulate.js';
import { decodeFixture } from './format.js';

const ref = decodeFixture(readFileSync(fileURLToPath(new URL('../fixtures/reference/instructions.kref.br', import.meta.url))));
const cpuSource = fileURLToPath(new URL('../../src/cpu/cpu.ts', import.meta.url));
const cpuModule = existsSync(cpuSource) ? await import('../../src/cpu/cpu.js') : null;

const EXAMPLES = 4;
const byFamily = new Map<number, number[]>();
for (let i = 0; i < ref.count; i++) {
  const f = ref.col.family[i]!;
  let a = byFamily.get(f);
  if (!a) byFamily.set(f, (a = []));
  a.push(i);
}

const failed: string[] = [];

describe.skipIf(!cpuModule)(`instruction reference (${ref.count} cases recorded on ${ref.header.hostCpu})`, () => {
  const runner = new CaseRunner((mem, io) => new cpuModule!.Cpu(mem, io));

  ref.header.families.forEach((fam, fi) => {
    it(`${fam.group}: ${fam.name}`, () => {
      const cases = byFamily.get(fi) ?? [];
      const bad: string[] = [];
      let n = 0;
      for (const i of cases) {
        const diffs = compare(ref, i, runner.run(ref, i));
        if (diffs.length === 0) continue;
        n++;
        if (bad.length < EXAMPLES) bad.push(`  ${describeCase(ref, i)}\n    ${diffs.join('\n    ')}`);
      }
      if (n > 0) {
        failed.push(`${fam.group}: ${fam.name}: ${n}/${cases.length}`);
        throw new Error(`${fam.name}: ${n} of ${cases.length} cases differ from the native CPU (flags compared: SDM-defined only; ${fam.flagsRule})\n${bad.join('\n')}`);
      }
    });
  });

  afterAll(() => {
    if (failed.length) console.log(`instruction reference: ${failed.length} of ${ref.header.families.length} families differ (failing/total cases):\n  ${failed.join('\n  ')}`);
  });
});
