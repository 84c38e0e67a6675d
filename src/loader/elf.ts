/**
 * ELF32 little-endian parser: file header, program headers, section headers with their names, and
 * the .symtab symbols. It reads only from the given bytes and checks every offset and size against
 * the buffer length first, so a truncated or corrupt file fails with a LoaderError instead of an
 * out-of-bounds read, a RangeError from a DataView, or garbage values.
 *
 * Field names follow the ELF specification (System V gABI) without the `e_`/`p_`/`sh_`/`st_`
 * prefixes.
 */
import { hex, LoaderError } from './errors.js';

/** e_machine value for Intel 80386, the only machine multiboot v1 loads. */
export const EM_386 = 3;
/** p_type of a loadable segment. */
export const PT_LOAD = 1;
/** sh_type values the loader cares about. */
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
/** sh_flags bit: the section occupies memory at run time. */
export const SHF_ALLOC = 0x2;
/** Special section indexes (st_shndx): undefined, absolute value, common block, "see sh_link/SHT_SYMTAB_SHNDX". */
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

/** What the first 20 bytes of any ELF file say, read without assuming its class or byte order. */
export interface ElfIdent {
  /** EI_CLASS: 1 = 32-bit, 2 = 64-bit. */
  readonly elfClass: number;
  /** EI_DATA: 1 = little-endian, 2 = big-endian. */
  readonly data: number;
  /** e_type, read in the file's own byte order (1 REL, 2 EXEC, 3 DYN, 4 CORE). */
  readonly type: number;
  /** e_machine, read in the file's own byte order (3 = i386, 40 = ARM, 62 = x86-64, ...). */
  readonly machine: number;
}

