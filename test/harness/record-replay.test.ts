import { mkdtempSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordGuest } from '../../src/harness/record.js';
import { replayTrace } from '../../src/harness/replay.js';
import { readGoldenManifest } from '../../src/tools/golden.js';
import { TraceReader } from '../../src/trace/reader.js';
import { EVENT } from '../../src/trace/schema.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { initZstd } from '../../src/trace/zstd.js';
import { kreplay, repo, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-rr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(repo(p)));

beforeAll(async () => {
  await initZstd();
});

describe('recording is deterministic', () => {
  for (const g of readGoldenManifest(ROOT)) {
    it(`${g.name}: two recordings are byte-identical`, async () => {
      const opts = {
        image: bytes(g.image), imageName: g.image, cmdline: g.append ?? '',
        serialIn: g.serialIn === undefined ? undefined : bytes(g.serialIn),
      };
      await recordGuest({ ...opts, out: join(dir, `${g.name}-a.zst`) });
      await recordGuest({ ...opts, out: join(dir, `${g.name}-b.zst`) });
      expect(readFileSync(join(dir, `${g.name}-a.zst`)).equals(readFileSync(join(dir, `${g.name}-b.zst`)))).toBe(true);
    });
  }
});

describe('golden traces replay without divergence', () => {
  for (const g of readGoldenManifest(ROOT)) {
    it(`traces/${g.name}.zst replays to its expected outcome`, async () => {
      const r = await replayTrace(repo(`traces/${g.name}.zst`));
      expect(r.divergence).toBeNull();
      expect(r.status).toBe('match');
      expect(r.outcome.kind).toBe(g.expect.kind);
      if (g.expect.code !== undefined && r.outcome.kind === 'exit') expect(r.outcome.code).toBe(g.expect.code);
      expect(r.outcome).toEqual(r.recordedOutcome);
      expect(r.eventsChecked).toBe(r.reader.eventCount);
    });
  }
});

/** Copies a trace with one event changed, as if the emulator had behaved differently. */
function tamper(src: string, dst: string, pick: (kind: number, n: number) => boolean, change: (v: number) => number): number {
  const reader = TraceReader.open(src);
  const w = TraceWriter.create(dst, { ...reader.header } as never, { image: reader.image() ?? undefined, symbols: reader.symbols() ?? undefined });
  let n = 0;
  let at = -1;
  for (const e of reader.events()) {
    let value = e.value;
    if (at < 0 && pick(e.kind, n++)) {
      value = change(value);
      at = e.icount;
    }
    w.append(e.kind, e.icount, e.addr, e.size, value, e.eip);
  }
  w.finish(reader.outcome);
  reader.close();
  return at;
}

describe('replay checks every event', () => {
  it('stops at the first event that differs with the outcome diverged (exit code 5)', async () => {
    const bad = join(dir, 'tampered.zst');
    // The 100th port-in (a UART status poll) is changed in the recording.
    let seen = 0;
    const at = tamper(repo('traces/panic-timer.zst'), bad, (k) => k === EVENT.PORT_IN && ++seen === 100, (v) => v ^ 1);
    const r = await replayTrace(bad);
    expect(r.status).toBe('diverged');
    expect(r.outcome.kind).toBe('diverged');
    expect(r.divergence!.icount).toBe(at);
    expect(r.divergence!.expected!.value).not.toBe(r.divergence!.actual!.value);
    expect(r.divergence!.lastMatched).toHaveLength(20);
    const cli = kreplay(['replay', bad]);
    expect(cli.status).toBe(5);
    expect(cli.stderr).toMatch(new RegExp(`^diverged at insn ${at} `, 'm'));
    expect(cli.stderr).toContain('expected:');
    expect(cli.stderr).toContain('last 20 matching events:');
  });

  it('a recording whose outcome differs from the replay diverges', async () => {
    const bad = join(dir, 'other-outcome.zst');
    const reader = TraceReader.open(repo('traces/hello.zst'));
    const w = TraceWriter.create(bad, { ...reader.header } as never, { image: reader.image() ?? undefined, symbols: reader.symbols() ?? undefined });
    for (const e of reader.events()) w.append(e.kind, e.icount, e.addr, e.size, e.value, e.eip);
    w.finish({ ...(reader.outcome as object), code: 7 });
    reader.close();
    const r = await replayTrace(bad);
    expect(r.status).toBe('diverged');
  });
});

