import type { Argv } from 'yargs';
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from '../machine/machine.js';
import { DEFAULT_MAX_INSNS } from '../harness/run.js';
import { UsageError } from './errors.js';
import { readInputFile } from './io.js';
import { isBzImage } from '../loader/linux-boot.js';

/** The options `run` and `record` share: how to boot the guest and how long to let it run. */
export function withRunOptions<T>(y: Argv<T>) {
  return y
    .option('append', { type: 'string', describe: 'kernel command line (multiboot cmdline)', default: '' })
    .option('serial-in', { type: 'string', describe: 'file whose bytes are fed to COM1, paced at the guest\'s line rate' })
    .option('max-insns', { type: 'number', describe: 'instruction budget; the run ends as timeout (exit 124) when it runs out', default: DEFAULT_MAX_INSNS })
    .option('mem', { type: 'number', describe: `guest RAM in MiB (default ${DEFAULT_MACHINE_CONFIG.memMiB}; ${LINUX_DEFAULT_MEM_MIB} for Linux)` })
    .option('linux-setup', { type: 'string', describe: 'boot IMAGE (a vmlinux) with the Linux boot protocol, using this bzImage\'s setup header' })
    .option('initrd', { type: 'string', describe: 'initial ramdisk for a Linux boot (a newc cpio archive)' })
    .option('acpi', { type: 'boolean', describe: 'give the board ACPI: PM1 registers at 0x600 and firmware tables describing the pvpanic port (default: on for Linux boots, off for multiboot; --no-acpi turns it off)' })
    .option('ns-per-insn', { type: 'number', describe: 'virtual nanoseconds per instruction', default: DEFAULT_MACHINE_CONFIG.nsPerInsn })
    .option('rtc-epoch', { type: 'number', describe: 'RTC time at boot, Unix seconds (never the host clock)', default: DEFAULT_MACHINE_CONFIG.rtcEpoch })
    .option('json', { type: 'boolean', describe: 'print the outcome as one JSON object on stdout (console included) instead of streaming', default: false })
    .option('jit', { type: 'boolean', default: false, describe: 'compile hot code blocks to JavaScript: same results, faster on CPU-bound guests, slower on kernel boots' });
}

export interface RunArgs {
  jit: boolean;
  'linux-setup'?: string;
  initrd?: string;
  acpi?: boolean;
  append: string;
  'serial-in'?: string;
  'max-insns': number;
  mem?: number;
  'ns-per-insn': number;
  'rtc-epoch': number;
  json: boolean;
}

function positiveInteger(v: number, flag: string): number {
  if (!Number.isFinite(v) || !Number.isInteger(v) || v <= 0) throw new UsageError(`--${flag} must be a positive integer, got ${v}`);
  return v;
}

/** RAM given to a Linux guest when --mem is not: Debian's kernel loads at 16 MiB and wants room. */
export const LINUX_DEFAULT_MEM_MIB = 128;

/** The Linux boot inputs named by --linux-setup and --initrd (null for a plain multiboot run). */
export function linuxFromArgs(a: RunArgs, image: Uint8Array): { setup: Uint8Array; initrd?: Uint8Array } | undefined {
  if (a['linux-setup'] === undefined && a.initrd === undefined) return undefined;
  const setup = a['linux-setup'] !== undefined ? readInputFile(a['linux-setup'], '--linux-setup') : image;
  if (!isBzImage(setup)) throw new UsageError(`${a['linux-setup'] ?? 'the image'}: not a Linux bzImage; --linux-setup takes the kernel's vmlinuz`);
  const initrd = a.initrd !== undefined ? readInputFile(a.initrd, '--initrd') : undefined;
  return initrd === undefined ? { setup } : { setup, initrd };
}

/** Validated machine config and budget from parsed run options. */
export function machineFromArgs(a: RunArgs, linux = false): { machine: MachineConfig; maxInsns: number; serialIn: Uint8Array | undefined } {
  const mem = positiveInteger(a.mem ?? (linux ? LINUX_DEFAULT_MEM_MIB : DEFAULT_MACHINE_CONFIG.memMiB), 'mem');
  if (mem < 2 || mem > 3072) throw new UsageError(`--mem must be between 2 and 3072 MiB, got ${mem}`);
  if (!(a['ns-per-insn'] > 0) || !Number.isFinite(a['ns-per-insn'])) throw new UsageError(`--ns-per-insn must be a positive number, got ${a['ns-per-insn']}`);
  if (!Number.isInteger(a['rtc-epoch'])) throw new UsageError(`--rtc-epoch must be an integer number of Unix seconds, got ${a['rtc-epoch']}`);
  return {
    machine: { memMiB: mem, nsPerInsn: a['ns-per-insn'], rtcEpoch: a['rtc-epoch'], acpi: a.acpi ?? linux },
    maxInsns: positiveInteger(a['max-insns'], 'max-insns'),
    serialIn: a['serial-in'] !== undefined ? readInputFile(a['serial-in'], '--serial-in') : undefined,
  };
}
