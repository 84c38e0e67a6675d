/**
 * Symbolization for reports: address -> `name+offset` and name -> address. Built from an image's
 * ELF .symtab, or rebuilt from the plain-data form a trace header embeds, so a trace can be
 * symbolized without the image it was recorded from.
 */
import { hex, LoaderError } from './errors.js';
import { SHF_ALLOC, SHN_LORESERVE, SHN_UNDEF, type ElfFile } from './elf.js';

/** func and object come from typed ELF symbols; label is an untyped (NOTYPE) symbol, usually an assembly label. */
export type SymbolKind = 'func' | 'object' | 'label';
/** ELF binding; it decides which of several same-named symbols `resolve` returns. */
export type SymbolBinding = 'local' | 'global' | 'weak';

/** One symbol of a table. */
export interface SymbolInfo {
  readonly name: string;
  /** Start address (the ELF st_value: a virtual address, like EIP). */
  readonly addr: number;
  /** st_size; 0 for most assembly labels. */
  readonly size: number;
  /**
   * How many bytes from `addr` `lookup` attributes to this symbol: `size` for a sized symbol (cut
   * at 4 GiB); for
   * a size-0 symbol, the distance to the next symbol, the end of its section or MAX_LABEL_SPAN,
   * whichever is nearest (0 when it sits at the end of its section, e.g. `stack_top`).
   */
  readonly span: number;
  readonly kind: SymbolKind;
  readonly binding: SymbolBinding;
}

/** Result of `lookup`: the symbol containing an address and the address's offset into it. */
export interface SymbolMatch {
  readonly name: string;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

/**
 * The plain-data (JSON / msgpack friendly) form of a table, stored column by column because that
 * is compact and compresses well in a trace header. All arrays have one element per symbol, in
 * the table's order (by address, then name).
 */
export interface SymbolTableData {
  /** Bumped when the meaning of a column changes; `fromData` refuses other versions. */
  readonly version: 1;
  readonly names: string[];
  /** Unsigned 32-bit start addresses. */
  readonly addrs: number[];
  readonly sizes: number[];
  /** See SymbolInfo.span: stored, because rebuilding it needs the ELF sections. */
  readonly spans: number[];
  /** ELF st_type codes: 0 NOTYPE (label), 1 OBJECT, 2 FUNC. */
  readonly types: number[];
  /** ELF st_bind codes: 0 LOCAL, 1 GLOBAL, 2 WEAK. */
  readonly binds: number[];
}

/**
 * The furthest a size-0 label is assumed to extend. Assembly routines are far shorter; the cap
 * keeps a lone label (say `_start`) from claiming a distant address in a large section.
 */
export const MAX_LABEL_SPAN = 0x10000;

const KIND_CODES: Record<SymbolKind, number> = { label: 0, object: 1, func: 2 };
const KINDS_BY_CODE: readonly SymbolKind[] = ['label', 'object', 'func'];
const BINDING_CODES: Record<SymbolBinding, number> = { local: 0, global: 1, weak: 2 };
const BINDINGS_BY_CODE: readonly SymbolBinding[] = ['local', 'global', 'weak'];
const BINDING_RANK: Record<SymbolBinding, number> = { global: 0, weak: 1, local: 2 };
const KIND_RANK: Record<SymbolKind, number> = { func: 0, object: 1, label: 2 };

/**
 * An immutable, sorted symbol table.
 *
 * `lookup(addr)` picks, among the symbols whose [addr, addr + span) contains the address: a sized
 * symbol over a size-0 label (a label counts only where no sized symbol does), then the one that
 * starts last (the innermost), then the smaller, then global over weak over local, then func over
 * object over label, then the name in code-point order. Ties are thus broken the same way on every
 * host, which keeps reports byte-identical.
 */
export class SymbolTable {
  private readonly list: readonly SymbolInfo[];
  // Disjoint [start, end) intervals, sorted, each naming its winning symbol: lookup is one binary
  // search, however much the symbols overlap.
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly owners: SymbolInfo[] = [];
  private readonly byName = new Map<string, SymbolInfo[]>();

