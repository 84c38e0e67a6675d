#!/usr/bin/env node
/**
 * `npm run bench`: speed is measured here, never asserted in tests (house rule 3). Prints tables:
 * guest MIPS of plain runs (and QEMU on the same guest in the same run when it is installed),
 * then record overhead, replay speed and trace density on a CPU-bound and a port-heavy guest.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { recordGuest } from '../harness/record.js';
import { replayTrace } from '../harness/replay.js';
import { seekTrace } from '../harness/seek.js';
import { bisectWatch } from '../harness/bisect-time.js';
import { TraceReader } from '../trace/reader.js';
import { SymbolTable } from '../loader/index.js';
import { runGuest, type RunOptions } from '../harness/run.js';
import { findQemu, timeQemu, timeQemuLinux } from './qemu.js';
import { formatTable, median } from './table.js';

const args = await yargs(hideBin(process.argv))
  .option('runs', { type: 'number', default: 3, describe: 'repetitions per measurement (the median is reported)' })
  .option('n', { type: 'number', default: 280, describe: 'compute rounds (280 = about 1e9 instructions)' })
  .option('qemu', { type: 'boolean', default: true, describe: 'compare with qemu-system-i386 when installed' })
  .strict()
  .parseAsync();

const fmt = (x: number, d = 1): string => x.toFixed(d);
const file = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
const tmp = mkdtempSync(join(tmpdir(), 'kreplay-bench-'));
// The traces it records are only measured (sizes, seek, bisect): gone when the bench ends, however it ends.
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Median wall seconds of `runs` calls of f, and f's last result. */
async function timed<T>(f: () => T | Promise<T>): Promise<{ secs: number; result: T }> {
  const secs: number[] = [];
  let result: T | undefined;
  for (let k = 0; k < args.runs; k++) {
    const t0 = performance.now();
    result = await f();
    secs.push((performance.now() - t0) / 1000);
  }
  return { secs: median(secs), result: result! };
}

// ---- 1. guest speed: our interpreter vs QEMU on compute -----------------------------------------
const COMPUTE = 'guests/compute/compute.elf';
const computeOpts: RunOptions = { image: file(COMPUTE), cmdline: `n=${args.n}` };
const plain = await timed(() => runGuest(computeOpts));
const icount = plain.result.outcome.icount;
const ourMips = icount / plain.secs / 1e6;
const speedRows = [['kreplay run (interpreter)', `${icount}`, fmt(plain.secs, 2), fmt(ourMips), '1.000']];
const jitted = await timed(() => runGuest({ ...computeOpts, jit: true }));
speedRows.push(['kreplay run --jit (compiled blocks)', `${icount}`, fmt(jitted.secs, 2), fmt(icount / jitted.secs / 1e6), fmt(icount / jitted.secs / 1e6 / ourMips, 3)]);
const qemu = args.qemu ? findQemu() : null;
if (qemu !== null) {
  for (const icountMode of [false, true]) {
    // Subtract QEMU's own start-up (firmware, loading) measured with n=0.
    const base = median(Array.from({ length: args.runs }, () => timeQemu(qemu, COMPUTE, 'n=0', icountMode)));
    const full = median(Array.from({ length: args.runs }, () => timeQemu(qemu, COMPUTE, `n=${args.n}`, icountMode)));
    const work = Math.max(full - base, 1e-3);
    const mips = icount / work / 1e6;
    speedRows.push([`qemu-system-i386 TCG${icountMode ? ' -icount shift=0' : ''}`, `${icount}`, fmt(work, 2), fmt(mips), fmt(ourMips / mips, 3)]);
  }
} else {
  speedRows.push(['qemu-system-i386', 'not installed', '', '', '']);
}
process.stdout.write(`guest speed: ${COMPUTE} n=${args.n}, median of ${args.runs} runs\n\n`);
process.stdout.write(`${formatTable(['engine', 'instructions', 'seconds', 'guest MIPS', 'kreplay/engine'], speedRows)}\n\n`);

// ---- 2. record / replay on a CPU-bound and a port-heavy guest ------------------------------------
interface Workload {
  name: string;
  opts: RunOptions;
}
const workloads: Workload[] = [
  { name: `compute n=${args.n}`, opts: computeOpts },
  // Port-heavy: echo polls the UART status register for every byte it prints, and takes an
  // interrupt for every byte it receives.
  { name: 'echo, 14 KB of input', opts: { image: file('guests/echo/echo.elf'), serialIn: file('test/fixtures/guests/echo-long.txt') } },
];
const rows: string[][] = [];
const tracesByWorkload = new Map<string, string>();
for (const w of workloads) {
  const run = w.opts === computeOpts ? plain : await timed(() => runGuest(w.opts));
  const out = join(tmp, `${w.name.replace(/\W+/g, '-')}.zst`);
  const rec = await timed(() => recordGuest({ ...w.opts, out }));
  tracesByWorkload.set(w.name, out);
  const rep = await timed(() => replayTrace(out));
  if (rep.result.status !== 'match') throw new Error(`${w.name}: replay ${rep.result.status}`);
  const bytes = statSync(out).size;
  const chunkBytes = rep.result.reader.chunks.reduce((s, c) => s + c.length, 0);
  const events = rec.result.events;
  const insns = rec.result.outcome.icount;
  rows.push([
    w.name, `${insns}`, `${events}`,
    fmt(run.secs, 2), fmt(rec.secs, 2), `${fmt((rec.secs / run.secs - 1) * 100)} %`,
    fmt(rep.secs, 2), fmt(rec.secs / rep.secs, 2),
    `${bytes}`, fmt(chunkBytes / Math.max(1, events), 3), fmt((chunkBytes * 1000) / Math.max(1, insns), 4),
  ]);
}
process.stdout.write(`record and replay, median of ${args.runs} runs (event bytes: chunk frames only, without header and embedded image)\n\n`);
process.stdout.write(`${formatTable(
  ['workload', 'instructions', 'events', 'run s', 'record s', 'overhead', 'replay s', 'replay/record speed', 'trace bytes', 'bytes/event', 'bytes/1000 insns'],
  rows,
)}\n`);

