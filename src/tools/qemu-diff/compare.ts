/**
 * The state comparison: which architectural fields must be equal after each step, and our CPU's
 * state in the same shape as QEMU's dump (QState), so reports show both side by side.
 */
import type { Cpu } from '../../cpu/cpu.js';
import type { QSeg, QState } from './qemu-log.js';

export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

export interface FieldDiff {
  field: string;
  qemu: number;
  ours: number;
}

/** Our CPU's state, shaped like a QEMU dump. */
export function ourState(cpu: Cpu): QState {
  const segs: QSeg[] = [];
  for (let k = 0; k < 6; k++) {
    const a = cpu.segAttr[k];
    segs.push({ sel: cpu.segSel[k], base: cpu.segBase[k] >>> 0, limit: cpu.segLimit[k] >>> 0, flags: ((a & 0xff) << 8) | (((a >>> 8) & 0xf) << 20) });
  }
  return {
    regs: Array.from(cpu.regs.subarray(0, 8), (v) => v >>> 0),
    eip: cpu.eip >>> 0,
    eflags: cpu.getEflags(),
    cpl: cpu.cpl,
    inhibit: cpu.inhibitIcount === cpu.icount,
    halted: cpu.halted,
    segs,
    ldt: { sel: cpu.ldtSel, base: cpu.ldtBase >>> 0, limit: cpu.ldtLimit >>> 0, flags: 0 },
    tr: { sel: cpu.trSel, base: cpu.trBase >>> 0, limit: cpu.trLimit >>> 0, flags: cpu.trType << 8 },
    gdtBase: cpu.gdtBase >>> 0, gdtLimit: cpu.gdtLimit,
    idtBase: cpu.idtBase >>> 0, idtLimit: cpu.idtLimit,
    cr0: cpu.cr0 >>> 0, cr2: cpu.mmu.cr2 >>> 0, cr3: cpu.mmu.cr3 >>> 0, cr4: cpu.cr4 >>> 0,
    dr: Array.from(cpu.dr, (v) => v >>> 0),
  };
}

/**
 * Fields that differ between QEMU's state and ours: the general registers, EIP, EFLAGS (all of
 * it: the caller applies the undefined-flag mask), CPL, the six selectors and, for non-null
 * selectors, the segment base and limit, LDTR and TR selectors, GDTR/IDTR, CR0/CR2/CR3/CR4 and
 * DR7. The interrupt shadow and the halted flag are not compared (see docs/qemu-diff.md).
 */
export function compareStates(q: QState, o: QState): FieldDiff[] {
  const out: FieldDiff[] = [];
  const f = (field: string, qv: number, ov: number): void => {
    if (qv >>> 0 !== ov >>> 0) out.push({ field, qemu: qv >>> 0, ours: ov >>> 0 });
  };
  for (let k = 0; k < 8; k++) f(REG_NAMES[k], q.regs[k], o.regs[k]);
  f('eip', q.eip, o.eip);
  f('eflags', q.eflags, o.eflags);
  f('cpl', q.cpl, o.cpl);
  for (let k = 0; k < 6; k++) {
    const qs = q.segs[k], os = o.segs[k];
    f(SEG_NAMES[k], qs.sel, os.sel);
    if ((qs.sel & 0xfffc) !== 0 && qs.sel === os.sel) {
      f(`${SEG_NAMES[k]}.base`, qs.base, os.base);
      f(`${SEG_NAMES[k]}.limit`, qs.limit, os.limit);
    }
  }
  f('ldtr', q.ldt.sel, o.ldt.sel);
  f('tr', q.tr.sel, o.tr.sel);
  f('gdtr.base', q.gdtBase, o.gdtBase);
  f('gdtr.limit', q.gdtLimit, o.gdtLimit);
  f('idtr.base', q.idtBase, o.idtBase);
  f('idtr.limit', q.idtLimit, o.idtLimit);
  f('cr0', q.cr0, o.cr0);
  f('cr2', q.cr2, o.cr2);
  f('cr3', q.cr3, o.cr3);
  f('cr4', q.cr4, o.cr4);
  f('dr7', q.dr[7], o.dr[7]);
  return out;
}

/**
 * compareStates(q, ourState(cpu)).length === 0, without building our state (the per-instruction
 * fast path).
 */
export function matchesCpu(q: QState, cpu: Cpu): boolean {
  const r = cpu.regs;
  const qr = q.regs;
  for (let k = 0; k < 8; k++) if (qr[k] !== r[k] >>> 0) return false;
  if (q.eip !== cpu.eip >>> 0 || q.cpl !== cpu.cpl || q.eflags !== cpu.getEflags()) return false;
  for (let k = 0; k < 6; k++) {
    const qs = q.segs[k];
    if (qs.sel !== cpu.segSel[k]) return false;
    if ((qs.sel & 0xfffc) !== 0 && (qs.base !== cpu.segBase[k] >>> 0 || qs.limit !== cpu.segLimit[k] >>> 0)) return false;
  }
  return q.cr0 === cpu.cr0 >>> 0 && q.cr2 === cpu.mmu.cr2 >>> 0 && q.cr3 === cpu.mmu.cr3 >>> 0 && q.cr4 === cpu.cr4 >>> 0
    && q.ldt.sel === cpu.ldtSel && q.tr.sel === cpu.trSel
    && q.gdtBase === cpu.gdtBase >>> 0 && q.gdtLimit === cpu.gdtLimit && q.idtBase === cpu.idtBase >>> 0 && q.idtLimit === cpu.idtLimit
    && q.dr[7] === cpu.dr[7] >>> 0;
}

/** True when the two states are the same instruction boundary with nothing changed (QEMU's replayed log record). */
export function sameCoreState(a: QState, b: QState): boolean {
  if (a.eip !== b.eip || a.eflags !== b.eflags) return false;
  for (let k = 0; k < 8; k++) if (a.regs[k] !== b.regs[k]) return false;
  for (let k = 0; k < 6; k++) if (a.segs[k].sel !== b.segs[k].sel) return false;
  return true;
}
