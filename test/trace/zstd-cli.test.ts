import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import { initZstd } from '../../src/trace/zstd.js';
import { headerFor, imageBytes, panicAt, portHeavy, SYMBOLS, tempDir, writeTrace } from './helpers.js';

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const unpackr = new Unpackr({ moreTypes: true, useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

describe.skipIf(!hasZstd)('a trace is a valid zstd stream (the real zstd CLI)', () => {
  const tmp = tempDir();
  const p = join(tmp.dir, 'trace.zst');
  const image = imageBytes(1_800_000, 3);
  const events = portHeavy(150_000);

  beforeAll(async () => {
    await initZstd();
    writeTrace(p, events, { header: headerFor(image, { symbols: true }), blobs: { image, symbols: SYMBOLS }, outcome: panicAt(events.at(-1)) });
  });
  afterAll(() => tmp.cleanup());

  it('passes `zstd -t` (every frame, content checksums included)', () => {
    const r = spawnSync('zstd', ['-t', p], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
  });

  it('`zstd -dc` gives the frames as a msgpack stream: header, blobs, chunks, end (footer and trailer skipped)', () => {
    const out = spawnSync('zstd', ['-dc', p], { maxBuffer: 1 << 28 });
    expect(out.status).toBe(0);
    const values = unpackr.unpackMultiple(out.stdout) as Record<string, unknown>[];
    expect(values[0]).toMatchObject({ magic: 'kreplay-trace', version: { major: 1, minor: 0 }, kind: 'header' });
    const kinds = values.map((v) => (v.kind === 'blob' ? `blob:${String(v.name)}` : String(v.kind)));
    expect(kinds).toEqual(['header', 'blob:image', 'blob:image', 'blob:symbols', 'chunk', 'chunk', 'chunk', 'end']);
    expect(values.at(-1)).toMatchObject({ kind: 'end', eventCount: events.length });
  });

  it('any chunk decodes alone with `zstd -dc`', () => {
    const r = TraceReader.open(p);
    const c = r.chunks[1];
    const one = join(tmp.dir, 'chunk1.zst');
    writeFileSync(one, readFileSync(p).subarray(c.offset, c.offset + c.length));
    const out = spawnSync('zstd', ['-dc', one], { maxBuffer: 1 << 26 });
    expect(out.status).toBe(0);
    const v = unpackr.unpack(out.stdout) as Record<string, unknown>;
    expect(v).toMatchObject({ kind: 'chunk', seq: 1, icountFrom: c.icountFrom, icountTo: c.icountTo, count: c.count });
    const body = unpackr.unpack(v.body as Uint8Array) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['codec', 'kind', 'icountDelta', 'addr', 'size', 'value', 'eip']);
    r.close();
  });
});
