import { describe, expect, it } from 'vitest';
import { LoaderError, loadMultiboot, parseElf32, type LoaderErrorKind } from '../../src/loader/index.js';
import { fixture, loaderError, markedRam, MIB } from './helpers.js';

const VERSION = '0.1.0';

/**
 * Loads `image` into marked RAM, expects a LoaderError of `kind`, checks that RAM was not touched
 * (the loader checks everything before writing) and returns the message.
 */
function refuse(image: Uint8Array, name: string, kind: LoaderErrorKind, ramBytes = 4 * MIB, cmdline?: string): string {
  const ram = markedRam(ramBytes);
  const msg = loaderError(() => loadMultiboot(image, ram, { version: VERSION, imageName: name, ...(cmdline === undefined ? {} : { cmdline }) }), kind);
  expect(msg.startsWith(`${name}: `), msg).toBe(true);
  expect(ram.every((b) => b === 0xaa), 'RAM must be untouched after a refused load').toBe(true);
  return msg;
}

function withU32(image: Uint8Array, offset: number, value: number): Uint8Array {
  const b = image.slice();
  new DataView(b.buffer).setUint32(offset, value >>> 0, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('images that are not multiboot kernels', () => {
  it('a text file', () => {
    expect(refuse(fixture('plain.txt'), 'guests/x.elf', 'not-multiboot')).toBe(
      'guests/x.elf: not an ELF file and no multiboot header (magic 0x1badb002) in its first 8192 bytes; build the kernel with a multiboot header',
    );
  });

  it('an ELF without a multiboot header', () => {
    expect(refuse(fixture('no-header.elf'), 'no-header.elf', 'not-multiboot')).toMatch(/: an ELF32 i386 file with no multiboot header .*; add a multiboot header/);
  });

  it('a Linux bzImage', () => {
    const bz = new Uint8Array(0x1000);
    bz.set([0x48, 0x64, 0x72, 0x53], 0x202);
    expect(refuse(bz, 'vmlinuz', 'not-multiboot')).toMatch(/Linux bzImage.*Linux boot protocol/);
  });

  it('a header past the first 8192 bytes, or not 4-byte aligned, is not found', () => {
    const aout = fixture('aout-noend.bin');
    refuse(concat(new Uint8Array(8192), aout), 'late.bin', 'not-multiboot');
    refuse(concat(new Uint8Array(2), aout), 'unaligned.bin', 'not-multiboot');
    // The last aligned place in the window still counts (aout-noend's header is at offset 4).
    const last = concat(new Uint8Array(8192 - 12 - 4), aout);
    const ram = new Uint8Array(2 * MIB);
    expect(loadMultiboot(last, ram, { version: VERSION }).header.offset).toBe(8192 - 12);
    expect(ram.subarray(0x100000, 0x100000 + aout.length)).toEqual(aout);
  });

  it('a flat binary whose header lacks flags bit 16', () => {
    expect(refuse(fixture('aout-no-bit16.bin'), 'k.bin', 'not-multiboot')).toMatch(/not an ELF file, and header flags bit 16 .* is clear/);
  });
});

describe('bad headers', () => {
  it('a bad checksum', () => {
    const msg = refuse(fixture('bad-checksum.elf'), 'bad-checksum.elf', 'bad-checksum');
    expect(msg).toMatch(/multiboot header at file offset 0x1000 has a bad checksum .*; set checksum = -\(0x1badb002 \+ flags\)/);
  });

  it('a required video mode (flags bit 2) is refused, as the spec demands', () => {
    expect(refuse(fixture('aout-video.bin'), 'v.bin', 'unsupported')).toMatch(/requires video mode information \(flags bit 2\).*clear bit 2/);
  });

  it('unknown required flags (bits 3-15) are refused; bits 0 and 1 are fine', () => {
    expect(refuse(fixture('aout-unknown-flag.bin'), 'u.bin', 'unsupported')).toMatch(/flags bits 5, flags = 0x10023/);
  });
});

describe('ELF files multiboot v1 cannot load', () => {
  it('ELF64', () => {
    expect(refuse(fixture('elf64.elf'), 'k64.elf', 'wrong-elf')).toMatch(/^k64\.elf: a 64-bit ELF \(ELFCLASS64, x86-64\); multiboot v1 loads 32-bit i386 ELF only/);
  });

  it('ELF for ARM', () => {
    expect(refuse(fixture('arm.elf'), 'arm.elf', 'wrong-elf')).toMatch(/an ELF for ARM \(e_machine 40\); multiboot needs i386 \(EM_386 = 3\)/);
  });

  it('big-endian ELF', () => {
    const be = fixture('mb-elf.elf').slice();
    be[5] = 2;
    refuse(be, 'be.elf', 'wrong-elf');
  });

  it('a relocatable object', () => {
    expect(refuse(fixture('relocatable.o'), 'boot.o', 'wrong-elf')).toMatch(/relocatable object file \(ET_REL\)/);
  });

  it('an entry point outside every segment', () => {
    expect(refuse(withU32(fixture('mb-elf.elf'), 24, 0x500000), 'e.elf', 'corrupt')).toMatch(/entry point 0x500000 is not inside any loadable segment/);
  });

  it('p_filesz > p_memsz', () => {
    const image = fixture('mb-elf.elf');
    const ph = parseElf32(image).header.phoff;
    expect(refuse(withU32(image, ph + 20, 4), 'f.elf', 'corrupt')).toMatch(/p_filesz .* > p_memsz/);
  });
});

describe('truncated files', () => {
  it('the committed truncated.elf (cut before its multiboot header) says truncated', () => {
    expect(refuse(fixture('truncated.elf'), 't.elf', 'truncated')).toMatch(/^t\.elf: truncated or corrupt ELF: .*past the end of the file/);
  });

  it('an ELF cut after its header', () => {
    refuse(fixture('mb-elf.elf').subarray(0, 0x1050), 't.elf', 'truncated');
  });

  it('every prefix of a real ELF is refused with a LoaderError', () => {
    const full = fixture('mb-elf.elf');
    const ram = markedRam(2 * MIB);
    for (let len = 0; len < full.length; len += 7) {
      let caught: unknown = null;
      try {
        loadMultiboot(full.subarray(0, len), ram, { version: VERSION });
      } catch (err) {
        caught = err;
      }
      expect(caught, `prefix of ${len} bytes`).toBeInstanceOf(LoaderError);
    }
    expect(ram.every((b) => b === 0xaa)).toBe(true);
  });

  it('a flat binary cut before load_end_addr, or inside its address fields', () => {
    const aout = fixture('aout.bin');
    expect(refuse(aout.subarray(0, 0x40), 'a.bin', 'truncated')).toMatch(/load_addr\.\.load_end_addr needs file bytes \[0x0, 0x64\) but the file is 64 bytes/);
    expect(refuse(aout.subarray(0, 0x20), 'a.bin', 'truncated')).toMatch(/needs 32 bytes for its address fields/);
  });
});

describe('inconsistent address fields', () => {
  // aout.bin's header is at file offset 4: fields at 16 (header_addr) .. 32 (entry_addr).
  const aout = fixture('aout.bin');
  const cases: [string, number, number, RegExp][] = [
    ['load_addr above header_addr', 20, 0x100008, /load_addr 0x100008 is above header_addr 0x100004/],
    ['load_addr before the file start', 20, 0x0ff000, /header is only 0x4 bytes into the file/],
    ['load_end_addr below load_addr', 24, 0x0fffff, /load_end_addr 0xfffff is not above load_addr/],
    ['bss_end_addr below the data end', 28, 0x100010, /bss_end_addr 0x100010 is below the end of the loaded data/],
    ['entry_addr outside the image', 32, 0x300000, /entry_addr 0x300000 is outside the loaded image/],
  ];
  it.each(cases)('%s', (_what, offset, value, re) => {
    expect(refuse(withU32(aout, offset, value), 'a.bin', 'corrupt')).toMatch(re);
  });
});

describe('placement', () => {
  it('an image too big for the RAM names the size and the --mem flag', () => {
    expect(refuse(fixture('big-bss.elf'), 'big.elf', 'placement', 8 * MIB)).toBe(
      'big.elf: segment 0 (physical [0x100000, 0x1100014)) does not fit in the machine\'s 8 MiB of RAM; raise it with --mem MIB (at least --mem 18)',
    );
    const ram = new Uint8Array(18 * MIB);
    const state = loadMultiboot(fixture('big-bss.elf'), ram, { version: VERSION });
    expect(state.loaded).toEqual([{ start: 0x100000, end: 0x1100014 }]);
  });

  it('an a.out range outside RAM', () => {
    expect(refuse(withU32(fixture('aout.bin'), 28, 0x300000), 'a.bin', 'placement', 2 * MIB)).toMatch(/load range .* does not fit in the machine's 2 MiB of RAM.*--mem 3\)/);
  });

  it('a segment above 4 GiB', () => {
    const image = fixture('mb-elf.elf');
    const ph = parseElf32(image).header.phoff;
    const high = withU32(withU32(image, ph + 12, 0xffffff00), ph + 8, 0xffffff00);
    expect(refuse(withU32(high, 24, 0xffffff10), 'h.elf', 'placement')).toMatch(/ends above 4 GiB/);
  });

  it('over the boot area (multiboot information, GDT, stack)', () => {
    expect(refuse(fixture('low-load.elf'), 'low.elf', 'placement')).toMatch(/segment 0 \(physical \[0x8000, 0x8054\)\) overlaps the boot area \[0x7000, 0x10000\)/);
    expect(refuse(fixture('aout-low.bin'), 'low.bin', 'placement')).toMatch(/overlaps the boot area .*link the kernel at or above 1 MiB/);
  });

  it('in the PC\'s reserved area (EBDA, VGA, BIOS)', () => {
    expect(refuse(fixture('aout-hole.bin'), 'hole.bin', 'placement')).toMatch(/overlaps the PC's reserved area \[0x9fc00, 0x100000\)/);
  });

  it('a machine with 1 MiB of RAM or less, or more than 4 GiB', () => {
    expect(refuse(fixture('mb-elf.elf'), 'k.elf', 'placement', MIB)).toMatch(/has 1 MiB of RAM; multiboot needs more than 1 MiB, raise it with --mem MIB/);
    expect(refuse(fixture('mb-elf.elf'), 'k.elf', 'placement', 640 * 1024)).toMatch(/640 KiB/);
  });
});

describe('options', () => {
  it('a command line with a NUL byte', () => {
    expect(refuse(fixture('mb-elf.elf'), 'k.elf', 'option', 4 * MIB, 'a\0b')).toMatch(/command line contains a NUL byte/);
  });

  it('a command line too long for the boot area', () => {
    expect(refuse(fixture('mb-elf.elf'), 'k.elf', 'option', 4 * MIB, 'x'.repeat(40000))).toMatch(/command line is 40000 bytes; at most \d+ fit/);
    const ram = new Uint8Array(4 * MIB);
    expect(() => loadMultiboot(fixture('mb-elf.elf'), ram, { version: VERSION, cmdline: 'y'.repeat(16384) })).not.toThrow();
  });

  it('a file name with a newline still gives a one-line message', () => {
    const msg = loaderError(() => loadMultiboot(fixture('plain.txt'), new Uint8Array(2 * MIB), { version: VERSION, imageName: 'a\nb' }), 'not-multiboot');
    expect(msg.startsWith('a b: ')).toBe(true);
  });
});
