import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceError } from '../../src/trace/errors.js';
import { FRAME_MAX_CONTENT } from '../../src/trace/schema.js';
import { compressFrame, decompressFrame, initZstd, zstdCodecForTests, zstdInstancesCreated } from '../../src/trace/zstd.js';
import { prng, sameBytes, tempDir } from './helpers.js';

const hasZstd = spawnSync('zstd', ['--version']).status === 0;

function random(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return new Uint8Array(n).map(() => r() & 0xff);
}

function expectTraceError(f: () => unknown, kind: string): TraceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    expect((e as TraceError).kind).toBe(kind);
    expect((e as TraceError).message).not.toContain('\n');
    return e as TraceError;
  }
  throw new Error('expected a TraceError');
}

describe('zstd (zstd-codec behind compressFrame/decompressFrame)', () => {
  const tmp = tempDir();
  beforeAll(() => initZstd());
  afterAll(() => tmp.cleanup());

  it('round-trips empty, small, 1 MiB random and 1 MiB compressible data at every level 1-9', () => {
    const inputs = [new Uint8Array(0), new Uint8Array([42]), random(1000, 1), random(FRAME_MAX_CONTENT, 2), new Uint8Array(FRAME_MAX_CONTENT).map((_, i) => (i * 7) & 0xff)];
    for (let level = 1; level <= 9; level++) {
      for (const data of inputs) {
        const f = compressFrame(data, level);
        expect(f[4] & 0x04, 'content checksum flag').toBe(0x04);
        expect(sameBytes(decompressFrame(f), data)).toBe(true);
      }
    }
  });

  it('is deterministic', () => {
    const d = random(300_000, 3);
    expect(sameBytes(compressFrame(d, 5), compressFrame(new Uint8Array(d), 5))).toBe(true);
  });

  it('refuses levels outside 1-9 and inputs over 1 MiB without touching the wasm heap', () => {
    expectTraceError(() => compressFrame(new Uint8Array(10), 0), 'usage');
    expectTraceError(() => compressFrame(new Uint8Array(10), 19), 'usage');
    expectTraceError(() => compressFrame(new Uint8Array(FRAME_MAX_CONTENT + 1)), 'usage');
    expect(decompressFrame(compressFrame(new Uint8Array(5)))).toEqual(new Uint8Array(5));
  });

  it('turns garbage, truncated, oversized and tampered frames into TraceError and keeps working', () => {
    const good = compressFrame(random(50_000, 4).map((v, i) => (i % 3 === 0 ? v : 0)));
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      random(5000, 5),
      good.subarray(0, good.length - 1),
      good.subarray(0, 10),
      new Uint8Array([...good, 0]),
      // content size 2^32 and 1 GiB: would ask the 16 MiB heap for a huge buffer
      new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]),
      new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40, 1, 0, 0]),
      // no content size (streaming frame)
      new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50, 1, 0, 0]),
      // a skippable frame
      new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]),
    ];
    const instances = zstdInstancesCreated();
    const r = prng(6);
    for (let i = 0; i < 300; i++) {
      const t = new Uint8Array(good);
      t[r() % t.length] ^= 1 << (r() % 8);
      bad.push(t);
    }
    for (const b of bad) {
      try {
        const out = decompressFrame(b);
        // A flip zstd cannot see (e.g. in the window descriptor) must still give the right content.
        expect(sameBytes(out, decompressFrame(good))).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(TraceError);
      }
    }
    // multi-byte damage to multi-block frames (1 MiB of content), biased towards the frame header
    const big = [compressFrame(random(FRAME_MAX_CONTENT, 9).map((v, i) => (i % 5 === 0 ? v : 65 + (i % 3))), 9), compressFrame(random(FRAME_MAX_CONTENT, 10), 1)];
    for (let i = 0; i < 400; i++) {
      const t = new Uint8Array(big[i % 2]);
      for (let j = 1 + (r() % 6); j > 0; j--) {
        const at = r() % 2 === 0 ? r() % 24 : r() % t.length;
        t[at] = r() & 0xff;
      }
      try {
        decompressFrame(t);
      } catch (e) {
        expect(e).toBeInstanceOf(TraceError);
      }
    }
    expect(decompressFrame(good).length).toBe(50_000);
    expect(zstdInstancesCreated(), 'no input needed a fresh wasm instance').toBe(instances);
  });

  it('survives many 1 MiB frames in a row (no heap growth in the wasm)', () => {
    const d = random(FRAME_MAX_CONTENT, 7);
    const instances = zstdInstancesCreated();
    for (let i = 0; i < 60; i++) expect(decompressFrame(compressFrame(d, 1 + (i % 9))).length).toBe(FRAME_MAX_CONTENT);
    expect(zstdInstancesCreated()).toBe(instances);
  });

  it.skipIf(!hasZstd)('writes frames the zstd CLI verifies (content checksum included) and reads frames it writes', () => {
    const data = random(200_000, 8).map((v, i) => (i % 4 === 0 ? v : 65));
    const p = join(tmp.dir, 'x.zst');
    writeFileSync(p, compressFrame(data, 3));
    expect(spawnSync('zstd', ['-t', '-q', p]).status).toBe(0);
    const out = spawnSync('zstd', ['-dc', p], { maxBuffer: 1 << 26 });
    expect(out.status).toBe(0);
    expect(sameBytes(new Uint8Array(out.stdout), data)).toBe(true);
    // a tampered checksum is caught by the CLI too
    const t = new Uint8Array(readFileSync(p));
    t[t.length - 1] ^= 0x80;
    writeFileSync(p, t);
    expect(spawnSync('zstd', ['-t', '-q', p]).status).not.toBe(0);
    // and frames the CLI writes decode here
    const raw = join(tmp.dir, 'raw.bin');
    writeFileSync(raw, data);
    spawnSync('zstd', ['-q', '-f', '-19', raw, '-o', `${raw}.zst`]);
    expect(sameBytes(decompressFrame(new Uint8Array(readFileSync(`${raw}.zst`))), data)).toBe(true);
  });
});

describe('zstd wasm failures', () => {
  beforeAll(() => initZstd());

  it('replace the instance and surface as TraceError; later calls work', () => {
    const codec = zstdCodecForTests() as { decompress: (...a: unknown[]) => number };
    const before = zstdInstancesCreated();
    const frame = compressFrame(new Uint8Array(1000).fill(7));
    codec.decompress = () => {
      throw new Error('abort(OOM). Build with -s ASSERTIONS=1 for more info.');
    };
    expect(() => decompressFrame(frame)).toThrow(/zstd failed: Error: abort\(OOM\)/);
    expect(zstdInstancesCreated()).toBe(before + 1);
    expect(sameBytes(decompressFrame(frame), new Uint8Array(1000).fill(7))).toBe(true);
    expect(zstdCodecForTests()).not.toBe(codec);
  });
});
