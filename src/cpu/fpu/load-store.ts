/**
 * x87 data transfer: FLD/FST/FSTP (m32fp, m64fp, m80fp, ST(i)), FILD/FIST/FISTP (m16int,
 * m32int, m64int), FBLD/FBSTP (m80bcd), the constants (FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2
 * FLDZ), FXCH and FCMOVcc.
 *
 * Stores compute their value, write memory (which may fault: nothing has changed yet), then
 * update the status word, the pointers and the stack. Unmasked exceptions follow SDM 4.9: an
 * unmasked IE leaves memory and the stack alone; an unmasked OE or UE on a store to memory stores
 * nothing, does not report PE and clears C1 (Bochs's reading of the SDM, which hardware follows).
 */
import type { Cpu } from '../cpu.js';
import { testCondition } from '../flags.js';
import type { Handler, Insn } from '../insn.js';
import {
  loadBcd, loadF32, loadF64, loadInt32, loadInt64, outHi, outLo, storeBcd, storeF32, storeF64, storeInt,
} from './convert.js';
import { IE, INDEF_HI, INDEF_SE, OE, RC_NEAREST, RC_UP, SF, UE } from './float80.js';
import { enterWait, type Fpu } from './fpu.js';
import { memHi, memLo, memSe, rd16, rd32, rd64, rd80, rdBytes, wr16, wr32, wr64, wr80, wrBytes } from './mem.js';

const bcdBuf = new Uint8Array(10);

function rcOf(f: Fpu): number {
  return (f.cw >>> 10) & 3;
}

// ---- loads -------------------------------------------------------------------------------------------------

/**
 * Pushes f.res with the conversion's flags: a full stack is a stack overflow (checked first); an
 * unmasked IE (SNaN source) leaves the stack alone; an unmasked DE still loads (the hardware
 * signals it after the load).
 */
function pushConverted(f: Fpu, flags: number): void {
  if (f.pushOverflow()) return;
  if ((flags & ~f.cw & IE) !== 0) {
    f.finish(IE);
    return;
  }
  f.push(f.res.se, f.res.hi, f.res.lo);
  f.finish(flags);
}

export const fldM32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const bits = rd32(cpu, i);
  f.notePointers(cpu, i);
  pushConverted(f, loadF32(f.res, bits));
};

export const fldM64: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rd64(cpu, i);
  f.notePointers(cpu, i);
  pushConverted(f, loadF64(f.res, memLo, memHi));
};

export const fldM80: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rd80(cpu, i);
  f.notePointers(cpu, i);
  f.res.set(memSe, memHi, memLo);
  pushConverted(f, 0);
};

export const fildM16: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = (rd16(cpu, i) << 16) >> 16;
  f.notePointers(cpu, i);
  loadInt32(f.res, v);
  pushConverted(f, 0);
};

export const fildM32: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  const v = rd32(cpu, i);
  f.notePointers(cpu, i);
  loadInt32(f.res, v);
  pushConverted(f, 0);
};

export const fildM64: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rd64(cpu, i);
  f.notePointers(cpu, i);
  loadInt64(f.res, memLo, memHi);
  pushConverted(f, 0);
};

export const fbldM80: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  rdBytes(cpu, i, 10, bcdBuf);
  f.notePointers(cpu, i);
  loadBcd(f.res, bcdBuf);
  pushConverted(f, 0);
};

/** FLD ST(i): an empty ST(i) (checked before a full stack) pushes the indefinite when IE is masked. */
export const fldSti: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(i.rm)) {
    if (f.underflow()) f.push(INDEF_SE, INDEF_HI, 0);
    return;
  }
  if (f.pushOverflow()) return;
  const p = f.phys(i.rm);
  f.push(f.se[p]!, f.hi[p]!, f.lo[p]!);
  f.finish(0);
};

// ---- constants ---------------------------------------------------------------------------------------------

/**
 * The constants as the hardware rounds them (its internal values carry more bits): significand
 * rounded to nearest, and the one for rounding down/towards zero and up where those differ.
 * log2(10): nearest = down; log2(e), pi, log10(2), ln(2): nearest = up.
 */
