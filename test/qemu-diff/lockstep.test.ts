import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IF } from '../../src/cpu/registers.js';
import { ourState } from '../../src/tools/qemu-diff/compare.js';
import { isSelfJump, undefinedEffects } from '../../src/tools/qemu-diff/flag-mask.js';
import { Lockstep } from '../../src/tools/qemu-diff/lockstep.js';
import { OurSide } from '../../src/tools/qemu-diff/our-side.js';
import type { QRecord } from '../../src/tools/qemu-diff/qemu-log.js';
import { repo } from '../helpers/cli.js';

// The lockstep's rules without QEMU: a second copy of our own CPU plays the reference and writes
// the records QEMU's log would hold (state before each instruction; an external interrupt as an
// event with the state before delivery). The lockstep must follow it exactly, and must report a
// state that was tampered with at the right instruction. test/qemu-diff/qemu-diff.test.ts runs the
// real thing against QEMU.

interface Reference { records: QRecord[]; ram: Uint8Array; bytes: number[][] }

function reference(image: string, maxSteps: number): Reference {
  const a = new OurSide(new Uint8Array(readFileSync(repo(image))), image, '', 32);
  const ram = a.machine.memory.ram.slice();
  const records: QRecord[] = [];
  const bytes: number[][] = [];
  let seq = 0;
  for (let i = 0; i < maxSteps && a.cpu.stopped === null; i++) {
    if (a.cpu.halted) {
      if ((a.cpu.flags & IF) === 0) break;
      // A timer interrupt wakes the HLT, as QEMU's PIT would.
      records.push({ kind: 'event', seq: seq++, vector: 0x20, errorCode: 0, software: false, hardware: true, s: ourState(a.cpu) });
      bytes.push([]);
      a.interrupt(0x20);
      continue;
    }
    records.push({ kind: 'insn', seq: seq++, s: ourState(a.cpu) });
    bytes.push(a.codeBytes(a.cpu.eip));
    const r = a.step();
    if (r.delivered) throw new Error('the reference guest raised an exception; pick one that does not');
  }
  return { records, ram, bytes };
}

function follow(image: string, ref: Reference, records = ref.records): Lockstep {
  const b = new OurSide(new Uint8Array(readFileSync(repo(image))), image, '', 32);
  const ls = new Lockstep(b, () => ref.ram, 1e9);
  // Feed in uneven slices, as a pipe delivers them.
  for (let k = 0; k < records.length && ls.running; k += 997) ls.feed(records.slice(k, k + 997));
  if (ls.running) ls.finish();
  return ls;
}

const clone = (r: QRecord): QRecord => ({ ...r, s: { ...r.s, regs: [...r.s.regs] } });

