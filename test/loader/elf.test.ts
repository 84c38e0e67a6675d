import { describe, expect, it } from 'vitest';
import { identifyElf, isElf, LoaderError, parseElf32 } from '../../src/loader/index.js';
import {
  expectedText, fixture, loaderError, parseReadelf, SECTION_TYPES, SEGMENT_TYPES, sectionFlagBits, segmentFlagBits,
} from './helpers.js';

// Each image is compared with what binutils' readelf says about the same file (stored by
// test/fixtures/loader/build.sh), never with our own earlier output.
describe.each(['mb-elf', 'higher-half', 'elf-kludge'])('parseElf32(%s.elf) agrees with readelf', (base) => {
  const elf = parseElf32(fixture(`${base}.elf`), `${base}.elf`);
  const ref = parseReadelf(expectedText(`${base}.readelf.txt`));

  it('header', () => {
    expect(elf.header.entry).toBe(ref.entry);
    expect(elf.header.phnum).toBe(ref.phnum);
    expect(elf.header.shnum).toBe(ref.shnum);
    expect(elf.header.shstrndx).toBe(ref.shstrndx);
    expect(elf.header.machine).toBe(3);
    expect(elf.header.type).toBe(2);
  });

  it('program headers', () => {
    expect(ref.segments.length).toBe(ref.phnum);
    expect(elf.programHeaders.map((p) => ({ ...p }))).toEqual(
      ref.segments.map((s) => ({
        type: SEGMENT_TYPES[s.type], offset: s.offset, vaddr: s.vaddr, paddr: s.paddr,
        filesz: s.filesz, memsz: s.memsz, flags: segmentFlagBits(s.flags), align: s.align,
      })),
    );
  });

  it('section headers and names', () => {
    expect(ref.sections.length).toBe(ref.shnum);
    expect(elf.sections.map((s) => ({ index: s.index, name: s.name, type: s.type, addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize, flags: s.flags, link: s.link, info: s.info, align: s.addralign }))).toEqual(
      ref.sections.map((s) => ({
        index: s.index, name: s.name, type: SECTION_TYPES[s.type], addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize,
        flags: sectionFlagBits(s.flags), link: s.link, info: s.info, align: s.align,
      })),
    );
  });

  it('symbols', () => {
    expect(elf.hasSymtab).toBe(true);
    // readelf lists the null symbol 0, which the parser leaves out.
    const expected = ref.symbols.filter((s) => s.num !== 0).map((s) => ({
      name: s.name, value: s.value, size: s.size, type: s.type, binding: s.bind,
      sectionIndex: s.ndx === 'UND' ? 0 : s.ndx === 'ABS' ? 0xfff1 : s.ndx === 'COM' ? 0xfff2 : Number(s.ndx),
    }));
    expect(elf.symbols.map(({ name, value, size, type, binding, sectionIndex }) => ({ name, value, size, type, binding, sectionIndex }))).toEqual(expected);
  });
});

describe('parseElf32 on other files', () => {
  it('hand-made ARM ELF with no section table', () => {
    const elf = parseElf32(fixture('arm.elf'));
    expect(elf.header.machine).toBe(40);
    expect(elf.sections).toEqual([]);
    expect(elf.symbols).toEqual([]);
    expect(elf.hasSymtab).toBe(false);
    expect(elf.programHeaders).toHaveLength(1);
  });

  it('relocatable object', () => {
    const elf = parseElf32(fixture('relocatable.o'));
    expect(elf.header.type).toBe(1);
    expect(elf.sections.map((s) => s.name)).toContain('.multiboot');
    expect(elf.symbols.map((s) => s.name)).toContain('_start');
  });

  it('identifyElf reads class, byte order, type and machine of any ELF', () => {
    expect(identifyElf(fixture('elf64.elf'))).toEqual({ elfClass: 2, data: 1, type: 2, machine: 62 });
    expect(identifyElf(fixture('arm.elf'))).toEqual({ elfClass: 1, data: 1, type: 2, machine: 40 });
    expect(identifyElf(fixture('mb-elf.elf'))).toEqual({ elfClass: 1, data: 1, type: 2, machine: 3 });
    expect(identifyElf(fixture('aout.bin'))).toBeNull();
    expect(identifyElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))).toBeNull();
    expect(isElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))).toBe(true);
    expect(isElf(fixture('plain.txt'))).toBe(false);
  });
});

