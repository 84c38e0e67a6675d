import type { Cpu } from '../cpu.js';
import { getCF, materializeFlags } from '../flags.js';
import type { Handler } from '../insn.js';
import { CpuFault, GP } from '../faults.js';
import { AF, CF, DF, IF, IOPL_MASK, PF, SF, ZF } from '../registers.js';

/** The low byte of EFLAGS (SF ZF 0 AF 0 PF 1 CF), as LAHF and PUSHF see it. */
export function getEflagsLow(cpu: Cpu): number {
  return cpu.getEflags() & 0xff;
}

/** SAHF: loads SF ZF AF PF CF from a byte. */
export function setFlagsLow(cpu: Cpu, v: number): void {
  materializeFlags(cpu);
  const m = SF | ZF | AF | PF | CF;
  cpu.flags = (cpu.flags & ~m) | (v & m);
}

export const clc: Handler = (cpu) => { materializeFlags(cpu); cpu.flags &= ~CF; };
export const stc: Handler = (cpu) => { materializeFlags(cpu); cpu.flags |= CF; };
export const cmc: Handler = (cpu) => { const c = getCF(cpu); materializeFlags(cpu); cpu.flags = (cpu.flags & ~CF) | (c ^ 1); };
export const cld: Handler = (cpu) => { cpu.flags &= ~DF; };
export const std: Handler = (cpu) => { cpu.flags |= DF; };

/** CLI/STI need CPL <= IOPL in protected mode (no VME/PVI modelled). */
function checkIopl(cpu: Cpu): void {
  if (cpu.cpl > (cpu.flags & IOPL_MASK) >>> 12) throw new CpuFault(GP, 0);
}
export const cli: Handler = (cpu) => { checkIopl(cpu); cpu.flags &= ~IF; };
/**
 * STI: interrupts stay inhibited for one more instruction when IF was clear (the STI shadow), so
 * `sti; hlt` cannot lose a wakeup. If an interrupt is already pending, stop after that one.
 */
export const sti: Handler = (cpu) => {
  checkIopl(cpu);
  if ((cpu.flags & IF) === 0) {
    cpu.flags |= IF;
    cpu.inhibitIcount = cpu.icount + 1;
    if (cpu.irqAsserted) cpu.requestStopAt(cpu.icount + 2);
  }
};
