import type { IoBus, PhysicalMemory } from './buses.js';
import { CodeCache, type Block } from './code-cache.js';
import { compileBlock, COMPILE_THRESHOLD } from './block-compiler.js';
import { CpuFault, UnsupportedInstruction, DB, GP, SS_VEC } from './faults.js';
import type { Insn } from './insn.js';
import { arithFlags, LZ_NONE } from './flags.js';
import { deliverException } from './interrupts.js';
import { Fpu } from './fpu/fpu.js';
import { Mmu } from './mmu.js';
import {
  ARITH_FLAGS, CR0_ET, CR0_PE, CS, DS, ES, ESP, FLAGS_ALWAYS_ONE, FS, GS, IF, SS, TF,
} from './registers.js';
import { loadFlatSegment } from './segments.js';
import {
  SEG_ATTR_BIG, SEG_ATTR_CODE, SEG_ATTR_EXPAND_DOWN, SEG_ATTR_UNUSABLE, SEG_ATTR_WRITABLE,
} from './seg-attr.js';

/** Why the CPU stopped running on its own (as opposed to reaching its instruction limit). */
export type CpuStop =
  | { kind: 'triple-fault'; eip: number; detail: string }
  | { kind: 'unsupported'; eip: number; bytes: number[]; detail: string };


/**
 * An IA-32 CPU: register file, segmentation, control registers and the run loop. Instructions are
 * decoded once per physical address into blocks (CodeCache) and executed by handlers from the
 * opcode table (opcode-table.ts). The CPU knows nothing of devices or traces: it reads and writes
 * physical memory and the IoBus, and counts retired instructions in `icount`, the machine's clock.
 */
export class Cpu {
  /** EAX..EDI, then an always-zero slot (ZERO_REG) that absent address fields read. */
  readonly regs = new Int32Array(9);
  /** Byte view of regs (AL = 0, AH = 1, CL = 4, ...). */
  readonly regs8 = new Uint8Array(this.regs.buffer);
  /** Word view of regs (AX = 0, CX = 2, ...: index reg * 2). */
  readonly regs16 = new Uint16Array(this.regs.buffer);
  eip = 0;
  /** EIP of the instruction being executed (faults roll back to it). */
  insnEip = 0;
  /** Retired instructions (plus idle time skipped by HLT): the machine's clock. */
  icount = 0;

  /** EFLAGS; its arithmetic bits are valid only while lzOp === LZ_NONE (see flags.ts). */
  flags = FLAGS_ALWAYS_ONE;
  lzOp = LZ_NONE;
  lzA = 0;
  lzB = 0;
  lzRes = 0;
  lzSize = 0;
  lzAux = 0;

  /** Segment registers: visible selector and the hidden descriptor cache. */
  readonly segSel = new Int32Array(6);
  readonly segBase = new Int32Array(6);
  /** Effective limit (byte granular, already scaled by G), as an unsigned value. */
  readonly segLimit = new Float64Array(6);
  readonly segAttr = new Int32Array(6);
  /** Non-zero when accesses through this segment need limit/type checks (not flat 4 GiB r/w). */
  readonly segSlow = new Uint8Array(6);
  cpl = 0;
  /** CS.D: default operand and address size 32. */
  code32 = true;
  /** SS.B: stack pointer is ESP (else SP). */
  stack32 = true;

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  ldtSel = 0;
  ldtBase = 0;
  ldtLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  /** TSS descriptor type (9/11 = 32-bit available/busy; 0 = none loaded). */
  trType = 0;

  cr0 = CR0_ET;
  cr4 = 0;
  readonly dr = new Int32Array(8);
  /** TSC = icount + tscOffset (WRMSR to IA32_TSC moves the offset). */
  tscOffset = 0;

  readonly mmu: Mmu;
  /** The x87 unit (src/cpu/fpu). */
  readonly fpu = new Fpu();
  readonly io: IoBus;
  readonly code: CodeCache;

  // ---- run control -----------------------------------------------------------------------------
  /** Hot-loop bound (<= runLimit); lowered to re-dispatch after self-modifying code. */
  stopAt = 0;
  /** The icount this run() call must not pass; requestStopAt() lowers it. */
  runLimit = 0;
  /** HLT executed; cleared when an interrupt is delivered. */
  halted = false;
  /** Set when the CPU cannot go on (triple fault, unsupported instruction). */
  stopped: CpuStop | null = null;
  /** Set by the machine while the interrupt controller asserts INTR. */
  irqAsserted = false;
  /** icount of the one instruction boundary at which STI / MOV SS inhibit interrupts. */
  inhibitIcount = -1;
  /** Compile hot blocks to JavaScript (block-compiler.ts); off by default (see RunOptions.jit). */
  jit = false;
  /** Count of deliveries through the IDT (single-step uses it to spot INT n). */
  idtDeliveries = 0;

  constructor(mem: PhysicalMemory, io: IoBus) {
    this.mmu = new Mmu(mem);
    this.io = io;
    this.code = new CodeCache(this);
    this.mmu.onCodeWrite = (phys, size) => this.code.onWrite(phys, size);
  }

