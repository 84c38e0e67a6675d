/**
 * Memory operands of x87 instructions: 2..108-byte reads and writes through the segment checks
 * and the MMU. Multi-dword writes are probed first, so a store that would fault on its second
 * page changes nothing (the instruction restarts cleanly after the #PF).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { ea, linearOf } from '../ops/operands.js';

/** Dwords read by rd64 and rd80 (lo, hi), and rd80's sign/exponent word. */
export let memLo = 0, memHi = 0, memSe = 0;

export function rd16(cpu: Cpu, i: Insn): number {
  return cpu.rd16(i.seg, ea(cpu, i));
}

export function rd32(cpu: Cpu, i: Insn): number {
  return cpu.rd32(i.seg, ea(cpu, i)) >>> 0;
}

/** Reads a qword into memLo/memHi. */
export function rd64(cpu: Cpu, i: Insn): void {
  const lin = linearOf(cpu, i, 8, false);
  memLo = cpu.mmu.rd32(lin) >>> 0;
  memHi = cpu.mmu.rd32((lin + 4) | 0) >>> 0;
}

/** Reads an 80-bit value into memLo/memHi/memSe. */
export function rd80(cpu: Cpu, i: Insn): void {
  const lin = linearOf(cpu, i, 10, false);
  memLo = cpu.mmu.rd32(lin) >>> 0;
  memHi = cpu.mmu.rd32((lin + 4) | 0) >>> 0;
  memSe = cpu.mmu.rd16((lin + 8) | 0);
}

/** Reads `n` bytes of the memory operand into `dst`. */
export function rdBytes(cpu: Cpu, i: Insn, n: number, dst: Uint8Array): void {
  const lin = linearOf(cpu, i, n, false);
  cpu.mmu.probeRead(lin, n);
  for (let k = 0; k < n; k++) dst[k] = cpu.mmu.rd8((lin + k) | 0);
}

export function wr16(cpu: Cpu, i: Insn, v: number): void {
  cpu.wr16(i.seg, ea(cpu, i), v);
}

export function wr32(cpu: Cpu, i: Insn, v: number): void {
  cpu.wr32(i.seg, ea(cpu, i), v);
}

export function wr64(cpu: Cpu, i: Insn, lo: number, hi: number): void {
  const lin = linearOf(cpu, i, 8, true);
  cpu.mmu.probeWrite(lin, 8);
  cpu.mmu.wr32(lin, lo);
  cpu.mmu.wr32((lin + 4) | 0, hi);
}

/** Writes an 80-bit value (significand then sign/exponent). */
export function wr80(cpu: Cpu, i: Insn, se: number, hi: number, lo: number): void {
  const lin = linearOf(cpu, i, 10, true);
  cpu.mmu.probeWrite(lin, 10);
  cpu.mmu.wr32(lin, lo);
  cpu.mmu.wr32((lin + 4) | 0, hi);
  cpu.mmu.wr16((lin + 8) | 0, se);
}

/** Writes the first `n` bytes of `src` to the memory operand. */
export function wrBytes(cpu: Cpu, i: Insn, n: number, src: Uint8Array): void {
  const lin = linearOf(cpu, i, n, true);
  cpu.mmu.probeWrite(lin, n);
  for (let k = 0; k < n; k++) cpu.mmu.wr8((lin + k) | 0, src[k]!);
}
