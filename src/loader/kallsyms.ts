/**
 * A stripped Linux vmlinux still carries its symbols: with CONFIG_KALLSYMS the build links in the
 * compressed tables the kernel itself uses to print `panic+0xad/0x263` in an oops. This module
 * finds and decodes those tables in the file, statically, so reports can name kernel addresses
 * without a System.map.
 *
 * What scripts/kallsyms.c emits (all in .rodata, each table aligned to 4 bytes on 32-bit kernels):
 *
 * - kallsyms_token_table: 256 NUL-terminated strings, and kallsyms_token_index: 256 u16 offsets
 *   of those strings in the table (index[0] = 0, then each is the previous + its length + 1).
 * - kallsyms_names: one entry per symbol, sorted by address: a length (one byte; since 6.1 a
 *   byte with bit 7 set is followed by a second one: two-byte ULEB128), then that many token
 *   numbers. The concatenated tokens are the symbol's nm type letter, then its name.
 * - kallsyms_markers: u32 offsets into kallsyms_names of symbols 0, 256, 512, ...
 * - kallsyms_num_syms: u32, right before kallsyms_names.
 * - kallsyms_seqs_of_names (6.2+): the symbols' indexes in name order (3 or 4 bytes each).
 * - the addresses, in one of three forms: kallsyms_addresses (absolute, before 4.6 or without
 *   CONFIG_KALLSYMS_BASE_RELATIVE); u32 kallsyms_offsets plus kallsyms_relative_base, the lowest
 *   address (4.6+); or, in a 2026 proposal, offsets relative to each entry's own address.
 *
 * Their order changed over time:
 *   up to 6.1: addresses/offsets, relative_base, num_syms, names, markers, token_table, token_index
 *   6.2, 6.3:  the same with seqs_of_names between markers and token_table (also in Debian's
 *              6.1.y kernels, which carry the backport)
 *   6.4+:      num_syms, names, markers, token_table, token_index, offsets, relative_base, seqs
 *
 * How they are found, without trusting any fixed file offset:
 * 1. the token index and token table, by their mutual consistency: 256 strictly increasing u16
 *    starting at 0, right after (modulo alignment) 256 printable NUL-terminated strings that sit
 *    exactly at those offsets;
 * 2. the markers, walking back from the token table (or from before the seqs_of_names array that
 *    may sit in between): strictly increasing u32 starting at 0;
 * 3. num_syms and the start of the names, as the u32 N before a candidate start from which N
 *    entries walk through every marker and end exactly (modulo alignment) at the markers;
 * 4. the addresses, trying each known place and form: the one whose values are sorted (kallsyms
 *    is sorted by address) and lie in the ELF's loaded segments.
 */
import { hex, LoaderError } from './errors.js';
import { identifyElf, isElf, parseElf32, PT_LOAD } from './elf.js';
import { SymbolTable, type SymbolTableData } from './symbols.js';

/** Where the addresses are and how they are stored (see the module comment). */
export type KallsymsAddressForm =
  /** kallsyms_offsets + kallsyms_relative_base before num_syms: 4.6 to 6.3. */
  | 'offsets-before-names'
  /** kallsyms_addresses before num_syms: before 4.6, or CONFIG_KALLSYMS_BASE_RELATIVE=n. */
  | 'addresses-before-names'
  /** kallsyms_offsets + kallsyms_relative_base after the token index: 6.4+. */
  | 'offsets-after-tokens'
  /** Absolute values after the token index (the 2026 layout of non-relocatable 32-bit kernels). */
  | 'addresses-after-tokens'
  /** Each offset relative to its own entry, after the token index (the 2026 layout otherwise). */
  | 'pc-relative-after-tokens';

/** The decoded tables: one element per symbol, in kallsyms order (by address, aliases in the kernel's order). */
export interface KallsymsTables {
  readonly names: readonly string[];
  /** nm type letters: T/t text, D/d data, R/r read-only, B/b bss, W/V weak, ... */
  readonly types: readonly string[];
  readonly addrs: readonly number[];
  readonly addressForm: KallsymsAddressForm;
  /** Bytes per kallsyms_seqs_of_names entry when it sits between the markers and the token table (6.2, 6.3), else 0. */
  readonly seqsBetween: 0 | 3 | 4;
  /** File offsets of the tables, for diagnostics. */
  readonly offsets: {
    readonly addresses: number;
    readonly numSyms: number;
    readonly names: number;
    readonly markers: number;
    readonly tokenTable: number;
    readonly tokenIndex: number;
  };
}

