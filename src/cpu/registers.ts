/** Register and segment numbering, in the Intel encoding order used by ModRM and the opcode map. */

export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
/** Index of the always-zero pseudo register that absent base/index fields of an address point at. */
export const ZERO_REG = 8;

export const REG32_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

/** Segment registers, in Sreg encoding order. */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/**
 * Byte offset of an 8-bit register inside the little-endian register file (regs8 view): AL CL DL BL
 * are the low bytes of EAX..EBX, AH CH DH BH the second bytes.
 */
export function reg8Offset(r: number): number {
  return r < 4 ? r << 2 : ((r - 4) << 2) + 1;
}

/** EFLAGS bits. */
export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const TF = 1 << 8;
export const IF = 1 << 9;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const IOPL_MASK = 3 << 12;
export const NT = 1 << 14;
export const RF = 1 << 16;
export const VM = 1 << 17;
export const AC = 1 << 18;
export const ID = 1 << 21;
/** The six status flags that arithmetic computes (lazily). */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bit 1 of EFLAGS always reads as 1. */
export const FLAGS_ALWAYS_ONE = 1 << 1;

/** CR0 bits. */
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

/** CR4 bits we honour. */
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PGE = 1 << 7;
