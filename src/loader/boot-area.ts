/**
 * The boot area: what a multiboot boot loader leaves in low memory for the kernel. kreplay puts a
 * small stack, a flat GDT, the multiboot information structure, the memory map and the strings in
 * one fixed range, [0x7000, 0x10000), far below the EBDA (0x9fc00) and below where kernels load
 * (1 MiB and up). Fixed addresses keep every boot byte-identical; QEMU also puts the multiboot
 * information at 0x9000.
 *
 * Layout (physical addresses):
 *   [0x7000, 0x8000)  boot stack (ESP = 0x8000; the spec leaves ESP undefined, a usable stack is kinder)
 *   [0x8000, 0x8018)  GDT: null, flat code (0x08), flat data (0x10)
 *   [0x9000, 0x9100)  multiboot information structure (116 bytes used)
 *   [0x9100, 0x9200)  memory map (4 entries of 24 bytes)
 *   [0x9200, 0x10000) strings: boot loader name, then command line
 */
import { LoaderError } from './errors.js';

/** The whole boot area; a loaded image must not overlap it. */
export const BOOT_AREA = { start: 0x7000, end: 0x10000 } as const;
/** Initial ESP: the top of the boot stack [0x7000, 0x8000). */
export const BOOT_STACK_TOP = 0x8000;
/** GDT base address and limit (3 descriptors of 8 bytes, so limit = 23). */
export const GDT_BASE = 0x8000;
export const GDT_LIMIT = 3 * 8 - 1;
/** Selectors of the flat 32-bit ring-0 code and data descriptors. */
export const CODE_SELECTOR = 0x08;
export const DATA_SELECTOR = 0x10;
/** Address of the multiboot information structure (EBX at entry). */
export const MULTIBOOT_INFO_ADDR = 0x9000;
const INFO_AREA_SIZE = 0x100;
const MMAP_ADDR = 0x9100;
const STRINGS_ADDR = 0x9200;

/** EAX at entry: tells the kernel it was loaded by a multiboot-compliant boot loader. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

/** Multiboot information flags (the `flags` field of the structure at EBX). */
export const MBI_FLAG_MEMORY = 1 << 0;
export const MBI_FLAG_CMDLINE = 1 << 2;
export const MBI_FLAG_MMAP = 1 << 6;
export const MBI_FLAG_BOOT_LOADER_NAME = 1 << 9;

/** mmap entry types. */
export const MMAP_AVAILABLE = 1;
export const MMAP_RESERVED = 2;

/** Start of the EBDA, reported reserved up to 640 KiB as on a PC (and as QEMU's e820 does). */
export const EBDA_START = 0x9fc00;
/** 1 MiB: where upper memory starts; [640 KiB, 1 MiB) is VGA memory, option ROMs and the BIOS. */
export const HIGH_MEMORY_START = 0x100000;

/** One memory map entry as given to the kernel: [base, base + length) of a type. */
export interface MemoryMapEntry {
  readonly base: number;
  readonly length: number;
  readonly type: number;
}

/**
 * The memory map for a PC with `ramBytes` of RAM: low memory below the EBDA available, the EBDA
 * and the BIOS ROM area [0xf0000, 1 MiB) reserved ([0xa0000, 0xf0000) is left out, as GRUB and
 * QEMU do: it is not RAM), and RAM from 1 MiB up available.
 */
export function pcMemoryMap(ramBytes: number): MemoryMapEntry[] {
  return [
    { base: 0, length: EBDA_START, type: MMAP_AVAILABLE },
    { base: EBDA_START, length: 0xa0000 - EBDA_START, type: MMAP_RESERVED },
    { base: 0xf0000, length: HIGH_MEMORY_START - 0xf0000, type: MMAP_RESERVED },
    { base: HIGH_MEMORY_START, length: ramBytes - HIGH_MEMORY_START, type: MMAP_AVAILABLE },
  ];
}

/** What goes into the multiboot information structure besides the memory layout. */
export interface BootAreaOptions {
  /** The kernel command line (UTF-8, no NUL bytes). */
  readonly cmdline: string;
  /** The boot_loader_name string. */
  readonly bootLoaderName: string;
  /** Display name of the image, to start error messages. */
  readonly imageName: string;
}

