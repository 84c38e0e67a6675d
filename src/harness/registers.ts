import type { Cpu } from '../cpu/cpu.js';
import { REG32_NAMES, SEG_NAMES } from '../cpu/registers.js';

const FLAG_NAMES: [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [21, 'ID'],
];

/** The architectural state a report shows, as plain data (numbers are unsigned). */
export interface RegisterDump {
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  eip: number;
  eflags: number;
  flags: string[];
  iopl: number;
  cpl: number;
  segments: Record<string, number>;
  cr0: number; cr2: number; cr3: number; cr4: number;
}

export function dumpRegisters(cpu: Cpu, eip: number): RegisterDump {
  const eflags = cpu.getEflags();
  const r = (k: number): number => cpu.regs[k] >>> 0;
  return {
    eax: r(0), ecx: r(1), edx: r(2), ebx: r(3), esp: r(4), ebp: r(5), esi: r(6), edi: r(7),
    eip: eip >>> 0,
    eflags,
    flags: FLAG_NAMES.filter(([bit]) => (eflags >>> bit) & 1).map(([, n]) => n),
    iopl: (eflags >>> 12) & 3,
    cpl: cpu.cpl,
    segments: Object.fromEntries(SEG_NAMES.map((n, k) => [n, cpu.segSel[k]])),
    cr0: cpu.cr0 >>> 0, cr2: cpu.mmu.cr2 >>> 0, cr3: cpu.mmu.cr3 >>> 0, cr4: cpu.cr4 >>> 0,
  };
}

const hex8 = (v: number): string => v.toString(16).padStart(8, '0');

/** Four lines of registers in the familiar oops layout. */
export function formatRegisters(d: RegisterDump): string[] {
  const g = REG32_NAMES.map((n) => `${n.toUpperCase()}=${hex8(d[n])}`);
  return [
    `${g.slice(0, 4).join(' ')}`,
    `${g.slice(4).join(' ')}`,
    `EIP=${hex8(d.eip)} EFLAGS=${hex8(d.eflags)} [${d.flags.join(' ')}] IOPL=${d.iopl} CPL=${d.cpl}`,
    `${Object.entries(d.segments).map(([n, v]) => `${n.toUpperCase()}=${v.toString(16).padStart(4, '0')}`).join(' ')}`,
    `CR0=${hex8(d.cr0)} CR2=${hex8(d.cr2)} CR3=${hex8(d.cr3)} CR4=${hex8(d.cr4)}`,
  ];
}