const CONSTS: readonly { se: number; hi: number; loNear: number; loDown: number; loUp: number }[] = [
  { se: 0x3fff, hi: 0x80000000, loNear: 0, loDown: 0, loUp: 0 }, // 1
  { se: 0x4000, hi: 0xd49a784b, loNear: 0xcd1b8afe, loDown: 0xcd1b8afe, loUp: 0xcd1b8aff }, // log2(10)
  { se: 0x3fff, hi: 0xb8aa3b29, loNear: 0x5c17f0bc, loDown: 0x5c17f0bb, loUp: 0x5c17f0bc }, // log2(e)
  { se: 0x4000, hi: 0xc90fdaa2, loNear: 0x2168c235, loDown: 0x2168c234, loUp: 0x2168c235 }, // pi
  { se: 0x3ffd, hi: 0x9a209a84, loNear: 0xfbcff799, loDown: 0xfbcff798, loUp: 0xfbcff799 }, // log10(2)
  { se: 0x3ffe, hi: 0xb17217f7, loNear: 0xd1cf79ac, loDown: 0xd1cf79ab, loUp: 0xd1cf79ac }, // ln(2)
  { se: 0, hi: 0, loNear: 0, loDown: 0, loUp: 0 }, // +0
];

/** D9 E8-EE: row op = index into CONSTS. */
export const fldConst: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.pushOverflow()) return;
  const c = CONSTS[i.op]!;
  const rc = rcOf(f);
  const lo = rc === RC_NEAREST ? c.loNear : rc === RC_UP ? c.loUp : c.loDown;
  f.push(c.se, c.hi, lo);
  f.finish(0);
};

// ---- stores ------------------------------------------------------------------------------------------------

/**
 * Whether a store goes ahead after its conversion raised `flags`; if not (unmasked IE, or unmasked
 * OE/UE to memory), records the exception and leaves memory, the stack and PE alone.
 */
function storeAllowed(f: Fpu, cpu: Cpu, i: Insn, flags: number): boolean {
  const unmasked = flags & ~f.cw & 0x3f;
  if ((unmasked & IE) !== 0) {
    f.notePointers(cpu, i);
    f.finish(flags & (IE | SF));
    return false;
  }
  if ((unmasked & (OE | UE)) !== 0) {
    f.notePointers(cpu, i);
    f.finish(flags & (OE | UE));
    return false;
  }
  return true;
}

/** After the memory write: pointers, flags, pop. */
function storeDone(f: Fpu, cpu: Cpu, i: Insn, flags: number, pop: boolean): void {
  f.notePointers(cpu, i);
  f.finish(flags);
  if (pop) f.pop();
}

function storeReal(cpu: Cpu, i: Insn, pop: boolean, size: 4 | 8): void {
  const f = enterWait(cpu);
  let flags: number, lo: number, hi: number;
  if (!f.isEmpty(0)) {
    const p = f.phys(0);
    flags = size === 4 ? storeF32(f.tmp, f.se[p]!, f.hi[p]!, f.lo[p]!, rcOf(f)) : storeF64(f.tmp, f.se[p]!, f.hi[p]!, f.lo[p]!, rcOf(f));
    lo = outLo; hi = outHi;
  } else {
    // Stack underflow: the masked response stores the QNaN indefinite.
    flags = IE | SF;
    lo = size === 4 ? 0xffc00000 : 0;
    hi = 0xfff80000;
  }
  if (!storeAllowed(f, cpu, i, flags)) return;
  if (size === 4) wr32(cpu, i, lo);
  else wr64(cpu, i, lo, hi);
  storeDone(f, cpu, i, flags, pop);
}

export const fstM32: Handler = (cpu, i) => storeReal(cpu, i, false, 4);
export const fstpM32: Handler = (cpu, i) => storeReal(cpu, i, true, 4);
export const fstM64: Handler = (cpu, i) => storeReal(cpu, i, false, 8);
export const fstpM64: Handler = (cpu, i) => storeReal(cpu, i, true, 8);

/** FSTP m80fp: an exact copy (no exceptions but stack underflow). */
export const fstpM80: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  if (f.isEmpty(0)) {
    if (!storeAllowed(f, cpu, i, IE | SF)) return;
    wr80(cpu, i, INDEF_SE, INDEF_HI, 0);
    storeDone(f, cpu, i, IE | SF, true);
    return;
  }
  const p = f.phys(0);
  wr80(cpu, i, f.se[p]!, f.hi[p]!, f.lo[p]!);
  storeDone(f, cpu, i, 0, true);
};