/**
 * Writes the whole boot area into `ram` (length = RAM size, > 1 MiB): zeroes it first so its
 * contents depend only on the arguments, then the GDT and the multiboot information. Flags set:
 * memory (mem_lower = 640, mem_upper = (RAM - 1 MiB) / 1024, as QEMU reports them), cmdline, mmap
 * and boot_loader_name. Left clear, with their fields zero: boot_device (no boot disk), mods (no
 * modules: a clear flag and a zero count read the same to any kernel), symbols (bits 4/5), drives,
 * config table, APM, VBE and framebuffer. Returns the information structure's address.
 * Throws LoaderError ('option') when the strings do not fit or contain NUL.
 */
export function writeBootArea(ram: Uint8Array, opts: BootAreaOptions): number {
  // Strings are checked before anything is written, so a refused load leaves RAM untouched.
  const name = cString(opts.bootLoaderName, 'boot loader name', opts.imageName);
  const cmdline = cString(opts.cmdline, 'command line', opts.imageName);
  const nameAddr = STRINGS_ADDR;
  const cmdlineAddr = nameAddr + name.length;
  if (cmdlineAddr + cmdline.length > BOOT_AREA.end) {
    const room = BOOT_AREA.end - cmdlineAddr - 1;
    throw new LoaderError('option', `${opts.imageName}: the kernel command line is ${cmdline.length - 1} bytes; at most ${room} fit in the boot area, shorten it`);
  }

  ram.fill(0, BOOT_AREA.start, BOOT_AREA.end);
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  writeFlatGdt(ram);
  ram.set(name, nameAddr);
  ram.set(cmdline, cmdlineAddr);

  const map = pcMemoryMap(ram.length);
  map.forEach((e, i) => {
    const at = MMAP_ADDR + i * 24;
    // size = 20 counts the entry without its own size field, as GRUB writes it.
    view.setUint32(at, 20, true);
    view.setUint32(at + 4, e.base, true);
    view.setUint32(at + 8, 0, true);
    view.setUint32(at + 12, e.length, true);
    view.setUint32(at + 16, 0, true);
    view.setUint32(at + 20, e.type, true);
  });

  const mbi = MULTIBOOT_INFO_ADDR;
  view.setUint32(mbi + 0, MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_BOOT_LOADER_NAME, true);
  view.setUint32(mbi + 4, 640, true);
  view.setUint32(mbi + 8, Math.floor((ram.length - HIGH_MEMORY_START) / 1024), true);
  view.setUint32(mbi + 16, cmdlineAddr, true);
  view.setUint32(mbi + 44, map.length * 24, true);
  view.setUint32(mbi + 48, MMAP_ADDR, true);
  view.setUint32(mbi + 64, nameAddr, true);
  return mbi;
}

/**
 * Writes the GDT at GDT_BASE: null, then code 0x08 (base 0, limit 4 GiB, 32-bit, ring 0,
 * execute/read) and data 0x10 (base 0, limit 4 GiB, read/write), the same descriptors GRUB and
 * QEMU's multiboot ROM use. The accessed bit is pre-set (0x9b, 0x93) so that loading the selectors
 * never makes the CPU write the descriptor back, which keeps boot free of stray RAM writes.
 */
export function writeFlatGdt(ram: Uint8Array): void {
  const descriptors = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xcf, 0x00],
    [0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0xcf, 0x00],
  ];
  descriptors.forEach((d, i) => ram.set(d, GDT_BASE + i * 8));
}

/** Extent of the multiboot information structure, exported for tests and overlap checks. */
export const MULTIBOOT_INFO_AREA = { start: MULTIBOOT_INFO_ADDR, end: MULTIBOOT_INFO_ADDR + INFO_AREA_SIZE } as const;

function cString(s: string, what: string, imageName: string): Uint8Array {
  if (s.includes('\0')) throw new LoaderError('option', `${imageName}: the ${what} contains a NUL byte; remove it`);
  const utf8 = new TextEncoder().encode(s);
  const out = new Uint8Array(utf8.length + 1);
  out.set(utf8);
  return out;
}
