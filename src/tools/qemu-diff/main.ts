#!/usr/bin/env node
/**
 * `npm run diff:qemu -- [options] IMAGE` (or `--all`): runs a guest in QEMU and in our emulator in
 * lockstep and reports the first instruction after which their architectural states differ.
 * Exit status: 0 every run passed, 1 a mismatch, an error or an unexpected end, 2 usage error
 * or no QEMU.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_INSNS, runQemuDiff, type QemuDiffResult } from './diff.js';
import { bundledGuestRuns, type GuestRun } from './guests.js';
import { findQemuBinary } from './qemu-launcher.js';
import { formatReport, passed, reportJson } from './report.js';

const USAGE = `usage: npm run diff:qemu -- [options] IMAGE
       npm run diff:qemu -- --all [--only NAME]
Runs IMAGE in QEMU (the reference) and in kreplay's CPU, comparing the architectural state after
every instruction from the kernel's entry point; reports the first mismatch.
  -a, --append STR      kernel command line (QEMU -append)
      --serial-in FILE  bytes for COM1
      --max-insns N     compare at most N instructions (default ${DEFAULT_MAX_INSNS})
      --start ADDR|SYM  sync point (default: the entry point)
      --mem MIB         guest RAM on both sides (default 32)
      --stall-ms MS     QEMU counts as idle after MS without output (default 3000)
      --timeout SECS    wall-time limit per run (default 600)
      --json            print the result(s) as JSON
      --all             run every bundled guest (guests/), as guests/test-qemu.sh does
      --only NAME       with --all: just the runs whose name contains NAME
  -q, --quiet           no progress line
QEMU_BIN overrides the QEMU binary (default qemu-system-i386).`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        append: { type: 'string', short: 'a' },
        'serial-in': { type: 'string' },
        'max-insns': { type: 'string' },
        start: { type: 'string' },
        mem: { type: 'string' },
        'stall-ms': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        only: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const num = (s: string | undefined, name: string): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${s}`);
    return n;
  };
  const qemuBin = findQemuBinary();
  if (qemuBin === null) {
    process.stderr.write('diff:qemu: qemu-system-i386 is not installed (apt-get install qemu-system-x86), or set QEMU_BIN\n');
    return 2;
  }
  let runs: GuestRun[];
  let base: string;
  if (v.all) {
    runs = bundledGuestRuns(root).filter((r) => v.only === undefined || r.name.includes(v.only));
    base = root;
  } else {
    if (args.positionals.length !== 1) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const maxInsns = num(v['max-insns'], 'max-insns');
    runs = [{
      name: args.positionals[0], image: args.positionals[0], append: v.append,
      serialIn: v['serial-in'] === undefined ? undefined : readFileSync(v['serial-in'], 'latin1'),
      ...(maxInsns === undefined ? {} : { maxInsns }),
    }];
    base = process.cwd();
  }
  const results: { run: GuestRun; result: QemuDiffResult; ok: boolean }[] = [];
  for (const run of runs) {
    const progress = v.quiet || v.json || !process.stderr.isTTY ? undefined : (s: { insns: number }) => {
      process.stderr.write(`\r${run.name}: ${s.insns.toLocaleString('en-US')} instructions compared`);
    };
    const result = await runQemuDiff({
      image: resolve(base, run.image),
      append: run.append,
      serialIn: run.serialIn === undefined ? undefined : Buffer.from(run.serialIn, 'latin1'),
      maxInsns: v.all ? (num(v['max-insns'], 'max-insns') ?? run.maxInsns) : run.maxInsns,
      memMiB: num(v.mem, 'mem'),
      start: v.start,
      qemuBin,
      stallMs: num(v['stall-ms'], 'stall-ms'),
      timeoutMs: (num(v.timeout, 'timeout') ?? 600) * 1000,
      onProgress: progress,
    });
    if (progress) process.stderr.write('\r\x1b[K');
    // Report paths as given (relative), not as resolved.
    result.image = run.image;
    const ok = run.expectMismatch === undefined
      ? passed(result.end)
      : result.end.kind === 'mismatch' && result.end.mismatch.what.includes(run.expectMismatch);
    results.push({ run, result, ok });
    if (!v.json) {
      const report = formatReport(result);
      process.stdout.write(run.expectMismatch !== undefined && ok ? report.replace(/\n/, `\n  (expected: a known difference, see docs/qemu-diff.md)\n`) : report);
      if (v.all) process.stdout.write('\n');
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  if (v.json) {
    const data = results.map((r) => ({ name: r.run.name, ok: r.ok, ...(reportJson(r.result) as object) }));
    process.stdout.write(`${JSON.stringify(v.all ? data : data[0], null, 2)}\n`);
  } else if (v.all) {
    process.stdout.write(`qemu-diff: ${results.length - failed} passed, ${failed} failed\n`);
  }
  return failed === 0 ? 0 : 1;
}

// Ctrl-C or a kill: exit normally, so the launcher's exit hook stops QEMU and removes its files.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`diff:qemu: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
