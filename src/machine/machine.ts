import type { AccessSize, IoBus, PhysicalMemory } from '../cpu/buses.js';
import { Cpu } from '../cpu/cpu.js';
import { deliverExternalInterrupt } from '../cpu/interrupts.js';
import { IF } from '../cpu/registers.js';
import { AcpiPm } from '../devices/acpi-pm.js';
import { CmosRtc } from '../devices/cmos-rtc.js';
import { DebugExit } from '../devices/debug-exit.js';
import type { SystemControl } from '../devices/device.js';
import { PciHost } from '../devices/pci-host.js';
import { Pic8259 } from '../devices/pic8259.js';
import { Pit8254 } from '../devices/pit8254.js';
import { PostPort } from '../devices/post-port.js';
import { decodePvpanic, Pvpanic } from '../devices/pvpanic.js';
import { ResetControl } from '../devices/reset-control.js';
import { Uart16550 } from '../devices/uart16550.js';
import { Clock } from './clock.js';
import { GuestMemory } from './mmio-map.js';
import type { Outcome } from './outcome.js';
import { PortBus } from './port-bus.js';
import type { Icount } from './units.js';

/** Everything that defines the virtual PC (recorded in a trace header). */
export interface MachineConfig {
  /** Guest RAM in MiB (default 32). */
  memMiB: number;
  /** Virtual nanoseconds per instruction (default 1: a 1 GHz clock). */
  nsPerInsn: number;
  /** RTC time at icount 0, in Unix seconds (default 2000-01-01T00:00:00Z, never the host clock). */
  rtcEpoch: number;
  /**
   * The board has ACPI (default false; Linux boots turn it on): the PM1 registers (device
   * `acpi-pm`, src/devices/acpi-pm.ts) and, written at boot, the firmware tables that describe
   * them and the pvpanic port (src/loader/acpi-tables.ts). False is never stored: a board without
   * ACPI has a config without the key, as before ACPI existed, so its traces are unchanged.
   */
  acpi?: boolean;
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = Object.freeze({ memMiB: 32, nsPerInsn: 1, rtcEpoch: 946684800 });

/** Names of the devices on the board, for trace headers and reports. */
export const DEVICE_LIST = ['pic', 'pit', 'com1', 'rtc', 'pvpanic', 'debug-exit', 'reset-control', 'post', 'pci-host'] as const;
/** The device an ACPI board adds after DEVICE_LIST (a trace's device list says whether it had ACPI). */
export const ACPI_DEVICE = 'acpi-pm';

/** The devices on a board with `config`, in wiring order (as trace headers list them). */
export function deviceNames(config: Pick<MachineConfig, 'acpi'>): string[] {
  return config.acpi === true ? [...DEVICE_LIST, ACPI_DEVICE] : [...DEVICE_LIST];
}

/**
 * The config of the board a trace header's machine section describes; ACPI is on when its device
 * list has ACPI_DEVICE (given as false otherwise, so a replayed Linux boot recorded without ACPI
 * stays without it).
 */
export function machineConfigOf(m: { memMiB: number; nsPerInsn: number; rtcEpoch: number; devices: readonly string[] }): MachineConfig {
  return { memMiB: m.memMiB, nsPerInsn: m.nsPerInsn, rtcEpoch: m.rtcEpoch, acpi: m.devices.includes(ACPI_DEVICE) };
}

/** Where the CPU is, for hooks that log or check accesses. */
export interface AccessContext {
  /** icount of the instruction making the access (retired instructions before it). */
  icount(): Icount;
  /** EIP of the instruction making the access. */
  eip(): number;
}

/** The MMIO side of physical memory, as the CPU reaches it. */
export interface MmioBus {
  read(addr: number, size: AccessSize): number;
  write(addr: number, size: AccessSize, value: number): void;
}

/** Board-level events that are not bus accesses (the interrupt controller's INTA, device signals). */
export type BoardEvent =
  | { kind: 'interrupt'; vector: number }
  | { kind: 'pvpanic'; bits: number }
  | { kind: 'debug-exit'; code: number };

/**
 * Hooks that let record/replay sit on the I/O seam (DESIGN.md) without the CPU or the devices
 * knowing: the port bus and the MMIO side as the CPU sees them can be wrapped, and board events
 * observed. Recording logs through them; replay checks through them.
 */
export interface MachineHooks {
  /** Wraps the port bus as the CPU sees it. */
  wrapIo?: (inner: IoBus, ctx: AccessContext) => IoBus;
  /** Wraps MMIO accesses (physical addresses outside RAM) as the CPU makes them. */
  wrapMmio?: (inner: MmioBus, ctx: AccessContext) => MmioBus;
  /** Called for each board event, at the icount and EIP where it happens. */
  onBoardEvent?: (e: BoardEvent, icount: Icount, eip: number) => void;
}

/**
 * The PC board: CPU, RAM, port bus, the only clock, and the devices wired to their IRQ lines. It
 * turns device signals (debug-exit, pvpanic, reset) and CPU stops into run outcomes, and runs the
 * CPU between clock events so every interrupt lands at the same icount on every run.
 */
export class Machine implements SystemControl {
  readonly config: MachineConfig;
  readonly memory: GuestMemory;
  readonly ports = new PortBus();
  readonly cpu: Cpu;
  readonly clock: Clock;
  readonly pic: Pic8259;
  readonly pit: Pit8254;
  readonly uart: Uart16550;
  readonly rtc: CmosRtc;
  readonly pvpanic: Pvpanic;
  readonly debugExit: DebugExit;
  readonly resetControl: ResetControl;
  readonly post: PostPort;
  readonly pci: PciHost;
  /** The ACPI PM1 registers, on ACPI boards only (config.acpi). */
  readonly acpiPm: AcpiPm | null;
  /** Bytes the guest writes to COM1. */
  onConsole: (byte: number) => void = () => {};
  private pending: Outcome | null = null;
  private pauseRequested = false;
  private readonly hooks: MachineHooks;

