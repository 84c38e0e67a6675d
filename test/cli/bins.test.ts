/**
 * The package's bins run as programs, the way `.ci/run` and users call them (`npx kreplay ...`,
 * `replay ...` on PATH), not only through `node dist/cli/...`: after `npm run build` each is
 * executable and its shebang starts Node. (A fresh checkout once failed with "Permission denied".)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repo, ROOT } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('package bins', () => {
  for (const [name, path] of Object.entries(pkg.bin)) {
    it(`${name} (${path}) is executable and runs on its own`, () => {
      expect(statSync(repo(path)).mode & 0o111, `${path} is not executable`).toBe(0o111);
      const r = spawnSync(repo(path), ['--version'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.error).toBeUndefined();
      expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: pkg.version });
    });
  }

  it('npx kreplay runs the project\'s own bin', () => {
    const r = spawnSync('npx', ['--no-install', 'kreplay', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout.trim(), stderr: r.stderr }).toEqual({ status: 0, stdout: pkg.version, stderr: '' });
  });
});
