/**
 * Shared helpers for the loader tests: fixture paths, parsers for the binutils/nasm reference
 * outputs stored next to the fixtures, and a reader of the multiboot information structure written
 * from the specification (section 3.3), independent of the loader's own constants.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LoaderError, type LoaderErrorKind } from '../../src/loader/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'loader');

/** Bytes of a fixture as a plain Uint8Array. */
export function fixture(name: string): Uint8Array {
  const buf = readFileSync(join(FIXTURES, name));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function expectedText(name: string): string {
  return readFileSync(join(FIXTURES, 'expected', name), 'utf8');
}

export const MIB = 1024 * 1024;

/** Guest RAM filled with a marker byte, so untouched and zeroed bytes can be told apart. */
export function markedRam(bytes: number, marker = 0xaa): Uint8Array {
  return new Uint8Array(bytes).fill(marker);
}

/** Runs `fn`, expects a LoaderError of `kind` with a one-line message, and returns the message. */
export function loaderError(fn: () => unknown, kind: LoaderErrorKind): string {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a LoaderError').toBeInstanceOf(LoaderError);
  const e = caught as LoaderError;
  expect(e.kind).toBe(kind);
  expect(e.name).toBe('LoaderError');
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message.length).toBeGreaterThan(20);
  return e.message;
}

// ---- nm -n -S --defined-only ------------------------------------------------------------------

export interface NmSymbol {
  addr: number;
  size: number | null;
  type: string;
  name: string;
}

export function parseNm(text: string): NmSymbol[] {
  const out: NmSymbol[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{8,16})(?: ([0-9a-f]{8,16}))? (\S) (\S+)$/.exec(line);
    if (m) out.push({ addr: parseInt(m[1]!, 16), size: m[2] ? parseInt(m[2], 16) : null, type: m[3]!, name: m[4]! });
  }
  return out;
}

// ---- readelf -hlSsW -----------------------------------------------------------------------------

export interface ReadelfOutput {
  entry: number;
  phnum: number;
  shnum: number;
  shstrndx: number;
  sections: { index: number; name: string; type: string; addr: number; offset: number; size: number; entsize: number; flags: string; link: number; info: number; align: number }[];
  segments: { type: string; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; flags: string; align: number }[];
  symbols: { num: number; value: number; size: number; type: string; bind: string; ndx: string; name: string }[];
}

export function parseReadelf(text: string): ReadelfOutput {
  const field = (label: string): number => {
    const m = new RegExp(`${label}:\\s+(0x[0-9a-f]+|\\d+)`).exec(text);
    if (!m) throw new Error(`readelf output lacks ${label}`);
    return Number(m[1]);
  };
  const out: ReadelfOutput = {
    entry: field('Entry point address'),
    phnum: field('Number of program headers'),
    shnum: field('Number of section headers'),
    shstrndx: field('Section header string table index'),
    sections: [],
    segments: [],
    symbols: [],
  };
  for (const line of text.split('\n')) {
    let m = /^\s*\[\s*(\d+)\]\s(.*?)\s+([A-Z_]+)\s+([0-9a-f]{8})\s+([0-9a-f]{6})\s+([0-9a-f]{6,})\s+([0-9a-f]{2})\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) {
      out.sections.push({
        index: Number(m[1]), name: m[2]!.trim(), type: m[3]!, addr: parseInt(m[4]!, 16), offset: parseInt(m[5]!, 16),
        size: parseInt(m[6]!, 16), entsize: parseInt(m[7]!, 16), flags: m[8]!, link: Number(m[9]), info: Number(m[10]), align: Number(m[11]),
      });
      continue;
    }
    m = /^\s*([A-Z_]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s([RWE ]{3})\s+0x([0-9a-f]+)\s*$/.exec(line);
    if (m) {
      out.segments.push({
        type: m[1]!, offset: parseInt(m[2]!, 16), vaddr: parseInt(m[3]!, 16), paddr: parseInt(m[4]!, 16),
        filesz: parseInt(m[5]!, 16), memsz: parseInt(m[6]!, 16), flags: m[7]!.replace(/ /g, ''), align: parseInt(m[8]!, 16),
      });
      continue;
    }
    m = /^\s*(\d+): ([0-9a-f]{8})\s+(0x[0-9a-f]+|\d+) (\w+)\s+(\w+)\s+\w+\s+(\w+) ?(.*)$/.exec(line);
    if (m) {
      out.symbols.push({ num: Number(m[1]), value: parseInt(m[2]!, 16), size: Number(m[3]), type: m[4]!, bind: m[5]!, ndx: m[6]!, name: m[7]! });
    }
  }
  return out;
}