  private constructor(symbols: readonly SymbolInfo[]) {
    const sorted = [...symbols].sort(compareEntries);
    this.list = sorted.filter((s, i) => i === 0 || compareEntries(sorted[i - 1]!, s) !== 0);
    for (const s of this.list) {
      const same = this.byName.get(s.name);
      if (same === undefined) this.byName.set(s.name, [s]);
      else same.push(s);
    }
    for (const same of this.byName.values()) {
      same.sort((a, b) => BINDING_RANK[a.binding] - BINDING_RANK[b.binding] || a.addr - b.addr || b.size - a.size);
    }
    this.buildIntervals();
  }

  /**
   * Builds the table from an ELF's .symtab: FUNC and OBJECT symbols, and NOTYPE symbols (assembly
   * labels), that are defined in a section loaded into memory (SHF_ALLOC) and have a name.
   * Absolute and common symbols are left out: they are constants (`MB_MAGIC equ ...`) or
   * unallocated, not addresses of code or data. Returns null when no symbol qualifies (no .symtab,
   * or a stripped image).
   */
  static fromElf(elf: ElfFile): SymbolTable | null {
    const picked: { name: string; addr: number; size: number; kind: SymbolKind; binding: SymbolBinding; section: number }[] = [];
    for (const s of elf.symbols) {
      const kind: SymbolKind | null = s.type === 'FUNC' ? 'func' : s.type === 'OBJECT' ? 'object' : s.type === 'NOTYPE' ? 'label' : null;
      const binding: SymbolBinding | null = s.binding === 'GLOBAL' ? 'global' : s.binding === 'WEAK' ? 'weak' : s.binding === 'LOCAL' ? 'local' : null;
      if (kind === null || binding === null || s.name === '') continue;
      if (s.sectionIndex === SHN_UNDEF || s.sectionIndex >= SHN_LORESERVE) continue;
      const section = elf.sections[s.sectionIndex];
      if (section === undefined || (section.flags & SHF_ALLOC) === 0) continue;
      picked.push({ name: s.name, addr: s.value, size: s.size, kind, binding, section: s.sectionIndex });
    }
    if (picked.length === 0) return null;
    const starts = [...new Set(picked.map((p) => p.addr))].sort((a, b) => a - b);
    const symbols = picked.map(({ section, ...p }): SymbolInfo => {
      // A sized symbol cannot reach past the 32-bit address space, whatever its st_size says.
      if (p.size > 0) return { ...p, span: Math.min(p.size, 2 ** 32 - p.addr) };
      const sec = elf.sections[section]!;
      const secEnd = sec.addr + sec.size;
      const next = starts[upperBound(starts, p.addr)] ?? 2 ** 32;
      const inSection = p.addr >= sec.addr && p.addr < secEnd;
      const end = Math.min(next, secEnd, p.addr + MAX_LABEL_SPAN, 2 ** 32);
      return { ...p, span: inSection ? end - p.addr : 0 };
    });
    return new SymbolTable(symbols);
  }

  /**
   * Rebuilds a table from `toData()` output (e.g. read back from a trace header). Throws
   * LoaderError ('corrupt') when the columns are malformed, so a damaged header is reported, not
   * trusted.
   */
  static fromData(data: SymbolTableData): SymbolTable {
    const bad = (why: string): never => {
      throw new LoaderError('corrupt', `symbol table data: ${why}; the trace header is damaged, record the trace again`);
    };
    if (typeof data !== 'object' || data === null) bad('not an object');
    if (data.version !== 1) bad(`unknown version ${String(data.version)} (this kreplay reads version 1)`);
    const cols = [data.names, data.addrs, data.sizes, data.spans, data.types, data.binds];
    if (!cols.every(Array.isArray)) bad('a column is missing');
    const n = data.names.length;
    if (!cols.every((c) => c.length === n)) bad('columns have different lengths');
    const u32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
    const symbols: SymbolInfo[] = [];
    for (let i = 0; i < n; i++) {
      const name = data.names[i];
      const addr = data.addrs[i];
      const size = data.sizes[i];
      const span = data.spans[i];
      const kind = KINDS_BY_CODE[data.types[i] as number];
      const binding = BINDINGS_BY_CODE[data.binds[i] as number];
      if (typeof name !== 'string' || name === '') bad(`symbol ${i} has no name`);
      if (!u32(addr) || !u32(size) || !u32(span)) bad(`symbol ${i} (${String(name)}) has an invalid address, size or span`);
      if (kind === undefined || binding === undefined) bad(`symbol ${i} (${String(name)}) has an unknown type or binding code`);
      if ((size as number) > 0 && (span as number) > (size as number)) bad(`symbol ${i} (${String(name)}) spans more than its size`);
      symbols.push({ name: name as string, addr: addr as number, size: size as number, span: span as number, kind: kind!, binding: binding! });
    }
    return new SymbolTable(symbols);
  }

