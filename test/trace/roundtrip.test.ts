import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceError, TraceReader } from '../../src/trace/reader.js';
import { CHUNK_MAX_EVENTS, EVENT, FRAME_MAX_CONTENT, FORMAT_MAJOR, FORMAT_MINOR, type TraceEvent } from '../../src/trace/schema.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { initZstd } from '../../src/trace/zstd.js';
import { headerFor, imageBytes, ioMix, panicAt, portHeavy, prng, sameBytes, SYMBOLS, tempDir, writeTrace } from './helpers.js';

const tmp = tempDir();
beforeAll(() => initZstd());
afterAll(() => tmp.cleanup());

let n = 0;
const file = (): string => join(tmp.dir, `t${n++}.zst`);

function allEvents(r: TraceReader): TraceEvent[] {
  return [...r.events()];
}

/** Compares events column by column (fast, and a mismatch says where). */
function expectSameEvents(got: TraceEvent[], want: TraceEvent[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (a.kind !== b.kind || a.icount !== b.icount || a.addr !== b.addr || a.size !== b.size || a.value !== b.value || a.eip !== b.eip) {
      expect({ i, ...a }).toEqual({ i, ...b });
    }
  }
}

describe('trace round trip', () => {
  it('keeps the header, image (split over frames), symbols and serial input exactly', () => {
    const image = imageBytes(2_500_000, 11);
    const header = headerFor(image, { symbols: true, extra: { note: 'x', table: new Uint32Array([1, 0xffffffff]) } });
    const p = file();
    const events = portHeavy(1000);
    writeTrace(p, events, { header, blobs: { image, symbols: SYMBOLS }, outcome: panicAt(events.at(-1)) });
    const r = TraceReader.open(p);
    expect(r.header).toEqual({ magic: 'kreplay-trace', version: { major: FORMAT_MAJOR, minor: FORMAT_MINOR }, ...header });
    expect(r.header.extra.table).toBeInstanceOf(Uint32Array);
    expect(sameBytes(r.image(), image)).toBe(true);
    expect(r.symbols()).toEqual(SYMBOLS);
    expect(r.recovery).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(r.outcome).toEqual(panicAt(events.at(-1)));
    expectSameEvents(allEvents(r), events);
    r.close();
    // the image really is in several frames of at most 1 MiB
    expect(readFileSync(p).length).toBeGreaterThan(3 * 8);
  });

  it('stores a non-embedded image as name, size, sha256 and path only', () => {
    const header = headerFor(null);
    const p = file();
    writeTrace(p, [], { header, blobs: {} });
    const r = TraceReader.open(p);
    expect(r.header.image).toEqual(header.image);
    expect(r.image()).toBeNull();
    expect(r.symbols()).toBeNull();
    expect(r.chunks).toEqual([]);
    expect(allEvents(r)).toEqual([]);
    expect(r.outcome).toBeNull();
  });

  it('keeps large serial input (stored as a blob) and no serial input', () => {
    const big = imageBytes(200_000, 5);
    for (const serialIn of [big, null, new Uint8Array(0)]) {
      const p = file();
      const header = headerFor(imageBytes(100), { inputs: { serialIn, policy: 'p' } });
      writeTrace(p, [], { header, blobs: { image: imageBytes(100) } });
      const r = TraceReader.open(p);
      expect(r.header.inputs.serialIn === null ? null : sameBytes(r.header.inputs.serialIn, serialIn)).toBe(serialIn === null ? null : true);
    }
  });

  it('keeps icounts above 2^32 and huge deltas exactly', () => {
    const ics = [0, 0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52, 2 ** 53 - 2, 2 ** 53 - 1, 2 ** 53 - 1];
    const events = ics.map((icount, i) => ({ kind: (i % 10) + 1, icount, addr: (0xfffff000 + i) >>> 0, size: [0, 1, 2, 4][i % 4], value: (0xdeadbeef ^ i) >>> 0, eip: 0xc0100000 + i * 3 }));
    const p = file();
    writeTrace(p, events, { flushEvery: 4 });
    const r = TraceReader.open(p);
    expectSameEvents(allEvents(r), events);
    expect(r.chunks.map((c) => c.count)).toEqual([4, 4, 3]);
    expect(r.chunks[1]).toMatchObject({ seq: 1, icountFrom: 2 ** 32, icountTo: 2 ** 52 });
  });

  it('splits chunks at exactly 65,536 events', () => {
    for (const count of [0, 1, CHUNK_MAX_EVENTS - 1, CHUNK_MAX_EVENTS, CHUNK_MAX_EVENTS + 1, 3 * CHUNK_MAX_EVENTS + 7]) {
      const events = ioMix(count, count + 1);
      const p = file();
      writeTrace(p, events, { outcome: panicAt(events.at(-1)) });
      const r = TraceReader.open(p);
      const expected = [];
      for (let left = count; left > 0; left -= CHUNK_MAX_EVENTS) expected.push(Math.min(left, CHUNK_MAX_EVENTS));
      expect(r.chunks.map((c) => c.count), `${count} events`).toEqual(expected);
      expect(r.chunks.map((c) => c.seq)).toEqual(expected.map((_, i) => i));
      expect(r.eventCount).toBe(count);
      expectSameEvents(allEvents(r), events);
    }
  });

  it('splits a chunk whose body would not fit one frame (random 32-bit fields, deltas of 2^50)', () => {
    const rnd = prng(77);
    let ic = 0;
    const events: TraceEvent[] = [];
    for (let i = 0; i < CHUNK_MAX_EVENTS; i++) {
      ic += 2 ** 50 / CHUNK_MAX_EVENTS / 2 + (rnd() % 1000);
      events.push({ kind: 1 + (rnd() % 10), icount: ic, addr: rnd(), size: rnd() & 0xff, value: rnd(), eip: rnd() });
    }
    const p = file();
    writeTrace(p, events);
    const r = TraceReader.open(p);
    expect(r.chunks.length).toBe(2);
    expect(r.chunks[0].count + r.chunks[1].count).toBe(CHUNK_MAX_EVENTS);
    for (const c of r.chunks) expect(c.length).toBeLessThan(FRAME_MAX_CONTENT + 1024);
    expectSameEvents(allEvents(r), events);
  });

  it('reads chunks alone, as columns, and events within an icount range', () => {
    const events = portHeavy(200_000, 3);
    const p = file();
    writeTrace(p, events);
    const r = TraceReader.open(p);
    const c2 = r.readChunk(2);
    expectSameEvents(c2, events.slice(2 * CHUNK_MAX_EVENTS, 3 * CHUNK_MAX_EVENTS));
    const cols = r.readChunkColumns(1);
    expect(cols.count).toBe(CHUNK_MAX_EVENTS);
    expect(cols.icount[0]).toBe(events[CHUNK_MAX_EVENTS].icount);
    const from = events[70_000].icount, to = events[140_000].icount;
    expectSameEvents([...r.events({ fromIcount: from, toIcount: to })], events.filter((e) => e.icount >= from && e.icount <= to));
    expect([...r.events({ fromIcount: events.at(-1)!.icount + 1 })]).toEqual([]);
    expect(() => r.readChunk(99)).toThrow(TraceError);
  });

  it('records flushChunk boundaries, end counts and the outcome', () => {
    const events = ioMix(5000);
    const p = file();
    const outcome = { kind: 'exit', code: 3, icount: events.at(-1)!.icount + 10, eip: 0x1234 };
    writeTrace(p, events, { flushEvery: 1000, outcome });
    const r = TraceReader.open(p);
    expect(r.chunks.map((c) => c.count)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(r.outcome).toEqual(outcome);
    expect(r.end?.icountEnd).toBe(outcome.icount);
    const byKind: Record<string, number> = {};
    for (const e of events) byKind[{ 1: 'port-in', 2: 'port-out', 3: 'mmio-read', 5: 'interrupt' }[e.kind as 1]] = (byKind[{ 1: 'port-in', 2: 'port-out', 3: 'mmio-read', 5: 'interrupt' }[e.kind as 1]] ?? 0) + 1;
    expect(r.eventCountsByKind).toEqual(byKind);
  });

  it('writes the same bytes for the same input (determinism)', () => {
    const image = imageBytes(1_500_000, 2);
    const header = headerFor(image, { symbols: true });
    const events = ioMix(150_000, 9);
    const a = file(), b = file();
    for (const p of [a, b]) writeTrace(p, events, { header, blobs: { image, symbols: SYMBOLS }, outcome: panicAt(events.at(-1)), flushEvery: 40_000 });
    expect(sameBytes(readFileSync(a), readFileSync(b))).toBe(true);
  });

  it('lists checkpoint frames and returns their state (reserved for bisection)', () => {
    const p = file();
    const w = TraceWriter.create(p, headerFor(imageBytes(10)), { image: imageBytes(10) });
    w.append(EVENT.PORT_IN, 10, 0x3fd, 1, 0x60, 0x1000);
    const big = imageBytes(2_200_000, 4);
    expect(w.writeCheckpoint(10, big)).toBe(0);
    w.append(EVENT.CHECKPOINT, 10, 0, 0, 0, 0x1000);
    expect(w.writeCheckpoint(20, new Uint8Array([9]))).toBe(1);
    w.append(EVENT.PORT_OUT, 30, 0x3f8, 1, 0x41, 0x1004);
    w.finish(null);
    const r = TraceReader.open(p);
    expect(r.checkpoints.map((c) => [c.seq, c.icount])).toEqual([[0, 10], [1, 20]]);
    expect(sameBytes(r.checkpointState(0), big)).toBe(true);
    expect(r.checkpointState(1)).toEqual(new Uint8Array([9]));
    expect(r.chunks.map((c) => c.count)).toEqual([1, 1, 1]);
  });

  it('reports misuse of the writer as TraceError usage', () => {
    const image = imageBytes(10);
    const p = file();
    expect(() => TraceWriter.create(p, headerFor(image), {})).toThrow(/embedded is true but no image/);
    expect(() => TraceWriter.create(p, headerFor(image, { symbols: true }), { image })).toThrow(/no symbols/);
    expect(() => TraceWriter.create(p, { ...headerFor(image), image: { ...headerFor(image).image, sha256: '0'.repeat(64) } }, { image })).toThrow(/sha256/);
    expect(() => TraceWriter.create(p, headerFor(image), { image }, { level: 12 })).toThrow(/level/);
    expect(() => TraceWriter.create(join(tmp.dir, 'no/such/dir/t.zst'), headerFor(image), { image })).toThrow(/cannot create/);
    const w = TraceWriter.create(p, headerFor(image), { image });
    w.append(1, 100, 0, 1, 0, 0);
    expect(() => w.append(1, 99, 0, 1, 0, 0)).toThrow(/icount 99/);
    expect(() => w.append(1, 100.5, 0, 1, 0, 0)).toThrow(TraceError);
    expect(() => w.append(1, 2 ** 53, 0, 1, 0, 0)).toThrow(TraceError);
    expect(() => w.append(256, 100, 0, 1, 0, 0)).toThrow(TraceError);
    w.finish(null);
    expect(() => w.append(1, 200, 0, 1, 0, 0)).toThrow(/closed/);
    w.close();
  });

  it('close() leaves a readable trace cut short after the events appended so far', () => {
    const p = file();
    const events = portHeavy(70_000);
    const w = TraceWriter.create(p, headerFor(imageBytes(10)), { image: imageBytes(10) });
    for (const e of events) w.append(e.kind, e.icount, e.addr, e.size, e.value, e.eip);
    w.close();
    const r = TraceReader.open(p);
    expect(r.recovery).toMatchObject({ complete: false, chunksRecovered: 2, bytesLost: 0, lastIcount: events.at(-1)!.icount });
    expect(r.recovery!.message).toMatch(/cut short/);
    expect(r.outcome).toBeNull();
    expectSameEvents(allEvents(r), events);
  });

  it('counts bytes written', () => {
    const p = file();
    const w = writeTrace(p, ioMix(100));
    expect(readFileSync(w.path).length).toBeGreaterThan(100);
    const w2 = TraceWriter.create(file(), headerFor(imageBytes(10)), { image: imageBytes(10) });
    const before = w2.bytesWritten;
    w2.append(1, 1, 2, 1, 3, 4);
    expect(w2.eventCount).toBe(1);
    w2.finish(null);
    expect(w2.bytesWritten).toBeGreaterThan(before);
  });
});
