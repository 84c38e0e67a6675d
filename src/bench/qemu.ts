import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** The reference machine's binary, if installed (QEMU_BIN overrides). */
export function findQemu(): string | null {
  const bin = process.env.QEMU_BIN ?? 'qemu-system-i386';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? bin : null;
}

/**
 * Wall time of one QEMU TCG run of a multiboot image with isa-debug-exit (the same devices our
 * guests use), optionally in QEMU's deterministic icount mode. Returns seconds.
 */
export function timeQemu(bin: string, image: string, append: string, icount: boolean): number {
  const args = [
    '-kernel', image, '-append', append, '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-serial', 'null', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '32',
  ];
  if (icount) args.push('-icount', 'shift=0,sleep=off');
  const t0 = performance.now();
  const r = spawnSync(bin, args, { stdio: 'ignore', timeout: 600_000 });
  const dt = (performance.now() - t0) / 1000;
  // isa-debug-exit(0) makes QEMU exit with status 1.
  if (r.status !== 1) throw new Error(`qemu exited with status ${r.status} on ${image} ${append}`);
  return dt;
}

/**
 * Wall time of QEMU booting a Linux bzImage to its panic in deterministic icount mode (panic=-1
 * reboots, -no-reboot exits). Returns seconds, or null when QEMU did not end by itself.
 */
export function timeQemuLinux(bin: string, bzImage: string, cmdline: string, initrd: string | undefined): number | null {
  const args = [
    '-kernel', bzImage, '-append', cmdline, '-m', '128', '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-serial', 'null', '-icount', 'shift=0,sleep=off', '-device', 'pvpanic',
  ];
  if (initrd !== undefined) args.push('-initrd', initrd);
  const t0 = performance.now();
  const r = spawnSync(bin, args, { stdio: 'ignore', timeout: 600_000 });
  const dt = (performance.now() - t0) / 1000;
  return r.status === null ? null : dt;
}
