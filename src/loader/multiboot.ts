/**
 * Multiboot v1 loader: puts an OS image into guest RAM the way GRUB would and describes the
 * machine state the kernel must start in (Multiboot Specification 0.6.96, sections 3.1-3.3).
 */
import {
  BOOT_AREA, BOOT_STACK_TOP, CODE_SELECTOR, DATA_SELECTOR, EBDA_START, GDT_BASE, GDT_LIMIT,
  HIGH_MEMORY_START, MULTIBOOT_BOOTLOADER_MAGIC, writeBootArea,
} from './boot-area.js';
import { EM_386, identifyElf, isElf, machineName, parseElf32, PT_LOAD, type ElfFile, type ElfIdent } from './elf.js';
import { hex, LoaderError, rangeText } from './errors.js';
import {
  checkMultibootRequirements, findMultibootHeader, MULTIBOOT_SEARCH_BYTES,
  type MultibootAddressFields, type MultibootHeader,
} from './multiboot-header.js';
import { SymbolTable } from './symbols.js';

/** Options of `loadMultiboot`. */
export interface LoadOptions {
  /** The kernel command line (multiboot `cmdline`); default ''. Unlike GRUB, the image path is not prepended, so traces do not depend on where the image lives. */
  readonly cmdline?: string;
  /** kreplay's version; the kernel sees boot_loader_name = `kreplay <version>`. */
  readonly version: string;
  /** How to name the image in error messages (usually its path); default 'image'. */
  readonly imageName?: string;
}

/** A physical range [start, end) that the loader filled from the image (file bytes, then zeroes). */
export interface LoadedRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Where the kernel starts and in what state (spec section 3.2, "Machine state"); the caller applies
 * it to the CPU. Segment registers: CS = codeSelector; DS, ES, FS, GS and SS = dataSelector, with
 * their hidden parts loaded from the GDT at gdtBase (flat 4 GiB, 32-bit, ring 0). IDTR is
 * undefined (the kernel sets its own; use base 0, limit 0x3ff as after reset). The A20 gate must
 * be enabled.
 */
export interface BootState {
  /** 'elf': loaded from the ELF program headers; 'aout-kludge': from the header's address fields (flags bit 16). */
  readonly format: 'elf' | 'aout-kludge';
  /** EIP: the physical entry point. */
  readonly entry: number;
  /** EAX: 0x2badb002. */
  readonly eax: number;
  /** EBX: physical address of the multiboot information structure. */
  readonly ebx: number;
  /** ESP: the spec leaves it undefined; this is the top of a 4 KiB boot stack in the boot area. */
  readonly esp: number;
  /** EFLAGS: IF = 0, VM = 0; only the always-one bit 1 set. */
  readonly eflags: number;
  /** CR0: PE = 1, PG = 0, plus ET (bit 4, hardwired to 1 since the 486); the CPU may add its own fixed bits. */
  readonly cr0: number;
  readonly gdtBase: number;
  readonly gdtLimit: number;
  readonly codeSelector: number;
  readonly dataSelector: number;
  /** What the image occupies in RAM (bss included), sorted by address. */
  readonly loaded: readonly LoadedRange[];
  /** The image's ELF symbols, or null (not ELF, no .symtab, or no usable symbol). */
  readonly symbols: SymbolTable | null;
  /** The parsed ELF when the image is an ELF32 i386 file (in either format), else null. */
  readonly elf: ElfFile | null;
  /** The multiboot header the load followed. */
  readonly header: MultibootHeader;
}

const MIB = 1024 * 1024;
const FOUR_GIB = 2 ** 32;

/** A piece of the image to copy: file bytes [fileOffset, fileOffset + fileSize) to `start`, then zeroes up to `end`. */
interface Piece {
  readonly what: string;
  readonly start: number;
  readonly end: number;
  readonly fileOffset: number;
  readonly fileSize: number;
}

