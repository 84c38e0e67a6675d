import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';

/** Effective address of the ModRM memory operand: base + index << scale + disp, wrapped. */
export function ea(cpu: Cpu, i: Insn): number {
  return (cpu.regs[i.base] + (cpu.regs[i.index] << i.scale) + i.disp) & i.eaMask;
}

/** Linear address of the memory operand, segment-checked for an access of `len` bytes. */
export function linearOf(cpu: Cpu, i: Insn, len: number, write: boolean): number {
  return cpu.linear(i.seg, ea(cpu, i), len, write);
}
