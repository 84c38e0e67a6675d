/**
 * Loads the real guest kernels of guests/ (built by the guests' Makefile) and checks the result
 * against binutils and nasm run on the same files now, since the images change as the guests do.
 * A test whose image or tool is missing is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOT_AREA, loadMultiboot, readImageFile } from '../../src/loader/index.js';
import { markedRam, MIB, parseNasmMap, parseNm, parseReadelf, readMultibootInfo, REPO } from './helpers.js';

function tool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveBinutils = tool('nm') && tool('readelf');
const haveNasm = tool('nasm');

const ELF_GUESTS = ['hello', 'panic-timer', 'echo', 'compute'];

describe.each(ELF_GUESTS)('guests/%s', (guest) => {
  const path = join(REPO, 'guests', guest, `${guest}.elf`);
  const present = existsSync(path) && haveBinutils;

  it.runIf(present)('loads as readelf and nm describe it', () => {
    const image = readImageFile(path);
    const ref = parseReadelf(execFileSync('readelf', ['-hlSsW', path], { encoding: 'utf8' }));
    const nm = parseNm(execFileSync('nm', ['-n', '-S', '--defined-only', path], { encoding: 'utf8' }));
    const ram = markedRam(32 * MIB);
    const state = loadMultiboot(image, ram, { cmdline: 'test=1', version: 'test', imageName: `guests/${guest}/${guest}.elf` });

    expect(state.format).toBe('elf');
    const loads = ref.segments.filter((s) => s.type === 'LOAD' && s.memsz > 0);
    const seg = loads.find((s) => ref.entry >= s.vaddr && ref.entry < s.vaddr + s.memsz)!;
    expect(state.entry).toBe(ref.entry - seg.vaddr + seg.paddr);
    expect(state.loaded).toEqual(loads.map((s) => ({ start: s.paddr, end: s.paddr + s.memsz })).sort((a, b) => a.start - b.start));
    for (const s of loads) {
      expect(ram.subarray(s.paddr, s.paddr + s.filesz)).toEqual(image.subarray(s.offset, s.offset + s.filesz));
      expect(ram.subarray(s.paddr + s.filesz, s.paddr + s.memsz).every((b) => b === 0)).toBe(true);
    }
    const info = readMultibootInfo(ram, state.ebx);
    expect(info.cmdline).toBe('test=1');
    expect(info.bootLoaderName).toBe('kreplay test');
    expect(state.ebx).toBeGreaterThanOrEqual(BOOT_AREA.start);

    // Symbols: every address symbol nm lists resolves; every sized one names its own bytes
    // (unless an alias of the same range is preferred).
    const symbols = state.symbols!;
    expect(symbols).not.toBeNull();
    const addressSymbols = nm.filter((s) => !'aAUuwvN'.includes(s.type));
    for (const s of addressSymbols) {
      expect(symbols.resolveAll(s.name).some((e) => e.addr === s.addr), s.name).toBe(true);
    }
    for (const s of addressSymbols.filter((x) => x.size !== null && x.size > 0)) {
      const m = symbols.lookup(s.addr + s.size! - 1)!;
      const aliases = addressSymbols.filter((x) => x.addr === s.addr && x.size === s.size).map((x) => x.name);
      const inner = addressSymbols.some((x) => x !== s && x.size && x.addr > s.addr && x.addr + x.size <= s.addr + s.size!);
      if (!inner) expect(aliases, `${s.name} at 0x${s.addr.toString(16)}`).toContain(m.name);
    }
    const atEntry = nm.filter((s) => s.addr === ref.entry && !'aA'.includes(s.type)).map((s) => s.name);
    expect(atEntry).toContain(symbols.format(ref.entry));
  });
});

describe('guests/hello-aout/hello-aout.bin', () => {
  const path = join(REPO, 'guests', 'hello-aout', 'hello-aout.bin');
  const source = join(REPO, 'guests', 'hello-aout', 'hello-aout.asm');

  it.runIf(existsSync(path) && existsSync(source) && haveNasm)('loads where nasm placed its labels', () => {
    // Assemble the committed source again with a symbol map; the bytes must match the image.
    const dir = mkdtempSync(join(tmpdir(), 'kreplay-aout-'));
    try {
      const map = join(dir, 'map.txt');
      const bin = join(dir, 'out.bin');
      execFileSync('nasm', ['-f', 'bin', '--before', `[map symbols ${map}]`, '-o', bin, source]);
      const image = readImageFile(path);
      expect(new Uint8Array(readFileSync(bin))).toEqual(image);
      const syms = parseNasmMap(readFileSync(map, 'utf8'));
      const base = syms.get('multiboot_header')!;
      const loadEnd = syms.get('load_end')!;
      const bssEnd = syms.get('bss_end')!;

      const ram = markedRam(4 * MIB);
      const state = loadMultiboot(image, ram, { version: 'test' });
      expect(state.format).toBe('aout-kludge');
      expect(state.entry).toBe(syms.get('start'));
      expect(state.loaded).toEqual([{ start: base, end: bssEnd }]);
      expect(ram.subarray(base, loadEnd)).toEqual(image.subarray(0, loadEnd - base));
      expect(ram.subarray(loadEnd, bssEnd).every((b) => b === 0)).toBe(true);
      expect(state.symbols).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
