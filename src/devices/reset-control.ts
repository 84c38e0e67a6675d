import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState, SystemControl } from './device.js';

const PORT_A = 0x92;
const KBD_DATA = 0x60;
const KBD_STATUS = 0x64;
/** i8042 status: SYS flag (self-test passed) and keyboard not inhibited; both buffers empty. */
const STATUS_IDLE = 0x14;
/** Status bit 3: the last byte written went to the command port. */
const STATUS_CMD = 0x08;

/**
 * The two ways a PC guest asks for a reset, plus the A20 gate they share a register with:
 * - System Control Port A (0x92): bit 0 going from 0 to 1 is a fast reset (system.reset('port
 *   0x92')); bit 1 is the A20 gate. The byte reads back as written. It starts at 0x02: A20
 *   enabled, as the Multiboot specification guarantees on entry.
 * - A minimal i8042 keyboard controller at 0x60/0x64: the status register reads both buffers
 *   empty with the system flag set (0x14, plus bit 3 when the last write was a command); command
 *   0xFE pulses the reset line (system.reset('i8042')), and so, as in QEMU, does every other even
 *   "pulse output port" command 0xF0-0xFE. Every other command and data byte is accepted and
 *   ignored: there is no keyboard, no command byte and no output buffer, so the data port reads 0
 *   and a driver waiting for a reply times out.
 */
export class ResetControl implements Device<ResetControlState> {
  readonly name: string;
  /** Called when the guest changes the A20 gate through port 0x92 bit 1. */
  onA20Change: (enabled: boolean) => void = () => {};
  private portA = 0x02;
  private lastWasCommand = false;

  constructor(
    private readonly system: SystemControl,
    opts: { name?: string } = {},
  ) {
    this.name = opts.name ?? 'reset-control';
  }

  /** Maps 0x92, 0x60 and 0x64 on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(PORT_A, 1, this, `${this.name}-port92`);
    bus.mapPorts(KBD_DATA, 1, this, `${this.name}-i8042`);
    bus.mapPorts(KBD_STATUS, 1, this, `${this.name}-i8042`);
  }

  /** Whether port 0x92 has the A20 gate enabled. */
  get a20Enabled(): boolean {
    return (this.portA & 0x02) !== 0;
  }

  read(port: number, _size: AccessSize): number {
    switch (port) {
      case PORT_A:
        return this.portA;
      case KBD_STATUS:
        return STATUS_IDLE | (this.lastWasCommand ? STATUS_CMD : 0);
      default:
        return 0; // no byte in the output buffer
    }
  }

  write(port: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    if (port === PORT_A) {
      const old = this.portA;
      this.portA = v;
      if ((old ^ v) & 0x02) this.onA20Change((v & 0x02) !== 0);
      if (v & 0x01 && !(old & 0x01)) this.system.reset('port 0x92');
      return;
    }
    this.lastWasCommand = port === KBD_STATUS;
    // 0xF0-0xFF pulse output port bits 0-3 low where the command has 0s; bit 0 is the reset line.
    if (port === KBD_STATUS && v >= 0xf0 && (v & 1) === 0) this.system.reset('i8042');
  }

  saveState(): ResetControlState {
    return { version: 1, portA: this.portA, lastWasCommand: this.lastWasCommand };
  }

  loadState(s: ResetControlState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.portA = s.portA;
    this.lastWasCommand = s.lastWasCommand;
  }
}

export interface ResetControlState extends DeviceState {
  version: 1;
  /** Port 0x92 as last written. */
  portA: number;
  /** i8042 status bit 3. */
  lastWasCommand: boolean;
}
