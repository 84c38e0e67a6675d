import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayTrace } from '../../src/harness/replay.js';
import { TraceError } from '../../src/trace/reader.js';
import { initZstd } from '../../src/trace/zstd.js';
import { kreplay, repo } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const golden = readFileSync(repo('traces/echo.zst'));

/** A fixed-seed PRNG (xorshift32): the same damage every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  await initZstd();
});

/** Replay must end cleanly (match, end of trace, or a divergence) or fail with a TraceError. */
async function replayOrTraceError(path: string): Promise<string> {
  try {
    const r = await replayTrace(path);
    return r.status;
  } catch (e) {
    if (e instanceof TraceError) return `error:${e.kind}`;
    throw e;
  }
}

describe('damaged traces never crash replay', () => {
  it('truncated at many offsets: a partial replay or a clear TraceError', async () => {
    const seen = new Set<string>();
    const step = Math.max(1, Math.floor(golden.length / 60));
    for (let cut = 0; cut < golden.length; cut += step) {
      const p = join(dir, `cut-${cut}.zst`);
      writeFileSync(p, golden.subarray(0, cut));
      const status = await replayOrTraceError(p);
      expect(status).not.toBe('diverged');
      seen.add(status);
    }
    // Short prefixes cannot be read at all; longer ones replay what they hold.
    expect([...seen].some((s) => s.startsWith('error:'))).toBe(true);
    expect(seen.has('end-of-trace')).toBe(true);
  });

  it('random bit flips: a clean replay, a divergence, or a clear TraceError', async () => {
    const rnd = prng(0xc0ffee);
    for (let k = 0; k < 40; k++) {
      const damaged = Buffer.from(golden);
      const at = Math.floor(rnd() * damaged.length);
      damaged[at] ^= 1 << Math.floor(rnd() * 8);
      const p = join(dir, `flip-${k}.zst`);
      writeFileSync(p, damaged);
      await replayOrTraceError(p);
    }
  });
});

describe('kreplay replay: unreadable input is one line and exit code 2', () => {
  const expectOneLine = (r: { status: number; stderr: string }, re: RegExp): void => {
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kreplay: /);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('a missing trace', () => expectOneLine(kreplay(['replay', join(dir, 'absent.zst')]), /absent\.zst/));
  it('an ELF instead of a trace', () => expectOneLine(kreplay(['replay', 'guests/hello/hello.elf']), /not a .*trace|not a kreplay trace/i));
  it('an empty file', () => {
    const p = join(dir, 'empty.zst');
    writeFileSync(p, '');
    expectOneLine(kreplay(['replay', p]), /empty|not a/i);
  });
  it('a header cut in half', () => {
    const p = join(dir, 'half-header.zst');
    writeFileSync(p, golden.subarray(0, 40));
    expectOneLine(kreplay(['replay', p]), /cut short|corrupt|not a/i);
  });
  it('inspect and log give the same one-line errors', () => {
    expectOneLine(kreplay(['inspect', 'guests/hello/hello.elf']), /trace/i);
    expectOneLine(kreplay(['log', 'guests/hello/hello.elf']), /trace/i);
  });
});
