import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceError, TraceReader } from '../../src/trace/reader.js';
import type { Footer, TraceEvent } from '../../src/trace/schema.js';
import { compressFrame, decompressFrame, initZstd } from '../../src/trace/zstd.js';
import { assemble, disassemble, headerFor, imageBytes, ioMix, panicAt, prng, sameBytes, SYMBOLS, tempDir, testPackr, testUnpackr, writeTrace, type Part } from './helpers.js';

/** Everything a reader gives for a file; TraceErrors recorded, any other exception fails the test. */
interface ReadAll {
  openError: TraceError | null;
  reader: TraceReader | null;
  events: TraceEvent[];
  eventsError: TraceError | null;
  image: Uint8Array | null | TraceError;
  symbols: unknown;
}

function attempt<T>(f: () => T): T | TraceError {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.length).toBeGreaterThan(10);
    return e;
  }
}

function readAll(path: string): ReadAll {
  const r = attempt(() => TraceReader.open(path));
  if (r instanceof TraceError) return { openError: r, reader: null, events: [], eventsError: null, image: null, symbols: null };
  const events: TraceEvent[] = [];
  const eventsError = attempt(() => {
    for (const e of r.events()) events.push(e);
    return null;
  });
  const out: ReadAll = { openError: null, reader: r, events, eventsError, image: attempt(() => r.image()), symbols: attempt(() => r.symbols()) };
  r.close();
  return out;
}

function sameEvents(a: TraceEvent[], b: TraceEvent[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x.kind !== y.kind || x.icount !== y.icount || x.addr !== y.addr || x.size !== y.size || x.value !== y.value || x.eip !== y.eip) return false;
  }
  return true;
}

const tmp = tempDir();
const image = imageBytes(1_300_000, 21);
const events = ioMix(60_000, 5);
const outcome = panicAt(events.at(-1));
let original: Uint8Array;
let parts: Part[];
let footer: Footer;
let footerOffset: number;
const tracePath = join(tmp.dir, 'orig.zst');

beforeAll(async () => {
  await initZstd();
  writeTrace(tracePath, events, { header: headerFor(image, { symbols: true }), blobs: { image, symbols: SYMBOLS }, outcome, flushEvery: 20_000 });
  original = new Uint8Array(readFileSync(tracePath));
  ({ parts, footer, footerOffset } = disassemble(original));
});
afterAll(() => tmp.cleanup());

let fileNo = 0;
function put(bytes: Uint8Array): string {
  const p = join(tmp.dir, `d${fileNo++}.zst`);
  writeFileSync(p, bytes);
  return p;
}

function chunkParts(): Part[] {
  return parts.filter((p) => p.entry.kind === 'chunk');
}

describe('a trace cut short anywhere', () => {
  it('has the layout the test expects', () => {
    expect(parts.map((p) => (p.entry.kind === 'blob' ? `blob:${p.entry.name}` : p.entry.kind))).toEqual(['header', 'blob:image', 'blob:image', 'blob:symbols', 'chunk', 'chunk', 'chunk', 'end']);
  });

  it('reads as a correct prefix with a recovery message, or fails with a TraceError', () => {
    const cuts = new Set<number>();
    for (const p of parts) for (const d of [-7, -1, 0, 1, 7]) cuts.add(p.entry.offset + d);
    for (const d of [0, 1, 8, 35, 36, 37]) cuts.add(footerOffset + d);
    for (let i = 1; i <= 80; i++) cuts.add(original.length - i);
    const r = prng(1234);
    for (let i = 0; i < 150; i++) cuts.add(r() % original.length);
    for (let i = 0; i < 12; i++) cuts.add(i);
    let partial = 0, full = 0, errors = 0;
    for (const cut of [...cuts].filter((c) => c >= 0 && c < original.length).sort((a, b) => a - b)) {
      const res = readAll(put(original.subarray(0, cut)));
      if (res.openError !== null) {
        errors++;
        // Only a file cut inside its header (or before it) is unreadable.
        expect(cut, `cut at ${cut}: ${res.openError.message}`).toBeLessThan(parts[1].entry.offset);
        continue;
      }
      const reader = res.reader!;
      expect(res.eventsError, `cut at ${cut}`).toBeNull();
      expect(sameEvents(res.events, events.slice(0, res.events.length)), `cut at ${cut}: events are a prefix`).toBe(true);
      if (reader.recovery === null) {
        full++;
        expect(cut, 'only the footer and trailer may be missing from a complete read').toBeGreaterThanOrEqual(footerOffset);
        expect(res.events.length).toBe(events.length);
        expect(reader.outcome).toEqual(outcome);
        expect(reader.warnings.length).toBe(1);
        expect(sameBytes(res.image as Uint8Array, image)).toBe(true);
      } else {
        partial++;
        const rec = reader.recovery;
        expect(rec.message).toMatch(/cut short/);
        expect(rec.chunksRecovered).toBe(reader.chunks.length);
        expect(rec.lastIcount).toBe(res.events.at(-1)?.icount ?? 0);
        expect(reader.outcome).toBeNull();
        // exactly the chunks that are wholly before the cut
        const whole = chunkParts().filter((p) => p.entry.offset + p.entry.length <= cut).length;
        expect(rec.chunksRecovered, `cut at ${cut}`).toBe(whole);
        const lastGood = parts.filter((p) => p.entry.offset + p.entry.length <= cut).at(-1)!;
        expect(rec.bytesLost).toBe(cut - (lastGood.entry.offset + lastGood.entry.length));
        // the image is whole or reported as cut short
        if (res.image instanceof TraceError) expect(res.image.kind).toBe('truncated');
        else expect(sameBytes(res.image as Uint8Array, image)).toBe(true);
      }
    }
    expect(partial).toBeGreaterThan(100);
    expect(full).toBeGreaterThan(10);
    expect(errors).toBeGreaterThan(5);
  });
});