/** Section flag letters as readelf prints them -> sh_flags bits. */
export function sectionFlagBits(letters: string): number {
  const bits: Record<string, number> = { W: 0x1, A: 0x2, X: 0x4, M: 0x10, S: 0x20, I: 0x40, L: 0x80, O: 0x100, G: 0x200, T: 0x400 };
  let v = 0;
  for (const c of letters) v |= bits[c] ?? 0;
  return v;
}

export const SECTION_TYPES: Record<string, number> = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 };
export const SEGMENT_TYPES: Record<string, number> = { NULL: 0, LOAD: 1, DYNAMIC: 2, INTERP: 3, NOTE: 4, PHDR: 6, GNU_STACK: 0x6474e551 };

/** Segment flag letters (R, W, E) -> p_flags bits. */
export function segmentFlagBits(letters: string): number {
  return (letters.includes('R') ? 4 : 0) | (letters.includes('W') ? 2 : 0) | (letters.includes('E') ? 1 : 0);
}

// ---- nasm map files -----------------------------------------------------------------------------

/** Symbol -> address from a nasm `[map symbols]` file. */
export function parseNasmMap(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\S+)$/i.exec(line);
    if (m) out.set(m[3]!, parseInt(m[1]!, 16));
  }
  return out;
}

// ---- the multiboot information structure, per the spec -----------------------------------------

export interface MultibootInfo {
  flags: number;
  memLower: number;
  memUpper: number;
  bootDevice: number;
  cmdline: string | null;
  modsCount: number;
  modsAddr: number;
  mmap: { size: number; base: bigint; length: bigint; type: number }[] | null;
  mmapAddr: number;
  mmapLength: number;
  bootLoaderName: string | null;
  /** Every 32-bit word of the 116-byte structure after the fields above, by offset. */
  words: Map<number, number>;
}

/** Reads the multiboot information at `addr` of `ram` the way a kernel would. */
export function readMultibootInfo(ram: Uint8Array, addr: number): MultibootInfo {
  const v = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const u32 = (off: number): number => v.getUint32(addr + off, true);
  const flags = u32(0);
  const cstr = (p: number): string => {
    const end = ram.indexOf(0, p);
    return new TextDecoder().decode(ram.subarray(p, end));
  };
  let mmap: MultibootInfo['mmap'] = null;
  if (flags & (1 << 6)) {
    mmap = [];
    const start = u32(48);
    const end = start + u32(44);
    // Entries are walked by their size field, which does not count itself.
    for (let p = start; p < end; p += v.getUint32(p, true) + 4) {
      mmap.push({ size: v.getUint32(p, true), base: v.getBigUint64(p + 4, true), length: v.getBigUint64(p + 12, true), type: v.getUint32(p + 20, true) });
    }
  }
  const words = new Map<number, number>();
  for (let off = 0; off < 116; off += 4) words.set(off, u32(off));
  return {
    flags,
    memLower: u32(4),
    memUpper: u32(8),
    bootDevice: u32(12),
    cmdline: flags & (1 << 2) ? cstr(u32(16)) : null,
    modsCount: u32(20),
    modsAddr: u32(24),
    mmap,
    mmapAddr: u32(48),
    mmapLength: u32(44),
    bootLoaderName: flags & (1 << 9) ? cstr(u32(64)) : null,
    words,
  };
}

/** A GDT descriptor decoded per the Intel SDM vol. 3, 3.4.5. */
export interface Descriptor {
  base: number;
  /** The effective limit in bytes (granularity applied). */
  limit: number;
  type: number;
  s: number;
  dpl: number;
  present: number;
  avl: number;
  l: number;
  db: number;
  g: number;
}

export function decodeDescriptor(b: Uint8Array): Descriptor {
  const rawLimit = b[0]! | (b[1]! << 8) | ((b[6]! & 0xf) << 16);
  const g = (b[6]! >> 7) & 1;
  return {
    base: (b[2]! | (b[3]! << 8) | (b[4]! << 16) | (b[7]! << 24)) >>> 0,
    limit: g ? rawLimit * 4096 + 4095 : rawLimit,
    type: b[5]! & 0xf,
    s: (b[5]! >> 4) & 1,
    dpl: (b[5]! >> 5) & 3,
    present: (b[5]! >> 7) & 1,
    avl: (b[6]! >> 4) & 1,
    l: (b[6]! >> 5) & 1,
    db: (b[6]! >> 6) & 1,
    g,
  };
}
