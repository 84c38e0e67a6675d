import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoaderError, MAX_LABEL_SPAN, parseElf32, SymbolTable, type ElfFile, type SymbolTableData } from '../../src/loader/index.js';
import { expectedText, FIXTURES, fixture, loaderError, parseNm } from './helpers.js';

function tableOf(name: string): SymbolTable {
  const t = SymbolTable.fromElf(parseElf32(fixture(name), name));
  if (t === null) throw new Error(`${name} has no symbols`);
  return t;
}

function nmAvailable(): boolean {
  try {
    execFileSync('nm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('SymbolTable from mb-elf.elf, checked against nm', () => {
  const table = tableOf('mb-elf.elf');
  const nm = parseNm(expectedText('mb-elf.nm.txt'));
  // nm's 'a' symbols are absolute constants (MB_MAGIC equ ...), not addresses.
  const addressSymbols = nm.filter((s) => s.type !== 'a' && s.type !== 'A');
  const sized = addressSymbols.filter((s) => s.size !== null && s.size > 0);
  const labels = addressSymbols.filter((s) => s.size === null);

  it.runIf(nmAvailable())('the stored nm output is that of the committed image', () => {
    const out = execFileSync('nm', ['-n', '-S', '--defined-only', join(FIXTURES, 'mb-elf.elf')], { encoding: 'utf8' });
    expect(out).toBe(expectedText('mb-elf.nm.txt'));
  });

  it('holds exactly nm\'s address symbols, FUNC, OBJECT and labels alike', () => {
    expect(sized.length).toBeGreaterThanOrEqual(6);
    expect(labels.length).toBeGreaterThanOrEqual(5);
    expect(table.entries().map((s) => s.name).sort()).toEqual(addressSymbols.map((s) => s.name).sort());
    expect(table.entries().find((s) => s.name === 'timer_tick')?.kind).toBe('func');
    expect(table.entries().find((s) => s.name === 'guard')?.kind).toBe('object');
    expect(table.entries().find((s) => s.name === '_start')?.kind).toBe('label');
    expect(table.entries().find((s) => s.name === 'ticks')?.binding).toBe('local');
  });

  it('resolve(name) gives nm\'s address and size', () => {
    for (const s of addressSymbols) expect(table.resolve(s.name), s.name).toEqual({ addr: s.addr, size: s.size ?? 0 });
    expect(table.resolve('guard')).toEqual({ addr: nm.find((s) => s.name === 'guard')!.addr, size: 4 });
    expect(table.resolve('MB_MAGIC')).toBeNull();
    expect(table.resolve('no_such_symbol')).toBeNull();
  });

  it('lookup inside every sized symbol names it, with the offset', () => {
    for (const s of sized) {
      for (const k of [0, s.size! >> 1, s.size! - 1]) {
        expect(table.lookup(s.addr + k), `${s.name}+${k}`).toEqual({ name: s.name, addr: s.addr, offset: k, size: s.size });
      }
    }
  });

  it('a label names its address unless a sized symbol covers it', () => {
    for (const l of labels) {
      const cover = sized.find((s) => l.addr >= s.addr && l.addr < s.addr + s.size!);
      const want = cover?.name ?? l.name;
      const atEndOfSection = table.entries().find((e) => e.name === l.name)!.span === 0;
      if (!atEndOfSection || cover) expect(table.lookup(l.addr)?.name, l.name).toBe(want);
    }
  });

  it('format gives name+0xoffset, the bare name at offset 0, null outside', () => {
    const at = (name: string): number => nm.find((s) => s.name === name)!.addr;
    expect(table.format(at('timer_tick') + 0x1c)).toBe('timer_tick+0x1c');
    expect(table.format(at('timer_tick'))).toBe('timer_tick');
    expect(table.format(at('_start') + 5)).toBe('_start+0x5');
    // `.hang` is a nasm local label, stored as `_start.hang`: it wins over `_start` after it.
    expect(table.format(at('_start.hang') + 3)).toBe('_start.hang+0x3');
    expect(table.format(at('stack_bottom') + 0x800)).toBe('stack_bottom+0x800');
    expect(table.format(at('heap') + 0x1ffc)).toBe('heap+0x1ffc');
    const kmain = nm.find((s) => s.name === 'kmain')!;
    // Just past kmain is the end of .text: no symbol covers it.
    expect(table.format(kmain.addr + kmain.size!)).toBeNull();
    expect(table.format(0)).toBeNull();
    expect(table.format(0x200000)).toBeNull();
    expect(table.format(0xffffffff)).toBeNull();
    expect(table.format(-1)).toBeNull();
  });

  it('survives JSON and rebuilds to the same table', () => {
    const data = JSON.parse(JSON.stringify(table)) as SymbolTableData;
    expect(data).toEqual(table.toData());
    const again = SymbolTable.fromData(data);
    expect(again.entries()).toEqual(table.entries());
    for (let a = 0xfff00; a < 0x103200; a++) expect(again.format(a)).toBe(table.format(a));
  });
});

describe('SymbolTable from higher-half.elf', () => {
  const table = tableOf('higher-half.elf');
  const nm = parseNm(expectedText('higher-half.nm.txt'));

  it('uses the virtual addresses (st_value), like EIP', () => {
    const start = nm.find((s) => s.name === '_start')!.addr;
    expect(start).toBeGreaterThan(0xc0000000);
    expect(table.format(start + 2)).toBe('_start+0x2');
    expect(table.resolve('hh_data')).toEqual({ addr: nm.find((s) => s.name === 'hh_data')!.addr, size: 4 });
  });

  it('a label in .bss reaches the end of its section and no further', () => {
    const elf = parseElf32(fixture('higher-half.elf'));
    const bss = elf.sections.find((s) => s.name === '.bss')!;
    const hhBss = nm.find((s) => s.name === 'hh_bss')!.addr;
    const end = bss.addr + bss.size;
    expect(table.format(end - 1)).toBe(`hh_bss+0x${(end - 1 - hhBss).toString(16)}`);
    expect(table.format(end)).toBeNull();
  });
});

describe('SymbolTable rules', () => {
  const data = (rows: [name: string, addr: number, size: number, span: number, type: number, bind: number][]): SymbolTableData => ({
    version: 1,
    names: rows.map((r) => r[0]),
    addrs: rows.map((r) => r[1]),
    sizes: rows.map((r) => r[2]),
    spans: rows.map((r) => r[3]),
    types: rows.map((r) => r[4]),
    binds: rows.map((r) => r[5]),
  });
  const FUNC = 2;
  const OBJECT = 1;
  const LABEL = 0;
  const LOCAL = 0;
  const GLOBAL = 1;
  const WEAK = 2;

  it('the innermost of nested sized symbols wins; a label only where nothing sized is', () => {
    const t = SymbolTable.fromData(data([
      ['outer', 0x1000, 0x100, 0x100, FUNC, GLOBAL],
      ['inner', 0x1040, 0x10, 0x10, FUNC, LOCAL],
      ['lbl', 0x1020, 0, 0x200, LABEL, GLOBAL],
    ]));
    expect(t.format(0x1010)).toBe('outer+0x10');
    expect(t.format(0x1030)).toBe('outer+0x30');
    expect(t.format(0x1048)).toBe('inner+0x8');
    expect(t.format(0x1050)).toBe('outer+0x50');
    expect(t.format(0x1100)).toBe('lbl+0xe0');
    expect(t.format(0x121f)).toBe('lbl+0x1ff');
    expect(t.format(0x1220)).toBeNull();
  });

  it('aliases: global over weak over local, then func over object, then name', () => {
    const t = SymbolTable.fromData(data([
      ['zeta', 0x2000, 8, 8, FUNC, LOCAL],
      ['alpha_weak', 0x2000, 8, 8, FUNC, WEAK],
      ['beta', 0x2000, 8, 8, FUNC, GLOBAL],
      ['alpha', 0x2000, 8, 8, FUNC, GLOBAL],
      ['obj', 0x3000, 4, 4, OBJECT, GLOBAL],
      ['fn', 0x3000, 4, 4, FUNC, GLOBAL],
    ]));
    expect(t.format(0x2004)).toBe('alpha+0x4');
    expect(t.format(0x3000)).toBe('fn');
  });

  it('resolve prefers global, then weak, then the lowest address; resolveAll lists them all', () => {
    const t = SymbolTable.fromData(data([
      ['count', 0x5000, 4, 4, OBJECT, LOCAL],
      ['count', 0x4000, 4, 4, OBJECT, LOCAL],
      ['shared', 0x6000, 4, 4, OBJECT, WEAK],
      ['shared', 0x7000, 8, 8, OBJECT, GLOBAL],
    ]));
    expect(t.resolve('count')).toEqual({ addr: 0x4000, size: 4 });
    expect(t.resolveAll('count').map((s) => s.addr)).toEqual([0x4000, 0x5000]);
    expect(t.resolve('shared')).toEqual({ addr: 0x7000, size: 8 });
  });

  it('a lone label stops at MAX_LABEL_SPAN, the next symbol or its section end', () => {
    const elf: ElfFile = {
      header: { type: 2, machine: 3, version: 1, entry: 0, phoff: 0, shoff: 0, flags: 0, ehsize: 52, phentsize: 32, phnum: 0, shentsize: 40, shnum: 2, shstrndx: 0 },
      programHeaders: [],
      sections: [
        { index: 0, name: '', type: 0, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, addralign: 0, entsize: 0 },
        { index: 1, name: '.text', type: 1, flags: 0x6, addr: 0x100000, offset: 0x1000, size: 0x100000, link: 0, info: 0, addralign: 16, entsize: 0 },
        { index: 2, name: '.comment', type: 1, flags: 0, addr: 0, offset: 0x1000, size: 0x10, link: 0, info: 0, addralign: 1, entsize: 0 },
      ],
      symbols: [
        { name: 'lone', value: 0x100000, size: 0, type: 'NOTYPE', binding: 'GLOBAL', other: 0, sectionIndex: 1 },
        { name: 'near_end', value: 0x1ffff0, size: 0, type: 'NOTYPE', binding: 'LOCAL', other: 0, sectionIndex: 1 },
        { name: 'at_end', value: 0x200000, size: 0, type: 'NOTYPE', binding: 'GLOBAL', other: 0, sectionIndex: 1 },
        { name: 'const', value: 0x100004, size: 0, type: 'NOTYPE', binding: 'LOCAL', other: 0, sectionIndex: 0xfff1 },
        { name: 'unalloc', value: 0x100008, size: 0, type: 'NOTYPE', binding: 'LOCAL', other: 0, sectionIndex: 2 },
        { name: 'file.c', value: 0, size: 0, type: 'FILE', binding: 'LOCAL', other: 0, sectionIndex: 0xfff1 },
        { name: 'undef', value: 0, size: 0, type: 'NOTYPE', binding: 'GLOBAL', other: 0, sectionIndex: 0 },
      ],
      hasSymtab: true,
    };
    const t = SymbolTable.fromElf(elf)!;
    expect(t.entries().map((s) => s.name)).toEqual(['lone', 'near_end', 'at_end']);
    expect(t.format(0x100000 + MAX_LABEL_SPAN - 1)).toBe(`lone+0x${(MAX_LABEL_SPAN - 1).toString(16)}`);
    expect(t.format(0x100000 + MAX_LABEL_SPAN)).toBeNull();
    expect(t.format(0x1fffff)).toBe('near_end+0xf');
    // at_end sits at the end of .text: resolvable, but it names no address.
    expect(t.format(0x200000)).toBeNull();
    expect(t.resolve('at_end')).toEqual({ addr: 0x200000, size: 0 });
  });

  it('fromElf returns null for an image without usable symbols', () => {
    expect(SymbolTable.fromElf(parseElf32(fixture('arm.elf')))).toBeNull();
  });

  it('fromData refuses damaged data with a LoaderError', () => {
    const good = data([['a', 0x1000, 4, 4, FUNC, GLOBAL]]);
    const bad: [string, unknown][] = [
      ['version', { ...good, version: 2 }],
      ['lengths', { ...good, sizes: [] }],
      ['missing column', { ...good, spans: undefined }],
      ['address', { ...good, addrs: [-1] }],
      ['fraction', { ...good, addrs: [1.5] }],
      ['type code', { ...good, types: [7] }],
      ['bind code', { ...good, binds: [9] }],
      ['empty name', { ...good, names: [''] }],
      ['span over size', { ...good, spans: [8] }],
      ['null', null],
    ];
    for (const [what, d] of bad) {
      const msg = loaderError(() => SymbolTable.fromData(d as SymbolTableData), 'corrupt');
      expect(msg, what).toMatch(/^symbol table data: /);
    }
    expect(() => SymbolTable.fromData(good)).not.toThrow(LoaderError);
  });
});
