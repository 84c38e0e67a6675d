import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordGuest } from '../../src/harness/record.js';
import { readGoldenManifest } from '../../src/tools/golden.js';
import { repo, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-jit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (p: string): Uint8Array => new Uint8Array(readFileSync(repo(p)));

/**
 * DESIGN.md: the interpreter and the block compiler must produce byte-identical traces; the
 * interpreter is the reference. Every golden guest is recorded both ways (with dense checkpoints,
 * so the whole machine state is compared along the way too).
 */
describe('compiled blocks behave exactly as the interpreter', () => {
  for (const g of readGoldenManifest(ROOT)) {
    it(`${g.name}: the same trace with and without the block compiler`, async () => {
      const opts = {
        image: bytes(g.image), imageName: g.image, cmdline: g.append ?? '',
        serialIn: g.serialIn === undefined ? undefined : bytes(g.serialIn), checkpointEvery: 2_000_000,
      };
      const a = join(dir, `${g.name}-jit.zst`), b = join(dir, `${g.name}-interp.zst`);
      const compiled = await recordGuest({ ...opts, out: a, jit: true });
      const interpreted = await recordGuest({ ...opts, out: b, jit: false });
      expect(interpreted.machine.cpu.code.compiledBlocks).toBe(0);
      // CPU-bound runs really went through compiled blocks (hot means 1,000 runs of a block).
      if (['compute', 'systest'].includes(g.name)) expect(compiled.machine.cpu.code.compiledBlocks).toBeGreaterThan(0);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    });
  }
});
