/**
 * Tests the reference runner itself, without our CPU: a stand-in CPU that replays the recorded
 * native outcome must pass every case, and corrupting one expected value (a register, a defined
 * flag, a data byte, the vector) must make the case fail, while an undefined flag must not.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PhysicalMemory } from '../../src/cpu/buses.js';
import { CaseRunner, type CpuLike, compare, compareFpu } from './emulate.js';
import {
  CASE_FLAGS, CF, CODE_ADDR, DF, DATA_ADDR, FLAG_NAMES, FPU_FCS, FPU_FDS, FPU_FIP, FPU_ST, FPU_SW, STATUS_COMPLETED, type ReferenceSet,
  decodeFixture,
} from './format.js';

const ref = decodeFixture(readFileSync(fileURLToPath(new URL('../fixtures/reference/instructions.kref.br', import.meta.url))));

/** Produces exactly the recorded outcome of case `i` (and checks the runner set up its inputs). */
class ReplayCpu implements CpuLike {
  readonly regs = new Int32Array(9);
  eip = 0;
  icount = 0;
  halted = false;
  private flags = 2;
  private fpuLoaded: Uint8Array | null = null;
  readonly fpu = {
    loadImage: (img: Uint8Array): void => { this.fpuLoaded = img.slice(); },
    saveImage: (): Uint8Array => this.r.fpuOut(this.i)!,
  };

  constructor(private readonly r: ReferenceSet, private readonly i: number, private readonly mem: PhysicalMemory) {}
  resetFlat32(): void {}
  setIdtr(): void {}
  setEflags(v: number): void { this.flags = v; }
  getEflags(): number { return this.flags; }

  run(): void {
    const { r, i } = this;
    const ram = this.mem.ram;
    if (this.eip !== CODE_ADDR) throw new Error('EIP not at the code');
    for (let g = 0; g < 8; g++) if (this.regs[g]! >>> 0 !== r.regIn(i, g)) throw new Error(`register ${g} not set up`);
    if (this.flags !== r.eflagsIn(i)) throw new Error('EFLAGS not set up');
    if (!r.dataIn(i).every((b, k) => ram[DATA_ADDR + k] === b)) throw new Error('data not set up');
    if (!r.code(i).every((b, k) => ram[CODE_ADDR + k] === b)) throw new Error('code not set up');
    const fpuIn = r.fpuIn(i);
    if (fpuIn !== null && !(this.fpuLoaded !== null && fpuIn.every((b, k) => this.fpuLoaded![k] === b))) throw new Error('x87 state not set up');
    for (let g = 0; g < 8; g++) this.regs[g] = r.regOut(i, g) | 0;
    ram.set(r.dataOut(i), DATA_ADDR);
    const status = r.col.status[i]!;
    if (status === STATUS_COMPLETED) {
      this.flags = r.eflagsOut(i);
      this.eip = CODE_ADDR + r.col.codeLen[i]! + 1;
    } else {
      const sp = (r.regOut(i, 4) - 12) >>> 0;
      const dv = new DataView(ram.buffer);
      dv.setUint32(sp, CODE_ADDR + r.col.eipOut[i]!, true);
      dv.setUint32(sp + 4, 8, true);
      dv.setUint32(sp + 8, r.eflagsOut(i), true);
      this.regs[4] = sp | 0;
      this.flags = r.eflagsOut(i) & ~0x200;
      this.eip = 0x2000 + 4 * status + 1;
    }
    this.halted = true;
    this.icount++;
  }
}

function replayRunner(): { runner: CaseRunner; at: (i: number) => void } {
  let current = 0;
  const runner = new CaseRunner((mem) => new ReplayCpu(ref, current, mem), false); // a new stand-in per case
  return { runner, at: (i) => { current = i; } };
}

function firstCase(pred: (i: number) => boolean): number {
  for (let i = 0; i < ref.count; i++) if (pred(i)) return i;
  throw new Error('no such case');
}

