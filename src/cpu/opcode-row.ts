import type { Handler } from './insn.js';

/**
 * Immediate operands, in the Intel operand notation of the opcode map:
 *   Ib  byte, zero-extended          Ibs byte, sign-extended to the operand size
 *   Iw  word                         Iz  word or dword by operand size
 *   Jb  rel8 (sign-extended)         Jz  rel16/rel32 by operand size
 *   Ap  far pointer (offset by operand size, then a 16-bit selector)
 *   Ob  memory offset of address size (MOV AL/eAX <-> moffs)
 *   IwIb ENTER's frame size then nesting level
 */
export type ImmKind = 'Ib' | 'Ibs' | 'Iw' | 'Iz' | 'Jb' | 'Jz' | 'Ap' | 'Ob' | 'IwIb';

/**
 * One row of the opcode table (Bochs/v86 style): the instruction's name in Intel notation and how
 * to decode it. Handlers are chosen at decode time by operand size and ModRM form, most specific
 * first: rw/rd/mw/md (register or memory form x 16 or 32 bit), then r/m, then w/d, then h.
 * A row without a handler for the decoded form raises #UD (e.g. LEA with a register operand).
 */
export interface OpRow {
  readonly name: string;
  /** Has a ModRM byte. */
  readonly modrm?: boolean;
  readonly imm?: ImmKind;
  /** ModRM reg/rm name 8-bit registers (reg and rm become byte offsets into regs8). */
  readonly byteRegs?: boolean;
  /** Only ModRM rm names an 8-bit register (MOVZX/MOVSX Gv, Eb). */
  readonly byteRm?: boolean;
  /** The register is encoded in the opcode's low three bits (PUSH r32, MOV r8 imm8...). */
  readonly opReg?: 'byte' | 'full';
  /** Operand size ignores 0x66 (byte operations, or instructions with a fixed size). */
  readonly fixedSize?: 1 | 2 | 4;
  /** Ends a decoded block: control transfers and anything that may change mode, CPL or paging. */
  readonly ends?: boolean;
  /** A LOCK prefix is allowed (with a memory destination). */
  readonly lock?: boolean;
  /** Parameter copied into Insn.op (ALU operation, condition code, shift kind...). */
  readonly op?: number;
  readonly h?: Handler;
  readonly r?: Handler;
  readonly m?: Handler;
  readonly w?: Handler;
  readonly d?: Handler;
  readonly rw?: Handler;
  readonly rd?: Handler;
  readonly mw?: Handler;
  readonly md?: Handler;
  /** Group opcodes: the row is chosen by ModRM.reg. */
  readonly group?: readonly (OpRow | Unmodelled | null)[];
  /**
   * x87 escapes (D8-DF): with mod = 3 the instruction is a different one from the memory form
   * (D9 /4 is FLDENV m, but D9 E0 is FCHS): the row for the register form, chosen by ModRM.rm.
   */
  readonly regForms?: readonly (OpRow | null)[];
  /**
   * For rows with a 0xF3 (REP) prefixed meaning (PAUSE, TZCNT...): the row to use instead when F3
   * is present.
   */
  readonly repForm?: OpRow;
}

/**
 * Opcodes that exist on real IA-32 processors but that this emulator does not model. Executing
 * one ends the run with the `unsupported` outcome (opcode bytes and EIP in the report) rather than
 * raising #UD, because real hardware would have executed it.
 */
export interface Unmodelled {
  readonly unmodelled: string;
}
