import type { Cpu } from './cpu.js';
import { decodeInsn, MAX_INSN_LEN, type OpcodeTables } from './decoder.js';
import { Insn } from './insn.js';
import { CS } from './registers.js';
import { CpuFault, GP } from './faults.js';
import { OPCODE_TABLES, endsBlock } from './opcode-table.js';
import { PAGE_CODE } from './mmu.js';
import type { CompiledBlock } from './block-compiler.js';

/** Longest run of instructions decoded into one block. */
const MAX_BLOCK_INSNS = 64;
/** Code is tracked in 64-byte lines so data written next to code does not drop its decodes. */
const LINE_SHIFT = 6;

/** Decoded blocks of one physical page, by offset, and which 64-byte lines they cover. */
class CodePage {
  readonly blocks: (Block | undefined)[] = new Array(4096).fill(undefined);
  /** Bit n of lines[n >> 5] set when line n holds decoded bytes. */
  readonly lines = new Int32Array(2);
}

/**
 * A straight-line run of decoded instructions within one physical page. Blocks remember the
 * block that followed them (two successors: a conditional branch has two), so the run loop can
 * skip the lookup; a link is trusted only while the address-translation generation it was made
 * under is current and the target is still valid.
 */
export class Block {
  /** False once the code under it was overwritten; links to it are then ignored. */
  valid = true;
  nextEip0 = -1;
  next0: Block | null = null;
  gen0 = -1;
  nextEip1 = -1;
  next1: Block | null = null;
  gen1 = -1;
  /** Times run by the interpreter; at COMPILE_THRESHOLD the block is compiled. */
  hits = 0;
  /** The compiled form (block-compiler.ts), once hot. */
  compiled: CompiledBlock | null = null;

  constructor(
    readonly insns: Insn[],
    readonly code32: boolean,
    /** Decoded from memory each time (page-crossing or segmented code): never linked to. */
    readonly cacheable: boolean,
  ) {}
}

/**
 * The decoded-instruction cache: blocks keyed by the physical address of their first byte, so
 * every alias of a page shares them and a write through any alias invalidates them (Bochs keeps
 * decoded instructions per physical page the same way). A block never crosses a page; an
 * instruction that does is decoded afresh each time it runs.
 */
export class CodeCache {
  private pages: (CodePage | undefined)[];
  private readonly tables: OpcodeTables = OPCODE_TABLES;
  private readonly scratch = new Uint8Array(32);
  private csFlat = true;
  /** Blocks decoded so far (statistics for the benchmark). */
  decodedBlocks = 0;
  /** Blocks compiled so far (statistics; tests check the compiler really ran). */
  compiledBlocks = 0;

  constructor(private readonly cpu: Cpu) {
    this.pages = new Array(cpu.mmu.ramBytes >>> 12).fill(undefined);
  }

  setCsFlat(flat: boolean): void {
    this.csFlat = flat;
  }

  /** Cacheable blocks not compiled yet, in decode order (compileHot scans and prunes it). */
  private uncompiled: Block[] = [];

  /** Compiles every valid block run at least `threshold` times; drops dead ones from the list. */
  compileHot(threshold: number, compile: (insns: readonly Insn[]) => CompiledBlock): void {
    let kept = 0;
    for (const b of this.uncompiled) {
      if (!b.valid) continue;
      if (b.hits >= threshold) {
        b.compiled = compile(b.insns);
        this.compiledBlocks++;
      }
      else this.uncompiled[kept++] = b;
    }
    this.uncompiled.length = kept;
  }

  /** Drops every decoded block (snapshot restore, mode reset). */
  clear(): void {
    this.uncompiled = [];
    for (const pg of this.pages) if (pg !== undefined) for (const b of pg.blocks) if (b !== undefined) b.valid = false;
    this.pages = new Array(this.cpu.mmu.ramBytes >>> 12).fill(undefined);
    const flags = this.cpu.mmu.codePages;
    for (let p = 0; p < flags.length; p++) flags[p] &= ~PAGE_CODE;
  }

  /**
   * The block to run at CS:eip after `prev` (which may have a link for it); faults with #GP on a
   * CS limit violation, #PF on fetch.
   */
  nextBlock(prev: Block | null, eip: number): Block {
    const gen = this.cpu.mmu.mapGen;
    if (prev !== null) {
      if (prev.nextEip0 === eip && prev.gen0 === gen && prev.next0!.valid) return prev.next0!;
      if (prev.nextEip1 === eip && prev.gen1 === gen && prev.next1!.valid) return prev.next1!;
    }
    const b = this.blockAt(eip);
    if (prev !== null && b.cacheable) {
      // Keep the newest link in slot 0 and the previous one in slot 1.
      prev.nextEip1 = prev.nextEip0;
      prev.next1 = prev.next0;
      prev.gen1 = prev.gen0;
      prev.nextEip0 = eip;
      prev.next0 = b;
      prev.gen0 = gen;
    }
    return b;
  }