/** The ELF32 file header (Elf32_Ehdr) after extended numbering is resolved. */
export interface ElfHeader {
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** Number of program headers (from section 0's sh_info when e_phnum is PN_XNUM). */
  readonly phnum: number;
  readonly shentsize: number;
  /** Number of section headers (from section 0's sh_size when e_shnum is 0 and there is a table). */
  readonly shnum: number;
  /** Index of the section-name string table (from section 0's sh_link when e_shstrndx is SHN_XINDEX). */
  readonly shstrndx: number;
}

/** One program header (Elf32_Phdr). */
export interface ElfProgramHeader {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly flags: number;
  readonly align: number;
}

/** One section header (Elf32_Shdr) with its name resolved from the section-name string table. */
export interface ElfSection {
  readonly index: number;
  /** The name, or '' when the file has no section-name string table. */
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

/** Symbol type (ELF32_ST_TYPE), named as readelf prints it; anything else is 'OTHER'. */
export type ElfSymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'COMMON' | 'TLS' | 'OTHER';
/** Symbol binding (ELF32_ST_BIND), named as readelf prints it; anything else is 'OTHER'. */
export type ElfSymbolBinding = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'OTHER';

/** One .symtab entry (Elf32_Sym) with its name resolved. */
export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: ElfSymbolType;
  readonly binding: ElfSymbolBinding;
  /** st_other (the low 2 bits are the visibility). */
  readonly other: number;
  /** st_shndx: the defining section's index, or SHN_UNDEF / SHN_ABS / SHN_COMMON. */
  readonly sectionIndex: number;
}

/** A parsed ELF32 little-endian file. */
export interface ElfFile {
  readonly header: ElfHeader;
  readonly programHeaders: readonly ElfProgramHeader[];
  readonly sections: readonly ElfSection[];
  /** The .symtab entries in file order, without the null entry 0; empty when there is no .symtab. */
  readonly symbols: readonly ElfSymbol[];
  /** True when the file has a .symtab section (an empty one still counts). */
  readonly hasSymtab: boolean;
}

const SYMBOL_TYPES: readonly ElfSymbolType[] = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
const SYMBOL_BINDINGS: readonly ElfSymbolBinding[] = ['LOCAL', 'GLOBAL', 'WEAK'];

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True when `bytes` starts with the ELF magic "\x7fELF". */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads class, byte order, type and machine from any ELF file (32- or 64-bit, either byte order),
 * so the loader can say "64-bit ELF" or "ELF for ARM" instead of failing on a field it cannot
 * parse. Returns null when `bytes` is not an ELF file or is too short to hold those fields.
 */
export function identifyElf(bytes: Uint8Array): ElfIdent | null {
  if (!isElf(bytes) || bytes.length < 20) return null;
  const data = bytes[5]!;
  // e_type and e_machine sit at the same offsets (16, 18) in both classes.
  const u16 = (off: number): number =>
    data === 2 ? (bytes[off]! << 8) | bytes[off + 1]! : bytes[off]! | (bytes[off + 1]! << 8);
  return { elfClass: bytes[4]!, data, type: u16(16), machine: u16(18) };
}

/** A human name for an e_machine value, for error messages. */
export function machineName(machine: number): string {
  const names: Record<number, string> = {
    2: 'SPARC', 3: 'i386', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390', 40: 'ARM',
    42: 'SuperH', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 258: 'LoongArch',
  };
  return names[machine] ?? `machine ${machine}`;
}

/**
 * Parses an ELF32 little-endian file. `name` is the image's display name (usually its path), used
 * to start error messages. Throws LoaderError ('wrong-elf' for another class or byte order,
 * 'truncated' when a header points past the end of the buffer, 'corrupt' for inconsistent
 * headers); never reads outside `bytes`.
 */
export function parseElf32(bytes: Uint8Array, name = 'image'): ElfFile {
  const r = new Reader(bytes, name);
  const id = identifyElf(bytes);
  if (id === null) {
    if (isElf(bytes)) r.truncated('ELF identification', 0, 20);
    throw new LoaderError('wrong-elf', `${name}: not an ELF file (no \\x7fELF magic); give an ELF32 i386 kernel`);
  }
  if (id.elfClass !== 1) {
    const what = id.elfClass === 2 ? 'a 64-bit ELF (ELFCLASS64)' : `an ELF of unknown class ${id.elfClass}`;
    throw new LoaderError('wrong-elf', `${name}: ${what}, expected ELF32; build the kernel for i386 (gcc -m32, ld -m elf_i386)`);
  }
  if (id.data !== 1) {
    throw new LoaderError('wrong-elf', `${name}: a big-endian ELF, expected little-endian i386; build the kernel for i386 (gcc -m32)`);
  }
  r.need('ELF header', 0, EHDR_SIZE);
  const e = {
    type: r.u16(16), machine: r.u16(18), version: r.u32(20), entry: r.u32(24), phoff: r.u32(28),
    shoff: r.u32(32), flags: r.u32(36), ehsize: r.u16(40), phentsize: r.u16(42), phnum: r.u16(44),
    shentsize: r.u16(46), shnum: r.u16(48), shstrndx: r.u16(50),
  };

  // Extended numbering (gABI): when the counts do not fit 16 bits, section 0 holds them.
  let shnum = e.shnum;
  let shstrndx = e.shstrndx;
  let phnum = e.phnum;
  if (e.shoff !== 0 && (e.shnum === 0 || e.shstrndx === SHN_XINDEX || e.phnum === 0xffff)) {
    checkEntSize(r, 'section header', e.shentsize, SHDR_SIZE);
    r.need('section header 0', e.shoff, SHDR_SIZE);
    if (e.shnum === 0) shnum = r.u32(e.shoff + 20);
    if (e.shstrndx === SHN_XINDEX) shstrndx = r.u32(e.shoff + 24);
    if (e.phnum === 0xffff) phnum = r.u32(e.shoff + 28);
  }
  if (e.shoff === 0) shnum = 0;
  const header: ElfHeader = { ...e, phnum, shnum, shstrndx };

  const programHeaders: ElfProgramHeader[] = [];
  if (phnum > 0) {
    checkEntSize(r, 'program header', e.phentsize, PHDR_SIZE);
    r.need(`program header table (${phnum} entries)`, e.phoff, phnum * e.phentsize);
    for (let i = 0; i < phnum; i++) {
      const o = e.phoff + i * e.phentsize;
      programHeaders.push({
        type: r.u32(o), offset: r.u32(o + 4), vaddr: r.u32(o + 8), paddr: r.u32(o + 12),
        filesz: r.u32(o + 16), memsz: r.u32(o + 20), flags: r.u32(o + 24), align: r.u32(o + 28),
      });
    }
  }

  const raw = readSectionHeaders(r, header);
  if (shnum > 0 && shstrndx !== SHN_UNDEF && shstrndx >= shnum) {
    r.corrupt(`section-name string table index ${shstrndx} is not below the section count ${shnum}`);
  }
  const shstr = shnum > 0 && shstrndx !== SHN_UNDEF ? raw[shstrndx]! : null;
  if (shstr !== null && shstr.type !== SHT_STRTAB) {
    r.corrupt(`section-name string table ${shstrndx} has type ${shstr.type}, not SHT_STRTAB`);
  }
  const sections: ElfSection[] = raw.map((s) => ({
    ...s,
    name: shstr === null ? '' : r.cstring(shstr, s.nameOffset, `name of section ${s.index}`),
  }));

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols = symtab === undefined ? [] : readSymbols(r, sections, symtab);
  return { header, programHeaders, sections, symbols, hasSymtab: symtab !== undefined };
}

interface RawSection extends Omit<ElfSection, 'name'> {
  readonly nameOffset: number;
}

function readSectionHeaders(r: Reader, h: ElfHeader): RawSection[] {
  if (h.shnum === 0) return [];
  checkEntSize(r, 'section header', h.shentsize, SHDR_SIZE);
  r.need(`section header table (${h.shnum} entries)`, h.shoff, h.shnum * h.shentsize);
  const out: RawSection[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const o = h.shoff + i * h.shentsize;
    const s: RawSection = {
      index: i, nameOffset: r.u32(o), type: r.u32(o + 4), flags: r.u32(o + 8), addr: r.u32(o + 12),
      offset: r.u32(o + 16), size: r.u32(o + 20), link: r.u32(o + 24), info: r.u32(o + 28),
      addralign: r.u32(o + 32), entsize: r.u32(o + 36),
    };
    // Section 0 is the null section (or holds extended counts), and NOBITS sections (.bss) have
    // no bytes in the file: neither has file data to check.
    if (i !== 0 && s.type !== SHT_NOBITS && s.type !== 0) r.need(`section ${i} data`, s.offset, s.size);
    out.push(s);
  }
  return out;
}

function readSymbols(r: Reader, sections: readonly ElfSection[], symtab: ElfSection): ElfSymbol[] {
  const entsize = symtab.entsize === 0 ? SYM_SIZE : symtab.entsize;
  if (entsize < SYM_SIZE) r.corrupt(`.symtab entry size ${entsize} is smaller than ${SYM_SIZE}`);
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    r.corrupt(`.symtab links to section ${symtab.link}, which is not a string table`);
  }
  const count = Math.floor(symtab.size / entsize);
  const out: ElfSymbol[] = [];
  // Entry 0 is the reserved null symbol.
  for (let i = 1; i < count; i++) {
    const o = symtab.offset + i * entsize;
    const info = r.u8(o + 12);
    out.push({
      name: r.cstring(strtab, r.u32(o), `name of symbol ${i}`),
      value: r.u32(o + 4),
      size: r.u32(o + 8),
      type: SYMBOL_TYPES[info & 0xf] ?? 'OTHER',
      binding: SYMBOL_BINDINGS[info >> 4] ?? 'OTHER',
      other: r.u8(o + 13),
      sectionIndex: r.u16(o + 14),
    });
  }
  return out;
}

