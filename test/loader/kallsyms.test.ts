/**
 * kallsyms read statically from a vmlinux: first against synthetic tables in every known layout
 * (built here, so the decoder is tested without the kernel), then against Debian's stock i386
 * 6.1 kernel when guests/linux/fetch.sh has cached it, checked with the kernel's own backtrace
 * (its kallsyms printed `panic+0xad/0x263`: offset and size) and with the call instructions the
 * backtrace's return addresses follow.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoaderError, parseElf32, readKallsyms, symbolTableFromKallsyms, type ElfFile, type KallsymsAddressForm } from '../../src/loader/index.js';
import { expectedText, fixture, loaderError, REPO } from './helpers.js';

// ---- a kallsyms encoder, written from scripts/kallsyms.c's description of the format -----------

interface Sym {
  addr: number;
  type: string;
  name: string;
}

type Layout = 'v6.1' | 'v6.2' | 'v6.4' | 'absolute' | 'pc-relative';

/** Multi-character tokens for the unused codes; the codes of the characters in use stand for themselves. */
const EXTRA_TOKENS = ['Tfn_', 'tfn_', 'fn_', 'mount_', 'root', 'dump_', 'stack', 'panic', 'init', 'start', '__', '_lvl', 'Tkernel_', 'ker', 'nel'];

function tokenTable(syms: readonly Sym[]): string[] {
  const tokens = new Array<string>(256).fill('');
  for (const s of syms) for (const c of s.type + s.name) tokens[c.charCodeAt(0)] = c;
  let slot = 0;
  for (const t of EXTRA_TOKENS) {
    while (tokens[slot] !== '') slot++;
    tokens[slot] = t;
  }
  return tokens; // the rest stay empty, as unused codes do in small kernels
}

/** Greedy longest-token encoding: any encoding that expands back to the text is valid. */
function encode(text: string, tokens: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    let best = -1;
    for (let t = 0; t < 256; t++) {
      const tok = tokens[t]!;
      if (tok !== '' && text.startsWith(tok, i) && (best < 0 || tok.length > tokens[best]!.length)) best = t;
    }
    out.push(best);
    i += tokens[best]!.length;
  }
  return out;
}

