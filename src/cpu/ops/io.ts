import type { AccessSize } from '../buses.js';
import type { Cpu } from '../cpu.js';
import { CpuFault, GP } from '../faults.js';
import type { Handler } from '../insn.js';
import { EAX, EDX, IOPL_MASK } from '../registers.js';

/**
 * Protected-mode I/O permission (SDM 19.5): at CPL > IOPL every byte of the access must be allowed
 * by the TSS I/O permission bitmap, or the instruction faults with #GP(0).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (cpu.cpl <= (cpu.flags & IOPL_MASK) >>> 12) return;
  if ((cpu.trType & 8) === 0 || cpu.trLimit < 0x67) throw new CpuFault(GP, 0);
  const mapBase = cpu.mmu.sysRd16((cpu.trBase + 0x66) | 0);
  const byteOff = mapBase + (port >>> 3);
  if (byteOff + 1 > cpu.trLimit) throw new CpuFault(GP, 0);
  const bits = cpu.mmu.sysRd16((cpu.trBase + byteOff) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) throw new CpuFault(GP, 0);
}

export function portIn(cpu: Cpu, port: number, size: AccessSize): number {
  checkIoPermission(cpu, port, size);
  return cpu.io.read(port, size);
}

export function portOut(cpu: Cpu, port: number, size: AccessSize, value: number): void {
  checkIoPermission(cpu, port, size);
  cpu.io.write(port, size, value);
}

/** IN AL/AX/EAX, imm8 (E4/E5) and IN ..., DX (EC/ED). */
export const inALIb: Handler = (cpu, i) => { cpu.regs8[0] = portIn(cpu, i.imm, 1); };
export const inAXIb: Handler = (cpu, i) => { cpu.regs16[0] = portIn(cpu, i.imm, 2); };
export const inEAXIb: Handler = (cpu, i) => { cpu.regs[EAX] = portIn(cpu, i.imm, 4); };
export const inALDX: Handler = (cpu) => { cpu.regs8[0] = portIn(cpu, cpu.regs16[EDX << 1], 1); };
export const inAXDX: Handler = (cpu) => { cpu.regs16[0] = portIn(cpu, cpu.regs16[EDX << 1], 2); };
export const inEAXDX: Handler = (cpu) => { cpu.regs[EAX] = portIn(cpu, cpu.regs16[EDX << 1], 4); };
/** OUT imm8, AL/AX/EAX (E6/E7) and OUT DX, ... (EE/EF). */
export const outIbAL: Handler = (cpu, i) => portOut(cpu, i.imm, 1, cpu.regs8[0]);
export const outIbAX: Handler = (cpu, i) => portOut(cpu, i.imm, 2, cpu.regs16[0]);
export const outIbEAX: Handler = (cpu, i) => portOut(cpu, i.imm, 4, cpu.regs[EAX] >>> 0);
export const outDXAL: Handler = (cpu) => portOut(cpu, cpu.regs16[EDX << 1], 1, cpu.regs8[0]);
export const outDXAX: Handler = (cpu) => portOut(cpu, cpu.regs16[EDX << 1], 2, cpu.regs16[0]);
export const outDXEAX: Handler = (cpu) => portOut(cpu, cpu.regs16[EDX << 1], 4, cpu.regs[EAX] >>> 0);
