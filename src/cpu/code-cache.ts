import type { Cpu } from './cpu.js';
import { decodeInsn, MAX_INSN_LEN, type OpcodeTables } from './decoder.js';
import { Insn } from './insn.js';
import { CS } from './registers.js';
import { CpuFault, GP } from './faults.js';
import { OPCODE_TABLES, endsBlock } from './opcode-table.js';

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

/** A straight-line run of decoded instructions within one physical page. */
export class Block {
  constructor(
    readonly insns: Insn[],
    readonly code32: boolean,
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

  constructor(private readonly cpu: Cpu) {
    this.pages = new Array(cpu.mmu.ramBytes >>> 12).fill(undefined);
  }

  setCsFlat(flat: boolean): void {
    this.csFlat = flat;
  }

  /** Drops every decoded block (snapshot restore, mode reset). */
  clear(): void {
    this.pages = new Array(this.cpu.mmu.ramBytes >>> 12).fill(undefined);
    this.cpu.mmu.codePages.fill(0);
  }

  /** The instructions to run at CS:eip (faults with #GP on a CS limit violation, #PF on fetch). */
  blockAt(eip: number): Insn[] {
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
      if (block !== undefined && block.code32 === cpu.code32) return block.insns;
      return this.decodeBlock(page, phys, lin).insns;
    }
    // MMIO, or a segmented CS whose limit must be checked per instruction: decode one at a time.
    return [this.decodeUncached(lin, eip)];
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
        if (insns.length === 0) return new Block([this.decodeUncached(lin, cpu.eip)], cpu.code32);
        break;
      }
      insns.push(insn);
      p += len;
      if (endsBlock(insn)) break;
    }
    const block = new Block(insns, cpu.code32);
    page.blocks[phys & 0xfff] = block;
    const first = (phys & 0xfff) >>> LINE_SHIFT;
    const last = ((p - 1) & 0xfff) >>> LINE_SHIFT;
    for (let line = first; line <= last; line++) page.lines[line >>> 5] |= 1 << (line & 31);
    cpu.mmu.codePages[phys >>> 12] = 1;
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
    const page = this.pages[pageNo];
    if (page === undefined) return;
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
      if (this.pages[n] !== undefined) {
        this.pages[n] = undefined;
        this.cpu.mmu.codePages[n] = 0;
      }
    }
    // The running block may be the one just overwritten: leave it after this instruction.
    this.cpu.stopAt = this.cpu.icount + 1;
  }
}
