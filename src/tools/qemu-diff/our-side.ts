/**
 * Our emulator's side of a differential run: a Machine whose CPU is stepped one instruction (or
 * one interrupt delivery) at a time. The CPU sees no devices: port reads return what QEMU's CPU
 * read (the diff tool takes every input from the reference, see docs/qemu-diff.md), port writes
 * are only logged. At the sync point the whole state is copied from QEMU: RAM and registers.
 */
import type { AccessSize, IoBus } from '../../cpu/buses.js';
import type { Cpu } from '../../cpu/cpu.js';
import { loadCpuState, saveCpuState, type CpuState } from '../../cpu/cpu-state.js';
import { LZ_NONE } from '../../cpu/flags.js';
import { deliverExternalInterrupt } from '../../cpu/interrupts.js';
import { CS, ECX, ESP, SS } from '../../cpu/registers.js';
import { SEG_ATTR_UNUSABLE } from '../../cpu/seg-attr.js';
import { readLinear8, readLinearBytes } from '../../harness/guest-memory-view.js';
import { bootGuest } from '../../harness/run.js';
import type { SymbolTable } from '../../loader/index.js';
import type { Machine } from '../../machine/machine.js';
import type { QSeg, QState } from './qemu-log.js';

/** A port access our CPU made. */
export interface PortAccess {
  icount: number;
  eip: number;
  dir: 'in' | 'out';
  port: number;
  size: AccessSize;
  value: number;
}

/** What an instruction needs from outside the CPU, decided from its opcode before it runs. */
export interface InsnClass {
  /** REP/REPE/REPNE string instruction (QEMU logs one record per iteration). */
  repString: boolean;
  /** 0x67 prefix (CX instead of ECX counts a REP). */
  addr16: boolean;
  /** IN (the value comes from QEMU's state after it). */
  portIn: boolean;
  /** INS: the value lands in memory, which QEMU's log does not show. */
  portInString: boolean;
  rdtsc: boolean;
  rdmsr: boolean;
  cpuid: boolean;
  hlt: boolean;
}

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** Port bus for the CPU: reads answer QEMU's value for the instruction being stepped. */
class ReferenceIo implements IoBus {
  /** The value the next read returns (QEMU's EAX after the instruction). */
  nextIn = 0xffffffff;
  constructor(private readonly log: (a: Omit<PortAccess, 'icount' | 'eip'>) => void) {}
  read(port: number, size: AccessSize): number {
    const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    const value = (this.nextIn & mask) >>> 0;
    this.log({ dir: 'in', port, size, value });
    return value;
  }
  write(port: number, size: AccessSize, value: number): void {
    this.log({ dir: 'out', port, size, value: value >>> 0 });
  }
}

function segAttr(q: QSeg, seg: number): number {
  // A null selector in DS/ES/FS/GS leaves the register unusable (QEMU clears the cache).
  if (seg !== CS && seg !== SS && (q.sel & 0xfffc) === 0 && q.flags === 0) return SEG_ATTR_UNUSABLE;
  return ((q.flags >>> 8) & 0xff) | (((q.flags >>> 20) & 0xf) << 8);
}

export class OurSide {
  readonly machine: Machine;
  readonly cpu: Cpu;
  readonly symbols: SymbolTable | null;
  /** The loader's entry point (where QEMU is stopped to synchronise, unless told otherwise). */
  readonly entry: number;
  private readonly io: ReferenceIo;
  private deliveries = 0;
  /** Port accesses, as they happen (the lockstep keeps the recent ones for reports). */
  onPort: (a: PortAccess) => void = () => {};

  constructor(image: Uint8Array, imageName: string, cmdline: string, memMiB: number) {
    let io: ReferenceIo | null = null;
    const { machine, symbols, entry } = bootGuest({
      image, imageName, cmdline,
      machine: { memMiB },
      hooks: {
        wrapIo: (_inner, ctx) => {
          io = new ReferenceIo((a) => this.onPort({ ...a, icount: ctx.icount(), eip: ctx.eip() }));
          return io;
        },
      },
    });
    this.machine = machine;
    this.cpu = machine.cpu;
    this.symbols = symbols;
    this.entry = entry.entry >>> 0;
    this.io = io!;
    // The block compiler, where the CPU has one, runs a compiled block only whole, which a single
    // step never allows: the steps here are the interpreter's (the reference the compiler is
    // checked against).
    if ('jit' in this.cpu) (this.cpu as unknown as { jit: boolean }).jit = false;
    // Stop right after each delivery through the IDT (an exception, INT n, a trap), so one step
    // is one instruction or one delivery, as QEMU logs them. The CPU counts deliveries in this
    // field; a setter on the instance turns each increment into a stop request.
    const cpu = this.cpu;
    let n = cpu.idtDeliveries;
    Object.defineProperty(cpu, 'idtDeliveries', {
      configurable: true,
      enumerable: true,
      get: () => n,
      set: (v: number) => {
        n = v;
        this.deliveries++;
        cpu.requestStopAt(cpu.icount);
      },
    });
  }

