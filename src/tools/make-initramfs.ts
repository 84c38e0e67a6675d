#!/usr/bin/env node
/**
 * Builds the initramfs images the Linux cases use from the fetched packages (guests/linux/fetch.sh):
 *
 *   node dist/tools/make-initramfs.js CACHE_DIR
 *
 * writes CACHE_DIR/initramfs-sysrq.cpio (busybox whose /init crashes the kernel through
 * /proc/sysrq-trigger) and CACHE_DIR/initramfs-pvpanic.cpio (the same after loading the pvpanic
 * modules, so the panic reaches port 0x505). Deterministic: same inputs, same bytes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newcArchive, type CpioEntry } from './cpio.js';

const cache = process.argv[2];
if (cache === undefined || !existsSync(join(cache, 'busybox'))) {
  process.stderr.write('usage: make-initramfs CACHE_DIR (run guests/linux/fetch.sh first)\n');
  process.exit(2);
}
const busybox = new Uint8Array(readFileSync(join(cache, 'busybox')));
const enc = new TextEncoder();

function initramfs(initScript: string, modules: string[]): Uint8Array {
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'dev' },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'lib' },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: enc.encode(initScript), mode: 0o755 },
  ];
  for (const m of modules) entries.push({ kind: 'file', path: `lib/${m}`, data: new Uint8Array(readFileSync(join(cache, 'modules', m))) });
  return newcArchive(entries);
}

const sysrq = `#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "kreplay initramfs: crashing the kernel through sysrq"
/bin/busybox echo c > /proc/sysrq-trigger
`;
const pvpanic = `#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox insmod /lib/pvpanic.ko
/bin/busybox insmod /lib/pvpanic-mmio.ko
/bin/busybox echo "kreplay initramfs: pvpanic loaded; crashing the kernel through sysrq"
/bin/busybox echo c > /proc/sysrq-trigger
`;
writeFileSync(join(cache, 'initramfs-sysrq.cpio'), initramfs(sysrq, []));
writeFileSync(join(cache, 'initramfs-pvpanic.cpio'), initramfs(pvpanic, ['pvpanic.ko', 'pvpanic-mmio.ko']));
process.stdout.write(`make-initramfs: wrote ${join(cache, 'initramfs-sysrq.cpio')} and initramfs-pvpanic.cpio\n`);
