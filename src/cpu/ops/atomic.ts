import type { Cpu } from '../cpu.js';
import { materializeFlags } from '../flags.js';
import type { Handler } from '../insn.js';
import { EAX, EBX, ECX, EDX, ZF } from '../registers.js';
import { ADD, alu16, alu32, alu8, CMP } from './alu.js';
import { linearOf } from './operands.js';

// One CPU, so LOCK only has to be legal (the decoder checks that); these are plain RMW sequences.

// ---- XADD (0F C0 / C1): dest <- dest + src, src <- old dest -------------------------------------------

export const xaddEbGb_r: Handler = (cpu, i) => {
  const d = cpu.regs8[i.rm], s = cpu.regs8[i.reg];
  const r = alu8(cpu, ADD, d, s);
  cpu.regs8[i.reg] = d;
  cpu.regs8[i.rm] = r;
};
export const xaddEbGb_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 1, true);
  const d = cpu.mmu.rdw8(lin);
  const r = alu8(cpu, ADD, d, cpu.regs8[i.reg]);
  cpu.mmu.wr8(lin, r);
  cpu.regs8[i.reg] = d;
};
export const xaddEwGw_r: Handler = (cpu, i) => {
  const d = cpu.regs16[i.rm << 1], s = cpu.regs16[i.reg << 1];
  const r = alu16(cpu, ADD, d, s);
  cpu.regs16[i.reg << 1] = d;
  cpu.regs16[i.rm << 1] = r;
};
export const xaddEwGw_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  const d = cpu.mmu.rdw16(lin);
  const r = alu16(cpu, ADD, d, cpu.regs16[i.reg << 1]);
  cpu.mmu.wr16(lin, r);
  cpu.regs16[i.reg << 1] = d;
};
export const xaddEdGd_r: Handler = (cpu, i) => {
  const d = cpu.regs[i.rm], s = cpu.regs[i.reg];
  const r = alu32(cpu, ADD, d, s);
  cpu.regs[i.reg] = d;
  cpu.regs[i.rm] = r;
};
export const xaddEdGd_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  const d = cpu.mmu.rdw32(lin);
  const r = alu32(cpu, ADD, d, cpu.regs[i.reg]);
  cpu.mmu.wr32(lin, r);
  cpu.regs[i.reg] = d;
};

// ---- CMPXCHG (0F B0 / B1): compare accumulator with dest; equal -> dest = src, else acc = dest --------
// The memory form always writes (the old value back when unequal), as the SDM says the processor does.

export const cmpxchgEbGb_r: Handler = (cpu, i) => {
  const d = cpu.regs8[i.rm];
  alu8(cpu, CMP, cpu.regs8[0], d);
  if (cpu.lzRes === 0) cpu.regs8[i.rm] = cpu.regs8[i.reg];
  else cpu.regs8[0] = d;
};
export const cmpxchgEbGb_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 1, true);
  const d = cpu.mmu.rdw8(lin);
  alu8(cpu, CMP, cpu.regs8[0], d);
  const eq = cpu.lzRes === 0;
  cpu.mmu.wr8(lin, eq ? cpu.regs8[i.reg] : d);
  if (!eq) cpu.regs8[0] = d;
};
export const cmpxchgEwGw_r: Handler = (cpu, i) => {
  const d = cpu.regs16[i.rm << 1];
  alu16(cpu, CMP, cpu.regs16[0], d);
  if (cpu.lzRes === 0) cpu.regs16[i.rm << 1] = cpu.regs16[i.reg << 1];
  else cpu.regs16[0] = d;
};
export const cmpxchgEwGw_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 2, true);
  const d = cpu.mmu.rdw16(lin);
  alu16(cpu, CMP, cpu.regs16[0], d);
  const eq = cpu.lzRes === 0;
  cpu.mmu.wr16(lin, eq ? cpu.regs16[i.reg << 1] : d);
  if (!eq) cpu.regs16[0] = d;
};
export const cmpxchgEdGd_r: Handler = (cpu, i) => {
  const d = cpu.regs[i.rm];
  alu32(cpu, CMP, cpu.regs[EAX], d);
  if (cpu.lzRes === 0) cpu.regs[i.rm] = cpu.regs[i.reg];
  else cpu.regs[EAX] = d;
};
export const cmpxchgEdGd_m: Handler = (cpu, i) => {
  const lin = linearOf(cpu, i, 4, true);
  const d = cpu.mmu.rdw32(lin);
  alu32(cpu, CMP, cpu.regs[EAX], d);
  const eq = cpu.lzRes === 0;
  cpu.mmu.wr32(lin, eq ? cpu.regs[i.reg] : d);
  if (!eq) cpu.regs[EAX] = d;
};

/** CMPXCHG8B m64 (0F C7 /1): compare EDX:EAX with m64; equal -> m64 = ECX:EBX and ZF = 1. */
export const cmpxchg8b: Handler = (cpu: Cpu, i) => {
  const lin = linearOf(cpu, i, 8, true);
  cpu.mmu.probeWrite(lin, 8);
  const lo = cpu.mmu.rd32(lin), hi = cpu.mmu.rd32((lin + 4) | 0);
  const eq = lo === cpu.regs[EAX] && hi === cpu.regs[EDX];
  cpu.mmu.wr32(lin, eq ? cpu.regs[EBX] : lo);
  cpu.mmu.wr32((lin + 4) | 0, eq ? cpu.regs[ECX] : hi);
  materializeFlags(cpu);
  if (eq) cpu.flags |= ZF;
  else {
    cpu.flags &= ~ZF;
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
  }
};