  /** Copies QEMU's RAM and CPU state into ours (the sync point). */
  syncFrom(s: QState, ram: Uint8Array): void {
    const mem = this.machine.memory.ram;
    if (ram.length !== mem.length) throw new Error(`QEMU's RAM snapshot is ${ram.length} bytes, ours ${mem.length}`);
    mem.set(ram);
    // Start from our own saved state (whatever its version holds, e.g. the x87 unit in its
    // reset state) and replace everything QEMU's dump shows.
    const state = saveCpuState(this.cpu);
    Object.assign(state, {
      regs: s.regs.map((v) => v | 0),
      eip: s.eip | 0,
      icount: 0,
      flags: s.eflags | 0,
      lazy: { op: LZ_NONE, a: 0, b: 0, res: 0, size: 0, aux: 0 },
      segments: {
        sel: s.segs.map((q) => q.sel),
        base: s.segs.map((q) => q.base | 0),
        limit: s.segs.map((q) => q.limit),
        attr: s.segs.map((q, k) => segAttr(q, k)),
      },
      cpl: s.cpl,
      gdtr: { base: s.gdtBase | 0, limit: s.gdtLimit },
      idtr: { base: s.idtBase | 0, limit: s.idtLimit },
      ldtr: { sel: s.ldt.sel, base: s.ldt.base | 0, limit: s.ldt.limit },
      tr: { sel: s.tr.sel, base: s.tr.base | 0, limit: s.tr.limit, type: s.tr.sel === 0 ? 0 : (s.tr.flags >>> 8) & 0xf },
      cr0: s.cr0 | 0,
      cr2: s.cr2 | 0,
      cr3: s.cr3 | 0,
      cr4: s.cr4 | 0,
      dr: s.dr.map((v) => v | 0),
      tscOffset: 0,
      halted: false,
      inhibitIcount: s.inhibit ? 0 : -1,
    } satisfies Partial<CpuState>);
    loadCpuState(this.cpu, state);
  }

  /** Number of deliveries through the IDT so far. */
  get deliveryCount(): number {
    return this.deliveries;
  }

  /** Sets the value the next port read returns. */
  setNextIn(value: number): void {
    this.io.nextIn = value >>> 0;
  }

  /**
   * Runs one instruction, or up to the end of a delivery through the IDT if it faults (then no
   * instruction retires) or traps. Returns whether a delivery happened.
   */
  step(): { retired: boolean; delivered: boolean } {
    const cpu = this.cpu;
    const icount = cpu.icount;
    const d = this.deliveries;
    cpu.run(icount + 1);
    return { retired: cpu.icount > icount, delivered: this.deliveries !== d };
  }

  /** Delivers an external interrupt now (QEMU took it at this boundary). */
  interrupt(vector: number): void {
    deliverExternalInterrupt(this.cpu, vector);
  }

  /** The opcode class of the instruction at CS:EIP. */
  classify(): InsnClass {
    const cpu = this.cpu;
    const lin = cpu.segBase[CS] + cpu.eip;
    let rep = false, addr16 = !cpu.code32;
    let k = 0;
    let b = readLinear8(cpu, lin) ?? 0;
    while (PREFIXES.has(b) && k < 14) {
      if (b === 0xf2 || b === 0xf3) rep = true;
      if (b === 0x67) addr16 = !addr16;
      k++;
      b = readLinear8(cpu, (lin + k) | 0) ?? 0;
    }
    let op = b;
    if (b === 0x0f) op = 0x0f00 | (readLinear8(cpu, (lin + k + 1) | 0) ?? 0);
    const string = (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
    return {
      repString: rep && string,
      addr16,
      portIn: op === 0xe4 || op === 0xe5 || op === 0xec || op === 0xed,
      portInString: op === 0x6c || op === 0x6d,
      rdtsc: op === 0x0f31,
      rdmsr: op === 0x0f32,
      cpuid: op === 0x0fa2,
      hlt: op === 0xf4,
    };
  }

  /** Up to 15 code bytes at CS:eip (for reports and the flag mask). */
  codeBytes(eip: number): number[] {
    return readLinearBytes(this.cpu, (this.cpu.segBase[CS] + eip) | 0, 15);
  }

  /** The dword at SS:ESP (an exception's error code right after its delivery), or null. */
  stackTop(): number | null {
    const cpu = this.cpu;
    const bytes = readLinearBytes(cpu, (cpu.segBase[SS] + cpu.regs[ESP]) | 0, 4);
    return bytes.length < 4 ? null : (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  }

  /** ECX (or CX with a 16-bit address size), the count a REP string instruction runs. */
  repCount(addr16: boolean): number {
    const c = this.cpu.regs[ECX];
    return addr16 ? c & 0xffff : c >>> 0;
  }

  setRepCount(addr16: boolean, v: number): void {
    if (addr16) this.cpu.regs16[ECX << 1] = v & 0xffff;
    else this.cpu.regs[ECX] = v | 0;
  }
}