// ---- 3. seeking and time bisection (checkpoints) -------------------------------------------------
const longTrace = tracesByWorkload.get(workloads[0].name)!;
const seekRows: string[][] = [];
{
  // Deterministic "random" targets (xorshift), so every bench run seeks to the same points.
  let x = 0x9e3779b9;
  const targets: number[] = [];
  for (let k = 0; k < 8; k++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    targets.push(Math.floor(((x >>> 0) / 4294967296) * icount));
  }
  const secs: number[] = [];
  for (const t of targets) {
    const t0 = performance.now();
    const s = await seekTrace(longTrace, t);
    secs.push((performance.now() - t0) / 1000);
    if (!s.reached) throw new Error(`seek to ${t} did not arrive`);
  }
  seekRows.push([`seek (replay --to N), ${targets.length} points of ${workloads[0].name}`, `${icount}`, fmt(median(secs), 3), fmt(Math.max(...secs), 3)]);
}
{
  const out = join(tmp, 'corrupt.zst');
  const rec = await recordGuest({ image: file('guests/corrupt/corrupt.elf'), out });
  const b = await timed(() => bisectWatch(out, { label: 'guard', ...resolveGuard(out) }));
  if (b.result.hit === null) throw new Error('bisect time did not find the corrupting write');
  seekRows.push([`bisect time --watch guard:4 on corrupt`, `${rec.outcome.icount}`, fmt(b.secs, 3), '']);
  const ex = await timed(() => bisectWatch(out, { label: 'guard', ...resolveGuard(out) }, { exhaustive: true }));
  seekRows.push([`  the same, --exhaustive (from boot)`, `${rec.outcome.icount}`, fmt(ex.secs, 3), '']);
}
{
  // A watch on a word the compute workload keeps rewriting until its end: the worst case, a
  // search over the whole 1e9-instruction trace that finds the change in the last interval.
  const b = await timed(() => bisectWatch(longTrace, { addr: 0x100000, size: 4, label: 'text' }, {}));
  seekRows.push([`bisect time, no change in ${workloads[0].name} (scan all checkpoints + last interval)`, `${icount}`, fmt(b.secs, 3), '']);
}
process.stdout.write(`\nseeking and time bisection (checkpoint every 50,000,000 instructions), median of ${args.runs} runs\n\n`);
process.stdout.write(`${formatTable(['operation', 'trace instructions', 'seconds (median)', 'seconds (max)'], seekRows)}\n`);

function resolveGuard(trace: string): { addr: number; size: number } {
  const r = TraceReader.open(trace);
  const data = r.symbols();
  r.close();
  const g = data === null ? null : SymbolTable.fromData(data as never).resolve('guard');
  if (g === null) throw new Error('corrupt.elf has no guard symbol');
  return { addr: g.addr, size: 4 };
}

// ---- 4. Linux (when guests/linux/cache is present) ------------------------------------------------
{
  const cache = 'guests/linux/cache';
  const cmdline = 'console=ttyS0 panic=-1 cryptomgr.notests noisapnp';
  if (!existsSync(`${cache}/vmlinux`)) {
    process.stdout.write(`\nLinux: skipped (no ${cache}; run guests/linux/fetch.sh)\n`);
  } else {
    const cases = [
      { name: 'no root (VFS panic)', initrd: undefined as string | undefined },
      { name: 'initramfs sysrq crash', initrd: `${cache}/initramfs-sysrq.cpio` },
      { name: 'initramfs pvpanic', initrd: `${cache}/initramfs-pvpanic.cpio` },
    ].filter((c) => c.initrd === undefined || existsSync(c.initrd));
    const bz = file(`${cache}/bzImage`);
    const vm = file(`${cache}/vmlinux`);
    const linuxRows: string[][] = [];
    for (const c of cases) {
      const initrd = c.initrd === undefined ? undefined : file(c.initrd);
      const t0 = performance.now();
      const r = runGuest({ image: vm, cmdline, machine: { memMiB: 128 }, linux: { setup: bz, initrd } });
      const secs = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      runGuest({ image: vm, cmdline, machine: { memMiB: 128 }, linux: { setup: bz, initrd }, jit: true });
      const jitSecs = (performance.now() - t1) / 1000;
      const row = [c.name, r.outcome.kind, `${r.outcome.icount}`, fmt(secs, 1), fmt(r.outcome.icount / secs / 1e6), fmt(jitSecs, 1)];
      if (qemu !== null) {
        const q = timeQemuLinux(qemu, `${cache}/bzImage`, cmdline, c.initrd);
        row.push(q === null ? 'failed' : fmt(q, 2));
      } else row.push('not installed');
      linuxRows.push(row);
    }
    process.stdout.write(`\nLinux 6.1 (Debian 686) to its panic, one run each (QEMU boots the bzImage with -icount shift=0, firmware and decompression included)\n\n`);
    process.stdout.write(`${formatTable(['case', 'outcome', 'instructions', 'kreplay s', 'MIPS', 'kreplay --jit s', 'qemu -icount s'], linuxRows)}\n`);
  }
}
