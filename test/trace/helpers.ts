import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr, Unpackr } from 'msgpackr';
import { footerFrame, parseTrailer, trailerFrame } from '../../src/trace/footer.js';
import { EVENT, TRAILER_FRAME_BYTES, type Footer, type FrameIndexEntry, type TraceEvent, type TraceHeaderInput } from '../../src/trace/schema.js';
import { TraceWriter, type TraceBlobs, type TraceWriterOptions } from '../../src/trace/writer.js';

/** xorshift32 with a fixed seed: the tests' only source of "randomness". */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kreplay-trace-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pseudo-random but compressible bytes (an image-like blob). */
export function imageBytes(n: number, seed = 7): Uint8Array {
  const r = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i & 0x3f) < 40 ? (i * 13) & 0xff : r() & 0xff;
  return b;
}

export function headerFor(image: Uint8Array | null, over: Partial<TraceHeaderInput> = {}): TraceHeaderInput {
  const img = image ?? new Uint8Array([1, 2, 3]);
  return {
    tool: '0.1.0',
    machine: { memMiB: 32, nsPerInsn: 1, rtcEpoch: 946684800, devices: ['pic', 'pit', 'com1'] },
    cmdline: 'console=ttyS0 panic=1',
    maxInsns: 4_000_000_000,
    inputs: { serialIn: new Uint8Array([104, 105, 10]), policy: 'paced-at-line-rate-after-rx-enable' },
    image: image === null
      ? { name: 'kernel.elf', size: img.length, sha256: sha256(img), embedded: false, path: 'guests/x/kernel.elf' }
      : { name: 'kernel.elf', size: img.length, sha256: sha256(img), embedded: true },
    symbols: false,
    extra: {},
    ...over,
  };
}

export const SYMBOLS = { version: 1, names: ['_start', 'kmain', 'panic'], addrs: [0x100000, 0x100040, 0x100200], sizes: [0x40, 0x1c0, 0x80], spans: [0x40, 0x1c0, 0x80], types: [2, 2, 2], binds: [1, 1, 1] };

export interface Written {
  path: string;
  events: TraceEvent[];
  outcome: object | null;
}

/** Writes `events` (then an OUTCOME event and finish, unless `finish` is false). */
export function writeTrace(path: string, events: TraceEvent[], opts: { header?: TraceHeaderInput; blobs?: TraceBlobs; outcome?: object | null; options?: TraceWriterOptions; flushEvery?: number } = {}): Written {
  const image = imageBytes(5000);
  const header = opts.header ?? headerFor(image);
  const blobs = opts.blobs ?? { image };
  const w = TraceWriter.create(path, header, blobs, opts.options);
  events.forEach((e, i) => {
    w.append(e.kind, e.icount, e.addr, e.size, e.value, e.eip);
    if (opts.flushEvery !== undefined && (i + 1) % opts.flushEvery === 0) w.flushChunk();
  });
  const outcome = opts.outcome === undefined ? null : opts.outcome;
  w.finish(outcome);
  return { path, events, outcome };
}

/** A console-printing guest: polls the UART's LSR until THRE, writes a character; PIT interrupts now and then. */
export function portHeavy(n: number, seed = 1, start = 5_000_000_000): TraceEvent[] {
  const r = prng(seed);
  const ev: TraceEvent[] = [];
  let ic = start;
  const text = 'Linux version 6.1.0-18-686 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1\nCommand line: console=ttyS0\n';
  let ci = 0;
  let nextTimer = ic + 1_000_000;
  const push = (kind: number, addr: number, size: number, value: number, eip: number): void => {
    if (ev.length < n) ev.push({ kind, icount: ic, addr, size, value, eip });
  };
  while (ev.length < n) {
    const polls = 20 + (r() % 40);
    for (let i = 0; i < polls; i++) {
      ic += 4;
      push(EVENT.PORT_IN, 0x3fd, 1, i === polls - 1 ? 0x60 : 0x00, 0x00101a34);
    }
    ic += 3;
    push(EVENT.PORT_OUT, 0x3f8, 1, text.charCodeAt(ci++ % text.length), 0x00101a3c);
    if (ic >= nextTimer) {
      nextTimer += 1_000_000;
      ic += 1;
      push(EVENT.INTERRUPT, 0, 0, 0x20, 0x00101a30);
      ic += 12;
      push(EVENT.PORT_IN, 0x40, 1, r() & 0xff, 0x00102210);
      ic += 9;
      push(EVENT.PORT_OUT, 0x20, 1, 0x20, 0x00102240);
    }
  }
  return ev;
}