  /** Number of symbols. */
  get length(): number {
    return this.list.length;
  }

  /** All symbols, sorted by address, then name. */
  entries(): readonly SymbolInfo[] {
    return this.list;
  }

  /** The symbol containing `addr` (an unsigned 32-bit address; other numbers are wrapped to 32 bits) and the offset into it, or null. */
  lookup(addr: number): SymbolMatch | null {
    const a = addr >>> 0;
    const i = upperBound(this.starts, a) - 1;
    if (i < 0 || a >= this.ends[i]!) return null;
    const s = this.owners[i]!;
    return { name: s.name, addr: s.addr, offset: a - s.addr, size: s.size };
  }

  /** `name+0x1c` for an address inside a symbol, just `name` at its start, null when no symbol contains it. */
  format(addr: number): string | null {
    const m = this.lookup(addr);
    if (m === null) return null;
    return m.offset === 0 ? m.name : `${m.name}+${hex(m.offset)}`;
  }

  /**
   * The address and size of the symbol called `name`, or null. When several symbols share the
   * name (static variables in different files), the global one wins, then weak, then the lowest
   * address; use `resolveAll` to detect the ambiguity.
   */
  resolve(name: string): { addr: number; size: number } | null {
    const s = this.byName.get(name)?.[0];
    return s === undefined ? null : { addr: s.addr, size: s.size };
  }

  /** Every symbol called `name`, in `resolve`'s order of preference. */
  resolveAll(name: string): readonly SymbolInfo[] {
    return this.byName.get(name) ?? [];
  }

  /** The plain-data form, for embedding in a trace header; `SymbolTable.fromData` reverses it. */
  toData(): SymbolTableData {
    return {
      version: 1,
      names: this.list.map((s) => s.name),
      addrs: this.list.map((s) => s.addr),
      sizes: this.list.map((s) => s.size),
      spans: this.list.map((s) => s.span),
      types: this.list.map((s) => KIND_CODES[s.kind]),
      binds: this.list.map((s) => BINDING_CODES[s.binding]),
    };
  }

  /** JSON.stringify(table) gives the plain-data form. */
  toJSON(): SymbolTableData {
    return this.toData();
  }

  /** Sweeps the address space once, keeping the symbols that cover each point and the best of them. */
  private buildIntervals(): void {
    const live = this.list.filter((s) => s.span > 0);
    const points = [...new Set(live.flatMap((s) => [s.addr, s.addr + s.span]))].sort((a, b) => a - b);
    let active: SymbolInfo[] = [];
    let next = 0;
    for (let p = 0; p + 1 < points.length; p++) {
      const at = points[p]!;
      active = active.filter((s) => s.addr + s.span > at);
      while (next < live.length && live[next]!.addr === at) active.push(live[next++]!);
      if (active.length === 0) continue;
      let best = active[0]!;
      for (const s of active) if (better(s, best)) best = s;
      const last = this.starts.length - 1;
      if (last >= 0 && this.owners[last] === best && this.ends[last] === at) {
        this.ends[last] = points[p + 1]!;
      } else {
        this.starts.push(at);
        this.ends.push(points[p + 1]!);
        this.owners.push(best);
      }
    }
  }
}

/** True when `a` should name an address that both `a` and `b` cover (see the class comment). */
function better(a: SymbolInfo, b: SymbolInfo): boolean {
  const sized = Number(b.size > 0) - Number(a.size > 0);
  if (sized !== 0) return sized < 0;
  if (a.addr !== b.addr) return a.addr > b.addr;
  if (a.size !== b.size) return a.size < b.size;
  const rank = BINDING_RANK[a.binding] - BINDING_RANK[b.binding] || KIND_RANK[a.kind] - KIND_RANK[b.kind];
  if (rank !== 0) return rank < 0;
  return a.name < b.name;
}

/** Table order: address, then name (code points, not locale), then the remaining fields. */
function compareEntries(a: SymbolInfo, b: SymbolInfo): number {
  return (
    a.addr - b.addr ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    a.size - b.size ||
    a.span - b.span ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    BINDING_RANK[a.binding] - BINDING_RANK[b.binding]
  );
}

/** Index of the first element of sorted `xs` greater than `x`. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
