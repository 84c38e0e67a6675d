import type { Cpu } from './cpu.js';
import {
  SEG_ATTR_BIG, SEG_ATTR_CODE, SEG_ATTR_EXPAND_DOWN, SEG_ATTR_PRESENT, SEG_ATTR_UNUSABLE, SEG_ATTR_WRITABLE,
} from './seg-attr.js';
import { CpuFault, GP, NP, SS_VEC, TS } from './faults.js';
import { CS, SS } from './registers.js';

/** A segment descriptor as read from the GDT or LDT, decoded. */
export interface Descriptor {
  lo: number;
  hi: number;
  base: number;
  /** Byte-granular limit (G applied). */
  limit: number;
  /** Access byte in bits 0-7, flags nibble (AVL L D/B G) in bits 8-11. */
  attr: number;
  dpl: number;
  present: boolean;
  /** S bit: code/data (true) or system (false). */
  codeOrData: boolean;
  /** Type field (4 bits). */
  type: number;
  /** Linear address of the descriptor (to set the accessed bit). */
  addr: number;
}

export function decodeDescriptor(lo: number, hi: number, addr: number): Descriptor {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if ((hi & 0x800000) !== 0) limit = limit * 4096 + 4095;
  const attr = ((hi >>> 8) & 0xff) | (((hi >>> 20) & 0xf) << 8);
  return {
    lo, hi, base, limit, attr, addr,
    dpl: (hi >>> 13) & 3,
    present: (hi & 0x8000) !== 0,
    codeOrData: (hi & 0x1000) !== 0,
    type: (hi >>> 8) & 0xf,
  };
}

/**
 * Reads the descriptor for `sel` from the GDT or LDT. Throws `vector`(sel) when the index is
 * outside the table (the caller chooses #GP or #TS). Returns null for a null selector.
 */
export function readDescriptor(cpu: Cpu, sel: number, vector = GP): Descriptor | null {
  const index = sel & ~7;
  let tableBase: number, tableLimit: number;
  if ((sel & 4) !== 0) {
    if (cpu.ldtSel === 0) throw new CpuFault(vector, sel & 0xfffc);
    tableBase = cpu.ldtBase;
    tableLimit = cpu.ldtLimit;
  } else {
    if (index === 0) return null;
    tableBase = cpu.gdtBase;
    tableLimit = cpu.gdtLimit;
  }
  if (index + 7 > tableLimit) throw new CpuFault(vector, sel & 0xfffc);
  const addr = (tableBase + index) | 0;
  return decodeDescriptor(cpu.mmu.sysRd32(addr), cpu.mmu.sysRd32((addr + 4) | 0), addr);
}

/** Sets the accessed bit of a code/data descriptor in memory, as loading it does on hardware. */
export function markAccessed(cpu: Cpu, d: Descriptor): void {
  if ((d.hi & 0x100) === 0) cpu.mmu.sysWr32((d.addr + 4) | 0, d.hi | 0x100);
}

/** Fills a segment register's hidden cache and the derived fast-path state. */
export function setSegmentCache(cpu: Cpu, seg: number, sel: number, base: number, limit: number, attr: number): void {
  cpu.segSel[seg] = sel & 0xffff;
  cpu.segBase[seg] = base | 0;
  cpu.segLimit[seg] = limit >>> 0;
  cpu.segAttr[seg] = attr;
  const flatData = base === 0 && limit >>> 0 === 0xffffffff && (attr & (SEG_ATTR_UNUSABLE | SEG_ATTR_CODE | SEG_ATTR_EXPAND_DOWN)) === 0 && (attr & SEG_ATTR_WRITABLE) !== 0;
  cpu.segSlow[seg] = flatData ? 0 : 1;
  if (seg === CS) {
    cpu.mmu.mapGen++;
    cpu.code32 = (attr & SEG_ATTR_BIG) !== 0;
    cpu.code.setCsFlat(base === 0 && limit >>> 0 === 0xffffffff);
  } else if (seg === SS) {
    cpu.stack32 = (attr & SEG_ATTR_BIG) !== 0;
  }
}

/** Loads a flat 4 GiB ring-0 code or data segment without touching memory (boot state). */
export function loadFlatSegment(cpu: Cpu, seg: number, sel: number, code: boolean): void {
  const access = SEG_ATTR_PRESENT | 0x10 | (code ? SEG_ATTR_CODE | SEG_ATTR_WRITABLE : SEG_ATTR_WRITABLE) | 1;
  setSegmentCache(cpu, seg, sel, 0, 0xffffffff, access | SEG_ATTR_BIG | 0x800);
}

/** Loads a segment cache from a decoded descriptor (and marks the descriptor accessed). */
export function loadFromDescriptor(cpu: Cpu, seg: number, sel: number, d: Descriptor): void {
  markAccessed(cpu, d);
  setSegmentCache(cpu, seg, sel, d.base, d.limit, d.attr | 1);
}

/** Marks DS/ES/FS/GS unusable after a null selector load. */
export function loadNullSegment(cpu: Cpu, seg: number, sel: number): void {
  setSegmentCache(cpu, seg, sel, 0, 0, SEG_ATTR_UNUSABLE);
}

/**
 * The SS load of a return to an outer privilege level (RETF, IRET): SS is checked against the
 * new CPL, so the CPL changes first; if the load faults, the fault is taken at the old CPL.
 */
export function loadStackSegmentAtCpl(cpu: Cpu, sel: number, cpl: number): void {
  const oldCpl = cpu.cpl;
  cpu.setCpl(cpl);
  try {
    loadDataSegment(cpu, SS, sel);
  } catch (e) {
    cpu.setCpl(oldCpl);
    throw e;
  }
}