  constructor(config: Partial<MachineConfig> = {}, hooks: MachineHooks = {}) {
    this.config = { ...DEFAULT_MACHINE_CONFIG, ...config };
    if (this.config.acpi !== true) delete this.config.acpi;
    const { memMiB } = this.config;
    if (!Number.isInteger(memMiB) || memMiB < 2 || memMiB > 3072) throw new RangeError(`memory must be 2..3072 MiB, got ${memMiB}`);
    this.memory = new GuestMemory(memMiB * 1024 * 1024);
    this.hooks = hooks;
    const ctx: AccessContext = { icount: () => this.cpu.icount, eip: () => this.cpu.insnEip >>> 0 };
    const io = hooks.wrapIo ? hooks.wrapIo(this.ports, ctx) : this.ports;
    let physical: PhysicalMemory = this.memory;
    if (hooks.wrapMmio) {
      const memory = this.memory;
      const mmio = hooks.wrapMmio({ read: (a, s) => memory.mmioRead(a, s), write: (a, s, v) => memory.mmioWrite(a, s, v) }, ctx);
      physical = { ram: memory.ram, mmioRead: (a, s) => mmio.read(a, s), mmioWrite: (a, s, v) => mmio.write(a, s, v) };
    }
    this.cpu = new Cpu(physical, io);
    const cpu = this.cpu;
    this.clock = new Clock(() => cpu.icount, this.config.nsPerInsn);
    this.clock.onDeadlineLowered = (at) => cpu.requestStopAt(at);

    this.pic = new Pic8259();
    this.pic.onIntrChange = (asserted) => {
      cpu.irqAsserted = asserted;
      if (asserted && (cpu.flags & IF) !== 0) cpu.requestStop();
    };
    this.pit = new Pit8254(this.clock, this.pic.irqLine(0));
    this.uart = new Uart16550(this.clock, this.pic.irqLine(4), { onTransmit: (b) => this.onConsole(b) });
    this.rtc = new CmosRtc(this.clock, { epochSeconds: this.config.rtcEpoch, ramBytes: this.memory.ram.length, irq: this.pic.irqLine(8) });
    this.pvpanic = new Pvpanic(this);
    this.debugExit = new DebugExit(this);
    this.resetControl = new ResetControl(this);
    this.post = new PostPort();
    this.pci = new PciHost();
    for (const d of [this.pic, this.pit, this.uart, this.rtc, this.pvpanic, this.debugExit, this.resetControl, this.post, this.pci]) {
      d.register(this.ports);
    }
    this.acpiPm = this.config.acpi === true ? new AcpiPm({ name: ACPI_DEVICE }) : null;
    this.acpiPm?.register(this.ports);
  }