describe('random bit flips', () => {
  const regions = (): Record<string, [number, number]> => {
    const c = chunkParts()[1].entry;
    const blob = parts.find((p) => p.entry.kind === 'blob')!.entry;
    return {
      header: [0, parts[0].entry.length],
      blob: [blob.offset, blob.offset + blob.length],
      chunk: [c.offset, c.offset + c.length],
      end: [parts.at(-1)!.entry.offset, footerOffset],
      footer: [footerOffset, original.length - 36],
      trailer: [original.length - 36, original.length],
    };
  };

  for (const region of ['header', 'blob', 'chunk', 'end', 'footer', 'trailer']) {
    it(`in the ${region} give a TraceError naming what is wrong, or a correct read`, () => {
      const [from, to] = regions()[region];
      const r = prng(region.length * 7919 + from);
      const chunk1 = chunkParts()[1].entry;
      let detected = 0;
      for (let i = 0; i < 60; i++) {
        const bytes = new Uint8Array(original);
        const at = from + (r() % (to - from));
        bytes[at] ^= 1 << (r() % 8);
        const res = readAll(put(bytes));
        const errors = [res.openError, res.eventsError, res.image, res.symbols].filter((x): x is TraceError => x instanceof TraceError);
        if (errors.length === 0) {
          // Nothing reported: then everything read must be exactly the original.
          expect(sameEvents(res.events, events), `flip at ${at}`).toBe(true);
          expect(sameBytes(res.image as Uint8Array, image)).toBe(true);
          expect(res.symbols).toEqual(SYMBOLS);
          expect(res.reader!.outcome).toEqual(outcome);
          if (region === 'footer' || region === 'trailer') {
            if (res.reader!.warnings.length > 0) detected++;
          }
          continue;
        }
        detected++;
        const msg = errors[0].message;
        if (region === 'header') expect(msg, `flip at ${at}`).toMatch(/header|not a kreplay trace/);
        if (region === 'blob') expect(msg).toMatch(/embedded image/);
        if (region === 'chunk') {
          expect(res.openError).toBeNull();
          expect(msg).toContain(`chunk 1 (icount ${chunk1.icountFrom}..${chunk1.icountTo})`);
          expect(sameEvents(res.events, events.slice(0, 20_000)), 'chunk 0 still read').toBe(true);
        }
        expect(['footer', 'trailer']).not.toContain(region);
      }
      // Every flip in a checked region is noticed (zstd checksums, CRCs); the end frame is only read without a footer.
      if (region !== 'end') expect(detected).toBeGreaterThan(50);
    });
  }

  it('a chunk whose body no longer matches its CRC-32 is named with its icount range (index and scan)', () => {
    const idx = parts.findIndex((p) => p.entry.kind === 'chunk' && p.entry.seq === 2);
    const frame = testUnpackr.unpack(decompressFrame(parts[idx].bytes)) as Record<string, unknown>;
    const body = new Uint8Array(frame.body as Uint8Array);
    body[body.length - 3] ^= 0x10;
    const tampered = { ...frame, body: Buffer.from(body) };
    const newParts = parts.map((p, i) => (i === idx ? { entry: p.entry, bytes: compressFrame(testPackr.pack(tampered)) } : p));
    const { frames: _frames, ...rest } = footer;
    const e = parts[idx].entry;
    // with an index: the chunk is read on demand and refused
    const withIndex = readAll(put(assemble(newParts, rest)));
    expect(withIndex.openError).toBeNull();
    expect(withIndex.eventsError?.message).toContain(`chunk 2 (icount ${e.icountFrom}..${e.icountTo})`);
    expect(withIndex.eventsError?.message).toContain('CRC-32 mismatch');
    expect(withIndex.eventsError?.kind).toBe('corrupt');
    expect(withIndex.events.length).toBe(40_000);
    // without one: the scan stops there and says so
    const scanned = readAll(put(assemble(newParts, rest, false)));
    expect(scanned.reader!.recovery).toMatchObject({ complete: false, chunksRecovered: 2 });
    expect(scanned.reader!.recovery!.message).toContain(`chunk 2 (icount ${e.icountFrom}..${e.icountTo}): CRC-32 mismatch`);
    expect(scanned.reader!.recovery!.message).toMatch(/damaged/);
  });
});
