import type { AccessSize } from '../buses.js';
import type { Cpu } from '../cpu.js';

import { P_REP, P_REPNE, type Handler, type Insn } from '../insn.js';
import { DF, ECX, EDI, EDX, ES, ESI } from '../registers.js';
import { alu16, alu32, alu8, CMP } from './alu.js';
import { checkIoPermission } from './io.js';
import { getZF } from '../flags.js';

/**
 * String instructions (MOVS CMPS STOS LODS SCAS INS OUTS) at every size, with 16- or 32-bit
 * addressing and REP/REPE/REPNE. The source is DS:ESI (segment override allowed), the destination
 * ES:EDI. Each iteration commits ESI/EDI/ECX only after its memory accesses succeed, so a fault
 * part-way restarts the instruction where it stopped, as on hardware. A REP instruction counts as
 * one retired instruction however many iterations it runs.
 */

function rd(cpu: Cpu, seg: number, off: number, size: number): number {
  return size === 4 ? cpu.rd32(seg, off) : size === 2 ? cpu.rd16(seg, off) : cpu.rd8(seg, off);
}
function wr(cpu: Cpu, seg: number, off: number, size: number, v: number): void {
  if (size === 4) cpu.wr32(seg, off, v);
  else if (size === 2) cpu.wr16(seg, off, v);
  else cpu.wr8(seg, off, v);
}
function getIndex(cpu: Cpu, reg: number, a32: boolean): number {
  return a32 ? cpu.regs[reg] : cpu.regs16[reg << 1];
}
function advance(cpu: Cpu, reg: number, a32: boolean, delta: number): void {
  if (a32) cpu.regs[reg] = (cpu.regs[reg] + delta) | 0;
  else cpu.regs16[reg << 1] = cpu.regs16[reg << 1] + delta;
}
function getCount(cpu: Cpu, a32: boolean): number {
  return a32 ? cpu.regs[ECX] : cpu.regs16[ECX << 1];
}
function decCount(cpu: Cpu, a32: boolean): number {
  if (a32) return (cpu.regs[ECX] = (cpu.regs[ECX] - 1) | 0);
  return (cpu.regs16[ECX << 1] = cpu.regs16[ECX << 1] - 1);
}
function step(cpu: Cpu, size: number): number {
  return (cpu.flags & DF) !== 0 ? -size : size;
}
function hasRep(i: Insn): boolean {
  return (i.prefixes & (P_REP | P_REPNE)) !== 0;
}

export const movs: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size, d = step(cpu, size);
  if (!hasRep(i)) {
    wr(cpu, ES, getIndex(cpu, EDI, a32), size, rd(cpu, i.seg, getIndex(cpu, ESI, a32), size));
    advance(cpu, ESI, a32, d);
    advance(cpu, EDI, a32, d);
    return;
  }
  while (getCount(cpu, a32) !== 0) {
    wr(cpu, ES, getIndex(cpu, EDI, a32), size, rd(cpu, i.seg, getIndex(cpu, ESI, a32), size));
    advance(cpu, ESI, a32, d);
    advance(cpu, EDI, a32, d);
    decCount(cpu, a32);
  }
};

export const stos: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size, d = step(cpu, size);
  const v = size === 4 ? cpu.regs[0] : size === 2 ? cpu.regs16[0] : cpu.regs8[0];
  if (!hasRep(i)) {
    wr(cpu, ES, getIndex(cpu, EDI, a32), size, v);
    advance(cpu, EDI, a32, d);
    return;
  }
  while (getCount(cpu, a32) !== 0) {
    wr(cpu, ES, getIndex(cpu, EDI, a32), size, v);
    advance(cpu, EDI, a32, d);
    decCount(cpu, a32);
  }
};

function loadAcc(cpu: Cpu, size: number, v: number): void {
  if (size === 4) cpu.regs[0] = v;
  else if (size === 2) cpu.regs16[0] = v;
  else cpu.regs8[0] = v;
}

export const lods: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size, d = step(cpu, size);
  if (!hasRep(i)) {
    loadAcc(cpu, size, rd(cpu, i.seg, getIndex(cpu, ESI, a32), size));
    advance(cpu, ESI, a32, d);
    return;
  }
  while (getCount(cpu, a32) !== 0) {
    loadAcc(cpu, size, rd(cpu, i.seg, getIndex(cpu, ESI, a32), size));
    advance(cpu, ESI, a32, d);
    decCount(cpu, a32);
  }
};

function compare(cpu: Cpu, size: number, a: number, b: number): void {
  if (size === 4) alu32(cpu, CMP, a, b);
  else if (size === 2) alu16(cpu, CMP, a, b);
  else alu8(cpu, CMP, a, b);
}

/** REPE continues while ZF = 1, REPNE while ZF = 0 (F3 / F2 on CMPS and SCAS). */
function repeatAgain(cpu: Cpu, i: Insn): boolean {
  return (i.prefixes & P_REPNE) !== 0 ? !getZF(cpu) : getZF(cpu);
}

export const cmps: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size, d = step(cpu, size);
  const once = (): void => {
    const a = rd(cpu, i.seg, getIndex(cpu, ESI, a32), size);
    const b = rd(cpu, ES, getIndex(cpu, EDI, a32), size);
    compare(cpu, size, a, b);
    advance(cpu, ESI, a32, d);
    advance(cpu, EDI, a32, d);
  };
  if (!hasRep(i)) return once();
  while (getCount(cpu, a32) !== 0) {
    once();
    if (decCount(cpu, a32) === 0 || !repeatAgain(cpu, i)) break;
  }
};

export const scas: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size, d = step(cpu, size);
  const acc = size === 4 ? cpu.regs[0] : size === 2 ? cpu.regs16[0] : cpu.regs8[0];
  const once = (): void => {
    compare(cpu, size, acc, rd(cpu, ES, getIndex(cpu, EDI, a32), size));
    advance(cpu, EDI, a32, d);
  };
  if (!hasRep(i)) return once();
  while (getCount(cpu, a32) !== 0) {
    once();
    if (decCount(cpu, a32) === 0 || !repeatAgain(cpu, i)) break;
  }
};

/** INS: the destination is probed before the port is read, so a fault cannot lose port data. */
export const ins: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size as AccessSize, d = step(cpu, size);
  const port = cpu.regs16[EDX << 1];
  const once = (): void => {
    checkIoPermission(cpu, port, size);
    const off = getIndex(cpu, EDI, a32);
    cpu.mmu.probeWrite(cpu.linear(ES, off, size, true), size);
    wr(cpu, ES, off, size, cpu.io.read(port, size));
    advance(cpu, EDI, a32, d);
  };
  if (!hasRep(i)) return once();
  while (getCount(cpu, a32) !== 0) {
    once();
    decCount(cpu, a32);
  }
};

export const outs: Handler = (cpu, i) => {
  const a32 = i.asize === 32, size = i.size as AccessSize, d = step(cpu, size);
  const port = cpu.regs16[EDX << 1];
  const once = (): void => {
    checkIoPermission(cpu, port, size);
    cpu.io.write(port, size, rd(cpu, i.seg, getIndex(cpu, ESI, a32), size) >>> 0);
    advance(cpu, ESI, a32, d);
  };
  if (!hasRep(i)) return once();
  while (getCount(cpu, a32) !== 0) {
    once();
    decCount(cpu, a32);
  }
};