  /**
   * The multiboot/Linux 32-bit entry state: protected mode, flat 4 GiB segments (CS = 0x08,
   * data = 0x10 unless given), CPL 0, paging off, interrupts off, EFLAGS = 0x2.
   */
  resetFlat32(codeSel = 0x08, dataSel = 0x10): void {
    this.cr0 = CR0_ET | CR0_PE;
    this.cr4 = 0;
    this.mmu.pagingOn = false;
    this.mmu.wp = false;
    this.mmu.pse = false;
    this.mmu.pge = false;
    this.mmu.flush();
    this.setCpl(0);
    loadFlatSegment(this, CS, codeSel, true);
    for (const s of [DS, ES, SS, FS, GS]) loadFlatSegment(this, s, dataSel, false);
    this.setEflags(FLAGS_ALWAYS_ONE);
    this.fpu.reset();
    this.halted = false;
    this.stopped = null;
    this.code.clear();
  }

  setIdtr(base: number, limit: number): void {
    this.idtBase = base | 0;
    this.idtLimit = limit & 0xffff;
  }

  setGdtr(base: number, limit: number): void {
    this.gdtBase = base | 0;
    this.gdtLimit = limit & 0xffff;
  }

  /** Full EFLAGS with the lazy arithmetic flags folded in. */
  getEflags(): number {
    return ((this.flags & ~ARITH_FLAGS) | arithFlags(this) | FLAGS_ALWAYS_ONE) >>> 0;
  }

  /** Sets EFLAGS wholesale (no privilege checks: POPF/IRET apply those before calling this). */
  setEflags(v: number): void {
    const wasIf = (this.flags & IF) !== 0;
    this.flags = (v & 0x003f7fd5) | FLAGS_ALWAYS_ONE;
    this.lzOp = LZ_NONE;
    if (!wasIf && (this.flags & IF) !== 0 && this.irqAsserted) this.requestStop();
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.mmu.setUser(cpl === 3);
  }

  /** Ends the current run() after the instruction in progress (or before the next one). */
  requestStop(): void {
    this.requestStopAt(this.icount + 1);
  }

  /** Makes run() return once icount reaches `at` (used by the clock when a timer is armed). */
  requestStopAt(at: number): void {
    if (at < this.runLimit) this.runLimit = at;
    if (at < this.stopAt) this.stopAt = at;
  }

  /** True when a maskable interrupt may be taken at this boundary. */
  interruptible(): boolean {
    return (this.flags & IF) !== 0 && this.inhibitIcount !== this.icount;
  }

  /**
   * Executes instructions until icount reaches `limit`, the CPU halts, or it stops (triple fault,
   * unsupported instruction). Guest exceptions are delivered through the IDT inside this loop.
   */
  run(limit: number): void {
    this.runLimit = limit;
    while (this.icount < this.runLimit && !this.halted && this.stopped === null) {
      this.stopAt = this.runLimit;
      try {
        this.runBlocks();
      } catch (e) {
        if (e instanceof CpuFault) {
          this.eip = this.insnEip;
          deliverException(this, e.vector, e.errorCode, true);
        } else if (e instanceof UnsupportedInstruction) {
          this.eip = this.insnEip;
          this.stopped = { kind: 'unsupported', eip: this.eip >>> 0, bytes: this.peekCode(this.eip, 15), detail: e.what };
        } else throw e;
      }
    }
  }

  private runBlocks(): void {
    let block: Block | null = null;
    for (;;) {
      if (this.icount >= this.stopAt) return;
      this.insnEip = this.eip;
      block = this.code.nextBlock(block, this.eip);
      if ((this.flags & TF) !== 0) {
        this.singleStep(block.insns[0]);
        block = null;
        continue;
      }
      const insns = block.insns;
      // A compiled block runs only when all of it fits before stopAt (it stops itself early if
      // stopAt is lowered on the way, exactly as the loop below would) and TF is clear (above).
      const compiled = block.compiled;
      if (compiled !== null && this.icount + insns.length <= this.stopAt) {
        compiled(this);
        continue;
      }
      block.hits++; // counted here; compiled by compileHotBlocks()
      for (let k = 0, n = insns.length; k < n; k++) {
        const i = insns[k];
        const eip = this.eip;
        this.insnEip = eip;
        this.eip = (eip + i.len) | 0;
        i.exec(this, i);
        if (++this.icount >= this.stopAt) return;
      }
    }
  }

  /**
   * Compiles the blocks that have run COMPILE_THRESHOLD times. The machine calls this between
   * slices rather than the run loop doing it as blocks get hot: any call site for it inside the
   * loop makes V8's code for the loop itself much slower (measured: 70 % on a Linux boot). When
   * a block is compiled does not change what it does, so the timing is free to choose.
   */
  compileHotBlocks(): void {
    if (this.jit) this.code.compileHot(COMPILE_THRESHOLD, compileBlock);
  }

