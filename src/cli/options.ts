import type { Argv } from 'yargs';
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from '../machine/machine.js';
import { DEFAULT_MAX_INSNS } from '../harness/run.js';
import { UsageError } from './errors.js';
import { readInputFile } from './io.js';

/** The options `run` and `record` share: how to boot the guest and how long to let it run. */
export function withRunOptions<T>(y: Argv<T>) {
  return y
    .option('append', { type: 'string', describe: 'kernel command line (multiboot cmdline)', default: '' })
    .option('serial-in', { type: 'string', describe: 'file whose bytes are fed to COM1, paced at the guest\'s line rate' })
    .option('max-insns', { type: 'number', describe: 'instruction budget; the run ends as timeout (exit 124) when it runs out', default: DEFAULT_MAX_INSNS })
    .option('mem', { type: 'number', describe: 'guest RAM in MiB', default: DEFAULT_MACHINE_CONFIG.memMiB })
    .option('ns-per-insn', { type: 'number', describe: 'virtual nanoseconds per instruction', default: DEFAULT_MACHINE_CONFIG.nsPerInsn })
    .option('rtc-epoch', { type: 'number', describe: 'RTC time at boot, Unix seconds (never the host clock)', default: DEFAULT_MACHINE_CONFIG.rtcEpoch })
    .option('json', { type: 'boolean', describe: 'print the outcome as one JSON object on stdout (console included) instead of streaming', default: false });
}

export interface RunArgs {
  append: string;
  'serial-in'?: string;
  'max-insns': number;
  mem: number;
  'ns-per-insn': number;
  'rtc-epoch': number;
  json: boolean;
}

function positiveInteger(v: number, flag: string): number {
  if (!Number.isFinite(v) || !Number.isInteger(v) || v <= 0) throw new UsageError(`--${flag} must be a positive integer, got ${v}`);
  return v;
}

/** Validated machine config and budget from parsed run options. */
export function machineFromArgs(a: RunArgs): { machine: MachineConfig; maxInsns: number; serialIn: Uint8Array | undefined } {
  const mem = positiveInteger(a.mem, 'mem');
  if (mem < 2 || mem > 3072) throw new UsageError(`--mem must be between 2 and 3072 MiB, got ${mem}`);
  if (!(a['ns-per-insn'] > 0) || !Number.isFinite(a['ns-per-insn'])) throw new UsageError(`--ns-per-insn must be a positive number, got ${a['ns-per-insn']}`);
  if (!Number.isInteger(a['rtc-epoch'])) throw new UsageError(`--rtc-epoch must be an integer number of Unix seconds, got ${a['rtc-epoch']}`);
  return {
    machine: { memMiB: mem, nsPerInsn: a['ns-per-insn'], rtcEpoch: a['rtc-epoch'] },
    maxInsns: positiveInteger(a['max-insns'], 'max-insns'),
    serialIn: a['serial-in'] !== undefined ? readInputFile(a['serial-in'], '--serial-in') : undefined,
  };
}
