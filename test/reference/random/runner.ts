/**
 * Runs random cases in our CPU (src/cpu) in the environment the native harness has: CPL 3, CS =
 * 0x23, SS = 0x2b, the case's ES DS FS GS, a GDT mirroring Linux's for the selectors cases use,
 * krand's LDT (its bytes as `krand --env` read them back), a TSS whose ring-0 stack takes the
 * exception frames, and an IDT whose every vector goes to a ring-0 HLT (DPL 3 for 3 and 4, as
 * Linux has). The case is followed by HLT, which at CPL 3 raises #GP(0) at the end of the case:
 * that is how the runner recognises a case that ran to its end.
 *
 * One Cpu and one RAM serve every case; nothing is allocated per case except the x87 image.
 */
import type { IoBus, PhysicalMemory } from '../../../src/cpu/buses.js';
import { Cpu } from '../../../src/cpu/cpu.js';
import { PAGE_CODE } from '../../../src/cpu/mmu.js';
import { CS, DS, ES, FS, GS, SS } from '../../../src/cpu/registers.js';
import { loadDataSegment, loadFromDescriptor, readDescriptor } from '../../../src/cpu/segments.js';
import type { Case } from './case.js';
import { CODE_ADDR, DATA_ADDR, DATA_SIZE, ERROR_CODE_VECTORS, GDT, type HostEnv, REGION_ADDR, REGION_SIZE } from './env.js';
import { COMPLETED, Outcome } from './outcome.js';

const RAM_SIZE = 1 << 20;
const GDT_BASE = 0x0800, LDT_BASE = 0x0a00, IDT_BASE = 0x1000, TSS_BASE = 0x1800, STUB_BASE = 0x2000, STACK0_TOP = 0x3000;
const SYSTEM_END = 0x3000;
const TSS_SEL = 0x40, LDT_SEL = 0x50;
/** Instructions a case may take (the longest loops take a few dozen). */
const BUDGET = 5000;
const CR0_PE = 1, CR0_ET = 0x10, CR0_NE = 0x20;

/**
 * Linux's GDT entries (arch/x86/kernel/cpu/common.c, x86-64: GDT_ENTRY_INIT(flags, base, limit)),
 * plus this runner's TSS and LDT descriptors where Linux has its own.
 */
const GDT_ENTRIES: ReadonlyArray<readonly [number, number, number]> = [
  [GDT.kernel32Code, 0x0000ffff, 0x00cf9b00],
  [GDT.kernelCode, 0x0000ffff, 0x00af9b00],
  [GDT.kernelData, 0x0000ffff, 0x00cf9300],
  [GDT.userCode, 0x0000ffff, 0x00cffb00],
  [GDT.userData, 0x0000ffff, 0x00cff300],
  [TSS_SEL, ((TSS_BASE & 0xffff) << 16) | 0x67, (TSS_BASE >>> 16 & 0xff) | 0x8b00 | (TSS_BASE & 0xff000000)],
  [LDT_SEL, ((LDT_BASE & 0xffff) << 16) | 0x3f, (LDT_BASE >>> 16 & 0xff) | 0x8200 | (LDT_BASE & 0xff000000)],
];

function systemImage(env: HostEnv): Uint8Array {
  const img = new Uint8Array(SYSTEM_END);
  const dv = new DataView(img.buffer);
  for (const [sel, lo, hi] of GDT_ENTRIES) { dv.setUint32(GDT_BASE + (sel & ~7), lo >>> 0, true); dv.setUint32(GDT_BASE + (sel & ~7) + 4, hi >>> 0, true); }
  img.set(env.ldt, LDT_BASE);
  for (let v = 0; v < 256; v++) {
    const target = STUB_BASE + 4 * v;
    const dpl = v === 3 || v === 4 ? 3 : 0;
    dv.setUint32(IDT_BASE + 8 * v, (GDT.kernel32Code << 16) | (target & 0xffff), true);
    dv.setUint32(IDT_BASE + 8 * v + 4, ((target & 0xffff0000) | 0x8e00 | (dpl << 13)) >>> 0, true);
  }
  dv.setUint32(TSS_BASE + 4, STACK0_TOP, true); // ESP0
  dv.setUint32(TSS_BASE + 8, GDT.kernelData, true); // SS0
  dv.setUint16(TSS_BASE + 0x66, 0x68, true); // I/O map base past the limit: no port is permitted
  img.fill(0xf4, STUB_BASE, STUB_BASE + 4 * 256);
  return img;
}

const canaryByte = (i: number): number => (i * 0x9d + 0x3c) & 0xff;

export class RandomRunner {
  readonly ram = new Uint8Array(RAM_SIZE);
  readonly cpu: Cpu;
  private readonly system: Uint8Array;
  private readonly canary = Uint8Array.from({ length: REGION_SIZE }, (_, k) => canaryByte(k));
  private readonly ram32 = new Int32Array(this.ram.buffer, REGION_ADDR, REGION_SIZE / 4);
  private readonly canary32 = new Int32Array(this.canary.buffer);
  /** Cases where HLT at CPL 3 did not raise #GP (the end was recognised by the halt instead). */
  hltAtCpl3 = 0;

  constructor(env: HostEnv) {
    this.system = systemImage(env);
    const mem: PhysicalMemory = { ram: this.ram, mmioRead: () => 0xffffffff, mmioWrite: () => {} };
    const io: IoBus = { read: () => 0xff, write: () => {} };
    this.cpu = new Cpu(mem, io);
  }

