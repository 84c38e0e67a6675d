import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../helpers/cli.js';
import { TraceError, TraceReader } from '../../src/trace/reader.js';
import { compressFrame, decompressFrame, initZstd } from '../../src/trace/zstd.js';
import { assemble, disassemble, imageBytes, ioMix, panicAt, tempDir, testPackr, testUnpackr, writeTrace } from './helpers.js';

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const tmp = tempDir();
beforeAll(() => initZstd());
afterAll(() => tmp.cleanup());

let k = 0;
function put(bytes: Uint8Array | string, name = `f${k++}`): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, bytes);
  return p;
}

function openError(path: string): TraceError {
  try {
    TraceReader.open(path).close();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    expect((e as TraceError).message).not.toMatch(/\n/);
    return e as TraceError;
  }
  throw new Error(`${path} opened`);
}

/** A finished trace whose header frame is replaced by `edit` of its decoded map. */
function withHeader(edit: (h: Record<string, unknown>) => Record<string, unknown>, extraFrames: Uint8Array[] = []): string {
  const orig = join(tmp.dir, `base${k++}.zst`);
  const events = ioMix(3000, 1);
  writeTrace(orig, events, { outcome: panicAt(events.at(-1)), flushEvery: 1000 });
  const { parts, footer } = disassemble(new Uint8Array(readFileSync(orig)));
  const h = testUnpackr.unpack(decompressFrame(parts[0].bytes)) as Record<string, unknown>;
  const newParts = [{ entry: parts[0].entry, bytes: compressFrame(testPackr.pack(edit(h))) }, ...parts.slice(1, -1)];
  for (const f of extraFrames) newParts.push({ entry: { kind: 'future-thing', offset: 0, length: 0 }, bytes: f });
  newParts.push(parts.at(-1)!);
  const { frames: _f, ...rest } = footer;
  return put(assemble(newParts, rest));
}

describe('files that are not traces', () => {
  it('a missing file, a directory', () => {
    expect(openError(join(tmp.dir, 'nope.zst')).kind).toBe('not-found');
    expect(openError(tmp.dir)).toMatchObject({ kind: 'io', message: expect.stringContaining('directory') });
  });

  it('an empty file, text, an ELF, random bytes', () => {
    expect(openError(put(''))).toMatchObject({ kind: 'not-a-trace', message: expect.stringContaining('empty') });
    expect(openError(put('hello, world\nthis is text\n'))).toMatchObject({ kind: 'not-a-trace', message: expect.stringContaining('text') });
    const elf = readFileSync(repo('guests/hello/hello.elf'));
    expect(openError(put(elf))).toMatchObject({ kind: 'not-a-trace', message: expect.stringContaining('ELF') });
    expect(openError(put(new Uint8Array([0, 1, 2])))).toMatchObject({ kind: 'not-a-trace' });
  });

  it('zstd files that are not ours', () => {
    expect(openError(put(compressFrame(new TextEncoder().encode('just some text'))))).toMatchObject({ kind: 'not-a-trace', message: expect.stringContaining('zstd file but not a kreplay trace') });
    expect(openError(put(compressFrame(testPackr.pack({ magic: 'something-else', version: { major: 1, minor: 0 } }))))).toMatchObject({ kind: 'not-a-trace' });
    // a skippable frame first
    expect(openError(put(new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0])))).toMatchObject({ kind: 'not-a-trace' });
  });

  it.skipIf(!hasZstd)('zstd files written by the zstd CLI (big content, streamed without a content size)', () => {
    const big = put(imageBytes(3_000_000, 4), 'big.bin');
    spawnSync('zstd', ['-q', '-f', big, '-o', `${big}.zst`]);
    expect(openError(`${big}.zst`)).toMatchObject({ kind: 'not-a-trace' });
    const streamed = spawnSync('zstd', ['-c'], { input: 'streamed through a pipe\n' });
    expect(openError(put(new Uint8Array(streamed.stdout)))).toMatchObject({ kind: 'not-a-trace' });
    const small = spawnSync('zstd', ['-c', '--no-check'], { input: Buffer.from(testPackr.pack({ a: 1 })) });
    expect(openError(put(new Uint8Array(small.stdout)))).toMatchObject({ kind: 'not-a-trace' });
  });
});

describe('format versions', () => {
  it('refuses a newer major version with a clear message, whatever else the header holds', () => {
    const e = openError(withHeader((h) => ({ ...h, version: { major: 2, minor: 0 } })));
    expect(e.kind).toBe('version');
    expect(e.message).toMatch(/trace format 2\.0 is newer than this kreplay \(reads 1\.x\); upgrade kreplay$/);
    const e2 = openError(withHeader(() => ({ magic: 'kreplay-trace', version: { major: 7, minor: 3 }, totally: 'different' })));
    expect(e2.message).toContain('trace format 7.3 is newer than this kreplay (reads 1.x); upgrade kreplay');
  });

  it('reads a newer minor version, ignoring keys and frame kinds it does not know', () => {
    const future = compressFrame(testPackr.pack({ kind: 'future-thing', stuff: new Uint8Array([1, 2, 3]) }));
    const p = withHeader((h) => ({ ...h, version: { major: 1, minor: 9 }, newKey: { a: 1 } }), [future]);
    const r = TraceReader.open(p);
    expect(r.header.version).toEqual({ major: 1, minor: 9 });
    expect(r.eventCount).toBe(3000);
    expect([...r.events()].length).toBe(3000);
    // and the same without an index (scan skips the unknown frame)
    const bytes = new Uint8Array(readFileSync(p));
    const { parts, footer } = disassemble(bytes);
    const { frames: _f, ...rest } = footer;
    const scanned = TraceReader.open(put(assemble(parts, rest, false)));
    expect(scanned.recovery).toBeNull();
    expect(scanned.warnings[0]).toMatch(/index \(footer and trailer\) is missing or damaged/);
    expect([...scanned.events()].length).toBe(3000);
  });

  it('reports a header with a damaged field as corrupt, naming the field', () => {
    const e = openError(withHeader((h) => ({ ...h, machine: { ...(h.machine as object), memMiB: 'lots' } })));
    expect(e).toMatchObject({ kind: 'corrupt', message: expect.stringContaining('machine.memMiB') });
  });
});