class Bytes {
  readonly b: number[] = [];
  align(): void {
    while (this.b.length % 4 !== 0) this.b.push(0);
  }
  u8(...v: number[]): void {
    this.b.push(...v);
  }
  u16(v: number): void {
    this.b.push(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number): void {
    this.b.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
}

/** Deterministic filler, standing for the .rodata around the tables. */
function filler(n: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push((x >>> 16) & 0xff);
  }
  return out;
}

/**
 * The kallsyms tables of `syms` (sorted by address) in `layout`, starting at virtual address `va`
 * (`va` is where the first byte of the result lands; 4-aligned).
 */
function kallsymsBlob(syms: readonly Sym[], layout: Layout, va: number): number[] {
  const tokens = tokenTable(syms);
  const out = new Bytes();
  const base = syms[0]!.addr;
  const n = syms.length;
  const addresses = (): void => {
    out.align();
    if (layout === 'absolute') for (const s of syms) out.u32(s.addr);
    else if (layout === 'pc-relative') for (const s of syms) out.u32(s.addr - (va + out.b.length));
    else {
      for (const s of syms) out.u32(s.addr - base);
      out.align();
      out.u32(base); // kallsyms_relative_base
    }
  };
  const seqs = (): void => {
    out.align();
    const order = syms.map((s, i) => ({ s, i })).sort((a, b) => (a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : a.i - b.i));
    for (const { i } of order) out.u8((i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);
  };
  const after = layout === 'v6.4' || layout === 'pc-relative';
  if (!after) addresses();
  out.align();
  out.u32(n); // kallsyms_num_syms
  const markers: number[] = [];
  const namesAt = out.b.length;
  syms.forEach((s, i) => {
    if (i % 256 === 0) markers.push(out.b.length - namesAt);
    const enc = encode(s.type + s.name, tokens);
    if (enc.length <= 0x7f) out.u8(enc.length);
    else out.u8((enc.length & 0x7f) | 0x80, enc.length >>> 7);
    out.u8(...enc);
  });
  out.align();
  for (const m of markers) out.u32(m);
  if (layout === 'v6.2') seqs();
  out.align();
  const index: number[] = [];
  const tableAt = out.b.length;
  for (const t of tokens) {
    index.push(out.b.length - tableAt);
    for (const c of t) out.u8(c.charCodeAt(0));
    out.u8(0);
  }
  out.align();
  for (const i of index) out.u16(i);
  if (after) {
    addresses();
    seqs();
  }
  out.align();
  return out.b;
}

const SEG_VA = 0xc1000000;
const SEG_OFFSET = 0x1000;

/** A minimal ELF32 i386 executable: one PT_LOAD at SEG_VA (file offset SEG_OFFSET) holding `body`. */
function elfWith(body: number[], memsz = 0x100000): Uint8Array {
  const f = new Bytes();
  f.u8(0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  f.u16(2); // ET_EXEC
  f.u16(3); // EM_386
  f.u32(1);
  f.u32(SEG_VA - 0xc0000000); // entry: a physical address, as in a real vmlinux
  f.u32(52); // phoff
  f.u32(0); // shoff
  f.u32(0);
  f.u16(52);
  f.u16(32);
  f.u16(1); // phnum
  f.u16(40);
  f.u16(0);
  f.u16(0);
  f.u32(1); // PT_LOAD
  f.u32(SEG_OFFSET);
  f.u32(SEG_VA);
  f.u32(SEG_VA - 0xc0000000);
  f.u32(body.length);
  f.u32(Math.max(memsz, body.length));
  f.u32(5);
  f.u32(0x1000);
  while (f.b.length < SEG_OFFSET) f.b.push(0);
  f.b.push(...body);
  return new Uint8Array(f.b);
}

const PRE = 0x344; // filler before the tables (a multiple of 4)

/** The tables of `syms` in `layout`, surrounded by filler, in an ELF (or raw). */
function image(syms: readonly Sym[], layout: Layout, raw = false): Uint8Array {
  const body = [...filler(PRE, 7), ...kallsymsBlob(syms, layout, SEG_VA + PRE), ...filler(0x233, 11)];
  return raw ? new Uint8Array(body) : elfWith(body);
}

const LONG_NAME = `big_${'x'.repeat(250)}`;
const PANIC = SEG_VA + 0x1000;

/** 700 symbols (three markers): aliases, a "big" 2-byte-length name, weak, data and end markers. */
function fakeKernel(): Sym[] {
  const syms: Sym[] = [
    { addr: SEG_VA, type: 'T', name: 'startup_32' },
    { addr: SEG_VA, type: 'T', name: '_stext' },
    { addr: SEG_VA, type: 'T', name: '_text' },
    { addr: SEG_VA + 0x78, type: 't', name: 'verify_cpu' },
    { addr: SEG_VA + 0x100, type: 'W', name: 'arch_weak_hook' },
    { addr: SEG_VA + 0x140, type: 'T', name: LONG_NAME },
    { addr: SEG_VA + 0x200, type: 'T', name: 'dump_stack_lvl' },
    { addr: SEG_VA + 0x244, type: 'T', name: 'dump_stack' },
    { addr: PANIC, type: 'T', name: 'panic' },
    { addr: PANIC + 0x263, type: 'T', name: 'mount_block_root' },
  ];
  for (let i = 0; syms.length < 697; i++) syms.push({ addr: SEG_VA + 0x2000 + 0x40 * i, type: i % 3 === 0 ? 't' : 'T', name: `fn_${i}` });
  const last = syms[syms.length - 1]!.addr;
  syms.push({ addr: last + 0x40, type: 'T', name: '_etext' });
  syms.push({ addr: last + 0x10000, type: 'D', name: '__init_begin' });
  syms.push({ addr: last + 0x10100, type: 'T', name: '_einittext' });
  return syms;
}

describe('kallsyms: synthetic tables in every known layout', () => {
  const syms = fakeKernel();
  const forms: [Layout, KallsymsAddressForm, 0 | 3][] = [
    ['v6.1', 'offsets-before-names', 0],
    ['v6.2', 'offsets-before-names', 3],
    ['v6.4', 'offsets-after-tokens', 0],
    ['absolute', 'addresses-before-names', 0],
    ['pc-relative', 'pc-relative-after-tokens', 0],
  ];

  it('the encoder uses 2-byte lengths, multi-character and empty tokens', () => {
    const tokens = tokenTable(syms);
    expect(encode(`T${LONG_NAME}`, tokens).length).toBeGreaterThan(0x7f);
    expect(encode('Tfn_12', tokens)).toHaveLength(3);
    expect(tokens.filter((t) => t === '').length).toBeGreaterThan(100);
  });

  for (const [layout, form, seqs] of forms) {
    it(`${layout}: decodes every name, type and address (${form})`, () => {
      const k = readKallsyms(image(syms, layout), 'fake')!;
      expect(k).not.toBeNull();
      expect(k.addressForm).toBe(form);
      expect(k.seqsBetween).toBe(seqs);
      expect(k.names).toEqual(syms.map((s) => s.name));
      expect(k.types).toEqual(syms.map((s) => s.type));
      expect(k.addrs).toEqual(syms.map((s) => s.addr));
      expect(k.offsets.tokenIndex).toBeGreaterThan(k.offsets.tokenTable);
    });
  }

  it('raw bytes (no ELF) decode too, except the pc-relative form, which needs virtual addresses', () => {
    for (const layout of ['v6.1', 'v6.2', 'v6.4', 'absolute'] as const) {
      const k = readKallsyms(image(syms, layout, true), 'raw')!;
      expect(k.addrs, layout).toEqual(syms.map((s) => s.addr));
      expect(k.names, layout).toEqual(syms.map((s) => s.name));
    }
    expect(() => readKallsyms(image(syms, 'pc-relative', true), 'raw')).toThrow(LoaderError);
  });

  it('the symbol table sizes and names addresses the way the kernel does', () => {
    const t = symbolTableFromKallsyms(image(syms, 'v6.1'), 'fake')!;
    expect(t.length).toBe(syms.length);
    expect(t.resolve('panic')).toEqual({ addr: PANIC, size: 0x263 });
    expect(t.format(PANIC + 0xad)).toBe('panic+0xad');
    expect(t.format(PANIC + 0x262)).toBe('panic+0x262');
    expect(t.format(PANIC + 0x263)).toBe('mount_block_root');
    // Of the aliases at _text, the first in kallsyms order, as the kernel's get_symbol_pos picks.
    expect(t.format(SEG_VA + 4)).toBe('startup_32+0x4');
    expect(t.resolve('_text')).toEqual({ addr: SEG_VA, size: 0x78 });
    expect(t.resolve(LONG_NAME)).toEqual({ addr: SEG_VA + 0x140, size: 0xc0 });
    const bySym = new Map(t.entries().map((e) => [e.name, e]));
    expect(bySym.get('verify_cpu')).toMatchObject({ kind: 'func', binding: 'local' });
    expect(bySym.get('panic')).toMatchObject({ kind: 'func', binding: 'global' });
    expect(bySym.get('arch_weak_hook')).toMatchObject({ kind: 'func', binding: 'weak' });
    expect(bySym.get('__init_begin')).toMatchObject({ kind: 'object', binding: 'global' });
    // End markers name nothing: past _etext is not text.
    const etext = t.resolve('_etext')!;
    expect(t.format(etext.addr)).toBeNull();
    expect(t.format(etext.addr + 0x100)).toBeNull();
    expect(t.format(t.resolve('_einittext')!.addr)).toBeNull();
    expect(t.format(t.resolve('__init_begin')!.addr + 8)).toBe('__init_begin+0x8');
    // Survives the trace header's round trip.
    expect(JSON.parse(JSON.stringify(t))).toEqual(t.toData());
  });

  it('null when there are no kallsyms tables', () => {
    expect(symbolTableFromKallsyms(new Uint8Array(filler(0x10000, 3)), 'noise')).toBeNull();
    expect(symbolTableFromKallsyms(new Uint8Array(0x10000), 'zeros')).toBeNull();
    expect(symbolTableFromKallsyms(new Uint8Array(0), 'empty')).toBeNull();
    expect(symbolTableFromKallsyms(elfWith(filler(0x8000, 5)), 'elf')).toBeNull();
    expect(symbolTableFromKallsyms(fixture('mb-elf.elf'), 'mb-elf.elf')).toBeNull();
  });

  it('LoaderError for a 64-bit ELF and for corrupt tables', () => {
    loaderError(() => symbolTableFromKallsyms(fixture('elf64.elf'), 'elf64.elf'), 'wrong-elf');
    const blob = kallsymsBlob(syms, 'v6.1', SEG_VA + PRE);
    const at = (pred: (k: NonNullable<ReturnType<typeof readKallsyms>>) => number): number => pred(readKallsyms(elfWith([...filler(PRE, 7), ...blob]), 'ok')!) - SEG_OFFSET - PRE;
    // A marker that no longer points at entry 256.
    const markers = at((k) => k.offsets.markers);
    const badMarker = [...blob];
    badMarker[markers + 4] ^= 0x01;
    expect(loaderError(() => symbolTableFromKallsyms(elfWith([...filler(PRE, 7), ...badMarker]), 'bad-marker'), 'corrupt')).toMatch(/bad-marker: corrupt kallsyms tables/);
    // An entry whose length was changed: the names no longer reach the markers.
    const names = at((k) => k.offsets.names);
    const badLength = [...blob];
    badLength[names] += 1;
    loaderError(() => symbolTableFromKallsyms(elfWith([...filler(PRE, 7), ...badLength]), 'bad-length'), 'corrupt');
    // Offsets out of order: no address table left anywhere.
    const offsets = at((k) => k.offsets.addresses);
    const unsorted = [...blob];
    unsorted[offsets + 4 * 20 + 2] = 0x7f;
    expect(loaderError(() => symbolTableFromKallsyms(elfWith([...filler(PRE, 7), ...unsorted]), 'unsorted'), 'corrupt')).toMatch(/no sorted address table/);
  });
});

// ---- Debian's stock i386 kernel ----------------------------------------------------------------

const VMLINUX = join(REPO, 'guests', 'linux', 'cache', 'vmlinux');
const haveVmlinux = existsSync(VMLINUX);
const skipNote = haveVmlinux ? '' : ' [SKIPPED: no guests/linux/cache/vmlinux; run guests/linux/fetch.sh to fetch it]';

interface Frame {
  name: string;
  offset: number;
  size: number;
  reliable: boolean;
}

/** The `name+0xoff/0xsize` lines of the boot log's Call Trace ("? " marks an unreliable frame). */
function callTrace(log: string): Frame[] {
  const lines = log.split(/\r?\n/);
  const start = lines.findIndex((l) => l.includes('Call Trace:'));
  const frames: Frame[] = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^\[\s*[\d.]+\]\s+(\? )?([\w.$]+)\+0x([0-9a-f]+)\/0x([0-9a-f]+)\s*$/.exec(l);
    if (m === null) break;
    frames.push({ name: m[2]!, offset: parseInt(m[3]!, 16), size: parseInt(m[4]!, 16), reliable: m[1] === undefined });
  }
  return frames;
}

function fileOffset(elf: ElfFile, va: number): number {
  const ph = elf.programHeaders.find((p) => p.type === 1 && va >= p.vaddr && va < p.vaddr + p.filesz);
  if (ph === undefined) throw new Error(`${va.toString(16)} is not in the file`);
  return ph.offset + (va - ph.vaddr);
}

describe.skipIf(!haveVmlinux)(`kallsyms of Debian's i386 6.1 vmlinux${skipNote}`, () => {
  const bytes = haveVmlinux ? new Uint8Array(readFileSync(VMLINUX)) : new Uint8Array(0);
  const elf = haveVmlinux ? parseElf32(bytes, 'vmlinux') : null;
  const started = performance.now();
  const table = haveVmlinux ? symbolTableFromKallsyms(bytes, 'vmlinux') : null;
  const elapsed = performance.now() - started;
  const frames = callTrace(expectedText('linux-6.1.0-50-686.boot.txt'));

  it('decodes tens of thousands of symbols, quickly', () => {
    expect(table).not.toBeNull();
    expect(table!.length).toBeGreaterThan(20_000);
    expect(table!.length).toBeLessThan(500_000);
    expect(elapsed).toBeLessThan(3000);
    const k = readKallsyms(bytes, 'vmlinux')!;
    // Debian's 6.1.y carries the 6.2 kallsyms_seqs_of_names (3 bytes) between markers and tokens.
    expect(k.addressForm).toBe('offsets-before-names');
    expect(k.seqsBetween).toBe(3);
  });

  it('startup_32 sits at the ELF entry (a physical address) translated to its virtual address', () => {
    const entry = elf!.header.entry;
    const ph = elf!.programHeaders.find((p) => p.type === 1 && entry >= p.paddr && entry < p.paddr + p.memsz)!;
    const va = ph.vaddr + (entry - ph.paddr);
    expect(va).toBe(0xc1000000);
    expect(table!.resolve('startup_32')?.addr).toBe(va);
    expect(table!.format(va)).toBe('startup_32');
    expect(table!.format(va + 5)).toBe('startup_32+0x5');
  });

  it('knows the functions of the panic path', () => {
    for (const name of ['panic', 'dump_stack_lvl', 'mount_block_root', 'prepare_namespace', 'kernel_init', 'ret_from_fork']) {
      const s = table!.resolveAll(name);
      expect(s, name).toHaveLength(1);
      expect(s[0]!.kind, name).toBe('func');
    }
  });

  it('every Call Trace frame has the size the kernel printed, and its offset lies in it', () => {
    expect(frames.length).toBe(10);
    for (const f of frames) {
      const s = table!.resolve(f.name);
      expect(s, f.name).not.toBeNull();
      expect(s!.size, `${f.name} size`).toBe(f.size);
      // %pB prints return addresses: the lookup is at address - 1, so a call that ends the
      // function (rest_init+0xb0/0xb0) has offset == size.
      expect(f.offset, f.name).toBeGreaterThan(0);
      expect(f.offset, f.name).toBeLessThanOrEqual(f.size);
      const before = s!.addr + f.offset - 1;
      expect(table!.format(before)).toBe(f.offset === 1 ? f.name : `${f.name}+0x${(f.offset - 1).toString(16)}`);
    }
  });

  it('each reliable return address follows a call of the frame above it', () => {
    let checked = 0;
    for (let i = 1; i < frames.length; i++) {
      const caller = frames[i]!;
      const callee = frames[i - 1]!;
      if (!caller.reliable || !callee.reliable) continue;
      const ret = table!.resolve(caller.name)!.addr + caller.offset;
      const at = fileOffset(elf!, ret - 5);
      if (bytes[at] !== 0xe8) continue; // not a call rel32
      const target = (ret + (bytes[at + 1]! | (bytes[at + 2]! << 8) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 24))) >>> 0;
      const called = table!.format(target);
      // An indirect call goes through a retpoline thunk (ret_from_fork: call *%ebx).
      if (called?.startsWith('__x86_indirect_thunk_')) continue;
      expect(called, `${caller.name}+0x${caller.offset.toString(16)} calls`).toBe(callee.name);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
