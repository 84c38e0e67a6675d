import { applyEntryState, type EntryState } from '../machine/boot.js';
import { Machine, type MachineConfig, type MachineHooks } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import { PacedSerialInput, type SerialInputSource } from '../machine/serial-input.js';
import { isElf, loadMultiboot, parseElf32, SymbolTable as Symbols } from '../loader/index.js';
import { isBzImage, loadLinux } from '../loader/linux-boot.js';
import { writeAcpiTables } from '../loader/acpi-tables.js';
import { symbolTableFromKallsyms } from '../loader/kallsyms.js';
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
  /**
   * Boot with the Linux 32-bit boot protocol. `setup` is the bzImage whose setup header is used;
   * `image` is then the uncompressed vmlinux (an ELF) or the bzImage itself, which decompresses
   * itself. A bzImage given as `image` without this option boots the same way.
   */
  linux?: { setup: Uint8Array; initrd?: Uint8Array };
  /**
   * Compile hot blocks to JavaScript (block-compiler.ts; default false). Same results; faster on
   * CPU-bound guests (about +25 % on compute), slower on kernel boots with a large code footprint,
   * where V8's compile time does not pay back.
   */
  jit?: boolean;
}

/** A kernel's symbols: its ELF .symtab, or the kallsyms tables a stripped vmlinux carries. */
export function kernelSymbols(vmlinux: Uint8Array, name: string): SymbolTable | null {
  const fromElf = Symbols.fromElf(parseElf32(vmlinux, name));
  return fromElf ?? symbolTableFromKallsyms(vmlinux, name);
}

export interface RunResult {
  outcome: Outcome;
  machine: Machine;
  console: ConsoleLog;
  symbols: SymbolTable | null;
  /** The entry state the loader produced. */
  entry: EntryState;
}

/** The Linux boot inputs implied by the options (null for a multiboot kernel). */
export function linuxBootOf(opts: Pick<RunOptions, 'image' | 'linux'>): { setup: Uint8Array; initrd?: Uint8Array } | null {
  if (opts.linux !== undefined) return opts.linux;
  return isBzImage(opts.image) ? { setup: opts.image } : null;
}

/**
 * The machine config a boot uses: `opts.machine`, with ACPI on for a Linux boot unless the caller
 * says otherwise (machine.acpi; replay passes what the trace recorded).
 */
export function bootMachineConfig(opts: Pick<RunOptions, 'image' | 'linux' | 'machine'>): Partial<MachineConfig> {
  const config = { ...(opts.machine ?? {}) };
  if (config.acpi === undefined && linuxBootOf(opts) !== null) config.acpi = true;
  return config;
}

/**
 * Builds a machine with the image loaded and the CPU at the kernel's entry point. An ACPI board
 * (bootMachineConfig) also gets its firmware tables in the BIOS area.
 */
export function bootGuest(opts: RunOptions): { machine: Machine; symbols: SymbolTable | null; entry: EntryState } {
  const machine = new Machine(bootMachineConfig(opts), opts.hooks ?? {});
  machine.cpu.jit = opts.jit ?? false;
  const acpiRsdp = machine.config.acpi === true ? writeAcpiTables(machine.memory.ram) : undefined;
  const linux = linuxBootOf(opts);
  if (linux !== null) {
    const vmlinux = isElf(opts.image) ? opts.image : null;
    const st = loadLinux(linux.setup, vmlinux, machine.memory.ram, { cmdline: opts.cmdline ?? '', initrd: linux.initrd, acpiRsdp, imageName: opts.imageName ?? 'image' });
    applyEntryState(machine.cpu, st);
    const source = opts.serialSource ?? (opts.serialIn !== undefined ? new PacedSerialInput(opts.serialIn) : null);
    if (source !== null) source.attach(machine.clock, machine.uart);
    return { machine, symbols: vmlinux === null ? null : kernelSymbols(vmlinux, opts.imageName ?? 'image'), entry: st };
  }
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