/** A token is part of one symbol's type letter and name: at most KSYM_NAME_LEN (512) bytes. */
const MAX_TOKEN_LEN = 512;
/** Longest compressed name: the length is at most a two-byte ULEB128. */
const MAX_ENTRY_LEN = 0x3fff;
/** The shortest entry: a length byte and one token. */
const MIN_ENTRY_BYTES = 2;
const MAX_ENTRY_BYTES = MAX_ENTRY_LEN + 2;
/** Linker-script symbols that end a range (what the kernel's is_ksym_addr checks against). */
const END_MARKERS: ReadonlySet<string> = new Set(['_etext', '_einittext', '_end']);
/** A generous bound on the symbol count (seqs_of_names entries are 3 bytes: 2^24). */
const MAX_SYMS = 1 << 24;

interface Segment {
  readonly offset: number;
  readonly filesz: number;
  readonly vaddr: number;
  readonly memsz: number;
}

interface Image {
  readonly b: Uint8Array;
  readonly name: string;
  /** PT_LOAD segments; empty for raw (non-ELF) data. */
  readonly segments: readonly Segment[];
}

/**
 * Decodes the kallsyms tables of `vmlinux` (an ELF32 little-endian file, or raw bytes holding the
 * tables) into a SymbolTable, or returns null when it has none (CONFIG_KALLSYMS=n). Each symbol is
 * sized like the kernel sizes it in a backtrace: up to the next higher address; of several
 * symbols at one address, only the first in kallsyms order (the one the kernel prints) is
 * returned by `lookup`, so `format(addr)` prints what the kernel prints (`panic+0xad`); the end
 * markers _etext, _einittext and _end name no address. Types: T/t are functions, and so are W/w
 * (nm's weak symbols not tagged as objects: in a kernel, __weak functions); the rest are objects.
 * Upper case is global, lower case local, W/w/V/v weak. Throws LoaderError ('corrupt') when the
 * tables are there but inconsistent, 'wrong-elf' for an ELF other than ELF32 little-endian.
 */
export function symbolTableFromKallsyms(vmlinux: Uint8Array, name: string): SymbolTable | null {
  const img = openImage(vmlinux, name);
  const k = decode(img);
  if (k === null) return null;
  const n = k.names.length;
  const data: SymbolTableData = {
    version: 1,
    names: new Array<string>(n),
    addrs: new Array<number>(n),
    sizes: new Array<number>(n),
    spans: new Array<number>(n),
    types: new Array<number>(n),
    binds: new Array<number>(n),
  };
  let groupStart = 0;
  while (groupStart < n) {
    const addr = k.addrs[groupStart]!;
    let next = groupStart + 1;
    while (next < n && k.addrs[next] === addr) next++;
    // The kernel's get_symbol_pos: a symbol ends where the next higher address starts.
    const size = next < n ? k.addrs[next]! - addr : 0;
    // But the end markers (_etext, _einittext, _end; the last symbol is one of them) name no
    // address: past them the kernel prints a bare address, the gap after _etext being .rodata
    // and .data (or, with CONFIG_KALLSYMS_ALL, only alignment padding before the next symbol).
    let span = size;
    for (let i = groupStart; i < next; i++) if (END_MARKERS.has(k.names[i]!)) span = 0;
    for (let i = groupStart; i < next; i++) {
      const t = k.types[i]!;
      data.names[i] = k.names[i]!;
      data.addrs[i] = addr;
      data.sizes[i] = size;
      // Aliases after the first keep their size (for resolve) but never win a lookup.
      data.spans[i] = i === groupStart ? span : 0;
      data.types[i] = t === 'T' || t === 't' || t === 'W' || t === 'w' ? 2 : 1;
      data.binds[i] = t === 'W' || t === 'w' || t === 'V' || t === 'v' ? 2 : t === t.toUpperCase() ? 1 : 0;
    }
    groupStart = next;
  }
  return SymbolTable.fromData(data);
}

/**
 * Finds and decodes the kallsyms tables of `vmlinux` (see symbolTableFromKallsyms); null when
 * there are none.
 */