describe('lockstep against a reference made by our own CPU', () => {
  const HELLO = 'guests/hello/hello.elf';
  const hello = reference(HELLO, 100_000);

  it('follows hello to its end with every state equal', () => {
    const ls = follow(HELLO, hello);
    expect(ls.result).toEqual({ kind: 'halted' });
    expect(ls.stats.insns).toBe(hello.records.length);
    expect(Buffer.from(ls.console).toString('latin1')).toContain('Hello from kreplay guest!');
  });

  it('reports a tampered register at the instruction that produced it', () => {
    const k = 1234;
    const records = hello.records.map((r, i) => (i === k ? clone(r) : r));
    records[k].s.regs[0] ^= 0x100;
    const ls = follow(HELLO, hello, records);
    expect(ls.result?.kind).toBe('mismatch');
    if (ls.result?.kind !== 'mismatch') return;
    expect(ls.result.mismatch.icount).toBe(k - 1);
    expect(ls.result.mismatch.eip).toBe(hello.records[k - 1].s.eip);
    expect(ls.result.mismatch.diffs).toEqual([{ field: 'eax', qemu: records[k].s.regs[0], ours: hello.records[k].s.regs[0] }]);
  });

  it('adopts a difference in a flag the SDM leaves undefined, and only there', () => {
    // A logic instruction (AF undefined) followed by one that defines AF again.
    const logic = new Set([0x21, 0x23, 0x31, 0x33, 0x09, 0x0b, 0x85, 0x84]);
    const definesAf = (b: number[]): boolean => (b[0] >= 0x38 && b[0] <= 0x3d) || (b[0] >= 0x40 && b[0] <= 0x4f) || [0x01, 0x03, 0x29, 0x2b].includes(b[0]);
    const k = hello.records.findIndex((r, i) => i > 0 && logic.has(hello.bytes[i - 1][0]) && definesAf(hello.bytes[i]) && r.kind === 'insn');
    expect(k).toBeGreaterThan(0);
    const records = hello.records.map((r, i) => (i === k ? clone(r) : r));
    records[k].s.eflags ^= 0x10;
    const ls = follow(HELLO, hello, records);
    expect(ls.result).toEqual({ kind: 'halted' });
    expect(ls.stats.undefinedDiffs).toBe(1);
    // The same flip after an instruction that defines AF is a mismatch.
    const j = hello.records.findIndex((r, i) => i > 0 && definesAf(hello.bytes[i - 1]) && r.kind === 'insn');
    const bad = hello.records.map((r, i) => (i === j ? clone(r) : r));
    bad[j].s.eflags ^= 0x10;
    expect(follow(HELLO, hello, bad).result?.kind).toBe('mismatch');
  });

  it('delivers external interrupts where the reference took them (panic-timer)', () => {
    const image = 'guests/panic-timer/panic-timer.elf';
    const ref = reference(image, 2_000_000);
    const ls = follow(image, ref);
    expect(ls.result).toEqual({ kind: 'halted' });
    expect(ls.stats.interrupts).toBe(50);
    expect(Buffer.from(ls.console).toString('latin1')).toContain('Kernel panic - not syncing: timer: tick budget exhausted after 50 ticks');
  });

  it('skips a record QEMU logs again after leaving its block early (nothing ran)', () => {
    const records = [...hello.records.slice(0, 500), clone(hello.records[500]), ...hello.records.slice(500)].map((r, i) => ({ ...r, seq: i }));
    const ls = follow(HELLO, hello, records);
    expect(ls.result).toEqual({ kind: 'halted' });
    expect(ls.stats.replayed).toBe(1);
  });
});

describe('an interrupt between the iterations of a REP string instruction', () => {
  // A hand-written program in hello's machine: REP STOSB over 100 bytes with IF set, and an IRET
  // handler for vector 0x20. The reference takes the interrupt after 40 iterations, as QEMU can.
  const CODE = 0x300000, HANDLER = 0x300100, IDT = 0x310000, BUF = 0x200000;
  const program = [0xb9, 100, 0, 0, 0, 0xbf, 0, 0, 0x20, 0, 0xb0, 0x55, 0xf3, 0xaa, 0xfa, 0xf4];
  function setup(side: OurSide): void {
    const ram = side.machine.memory.ram;
    ram.set(program, CODE);
    ram[HANDLER] = 0xcf; // iretd
    const cs = side.cpu.segSel[1];
    const lo = (cs << 16) | (HANDLER & 0xffff), hi = (HANDLER & 0xffff0000) | 0x8e00;
    new DataView(ram.buffer).setUint32(IDT + 0x20 * 8, lo >>> 0, true);
    new DataView(ram.buffer).setUint32(IDT + 0x20 * 8 + 4, hi >>> 0, true);
    side.cpu.setIdtr(IDT, 0x7ff);
    side.cpu.eip = CODE;
    side.cpu.setEflags(0x202);
  }

  it('runs on our side exactly the iterations QEMU ran, then takes the interrupt', () => {
    const image = 'guests/hello/hello.elf';
    const a = new OurSide(new Uint8Array(readFileSync(repo(image))), image, '', 32);
    setup(a);
    const ram = a.machine.memory.ram.slice();
    const records: QRecord[] = [];
    let seq = 0;
    const insn = (): void => { records.push({ kind: 'insn', seq: seq++, s: ourState(a.cpu) }); };
    insn(); a.step(); // mov ecx
    insn(); a.step(); // mov edi
    insn(); a.step(); // mov al
    // REP STOSB: QEMU logs a record per iteration, then the interrupt after 40 of them.
    const repEip = a.cpu.eip;
    for (let k = 0; k < 40; k++) {
      insn();
      a.cpu.regs[1] = 1;
      a.step();
      a.cpu.regs[1] = 100 - k - 1;
      a.cpu.eip = repEip;
    }
    records.push({ kind: 'event', seq: seq++, vector: 0x20, errorCode: 0, software: false, hardware: true, s: ourState(a.cpu) });
    a.interrupt(0x20);
    insn(); a.step(); // iretd
    insn(); a.step(); // the rest of the REP STOSB, in one record as far as we care
    insn(); a.step(); // cli
    insn(); // hlt
    const b = new OurSide(new Uint8Array(readFileSync(repo(image))), image, '', 32);
    const ls = new Lockstep(b, () => ram, 1e9);
    ls.feed(records);
    ls.finish();
    expect(ls.result).toEqual({ kind: 'halted' });
    expect(ls.stats.repSplits).toBe(1);
    expect(ls.stats.interrupts).toBe(1);
    expect(b.cpu.regs[7]).toBe(BUF + 100);
    expect([...b.machine.memory.ram.subarray(BUF, BUF + 101)]).toEqual([...new Array(100).fill(0x55), 0]);
  });
});

