/**
 * Selector values cases load, and what loading them does at CPL 3 (SDM Vol. 2 "MOV", "POP",
 * "LDS/LES/LFS/LGS/LSS", "JMP", "CALL", "RET", "IRET"). Only selectors whose descriptors are the
 * same natively, under qemu-i386 and in the emulator are used: null, Linux's kernel and user
 * segments, krand's LDT, and selectors past the end of either table.
 */
import { GDT, LDT } from '../env.js';
import type { Gen } from '../case.js';

const GP = 1 << 13, NP = 1 << 11, SSF = 1 << 12;

/** Data segment register loads (DS ES FS GS) that succeed. */
export const DATA_OK = [
  GDT.userData, GDT.userData & ~3, GDT.userData & ~2, GDT.userData & ~1, // RPL 0..3 <= DPL 3
  GDT.userCode, GDT.userCode & ~3, // readable code may be loaded into a data segment register
  LDT.based, LDT.flat, LDT.basedRo, LDT.small, LDT.expandDown, LDT.code, LDT.based & ~3,
  0, 1, 2, 3, // null selectors load (and fault only when used)
] as const;
/** Data segment register loads that fault: #GP(selector) or #NP(selector). */
export const DATA_BAD = [
  GDT.kernel32Code, GDT.kernelCode, GDT.kernelData, GDT.kernelData | 3, // DPL 0
  0x80, 0x83, 0xf8, 0x1238, 0xfffb, // past the GDT limit
  0x47, 0x4f, 0xfff7, // past the LDT
  LDT.notPresent, LDT.codeNotPresent, // #NP
] as const;
/** SS loads that succeed: writable data, RPL = DPL = CPL = 3, flat (the harness needs SS flat). */
export const SS_OK = [GDT.userData, LDT.flat] as const;
/** SS loads that fault: #GP(0) for null, #GP(sel) for RPL/DPL/type, #SS(sel) if not present. */
export const SS_BAD = [0, 3, GDT.userData & ~3, GDT.userCode, LDT.basedRo, LDT.code, GDT.kernelData, 0x80, 0x47, LDT.notPresent] as const;

/** Far JMP/CALL targets: non-conforming code, RPL <= CPL, DPL = CPL succeed (CS.RPL becomes 3). */
export const FAR_OK = [GDT.userCode, GDT.userCode & ~3, GDT.userCode & ~1, LDT.code, LDT.code & ~3] as const;
export const FAR_BAD = [0, 3, GDT.userData, LDT.flat, GDT.kernel32Code, GDT.kernelCode, GDT.kernelData, 0x80, 0x47, LDT.codeNotPresent] as const;
/** RETF/IRET to the same privilege: RPL = 3; RPL < CPL would return inward (#GP). */
export const RET_OK = [GDT.userCode, LDT.code] as const;
export const RET_BAD = [GDT.userCode & ~3, LDT.code & ~1, 0, GDT.userData, LDT.codeNotPresent, 0x80] as const;

/** Outcomes a load from these pools may have. */
export const LOAD_FAULTS = GP | NP | SSF;

/** A selector from a success pool (probability pOk) or a fault pool. */
export function pickSel(g: Gen, ok: readonly number[], bad: readonly number[], pOk = 0.8): number {
  return g.bool(pOk) ? g.pick(ok) : g.pick(bad);
}

/** Segment registers in Sreg encoding order. */
export const SREG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];
