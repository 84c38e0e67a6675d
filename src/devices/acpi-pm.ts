import type { AccessSize } from '../cpu/buses.js';
import type { PortBus } from '../machine/port-bus.js';
import { ACPI_PM1_CNT_LEN, ACPI_PM1_EVT_LEN, ACPI_PM1A_CNT_BLK, ACPI_PM1A_EVT_BLK } from '../loader/acpi-tables.js';
import type { Device, DeviceState } from './device.js';

const BASE = ACPI_PM1A_EVT_BLK;
if (ACPI_PM1A_CNT_BLK !== BASE + ACPI_PM1_EVT_LEN) throw new Error('acpi-pm: the PM1a control block must follow the event block');

/**
 * PM1_EN bits that exist here (ACPI 6.5, 4.8.3.1.2): TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN
 * and PCIEXP_WAKE_DIS. They hold what is written (an OS checks that an enable bit sticks before it
 * trusts the event), but no event source is wired: no status bit is ever set and the SCI is never
 * raised.
 */
const PM1_EN_MASK = 0x0001 | 0x0020 | 0x0100 | 0x0200 | 0x0400 | 0x4000;
/** PM1_CNT: SCI_EN (bit 0) always reads 1: the board is in ACPI mode from reset (no SMI_CMD). */
const SCI_EN = 0x0001;
/** PM1_CNT bits that read back as written: BM_RLD (1) and SLP_TYPx (10-12). */
const PM1_CNT_STORED = 0x0002 | 0x1c00;

/**
 * The ACPI fixed-feature hardware a non-hardware-reduced FADT must describe, and nothing more: the
 * PM1a event block (PM1_STS, PM1_EN) and the PM1a control block (PM1_CNT) at 0x600-0x605, where
 * the FADT (src/loader/acpi-tables.ts) puts them. There is no PM timer, no GPE block, no SMI
 * command port and no second (b) block. Only ACPI boards have it (MachineConfig.acpi).
 *
 * - PM1_STS (0x600) reads 0: no fixed event ever happens (no timer, buttons or RTC alarm are
 *   wired), so its write-1-to-clear bits have nothing to clear.
 * - PM1_EN (0x602) holds the defined enable bits as written.
 * - PM1_CNT (0x604) reads SCI_EN = 1, plus BM_RLD and SLP_TYPx as written; GBL_RLS and SLP_EN are
 *   write-only and do nothing (no firmware takes the global lock, and with no _Sx object in the
 *   DSDT an OS never asks to sleep).
 *
 * The SCI (IRQ 9 in the FADT) is never asserted. Accesses of any width are taken byte by byte,
 * as on real hardware.
 */
export class AcpiPm implements Device<AcpiPmState> {
  readonly name: string;
  private en = 0;
  private cnt = 0;

  constructor(opts: { name?: string } = {}) {
    this.name = opts.name ?? 'acpi-pm';
  }

  /** Maps 0x600-0x605 on `bus`. */
  register(bus: PortBus): void {
    bus.mapPorts(ACPI_PM1A_EVT_BLK, ACPI_PM1_EVT_LEN + ACPI_PM1_CNT_LEN, this, this.name);
  }

  /** PM1_EN as last written (masked to the defined bits). */
  get pm1Enable(): number {
    return this.en;
  }

  read(port: number, size: AccessSize): number {
    let v = 0;
    for (let k = 0; k < size; k++) v |= this.readByte(port + k) << (8 * k);
    return v >>> 0;
  }

  write(port: number, size: AccessSize, value: number): void {
    for (let k = 0; k < size; k++) this.writeByte(port + k, (value >>> (8 * k)) & 0xff);
  }

  private readByte(port: number): number {
    switch (port - BASE) {
      case 2: return this.en & 0xff;
      case 3: return this.en >>> 8;
      case 4: return (this.cnt | SCI_EN) & 0xff;
      case 5: return (this.cnt | SCI_EN) >>> 8;
      default: return 0; // PM1_STS, and bytes past the blocks on a wide access
    }
  }

  private writeByte(port: number, b: number): void {
    switch (port - BASE) {
      case 2: this.en = (this.en & 0xff00) | (b & PM1_EN_MASK & 0xff); break;
      case 3: this.en = (this.en & 0x00ff) | ((b << 8) & PM1_EN_MASK & 0xff00); break;
      case 4: this.cnt = (this.cnt & 0xff00) | (b & PM1_CNT_STORED & 0xff); break;
      case 5: this.cnt = (this.cnt & 0x00ff) | ((b << 8) & PM1_CNT_STORED & 0xff00); break;
      default: break; // PM1_STS: write 1 to clear, and no bit is ever set
    }
  }

  saveState(): AcpiPmState {
    return { version: 1, pm1Enable: this.en, pm1Control: this.cnt };
  }

  loadState(s: AcpiPmState): void {
    if (s.version !== 1) throw new Error(`${this.name}: unsupported state version ${s.version}`);
    this.en = s.pm1Enable & PM1_EN_MASK;
    this.cnt = s.pm1Control & PM1_CNT_STORED;
  }
}

export interface AcpiPmState extends DeviceState {
  version: 1;
  /** PM1_EN as written (defined bits only). */
  pm1Enable: number;
  /** The PM1_CNT bits that read back (BM_RLD, SLP_TYPx); SCI_EN is not stored. */
  pm1Control: number;
}