describe('parseElf32 errors', () => {
  it('refuses ELF64, big-endian and non-ELF input', () => {
    expect(loaderError(() => parseElf32(fixture('elf64.elf'), 'k.elf'), 'wrong-elf')).toMatch(/^k\.elf: a 64-bit ELF/);
    const be = fixture('mb-elf.elf').slice();
    be[5] = 2;
    expect(loaderError(() => parseElf32(be, 'k.elf'), 'wrong-elf')).toMatch(/big-endian/);
    expect(loaderError(() => parseElf32(fixture('plain.txt'), 'k'), 'wrong-elf')).toMatch(/not an ELF file/);
  });

  it('the committed truncated.elf is reported as truncated', () => {
    const msg = loaderError(() => parseElf32(fixture('truncated.elf'), 'truncated.elf'), 'truncated');
    expect(msg).toMatch(/^truncated\.elf: truncated or corrupt ELF: section header table .* past the end of the file/);
    expect(msg).toContain(`(${fixture('truncated.elf').length} bytes)`);
  });

  it('every truncation of a real image parses or throws a LoaderError, never anything else', () => {
    const full = fixture('mb-elf.elf');
    let failures = 0;
    for (let len = 0; len < full.length; len++) {
      try {
        parseElf32(full.subarray(0, len));
      } catch (err) {
        expect(err).toBeInstanceOf(LoaderError);
        failures++;
      }
    }
    // The section headers sit at the end of the file, so every proper prefix is refused.
    expect(failures).toBe(full.length);
  });

  it('corrupt header fields give LoaderErrors, not out-of-bounds reads', () => {
    const full = fixture('mb-elf.elf');
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const cases: [string, (b: Uint8Array) => void, string][] = [
      ['e_phoff past the end', (b) => dv(b).setUint32(28, 0xfffffff0, true), 'truncated'],
      ['e_shoff past the end', (b) => dv(b).setUint32(32, 0x7fffffff, true), 'truncated'],
      ['e_phnum huge', (b) => dv(b).setUint16(44, 0xfffe, true), 'truncated'],
      ['e_phentsize too small', (b) => dv(b).setUint16(42, 8, true), 'corrupt'],
      ['e_shentsize too small', (b) => dv(b).setUint16(46, 4, true), 'corrupt'],
      ['e_shstrndx out of range', (b) => dv(b).setUint16(50, 99, true), 'corrupt'],
      ['e_shstrndx not a string table', (b) => dv(b).setUint16(50, 1, true), 'corrupt'],
    ];
    for (const [what, mutate, kind] of cases) {
      const b = full.slice();
      mutate(b);
      const msg = loaderError(() => parseElf32(b, 'x.elf'), kind as 'truncated' | 'corrupt');
      expect(msg, what).toMatch(/^x\.elf: /);
    }
  });

  it('random byte corruption never escapes as a non-LoaderError', () => {
    const full = fixture('mb-elf.elf');
    // A fixed-seed generator: the test is the same on every run.
    let seed = 0x12345678;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    // Hit the ELF header, the program headers and the section header table, where offsets live.
    const shoff = parseElf32(full).header.shoff;
    const headerish = [...Array(0x54).keys(), ...Array.from({ length: full.length - shoff }, (_, i) => shoff + i)];
    for (let round = 0; round < 2000; round++) {
      const b = full.slice();
      for (let k = 0; k < 3; k++) b[headerish[rnd(headerish.length)]!] = rnd(256);
      try {
        parseElf32(b);
      } catch (err) {
        expect(err).toBeInstanceOf(LoaderError);
      }
    }
  });
});
