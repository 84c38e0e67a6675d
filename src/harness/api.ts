/**
 * The library API (`import { runGuest, recordGuest, replayTrace, openTrace } from 'kreplay'`):
 * the harness sessions with file paths accepted where the CLI takes them, and every result
 * carrying its crash title, so a project can write its own tests of its own kernels.
 */
import { readFileSync } from 'node:fs';
import { readImageFile } from '../loader/index.js';
import type { MachineConfig } from '../machine/machine.js';
import { TraceReader } from '../trace/reader.js';
import { initZstd } from '../trace/zstd.js';
import { crashTitleForRun, type CrashTitle } from './crash/index.js';
import { recordGuest as recordSession, type RecordResult } from './record.js';
import { replayTrace as replaySession, type ReplayOptions, type ReplayResult } from './replay.js';
import { runGuest as runSession, type RunResult } from './run.js';

/** How to boot a guest. */
export interface GuestOptions {
  /** The kernel (multiboot ELF, or flat binary with the a.out kludge): a file path or its bytes. */
  image: string | Uint8Array;
  /** Kernel command line (multiboot cmdline). */
  cmdline?: string;
  /** Bytes fed to COM1 (paced as `--serial-in` does): a file path or the bytes. */
  serialIn?: string | Uint8Array;
  /** Text fed to COM1 (UTF-8), instead of `serialIn`. */
  serialText?: string;
  /** Instruction budget (default 4,000,000,000); the run then ends as `timeout`. */
  maxInsns?: number;
  /** RAM (memMiB, default 32), virtual ns per instruction (default 1), RTC epoch (default 2000-01-01). */
  machine?: Partial<MachineConfig>;
  /** Each console byte as the guest writes it. */
  onConsole?: (byte: number) => void;
}

/** What every result adds: the crash title of the run (null when nothing crashed or was reported). */
export interface Titled {
  crash: CrashTitle | null;
}

export type GuestRun = RunResult & Titled;
export type GuestRecording = RecordResult & Titled;
export type TraceReplay = ReplayResult & Titled;

export interface RecordGuestOptions extends GuestOptions {
  /** The trace file to write. */
  out: string;
  /** Embed the image in the trace (default true). */
  embed?: boolean;
}

function sessionOptions(o: GuestOptions) {
  if (o.serialIn !== undefined && o.serialText !== undefined) throw new TypeError('give serialIn or serialText, not both');
  const serialIn = typeof o.serialIn === 'string' ? new Uint8Array(readFileSync(o.serialIn))
    : o.serialIn ?? (o.serialText !== undefined ? new TextEncoder().encode(o.serialText) : undefined);
  return {
    image: typeof o.image === 'string' ? readImageFile(o.image) : o.image,
    imageName: typeof o.image === 'string' ? o.image : 'image',
    cmdline: o.cmdline, serialIn, maxInsns: o.maxInsns, machine: o.machine, onConsole: o.onConsole,
  };
}

const titled = <R extends RunResult>(r: R): R & Titled => ({ ...r, crash: crashTitleForRun(r.outcome, r.console.text(), r.symbols) });

/** Runs a guest to its outcome (exit, panic, triple fault, ..., or the budget's timeout). */
export async function runGuest(opts: GuestOptions): Promise<GuestRun> {
  return titled(runSession(sessionOptions(opts)));
}

/** Runs a guest as runGuest does and records it into the trace file `opts.out`. */
export async function recordGuest(opts: RecordGuestOptions): Promise<GuestRecording> {
  return titled(await recordSession({ ...sessionOptions(opts), out: opts.out, embed: opts.embed }));
}

/**
 * Re-executes a recorded trace, checking every event; `status` is `match`, `diverged` (see
 * `divergence`) or `end-of-trace` (the recording was cut short). The result's `reader` is open:
 * close it when done.
 */
export async function replayTrace(tracePath: string, opts: ReplayOptions = {}): Promise<TraceReplay> {
  const r = await replaySession(tracePath, opts);
  return { ...r, crash: crashTitleForRun(r.outcome, r.console.text(), r.symbols) };
}

/**
 * Opens a trace for reading: `header`, `outcome`, `eventCount`, `events()` (a generator over
 * every event), `chunks`, `recovery` (what was lost if it was cut short), `close()`.
 */
export async function openTrace(tracePath: string): Promise<TraceReader> {
  await initZstd();
  return TraceReader.open(tracePath);
}
