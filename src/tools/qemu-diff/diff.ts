/**
 * One differential run: QEMU and our CPU execute the same guest, compared instruction by
 * instruction from the sync point (the kernel's entry point unless told otherwise) until the first
 * mismatch, the end of QEMU's run, or the instruction bound. See docs/qemu-diff.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImageFile } from '../../loader/index.js';
import type { SymbolTable } from '../../loader/index.js';
import { qemuCpuOption } from './cpu-model.js';
import { GdbRemote } from './gdb-remote.js';
import { Lockstep, type EndReason, type HistoryEntry, type LockstepStats } from './lockstep.js';
import { OurSide, type PortAccess } from './our-side.js';
import { launchQemu, type QemuProcess } from './qemu-launcher.js';
import { QemuLogParser, type QRecord } from './qemu-log.js';

export interface QemuDiffOptions {
  /** Path of the kernel image (multiboot ELF or a.out kludge), as QEMU's -kernel takes it. */
  image: string;
  /** Kernel command line (QEMU -append). */
  append?: string;
  /** Bytes for COM1 (QEMU reads them from its stdin). */
  serialIn?: Uint8Array;
  /** Stop after comparing this many instructions (default DEFAULT_MAX_INSNS). */
  maxInsns?: number;
  /** Guest RAM in MiB, the same on both sides (default 32). */
  memMiB?: number;
  /** Sync point: an address or an ELF symbol (default: the kernel's entry point). */
  start?: number | string;
  /** qemu-system-i386 binary. */
  qemuBin: string;
  /** QEMU's -cpu option (default: our CPUID identity, see cpu-model.ts). */
  qemuCpu?: string;
  /** QEMU counts as idle after this long without a log record, and is stopped (default 3000 ms). */
  stallMs?: number;
  /** Wall-time limit of the whole run (default 10 minutes). */
  timeoutMs?: number;
  /** Called about once a second with the running counts. */
  onProgress?: (stats: LockstepStats) => void;
}

export type DiffEnd = EndReason | { kind: 'timeout' } | { kind: 'error'; message: string };

export interface QemuDiffResult {
  image: string;
  append: string;
  end: DiffEnd;
  stats: LockstepStats;
  /** Wall time from QEMU's start to the end, and of the lockstep part alone. */
  elapsedMs: number;
  lockstepMs: number;
  /** Linear address where both sides were synchronised. */
  syncEip: number;
  /** QEMU's exit status if it exited on its own (isa-debug-exit: (code << 1) | 1), else null. */
  qemuStatus: number | null;
  /** QEMU stopped because its log went quiet (an idle guest). */
  qemuIdle: boolean;
  /** Undefined-flag differences adopted from QEMU, by instruction and flags. */
  undefinedKinds: Record<string, number>;
  /** CPUID results where QEMU differed from our identity (QEMU's values were used). */
  cpuidNotes: string[];
  /** The guest's last isa-debug-exit or pvpanic write, if any. */
  guestSignal: string | null;
  /** COM1 output: QEMU's, and what our CPU wrote to port 0x3F8. */
  qemuConsole: string;
  ourConsole: string;
  history: HistoryEntry[];
  ports: PortAccess[];
  symbols: SymbolTable | null;
  /** QEMU log lines the parser did not understand (diagnostics). */
  unknownLogLines: string[];
  /** Up to 15 code bytes at a linear address in our guest memory as it is now (for reports). */
  readCode: (eip: number) => number[];
}

export const DEFAULT_MAX_INSNS = 2_000_000;

function resolveStart(ours: OurSide, start: number | string | undefined): number {
  if (start === undefined) return ours.entry;
  if (typeof start === 'number') return start >>> 0;
  if (/^0x[0-9a-f]+$/i.test(start)) return parseInt(start.slice(2), 16) >>> 0;
  const sym = ours.symbols?.resolve(start) ?? null;
  if (sym === null) throw new Error(`no symbol '${start}' in the image (give an address or a symbol name)`);
  return sym.addr >>> 0;
}

