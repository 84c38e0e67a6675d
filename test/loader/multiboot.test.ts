import { describe, expect, it } from 'vitest';
import { BOOT_AREA, loadMultiboot, type BootState } from '../../src/loader/index.js';
import {
  decodeDescriptor, expectedText, fixture, markedRam, MIB, parseNasmMap, parseNm, parseReadelf, readMultibootInfo,
} from './helpers.js';

const VERSION = '0.1.0-test';

/** Every byte of `ram` outside `keep` ranges still holds `marker`. */
function untouchedOutside(ram: Uint8Array, keep: { start: number; end: number }[], marker = 0xaa): void {
  const sorted = [...keep].sort((a, b) => a.start - b.start);
  let pos = 0;
  for (const r of [...sorted, { start: ram.length, end: ram.length }]) {
    if (r.start > pos) {
      const slice = ram.subarray(pos, r.start);
      const bad = slice.findIndex((b) => b !== marker);
      expect(bad, `byte at 0x${(pos + bad).toString(16)} changed`).toBe(-1);
    }
    pos = Math.max(pos, r.end);
  }
}

function allZero(ram: Uint8Array, start: number, end: number): boolean {
  return ram.subarray(start, end).every((b) => b === 0);
}

/** Checks of the machine-state part of BootState that hold for every image. */
function expectMultibootMachineState(state: BootState, ram: Uint8Array): void {
  expect(state.eax).toBe(0x2badb002);
  // EFLAGS: IF (bit 9) and VM (bit 17) clear; bit 1 is always one.
  expect(state.eflags & (1 << 9)).toBe(0);
  expect(state.eflags & (1 << 17)).toBe(0);
  expect(state.eflags & 2).toBe(2);
  expect(state.cr0 & 1).toBe(1);
  expect(state.cr0 & 0x80000000).toBe(0);
  // The selectors index real descriptors of the GDT (TI = 0, RPL = 0).
  expect(state.codeSelector & 7).toBe(0);
  expect(state.dataSelector & 7).toBe(0);
  expect(state.codeSelector + 7).toBeLessThanOrEqual(state.gdtLimit);
  expect(state.dataSelector + 7).toBeLessThanOrEqual(state.gdtLimit);
  const gdt = ram.subarray(state.gdtBase, state.gdtBase + state.gdtLimit + 1);
  expect([...gdt.subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  const code = decodeDescriptor(gdt.subarray(state.codeSelector, state.codeSelector + 8));
  const data = decodeDescriptor(gdt.subarray(state.dataSelector, state.dataSelector + 8));
  // Flat 4 GiB, present, ring 0, 32-bit (D/B = 1, L = 0), page granular.
  for (const d of [code, data]) {
    expect(d).toMatchObject({ base: 0, limit: 0xffffffff, s: 1, dpl: 0, present: 1, l: 0, db: 1, g: 1 });
  }
  expect(code.type & 0b1010).toBe(0b1010); // code, readable
  expect(code.type & 0b0100).toBe(0); // not conforming
  expect(data.type & 0b1010).toBe(0b0010); // data, writable
  expect(data.type & 0b0100).toBe(0); // expands up
  // The GDT and the boot stack are in low memory, away from what was loaded.
  for (const r of state.loaded) {
    expect(state.gdtBase + state.gdtLimit < r.start || state.gdtBase >= r.end).toBe(true);
    expect(state.esp <= r.start || state.esp - 0x1000 >= r.end).toBe(true);
  }
  expect(state.esp).toBeLessThan(0xa0000);
  expect(state.esp % 16).toBe(0);
}

describe('loadMultiboot(mb-elf.elf): an ELF at 1 MiB', () => {
  const image = fixture('mb-elf.elf');
  const ref = parseReadelf(expectedText('mb-elf.readelf.txt'));
  const nm = parseNm(expectedText('mb-elf.nm.txt'));
  const ram = markedRam(4 * MIB);
  const state = loadMultiboot(image, ram, { cmdline: 'console=ttyS0 loglevel=7', version: VERSION, imageName: 'mb-elf.elf' });
  const loads = ref.segments.filter((s) => s.type === 'LOAD');

  it('starts at e_entry, in the multiboot machine state', () => {
    expect(state.format).toBe('elf');
    expect(state.entry).toBe(ref.entry);
    expect(state.entry).toBe(nm.find((s) => s.name === '_start')!.addr);
    expectMultibootMachineState(state, ram);
  });

  it('copies each PT_LOAD segment to p_paddr and zeroes its bss tail', () => {
    expect(loads.length).toBeGreaterThan(0);
    expect(state.loaded).toEqual(loads.map((s) => ({ start: s.paddr, end: s.paddr + s.memsz })));
    for (const s of loads) {
      expect(ram.subarray(s.paddr, s.paddr + s.filesz)).toEqual(image.subarray(s.offset, s.offset + s.filesz));
      expect(s.memsz).toBeGreaterThan(s.filesz + 0x2000);
      expect(allZero(ram, s.paddr + s.filesz, s.paddr + s.memsz)).toBe(true);
    }
    const heap = nm.find((s) => s.name === 'heap')!;
    expect(allZero(ram, heap.addr, heap.addr + heap.size!)).toBe(true);
    const guard = nm.find((s) => s.name === 'guard')!;
    expect(new DataView(ram.buffer).getUint32(guard.addr, true)).toBe(0x1234abcd);
  });

  it('writes nothing outside the image and the boot area', () => {
    untouchedOutside(ram, [...state.loaded, BOOT_AREA]);
  });

  it('puts the multiboot information in low memory, inside the boot area', () => {
    expect(state.ebx).toBeGreaterThanOrEqual(BOOT_AREA.start);
    expect(state.ebx + 116).toBeLessThanOrEqual(BOOT_AREA.end);
    expect(state.ebx % 4).toBe(0);
    expect(BOOT_AREA.end).toBeLessThanOrEqual(0x9fc00);
  });

  it('multiboot information: flags and memory sizes', () => {
    const info = readMultibootInfo(ram, state.ebx);
    // mem (0), cmdline (2), mmap (6), boot_loader_name (9); nothing else.
    expect(info.flags).toBe((1 << 0) | (1 << 2) | (1 << 6) | (1 << 9));
    expect(info.memLower).toBe(640);
    expect(info.memUpper).toBe((4 * MIB - MIB) / 1024);
    expect(info.modsCount).toBe(0);
    expect(info.bootDevice).toBe(0);
    // Every field whose flag is clear reads as zero.
    for (const [off, value] of info.words) {
      if (![0, 4, 8, 16, 44, 48, 64].includes(off)) expect(value, `offset ${off}`).toBe(0);
    }
  });

  it('multiboot information: cmdline and boot loader name', () => {
    const info = readMultibootInfo(ram, state.ebx);
    expect(info.cmdline).toBe('console=ttyS0 loglevel=7');
    expect(info.bootLoaderName).toBe(`kreplay ${VERSION}`);
  });

  it('multiboot information: the memory map', () => {
    const info = readMultibootInfo(ram, state.ebx);
    expect(info.mmapAddr).toBeGreaterThanOrEqual(BOOT_AREA.start);
    expect(info.mmapAddr + info.mmapLength).toBeLessThanOrEqual(BOOT_AREA.end);
    expect(info.mmap).toEqual([
      { size: 20, base: 0n, length: 0x9fc00n, type: 1 },
      { size: 20, base: 0x9fc00n, length: 0x400n, type: 2 },
      { size: 20, base: 0xf0000n, length: 0x10000n, type: 2 },
      { size: 20, base: 0x100000n, length: BigInt(4 * MIB - MIB), type: 1 },
    ]);
  });

  it('symbolizes with the image\'s own symbols', () => {
    expect(state.symbols?.format(state.entry)).toBe('_start');
    expect(state.symbols?.resolve('guard')?.size).toBe(4);
    expect(state.elf?.header.machine).toBe(3);
    expect(state.header.offset).toBe(ref.sections.find((s) => s.name === '.text')!.offset);
    expect(state.header.flags).toBe(3);
  });

  it('default command line is empty; mem_upper follows the RAM size', () => {
    for (const size of [MIB + 4096, 2 * MIB, 32 * MIB, 129 * MIB]) {
      const r = new Uint8Array(size);
      // The smallest image, so it fits even the smallest machine.
      const s = loadMultiboot(fixture('aout-noend.bin'), r, { version: VERSION });
      const info = readMultibootInfo(r, s.ebx);
      expect(info.cmdline).toBe('');
      expect(info.memUpper).toBe(Math.floor((size - MIB) / 1024));
      expect(info.mmap![3]!.length).toBe(BigInt(size - MIB));
    }
  });

  it('is deterministic whatever RAM held before', () => {
    const a = markedRam(4 * MIB, 0x00);
    const b = markedRam(4 * MIB, 0x5a);
    const opts = { cmdline: 'x', version: VERSION };
    const sa = loadMultiboot(image, a, opts);
    const sb = loadMultiboot(image, b, opts);
    expect({ ...sa, symbols: null, elf: null }).toEqual({ ...sb, symbols: null, elf: null });
    for (const r of [...sa.loaded, BOOT_AREA]) expect(a.subarray(r.start, r.end)).toEqual(b.subarray(r.start, r.end));
  });

  it('passes a UTF-8 command line through', () => {
    const r = new Uint8Array(2 * MIB);
    const s = loadMultiboot(image, r, { cmdline: 'name=Jérôme x=1', version: VERSION });
    expect(readMultibootInfo(r, s.ebx).cmdline).toBe('name=Jérôme x=1');
  });
});

describe('loadMultiboot(higher-half.elf): virtual != physical', () => {
  const image = fixture('higher-half.elf');
  const ref = parseReadelf(expectedText('higher-half.readelf.txt'));
  const ram = markedRam(2 * MIB);
  const state = loadMultiboot(image, ram, { version: VERSION });
  const loads = ref.segments.filter((s) => s.type === 'LOAD');

  it('translates e_entry to a physical address through its segment', () => {
    expect(ref.entry).toBeGreaterThan(0xc0000000);
    const seg = loads.find((s) => ref.entry >= s.vaddr && ref.entry < s.vaddr + s.memsz)!;
    expect(state.entry).toBe(ref.entry - seg.vaddr + seg.paddr);
    expect(state.entry).toBeLessThan(2 * MIB);
    expectMultibootMachineState(state, ram);
  });

  it('loads at p_paddr, not p_vaddr', () => {
    expect(state.loaded).toEqual(loads.map((s) => ({ start: s.paddr, end: s.paddr + s.memsz })));
    for (const s of loads) {
      expect(ram.subarray(s.paddr, s.paddr + s.filesz)).toEqual(image.subarray(s.offset, s.offset + s.filesz));
      expect(allZero(ram, s.paddr + s.filesz, s.paddr + s.memsz)).toBe(true);
    }
    untouchedOutside(ram, [...state.loaded, BOOT_AREA]);
  });

  it('symbols stay virtual, like EIP after paging is on', () => {
    expect(state.symbols?.format(ref.entry)).toBe('_start');
  });
});

describe('loadMultiboot with the address fields (flags bit 16)', () => {
  it('aout.bin: load_addr..load_end_addr from the file, then bss to bss_end_addr', () => {
    const image = fixture('aout.bin');
    const map = parseNasmMap(expectedText('aout.map.txt'));
    const base = 0x100000;
    const loadEnd = map.get('load_end')!;
    const bssEnd = map.get('bss_end')!;
    const ram = markedRam(2 * MIB);
    const state = loadMultiboot(image, ram, { version: VERSION, imageName: 'aout.bin' });
    expect(state.format).toBe('aout-kludge');
    expect(state.entry).toBe(map.get('start'));
    expect(state.loaded).toEqual([{ start: base, end: bssEnd }]);
    expect(state.symbols).toBeNull();
    expect(state.elf).toBeNull();
    // The header sits after a jmp: load_addr < header_addr, and the file is loaded from offset 0.
    expect(state.header.offset).toBe(map.get('mb_header')! - base);
    expect(state.header.address).toEqual({ headerAddr: map.get('mb_header'), loadAddr: base, loadEndAddr: loadEnd, bssEndAddr: bssEnd, entryAddr: map.get('start') });
    expect(ram.subarray(base, loadEnd)).toEqual(image.subarray(0, loadEnd - base));
    expect(new DataView(ram.buffer).getUint32(map.get('data_word')!, true)).toBe(0xcafebabe);
    // The file bytes after load_end_addr (0xee padding) are not loaded: bss is zero there.
    expect(image.length).toBeGreaterThan(loadEnd - base);
    expect(allZero(ram, loadEnd, bssEnd)).toBe(true);
    untouchedOutside(ram, [...state.loaded, BOOT_AREA]);
    expectMultibootMachineState(state, ram);
  });

  it('aout-noend.bin: load_end_addr = 0 loads the whole file, bss_end_addr = 0 means no bss', () => {
    const image = fixture('aout-noend.bin');
    const map = parseNasmMap(expectedText('aout-noend.map.txt'));
    const ram = markedRam(2 * MIB);
    const state = loadMultiboot(image, ram, { version: VERSION });
    expect(state.header.address?.loadEndAddr).toBe(0);
    expect(state.header.address?.bssEndAddr).toBe(0);
    expect(state.entry).toBe(map.get('start'));
    expect(state.loaded).toEqual([{ start: 0x100000, end: 0x100000 + image.length }]);
    expect(ram.subarray(0x100000, 0x100000 + image.length)).toEqual(image);
    untouchedOutside(ram, [...state.loaded, BOOT_AREA]);
  });

  it('elf-kludge.elf: bit 16 wins over the ELF program headers, symbols still come from the ELF', () => {
    const image = fixture('elf-kludge.elf');
    const nm = parseNm(expectedText('elf-kludge.nm.txt'));
    const ref = parseReadelf(expectedText('elf-kludge.readelf.txt'));
    const ram = markedRam(8 * MIB);
    const state = loadMultiboot(image, ram, { version: VERSION });
    const headerOffset = ref.sections.find((s) => s.name === '.text')!.offset;
    const klEntry = nm.find((s) => s.name === 'kl_entry')!.addr;
    const mbHeader = nm.find((s) => s.name === 'mb_header')!.addr;
    expect(state.format).toBe('aout-kludge');
    expect(state.header.offset).toBe(headerOffset);
    expect(state.entry).toBe(0x400000 + (klEntry - mbHeader));
    expect(state.loaded).toEqual([{ start: 0x400000, end: 0x410000 }]);
    expect(ram.subarray(0x400000, 0x400000 + image.length - headerOffset)).toEqual(image.subarray(headerOffset));
    expect(allZero(ram, 0x400000 + image.length - headerOffset, 0x410000)).toBe(true);
    // Nothing went where the program headers say.
    untouchedOutside(ram, [...state.loaded, BOOT_AREA]);
    expect(state.symbols?.resolve('kl_entry')).toEqual({ addr: klEntry, size: 0 });
  });

  it('elf64-kludge.elf: a 64-bit ELF loads through the address fields, without symbols', () => {
    const image = fixture('elf64-kludge.elf');
    const nm = parseNm(expectedText('elf64-kludge.nm.txt'));
    const at = (name: string): number => nm.find((s) => s.name === name)!.addr;
    const ram = markedRam(2 * MIB);
    const state = loadMultiboot(image, ram, { version: VERSION });
    expect(state.format).toBe('aout-kludge');
    expect(state.entry).toBe(at('_start'));
    expect(state.loaded).toEqual([{ start: at('mb_header'), end: at('_bss_end') }]);
    expect(new DataView(ram.buffer).getUint32(at('mb_header'), true)).toBe(0x1badb002);
    expect(allZero(ram, at('_load_end'), at('_bss_end'))).toBe(true);
    expect(state.symbols).toBeNull();
    expect(state.elf).toBeNull();
  });
});