describe('instruction reference runner', () => {
  it('passes every case when the CPU does what the native CPU did', () => {
    const { runner, at } = replayRunner();
    const failures: string[] = [];
    for (let i = 0; i < ref.count; i += 3) {
      at(i);
      const d = compare(ref, i, runner.run(ref, i));
      if (d.length) failures.push(`${i}: ${d.join('; ')}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('fails a case whose expected register, defined flag, data byte or vector is corrupted', () => {
    const { runner, at } = replayRunner();
    const n = ref.count;
    const check = (i: number, corrupt: () => () => void, expectFail: boolean) => {
      at(i);
      const got = runner.run(ref, i); // outcome of the uncorrupted case
      expect(compare(ref, i, got)).toEqual([]);
      const restore = corrupt();
      try {
        expect(compare(ref, i, got).length > 0).toBe(expectFail);
      } finally {
        restore();
      }
    };
    const done = firstCase((i) => ref.col.status[i] === STATUS_COMPLETED && ref.col.ignoreRegs[i] === 0);
    const flip = <T extends { [k: number]: number }>(a: T, k: number, bit: number) => () => { a[k] ^= bit; return () => { a[k] ^= bit; }; };

    for (let g = 0; g < 8; g++) check(done, flip(ref.col.regsOutX, g * n + done, 1 << g), true);
    for (const [bit] of FLAG_NAMES) {
      const withDefined = firstCase((i) => ref.col.status[i] === STATUS_COMPLETED && (ref.col.defined[i]! & bit) !== 0);
      check(withDefined, flip(ref.col.flagsOutX, withDefined, bit), true);
      if (bit === DF) continue; // DF is defined for every instruction
      const withUndefined = firstCase((i) => (CASE_FLAGS & ~ref.col.defined[i]! & bit) !== 0);
      check(withUndefined, flip(ref.col.flagsOutX, withUndefined, bit), false);
    }
    const writes = firstCase((i) => ref.col.patchOutLen[i]! > 0);
    const p = ref.patchOutStart[writes]! + 2; // first byte value of the first run
    check(writes, flip(ref.col.patchOut, p, 0x10), true);
    check(done, flip(ref.col.dataSeed, done, 1), true); // another initial data area: the expected final data changes
    const fault = firstCase((i) => ref.col.status[i] !== STATUS_COMPLETED);
    check(fault, flip(ref.col.status, fault, 1), true);
    check(fault, flip(ref.col.eipOut, fault, 1), true);
    check(fault, flip(ref.col.flagsOutX, fault, CF), true);
    check(done, flip(ref.col.status, done, 0xff ^ 6), true);
  });

  it('compares x87 states field by field, skipping selectors, undefined status bits and faults\' pointers', () => {
    const i = firstCase((k) => ref.fpuIndex[k]! >= 0 && ref.fpuUndef(k) !== 0 && ref.col.status[k] === STATUS_COMPLETED);
    const want = ref.fpuOut(i)!;
    const undef = ref.fpuUndef(i);
    const flipped = (at: number, bit: number) => { const g = want.slice(); g[at] ^= bit; return g; };
    expect(compareFpu(want, want.slice(), undef, false)).toEqual([]);
    expect(compareFpu(want, flipped(FPU_FCS, 1), undef, false)).toEqual([]); // CS selector
    expect(compareFpu(want, flipped(FPU_FDS + 1, 0x80), undef, false)).toEqual([]); // DS selector
    const undefBit = undef & -undef;
    expect(compareFpu(want, flipped(FPU_SW + (undefBit >= 0x100 ? 1 : 0), undefBit >= 0x100 ? undefBit >>> 8 : undefBit), undef, false)).toEqual([]);
    expect(compareFpu(want, flipped(FPU_SW, 0x20), undef, false).length).toBe(1); // PE is always defined
    expect(compareFpu(want, flipped(FPU_FIP, 1), undef, false).length).toBe(1);
    expect(compareFpu(want, flipped(FPU_FIP, 1), undef, true)).toEqual([]); // a fault's pointers come from the kernel
    expect(compareFpu(want, flipped(FPU_FCS + 2, 1), undef, false).length).toBe(1); // FOP
    for (let k = 0; k < 8; k++) expect(compareFpu(want, flipped(FPU_ST + 10 * k + (k % 10), 4), undef, true).length).toBe(1);
  });

  it('fails an x87 case whose expected final state is corrupted', () => {
    const { runner, at } = replayRunner();
    // a case whose final-state patch writes register bytes (a run at offset >= FPU_ST, physical order)
    const registerRun = (k: number): number => {
      const f = ref.fpuIndex[k]!;
      if (f < 0 || ref.col.status[k] !== STATUS_COMPLETED) return -1;
      const end = ref.fpuPatchOutStart[f]! + ref.col.fpuPatchOutLen[f]!;
      for (let p = ref.fpuPatchOutStart[f]!; p < end; p += 2 + ref.col.fpuPatchOut[p + 1]!) if (ref.col.fpuPatchOut[p]! >= FPU_ST) return p;
      return -1;
    };
    const i = firstCase((k) => registerRun(k) >= 0);
    at(i);
    const got = runner.run(ref, i);
    expect(compare(ref, i, got)).toEqual([]);
    const p = registerRun(i) + 2;
    ref.col.fpuPatchOut[p] ^= 0x10;
    try {
      expect(compare(ref, i, got).length).toBeGreaterThan(0);
    } finally {
      ref.col.fpuPatchOut[p] ^= 0x10;
    }
  });
});