  // ---- SystemControl: device signals become outcomes ----------------------------------------------

  exit(code: number): void {
    this.hooks.onBoardEvent?.({ kind: 'debug-exit', code: code >>> 0 }, this.cpu.icount, this.cpu.insnEip >>> 0);
    this.finish({ kind: 'exit', code: code >>> 0, ...this.where() });
  }

  reset(source: string): void {
    this.finish({ kind: 'reset', source, ...this.where() });
  }

  pvpanicEvent(bits: number): void {
    this.hooks.onBoardEvent?.({ kind: 'pvpanic', bits }, this.cpu.icount, this.cpu.insnEip >>> 0);
    const event = decodePvpanic(bits);
    if (event === 'panicked' || event === 'crash-loaded') {
      this.finish({ kind: 'panic', source: 'pvpanic', bits, message: null, ...this.where() });
    } else if (event === 'shutdown') {
      this.finish({ kind: 'shutdown', bits, ...this.where() });
    }
  }

  /** Ends the run with `outcome` after the instruction in progress (the first outcome wins). */
  finish(outcome: Outcome): void {
    if (this.pending === null) this.pending = outcome;
    this.cpu.requestStop();
  }

  /** The instruction being executed (or about to be): its icount and EIP. */
  where(): { icount: Icount; eip: number } {
    return { icount: this.cpu.icount, eip: this.cpu.insnEip >>> 0 };
  }

  /**
   * Makes run() return null after the instruction in progress, without an outcome (a debugger's
   * break: watchpoints use it).
   */
  requestPause(): void {
    this.pauseRequested = true;
    this.cpu.requestStop();
  }

  /** The outcome reached so far, if any. */
  get outcome(): Outcome | null {
    return this.pending;
  }

  // ---- running --------------------------------------------------------------------------------------

  /**
   * Runs until an outcome or until icount reaches `limit`; returns the outcome, or null at the
   * limit (the caller decides whether that is a timeout or a pause). Between instructions it fires
   * due timers, delivers a pending interrupt when EFLAGS.IF and the STI/MOV SS shadow allow, and
   * fast-forwards the clock to the next timer while the CPU is halted.
   */
  run(limit: Icount): Outcome | null {
    const cpu = this.cpu;
    const clock = this.clock;
    cpu.compileHotBlocks();
    while (this.pending === null) {
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return null;
      }
      clock.fireDue();
      if (this.pending !== null) break;
      if (cpu.stopped !== null) {
        const s = cpu.stopped;
        this.pending = s.kind === 'triple-fault'
          ? { kind: 'triple-fault', detail: s.detail, icount: cpu.icount, eip: s.eip }
          : { kind: 'unsupported', bytes: s.bytes, detail: s.detail, icount: cpu.icount, eip: s.eip };
        break;
      }
      if (cpu.icount >= limit) return null;
      if ((cpu.flags & IF) !== 0 && this.pic.intr()) {
        if (!cpu.interruptible()) {
          // Inside the STI / MOV SS shadow: run exactly one instruction, then look again.
          cpu.run(cpu.icount + 1);
          continue;
        }
        cpu.insnEip = cpu.eip;
        const vector = this.pic.acknowledge();
        this.hooks.onBoardEvent?.({ kind: 'interrupt', vector }, cpu.icount, cpu.eip >>> 0);
        deliverExternalInterrupt(cpu, vector);
        continue;
      }
      const next = clock.nextDeadline();
      if (cpu.halted) {
        if ((cpu.flags & IF) === 0 || next === Infinity) {
          this.pending = { kind: 'halted', interruptsEnabled: (cpu.flags & IF) !== 0, icount: cpu.icount, eip: cpu.insnEip >>> 0 };
          break;
        }
        // Idle: nothing happens until the next timer, so skip straight to it (DESIGN.md: HLT
        // fast-forwards the clock).
        cpu.icount = Math.min(next, limit);
        continue;
      }
      cpu.run(Math.min(next, limit));
    }
    return this.pending;
  }
}
