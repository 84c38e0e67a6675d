import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import * as kreplay from '../../src/index.js';
import { openTrace, recordGuest, replayTrace, runGuest } from '../../src/index.js';
import { runGuest as runSession } from '../../src/harness/run.js';
import { repo } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('library API', () => {
  it('exports the documented names', () => {
    for (const name of ['runGuest', 'recordGuest', 'replayTrace', 'openTrace', 'parseCrashTitle', 'runSuite', 'loadSuite', 'junitXml', 'TraceReader', 'EVENT']) {
      expect(kreplay, name).toHaveProperty(name);
    }
  });

  it('runGuest takes paths, inline serial text, and titles the run', async () => {
    const r = await runGuest({ image: repo('guests/echo/echo.elf'), serialText: 'abc\npanic\n' });
    expect(r.outcome.kind).toBe('panic');
    expect(r.console.text()).toContain('echo: abc\n');
    expect(r.crash).toMatchObject({ title: 'kernel panic: echo: panic requested by input', type: 'kernel-panic', corrupted: false });
    const fromFile = await runGuest({ image: repo('guests/echo/echo.elf'), serialIn: repo('test/fixtures/guests/echo-panic.txt') });
    expect(fromFile.crash?.title).toBe(r.crash?.title);
    await expect(runGuest({ image: repo('guests/echo/echo.elf'), serialIn: 'x', serialText: 'y' })).rejects.toThrow(/not both/);
  });

  it('recordGuest, replayTrace and openTrace', async () => {
    const out = join(dir, 'pt.zst');
    const rec = await recordGuest({ image: repo('guests/panic-timer/panic-timer.elf'), out });
    expect(rec.crash?.title).toBe('kernel panic: timer: tick budget exhausted after 50 ticks');
    const rep = await replayTrace(out, { untilPanic: true });
    expect(rep.status).toBe('match');
    expect(rep.crash?.title).toBe(rec.crash?.title);
    rep.reader.close();
    const t = await openTrace(out);
    expect(t.eventCount).toBe(rec.events);
    expect(t.outcome).toEqual(rec.outcome);
    expect([...t.events()].length).toBe(t.eventCount);
    t.close();
  });
});

describe('vitest matchers', () => {
  it('toExitWith', async () => {
    const hello = await runGuest({ image: repo('guests/hello/hello.elf') });
    expect(hello).toExitWith(0);
    expect(hello).not.toExitWith(1);
    expect(() => expect(hello).toExitWith(3)).toThrow(/^expected the guest to exit with code 3, but: exit: code 0 at insn \d+/);
    expect(() => expect(hello).toPanic()).toThrow(/^expected a panic, but it did not panic: exit: code 0/);
  });

  it('toPanic with a title (RegExp or substring) and a deadline; works on harness results too', async () => {
    const pt = await runGuest({ image: repo('guests/panic-timer/panic-timer.elf') });
    expect(pt).toPanic();
    expect(pt).toPanic({ title: /^kernel panic: timer/, before: 50_000_000 });
    expect(pt).toPanic({ title: 'tick budget exhausted' });
    expect(pt).not.toPanic({ title: 'something else' });
    expect(() => expect(pt).toPanic({ before: 1000 })).toThrow(/^expected a panic before insn 1000, but it ended at insn 49996896, not before 1000: panic: PANICKED/);
    expect(() => expect(pt).toPanic({ title: /oops/ })).toThrow(/its title is "kernel panic: timer: tick budget exhausted after 50 ticks", not \/oops\//);
    expect(() => expect(pt).not.toPanic()).toThrow(/^expected the run not to end in a panic, but it did/);
    // A harness RunResult has no `crash`: the matcher titles it from the console.
    const session = runSession({ image: new Uint8Array(readFileSync(repo('guests/outcomes/outcomes.elf'))), cmdline: 'mode=ud' });
    expect(session).toPanic({ title: 'unhandled exception #UD invalid opcode in do_ud2' });
  });

  it('toReplayCleanly', async () => {
    const r = await replayTrace(repo('traces/echo.zst'));
    expect(r).toReplayCleanly();
    r.reader.close();
    const fake = { ...r, status: 'diverged', divergence: { icount: 5, eip: 0, expected: null, actual: null, lastMatched: [], message: 'port 0x3f8 read 0x20, recorded 0x60' } };
    expect(() => expect(fake).toReplayCleanly()).toThrow(/^expected a clean replay, but it diverged at insn 5: port 0x3f8 read/);
    expect(() => expect({ outcome: r.outcome }).toReplayCleanly()).toThrow(/expected a replay result/);
    expect(() => expect(42).toExitWith(0)).toThrow(/expected a kreplay run, recording or replay result/);
  });
});
