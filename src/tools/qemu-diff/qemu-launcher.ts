/**
 * Starts QEMU (TCG) for a differential run: stopped at reset with its gdbstub on a Unix socket,
 * deterministic icount timing, one guest instruction per translation block, and its log file a
 * FIFO that the diff tool reads as QEMU writes it. Devices as guests/run-qemu.sh has them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface QemuLaunchOptions {
  /** qemu-system-i386 (or QEMU_BIN). */
  bin: string;
  image: string;
  append: string;
  memMiB: number;
  /** Bytes fed to COM1 (QEMU's stdin). */
  serialIn: Uint8Array | null;
  /** QEMU's -cpu option (see cpu-model.ts). */
  cpu: string;
}

export interface QemuProcess {
  proc: ChildProcess;
  dir: string;
  gdbSocket: string;
  /**
   * The log FIFO as a stream. Call once QEMU has opened its end (it does so at start-up, before
   * its gdbstub listens): before that, the FIFO would read as ended.
   */
  openLog(): net.Socket;
  /** What the guest wrote to COM1. */
  console: Buffer[];
  /** QEMU's stderr (its own diagnostics). */
  stderr: Buffer[];
  /** Resolves with QEMU's exit status (or 128 + signal). */
  exited: Promise<number>;
  kill(): void;
}

/** Runs not yet cleaned up, killed if this process exits first (a test runner giving up, Ctrl-C). */
const live = new Set<QemuProcess>();
let exitHookInstalled = false;
function track(q: QemuProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) p.kill();
    });
  }
  live.add(q);
}

/** The QEMU binary to use (QEMU_BIN overrides), or null if it is not installed. */
export function findQemuBinary(): string | null {
  const bin = process.env.QEMU_BIN ?? 'qemu-system-i386';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? bin : null;
}

/** QEMU's version as [major, minor] (from `--version`). */
export function qemuVersion(bin: string): [number, number] {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /version (\d+)\.(\d+)/.exec(r.stdout ?? '');
  if (m === null) throw new Error(`cannot tell the version of ${bin}: '${(r.stdout ?? '').trim()}'`);
  return [Number(m[1]), Number(m[2])];
}

/** The options that make every translation block one guest instruction. */
function oneInsnPerTb(version: [number, number]): string[] {
  // -singlestep was renamed to the TCG accelerator property one-insn-per-tb in QEMU 8.1.
  const [major, minor] = version;
  return major > 8 || (major === 8 && minor >= 1) ? ['-accel', 'tcg,one-insn-per-tb=on'] : ['-accel', 'tcg', '-singlestep'];
}

export function launchQemu(o: QemuLaunchOptions): QemuProcess {
  const dir = mkdtempSync(join(tmpdir(), 'kreplay-qemu-diff-'));
  const gdbSocket = join(dir, 'gdb.sock');
  const fifo = join(dir, 'cpu.log');
  const mk = spawnSync('mkfifo', [fifo]);
  if (mk.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mkfifo ${fifo} failed: ${mk.stderr?.toString() ?? ''}`);
  }
  // QEMU opens the -D file at start-up, and opening a FIFO for writing waits for a reader: open
  // the reading end first, non-blocking. It is read as a pipe stream (epoll, not the thread pool).
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  let log: net.Socket | null = null;
  const args = [
    '-kernel', o.image,
    '-m', String(o.memMiB),
    '-cpu', o.cpu,
    '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-chardev', 'stdio,id=com1', '-serial', 'chardev:com1',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-device', 'pvpanic',
    '-action', 'panic=exit-failure',
    '-icount', 'shift=0,sleep=off',
    ...oneInsnPerTb(qemuVersion(o.bin)),
    '-D', fifo,
    '-chardev', `socket,id=gdb0,path=${gdbSocket},server=on,wait=off`,
    '-gdb', 'chardev:gdb0',
    '-S',
  ];
  if (o.append !== '') args.push('-append', o.append);
  const proc = spawn(o.bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const consoleOut: Buffer[] = [];
  const stderr: Buffer[] = [];
  proc.stdout!.on('data', (d: Buffer) => consoleOut.push(d));
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d));
  proc.stdin!.on('error', () => {});
  if (o.serialIn !== null && o.serialIn.length > 0) proc.stdin!.write(o.serialIn);
  proc.stdin!.end();
  const exited = new Promise<number>((resolve) => {
    proc.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
    proc.on('error', () => resolve(-1));
  });
  let killed = false;
  const q: QemuProcess = {
    proc, dir, gdbSocket, console: consoleOut, stderr, exited,
    openLog() {
      if (log === null) log = new net.Socket({ fd, readable: true, writable: false });
      return log;
    },
    kill() {
      if (killed) return;
      killed = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      if (log !== null) log.destroy();
      else closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
      live.delete(q);
    },
  };
  track(q);
  return q;
}