export function readKallsyms(vmlinux: Uint8Array, name: string): KallsymsTables | null {
  return decode(openImage(vmlinux, name));
}

function openImage(b: Uint8Array, name: string): Image {
  if (!isElf(b)) return { b, name, segments: [] };
  const id = identifyElf(b);
  if (id !== null && (id.elfClass !== 1 || id.data !== 1)) {
    throw new LoaderError('wrong-elf', `${name}: kallsyms can be read from 32-bit little-endian (i386) kernels only; give an i386 vmlinux`);
  }
  const elf = parseElf32(b, name);
  const segments = elf.programHeaders
    .filter((p) => p.type === PT_LOAD && p.memsz > 0 && p.offset + p.filesz <= b.length)
    .map((p) => ({ offset: p.offset, filesz: p.filesz, vaddr: p.vaddr, memsz: p.memsz }));
  return { b, name, segments };
}

function decode(img: Image): KallsymsTables | null {
  const found = findTokenTables(img.b);
  if (found.length === 0) return null;
  let firstFailure: string | null = null;
  for (const tok of found) {
    const names = findNames(img.b, tok.table);
    if (names === null) {
      firstFailure ??= `a kallsyms token table at file offset ${hex(tok.table)} has no kallsyms_markers and kallsyms_names before it that match it`;
      continue;
    }
    return decodeAll(img, tok, names);
  }
  throw corrupt(img, firstFailure!);
}

// ---- token table -------------------------------------------------------------------------------

interface TokenTables {
  readonly table: number;
  readonly index: number;
  readonly tokens: readonly string[];
}

/** Every (token table, token index) pair in the file; aligned to 4 bytes, like all the tables. */
function findTokenTables(b: Uint8Array): TokenTables[] {
  const out: TokenTables[] = [];
  const idx = new Uint16Array(256);
  for (let p = 0; p + 512 <= b.length; p += 4) {
    if (b[p] !== 0 || b[p + 1] !== 0) continue;
    let prev = 0;
    let i = 1;
    for (; i < 256; i++) {
      const v = b[p + 2 * i]! | (b[p + 2 * i + 1]! << 8);
      const d = v - prev;
      if (d < 1 || d > MAX_TOKEN_LEN + 1) break;
      idx[i] = v;
      prev = v;
    }
    if (i < 256) continue;
    // The table ends with the last token's NUL, then pads to the index's alignment: its start T
    // (aligned) satisfies T + idx[255] + len(last) + 1 in (p - 4, p].
    const hi = p - prev - 1;
    for (let t = hi - (hi & 3); t >= 0 && t >= hi - MAX_TOKEN_LEN - 3; t -= 4) {
      const tokens = tokensAt(b, t, idx, p);
      if (tokens !== null) {
        out.push({ table: t, index: p, tokens });
        break;
      }
    }
  }
  return out;
}

/** The 256 tokens if a token table at `t` matches `idx` and ends (padded) at `end`, else null. */
function tokensAt(b: Uint8Array, t: number, idx: Uint16Array, end: number): string[] | null {
  const tokens: string[] = new Array<string>(256);
  for (let i = 0; i < 256; i++) {
    const s = t + idx[i]!;
    let e: number;
    if (i < 255) {
      e = t + idx[i + 1]! - 1;
    } else {
      e = s;
      while (e < end && b[e] !== 0) e++;
      if (e >= end || ((e + 4) & ~3) !== end) return null;
      for (let k = e + 1; k < end; k++) if (b[k] !== 0) return null;
    }
    if (b[e] !== 0) return null;
    let str = '';
    for (let k = s; k < e; k++) {
      const c = b[k]!;
      if (c <= 0x20 || c >= 0x7f) return null;
      str += String.fromCharCode(c);
    }
    tokens[i] = str;
  }
  return tokens;
}

// ---- markers, num_syms, names ------------------------------------------------------------------