describe('replay --until-panic', () => {
  it('prints the panic report: when, why, registers, backtrace, code, last events', () => {
    const r = kreplay(['replay', 'traces/panic-timer.zst', '--until-panic']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^when: +insn 49996896 \(49\.996896 ms virtual\), trace chunk 0 event \d+$/m);
    expect(r.stdout).toMatch(/^why: +pvpanic PANICKED \(bits 0x1\)$/m);
    expect(r.stdout).toMatch(/^title: kernel panic: timer: tick budget exhausted after 50 ticks$/m);
    // The frame-pointer chain through the timer interrupt, named with the ELF symbols.
    for (const f of ['panic', 'check_budget', 'timer_tick', 'isr_dispatch', 'kmain']) expect(r.stdout).toMatch(new RegExp(`^#\\d+ 0x[0-9a-f]{8} <${f}\\+0x`, 'm'));
    expect(r.stdout).toMatch(/^=> 0x00101057 +ee +out dx,al$/m);
    expect(r.stdout).toMatch(/EDX=00000505/);
    expect(r.stdout).toMatch(/port-out +0x0505\/1 = 0x01/);
  });

  it('--json gives the same report as one object', () => {
    const r = kreplay(['replay', 'traces/echo.zst', '--until-panic', '--json']);
    expect(r.status).toBe(1);
    const o = JSON.parse(r.stdout);
    expect(o.status).toBe('match');
    expect(o.panicReport.why.title).toBe('kernel panic: echo: panic requested by input');
    expect(o.panicReport.why.pvpanic.names).toEqual(['PANICKED']);
    expect(o.panicReport.backtrace[0].symbol).toMatch(/^panic\+/);
    expect(o.panicReport.lastEvents.length).toBe(16);
    expect(o.panicReport.when.icount).toBe(o.outcome.icount);
  });

  it('a trace without a panic says so and exits 6', () => {
    const r = kreplay(['replay', 'traces/hello.zst', '--until-panic']);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^no panic in this trace: it ends with exit: code 0 /m);
  });

  it('the replay bin is the same command', () => {
    const r = kreplay(['traces/hello.zst'], { bin: 'dist/cli/replay.js' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('replay matches the recording');
  });
});

describe('a recording cut short replays up to its last complete chunk', () => {
  it('recovers the complete chunks and replays them without divergence', async () => {
    const full = join(dir, 'chunky.zst');
    await recordGuest({ image: bytes('guests/panic-timer/panic-timer.elf'), out: full, chunkFlushInsns: 1_000_000 });
    const whole = readFileSync(full);
    const reader = TraceReader.open(full);
    expect(reader.chunks.length).toBeGreaterThanOrEqual(8);
    const cutAfter = reader.chunks[3];
    reader.close();
    const cut = join(dir, 'cut.zst');
    // Killed while writing chunk 4: keep chunk 3 and half of the next frame.
    writeFileSync(cut, whole.subarray(0, cutAfter.offset + cutAfter.length + 40));
    const r = await replayTrace(cut);
    expect(r.reader.recovery).not.toBeNull();
    expect(r.status).toBe('end-of-trace');
    expect(r.divergence).toBeNull();
    expect(r.eventsChecked).toBe(r.reader.eventCount);
    const cli = kreplay(['replay', cut]);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toMatch(/^note: /m);
  });
});

describe('inspect and log', () => {
  it('inspect summarises header, counts, chunks and outcome', () => {
    const r = kreplay(['inspect', 'traces/echo.zst']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^image: +echo\.elf \(\d+ bytes, sha256 [0-9a-f]{16}\.\.\., embedded\), symbols$/m);
    const input = statSync(repo('test/fixtures/guests/echo-panic.txt')).size;
    expect(r.stdout).toMatch(new RegExp(`^inputs: +serial ${input} bytes`, 'm'));
    expect(r.stdout).toMatch(/^outcome: +panic: PANICKED/m);
    expect(r.stdout).toMatch(/^ {2}serial-input +\d+$/m);
    expect(r.stdout).toMatch(/^ {2}0x03f8 +\d+ +\d+$/m);
    const j = JSON.parse(kreplay(['inspect', 'traces/echo.zst', '--json']).stdout);
    const delivered = kreplay(['log', 'traces/echo.zst', '--kind', 'serial-input']).stdout.trim().split('\n').length;
    expect(j.byKind['serial-input']).toBe(delivered);
  });

  it('log streams events with filters', () => {
    const r = kreplay(['log', 'traces/echo.zst', '--kind', 'serial-input', '--json']);
    expect(r.status).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // The bytes delivered before the guest panicked: a prefix of the input, through "panic\n".
    const text = String.fromCharCode(...events.map((e) => e.value));
    expect(readFileSync(repo('test/fixtures/guests/echo-panic.txt'), 'latin1').startsWith(text)).toBe(true);
    expect(text).toContain('panic\n');
    const ports = kreplay(['log', 'traces/panic-timer.zst', '--port', '0x505']);
    expect(ports.stdout.trim().split('\n')).toHaveLength(1);
    expect(ports.stdout).toMatch(/port-out +0x0505\/1 = 0x01 .*<panic\+0x17>/);
    const bad = kreplay(['log', 'traces/echo.zst', '--kind', 'bogus']);
    expect(bad.status).toBe(2);
  });
});