/** Mixed devices: UART, CMOS, PIC, PIT, local APIC MMIO, with random values and timings. */
export function ioMix(n: number, seed = 2): TraceEvent[] {
  const r = prng(seed);
  const ev: TraceEvent[] = [];
  let ic = 1000;
  const push = (kind: number, addr: number, size: number, value: number, eip: number): void => {
    if (ev.length < n) ev.push({ kind, icount: ic, addr: addr >>> 0, size, value: value >>> 0, eip: eip >>> 0 });
  };
  while (ev.length < n) {
    const t = r() % 10;
    if (t < 4) {
      ic += 4 + (r() % 3); push(EVENT.PORT_IN, 0x3fd, 1, 0x60, 0x101a34);
      ic += 3; push(EVENT.PORT_OUT, 0x3f8, 1, 32 + (r() % 90), 0x101a3c);
    } else if (t < 6) {
      ic += 30 + (r() % 200); push(EVENT.PORT_OUT, 0x70, 1, r() % 14, 0x104000 + (r() % 4) * 0x20);
      ic += 2; push(EVENT.PORT_IN, 0x71, 1, r() & 0xff, 0x104004 + (r() % 4) * 0x20);
    } else if (t < 7) {
      ic += 500 + (r() % 5000); push(EVENT.INTERRUPT, 0, 0, 0x20 + (r() % 2), 0x100000 + (r() % 0x8000));
      ic += 10; push(EVENT.PORT_OUT, 0x20, 1, 0x20, 0x102240);
    } else if (t < 8) {
      ic += 40; push(EVENT.MMIO_READ, 0xfee00020 + (r() % 4) * 0x10, 4, r(), 0x105000 + (r() % 16) * 4);
    } else {
      ic += 100 + (r() % 1000); push(EVENT.PORT_IN, 0x40, 1, r() & 0xff, 0x102210);
      ic += 5; push(EVENT.PORT_IN, 0x40, 1, r() & 0xff, 0x102218);
    }
  }
  return ev;
}

/** Rare events far apart (an idle guest): huge icount deltas, random EIPs and values. */
export function sparse(n: number, seed = 3): TraceEvent[] {
  const r = prng(seed);
  const ev: TraceEvent[] = [];
  let ic = 0;
  while (ev.length < n) {
    ic += 100_000 + (r() % 10_000_000) + (r() % 4 === 0 ? 2 ** 33 : 0);
    const t = r() % 3;
    if (t === 0) ev.push({ kind: EVENT.INTERRUPT, icount: ic, addr: 0, size: 0, value: 0x20, eip: 0x100000 + (r() % 0x100000) });
    else if (t === 1) ev.push({ kind: EVENT.SERIAL_INPUT, icount: ic, addr: 0, size: 1, value: r() & 0xff, eip: 0x101000 + (r() % 64) });
    else ev.push({ kind: EVENT.MMIO_WRITE, icount: ic, addr: 0xfec00000 + (r() % 64) * 4, size: 4, value: r(), eip: 0x100000 + (r() % 0x100000) });
  }
  return ev;
}

/** A panic outcome at the last event. */
export function panicAt(e: TraceEvent | undefined): object {
  return { kind: 'panic', source: 'pvpanic', bits: 1, message: null, icount: e?.icount ?? 0, eip: e?.eip ?? 0 };
}

/** Byte equality without vitest's per-element deep compare (slow on megabytes). */
export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

// ---------------------------------------------------------------------------------------------
// Taking a finished trace apart and putting one together (for crafted damage and future versions)


export const testUnpackr = new Unpackr({ moreTypes: true, useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
export const testPackr = new Packr({ moreTypes: true, useRecords: false, variableMapSize: true });

export interface Part {
  entry: FrameIndexEntry;
  bytes: Uint8Array;
}

/** The data frames of a finished trace (from its footer), the footer and where it sits. */
export function disassemble(file: Uint8Array): { parts: Part[]; footer: Footer; footerOffset: number } {
  const t = parseTrailer(file.subarray(file.length - TRAILER_FRAME_BYTES), file.length);
  if (t === null) throw new Error('no trailer');
  const footer = testUnpackr.unpack(file.subarray(t.footerOffset + 8, t.footerOffset + t.footerLength)) as Footer;
  const parts = footer.frames.map((entry) => ({ entry, bytes: file.subarray(entry.offset, entry.offset + entry.length) }));
  return { parts, footer, footerOffset: t.footerOffset };
}

/** A trace file from data frames, with a fresh footer and trailer unless `index` is false. */
export function assemble(parts: Part[], footer: Omit<Footer, 'frames'>, index = true): Uint8Array {
  const chunks: Uint8Array[] = [];
  const frames: FrameIndexEntry[] = [];
  let at = 0;
  for (const p of parts) {
    frames.push({ ...p.entry, offset: at, length: p.bytes.length });
    chunks.push(p.bytes);
    at += p.bytes.length;
  }
  if (index) {
    const { frame, crc } = footerFrame({ ...footer, frames });
    chunks.push(frame, trailerFrame(at, frame.length, crc));
  }
  return new Uint8Array(Buffer.concat(chunks));
}
