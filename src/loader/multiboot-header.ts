/**
 * Finding and checking the Multiboot v1 header of an OS image (Multiboot Specification 0.6.96,
 * section 3.1 "OS image format").
 */
import { hex, LoaderError } from './errors.js';

/** The header's magic, which the OS image carries. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** How far into the file the header may start: it must be within the first 8192 bytes. */
export const MULTIBOOT_SEARCH_BYTES = 8192;

/** Header flag bit 0: boot modules must be page aligned (requirement). */
export const MB_FLAG_PAGE_ALIGN = 1 << 0;
/** Header flag bit 1: the mem_* fields (and mmap if available) must be provided (requirement). */
export const MB_FLAG_MEMORY_INFO = 1 << 1;
/** Header flag bit 2: video mode information must be provided (requirement). */
export const MB_FLAG_VIDEO_MODE = 1 << 2;
/** Header flag bit 16: the address fields at offsets 12-28 are valid and tell where to load the image. */
export const MB_FLAG_ADDRESS_FIELDS = 1 << 16;

/** The header's address fields (present when flags bit 16 is set); all are physical addresses. */
export interface MultibootAddressFields {
  /** Where the header's magic lands in memory; ties file offsets to physical addresses. */
  readonly headerAddr: number;
  /** Start of the text segment; loading starts at file offset (header offset - (headerAddr - loadAddr)). */
  readonly loadAddr: number;
  /** End of the data segment; 0 means "to the end of the file". */
  readonly loadEndAddr: number;
  /** End of the bss, which the loader zeroes; 0 means "no bss". */
  readonly bssEndAddr: number;
  /** Where execution starts. */
  readonly entryAddr: number;
}

/** The header's graphics fields (present when flags bit 2 is set). */
export interface MultibootVideoFields {
  readonly modeType: number;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
}

/** A multiboot header found in an image. */
export interface MultibootHeader {
  /** File offset of the magic (a multiple of 4, below MULTIBOOT_SEARCH_BYTES). */
  readonly offset: number;
  readonly flags: number;
  readonly checksum: number;
  /** The address fields when flags bit 16 is set, else null. */
  readonly address: MultibootAddressFields | null;
  /** The graphics fields when flags bit 2 is set, else null. */
  readonly video: MultibootVideoFields | null;
}

/**
 * Finds the first valid multiboot header: a 4-byte aligned magic in the first 8192 bytes whose
 * magic + flags + checksum is 0 mod 2^32. Like GRUB, a magic with a bad checksum is skipped (it may
 * be data that happens to match); when no valid header exists but such a candidate does, the error
 * names it ('bad-checksum'), since a kernel whose checksum is miscomputed is the likelier story.
 * `couldBeHeader(offset)` narrows which bad candidates count: an ELF kernel's symbol table holds
 * the magic as the value of a constant (`MB_MAGIC equ 0x1badb002`), which is not a header.
 * Returns null when there is no candidate at all. Throws 'truncated' when flags promise address or
 * video fields that the file does not contain. `name` starts error messages.
 */
export function findMultibootHeader(
  image: Uint8Array,
  name = 'image',
  couldBeHeader: (offset: number) => boolean = () => true,
): MultibootHeader | null {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(image.length, MULTIBOOT_SEARCH_BYTES);
  let badOffset = -1;
  let badSum = 0;
  // The three magic fields must lie within the search window.
  for (let off = 0; off + 12 <= limit; off += 4) {
    if (view.getUint32(off, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(off + 4, true);
    const checksum = view.getUint32(off + 8, true);
    const sum = (MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0;
    if (sum !== 0) {
      if (badOffset < 0 && couldBeHeader(off)) {
        badOffset = off;
        badSum = sum;
      }
      continue;
    }
    return { offset: off, flags, checksum, address: readAddressFields(view, off, flags, name), video: readVideoFields(view, off, flags, name) };
  }
  if (badOffset >= 0) {
    throw new LoaderError(
      'bad-checksum',
      `${name}: multiboot header at file offset ${hex(badOffset)} has a bad checksum ` +
        `(magic + flags + checksum = ${hex(badSum)}, must be 0 mod 2^32); set checksum = -(0x1badb002 + flags)`,
    );
  }
  return null;
}

function readAddressFields(view: DataView, off: number, flags: number, name: string): MultibootAddressFields | null {
  if ((flags & MB_FLAG_ADDRESS_FIELDS) === 0) return null;
  needFields(view, off, 32, 'address fields (flags bit 16)', name);
  return {
    headerAddr: view.getUint32(off + 12, true),
    loadAddr: view.getUint32(off + 16, true),
    loadEndAddr: view.getUint32(off + 20, true),
    bssEndAddr: view.getUint32(off + 24, true),
    entryAddr: view.getUint32(off + 28, true),
  };
}

function readVideoFields(view: DataView, off: number, flags: number, name: string): MultibootVideoFields | null {
  if ((flags & MB_FLAG_VIDEO_MODE) === 0) return null;
  needFields(view, off, 48, 'graphics fields (flags bit 2)', name);
  return {
    modeType: view.getUint32(off + 32, true),
    width: view.getUint32(off + 36, true),
    height: view.getUint32(off + 40, true),
    depth: view.getUint32(off + 44, true),
  };
}

function needFields(view: DataView, off: number, size: number, what: string, name: string): void {
  if (off + size <= view.byteLength) return;
  throw new LoaderError(
    'truncated',
    `${name}: truncated: the multiboot header at file offset ${hex(off)} needs ${size} bytes for its ${what} ` +
      `but the file ends after ${view.byteLength - off}; rebuild the image or copy it again`,
  );
}

/**
 * Refuses a header whose required features (flags bits 0-15) kreplay cannot satisfy, as the spec
 * demands ("it must notify the user and fail to load the OS image"). Bit 0 (page-aligned modules)
 * is met trivially because no modules are loaded; bit 1 (memory information) is always provided.
 * Bit 2 (video mode information) cannot be: there is no VBE BIOS or framebuffer to describe. Any other bit in 0-15 is a
 * requirement this loader does not know, which the spec also says to refuse. Bits 16-31 are
 * optional features and unknown ones are ignored.
 */
export function checkMultibootRequirements(header: MultibootHeader, name = 'image'): void {
  const required = header.flags & 0xffff;
  if ((required & MB_FLAG_VIDEO_MODE) !== 0) {
    throw new LoaderError(
      'unsupported',
      `${name}: the multiboot header requires video mode information (flags bit 2), which kreplay ` +
        `does not provide (no VBE, no framebuffer); clear bit 2 of the header flags`,
    );
  }
  const unknown = required & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE);
  if (unknown !== 0) {
    throw new LoaderError(
      'unsupported',
      `${name}: the multiboot header requires features unknown to multiboot v1 loaders (flags bits ${bitList(unknown)}, ` +
        `flags = ${hex(header.flags)}); clear them (bits 3-15 are reserved and must be 0)`,
    );
  }
}

function bitList(mask: number): string {
  const bits: number[] = [];
  for (let b = 0; b < 32; b++) if ((mask >>> b) & 1) bits.push(b);
  return bits.join(', ');
}
