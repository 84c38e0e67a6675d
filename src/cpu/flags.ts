import type { Cpu } from './cpu.js';
import { AF, ARITH_FLAGS, CF, OF, PF, SF, ZF } from './registers.js';

/**
 * Lazy flags (JSLinux, v86): arithmetic records its operands and result; flags are computed only
 * when something reads them. `lzRes` holds the result masked to the operand size, so ZF, SF and PF
 * always come from it; CF, OF and AF depend on the kind of operation.
 */
export const LZ_NONE = 0; // cpu.flags holds the arithmetic flags
export const LZ_ADD = 1; // res = a + b (+ carry in): ADD, ADC
export const LZ_SUB = 2; // res = a - b: SUB, CMP, NEG (a = 0)
export const LZ_LOGIC = 3; // CF = OF = AF = 0: AND, OR, XOR, TEST
export const LZ_INC = 4; // as ADD with b = 1, but CF is the saved lzAux bit
export const LZ_DEC = 5; // as SUB with b = 1, but CF is the saved lzAux bit
export const LZ_EAGER = 6; // CF, OF, AF precomputed in lzAux (shifts, multiplies, ...)
export const LZ_SBB = 7; // res = a - b - borrow in: flags as LZ_SUB, but a < b no longer means CF

/** Sizes index: 0 = 8 bit, 1 = 16 bit, 2 = 32 bit. */
export const SZ8 = 0, SZ16 = 1, SZ32 = 2;
const SHIFT = [7, 15, 31];
export const SIZE_MASK = [0xff, 0xffff, -1];

/** PARITY[b] is PF for a result whose low byte is b: set when the number of one bits is even. */
export const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let n = 0;
  for (let v = b; v !== 0; v >>= 1) n += v & 1;
  PARITY[b] = n % 2 === 0 ? PF : 0;
}

export function getCF(cpu: Cpu): number {
  const a = cpu.lzA, b = cpu.lzB, r = cpu.lzRes;
  switch (cpu.lzOp) {
    case LZ_NONE: return cpu.flags & CF;
    case LZ_ADD: return (((a & b) | ((a | b) & ~r)) >>> SHIFT[cpu.lzSize]) & 1;
    case LZ_SUB: case LZ_SBB: return (((~a & b) | ((~a | b) & r)) >>> SHIFT[cpu.lzSize]) & 1;
    case LZ_LOGIC: return 0;
    default: return cpu.lzAux & CF;
  }
}

export function getZF(cpu: Cpu): boolean {
  return cpu.lzOp === LZ_NONE ? (cpu.flags & ZF) !== 0 : cpu.lzRes === 0;
}

export function getSF(cpu: Cpu): boolean {
  return cpu.lzOp === LZ_NONE ? (cpu.flags & SF) !== 0 : ((cpu.lzRes >>> SHIFT[cpu.lzSize]) & 1) !== 0;
}

export function getPF(cpu: Cpu): boolean {
  return cpu.lzOp === LZ_NONE ? (cpu.flags & PF) !== 0 : PARITY[cpu.lzRes & 0xff] !== 0;
}

export function getOF(cpu: Cpu): boolean {
  const a = cpu.lzA, b = cpu.lzB, r = cpu.lzRes;
  switch (cpu.lzOp) {
    case LZ_NONE: return (cpu.flags & OF) !== 0;
    case LZ_ADD: case LZ_INC: return ((((a ^ r) & (b ^ r)) >>> SHIFT[cpu.lzSize]) & 1) !== 0;
    case LZ_SUB: case LZ_SBB: case LZ_DEC: return ((((a ^ b) & (a ^ r)) >>> SHIFT[cpu.lzSize]) & 1) !== 0;
    case LZ_LOGIC: return false;
    default: return (cpu.lzAux & OF) !== 0;
  }
}

export function getAF(cpu: Cpu): boolean {
  switch (cpu.lzOp) {
    case LZ_NONE: return (cpu.flags & AF) !== 0;
    case LZ_LOGIC: return false;
    case LZ_EAGER: return (cpu.lzAux & AF) !== 0;
    default: return ((cpu.lzA ^ cpu.lzB ^ cpu.lzRes) & 0x10) !== 0;
  }
}

/** The six arithmetic flags as EFLAGS bits. */
export function arithFlags(cpu: Cpu): number {
  if (cpu.lzOp === LZ_NONE) return cpu.flags & ARITH_FLAGS;
  return getCF(cpu) | (getPF(cpu) ? PF : 0) | (getAF(cpu) ? AF : 0) | (getZF(cpu) ? ZF : 0) | (getSF(cpu) ? SF : 0) | (getOF(cpu) ? OF : 0);
}

/** Folds lazy state into cpu.flags so individual bits can be edited (CLC, rotates, SAHF...). */
export function materializeFlags(cpu: Cpu): void {
  if (cpu.lzOp !== LZ_NONE) {
    cpu.flags = (cpu.flags & ~ARITH_FLAGS) | arithFlags(cpu);
    cpu.lzOp = LZ_NONE;
  }
}

/**
 * Records a result whose CF, OF and AF were computed eagerly; ZF, SF, PF follow from `res`.
 * `res` must already be masked to the size.
 */
export function setEagerFlags(cpu: Cpu, size: number, res: number, cfOfAf: number): void {
  cpu.lzOp = LZ_EAGER;
  cpu.lzSize = size;
  cpu.lzRes = res;
  cpu.lzAux = cfOfAf;
}

/**
 * Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc): O NO B AE E NE BE A S NS P NP
 * L GE LE G.
 */
export function testCondition(cpu: Cpu, cc: number): boolean {
  // Fast path for the common CMP/SUB + Jcc pair at 32 bits: compare the operands directly.
  if (cpu.lzOp === LZ_SUB && cpu.lzSize === SZ32) {
    const a = cpu.lzA, b = cpu.lzB;
    switch (cc) {
      case 2: return a >>> 0 < b >>> 0;
      case 3: return a >>> 0 >= b >>> 0;
      case 4: return a === b;
      case 5: return a !== b;
      case 6: return a >>> 0 <= b >>> 0;
      case 7: return a >>> 0 > b >>> 0;
      case 12: return a < b;
      case 13: return a >= b;
      case 14: return a <= b;
      case 15: return a > b;
    }
  } else if (cpu.lzOp === LZ_LOGIC) {
    const r = cpu.lzRes;
    switch (cc) {
      case 4: return r === 0;
      case 5: return r !== 0;
    }
  }
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(cpu); break;
    case 1: r = getCF(cpu) !== 0; break;
    case 2: r = getZF(cpu); break;
    case 3: r = getCF(cpu) !== 0 || getZF(cpu); break;
    case 4: r = getSF(cpu); break;
    case 5: r = getPF(cpu); break;
    case 6: r = getSF(cpu) !== getOF(cpu); break;
    default: r = getZF(cpu) || getSF(cpu) !== getOF(cpu); break;
  }
  return (cc & 1) !== 0 ? !r : r;
}
