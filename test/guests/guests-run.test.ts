import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runGuest } from '../../src/harness/run.js';
import { kreplay, repo } from '../helpers/cli.js';

const image = (name: string): Uint8Array => new Uint8Array(readFileSync(repo(`guests/${name}/${name}.elf`)));

describe('bundled guests run to their expected outcomes', () => {
  it('hello exits with code 0 and prints its greeting', () => {
    const r = kreplay(['run', 'guests/hello/hello.elf', '--append', 'greeting=hi']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Hello from kreplay guest!');
    expect(r.stdout).toContain("hello: cmdline='greeting=hi'");
    // 32 MiB of RAM: mem_upper is everything above 1 MiB, in KiB (multiboot spec).
    expect(r.stdout).toContain('upper=31744 KiB');
    expect(r.stderr).toMatch(/^exit: code 0 at insn \d+ \([\d.]+ us\) eip=0x[0-9a-f]{8} <guest_exit\+0x[0-9a-f]+>$/m);
  });

  it('panic-timer panics from the timer path after 50 ticks of the 1 kHz PIT', () => {
    const r = kreplay(['run', 'guests/panic-timer/panic-timer.elf']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('timer: tick 50');
    expect(r.stderr).toMatch(/^panic: PANICKED at insn \d+ \([\d.]+ ms\) eip=0x[0-9a-f]{8} <panic\+0x[0-9a-f]+>: Kernel panic - not syncing: timer: tick budget exhausted after 50 ticks$/m);
    // 50 ticks of a 1193-count PIT period (1000.15 us) at 1 ns per instruction: ~50 ms.
    const icount = Number(/at insn (\d+)/.exec(r.stderr)![1]);
    expect(icount).toBeGreaterThan(49_000_000);
    expect(icount).toBeLessThan(51_000_000);
  });

  it('echo echoes interrupt-driven serial input and panics on "panic"', () => {
    const r = kreplay(['run', 'guests/echo/echo.elf', '--serial-in', 'test/fixtures/guests/echo-panic.txt']);
    expect(r.stdout).toContain('echo: first line');
    expect(r.stdout).toContain('echo: second, longer line with punctuation!');
    expect(r.stdout).toContain('Kernel panic - not syncing: echo: panic requested by input');
    expect(r.status).toBe(1);
  });

  it('echo exits on "exit" without losing a byte of a long input', () => {
    const lines = Array.from({ length: 200 }, (_, k) => `line ${k} ${'x'.repeat(k % 70)}`);
    const r = kreplay(['run', 'guests/echo/echo.elf', '--serial-in', 'test/fixtures/guests/echo-long.txt']);
    expect(r.status).toBe(0);
    for (const l of lines) expect(r.stdout).toContain(`echo: ${l}\n`);
  });

  it('hello-aout (a.out kludge, no ELF) exits with code 0', () => {
    const r = kreplay(['run', 'guests/hello-aout/hello-aout.bin']);
    expect(r.stdout).toContain('Hello from kreplay a.out-kludge guest!');
    expect(r.status).toBe(0);
  });

  it('compute prints the checksum the native build of the same source computes', () => {
    const expected = JSON.parse(readFileSync(repo('guests/compute/expected.json'), 'utf8')).checksums as Record<string, string>;
    for (const n of ['1', '3']) {
      const r = runGuest({ image: image('compute'), cmdline: `n=${n}` });
      expect(r.outcome.kind).toBe('exit');
      expect(r.console.text()).toContain(`compute: n=${n} checksum=${expected[n]}`);
    }
  });

  it('compute matches a native run on this machine when the host can run 32-bit programs', () => {
    const native = repo('guests/compute/compute-native');
    if (!existsSync(native)) return;
    const n = spawnSync(native, ['2'], { encoding: 'utf8' });
    if (n.status !== 0) return; // no ia32 support on this host: the committed expected.json still checks it
    const r = runGuest({ image: image('compute'), cmdline: 'n=2' });
    expect(r.console.text()).toContain(n.stdout.trim());
  });

  it('the same run twice ends with the same outcome at the same icount', () => {
    const a = runGuest({ image: image('panic-timer') });
    const b = runGuest({ image: image('panic-timer') });
    expect(a.outcome).toEqual(b.outcome);
    expect(a.console.text()).toBe(b.console.text());
    const c = runGuest({ image: image('echo'), serialIn: new TextEncoder().encode('abc\nexit\n') });
    const d = runGuest({ image: image('echo'), serialIn: new TextEncoder().encode('abc\nexit\n') });
    expect(c.outcome).toEqual(d.outcome);
  });
});
