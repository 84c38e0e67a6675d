import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kreplay, repo } from '../helpers/cli.js';
import { checkXml } from './xml-check.js';

const SUITE = 'test/suite/fixtures/mixed.suite.json';
const dir = mkdtempSync(join(tmpdir(), 'kreplay-suite-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The --json report without its wall-clock fields: what must not depend on --jobs or scheduling. */
function stable(json: string): unknown {
  const r = JSON.parse(json) as { wallMs?: number; cases: { wallMs?: number }[] };
  delete r.wallMs;
  for (const c of r.cases) delete c.wallMs;
  return r;
}

describe('kreplay suite', () => {
  it('prints a table in suite order, explains failures and exits 1 when a case fails', () => {
    const r = kreplay(['suite', SUITE, '--jobs', '3']);
    expect(r.status).toBe(1);
    const table = r.stdout.split('\n\n')[0];
    const rows = table.split('\n').filter((l) => /^(ok|FAIL|ERROR) /.test(l));
    expect(rows.map((l) => l.split(/\s+/)[1])).toEqual([
      'hello', 'panic-timer-should-exit', 'echo-control-chars', 'echo-panic', 'echo-panic-too-late', 'spin', 'not-a-kernel', 'golden-hello',
    ]);
    expect(r.stdout).toMatch(/^FAIL +panic-timer-should-exit +exit 0 +panic +49996896 +kernel panic: timer: tick budget exhausted after 50 ticks +\d+\.\d\ds$/m);
    expect(r.stdout).toMatch(/^FAIL panic-timer-should-exit: expected exit 0, got panic \(kernel panic: timer: tick budget exhausted after 50 ticks\)$/m);
    expect(r.stdout).toMatch(/^FAIL echo-panic-too-late: expected a panic before insn 1000, it happened at insn 5418935$/m);
    expect(r.stdout).toMatch(/^ERROR not-a-kernel: .*echo-long\.txt: not an ELF file/m);
    expect(r.stdout).toMatch(/^mixed: 8 cases: 5 passed, 2 failed, 1 error in [\d.]+s with 3 jobs$/m);
    // Not a terminal: no progress bar.
    expect(r.stderr).toBe('');
  });

  it('--json is identical for any --jobs, but for wall-clock times', () => {
    const one = kreplay(['suite', SUITE, '--json', '--jobs', '1']);
    const four = kreplay(['suite', SUITE, '--json', '--jobs', '4']);
    expect(one.status).toBe(1);
    expect(four.status).toBe(1);
    expect(stable(four.stdout)).toEqual(stable(one.stdout));
    const report = JSON.parse(one.stdout);
    expect(report.summary).toEqual({ ran: 8, passed: 5, failed: 2, errors: 1 });
    expect(report.cases.map((c: { status: string }) => c.status)).toEqual(['pass', 'fail', 'pass', 'pass', 'fail', 'pass', 'error', 'pass']);
    expect(report.cases[1]).toMatchObject({ expected: 'exit 0', actual: 'panic', icount: 49996896, crashType: 'kernel-panic', trace: null });
  });

  it('each case\'s result does not depend on the order of the cases in the file', () => {
    const reversedFile = repo(`test/suite/fixtures/.reversed-${process.pid}.suite.json`);
    const suite = JSON.parse(readFileSync(repo(SUITE), 'utf8')) as { cases: unknown[] };
    writeFileSync(reversedFile, JSON.stringify({ ...suite, cases: [...suite.cases].reverse() }));
    try {
      const byName = (json: string) => Object.fromEntries((stable(json) as { cases: { name: string; index?: number }[] }).cases.map(({ index: _, ...c }) => [c.name, c]));
      const reversed = byName(kreplay(['suite', reversedFile, '--json', '--jobs', '2']).stdout);
      expect(reversed).toEqual(byName(kreplay(['suite', SUITE, '--json', '--jobs', '3']).stdout));
    } finally {
      rmSync(reversedFile, { force: true });
    }
  });

  it('--shard I/N: the shards partition the suite and together give the unsharded results', () => {
    const whole = stable(kreplay(['suite', SUITE, '--json']).stdout) as { cases: { name: string }[] };
    const parts = [1, 2, 3].map((i) => stable(kreplay(['suite', SUITE, '--json', '--shard', `${i}/3`]).stdout) as { shard: string; cases: { name: string; index: number }[] });
    expect(parts.map((p) => p.shard)).toEqual(['1/3', '2/3', '3/3']);
    for (const p of parts) expect(p.cases.length).toBeGreaterThanOrEqual(2);
    const merged = parts.flatMap((p) => p.cases).sort((a, b) => a.index - b.index);
    expect(merged).toEqual(whole.cases);
    // The same shard twice is the same subset.
    expect(stable(kreplay(['suite', SUITE, '--json', '--shard', '2/3']).stdout)).toEqual(parts[1]);
  });

  it('--junit writes valid JUnit XML; the shard files together hold every case once', () => {
    const full = join(dir, 'full.xml');
    expect(kreplay(['suite', SUITE, '--junit', full]).status).toBe(1);
    const xml = readFileSync(full, 'utf8');
    const check = checkXml(xml);
    expect(check.problems).toEqual([]);
    expect(check.elements.slice(0, 2)).toEqual(['testsuites', 'testsuite']);
    expect(check.elements.filter((e) => e === 'testcase')).toHaveLength(8);
    expect(xml).toMatch(/<testsuites name="kreplay suite mixed" tests="8" failures="2" errors="1" skipped="0" time="[\d.]+">/);
    expect(xml).toMatch(/<testcase name="panic-timer-should-exit" classname="kreplay\.mixed" time="[\d.]+">\n {6}<failure message="expected exit 0, got panic at insn 49996896: kernel panic: timer: tick budget exhausted after 50 ticks" type="panic">/);
    expect(xml).toContain('<failure message="expected panic before 1000, got panic at insn 5418935: kernel panic: echo: panic requested by input" type="panic">');
    expect(xml).toMatch(/<error message="[^"]*not an ELF file[^"]*" type="error">/);
    // The guest echoed control characters, markup and Latin-1: escaped, still readable.
    expect(xml).toContain('echo: bell\\x07 escape\\x1b[31m red\\x1b[0m del\x7f &lt;tag&gt; &amp; "quoted" ]]&gt; Ã©tÃ© nul\n');
    const shards = [1, 2].map((i) => {
      const f = join(dir, `shard-${i}.xml`);
      kreplay(['suite', SUITE, '--junit', f, '--shard', `${i}/2`]);
      return readFileSync(f, 'utf8');
    });
    const cases = (x: string): string[] => [...x.matchAll(/<testcase [\s\S]*?(?:\/>|<\/testcase>)/g)].map((m) => m[0].replace(/ time="[\d.]+"/, ''));
    expect(shards.flatMap(cases).sort()).toEqual(cases(xml).sort());
    for (const s of shards) {
      expect(checkXml(s).problems).toEqual([]);
      expect(s).toMatch(/<property name="shard" value="[12]\/2"\/>/);
    }
  });

  it('--keep-traces keeps the failing cases\' traces, which replay to their panic', () => {
    const keep = join(dir, 'kept');
    const r = kreplay(['suite', SUITE, '--json', '--keep-traces', keep]);
    const report = JSON.parse(r.stdout) as { cases: { name: string; status: string; trace: string | null }[] };
    const kept = report.cases.filter((c) => c.trace !== null).map((c) => c.name);
    expect(kept).toEqual(['panic-timer-should-exit', 'echo-panic-too-late']);
    expect(existsSync(join(keep, 'hello.zst'))).toBe(false);
    const replay = kreplay(['replay', join(keep, 'panic-timer-should-exit.zst'), '--until-panic']);
    expect(replay.status).toBe(1);
    expect(replay.stdout).toMatch(/^title: kernel panic: timer: tick budget exhausted after 50 ticks$/m);
  });

  it('draws a progress bar on stderr when it is a terminal', () => {
    // util-linux `script` gives the command a pseudo-terminal; skip where it is missing.
    if (process.platform !== 'linux' || !existsSync('/usr/bin/script')) return;
    const cmd = `${process.execPath} dist/cli/kreplay.js suite ${SUITE} --jobs 2 >/dev/null`;
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: repo('.'), encoding: 'latin1', timeout: 60_000 });
    expect(r.stdout).toMatch(/\r\x1b\[2K\[#{20}\] 8\/8 3 failed \d+s/);
    expect(r.stdout.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('all passing: exit 0', () => {
    const ok = join(dir, 'ok.suite.json');
    writeFileSync(ok, JSON.stringify({ cases: [{ name: 'hello', image: `${process.cwd()}/guests/hello/hello.elf`, expect: { exit: 0 } }] }));
    const r = kreplay(['suite', ok]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok: 1 case: 1 passed, 0 failed, 0 errors/m);
  });

  it.each([
    [['--jobs', '0'], /--jobs must be a positive integer/],
    [['--shard', '3/2'], /--shard 3\/2: expected I\/N/],
    [['--shard', 'x'], /--shard x: expected I\/N/],
  ])('bad flags %j exit 2', (flags, message) => {
    const r = kreplay(['suite', SUITE, ...flags]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