  /** Runs case c and fills o. */
  run(c: Case, o: Outcome): void {
    const ram = this.ram, cpu = this.cpu;
    ram.set(this.system, 0);
    ram.set(c.code.subarray(0, c.len), CODE_ADDR);
    ram.fill(0xf4, CODE_ADDR + c.len, CODE_ADDR + c.len + 16);
    // The RAM was written behind the CPU's back: drop what it decoded there.
    const pages = cpu.mmu.codePages;
    if (pages[CODE_ADDR >>> 12]! & PAGE_CODE) cpu.code.onWrite(CODE_ADDR, 64);
    if (pages[REGION_ADDR >>> 12]! & PAGE_CODE) cpu.code.onWrite(REGION_ADDR, REGION_SIZE);
    ram.set(this.canary, REGION_ADDR);
    ram.set(c.data, DATA_ADDR);

    o.problem = '';
    try {
      cpu.halted = false;
      cpu.stopped = null;
      cpu.cr0 = CR0_PE | CR0_ET | CR0_NE;
      cpu.cr4 = 0;
      cpu.setGdtr(GDT_BASE, GDT.limit);
      cpu.setIdtr(IDT_BASE, 256 * 8 - 1);
      cpu.ldtSel = LDT_SEL; cpu.ldtBase = LDT_BASE; cpu.ldtLimit = 0x3f;
      cpu.trSel = TSS_SEL; cpu.trBase = TSS_BASE; cpu.trLimit = 0x67; cpu.trType = 11;
      cpu.setCpl(3);
      loadFromDescriptor(cpu, CS, GDT.userCode, readDescriptor(cpu, GDT.userCode)!);
      loadDataSegment(cpu, SS, GDT.userData);
      loadDataSegment(cpu, ES, c.sel[0]!);
      loadDataSegment(cpu, DS, c.sel[1]!);
      loadDataSegment(cpu, FS, c.sel[2]!);
      loadDataSegment(cpu, GS, c.sel[3]!);
      for (let r = 0; r < 8; r++) cpu.regs[r] = c.regs[r]! | 0;
      cpu.setEflags(c.eflags);
      if (c.hasFpu) cpu.fpu.loadImage(c.fpu); else cpu.fpu.reset();
      cpu.eip = CODE_ADDR;
      cpu.run(cpu.icount + BUDGET);
    } catch (e) {
      o.problem = `the emulator threw ${e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e)} while setting up the case`;
      return;
    }
    if (cpu.stopped) { o.problem = `the emulator stopped: ${JSON.stringify(cpu.stopped)}`; return; }
    if (!cpu.halted) { o.problem = `no end within ${BUDGET} instructions (EIP ${hex(cpu.eip)})`; return; }
    const eip = cpu.eip >>> 0;
    const end = CODE_ADDR + c.len;
    for (let r = 0; r < 8; r++) o.regs[r] = cpu.regs[r]! >>> 0;
    o.sel[0] = cpu.segSel[ES]!; o.sel[1] = cpu.segSel[CS]!; o.sel[2] = cpu.segSel[SS]!;
    o.sel[3] = cpu.segSel[DS]!; o.sel[4] = cpu.segSel[FS]!; o.sel[5] = cpu.segSel[GS]!;
    o.err = 0; o.cr2 = 0;
    if (eip > STUB_BASE && eip <= STUB_BASE + 4 * 256) {
      const v = Math.floor((eip - STUB_BASE) / 4);
      let sp = cpu.regs[4]! >>> 0;
      if (ERROR_CODE_VECTORS & (1 << v)) { o.err = this.rd32(sp); sp += 4; }
      if (sp !== STACK0_TOP - 20) { o.problem = `#${v} delivered with an unexpected ring-0 stack (ESP ${hex(sp)})`; return; }
      const fEip = this.rd32(sp), fCs = this.rd32(sp + 4) & 0xffff, fFlags = this.rd32(sp + 8), fEsp = this.rd32(sp + 12), fSs = this.rd32(sp + 16) & 0xffff;
      o.regs[4] = fEsp;
      o.sel[1] = fCs; o.sel[2] = fSs;
      o.eflags = fFlags;
      if (v === 13 && fEip === end && o.err === 0) { o.status = COMPLETED; o.eipOff = c.len; }
      else { o.status = v; o.eipOff = (fEip - CODE_ADDR) >>> 0; if (v === 14) o.cr2 = cpu.mmu.cr2; }
    } else if (eip === end + 1 && cpu.cpl === 3) {
      this.hltAtCpl3++;
      o.status = COMPLETED; o.eipOff = c.len; o.eflags = cpu.getEflags();
    } else { o.problem = `halted at EIP ${hex(eip)}`; return; }
    o.data.set(ram.subarray(DATA_ADDR, DATA_ADDR + DATA_SIZE));
    const r32 = this.ram32, c32 = this.canary32;
    const d0 = (DATA_ADDR - REGION_ADDR) >>> 2, d1 = d0 + DATA_SIZE / 4;
    for (let k = 0; k < r32.length; k++) {
      if (k === d0) k = d1;
      if (r32[k] !== c32[k]) { o.problem = `wrote outside the data area at ${hex(REGION_ADDR + 4 * k)}`; break; }
    }
    if (c.hasFpu) o.fpu.set(cpu.fpu.saveImage());
  }

  private rd32(a: number): number {
    const m = this.ram;
    return (m[a]! | (m[a + 1]! << 8) | (m[a + 2]! << 16) | (m[a + 3]! << 24)) >>> 0;
  }
}

const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
