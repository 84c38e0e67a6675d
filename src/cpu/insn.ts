import type { Cpu } from './cpu.js';
import { ZERO_REG } from './registers.js';

/** Every instruction handler has this shape (blink's rule): the CPU and the decoded record. */
export type Handler = (cpu: Cpu, i: Insn) => void;

/** Prefix bits recorded in Insn.prefixes. */
export const P_LOCK = 1, P_REP = 2, P_REPNE = 4, P_OPSIZE = 8, P_ADSIZE = 16, P_SEG = 32;

/**
 * A decoded instruction: decoded once, executed many times (Bochs). Monomorphic on purpose: every
 * field always exists and holds a small integer, so V8 keeps one hidden class for all of them.
 * Operand size is part of the handler choice, not a field the handler has to test.
 */
export class Insn {
  /** The handler chosen by the decoder for this opcode, operand size and ModRM form. */
  exec: Handler = unsupportedHandler;
  /** Length in bytes (1..15). */
  len = 0;
  /** Opcode (0x0F-prefixed opcodes are 0x100 | second byte). */
  opcode = 0;
  /** ModRM.reg: a register number, or for 8-bit register operands the byte offset in regs8. */
  reg = 0;
  /** Register operand of a mod=3 ModRM (byte offset in regs8 for 8-bit operands). */
  rm = 0;
  /** ModRM.reg field as encoded (group sub-opcode, Sreg number, CRn...). */
  nnn = 0;
  /** The ModRM byte as encoded (the x87 records it in its last-opcode register, FOP). */
  modrm = 0;
  /** Effective address = (regs[base] + (regs[index] << scale) + disp) & eaMask; ZERO_REG when absent. */
  base = ZERO_REG;
  index = ZERO_REG;
  scale = 0;
  disp = 0;
  /** 0xffff for 16-bit addressing, -1 (all ones) for 32-bit. */
  eaMask = -1;
  /** Segment register of the memory operand (default DS or SS, or the override). */
  seg = 0;
  /** True when ModRM selects a memory operand (mod != 3). */
  mem = false;
  /** First immediate (sign- or zero-extended as the opcode says), or a relative target offset. */
  imm = 0;
  /** Second immediate: ENTER's nesting level, a far pointer's selector. */
  imm2 = 0;
  /** Prefix bits (P_*). */
  prefixes = 0;
  /** Operand size in bytes (1, 2 or 4) where a handler family shares code across sizes. */
  size = 4;
  /** Address size in bits (16 or 32), for string instructions and LOOP/JCXZ counters. */
  asize = 32;
  /** Small per-row parameter: ALU operation number, condition code, shift kind, ... */
  op = 0;
  /** The block ends after this instruction (control transfer, mode change, fault). */
  ends = false;
}

/** Placeholder used before decoding assigns a handler; never reached in a decoded record. */
function unsupportedHandler(): void {
  throw new Error('undecoded instruction record executed');
}