/**
 * Loads a multiboot v1 kernel into `ram` (guest RAM: physical addresses [0, ram.length), which is
 * the RAM size and must exceed 1 MiB) and returns the state to start it in.
 *
 * The image is either an ELF32 i386 executable, whose PT_LOAD segments go to their physical
 * addresses (p_paddr, with p_memsz - p_filesz zeroed) and whose entry is e_entry translated from
 * virtual to physical through the segment containing it (as GRUB 2 does, so higher-half kernels
 * work); or, when header flags bit 16 is set, anything at all, loaded from the header's address
 * fields. Bit 16 wins over ELF, as in GRUB and QEMU. Then the boot area (GDT, multiboot
 * information, memory map, strings; see boot-area.ts) is written to [0x7000, 0x10000).
 *
 * Everything is checked before the first byte is written, so a LoaderError leaves `ram` untouched.
 * Throws LoaderError for: no multiboot header, a bad header checksum, required header features
 * that cannot be met (video mode), an ELF of the wrong class or machine, a truncated or corrupt
 * file, a range outside RAM, in the PC's reserved [0x9fc00, 1 MiB) or over the boot area, and a
 * command line that does not fit.
 */
export function loadMultiboot(image: Uint8Array, ram: Uint8Array, opts: LoadOptions): BootState {
  const name = opts.imageName ?? 'image';
  checkRamSize(ram.length, name);
  const header = findMultibootHeader(image, name, headerFilter(image, name));
  if (header === null) throw noHeaderError(image, name);
  checkMultibootRequirements(header, name);

  let elf: ElfFile | null = null;
  let plan: { pieces: Piece[]; entry: number };
  if (header.address !== null) {
    plan = planAddressFields(image, header, header.address, name);
    // Symbols still come from the ELF when the kludge is used on one (common for kernels that
    // also boot elsewhere); a 64-bit or foreign ELF simply has none we can use.
    const id = identifyElf(image);
    if (id !== null && id.elfClass === 1 && id.data === 1 && id.machine === EM_386) elf = parseElf32(image, name);
  } else if (isElf(image)) {
    checkElfKind(identifyElf(image), name);
    elf = parseElf32(image, name);
    plan = planElf(image, elf, name);
  } else {
    throw new LoaderError(
      'not-multiboot',
      `${name}: has a multiboot header but is not an ELF file, and header flags bit 16 (address fields) is clear; ` +
        `link the kernel as ELF, or set bit 16 and fill in header_addr, load_addr, load_end_addr, bss_end_addr and entry_addr`,
    );
  }

  for (const piece of plan.pieces) checkPlacement(piece, ram.length, name);
  const info = writeBootArea(ram, { cmdline: opts.cmdline ?? '', bootLoaderName: `kreplay ${opts.version}`, imageName: name });
  for (const p of plan.pieces) {
    ram.set(image.subarray(p.fileOffset, p.fileOffset + p.fileSize), p.start);
    ram.fill(0, p.start + p.fileSize, p.end);
  }

  return {
    format: header.address !== null ? 'aout-kludge' : 'elf',
    entry: plan.entry,
    eax: MULTIBOOT_BOOTLOADER_MAGIC,
    ebx: info,
    esp: BOOT_STACK_TOP,
    eflags: 0x2,
    cr0: 0x11,
    gdtBase: GDT_BASE,
    gdtLimit: GDT_LIMIT,
    codeSelector: CODE_SELECTOR,
    dataSelector: DATA_SELECTOR,
    loaded: plan.pieces.map((p) => ({ start: p.start, end: p.end })).sort((a, b) => a.start - b.start),
    symbols: elf === null ? null : SymbolTable.fromElf(elf),
    elf,
    header,
  };
}

/** The load described by the header's address fields (spec 3.1.3). */
function planAddressFields(image: Uint8Array, header: MultibootHeader, a: MultibootAddressFields, name: string): { pieces: Piece[]; entry: number } {
  const bad = (why: string): never => {
    throw new LoaderError('corrupt', `${name}: multiboot header address fields: ${why}; fix the header`);
  };
  if (a.loadAddr > a.headerAddr) bad(`load_addr ${hex(a.loadAddr)} is above header_addr ${hex(a.headerAddr)} (it must be <=)`);
  const fileOffset = header.offset - (a.headerAddr - a.loadAddr);
  if (fileOffset < 0) {
    bad(`load_addr ${hex(a.loadAddr)} is ${hex(a.headerAddr - a.loadAddr)} bytes below header_addr, but the header is only ${hex(header.offset)} bytes into the file`);
  }
  if (a.loadEndAddr !== 0 && a.loadEndAddr <= a.loadAddr) bad(`load_end_addr ${hex(a.loadEndAddr)} is not above load_addr ${hex(a.loadAddr)}`);
  const fileSize = a.loadEndAddr !== 0 ? a.loadEndAddr - a.loadAddr : image.length - fileOffset;
  if (fileOffset + fileSize > image.length) {
    throw new LoaderError(
      'truncated',
      `${name}: truncated: load_addr..load_end_addr needs file bytes ${rangeText(fileOffset, fileOffset + fileSize)} ` +
        `but the file is ${image.length} bytes; rebuild the image or copy it again`,
    );
  }
  const loadEnd = a.loadAddr + fileSize;
  if (a.bssEndAddr !== 0 && a.bssEndAddr < loadEnd) bad(`bss_end_addr ${hex(a.bssEndAddr)} is below the end of the loaded data ${hex(loadEnd)}`);
  const end = a.bssEndAddr !== 0 ? a.bssEndAddr : loadEnd;
  // GRUB does not check this, but an entry outside the image can only crash, far from the cause.
  if (a.entryAddr < a.loadAddr || a.entryAddr >= end) bad(`entry_addr ${hex(a.entryAddr)} is outside the loaded image ${rangeText(a.loadAddr, end)}`);
  return { pieces: [{ what: `load range (address fields)`, start: a.loadAddr, end, fileOffset, fileSize }], entry: a.entryAddr };
}

