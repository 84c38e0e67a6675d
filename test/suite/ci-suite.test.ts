import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/harness/suite/index.js';
import { readGoldenManifest } from '../../src/tools/golden.js';
import { kreplay, repo, ROOT } from '../helpers/cli.js';
import { checkXml } from './xml-check.js';

/**
 * The project's own CI suite (.ci/run runs it after npm test): it must cover every guest image in
 * guests/ and every golden trace, and pass.
 */
const SUITE = 'test/suite/guests.suite.json';
const suite = loadSuite(repo(SUITE));
const dir = mkdtempSync(join(tmpdir(), 'kreplay-ci-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Kernel images under guests/: *.elf and *.bin in each guest's directory. */
function guestImages(): string[] {
  return readdirSync(repo('guests')).filter((d) => statSync(repo(`guests/${d}`)).isDirectory())
    .flatMap((d) => readdirSync(repo(`guests/${d}`)).filter((f) => /\.(elf|bin)$/.test(f)).map((f) => `guests/${d}/${f}`));
}

describe('the CI suite', () => {
  it('records every guest image in guests/', () => {
    const covered = new Set(suite.cases.flatMap((c) => (c.mode === 'record' ? [relative(ROOT, c.image)] : [])));
    const images = guestImages();
    expect(images.length).toBeGreaterThanOrEqual(15);
    expect(images.filter((i) => !covered.has(i))).toEqual([]);
  });

  it('replays every golden trace of traces/golden.json', () => {
    const replayed = new Set(suite.cases.flatMap((c) => (c.mode === 'replay' ? [relative(ROOT, c.trace)] : [])));
    expect(readGoldenManifest(ROOT).map((g) => `traces/${g.name}.zst`).filter((t) => !replayed.has(t))).toEqual([]);
  });

  it('passes, with a valid JUnit report', () => {
    const junit = join(dir, 'junit.xml');
    const r = kreplay(['suite', SUITE, '--json', '--junit', junit]);
    const report = JSON.parse(r.stdout) as { cases: { name: string; status: string; reason: string | null }[] };
    expect(report.cases.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(r.status).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    expect(checkXml(xml).problems).toEqual([]);
    expect(xml).toMatch(new RegExp(`<testsuites name="kreplay suite guests" tests="${suite.cases.length}" failures="0" errors="0"`));
  });
});
