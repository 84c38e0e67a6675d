import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCrashTitle, type CrashType } from '../../src/harness/crash/index.js';
import { repo } from '../helpers/cli.js';

/**
 * The golden corpus: every console log in test/fixtures/console/ with the title and type it must
 * get (titles.json). A change to the parser that changes any title shows up here as a diff.
 */
interface Entry {
  log: string;
  about: string;
  title: string | null;
  type: CrashType | null;
  corrupted?: boolean;
  symbols?: { name: string; addr: string; size: number }[];
}

const DIR = 'test/fixtures/console';
const manifest = JSON.parse(readFileSync(repo(`${DIR}/titles.json`), 'utf8')) as { logs: Entry[] };

function symbolizer(symbols: Entry['symbols']): (addr: number) => string | null {
  return (addr) => symbols?.find((s) => addr >= Number(s.addr) && addr < Number(s.addr) + s.size)?.name ?? null;
}

describe('crash title corpus', () => {
  it('lists every log in the directory, and only those', () => {
    const logs = readdirSync(repo(DIR)).filter((f) => f.endsWith('.log')).sort();
    expect(manifest.logs.map((e) => e.log).sort()).toEqual(logs);
    expect(logs.length).toBeGreaterThanOrEqual(25);
  });

  it('covers every form the parser knows, corrupted logs, and logs without a crash', () => {
    const types = new Set(manifest.logs.map((e) => e.type));
    const forms: CrashType[] = [
      'kernel-panic', 'page-fault', 'null-pointer-dereference', 'general-protection-fault', 'kernel-bug', 'bug', 'lockup',
      'divide-error', 'invalid-opcode', 'double-fault', 'warning', 'kasan', 'ubsan', 'oops', 'guest-exception',
    ];
    for (const f of forms) expect(types, f).toContain(f);
    expect(manifest.logs.filter((e) => e.corrupted === true).length).toBeGreaterThanOrEqual(3);
    expect(manifest.logs.filter((e) => e.title === null).length).toBeGreaterThanOrEqual(2);
  });

  for (const e of manifest.logs) {
    it(`${e.log}: ${e.about}`, () => {
      const text = readFileSync(repo(`${DIR}/${e.log}`), 'latin1');
      const r = parseCrashTitle(text, { symbolize: symbolizer(e.symbols) });
      expect(r?.title ?? null).toBe(e.title);
      expect(r?.type ?? null).toBe(e.type);
      if (r !== null) expect(r.corrupted).toBe(e.corrupted ?? false);
    });
  }
});

describe('titles deduplicate', () => {
  it('two runs of the same oops with different addresses, offsets, times and pids get one title', () => {
    const a = readFileSync(repo(`${DIR}/linux-page-fault-64.log`), 'latin1');
    const b = a.replace(/ffffc90000a4e008/g, 'ffffc90000b11c08').replace(/\+0x5a\/0x1b0/g, '+0x61/0x1c0')
      .replace(/\[ *\d+\.\d+\]/g, '[ 7.000001]').replace(/PID: 3187/g, 'PID: 4410');
    expect(parseCrashTitle(b)!.title).toBe(parseCrashTitle(a)!.title);
  });

  it('the title does not depend on what came before the report', () => {
    const log = readFileSync(repo(`${DIR}/linux-kernel-bug.log`), 'latin1');
    const noisy = `${'[    1.000000] some driver: probing\n'.repeat(500)}${log}`;
    expect(parseCrashTitle(noisy)).toEqual({ ...parseCrashTitle(log)!, line: parseCrashTitle(log)!.line + 500 });
  });
});
