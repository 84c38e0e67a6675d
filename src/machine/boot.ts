import type { Cpu } from '../cpu/cpu.js';
import { EAX, EBX, ESP } from '../cpu/registers.js';

/** The 32-bit protected-mode entry state a boot loader hands over (multiboot, Linux 32-bit boot). */
export interface EntryState {
  entry: number;
  eax: number;
  ebx: number;
  esp: number;
  /** Extra general registers (e.g. ESI = zero page for the Linux boot protocol). */
  regs?: Partial<Record<'ecx' | 'edx' | 'ebp' | 'esi' | 'edi', number>>;
  gdtBase: number;
  gdtLimit: number;
  codeSelector: number;
  dataSelector: number;
}

const EXTRA = { ecx: 1, edx: 2, ebp: 5, esi: 6, edi: 7 } as const;

/**
 * Puts the CPU in the loader's entry state: flat protected mode with the loader's GDT, paging and
 * interrupts off, IDTR at its reset value (base 0, limit 0x3ff), the given registers.
 */
export function applyEntryState(cpu: Cpu, s: EntryState): void {
  cpu.resetFlat32(s.codeSelector, s.dataSelector);
  cpu.setGdtr(s.gdtBase, s.gdtLimit);
  cpu.setIdtr(0, 0x3ff);
  cpu.regs.fill(0);
  cpu.regs[EAX] = s.eax;
  cpu.regs[EBX] = s.ebx;
  cpu.regs[ESP] = s.esp;
  for (const [name, value] of Object.entries(s.regs ?? {})) cpu.regs[EXTRA[name as keyof typeof EXTRA]] = value;
  cpu.eip = s.entry;
}
