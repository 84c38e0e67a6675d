import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RamDeltaTracker, applyRamDelta, saveMachineState, loadMachineState } from '../../src/machine/snapshot.js';
import { Machine } from '../../src/machine/machine.js';
import { recordGuest } from '../../src/harness/record.js';
import { ReplaySession } from '../../src/harness/replay.js';
import { bootGuest } from '../../src/harness/run.js';
import { RunDriver } from '../../src/harness/run-driver.js';
import { ConsoleLog } from '../../src/harness/console-log.js';
import { pack, unpack } from '../../src/trace/msgpack.js';
import { repo } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(repo(p)));

/**
 * Snapshots are complete: a run restored from a checkpoint taken at N continues exactly as the
 * original did. Each guest is recorded with dense checkpoints; then, for every checkpoint, a
 * fresh machine is restored from it and replayed to the end, which checks every event after N
 * against the original recording and requires the same outcome.
 */
const GUESTS = [
  { name: 'panic-timer', image: 'guests/panic-timer/panic-timer.elf', every: 7_000_000 },
  { name: 'echo', image: 'guests/echo/echo.elf', serialIn: 'test/fixtures/guests/echo-panic.txt', every: 1_000_000 },
  { name: 'systest', image: 'guests/systest/systest.elf', every: 1_000_000 },
  { name: 'corrupt', image: 'guests/corrupt/corrupt.elf', every: 60_000_000 },
  { name: 'compute', image: 'guests/compute/compute.elf', cmdline: 'n=2', every: 1_000_000 },
];

describe('a run restored from any checkpoint continues exactly as the original', () => {
  for (const g of GUESTS) {
    it(`${g.name}: every checkpoint resumes to the recorded events and outcome`, async () => {
      const out = join(dir, `${g.name}.zst`);
      const rec = await recordGuest({
        image: bytes(g.image), cmdline: g.cmdline, serialIn: g.serialIn === undefined ? undefined : bytes(g.serialIn),
        out, checkpointEvery: g.every,
      });
      expect(rec.checkpoints).toBeGreaterThanOrEqual(3);
      const s = await ReplaySession.open(out);
      for (let k = 0; k < s.reader.checkpoints.length; k++) {
        s.start(k);
        expect(s.machine.cpu.icount).toBe(s.reader.checkpoints[k].icount);
        const r = s.result(s.run()!);
        expect(r.divergence, `from checkpoint ${k}`).toBeNull();
        expect(r.outcome).toEqual(rec.outcome);
        expect(r.eventsChecked).toBe(s.reader.eventCount);
      }
    });
  }
});

describe('machine state round-trips', () => {
  it('save -> msgpack -> load into a fresh machine gives the same state, RAM included', () => {
    const { machine } = bootGuest({ image: bytes('guests/panic-timer/panic-timer.elf') });
    const d = new RunDriver(machine, new ConsoleLog());
    d.run(12_345_678);
    const tracker = new RamDeltaTracker(machine.memory.ram);
    const state = unpack(pack(saveMachineState(machine)), 'state') as ReturnType<typeof saveMachineState>;
    const delta = tracker.delta();
    const fresh = new Machine();
    applyRamDelta(fresh.memory.ram, unpack(pack(delta), 'ram') as typeof delta);
    loadMachineState(fresh, state);
    expect(saveMachineState(fresh)).toEqual(saveMachineState(machine));
    expect(Buffer.compare(Buffer.from(fresh.memory.ram), Buffer.from(machine.memory.ram))).toBe(0);
    // And both go on identically.
    const a = new RunDriver(machine, new ConsoleLog()).run();
    const b = new RunDriver(fresh, new ConsoleLog()).run();
    expect(b).toEqual(a);
  });

  it('a RAM delta holds exactly the pages that changed', () => {
    const m = new Machine({ memMiB: 2 });
    const t = new RamDeltaTracker(m.memory.ram);
    expect(t.delta().pages.length).toBe(0);
    m.memory.ram[5000] = 1;
    m.memory.ram[4096 * 100 + 7] = 2;
    expect(Array.from(t.delta().pages)).toEqual([1, 100]);
    expect(t.delta().pages.length).toBe(0);
  });
});