function storeInteger(cpu: Cpu, i: Insn, pop: boolean, bits: 16 | 32 | 64): void {
  const f = enterWait(cpu);
  let flags: number, lo: number, hi: number;
  if (!f.isEmpty(0)) {
    const p = f.phys(0);
    flags = storeInt(f.se[p]!, f.hi[p]!, f.lo[p]!, rcOf(f), bits);
    lo = outLo; hi = outHi;
  } else {
    // Stack underflow: the masked response stores the integer indefinite.
    flags = IE | SF;
    lo = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 : 0;
    hi = bits === 64 ? 0x80000000 : 0;
  }
  if (!storeAllowed(f, cpu, i, flags)) return;
  if (bits === 16) wr16(cpu, i, lo);
  else if (bits === 32) wr32(cpu, i, lo);
  else wr64(cpu, i, lo, hi);
  storeDone(f, cpu, i, flags, pop);
}

export const fistM16: Handler = (cpu, i) => storeInteger(cpu, i, false, 16);
export const fistpM16: Handler = (cpu, i) => storeInteger(cpu, i, true, 16);
export const fistM32: Handler = (cpu, i) => storeInteger(cpu, i, false, 32);
export const fistpM32: Handler = (cpu, i) => storeInteger(cpu, i, true, 32);
export const fistpM64: Handler = (cpu, i) => storeInteger(cpu, i, true, 64);

export const fbstpM80: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  let flags: number;
  if (!f.isEmpty(0)) {
    const p = f.phys(0);
    flags = storeBcd(f.se[p]!, f.hi[p]!, f.lo[p]!, rcOf(f), bcdBuf);
  } else {
    flags = IE | SF;
    bcdBuf.fill(0);
    bcdBuf[7] = 0xc0; bcdBuf[8] = 0xff; bcdBuf[9] = 0xff;
  }
  if (!storeAllowed(f, cpu, i, flags)) return;
  wrBytes(cpu, i, 10, bcdBuf);
  storeDone(f, cpu, i, flags, true);
};

/**
 * FST/FSTP ST(i): copies ST(0) exactly. `op` 1 = pop. The undocumented FSTP1 alias (D9 D8+i, op 2)
 * just pops when ST(0) is empty, without a stack fault (what Bochs models for real CPUs).
 */
export const fstSti: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  const pop = i.op !== 0;
  if (f.isEmpty(0)) {
    if (i.op === 2) { f.finish(0); f.pop(); return; }
    if (f.underflow()) {
      f.setStIndefinite(i.rm);
      if (pop) f.pop();
    }
    return;
  }
  const p = f.phys(0);
  f.setSt(i.rm, f.se[p]!, f.hi[p]!, f.lo[p]!);
  f.finish(0);
  if (pop) f.pop();
};

// ---- FXCH, FCMOVcc ------------------------------------------------------------------------------------------

/** FXCH ST(i): an empty operand is a stack underflow; masked, empties become the indefinite first. */
export const fxch: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(i.rm)) {
    if (!f.underflow()) return;
    if (f.isEmpty(0)) f.setStIndefinite(0);
    if (f.isEmpty(i.rm)) f.setStIndefinite(i.rm);
  } else f.finish(0);
  const a = f.phys(0), b = f.phys(i.rm);
  const se = f.se[a]!, hi = f.hi[a]!, lo = f.lo[a]!;
  f.se[a] = f.se[b]!; f.hi[a] = f.hi[b]!; f.lo[a] = f.lo[b]!;
  f.se[b] = se; f.hi[b] = hi; f.lo[b] = lo;
};

/**
 * FCMOVcc ST(0), ST(i): `op` is the integer condition code (B=2, E=4, BE=6, P=10 and their
 * negations). An empty operand is a stack underflow whose masked response writes the indefinite
 * to ST(0) whatever the condition (as Bochs does). Otherwise C1 is left alone (the SDM defines
 * it only for the underflow; the hardware does not touch it).
 */
export const fcmov: Handler = (cpu, i) => {
  const f = enterWait(cpu);
  f.notePointers(cpu, i);
  if (f.isEmpty(0) || f.isEmpty(i.rm)) {
    if (f.underflow()) f.setStIndefinite(0);
    return;
  }
  if (testCondition(cpu, i.op)) {
    const p = f.phys(i.rm);
    f.setSt(0, f.se[p]!, f.hi[p]!, f.lo[p]!);
  }
};