interface NamesTables {
  readonly names: number;
  readonly count: number;
  readonly markersAt: number;
  readonly markers: readonly number[];
  readonly seqsBetween: 0 | 3 | 4;
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** The markers and names before a token table at `tokenTable`, or null when none match. */
function findNames(b: Uint8Array, tokenTable: number): NamesTables | null {
  // Markers right before the token table (all versions but 6.2 and 6.3).
  const direct = markersEndingAt(b, tokenTable);
  if (direct !== null) {
    const n = namesBefore(b, direct.at, direct.markers, null);
    if (n !== null) return { ...n, markersAt: direct.at, markers: direct.markers, seqsBetween: 0 };
  }
  // 6.2, 6.3: kallsyms_seqs_of_names (N entries of 4, then 3 bytes) sits in between.
  for (const width of [3, 4] as const) {
    for (let count = 1; count <= MAX_SYMS; count++) {
      const end = tokenTable - ((width * count + 3) & ~3);
      const k = (count + 255) >>> 8;
      const at = end - 4 * k;
      if (at < 4) break;
      if (u32(b, at) !== 0) continue;
      const markers = markersFrom(b, at, k);
      if (markers === null) continue;
      const n = namesBefore(b, at, markers, count);
      if (n !== null) return { ...n, markersAt: at, markers, seqsBetween: width };
    }
  }
  return null;
}

/** Two consecutive markers are 256 entries apart. */
function markerStepOk(d: number): boolean {
  return d >= 256 * MIN_ENTRY_BYTES && d <= 256 * MAX_ENTRY_BYTES;
}

/** The markers array that ends at `end`: strictly increasing u32 from a 0, read backwards. */
function markersEndingAt(b: Uint8Array, end: number): { at: number; markers: number[] } | null {
  const rev: number[] = [];
  for (let p = end - 4; p >= 0 && rev.length <= MAX_SYMS >>> 8; p -= 4) {
    const v = u32(b, p);
    if (rev.length > 0 && !markerStepOk(rev[rev.length - 1]! - v)) return null;
    rev.push(v);
    if (v === 0) return { at: p, markers: rev.reverse() };
  }
  return null;
}

/** `k` markers at `at`, if they start at 0 and increase in plausible steps. */
function markersFrom(b: Uint8Array, at: number, k: number): number[] | null {
  const markers = [0];
  for (let i = 1; i < k; i++) {
    const v = u32(b, at + 4 * i);
    if (!markerStepOk(v - markers[i - 1]!)) return null;
    markers.push(v);
  }
  return markers;
}

/** Skips one names entry at `p`; returns the next entry's offset, or -1 past `limit`. */
function skipEntry(b: Uint8Array, p: number, limit: number): number {
  if (p >= limit) return -1;
  let len = b[p]!;
  let q = p + 1;
  if (len & 0x80) {
    if (q >= limit) return -1;
    len = (len & 0x7f) | (b[q]! << 7);
    q++;
  }
  if (len === 0) return -1;
  q += len;
  return q <= limit ? q : -1;
}

/**
 * Finds num_syms and kallsyms_names before markers at `markersAt`: the names start S (aligned,
 * with N = u32 at S - 4, ceil(N / 256) = the marker count, or N = `knownCount`) from which the N
 * entries pass every marker and end where the markers start, modulo alignment.
 */
function namesBefore(b: Uint8Array, markersAt: number, markers: readonly number[], knownCount: number | null): { names: number; count: number } | null {
  const k = markers.length;
  const last = markers[k - 1]!;
  const hi = markersAt - last - MIN_ENTRY_BYTES;
  const lo = markersAt - last - 256 * MAX_ENTRY_BYTES - 3;
  for (let s = hi - (hi & 3); s >= 4 && s >= lo; s -= 4) {
    const n = u32(b, s - 4);
    if (knownCount !== null ? n !== knownCount : n <= 256 * (k - 1) || n > 256 * k) continue;
    // The last group first: it pins S down; then the whole walk.
    let p = s + last;
    for (let i = 256 * (k - 1); i < n && p >= 0; i++) p = skipEntry(b, p, markersAt);
    if (p < 0 || ((p + 3) & ~3) !== markersAt) continue;
    p = s;
    for (let i = 0; i < n && p >= 0; i++) {
      if ((i & 0xff) === 0 && p - s !== markers[i >>> 8]) p = -1;
      else p = skipEntry(b, p, markersAt);
    }
    if (p < 0) continue;
    for (let q = p; q < markersAt; q++) if (b[q] !== 0) p = -1;
    if (p < 0) continue;
    return { names: s, count: n };
  }
  return null;
}

// ---- decoding ----------------------------------------------------------------------------------

function decodeAll(img: Image, tok: TokenTables, nt: NamesTables): KallsymsTables {
  const { b } = img;
  const n = nt.count;
  const names = new Array<string>(n);
  const types = new Array<string>(n);
  let p = nt.names;
  for (let i = 0; i < n; i++) {
    let len = b[p++]!;
    if (len & 0x80) len = (len & 0x7f) | (b[p++]! << 7);
    let s = '';
    for (let j = 0; j < len; j++) s += tok.tokens[b[p + j]!]!;
    p += len;
    if (s.length < 2) throw corrupt(img, `kallsyms entry ${i} at file offset ${hex(p - len)} decodes to '${s}', not a type letter and a name`);
    types[i] = s[0]!;
    names[i] = s.slice(1);
  }
  const found = findAddresses(img, nt.names, n, tok.index);
  if (found === null) {
    throw corrupt(img, `kallsyms names found at file offset ${hex(nt.names)} (${n} symbols), but no sorted address table in any known place (kallsyms_offsets or kallsyms_addresses)`);
  }
  return {
    names, types, addrs: found.addrs, addressForm: found.form, seqsBetween: nt.seqsBetween,
    offsets: { addresses: found.at, numSyms: nt.names - 4, names: nt.names, markers: nt.markersAt, tokenTable: tok.table, tokenIndex: tok.index },
  };
}

/** The address table: the first known place and form whose values are sorted and inside the image. */
function findAddresses(img: Image, names: number, n: number, tokenIndex: number): { addrs: number[]; form: KallsymsAddressForm; at: number } | null {
  const { b } = img;
  const after = tokenIndex + 512;
  const relative = (at: number, baseAt: number): number[] | null => {
    if (at < 0 || baseAt + 4 > b.length || at + 4 * n > b.length) return null;
    // relative_base is the lowest address, so the first offset is 0.
    if (u32(b, at) !== 0) return null;
    const base = u32(b, baseAt);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = base + u32(b, at + 4 * i);
    return out;
  };
  const absolute = (at: number): number[] | null => {
    if (at < 0 || at + 4 * n > b.length) return null;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = u32(b, at + 4 * i);
    return out;
  };
  const pcRelative = (at: number): number[] | null => {
    if (at + 4 * n > b.length) return null;
    const va = fileToVirtual(img, at);
    if (va === null || fileToVirtual(img, at + 4 * n - 1) !== va + 4 * n - 1) return null;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = (va + 4 * i + (u32(b, at + 4 * i) | 0)) >>> 0;
    return out;
  };
  const before = names - 4 - 4 * n;
  const candidates: [KallsymsAddressForm, number, () => number[] | null][] = [
    ['offsets-before-names', before - 4, () => relative(before - 4, names - 8)],
    ['offsets-after-tokens', after, () => relative(after, after + 4 * n)],
    ['addresses-before-names', before, () => absolute(before)],
    ['addresses-after-tokens', after, () => absolute(after)],
    ['pc-relative-after-tokens', after, () => pcRelative(after)],
  ];
  for (const [form, at, read] of candidates) {
    const addrs = read();
    if (addrs !== null && plausibleAddresses(img, addrs)) return { addrs, form, at };
  }
  return null;
}

/** Sorted, not all one value, within 32 bits and, for an ELF, within its loaded segments. */
function plausibleAddresses(img: Image, addrs: readonly number[]): boolean {
  const n = addrs.length;
  if (n > 1 && addrs[n - 1] === addrs[0]) return false;
  for (let i = 1; i < n; i++) if (addrs[i]! < addrs[i - 1]!) return false;
  if (addrs[n - 1]! > 0xffffffff) return false;
  if (img.segments.length === 0) return true;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of img.segments) {
    lo = Math.min(lo, s.vaddr);
    hi = Math.max(hi, s.vaddr + s.memsz);
  }
  return addrs[0]! >= lo && addrs[n - 1]! <= hi;
}

/** The virtual address of a file offset, through the PT_LOAD segments; null outside them. */
function fileToVirtual(img: Image, off: number): number | null {
  for (const s of img.segments) if (off >= s.offset && off < s.offset + s.filesz) return s.vaddr + (off - s.offset);
  return null;
}

function corrupt(img: Image, what: string): LoaderError {
  return new LoaderError('corrupt', `${img.name}: corrupt kallsyms tables: ${what}; use an unmodified vmlinux, or give the kernel's System.map`);
}
