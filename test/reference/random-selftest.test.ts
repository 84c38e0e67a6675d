/**
 * Tests the random-case checker itself, without trusting our CPU's results: a corrupted expected
 * digest must be reported, a changed generator must be noticed, and a CPU that gets any defined
 * part of the state wrong (a register, a defined flag, a data byte, a segment register, the
 * exception, an x87 register) must fail, while one that differs only in a flag the SDM leaves
 * undefined must pass.
 */
import { describe, expect, it } from 'vitest';
import type { Case } from './random/case.js';
import { catalog, type Planned } from './random/catalog.js';
import { checkRows } from './random/check.js';
import { AF, CF, ZF } from './random/env.js';
import type { RandomFixture } from './random/fixture.js';
import { COMPLETED, type Outcome } from './random/outcome.js';
import { RandomRunner } from './random/runner.js';
import { loadFixture } from './random/suite.js';

const fx = loadFixture();
const { planned } = catalog();
const row = (name: string): Planned => {
  const p = planned.find((x) => x.ref.name === name);
  if (!p) throw new Error(`no row ${name}`);
  return p;
};
const slice0 = [0];

/** A runner whose results are altered after the real run. */
class Sabotaged extends RandomRunner {
  constructor(private readonly alter: (c: Case, o: Outcome) => void) { super(fx.header.env); }
  override run(c: Case, o: Outcome): void { super.run(c, o); this.alter(c, o); }
}

function mismatches(rows: Planned[], runner: RandomRunner, f: RandomFixture = fx): { cases: number; bad: number; stale: number } {
  const r = checkRows(f, rows, slice0, runner);
  return { cases: r.cases, bad: r.mismatchCount, stale: r.staleSlices.length };
}

describe('random-case checker self-test', () => {
  const rows = ['ADD_EbGb', 'DIV_Ev', 'MOVSB', 'IRET', 'POP_DS'].map(row);

  it('our CPU passes these rows (the baseline for the tests below)', () => {
    expect(mismatches(rows, new RandomRunner(fx.header.env))).toMatchObject({ bad: 0, stale: 0 });
  });

  it('reports a corrupted expected digest, and only that case', () => {
    const copy: RandomFixture = { ...fx, digest16: fx.digest16.slice() };
    const i = fx.header.rows.findIndex((r) => r.key === rows[0]!.ref.key);
    copy.digest16[fx.rowStart[i]! + 8] ^= 0x10;
    expect(mismatches([rows[0]!], new RandomRunner(fx.header.env), copy).bad).toBe(1);
  });

  it('notices a generator that no longer builds the fixture\'s inputs', () => {
    const copy: RandomFixture = { ...fx, slices: fx.slices.slice() };
    const i = fx.header.rows.findIndex((r) => r.key === rows[0]!.ref.key);
    copy.slices[i * fx.header.residues * 2] ^= 1;
    expect(mismatches([rows[0]!], new RandomRunner(fx.header.env), copy).stale).toBe(1);
  });

  const all = (n: { cases: number; bad: number }) => expect(n.bad).toBe(n.cases);
  it('fails a CPU that gets a register wrong', () => all(mismatches(rows, new Sabotaged((_, o) => { o.regs[2] ^= 0x100; }))));
  it('fails a CPU that gets a data byte wrong', () => all(mismatches(rows, new Sabotaged((_, o) => { o.data[77] ^= 1; }))));
  it('fails a CPU that gets a segment register wrong', () => all(mismatches(rows, new Sabotaged((_, o) => { o.sel[4] ^= 4; }))));
  it('fails a CPU that ends differently', () => all(mismatches(rows, new Sabotaged((_, o) => { o.status = o.status === COMPLETED ? 13 : COMPLETED; }))));
  it('fails a CPU that gets a defined flag wrong', () => {
    // ADD defines every flag; after DIV none is defined unless it faulted (then all are compared)
    all(mismatches([row('ADD_EbGb'), row('SBB_EvGv')], new Sabotaged((_, o) => { o.eflags ^= CF; })));
  });
  it('passes a CPU that differs only in flags the SDM leaves undefined', () => {
    expect(mismatches([row('MUL_Ev')], new Sabotaged((_, o) => { if (o.status === COMPLETED) o.eflags ^= ZF | AF; })).bad).toBe(0);
    expect(mismatches([row('AND_EvGv')], new Sabotaged((_, o) => { if (o.status === COMPLETED) o.eflags ^= AF; })).bad).toBe(0);
  });
  it('fails a CPU that gets an x87 register wrong, and passes one that differs in an undefined condition code', () => {
    all(mismatches([row('FADD_m32fp')], new Sabotaged((_, o) => { o.fpu[30] ^= 1; })));
    expect(mismatches([row('FADD_m32fp')], new Sabotaged((_, o) => { o.fpu[5] ^= 0x40; /* C3 */ })).bad).toBe(0);
  });
});
