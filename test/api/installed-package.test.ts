import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, ROOT } from '../helpers/cli.js';
import { readmeExample } from './readme-examples.js';

/**
 * "Works from an installed package": `npm pack` the repository (dist must be built: npm test
 * builds first), install the tarball into a fresh project, and run the README's examples there,
 * so the exports map, the files list, the type declarations and the vitest entry are what a user
 * gets. The install is offline, from the npm cache `npm ci` filled; if that fails (no cache), the
 * tarball is unpacked by hand and the dependencies linked from this checkout.
 */
const work = mkdtempSync(join(tmpdir(), 'kreplay-installed-'));
const project = join(work, 'project');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let installedBy = '';

function run(cmd: string, args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env });
}

beforeAll(() => {
  const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', work, ROOT], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const tarball = join(work, packed);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-kreplay', private: true, type: 'module' }));
  const install = run(npm, ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], project);
  if (install.status === 0) {
    installedBy = 'npm install --offline';
  } else {
    const modules = join(project, 'node_modules');
    mkdirSync(modules, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    renameSync(join(work, 'package'), join(modules, 'kreplay'));
    for (const dep of readdirSync(repo('node_modules'))) if (!dep.startsWith('.') && dep !== 'kreplay') symlinkSync(repo(`node_modules/${dep}`), join(modules, dep));
    installedBy = `tarball unpacked (npm install failed: ${install.stderr.trim().split('\n').pop()})`;
  }
  // vitest is a peer dependency: the user brings their own; ours is linked in.
  try {
    symlinkSync(repo('node_modules/vitest'), join(project, 'node_modules/vitest'));
  } catch {
    // Already linked by the fallback above.
  }
  // The examples run the bundled guests and golden traces by relative path.
  symlinkSync(repo('guests'), join(project, 'guests'));
  symlinkSync(repo('traces'), join(project, 'traces'));
  writeFileSync(join(project, 'example.mjs'), readmeExample('example.mjs'));
  writeFileSync(join(project, 'kernel.test.ts'), readmeExample('kernel.test.ts'));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
    include: ['kernel.test.ts'],
  }));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kreplay as an installed package', () => {
  it('installs from its npm pack tarball with only dist/ and the README', () => {
    expect(installedBy).not.toBe('');
    const files = readdirSync(join(project, 'node_modules/kreplay')).sort();
    expect(files).toEqual(['README.md', 'dist', 'package.json']);
  });

  it('runs the README library example', () => {
    const r = run(process.execPath, ['example.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("hello: cmdline='greeting=library'");
    expect(r.stdout).toContain('panic at insn 49996896: kernel panic: timer: tick budget exhausted after 50 ticks');
    expect(r.stdout).toMatch(/^\d+ events, \d+ bytes written to COM1, outcome panic$/m);
  });

  it('runs the README vitest example with the kreplay/vitest matchers', () => {
    const r = run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project], project);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests +3 passed/);
  });

  it('type-checks against the published declarations (exports map "types", matcher augmentation)', () => {
    const r = run(process.execPath, [repo('node_modules/typescript/bin/tsc'), '-p', project], project);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the CLI binary is installed too', () => {
    const bin = join(project, 'node_modules/.bin/kreplay');
    if (!installedBy.startsWith('npm')) return; // the unpacked fallback links no binaries
    const r = run(bin, ['--version'], project);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(repo('package.json'), 'utf8')).version);
  });
});