/** The load described by an ELF's PT_LOAD program headers. */
function planElf(image: Uint8Array, elf: ElfFile, name: string): { pieces: Piece[]; entry: number } {
  const pieces: Piece[] = [];
  let entry: number | null = null;
  elf.programHeaders.forEach((ph, i) => {
    if (ph.type !== PT_LOAD) return;
    if (ph.filesz > ph.memsz) {
      throw new LoaderError('corrupt', `${name}: corrupt ELF: program header ${i} has p_filesz ${hex(ph.filesz)} > p_memsz ${hex(ph.memsz)}; rebuild the image`);
    }
    if (ph.offset + ph.filesz > image.length) {
      throw new LoaderError(
        'truncated',
        `${name}: truncated: segment ${i} needs file bytes ${rangeText(ph.offset, ph.offset + ph.filesz)} ` +
          `but the file is ${image.length} bytes; rebuild the image or copy it again`,
      );
    }
    if (entry === null && elf.header.entry >= ph.vaddr && elf.header.entry < ph.vaddr + ph.memsz) {
      entry = elf.header.entry - ph.vaddr + ph.paddr;
    }
    if (ph.memsz === 0) return;
    pieces.push({ what: `segment ${i}`, start: ph.paddr, end: ph.paddr + ph.memsz, fileOffset: ph.offset, fileSize: ph.filesz });
  });
  if (pieces.length === 0) throw new LoaderError('corrupt', `${name}: the ELF has no loadable (PT_LOAD) segment; link it with a linker script that places .text`);
  if (entry === null) {
    throw new LoaderError('corrupt', `${name}: the ELF entry point ${hex(elf.header.entry)} is not inside any loadable segment; check ENTRY() in the linker script`);
  }
  return { pieces, entry };
}

/** Refuses ELF files that multiboot v1 cannot load through their program headers. */
function checkElfKind(id: ElfIdent | null, name: string): void {
  const hint = 'build the kernel for i386 (gcc -m32, ld -m elf_i386), or set multiboot flags bit 16 with the address fields';
  if (id === null) throw new LoaderError('truncated', `${name}: truncated: the ELF header is cut short; rebuild the image or copy it again`);
  if (id.elfClass === 2) throw new LoaderError('wrong-elf', `${name}: a 64-bit ELF (ELFCLASS64, ${machineName(id.machine)}); multiboot v1 loads 32-bit i386 ELF only: ${hint}`);
  if (id.elfClass !== 1) throw new LoaderError('wrong-elf', `${name}: an ELF of unknown class ${id.elfClass}; ${hint}`);
  if (id.data !== 1) throw new LoaderError('wrong-elf', `${name}: a big-endian ELF (${machineName(id.machine)}); multiboot needs little-endian i386: ${hint}`);
  if (id.machine !== EM_386) {
    throw new LoaderError('wrong-elf', `${name}: an ELF for ${machineName(id.machine)} (e_machine ${id.machine}); multiboot needs i386 (EM_386 = 3): ${hint}`);
  }
  if (id.type === 1) throw new LoaderError('wrong-elf', `${name}: a relocatable object file (ET_REL), not a linked kernel; link it (ld -m elf_i386 -T <linker script>)`);
  if (id.type !== 2 && id.type !== 3) throw new LoaderError('wrong-elf', `${name}: an ELF of type ${id.type}, not an executable; give the linked kernel (ET_EXEC)`);
}

