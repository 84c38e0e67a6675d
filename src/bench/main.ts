#!/usr/bin/env node
/**
 * `npm run bench`: speed is measured here, never asserted in tests (house rule 3). Prints tables:
 * guest MIPS of plain runs (and QEMU on the same guest in the same run when it is installed),
 * then record overhead, replay speed and trace density on a CPU-bound and a port-heavy guest.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { recordGuest } from '../harness/record.js';
import { replayTrace } from '../harness/replay.js';
import { runGuest, type RunOptions } from '../harness/run.js';
import { findQemu, timeQemu } from './qemu.js';
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
for (const w of workloads) {
  const run = w.opts === computeOpts ? plain : await timed(() => runGuest(w.opts));
  const out = join(tmp, `${w.name.replace(/\W+/g, '-')}.zst`);
  const rec = await timed(() => recordGuest({ ...w.opts, out }));
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
