/**
 * Linux finds the pvpanic device through the board's ACPI tables (src/loader/acpi-tables.ts): the
 * DSDT's \_SB.PEVT (_HID "QEMU0001", I/O port 0x505) binds Debian's pvpanic-mmio module, and the
 * kernel's panic reaches port 0x505 as PANICKED. Recorded once (about 3.5e8 instructions), then
 * replayed to the same instruction; the trace shows the write.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kreplay } from '../helpers/cli.js';
import { haveLinux, LINUX_CACHE, linuxArgs, SKIP_REASON } from './cache.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-pvpanic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TIMEOUT = { timeoutMs: 600_000 };
const initrd = `${LINUX_CACHE}/initramfs-pvpanic.cpio`;
const haveModules = ['pvpanic.ko', 'pvpanic-mmio.ko'].every((m) => existsSync(`${LINUX_CACHE}/modules/${m}`));
const ready = haveLinux && haveModules;
const why = haveLinux ? '[SKIPPED: no pvpanic modules in guests/linux/cache/modules; re-run guests/linux/fetch.sh]' : SKIP_REASON;

describe.skipIf(!ready)(`Linux 6.1 pvpanic through ACPI ${ready ? '' : why}`, () => {
  beforeAll(() => {
    // The initramfs is built from the cache (deterministically); build it if it is not there yet.
    if (!existsSync(initrd)) {
      const r = kreplay([LINUX_CACHE], { bin: 'dist/tools/make-initramfs.js' });
      if (!existsSync(initrd)) throw new Error(`${initrd} missing (${r.stderr.trim()}): run node dist/tools/make-initramfs.js guests/linux/cache`);
    }
  });

  it('case 3: the panic is a pvpanic PANICKED write to 0x505; replay --until-panic matches it', () => {
    const t = join(dir, 'pvpanic.zst');
    const r = kreplay(['record', ...linuxArgs(['--initrd', initrd, '-o', t, '--no-embed', '--checkpoint-every', '0'])], TIMEOUT);
    expect(r.status).toBe(1);
    // The tables as Linux lists them, and no complaint about them.
    expect(r.stdout).toMatch(/^\[ *[\d.]+\] ACPI: RSDP 0x00000000000F0000 000014 \(v00 KREPLY\)$/m);
    expect(r.stdout).toMatch(/^\[ *[\d.]+\] ACPI: FACP 0x00000000000F0100 0000F4 \(v03 KREPLY KREPLAY  00000001 KRPL 00000001\)$/m);
    expect(r.stdout).toMatch(/^\[ *[\d.]+\] ACPI: DSDT 0x00000000000F0200 /m);
    expect(r.stdout).toMatch(/^\[ *[\d.]+\] ACPI: Interpreter enabled$/m);
    expect(r.stdout).not.toMatch(/ACPI (BIOS )?(Error|Warning)|ACPI: .*(failed|Unable)/);
    expect(r.stdout).toContain('kreplay initramfs: pvpanic loaded; crashing the kernel through sysrq');
    expect(r.stdout).toContain('Kernel panic - not syncing: sysrq triggered crash');
    const m = /^panic: PANICKED at insn (\d+) \([\d.]+ ms\) eip=0x[0-9a-f]{8} <iowrite8\+0x[0-9a-f]+>: Kernel panic - not syncing: sysrq triggered crash$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const icount = Number(m![1]);
    // The PM1 registers and the pvpanic port are emulated: neither appears among unmapped ports.
    expect(r.stderr).not.toMatch(/unmapped ports.*0x(505|60[0-5]) /);

    const rep = kreplay(['replay', t, '--until-panic', '--json'], TIMEOUT);
    expect(rep.status).toBe(1);
    const o = JSON.parse(rep.stdout);
    expect(o.status).toBe('match');
    expect(o.panicReport.when.icount).toBe(icount);
    expect(o.panicReport.why.source).toBe('pvpanic');
    expect(o.panicReport.why.pvpanic).toMatchObject({ bits: 1, event: 'panicked', names: ['PANICKED'] });
    expect(o.panicReport.why.title).toBe('kernel panic: sysrq triggered crash');

    const log = kreplay(['log', t, '--port', '0x505'], TIMEOUT);
    expect(log.status).toBe(0);
    const lines = log.stdout.trim().split('\n');
    // pvpanic_probe reads the supported events (7); the panic notifier writes PANICKED (1).
    expect(lines[0]).toMatch(/^insn +\d+ +port-in +0x0505\/1 = 0x07 /);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^insn +${icount} +port-out +0x0505/1 = 0x01 +eip=0x[0-9a-f]{8} <iowrite8\\+`)));
  });
});
