import type { Cpu } from './cpu.js';
import type { FpuState } from './fpu/fpu.js';
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE } from './registers.js';
import { setSegmentCache } from './segments.js';

/**
 * The CPU's architectural state as a keyed, versioned plain object (for checkpoints). It includes
 * the lazy-flag state as is, so a restored CPU computes exactly the flags the saved one would
 * have. It is TLB- and decode-cache-independent: loading flushes both.
 *
 * Versions: 1 had no x87 state (loading one leaves the FPU in its FNINIT state); 2 adds `fpu`.
 */
export interface CpuState {
  version: 2;
  regs: number[];
  eip: number;
  icount: number;
  flags: number;
  lazy: { op: number; a: number; b: number; res: number; size: number; aux: number };
  segments: { sel: number[]; base: number[]; limit: number[]; attr: number[] };
  cpl: number;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  ldtr: { sel: number; base: number; limit: number };
  tr: { sel: number; base: number; limit: number; type: number };
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  dr: number[];
  tscOffset: number;
  halted: boolean;
  /** The boundary (icount) at which STI / MOV SS still inhibit interrupts, or -1. */
  inhibitIcount: number;
  /** The x87 unit: registers as exact 80-bit images, control/status/tag words, pointers. */
  fpu: FpuState;
}

export function saveCpuState(cpu: Cpu): CpuState {
  return {
    version: 2,
    regs: Array.from(cpu.regs.subarray(0, 8)),
    eip: cpu.eip,
    icount: cpu.icount,
    flags: cpu.flags,
    lazy: { op: cpu.lzOp, a: cpu.lzA, b: cpu.lzB, res: cpu.lzRes, size: cpu.lzSize, aux: cpu.lzAux },
    segments: {
      sel: Array.from(cpu.segSel), base: Array.from(cpu.segBase), limit: Array.from(cpu.segLimit), attr: Array.from(cpu.segAttr),
    },
    cpl: cpu.cpl,
    gdtr: { base: cpu.gdtBase, limit: cpu.gdtLimit },
    idtr: { base: cpu.idtBase, limit: cpu.idtLimit },
    ldtr: { sel: cpu.ldtSel, base: cpu.ldtBase, limit: cpu.ldtLimit },
    tr: { sel: cpu.trSel, base: cpu.trBase, limit: cpu.trLimit, type: cpu.trType },
    cr0: cpu.cr0,
    cr2: cpu.mmu.cr2,
    cr3: cpu.mmu.cr3,
    cr4: cpu.cr4,
    dr: Array.from(cpu.dr),
    tscOffset: cpu.tscOffset,
    halted: cpu.halted,
    inhibitIcount: cpu.inhibitIcount,
    fpu: cpu.fpu.saveState(),
  };
}

export function loadCpuState(cpu: Cpu, s: CpuState): void {
  const version = s.version as number;
  if (version !== 1 && version !== 2) throw new Error(`unsupported CPU state version ${version}`);
  cpu.regs.set(s.regs);
  cpu.regs[8] = 0;
  cpu.eip = s.eip;
  cpu.insnEip = s.eip;
  cpu.icount = s.icount;
  cpu.flags = s.flags;
  cpu.lzOp = s.lazy.op;
  cpu.lzA = s.lazy.a;
  cpu.lzB = s.lazy.b;
  cpu.lzRes = s.lazy.res;
  cpu.lzSize = s.lazy.size;
  cpu.lzAux = s.lazy.aux;
  cpu.cr0 = s.cr0;
  cpu.cr4 = s.cr4;
  cpu.mmu.cr2 = s.cr2;
  cpu.mmu.cr3 = s.cr3;
  cpu.mmu.pagingOn = (s.cr0 & CR0_PG) !== 0;
  cpu.mmu.wp = (s.cr0 & CR0_WP) !== 0;
  cpu.mmu.pse = (s.cr4 & CR4_PSE) !== 0;
  cpu.mmu.pge = (s.cr4 & CR4_PGE) !== 0;
  cpu.setCpl(s.cpl);
  for (let k = 0; k < 6; k++) setSegmentCache(cpu, k, s.segments.sel[k], s.segments.base[k], s.segments.limit[k], s.segments.attr[k]);
  cpu.gdtBase = s.gdtr.base;
  cpu.gdtLimit = s.gdtr.limit;
  cpu.idtBase = s.idtr.base;
  cpu.idtLimit = s.idtr.limit;
  cpu.ldtSel = s.ldtr.sel;
  cpu.ldtBase = s.ldtr.base;
  cpu.ldtLimit = s.ldtr.limit;
  cpu.trSel = s.tr.sel;
  cpu.trBase = s.tr.base;
  cpu.trLimit = s.tr.limit;
  cpu.trType = s.tr.type;
  cpu.dr.set(s.dr);
  cpu.tscOffset = s.tscOffset;
  cpu.halted = s.halted;
  cpu.inhibitIcount = s.inhibitIcount;
  if (version === 1) cpu.fpu.reset();
  else cpu.fpu.loadState(s.fpu);
  cpu.stopped = null;
  cpu.mmu.flush();
  cpu.code.clear();
}
