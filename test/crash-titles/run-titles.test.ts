import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crashTitleForRun } from '../../src/harness/crash/index.js';
import { panicTitle } from '../../src/harness/panic-report.js';
import { runGuest } from '../../src/harness/run.js';
import { kreplay, repo } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-titles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const outcomes = new Uint8Array(readFileSync(repo('guests/outcomes/outcomes.elf')));

describe('titles of whole runs', () => {
  it.each([
    ['ud', 'unhandled exception #UD invalid opcode in do_ud2', 'guest-exception'],
    ['pvpanic-crash', 'pvpanic: CRASH_LOADED', 'pvpanic'],
    ['triple', 'triple fault in do_triple', 'triple-fault'],
    ['sse', 'unsupported: 0F 28 (MMX/SSE/system extension) is not implemented in do_movaps', 'unsupported'],
  ])('outcomes mode=%s: %s', (mode, title, type) => {
    const r = runGuest({ image: outcomes, cmdline: `mode=${mode}` });
    expect(crashTitleForRun(r.outcome, r.console.text(), r.symbols)).toMatchObject({ title, type });
  });

  it('a run that did not crash has no title', () => {
    const r = runGuest({ image: outcomes, cmdline: 'mode=exit3' });
    expect(crashTitleForRun(r.outcome, r.console.text(), r.symbols)).toBeNull();
  });

  it('panicTitle titles a bare panic message with the same parser', () => {
    expect(panicTitle('Kernel panic - not syncing: regress: checksum mismatch in v6: crc32_table 0x55f68c7d != crc32_bitwise 0xfd386586'))
      .toBe('kernel panic: regress: checksum mismatch in v6: crc32_table ADDR != crc32_bitwise ADDR');
    expect(panicTitle(null)).toBeNull();
  });
});

describe('replay --until-panic uses the same parser as the suite', () => {
  it.each([['ud'], ['pvpanic-crash']])('outcomes mode=%s', (mode) => {
    const trace = join(dir, `${mode}.zst`);
    expect(kreplay(['record', repo('guests/outcomes/outcomes.elf'), '--append', `mode=${mode}`, '-o', trace]).status).toBe(1);
    const report = JSON.parse(kreplay(['replay', trace, '--until-panic', '--json']).stdout);
    const suiteFile = join(dir, `${mode}.suite.json`);
    writeFileSync(suiteFile, JSON.stringify({ cases: [{ name: mode, image: repo('guests/outcomes/outcomes.elf'), cmdline: `mode=${mode}`, expect: 'panic' }] }));
    const suite = JSON.parse(kreplay(['suite', suiteFile, '--json']).stdout);
    expect(report.panicReport.why.title).toBe(suite.cases[0].title);
    expect(report.panicReport.why.titleType).toBe(suite.cases[0].crashType);
    expect(report.panicReport.why.title).not.toBeNull();
  });
});