export async function runQemuDiff(o: QemuDiffOptions): Promise<QemuDiffResult> {
  const t0 = performance.now();
  const memMiB = o.memMiB ?? 32;
  const append = o.append ?? '';
  const image = readImageFile(o.image);
  const ours = new OurSide(image, o.image, append, memMiB);
  const syncEip = resolveStart(ours, o.start);
  const qemu = launchQemu({ bin: o.qemuBin, image: o.image, append, memMiB, serialIn: o.serialIn ?? null, cpu: o.qemuCpu ?? qemuCpuOption() });
  const conn: { gdb: GdbRemote | null } = { gdb: null };
  let ram: Uint8Array | null = null;
  const lockstep = new Lockstep(ours, () => ram!, o.maxInsns ?? DEFAULT_MAX_INSNS);
  const parser = new QemuLogParser();
  let end: DiffEnd | null = null;
  let qemuIdle = false;
  let lockstepStart = t0;
  let qemuStatus: number | null = null;
  qemu.exited.then((s) => {
    qemuStatus = s;
  });
  const setupMs = Math.min(o.timeoutMs ?? 600_000, 120_000);
  let setupDone = (): void => {};
  try {
    const qemuDied = qemu.exited.then((s) => {
      throw new Error(`QEMU exited (status ${s}) before reaching the sync point: ${Buffer.concat(qemu.stderr).toString().trim()}`);
    });
    qemuDied.catch(() => {});
    const setup = async (): Promise<void> => {
      const gdb = await GdbRemote.connect(qemu.gdbSocket, 20_000);
      conn.gdb = gdb;
      await gdb.breakpoint(syncEip, true);
      const stop = await gdb.continueToStop(setupMs);
      if (!stop.startsWith('T') && !stop.startsWith('S')) throw new Error(`QEMU did not stop at 0x${syncEip.toString(16)}: '${stop}'`);
      await gdb.breakpoint(syncEip, false);
      const ramFile = join(qemu.dir, 'ram.bin');
      await gdb.monitor(`pmemsave 0 ${memMiB * 1024 * 1024} "${ramFile}"`);
      const bytes = readFileSync(ramFile);
      ram = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = await gdb.monitor('log cpu,int');
      if (out.trim() !== '') throw new Error(`QEMU's 'log cpu,int' said: ${out.trim()}`);
    };
    const setupLimit = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`QEMU did not reach the sync point 0x${syncEip.toString(16)} within ${Math.round(setupMs / 1000)} s`)), setupMs);
      qemu.exited.then(() => clearTimeout(t), () => clearTimeout(t));
      setupDone = () => clearTimeout(t);
    });
    setupLimit.catch(() => {});
    await Promise.race([setup(), qemuDied, setupLimit]);
    setupDone();
    lockstepStart = performance.now();
    end = await stream(qemu, conn.gdb!, parser, lockstep, o, () => {
      qemuIdle = true;
    });
  } catch (e) {
    let message = (e as Error).message;
    if (ram === null) {
      // Before the sync point: if QEMU is gone, say so rather than how the connection broke.
      const status = await Promise.race([qemu.exited, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      if (status !== null) message = `QEMU exited (status ${status}) before reaching the sync point 0x${syncEip.toString(16)}${Buffer.concat(qemu.stderr).length > 0 ? `: ${Buffer.concat(qemu.stderr).toString().trim()}` : ''}`;
    }
    end = { kind: 'error', message };
  } finally {
    setupDone();
    conn.gdb?.close();
    // Give QEMU a moment to report its own exit (debug-exit), then make sure it is gone.
    if (qemuStatus === null && end?.kind === 'qemu-ended' && !qemuIdle) {
      await Promise.race([qemu.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    qemu.kill();
  }
  const t1 = performance.now();
  return {
    image: o.image,
    append,
    end: end ?? { kind: 'error', message: 'no result' },
    stats: lockstep.stats,
    elapsedMs: t1 - t0,
    lockstepMs: t1 - lockstepStart,
    syncEip,
    qemuStatus: qemuIdle ? null : qemuStatus,
    qemuIdle,
    guestSignal: lockstep.guestSignal,
    cpuidNotes: lockstep.cpuidNotes,
    undefinedKinds: Object.fromEntries([...lockstep.undefinedKinds].sort((a, b) => b[1] - a[1])),
    qemuConsole: Buffer.concat(qemu.console).toString('latin1'),
    ourConsole: Buffer.from(lockstep.console).toString('latin1'),
    history: lockstep.history.slice(-32),
    ports: lockstep.ports.slice(-32),
    symbols: ours.symbols,
    unknownLogLines: parser.unknown,
    readCode: (eip) => ours.codeBytes(eip),
  };
}

/** Lets QEMU run and feeds its log to the lockstep until it ends, QEMU goes idle, or time is up. */
function stream(qemu: QemuProcess, gdb: GdbRemote, parser: QemuLogParser, lockstep: Lockstep, o: QemuDiffOptions, onIdle: () => void): Promise<DiffEnd> {
  const stallMs = o.stallMs ?? 3000;
  const timeoutMs = o.timeoutMs ?? 600_000;
  const started = Date.now();
  return new Promise<DiffEnd>((resolve) => {
    let lastData = Date.now();
    let done = false;
    const records: QRecord[] = [];
    const finish = (r: DiffEnd): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      log.removeAllListeners('data');
      log.pause();
      resolve(r);
    };
    const log = qemu.openLog();
    const timer = setInterval(() => {
      o.onProgress?.(lockstep.stats);
      const now = Date.now();
      if (now - started > timeoutMs) {
        finish({ kind: 'timeout' });
      } else if (now - lastData > stallMs && qemu.proc.exitCode === null) {
        // QEMU logged nothing for a while: the guest is idle (e.g. HLT with nothing to wake it).
        // Stopping QEMU closes the log, and the lockstep finishes with what it has.
        onIdle();
        qemu.proc.kill('SIGKILL');
      }
    }, 250);
    log.on('data', (chunk: Buffer | string) => {
      if (done) return;
      records.length = 0;
      parser.feed(typeof chunk === 'string' ? chunk : chunk.toString('latin1'), records);
      lockstep.feed(records);
      lastData = Date.now();
      if (!lockstep.running) finish(lockstep.result!);
    });
    log.on('end', () => {
      if (done) return;
      lockstep.finish();
      finish(lockstep.result!);
    });
    log.on('error', (e) => finish({ kind: 'error', message: `reading QEMU's log: ${e.message}` }));
    gdb.post('c');
  });
}
