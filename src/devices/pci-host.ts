import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import type { Device, DeviceState } from './device.js';

const CONFIG_ADDRESS = 0xcf8;

/**
 * PCI configuration mechanism #1 with an empty bus. 0xCF8 is the 32-bit CONFIG_ADDRESS register:
 * dword writes set it and dword reads return it. Only dword accesses at 0xCF8 reach it, as on a
 * real host bridge; byte and word accesses to 0xCF8-0xCFB are ignored on write and read as all
 * ones (so the PIIX reset control register at 0xCF9 does not exist here). CONFIG_DATA at
 * 0xCFC-0xCFF: with no device present every configuration read returns all ones (the vendor ID
 * 0xffff that means "no device") and writes are dropped.
 */
export class PciHost implements Device<PciHostState> {
  readonly name: string;
  private address = 0;

  constructor(opts: { name?: string } = {}) {
    this.name = opts.name ?? 'pci-host';
  }

  /** Maps 0xCF8-0xCFF on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(CONFIG_ADDRESS, 8, this, this.name);
  }

  /** CONFIG_ADDRESS as last written (enable bit 31, bus, device, function, register). */
  get configAddress(): number {
    return this.address;
  }

  read(port: number, size: AccessSize): number {
    if (port === CONFIG_ADDRESS && size === 4) return this.address;
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  write(port: number, size: AccessSize, value: number): void {
    // Stored as written (QEMU's pci_host_config_write does the same); CONFIG_DATA writes go to a
    // device that is not there.
    if (port === CONFIG_ADDRESS && size === 4) this.address = value >>> 0;
  }

  saveState(): PciHostState {
    return { version: 1, configAddress: this.address };
  }

  loadState(s: PciHostState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.address = s.configAddress;
  }
}

export interface PciHostState extends DeviceState {
  version: 1;
  configAddress: number;
}
