import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordGuest } from '../../src/harness/record.js';
import { kreplay, repo, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-bisect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(repo(p)));
const corrupt = JSON.parse(readFileSync(repo('guests/corrupt/expected.json'), 'utf8'));
const regress = JSON.parse(readFileSync(repo('guests/regress/expected.json'), 'utf8'));
const regressImages = regress.versions.map((v: { image: string }) => `guests/${v.image}`);
const corruptTrace = join(dir, 'corrupt.zst');

beforeAll(async () => {
  await recordGuest({ image: bytes('guests/corrupt/corrupt.elf'), imageName: 'guests/corrupt/corrupt.elf', out: corruptTrace, checkpointEvery: 20_000_000 });
});

describe('bisect time', () => {
  it('--watch guard:4 names the function that clobbers the guard, with old and new values', () => {
    const r = kreplay(['bisect', 'time', corruptTrace, '--watch', corrupt.watch, '--json']);
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.found).toBe(true);
    // Expected values come from the guest's source (guests/corrupt/expected.json), not our output.
    expect(o.hit.symbol).toMatch(new RegExp(`^${corrupt.writer}\\+`));
    expect(o.hit.old).toBe(corrupt.guard.initial_hex);
    expect(o.hit.new).toBe(corrupt.value_written_hex);
    expect(o.hit.state.backtrace.map((f: { symbol: string }) => f.symbol?.replace(/\+.*/, '')).slice(0, corrupt.writer_backtrace.length)).toEqual(corrupt.writer_backtrace);
    // Checkpoints did the narrowing: far fewer instructions replayed than the trace holds.
    expect(o.search.checkpointsScanned).toBeGreaterThan(5);
    expect(o.search.replayedInsns).toBeLessThan(25_000_000);
    // The exhaustive search from boot finds the same instruction.
    const ex = JSON.parse(kreplay(['bisect', 'time', corruptTrace, '--watch', 'guard', '--exhaustive', '--json']).stdout);
    expect(ex.hit.icount).toBe(o.hit.icount);
    expect(ex.search.startCheckpoint).toBeNull();
    // The tick: 37 PIT periods of 1193 counts at 1.193182 MHz, in 1 ns instructions.
    expect(o.hit.icount / corrupt.pit_period_ns).toBeGreaterThan(corrupt.corrupting_tick - 1);
    expect(o.hit.icount / corrupt.pit_period_ns).toBeLessThan(corrupt.corrupting_tick + 1);
  });

  it('--value finds the first instruction that makes the bytes equal a value', () => {
    const o = JSON.parse(kreplay(['bisect', 'time', corruptTrace, '--watch', 'guard:4', '--value', corrupt.value_written_hex, '--json']).stdout);
    expect(o.hit.new).toBe(corrupt.value_written_hex);
    const none = kreplay(['bisect', 'time', corruptTrace, '--watch', 'guard:4', '--value', '0x12345678']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^bisect time: no instruction sets to 0x12345678 guard/m);
  });

  it('--console finds the first instruction after which a console line matches', () => {
    const r = kreplay(['bisect', 'time', corruptTrace, '--console', 'tick 200$']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^bisect time: the console first matches \/tick 200\$\/ at insn \d+ .* <serial_putc\+0x[0-9a-f]+>$/m);
    expect(r.stdout).toMatch(/^ {2}line: corrupt: tick 200$/m);
  });

  it('bad watch specifications are one-line errors', () => {
    for (const w of ['no_such_symbol:4', 'guard:zero', '::']) {
      const r = kreplay(['bisect', 'time', corruptTrace, '--watch', w]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('replay --to N', () => {
  it('stops at instruction N from the nearest checkpoint and prints the state there', () => {
    const r = kreplay(['replay', corruptTrace, '--to', '123456789']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^at insn 123456789 \(123\.456789 ms\) eip=0x[0-9a-f]{8} </m);
    expect(r.stdout).toMatch(/^EAX=[0-9a-f]{8} /m);
    expect(r.stderr).toMatch(/^replayed 3456789 instructions from checkpoint 6 \(insn 120000000\)$/m);
    const j = JSON.parse(kreplay(['replay', corruptTrace, '--seek', '123456789', '--json']).stdout);
    expect(j.state.icount).toBe(123456789);
    const past = kreplay(['replay', corruptTrace, '--to', '9999999999']);
    expect(past.status).toBe(6);
    expect(past.stderr).toMatch(/^the run ends before insn 9999999999: panic:/m);
  });
});

describe('bisect builds and check', () => {
  it('finds the first bad build in O(log n) runs and prints a git-bisect-style log', () => {
    const r = kreplay(['bisect', 'builds', ...regressImages]);
    expect(r.status).toBe(0);
    const first = regressImages[regress.first_bad - 1];
    expect(r.stdout).toContain(`# first bad build: [${first}] panic:`);
    expect(r.stdout).toContain('one run per build decides it');
    expect(r.stdout).toMatch(/^git bisect start /m);
    const runs = Number(/# (\d+) runs for 8 builds/.exec(r.stdout)![1]);
    expect(runs).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(8)));
    const j = JSON.parse(kreplay(['bisect', 'builds', ...regressImages, '--json']).stdout);
    expect(j.firstBad).toBe(first);
    for (const run of j.runs) {
      const v = regress.versions.find((x: { image: string }) => `guests/${x.image}` === run.image);
      expect(run.verdict).toBe(v.panics ? 'bad' : 'good');
      if (v.panics) expect(run.title).toMatch(/^kernel panic: regress: /);
    }
  });

  it('check exits 0 good, 1 bad, 125 cannot test', () => {
    expect(kreplay(['check', regressImages[0]]).status).toBe(0);
    expect(kreplay(['check', regressImages[7]]).status).toBe(1);
    expect(kreplay(['check', regressImages[7], '--expect', 'panic']).status).toBe(0);
    expect(kreplay(['check', regressImages[0], '--expect', 'exit:0']).status).toBe(0);
    expect(kreplay(['check', regressImages[7], '--expect', 'title:regress']).status).toBe(1);
    expect(kreplay(['check', regressImages[7], '--expect', 'title:something else']).status).toBe(0);
    expect(kreplay(['check', 'guests/outcomes/outcomes.elf', '--append', 'mode=sse']).status).toBe(125);
    expect(kreplay(['check', 'README.md']).status).toBe(125);
  });

  it('git bisect run kreplay check finds the first bad commit', () => {
    const git = spawnSync('git', ['--version']);
    if (git.status !== 0) return;
    const repoDir = join(dir, 'history');
    const shas = execFileSync('sh', [repo('guests/regress/make-git-history.sh'), repoDir], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split(' '));
    const run = (args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repoDir, encoding: 'utf8' });
    run(['bisect', 'start', 'v8', 'v1']);
    const out = run(['bisect', 'run', process.execPath, join(ROOT, 'dist/cli/kreplay.js'), 'check', 'kernel.elf']);
    const firstBadSha = shas.find(([v]) => v === `v${regress.first_bad}`)![1];
    expect(out).toContain(`${firstBadSha} is the first bad commit`);
  });
});

describe('diff', () => {
  it('names the first differing event of two builds, with each trace\'s symbols', async () => {
    const a = join(dir, 'v5.zst'), b = join(dir, 'v6.zst');
    await recordGuest({ image: bytes(regressImages[4]), out: a });
    await recordGuest({ image: bytes(regressImages[5]), out: b });
    const r = kreplay(['diff', a, b, '--json']);
    expect(r.status).toBe(1);
    const o = JSON.parse(r.stdout);
    expect(o.identical).toBe(false);
    expect(o.commonPrefix).toBeGreaterThan(0);
    expect(o.headerDifferences.some((h: string) => h.startsWith('image.sha256'))).toBe(true);
    const same = kreplay(['diff', 'traces/panic-timer.zst', 'traces/panic-timer.zst']);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/^the traces have the same \d+ events$/m);
  });
});
