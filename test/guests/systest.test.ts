import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kreplay, repo, type CliResult } from '../helpers/cli.js';

// guests/systest prints one line per CPU check ("systest NN: <title>: <values>"). The expected
// lines are QEMU's (guests/systest/expected-qemu.txt, made by `make -C guests expected`), except
// where guests/systest/expected-overrides.json records that QEMU does not follow the
// architecture (checked on hardware, or the SDM's wording). Nothing here comes from our output.

const IMAGE = 'guests/systest/systest.elf';
const CHECK = /^systest (\d+): (.*?): (.*)$/;

interface Override { title: string; qemu: string; expected: string; source: string; why: string }
interface Expected { no: number | null; title: string; line: string; qemuLine: string; override: Override | null }

const overrides: Override[] = JSON.parse(readFileSync(repo('guests/systest/expected-overrides.json'), 'utf8')).overrides;
const qemuLines = readFileSync(repo('guests/systest/expected-qemu.txt'), 'latin1').split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);

const expected: Expected[] = qemuLines.map((qemuLine) => {
  const m = CHECK.exec(qemuLine);
  if (m === null) return { no: null, title: qemuLine, line: qemuLine, qemuLine, override: null };
  const override = overrides.find((o) => o.title === m[2]) ?? null;
  const line = override === null ? qemuLine : `systest ${m[1]}: ${m[2]}: ${override.expected}`;
  return { no: Number(m[1]), title: m[2], line, qemuLine, override };
});

/** The outcome line kreplay printed on stderr. */
function outcomeLine(r: CliResult): string {
  return r.stderr.split('\n').find((l) => /^[a-z-]+: /.test(l)) ?? r.stderr.trim();
}

/**
 * Runs systest in our emulator. When a check stops the run (an `unsupported` instruction, a
 * triple fault, ...), the run is repeated with that check skipped (the guest's skip=N,M) so the
 * checks after it are still compared; `blocked` says what stopped each skipped one.
 */
function runOurs(): { first: CliResult; lines: Map<number, string>; extra: string[]; blocked: Map<number, string> } {
  const blocked = new Map<number, string>();
  const first = kreplay(['run', IMAGE], { timeoutMs: 120_000 });
  let r = first;
  for (let attempt = 0; attempt < 20 && r.status !== 0 && !r.stdout.includes('systest: done\n'); attempt++) {
    // The last check that started is the one the run ended in.
    const started = [...r.stdout.matchAll(/^systest (\d+): /gm)].at(-1);
    if (started === undefined) break;
    const n = Number(started[1]);
    if (blocked.has(n)) break;
    blocked.set(n, `our run ended inside this check: ${outcomeLine(r)}`);
    r = kreplay(['run', IMAGE, '--append', `skip=${[...blocked.keys()].join(',')}`], { timeoutMs: 120_000 });
  }
  const lines = new Map<number, string>();
  const extra: string[] = [];
  const known = new Set(expected.map((e) => e.line));
  for (const l of r.stdout.split('\n')) {
    const m = CHECK.exec(l);
    if (m !== null && !blocked.has(Number(m[1]))) lines.set(Number(m[1]), l);
    else if (m === null && l !== '' && !known.has(l)) extra.push(l);
  }
  return { first, lines, extra, blocked };
}

describe('systest: our CPU against QEMU, check by check', () => {
  let ours: ReturnType<typeof runOurs>;
  beforeAll(() => {
    ours = runOurs();
  }, 600_000);

  it('the expected file is a complete QEMU run and every override still names a QEMU line', () => {
    expect(qemuLines[0]).toBe('systest: starting');
    expect(qemuLines.at(-1)).toBe('systest: done');
    const numbers = expected.flatMap((e) => (e.no === null ? [] : [e.no]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    for (const o of overrides) {
      const e = expected.find((x) => x.title === o.title);
      expect(e, `override "${o.title}" matches no check in expected-qemu.txt`).toBeDefined();
      const qemuValues = CHECK.exec(e!.qemuLine)![3];
      // QEMU fixed (or changed) its behaviour: the override needs checking again.
      expect([o.qemu, o.expected], `stale override for "${o.title}"`).toContain(qemuValues);
    }
  });

  it('runs to exit(0) in one go (no check stops it)', () => {
    expect(ours.blocked, 'checks that stopped our run').toEqual(new Map());
    expect(outcomeLine(ours.first)).toMatch(/^exit: code 0 /);
    expect(ours.first.status).toBe(0);
  });

  it('differs from QEMU on no line (summary; each check is also its own test below)', () => {
    const diffs: string[] = [];
    for (const e of expected) {
      if (e.no === null) continue;
      const got = ours.blocked.get(e.no) ?? ours.lines.get(e.no) ?? '(missing)';
      if (got !== e.line) diffs.push(`systest ${e.no}:\n  expected: ${e.line}\n  ours:     ${got}`);
    }
    expect(diffs.join('\n')).toBe('');
    expect(ours.extra, 'lines QEMU did not print').toEqual([]);
  });

  it.each(expected.filter((e) => e.no !== null).map((e) => ({ name: `systest ${e.no}: ${e.title}`, e })))('$name', ({ e }) => {
    const why = e.override === null ? '' : ` (expected value from ${e.override.source}; QEMU prints "${e.override.qemu}": ${e.override.why})`;
    const blocked = ours.blocked.get(e.no!);
    expect(blocked ?? ours.lines.get(e.no!) ?? '(missing)', `systest ${e.no}${why}`).toBe(e.line);
  });
});

describe('systest: record, then replay', () => {
  it('replays its own recording event for event, to the same outcome', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreplay-systest-'));
    try {
      const trace = join(dir, 'systest.zst');
      const rec = kreplay(['record', '-o', trace, IMAGE], { timeoutMs: 120_000 });
      const rep = kreplay(['replay', trace], { timeoutMs: 120_000 });
      expect(rep.stderr).toMatch(/^replay matches the recording: \d+ events checked$/m);
      expect(rep.status).toBe(rec.status);
      expect(outcomeLine(rep)).toBe(outcomeLine(rec));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