/**
 * MOV/POP/LxS to a data segment register or SS in protected mode, with the SDM's checks:
 * null selectors, descriptor type, RPL/DPL/CPL, present bit (#NP, or #SS for SS).
 */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  const rpl = sel & 3;
  if (seg === SS) {
    if ((sel & ~3) === 0) throw new CpuFault(GP, 0);
    const d = readDescriptor(cpu, sel);
    if (d === null) throw new CpuFault(GP, 0);
    const writableData = d.codeOrData && (d.type & 0xa) === 0x2;
    if (rpl !== cpu.cpl || !writableData || d.dpl !== cpu.cpl) throw new CpuFault(GP, sel & 0xfffc);
    if (!d.present) throw new CpuFault(SS_VEC, sel & 0xfffc);
    loadFromDescriptor(cpu, seg, sel, d);
    return;
  }
  if ((sel & ~3) === 0 && (sel & 4) === 0) {
    loadNullSegment(cpu, seg, sel);
    return;
  }
  const d = readDescriptor(cpu, sel);
  if (d === null) {
    loadNullSegment(cpu, seg, sel);
    return;
  }
  const isCode = (d.type & 8) !== 0;
  const readable = !isCode || (d.type & 2) !== 0;
  if (!d.codeOrData || !readable) throw new CpuFault(GP, sel & 0xfffc);
  const conformingCode = isCode && (d.type & 4) !== 0;
  if (!conformingCode && (rpl > d.dpl || cpu.cpl > d.dpl)) throw new CpuFault(GP, sel & 0xfffc);
  if (!d.present) throw new CpuFault(NP, sel & 0xfffc);
  loadFromDescriptor(cpu, seg, sel, d);
}

/**
 * Reads the descriptor a far JMP/CALL names. A code segment is checked with checkFarCodeTarget
 * (same privilege: conforming DPL <= CPL; non-conforming RPL <= CPL and DPL = CPL); a call gate
 * goes through call-gate.ts; task gates and TSS targets are not modelled (`unsupported`).
 */
export function readFarTarget(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw new CpuFault(GP, 0);
  const d = readDescriptor(cpu, sel);
  if (d === null) throw new CpuFault(GP, 0);
  return d;
}

/** Checks a code segment descriptor as the direct target of a far JMP/CALL (see readFarTarget). */
export function checkFarCodeTarget(cpu: Cpu, sel: number, d: Descriptor): Descriptor {
  if (!d.codeOrData) cpu.unsupported(`far transfer through a system descriptor (type ${d.type}): task switches are not modelled`);
  if ((d.type & 8) === 0) throw new CpuFault(GP, sel & 0xfffc);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > cpu.cpl : (sel & 3) > cpu.cpl || d.dpl !== cpu.cpl) throw new CpuFault(GP, sel & 0xfffc);
  if (!d.present) throw new CpuFault(NP, sel & 0xfffc);
  return d;
}

/**
 * Checks the code segment popped by a far RET or IRET (RPL = the new CPL >= current CPL) and
 * returns its descriptor.
 */
export function checkReturnTarget(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw new CpuFault(GP, 0);
  const d = readDescriptor(cpu, sel);
  if (d === null) throw new CpuFault(GP, 0);
  const rpl = sel & 3;
  if (!d.codeOrData || (d.type & 8) === 0 || rpl < cpu.cpl) throw new CpuFault(GP, sel & 0xfffc);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > rpl : d.dpl !== rpl) throw new CpuFault(GP, sel & 0xfffc);
  if (!d.present) throw new CpuFault(NP, sel & 0xfffc);
  return d;
}

/**
 * After a return to an outer privilege level: data segment registers whose descriptor the new
 * CPL may not use are nulled (SDM, RET/IRET "return to outer privilege level").
 */
export function nullInaccessibleSegments(cpu: Cpu, segs: readonly number[]): void {
  for (const seg of segs) {
    const attr = cpu.segAttr[seg];
    if ((attr & SEG_ATTR_UNUSABLE) !== 0) continue;
    const dpl = (attr >>> 5) & 3;
    const conformingCode = (attr & 0x0c) === 0x0c;
    if (!conformingCode && dpl < cpu.cpl) loadNullSegment(cpu, seg, 0);
  }
}

/** Loads SS:ESP for a new privilege level from the current 32-bit TSS (ring 0..2 stacks). */
export function readTssStack(cpu: Cpu, dpl: number): { ss: number; esp: number } {
  if (cpu.trType === 0) throw new CpuFault(TS, cpu.trSel & 0xfffc);
  const is32 = (cpu.trType & 8) !== 0;
  const off = is32 ? 4 + dpl * 8 : 2 + dpl * 4;
  if (off + (is32 ? 7 : 3) > cpu.trLimit) throw new CpuFault(TS, cpu.trSel & 0xfffc);
  const at = (cpu.trBase + off) | 0;
  if (is32) return { esp: cpu.mmu.sysRd32(at), ss: cpu.mmu.sysRd16((at + 4) | 0) };
  return { esp: cpu.mmu.sysRd16(at), ss: cpu.mmu.sysRd16((at + 2) | 0) };
}

/** Checks the SS selector taken from the TSS for an inter-privilege interrupt (#TS on failure). */
export function checkTssStackSegment(cpu: Cpu, sel: number, dpl: number): Descriptor {
  if ((sel & ~3) === 0) throw new CpuFault(TS, sel & 0xfffc);
  const d = readDescriptor(cpu, sel, TS);
  if (d === null) throw new CpuFault(TS, sel & 0xfffc);
  const writableData = d.codeOrData && (d.type & 0xa) === 0x2;
  if ((sel & 3) !== dpl || d.dpl !== dpl || !writableData) throw new CpuFault(TS, sel & 0xfffc);
  if (!d.present) throw new CpuFault(SS_VEC, sel & 0xfffc);
  return d;
}