describe('the SDM undefined-flag table', () => {
  const AF = 0x10, OF = 0x800, CF = 1, PF = 4, ZF = 0x40, SF = 0x80;
  it.each([
    ['xor eax, eax', [0x31, 0xc0], 0, AF],
    ['shr eax, 1', [0xd1, 0xe8], 0, AF],
    ['shr eax, 3', [0xc1, 0xe8, 0x03], 0, AF | OF],
    ['shr eax, cl (cl = 0)', [0xd3, 0xe8], 0x100, 0],
    ['shl al, cl (cl = 9)', [0xd2, 0xe0], 9, AF | OF | CF],
    ['rol eax, 2', [0xc1, 0xc0, 0x02], 0, OF],
    ['rol eax, 1', [0xd1, 0xc0], 0, 0],
    ['imul eax, ebx', [0x0f, 0xaf, 0xc3], 0, SF | ZF | AF | PF],
    ['div ecx', [0xf7, 0xf1], 0, CF | PF | AF | ZF | SF | OF],
    ['bsf eax, ebx', [0x0f, 0xbc, 0xc3], 0, CF | OF | SF | AF | PF],
    ['shld ax, bx, 20', [0x66, 0x0f, 0xa4, 0xd8, 20], 0, CF | PF | AF | ZF | SF | OF],
    ['add eax, ebx', [0x01, 0xd8], 0, 0],
  ])('%s', (_name, bytes, ecx, flags) => {
    expect(undefinedEffects(bytes, ecx).flags).toBe(flags);
  });
  it('knows which destinations are undefined', () => {
    expect(undefinedEffects([0x0f, 0xbc, 0xc3], 0)).toMatchObject({ destReg: 0, destOnlyIfZf: true });
    expect(undefinedEffects([0x66, 0x0f, 0xa4, 0xd8, 20], 0)).toMatchObject({ destReg: 0, destOnlyIfZf: false });
    expect(undefinedEffects([0x66, 0x0f, 0xa4, 0xd8, 12], 0)).toMatchObject({ destReg: null });
  });
  it('recognises jmp $', () => {
    expect(isSelfJump([0xeb, 0xfe], 0x1000)).toBe(true);
    expect(isSelfJump([0xe9, 0xfb, 0xff, 0xff, 0xff], 0x1000)).toBe(true);
    expect(isSelfJump([0xeb, 0x00], 0x1000)).toBe(false);
  });
});
