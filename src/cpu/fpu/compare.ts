/**
 * x87 comparisons: FCOM/FCOMP/FCOMPP (ordered: any NaN is invalid), FUCOM/FUCOMP/FUCOMPP
 * (unordered: only SNaNs and unsupported formats are), FICOM/FICOMP, FTST, FXAM, and the P6
 * EFLAGS forms FCOMI/FCOMIP/FUCOMI/FUCOMIP (which CPUID implies with CMOV).
 *
 * Condition codes C3 C2 C0: 000 ST(0) > source, 001 <, 100 =, 111 unordered; C1 = 0.
 * FCOMI sets ZF PF CF the same way and clears OF SF AF.
 */
import type { Cpu } from '../cpu.js';
import { materializeFlags } from '../flags.js';
import type { Handler, Insn } from '../insn.js';
import { ARITH_FLAGS, CF, PF, ZF } from '../registers.js';
import { loadF32, loadF64, loadInt32 } from './convert.js';
import { C1, DE, IE, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, K_ZERO, classify } from './float80.js';
import { CMP_UN, cmpResult, compare } from './float80-arith.js';
import { enterWait, SW_C0, SW_C2, SW_C3, type Fpu } from './fpu.js';
import { memHi, memLo, rd16, rd32, rd64 } from './mem.js';

const CC_OF = [SW_C0, SW_C3, 0, SW_C0 | SW_C2 | SW_C3]; // by CMP_LT, CMP_EQ, CMP_GT, CMP_UN
const EFLAGS_OF = [CF, ZF, 0, ZF | PF | CF];
const CC3 = SW_C0 | SW_C2 | SW_C3;

function setCc(f: Fpu, cc: number): void {
  f.sw = (f.sw & ~CC3) | cc;
}

/**
 * The comparison tail: sets the condition codes from the relation, records the flags and pops
 * `pops` times unless an unmasked exception stopped the instruction.
 */
function finishCompare(f: Fpu, flags: number, pops: number): void {
  setCc(f, CC_OF[cmpResult]!);
  f.finish(flags);
  if ((flags & ~f.cw & (IE | DE)) !== 0) return;
  for (let k = 0; k < pops; k++) f.pop();
}

/** An empty operand: IE and SF, unordered; masked, the pops still happen. */
function compareUnderflow(f: Fpu, pops: number): void {
  setCc(f, CC3);
  if (!f.underflow()) return;
  for (let k = 0; k < pops; k++) f.pop();
}

function compareSt0With(f: Fpu, quiet: boolean, srcDe: number, pops: number): void {
  const p = f.phys(0), t = f.tmp;
  finishCompare(f, compare(f.se[p]!, f.hi[p]!, f.lo[p]!, t.se, t.hi, t.lo, quiet, srcDe), pops);
}

// ---- memory operands: op 0 = FCOM, 1 = FCOMP ----------------------------------------------------------------

export const fcomM32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const bits = rd32(cpu, i);
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { compareUnderflow(f, i.op); return; }
  compareSt0With(f, false, loadF32(f.tmp, bits, true) & DE, i.op);
};

export const fcomM64: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rd64(cpu, i);
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { compareUnderflow(f, i.op); return; }
  compareSt0With(f, false, loadF64(f.tmp, memLo, memHi, true) & DE, i.op);
};

export const ficomM16: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = (rd16(cpu, i) << 16) >> 16;
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { compareUnderflow(f, i.op); return; }
  loadInt32(f.tmp, v);
  compareSt0With(f, false, 0, i.op);
};

export const ficomM32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = rd32(cpu, i);
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { compareUnderflow(f, i.op); return; }
  loadInt32(f.tmp, v);
  compareSt0With(f, false, 0, i.op);
};

// ---- register operands ---------------------------------------------------------------------------------------

/** FCOM/FCOMP/FUCOM/FUCOMP ST(i): op bit 0 = pop once, bit 1 = unordered (FUCOM). */
export const fcomSti: Handler = (cpu, i) => compareRegs(cpu, i, i.rm, (i.op & 2) !== 0, i.op & 1);

/** FCOMPP (DE D9) and FUCOMPP (DA E9): compare with ST(1), pop twice. op 2 = unordered. */
export const fcompp: Handler = (cpu, i) => compareRegs(cpu, i, 1, i.op === 2, 2);

function compareRegs(cpu: Cpu, i: Insn, other: number, quiet: boolean, pops: number): void {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(other)) { compareUnderflow(f, pops); return; }
  const p = f.phys(other);
  f.tmp.set(f.se[p]!, f.hi[p]!, f.lo[p]!);
  compareSt0With(f, quiet, 0, pops);
}

/** FTST: ST(0) against +0.0 (an ordered comparison). */
export const ftst: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0)) { compareUnderflow(f, 0); return; }
  f.tmp.set(0, 0, 0);
  compareSt0With(f, false, 0, 0);
};

/**
 * FXAM: the class of ST(0) in C3 C2 C0 (unsupported 000, NaN 001, normal 010, infinity 011,
 * zero 100, empty 101, denormal 110) and its sign in C1, even when the register is empty.
 */
export const fxam: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  const p = f.phys(0);
  let cc: number;
  if (f.isEmpty(0)) cc = SW_C3 | SW_C0;
  else {
    switch (classify(f.se[p]!, f.hi[p]!, f.lo[p]!)) {
      case K_UNSUPPORTED: cc = 0; break;
      case K_QNAN: case K_SNAN: cc = SW_C0; break;
      case K_INF: cc = SW_C2 | SW_C0; break;
      case K_ZERO: cc = SW_C3; break;
      case K_DENORMAL: cc = SW_C3 | SW_C2; break;
      default: cc = SW_C2;
    }
  }
  setCc(f, cc);
  f.finish((f.se[p]! & 0x8000) !== 0 ? C1 : 0);
};

// ---- FCOMI and friends: the result in EFLAGS -------------------------------------------------------------

/**
 * op bit 0 = pop, bit 1 = unordered (FUCOMI). The SDM says C1 is cleared; Intel's text aside, the
 * hardware we test against (and QEMU) leaves it unchanged except on a stack underflow, and so do we.
 */
export const fcomi: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  const pops = i.op & 1;
  if (f.isEmpty(0) || f.isEmpty(i.rm)) {
    setEflags(cpu, CMP_UN);
    if (f.underflow()) for (let k = 0; k < pops; k++) f.pop();
    return;
  }
  const a = f.phys(0), b = f.phys(i.rm);
  const flags = compare(f.se[a]!, f.hi[a]!, f.lo[a]!, f.se[b]!, f.hi[b]!, f.lo[b]!, (i.op & 2) !== 0);
  setEflags(cpu, cmpResult);
  f.raise(flags);
  if ((flags & ~f.cw & (IE | DE)) !== 0) return;
  for (let k = 0; k < pops; k++) f.pop();
};

function setEflags(cpu: Cpu, rel: number): void {
  materializeFlags(cpu);
  cpu.flags = (cpu.flags & ~ARITH_FLAGS) | EFLAGS_OF[rel]!;
}

