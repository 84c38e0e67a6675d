/**
 * The Linux x86 32-bit boot protocol (Documentation/x86/boot.rst), without a BIOS: read the
 * bzImage's setup header, load either the uncompressed vmlinux's segments at their physical
 * addresses or the bzImage's protected-mode code at code32_start (it then decompresses itself),
 * build the zero page (struct boot_params) with an e820 map, the command line and an optional
 * initrd, and describe the 32-bit entry state: flat segments __BOOT_CS = 0x10 / __BOOT_DS = 0x18,
 * paging and interrupts off, ESI = zero page, EBX = EBP = EDI = 0.
 */
import { identifyElf, isElf, parseElf32, PT_LOAD } from './elf.js';
import { LoaderError } from './errors.js';
import { pcMemoryMap } from './boot-area.js';

/** Where the boot structures go (all below 1 MiB, clear of the kernel). */
export const LINUX_GDT_BASE = 0x8000;
export const LINUX_ZERO_PAGE = 0x10000;
export const LINUX_CMDLINE = 0x20000;
const BOOT_CS = 0x10;
const BOOT_DS = 0x18;
/** The lowest boot protocol with the fields we fill (cmd_line_ptr, initrd_addr_max, ...). */
const MIN_PROTOCOL = 0x206;

/** The parts of the bzImage setup header the loader uses. */
export interface SetupHeader {
  setupSects: number;
  version: number;
  loadflags: number;
  code32Start: number;
  initrdAddrMax: number;
  cmdlineSize: number;
  initSize: number;
  /** Bytes of the header as found, to copy into the zero page at 0x1f1. */
  raw: Uint8Array;
}

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}
function put64(b: Uint8Array, o: number, v: number): void {
  put32(b, o, v % 4294967296);
  put32(b, o + 4, Math.floor(v / 4294967296));
}

/** True for a Linux bzImage (boot sector signature and the "HdrS" setup header). */
export function isBzImage(b: Uint8Array): boolean {
  return b.length >= 0x270 && u16(b, 0x1fe) === 0xaa55 && u32(b, 0x202) === 0x53726448;
}

/** The setup part of a bzImage (boot sector + setup sectors): all a vmlinux boot needs from it. */
export function setupSectors(bz: Uint8Array): Uint8Array {
  const sects = bz[0x1f1] === 0 ? 4 : bz[0x1f1];
  return bz.slice(0, Math.min(bz.length, (sects + 1) * 512));
}

/** Parses and checks a bzImage's setup header. */
export function parseSetupHeader(bz: Uint8Array, name: string): SetupHeader {
  if (bz.length < 0x270 || u16(bz, 0x1fe) !== 0xaa55 || u32(bz, 0x202) !== 0x53726448) {
    throw new LoaderError('wrong-elf', `${name}: not a Linux bzImage (no "HdrS" setup header); give the kernel's vmlinuz/bzImage`);
  }
  const version = u16(bz, 0x206);
  if (version < MIN_PROTOCOL) throw new LoaderError('unsupported', `${name}: boot protocol ${version >> 8}.${version & 0xff} is older than 2.06, which kreplay needs`);
  const setupSects = bz[0x1f1] === 0 ? 4 : bz[0x1f1];
  const end = 0x202 + bz[0x201];
  return {
    setupSects, version, loadflags: bz[0x211], code32Start: u32(bz, 0x214), initrdAddrMax: u32(bz, 0x22c),
    cmdlineSize: version >= 0x206 ? u32(bz, 0x238) : 255, initSize: version >= 0x20a ? u32(bz, 0x260) : 0,
    raw: bz.slice(0x1f1, end),
  };
}

export interface LinuxLoadOptions {
  cmdline: string;
  initrd?: Uint8Array;
  /**
   * The ACPI RSDP's address when the board has ACPI tables (src/loader/acpi-tables.ts): passed in
   * the zero page's acpi_rsdp_addr for kernels with boot protocol 2.14+ (older ones scan the BIOS
   * area for it, where it also is).
   */
  acpiRsdp?: number;
  /** For error messages. */
  imageName: string;
}

export interface LinuxBootState {
  entry: number;
  eax: number;
  ebx: number;
  esp: number;
  regs: { esi: number; edi: number; ebp: number };
  gdtBase: number;
  gdtLimit: number;
  codeSelector: number;
  dataSelector: number;
  format: 'vmlinux' | 'bzimage';
  setup: SetupHeader;
  loaded: { start: number; end: number }[];
}

function writeGdt(ram: Uint8Array): void {
  // null, null, __BOOT_CS (0x10): flat 4 GiB code, __BOOT_DS (0x18): flat 4 GiB data.
  const gdt = [0, 0, 0, 0, 0x0000ffff, 0x00cf9b00, 0x0000ffff, 0x00cf9300];
  gdt.forEach((v, k) => put32(ram, LINUX_GDT_BASE + 4 * k, v));
}

/**
 * Loads a Linux kernel into `ram`: `vmlinux` (uncompressed ELF, preferred) or, when it is null,
 * the bzImage's compressed payload, which decompresses itself (billions of instructions more and
 * at least init_size bytes above 16 MiB of RAM).
 */