/**
 * For an ELF32 file, only magics inside a loaded segment's file bytes can be a header whose
 * checksum went wrong; elsewhere (the symbol table) they are data. Any file kreplay cannot parse as
 * ELF32 gets no filter: then every magic is a candidate.
 */
function headerFilter(image: Uint8Array, name: string): ((offset: number) => boolean) | undefined {
  const id = identifyElf(image);
  if (id === null || id.elfClass !== 1 || id.data !== 1) return undefined;
  let elf: ElfFile;
  try {
    elf = parseElf32(image, name);
  } catch {
    // The load itself reports what is wrong with the file.
    return undefined;
  }
  const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD);
  return (off) => loads.some((ph) => off >= ph.offset && off < ph.offset + ph.filesz);
}

/** The error for an image with no multiboot header magic at all, saying what the file looks like instead. */
function noHeaderError(image: Uint8Array, name: string): LoaderError {
  const where = `no multiboot header (magic 0x1badb002) in its first ${MULTIBOOT_SEARCH_BYTES} bytes`;
  const id = identifyElf(image);
  if (id !== null) {
    // A cut-short ELF loses its header along with the rest; say "truncated", the real problem.
    if (id.elfClass === 1 && id.data === 1) {
      try {
        parseElf32(image, name);
      } catch (err) {
        if (err instanceof LoaderError && err.kind === 'truncated') return err;
      }
    }
    const bits = id.elfClass === 2 ? 'ELF64' : id.elfClass === 1 ? 'ELF32' : 'ELF';
    return new LoaderError('not-multiboot', `${name}: an ${bits} ${machineName(id.machine)} file with ${where}; add a multiboot header in a section the linker script places first`);
  }
  // "HdrS" at 0x202 marks the Linux x86 boot protocol header of a bzImage.
  if (image.length >= 0x206 && String.fromCharCode(...image.subarray(0x202, 0x206)) === 'HdrS') {
    return new LoaderError('not-multiboot', `${name}: a Linux bzImage, not a multiboot kernel (${where}); it needs the Linux boot protocol loader`);
  }
  return new LoaderError('not-multiboot', `${name}: not an ELF file and ${where}; build the kernel with a multiboot header`);
}

function checkRamSize(ramBytes: number, name: string): void {
  if (ramBytes <= HIGH_MEMORY_START) {
    throw new LoaderError('placement', `${name}: the machine has ${ramText(ramBytes)} of RAM; multiboot needs more than 1 MiB, raise it with --mem MIB`);
  }
  if (ramBytes > FOUR_GIB) throw new LoaderError('placement', `${name}: the machine has ${ramText(ramBytes)} of RAM; a 32-bit PC holds at most 4096 MiB, lower --mem`);
}

/** Refuses a range outside RAM, in the PC's reserved [0x9fc00, 1 MiB), or over the boot area. */
function checkPlacement(p: Piece, ramBytes: number, name: string): void {
  const where = `${p.what} (physical ${rangeText(p.start, p.end)})`;
  if (p.end > FOUR_GIB) {
    throw new LoaderError('placement', `${name}: ${where} ends above 4 GiB, which a 32-bit PC cannot address; fix the kernel's load addresses`);
  }
  if (p.end > ramBytes) {
    const mib = Math.ceil(p.end / MIB);
    throw new LoaderError(
      'placement',
      `${name}: ${where} does not fit in the machine's ${ramText(ramBytes)} of RAM; raise it with --mem MIB (at least --mem ${mib})`,
    );
  }
  if (p.start < HIGH_MEMORY_START && p.end > EBDA_START) {
    throw new LoaderError(
      'placement',
      `${name}: ${where} overlaps the PC's reserved area ${rangeText(EBDA_START, HIGH_MEMORY_START)} (EBDA, VGA, BIOS); link the kernel at or above 1 MiB (0x100000)`,
    );
  }
  if (p.start < BOOT_AREA.end && p.end > BOOT_AREA.start) {
    throw new LoaderError(
      'placement',
      `${name}: ${where} overlaps the boot area ${rangeText(BOOT_AREA.start, BOOT_AREA.end)} where kreplay puts the multiboot information, GDT and boot stack; link the kernel at or above 1 MiB (0x100000)`,
    );
  }
}

function ramText(bytes: number): string {
  if (bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