function checkEntSize(r: Reader, what: string, actual: number, min: number): void {
  if (actual < min) r.corrupt(`${what} entry size ${actual} is smaller than ${min}`);
}

/** Bounds-checked little-endian reads over the file, with errors that name the file. */
class Reader {
  private readonly view: DataView;
  private static readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly bytes: Uint8Array,
    private readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws 'truncated' unless [offset, offset + length) lies inside the file. */
  need(what: string, offset: number, length: number): void {
    if (offset + length > this.bytes.length) this.truncated(what, offset, length);
  }

  truncated(what: string, offset: number, length: number): never {
    throw new LoaderError(
      'truncated',
      `${this.name}: truncated or corrupt ELF: ${what} at file bytes [${hex(offset)}, ${hex(offset + length)}) ` +
        `is past the end of the file (${this.bytes.length} bytes); rebuild the image or copy it again`,
    );
  }

  corrupt(what: string): never {
    throw new LoaderError('corrupt', `${this.name}: corrupt ELF: ${what}; rebuild the image`);
  }

  // Callers have checked the range with need(); the DataView would throw a RangeError otherwise,
  // which is why every table is checked as a whole before its fields are read.
  u8(off: number): number {
    return this.view.getUint8(off);
  }
  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }

  /** The NUL-terminated string at `offset` inside string-table section `table`. */
  cstring(table: { readonly offset: number; readonly size: number; readonly index: number }, offset: number, what: string): string {
    if (offset >= table.size) this.corrupt(`${what} starts at ${offset}, past the end of string table ${table.index} (${table.size} bytes)`);
    // A string table's range is normally checked with its header; this covers a table of
    // an unexpected type (never checked there) that a symbol table links to.
    this.need(`string table ${table.index}`, table.offset, table.size);
    const start = table.offset + offset;
    const end = table.offset + table.size;
    // The table's range was checked against the file when its header was read.
    const nul = this.bytes.subarray(start, end).indexOf(0);
    if (nul < 0) this.corrupt(`${what} is not NUL-terminated inside string table ${table.index}`);
    return Reader.decoder.decode(this.bytes.subarray(start, start + nul));
  }
}
