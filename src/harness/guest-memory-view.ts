import type { Cpu } from '../cpu/cpu.js';

/**
 * Reads guest memory by linear address through the current page tables without side effects
 * (no A/D bits, no faults): what a debugger shows. Returns null for unmapped addresses.
 */
export function readLinear8(cpu: Cpu, lin: number): number | null {
  const phys = cpu.mmu.probe(lin | 0);
  return phys === null ? null : cpu.mmu.physRead8(phys);
}

export function readLinear32(cpu: Cpu, lin: number): number | null {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const b = readLinear8(cpu, (lin + k) | 0);
    if (b === null) return null;
    v |= b << (8 * k);
  }
  return v >>> 0;
}

export function readLinearBytes(cpu: Cpu, lin: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const b = readLinear8(cpu, (lin + k) | 0);
    if (b === null) break;
    out.push(b);
  }
  return out;
}
