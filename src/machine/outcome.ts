import type { Icount } from './units.js';

/**
 * How a run ended (DESIGN.md "Outcomes of a run"). Every outcome carries the icount and EIP at
 * which it happened; harness adds virtual time, symbols and the report.
 */
export type Outcome =
  /** isa-debug-exit: the guest wrote `code` to port 0xf4 (QEMU would exit with (code << 1) | 1). */
  | ({ kind: 'exit'; code: number } & Where)
  /** pvpanic event (`bits` as written) or a recognised console panic line (`message`). */
  | ({ kind: 'panic'; source: 'pvpanic' | 'console'; bits: number; message: string | null } & Where)
  /** pvpanic SHUTDOWN: the guest asked to power off (QEMU shuts the VM down). */
  | ({ kind: 'shutdown'; bits: number } & Where)
  /** A fault while delivering #DF. */
  | ({ kind: 'triple-fault'; detail: string } & Where)
  /** Port 0x92 fast reset or i8042 command 0xFE (we do not reboot: the run ends). */
  | ({ kind: 'reset'; source: string } & Where)
  /** HLT with interrupts disabled (or with nothing left that could ever wake the CPU). */
  | ({ kind: 'halted'; interruptsEnabled: boolean } & Where)
  /** The instruction budget ran out. */
  | ({ kind: 'timeout'; budget: Icount } & Where)
  /** An instruction or device access the emulator does not implement. */
  | ({ kind: 'unsupported'; bytes: number[]; detail: string } & Where)
  /** Replay only: the first event that differs from the recording. */
  | ({ kind: 'diverged'; detail: string } & Where);

export interface Where {
  icount: Icount;
  eip: number;
}

export type OutcomeKind = Outcome['kind'];

/** Exit codes of `kreplay run` / `replay` for each outcome (README documents them). */
export function exitCodeFor(o: Outcome): number {
  switch (o.kind) {
    case 'exit': return o.code === 0 ? 0 : 3;
    case 'shutdown': return 0;
    case 'panic': return 1;
    case 'triple-fault': case 'halted': case 'reset': case 'unsupported': return 4;
    case 'timeout': return 124;
    case 'diverged': return 5;
  }
}
