/**
 * Pieces every template uses: the flag-setting prelude, the flag-reading suffix, SDM flag rules,
 * and interesting counts.
 */
import { AF, CASE_FLAGS, CF, DF, OF, PF, SF, ZF } from '../env.js';
import type { Gen, Width } from '../case.js';

/** Flags each condition code reads (low nibble of Jcc/SETcc/CMOVcc). */
export const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

/** Whether condition code cc holds for EFLAGS f. */
export function ccHolds(cc: number, f: number): boolean {
  const of = (f & OF) !== 0, cf = (f & CF) !== 0, zf = (f & ZF) !== 0, sf = (f & SF) !== 0, pf = (f & PF) !== 0;
  let t: boolean;
  switch (cc >> 1) {
    case 0: t = of; break;
    case 1: t = cf; break;
    case 2: t = zf; break;
    case 3: t = cf || zf; break;
    case 4: t = sf; break;
    case 5: t = pf; break;
    case 6: t = sf !== of; break;
    default: t = zf || sf !== of;
  }
  return (cc & 1) === 0 ? t : !t;
}

/**
 * With probability p, a CMP before the tested instruction, so that the instruction reads flags a
 * previous instruction computed (lazily, in an emulator) rather than flags loaded by POPF. CMP
 * defines all six flags and changes no register.
 */
export function prelude(g: Gen, p = 0.25): boolean {
  if (!g.bool(p)) return false;
  const a = g.int(8), b = g.int(8);
  switch (g.int(5)) {
    case 0: g.emit(0x39, 0xc0 | (b << 3) | a); break; // CMP r32, r32
    case 1: g.emit(0x38, 0xc0 | (b << 3) | a); break; // CMP r8, r8
    case 2: g.emit(0x83, 0xf8 | a, g.value(8)); break; // CMP r32, imm8
    case 3: g.emit(0x3c, g.value(8)); break; // CMP AL, imm8
    default: g.emit(0x66, 0x3d, ...[g.value(16)].flatMap((v) => [v & 0xff, v >>> 8])); // CMP AX, imm16
  }
  return true;
}

/**
 * With probability p, SETcc into a byte register after the instruction, reading flags it computed
 * (only a condition whose flags are all SDM-defined after it). Call after setting c.defined.
 */
export function suffix(g: Gen, p = 0.15): void {
  if (!g.bool(p)) return;
  const ok: number[] = [];
  for (let cc = 0; cc < 16; cc++) if ((CC_READS[cc]! & ~g.c.defined) === 0) ok.push(cc);
  if (ok.length === 0) return;
  const cc = g.pick(ok);
  g.emit(0x0f, 0x90 | cc, 0xc0 | g.int(8));
}

/** Operand-size width of a row whose size is `v`, respecting a fixed size. */
export function vwidth(g: Gen, fixed: number | undefined): Width {
  if (fixed === 1) return 8;
  if (fixed === 2) return 16;
  if (fixed === 4) return 32;
  return g.vsize();
}

// SDM Vol. 2, "SAL/SAR/SHL/SHR" and "RCL/RCR/ROL/ROR": the flags each count defines (masked count
// = count & 1FH; the same rule test/reference/gen/shift.ts applies to the hand-written families).
export { shiftDefined, shxdDefined } from '../../gen/shift.js';

/** Shift counts worth testing for `width`: 0, 1, the width and its neighbours, >= 32, then random. */
export function shiftCount(g: Gen, width: number): number {
  if (g.bool(0.4)) return g.pick([0, 1, 2, 3, width - 1, width, width + 1, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 0x80, 0xff]);
  return g.bool(0.7) ? g.int(40) : g.int(256);
}

/** Logic operations: SDM "OF and CF cleared; SF ZF PF per result; AF undefined". */
export const LOGIC_DEFINED = CASE_FLAGS & ~AF;
/** MUL/IMUL: SDM "CF OF per result; SF ZF AF PF undefined". */
export const MUL_DEFINED = CF | OF | DF;
/** DIV/IDIV: SDM "CF OF SF ZF AF PF undefined". */
export const DIV_DEFINED = DF;
