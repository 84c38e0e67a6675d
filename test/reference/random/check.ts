/**
 * Checks our CPU against the random fixture: rebuilds each case from its seed, runs it in the
 * emulator, and compares the digest of the result with the native one. Mismatching cases are
 * kept for the report; when the native harness runs on this machine (x86 Linux), they are run
 * natively again so the report can show the expected state field by field.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseBuilder } from './cases.js';
import type { Planned } from './catalog.js';
import { RIN_SIZE, ROUT_SIZE } from './env.js';
import type { RandomFixture } from './fixture.js';
import { describeInput, differences, digest, fmix, fold16, inputHash, mix, Outcome, readNative, statusText, writeNative } from './outcome.js';
import type { RandomRunner } from './runner.js';

export interface Mismatch {
  row: Planned;
  k: number;
  /** What our CPU did (a copy). */
  got: Outcome;
}

export interface CheckResult {
  cases: number;
  mismatches: Mismatch[];
  /** Mismatches beyond those kept (per row, only the first few are kept). */
  mismatchCount: number;
  /** Row slices whose regenerated inputs differ from the generator's (the fixture is stale). */
  staleSlices: string[];
  /** Row slices whose 32-bit digests differ although every 16-bit digest matched. */
  hiddenSlices: string[];
}

const KEEP_PER_ROW = 3;

/** Runs slices `residues` of each row in `rows` (the row's index in the fixture is looked up by key). */
export function checkRows(fx: RandomFixture, rows: readonly Planned[], residues: readonly number[], runner: RandomRunner): CheckResult {
  const index = new Map(fx.header.rows.map((r, i) => [r.key, i]));
  const R = fx.header.residues;
  const builder = new CaseBuilder();
  const out = new Outcome();
  const res: CheckResult = { cases: 0, mismatches: [], mismatchCount: 0, staleSlices: [], hiddenSlices: [] };
  for (const p of rows) {
    const i = index.get(p.ref.key);
    if (i === undefined) continue; // reported by the coverage test
    const count = fx.header.rows[i]!.count; // (a changed count is reported by the coverage test too)
    const start = fx.rowStart[i]!;
    let kept = 0;
    for (const j of residues) {
      let hIn = i, hOut = i, bad = 0;
      for (let k = j; k < count; k += R) {
        const c = builder.build(p, k);
        hIn = inputHash(hIn, c);
        runner.run(c, out);
        res.cases++;
        const d = out.problem ? 0 : digest(c, out);
        hOut = mix(hOut, d);
        if (out.problem || fold16(d) !== fx.digest16[start + k]) {
          bad++;
          res.mismatchCount++;
          if (kept < KEEP_PER_ROW) {
            const got = new Outcome();
            got.copyFrom(out);
            res.mismatches.push({ row: p, k, got });
            kept++;
          }
        }
      }
      const slot = (i * R + j) * 2;
      if (fmix(hIn) !== fx.slices[slot]) res.staleSlices.push(`${p.ref.key} slice ${j}`);
      else if (bad === 0 && fmix(hOut) !== fx.slices[slot + 1]) res.hiddenSlices.push(`${p.ref.key} slice ${j}`);
    }
  }
  return res;
}

/** The native harness, if it runs here (x86 Linux with 32-bit support). */
export function nativeHarness(): string | null {
  const path = new URL('../native/krand', import.meta.url).pathname;
  if (!existsSync(path) || process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'ia32')) return null;
  const p = spawnSync(path, ['--env'], { encoding: 'utf8' });
  return p.status === 0 ? path : null;
}

/**
 * A readable report of mismatches: for each, the case's input and, when the native harness runs
 * here, the differences field by field (expected = native now, got = ours); otherwise what our
 * CPU did.
 */
export function describeMismatches(fx: RandomFixture, ms: readonly Mismatch[], limit = 40): string {
  const shown = ms.slice(0, limit);
  const builder = new CaseBuilder();
  const krand = nativeHarness();
  const natives: Outcome[] = [];
  if (krand && shown.length) {
    const dir = mkdtempSync(join(tmpdir(), 'krand-'));
    try {
      const buf = Buffer.alloc(shown.length * RIN_SIZE);
      shown.forEach((m, n) => writeNative(builder.build(m.row, m.k), buf, n * RIN_SIZE));
      writeFileSync(join(dir, 'in'), buf);
      const p = spawnSync(krand, [join(dir, 'in'), join(dir, 'out')]);
      if (p.status === 0) {
        const o = readFileSync(join(dir, 'out'));
        shown.forEach((_, n) => { const x = new Outcome(); readNative(o, n * ROUT_SIZE, x); natives.push(x); });
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }
  const index = new Map(fx.header.rows.map((r, i) => [r.key, i]));
  const lines: string[] = [];
  shown.forEach((m, n) => {
    const c = builder.build(m.row, m.k);
    lines.push(`${m.row.ref.key} case ${m.k}: ${describeInput(c)}`);
    const nat = natives[n];
    if (nat) {
      const stored = fx.digest16[fx.rowStart[index.get(m.row.ref.key)!]! + m.k];
      const same = !nat.problem && fold16(digest(c, nat)) === stored;
      const diffs = differences(c, nat, m.got);
      lines.push(`    native now${same ? '' : ' (NOT the fixture\'s result: this CPU differs from the one that made it)'}: ${statusText(nat)}; ours: ${statusText(m.got)}`);
      for (const d of diffs.length ? diffs : ['(no difference within the SDM masks: a 16-bit digest collision?)']) lines.push(`    ${d}`);
    } else {
      lines.push(`    ours: ${statusText(m.got)}; regs ${Array.from(m.got.regs, (v) => v.toString(16)).join(' ')} eflags ${m.got.eflags.toString(16)} (run on x86 Linux to see the native result)`);
    }
  });
  if (ms.length > limit) lines.push(`... ${ms.length - limit} more`);
  return lines.join('\n');
}