export function loadLinux(bzImage: Uint8Array, vmlinux: Uint8Array | null, ram: Uint8Array, opts: LinuxLoadOptions): LinuxBootState {
  const setup = parseSetupHeader(bzImage, opts.imageName);
  const ramBytes = ram.length;
  const loaded: { start: number; end: number }[] = [];
  let entry: number;
  const place = (start: number, bytes: Uint8Array, memsz: number, what: string): void => {
    if (start < 0x100000 || start + memsz > ramBytes) {
      throw new LoaderError('placement', `${opts.imageName}: ${what} [0x${start.toString(16)}, 0x${(start + memsz).toString(16)}) does not fit in ${ramBytes >> 20} MiB of RAM; raise --mem (e.g. --mem ${Math.ceil((start + memsz) / 1048576) + 16})`);
    }
    ram.set(bytes, start);
    ram.fill(0, start + bytes.length, start + memsz);
    loaded.push({ start, end: start + memsz });
  };
  if (vmlinux !== null) {
    if (!isElf(vmlinux)) throw new LoaderError('wrong-elf', `${opts.imageName}: the vmlinux given is not an ELF file`);
    const id = identifyElf(vmlinux);
    if (id === null || id.elfClass !== 1 || id.machine !== 3) throw new LoaderError('wrong-elf', `${opts.imageName}: the vmlinux is not a 32-bit i386 ELF`);
    const elf = parseElf32(vmlinux, opts.imageName);
    for (const ph of elf.programHeaders) {
      if (ph.type !== PT_LOAD || ph.memsz === 0) continue;
      place(ph.paddr, vmlinux.subarray(ph.offset, ph.offset + ph.filesz), ph.memsz, 'a vmlinux segment');
    }
    // vmlinux's e_entry is startup_32's physical address for 32-bit kernels.
    entry = elf.header.entry >= 0xc0000000 ? elf.header.entry - 0xc0000000 : elf.header.entry;
    // The decompressor's init_size also reserves room the kernel's early page tables use.
    const end = setup.code32Start === 0x100000 ? 0x1000000 + setup.initSize : 0;
    if (end > ramBytes) throw new LoaderError('placement', `${opts.imageName}: the kernel needs ${Math.ceil(end / 1048576)} MiB of RAM (init_size); raise --mem`);
  } else {
    const pm = bzImage.subarray((setup.setupSects + 1) * 512);
    place(setup.code32Start, pm, Math.max(pm.length, setup.initSize), 'the compressed kernel');
    entry = setup.code32Start;
  }

  // The zero page: the setup header copied in, then what a boot loader fills.
  const zp = LINUX_ZERO_PAGE;
  ram.fill(0, zp, zp + 4096);
  ram.set(setup.raw, zp + 0x1f1);
  ram[zp + 0x210] = 0xff; // type_of_loader: undefined boot loader
  ram[zp + 0x211] = (setup.loadflags | 0x80) & ~0x20; // CAN_USE_HEAP, not QUIET
  ram[zp + 0x224] = 0x00; ram[zp + 0x225] = 0xfe; // heap_end_ptr: 0xfe00 (relative to the setup segment)
  const cmd = new TextEncoder().encode(opts.cmdline);
  if (cmd.length >= setup.cmdlineSize) throw new LoaderError('option', `${opts.imageName}: the command line is ${cmd.length} bytes; this kernel takes at most ${setup.cmdlineSize - 1}`);
  ram.fill(0, LINUX_CMDLINE, LINUX_CMDLINE + 4096);
  ram.set(cmd, LINUX_CMDLINE);
  put32(ram, zp + 0x228, LINUX_CMDLINE);
  if (opts.acpiRsdp !== undefined && setup.version >= 0x20e) put64(ram, zp + 0x070, opts.acpiRsdp); // acpi_rsdp_addr
  if (opts.initrd !== undefined && opts.initrd.length > 0) {
    const max = Math.min(setup.initrdAddrMax + 1, ramBytes);
    const at = Math.floor((max - opts.initrd.length) / 4096) * 4096;
    const kernelEnd = Math.max(...loaded.map((l) => l.end), 0x1000000 + setup.initSize);
    if (at < kernelEnd) throw new LoaderError('placement', `${opts.imageName}: the initrd (${opts.initrd.length} bytes) does not fit above the kernel; raise --mem`);
    ram.set(opts.initrd, at);
    loaded.push({ start: at, end: at + opts.initrd.length });
    put32(ram, zp + 0x218, at);
    put32(ram, zp + 0x21c, opts.initrd.length);
  }
  const e820 = pcMemoryMap(ramBytes);
  ram[zp + 0x1e8] = e820.length;
  e820.forEach((e, k) => {
    const o = zp + 0x2d0 + 20 * k;
    put64(ram, o, e.base);
    put64(ram, o + 8, e.length);
    put32(ram, o + 16, e.type);
  });
  writeGdt(ram);
  return {
    entry, eax: 0, ebx: 0, esp: 0, regs: { esi: zp, edi: 0, ebp: 0 },
    gdtBase: LINUX_GDT_BASE, gdtLimit: 4 * 8 - 1, codeSelector: BOOT_CS, dataSelector: BOOT_DS,
    format: vmlinux !== null ? 'vmlinux' : 'bzimage', setup, loaded,
  };
}