  /**
   * EFLAGS.TF set at the start of an instruction: run just that instruction, then raise the
   * single-step #DB as a trap (DR6.BS set, pushed EIP = the next instruction) unless the
   * instruction itself went through the IDT (INT n clears TF on entry to its handler).
   */
  private singleStep(i: Insn): void {
    const eip = this.eip;
    this.insnEip = eip;
    this.eip = (eip + i.len) | 0;
    const before = this.idtDeliveries;
    i.exec(this, i);
    this.icount++;
    if (this.idtDeliveries === before) {
      this.dr[6] |= 0x4000;
      this.insnEip = this.eip;
      deliverException(this, DB, 0, false);
    }
  }

  /** Up to `n` code bytes at CS:eip for reports; stops at the first unreadable byte. */
  peekCode(eip: number, n: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const phys = this.mmu.probe((this.segBase[CS] + eip + k) | 0);
      if (phys === null) break;
      out.push(this.mmu.physRead8(phys));
    }
    return out;
  }

  // ---- segment-relative memory access (handlers use these) --------------------------------------

  rd8(seg: number, off: number): number {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 1, false);
    return this.mmu.rd8((this.segBase[seg] + off) | 0);
  }
  rd16(seg: number, off: number): number {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 2, false);
    return this.mmu.rd16((this.segBase[seg] + off) | 0);
  }
  rd32(seg: number, off: number): number {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 4, false);
    return this.mmu.rd32((this.segBase[seg] + off) | 0);
  }
  wr8(seg: number, off: number, v: number): void {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 1, true);
    this.mmu.wr8((this.segBase[seg] + off) | 0, v);
  }
  wr16(seg: number, off: number, v: number): void {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 2, true);
    this.mmu.wr16((this.segBase[seg] + off) | 0, v);
  }
  wr32(seg: number, off: number, v: number): void {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, 4, true);
    this.mmu.wr32((this.segBase[seg] + off) | 0, v);
  }

  /** Linear address of seg:off after the segment checks for an access of `len` bytes. */
  linear(seg: number, off: number, len: number, write: boolean): number {
    if (this.segSlow[seg] !== 0) this.checkSeg(seg, off, len, write);
    return (this.segBase[seg] + off) | 0;
  }

  /** Limit, type and usability checks of a non-flat segment; #GP(0), or #SS(0) for SS. */
  checkSeg(seg: number, off: number, len: number, write: boolean): void {
    const attr = this.segAttr[seg];
    const vector = seg === SS ? SS_VEC : GP;
    if ((attr & SEG_ATTR_UNUSABLE) !== 0) throw new CpuFault(vector, 0);
    if ((attr & SEG_ATTR_CODE) !== 0) {
      if (write || (attr & SEG_ATTR_WRITABLE) === 0) {
        // Code segments are never writable; execute-only ones are not readable either.
        if (write || seg !== CS || (attr & SEG_ATTR_WRITABLE) === 0) throw new CpuFault(vector, 0);
      }
    } else if (write && (attr & SEG_ATTR_WRITABLE) === 0) {
      throw new CpuFault(vector, 0);
    }
    const first = off >>> 0;
    const last = first + len - 1;
    const limit = this.segLimit[seg];
    if ((attr & (SEG_ATTR_CODE | SEG_ATTR_EXPAND_DOWN)) === SEG_ATTR_EXPAND_DOWN) {
      const upper = (attr & SEG_ATTR_BIG) !== 0 ? 0xffffffff : 0xffff;
      if (first <= limit || last > upper) throw new CpuFault(vector, 0);
    } else if (last > limit) {
      throw new CpuFault(vector, 0);
    }
  }

  // ---- stack --------------------------------------------------------------------------------------

  /** ESP (or SP with a 16-bit stack segment) as an offset. */
  sp(): number {
    return this.stack32 ? this.regs[ESP] : this.regs[ESP] & 0xffff;
  }

  /** Sets the stack pointer, preserving ESP's high half for a 16-bit stack. */
  setSp(v: number): void {
    if (this.stack32) this.regs[ESP] = v;
    else this.regs16[ESP << 1] = v;
  }

  /** Stack pointer after moving it by `delta` bytes, wrapped to the stack size. */
  spPlus(delta: number): number {
    return this.stack32 ? (this.regs[ESP] + delta) | 0 : (this.regs[ESP] + delta) & 0xffff;
  }

  push32(v: number): void {
    const sp = this.spPlus(-4);
    this.wr32(SS, sp, v);
    this.setSp(sp);
  }
  push16(v: number): void {
    const sp = this.spPlus(-2);
    this.wr16(SS, sp, v);
    this.setSp(sp);
  }
  pop32(): number {
    const v = this.rd32(SS, this.sp());
    this.setSp(this.spPlus(4));
    return v;
  }
  pop16(): number {
    const v = this.rd16(SS, this.sp());
    this.setSp(this.spPlus(2));
    return v;
  }

  /** Throws the `unsupported` stop for the current instruction. */
  unsupported(what: string): never {
    throw new UnsupportedInstruction(what);
  }
}
