import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kreplay } from '../helpers/cli.js';

/** Bad input: one line on stderr that says what is wrong, exit code 2, never a stack trace. */
function expectOneLineError(r: { status: number; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kreplay: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('kreplay run: bad input is one clear line and exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kreplay-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing image', () => {
    expectOneLineError(kreplay(['run', 'no/such/kernel.elf']), /no\/such\/kernel\.elf/);
  });

  it('a directory instead of an image', () => {
    expectOneLineError(kreplay(['run', 'guests']), /guests/);
  });

  it('a file that is neither ELF nor multiboot', () => {
    const p = join(dir, 'notes.txt');
    writeFileSync(p, 'just some text\n'.repeat(100));
    expectOneLineError(kreplay(['run', p]), /multiboot/);
  });

  it('an image too big for the RAM given', () => {
    expectOneLineError(kreplay(['run', 'guests/compute/compute.elf', '--mem', '1']), /--mem/);
  });

  it('an unknown flag', () => {
    expectOneLineError(kreplay(['run', 'guests/hello/hello.elf', '--bogus']), /bogus/);
  });

  it('a malformed number', () => {
    expectOneLineError(kreplay(['run', 'guests/hello/hello.elf', '--max-insns', 'lots']), /max-insns/);
  });

  it('a missing --serial-in file', () => {
    expectOneLineError(kreplay(['run', 'guests/echo/echo.elf', '--serial-in', join(dir, 'absent')]), /--serial-in/);
  });

  it('no command at all', () => {
    expectOneLineError(kreplay([]), /command/);
  });
});

describe('kreplay run: outcomes and --json', () => {
  it('runs out of budget as timeout with exit code 124', () => {
    const r = kreplay(['run', 'guests/panic-timer/panic-timer.elf', '--max-insns', '1000000']);
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/^timeout: instruction budget of 1000000 exhausted at insn 1000000 /m);
  });

  it('--json prints exactly one JSON object with the outcome and console', () => {
    const r = kreplay(['run', 'guests/hello/hello.elf', '--json']);
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.outcome.kind).toBe('exit');
    expect(o.outcome.code).toBe(0);
    expect(o.exitCode).toBe(0);
    expect(o.console).toContain('Hello from kreplay guest!');
    expect(o.symbol).toMatch(/<guest_exit\+0x[0-9a-f]+>/);
  });
});
