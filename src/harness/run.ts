import { applyEntryState, type EntryState } from '../machine/boot.js';
import { Machine, type MachineConfig, type MachineHooks } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import { PacedSerialInput, type SerialInputSource } from '../machine/serial-input.js';
import { loadMultiboot } from '../loader/index.js';
import type { SymbolTable } from '../loader/index.js';
import { TOOL_VERSION } from '../version.js';
import { ConsoleLog } from './console-log.js';
import { RunDriver } from './run-driver.js';

export { DEFAULT_MAX_INSNS } from './run-driver.js';
import { DEFAULT_MAX_INSNS } from './run-driver.js';

export interface RunOptions {
  /** The kernel image (multiboot ELF or a.out kludge). */
  image: Uint8Array;
  /** Shown in error messages. */
  imageName?: string;
  /** Kernel command line (multiboot cmdline). */
  cmdline?: string;
  /** Bytes for COM1's receiver, fed by PacedSerialInput unless `serialSource` is given. */
  serialIn?: Uint8Array;
  /** Replaces the paced file input (replay feeds recorded icounts). */
  serialSource?: SerialInputSource;
  /** Instruction budget (default DEFAULT_MAX_INSNS). */
  maxInsns?: number;
  machine?: Partial<MachineConfig>;
  hooks?: MachineHooks;
  /** Each console byte as the guest writes it (streaming output). */
  onConsole?: (byte: number) => void;
  /** Called between slices (progress); must not touch the machine. */
  onSlice?: (m: Machine) => void;
  /**
   * The version the guest sees in boot_loader_name (`kreplay <version>`); default this tool's.
   * Replay passes the recording's, so a newer kreplay boots the guest exactly as the old one did.
   */
  bootLoaderVersion?: string;
}

export interface RunResult {
  outcome: Outcome;
  machine: Machine;
  console: ConsoleLog;
  symbols: SymbolTable | null;
  /** The entry state the loader produced. */
  entry: EntryState;
}

/** Builds a machine with the image loaded and the CPU at the kernel's entry point. */
export function bootGuest(opts: RunOptions): { machine: Machine; symbols: SymbolTable | null; entry: EntryState } {
  const machine = new Machine(opts.machine ?? {}, opts.hooks ?? {});
  const boot = loadMultiboot(opts.image, machine.memory.ram, {
    cmdline: opts.cmdline ?? '',
    version: opts.bootLoaderVersion ?? TOOL_VERSION,
    imageName: opts.imageName ?? 'image',
  });
  const entry: EntryState = {
    entry: boot.entry, eax: boot.eax, ebx: boot.ebx, esp: boot.esp,
    gdtBase: boot.gdtBase, gdtLimit: boot.gdtLimit, codeSelector: boot.codeSelector, dataSelector: boot.dataSelector,
  };
  applyEntryState(machine.cpu, entry);
  const source = opts.serialSource ?? (opts.serialIn !== undefined ? new PacedSerialInput(opts.serialIn) : null);
  if (source !== null) source.attach(machine.clock, machine.uart);
  return { machine, symbols: boot.symbols, entry };
}

/**
 * Runs a guest to its outcome: boots it, streams its console, and stops at exit, panic (pvpanic,
 * or a console panic line followed by PANIC_GRACE_INSNS of quiet), triple fault, reset, halt,
 * an unsupported instruction, or the instruction budget.
 */
export function runGuest(opts: RunOptions): RunResult {
  const { machine, symbols, entry } = bootGuest(opts);
  const console = new ConsoleLog();
  const outcome = driveToOutcome(machine, console, opts);
  return { outcome, machine, console, symbols, entry };
}

/** The run loop shared by run, record and replay (see RunDriver). */
export function driveToOutcome(machine: Machine, console: ConsoleLog, opts: Pick<RunOptions, 'maxInsns' | 'onConsole' | 'onSlice'>): Outcome {
  return new RunDriver(machine, console, opts).run()!;
}