  /** The block to run at CS:eip (faults with #GP on a CS limit violation, #PF on fetch). */
  blockAt(eip: number): Block {
    const cpu = this.cpu;
    if (!this.csFlat && (eip >>> 0) > cpu.segLimit[CS]) throw new CpuFault(GP, 0);
    const lin = (cpu.segBase[CS] + eip) | 0;
    const phys = cpu.mmu.fetchPhys(lin);
    const pageNo = phys >>> 12;
    if (pageNo < this.pages.length && this.csFlat) {
      let page = this.pages[pageNo];
      if (page === undefined) {
        page = new CodePage();
        this.pages[pageNo] = page;
      }
      const block = page.blocks[phys & 0xfff];
      if (block !== undefined && block.code32 === cpu.code32) return block;
      return this.decodeBlock(page, phys, lin);
    }
    // MMIO, or a segmented CS whose limit must be checked per instruction: decode one at a time.
    return new Block([this.decodeUncached(lin, eip)], cpu.code32, false);
  }

  private decodeBlock(page: CodePage, phys: number, lin: number): Block {
    const cpu = this.cpu;
    const ram = cpu.mmu.ram;
    const pageStart = phys & ~0xfff;
    const pageEnd = pageStart + 4096;
    const insns: Insn[] = [];
    let p = phys;
    while (insns.length < MAX_BLOCK_INSNS && p < pageEnd) {
      const avail = Math.min(pageEnd - p, 16);
      this.scratch.fill(0);
      this.scratch.set(ram.subarray(p, p + avail));
      const insn = new Insn();
      const len = decodeInsn(this.tables, this.scratch, 0, cpu.code32, insn);
      if (len > avail) {
        // Crosses into the next page: run it uncached so both pages are translated when it runs.
        if (insns.length === 0) return new Block([this.decodeUncached(lin, cpu.eip)], cpu.code32, false);
        break;
      }
      insns.push(insn);
      p += len;
      if (endsBlock(insn)) break;
    }
    const block = new Block(insns, cpu.code32, true);
    if (cpu.jit) this.uncompiled.push(block);
    const old = page.blocks[phys & 0xfff];
    if (old !== undefined) old.valid = false;
    page.blocks[phys & 0xfff] = block;
    const first = (phys & 0xfff) >>> LINE_SHIFT;
    const last = ((p - 1) & 0xfff) >>> LINE_SHIFT;
    for (let line = first; line <= last; line++) page.lines[line >>> 5] |= 1 << (line & 31);
    cpu.mmu.codePages[phys >>> 12] |= PAGE_CODE;
    this.decodedBlocks++;
    return block;
  }

  /** Decodes the instruction at `lin` reading through the MMU (page-crossing or MMIO code). */
  private decodeUncached(lin: number, eip: number): Insn {
    const cpu = this.cpu;
    this.scratch.fill(0);
    // Fetch only the bytes the instruction needs: decode with what is readable, then refetch.
    let have = 0;
    for (; have < MAX_INSN_LEN + 1; have++) {
      if (!this.csFlat && ((eip + have) >>> 0) > cpu.segLimit[CS]) break;
      const a = (lin + have) | 0;
      if (have > 0 && (a & 0xfff) === 0) {
        // Next page: translate only if the instruction really extends into it.
        const probe = new Insn();
        if (decodeInsn(this.tables, this.scratch, 0, cpu.code32, probe) <= have) break;
      }
      this.scratch[have] = cpu.mmu.physRead8(cpu.mmu.fetchPhys(a));
    }
    const insn = new Insn();
    const len = decodeInsn(this.tables, this.scratch, 0, cpu.code32, insn);
    if (len > have) throw new CpuFault(GP, 0); // runs past the CS limit
    return insn;
  }

  /** Called by the MMU before a write to a page holding decoded code. */
  onWrite(phys: number, size: number): void {
    const pageNo = phys >>> 12;
    const lastPageNo = (phys + size - 1) >>> 12;
    let hit = false;
    for (let a = phys; a < phys + size; a += 1) {
      const pg = this.pages[a >>> 12];
      if (pg === undefined) continue;
      const line = (a & 0xfff) >>> LINE_SHIFT;
      if ((pg.lines[line >>> 5] & (1 << (line & 31))) !== 0) hit = true;
    }
    if (!hit) return;
    for (let n = pageNo; n <= lastPageNo; n++) {
      const pg = this.pages[n];
      if (pg !== undefined) {
        for (const b of pg.blocks) if (b !== undefined) b.valid = false;
        this.pages[n] = undefined;
        this.cpu.mmu.codePages[n] &= ~PAGE_CODE;
      }
    }
    // The running block may be the one just overwritten: leave it after this instruction.
    this.cpu.stopAt = this.cpu.icount + 1;
  }
}
