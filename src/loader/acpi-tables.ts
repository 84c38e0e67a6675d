/**
 * The board's ACPI tables: the smallest set a Linux guest accepts on a legacy PC (PIC, PIT, no
 * APIC) that lets it find one device, the ISA pvpanic port. Written by the loader, like the e820
 * map and the multiboot information: they are boot-time memory contents a firmware would leave
 * for the kernel, fixed bytes at fixed addresses, so every boot is byte-identical.
 *
 *   RSDP  ACPI 1.0 (revision 0, 20 bytes): "RSD PTR ", points at the RSDT.
 *   RSDT  one entry: the FADT. No MADT (no APIC: Linux keeps the 8259 PIC), no HPET, no SSDT.
 *   FADT  revision 3 (ACPI 2.0, 244 bytes), not hardware-reduced (that would make Linux drop the
 *         legacy PIC and PIT): PM1a event/control blocks at 0x600/0x604 (src/devices/acpi-pm.ts),
 *         SCI on IRQ 9, no SMI command port (always in ACPI mode), no PM timer, no GPE, no
 *         reset register, no 8042.
 *   FACS  64 bytes, all zero but signature, length and version: the global lock and the waking
 *         vector live here, and a non-hardware-reduced FADT must point at one.
 *   DSDT  compiled from guests/linux/acpi/dsdt.asl (src/loader/acpi-dsdt.ts): \_SB.PEVT, _HID
 *         "QEMU0001", I/O port 0x505 (QEMU's pvpanic-isa).
 *
 * Layout, all in the BIOS area [0xf0000, 0x100000) that the e820 map reports reserved (the RSDP is
 * 16-byte aligned there, where Linux scans for it; the Linux loader also passes its address in
 * the zero page's acpi_rsdp_addr):
 *   0xf0000 RSDP, 0xf0040 RSDT, 0xf0080 FACS (64-byte aligned), 0xf0100 FADT, 0xf0200 DSDT.
 * docs/linux.md ("ACPI") explains each field.
 */
import { ACPI_DSDT_AML } from './acpi-dsdt.js';

/** Where the tables go: [start, end) is zeroed and then filled. */
export const ACPI_AREA = { start: 0xf0000, end: 0xf1000 } as const;
export const ACPI_RSDP_ADDR = 0xf0000;
export const ACPI_RSDT_ADDR = 0xf0040;
export const ACPI_FACS_ADDR = 0xf0080;
export const ACPI_FADT_ADDR = 0xf0100;
export const ACPI_DSDT_ADDR = 0xf0200;

/** The fixed-feature hardware the FADT describes (src/devices/acpi-pm.ts implements it). */
export const ACPI_PM1A_EVT_BLK = 0x600;
export const ACPI_PM1_EVT_LEN = 4;
export const ACPI_PM1A_CNT_BLK = 0x604;
export const ACPI_PM1_CNT_LEN = 2;
/** The SCI's ISA IRQ (QEMU's choice too). Nothing raises it: there are no events. */
export const ACPI_SCI_IRQ = 9;

/** Identification in every table header (the DSDT's comes from its source, with the same IDs). */
export const ACPI_OEM_ID = 'KREPLY';
export const ACPI_OEM_TABLE_ID = 'KREPLAY ';
export const ACPI_OEM_REVISION = 1;
export const ACPI_CREATOR_ID = 'KRPL';
export const ACPI_CREATOR_REVISION = 1;

export const FADT_REVISION = 3;
export const FADT_LENGTH = 244;

/** FADT Flags (ACPI 2.0 table 5-9). */
export const FADT_FLAG_WBINVD = 1 << 0;
export const FADT_FLAG_PROC_C1 = 1 << 2;
export const FADT_FLAG_PWR_BUTTON = 1 << 4;
export const FADT_FLAG_SLP_BUTTON = 1 << 5;
export const FADT_FLAG_FIX_RTC = 1 << 6;
/** FADT IAPC_BOOT_ARCH (ACPI 2.0 table 5-10). */
export const BOOT_ARCH_LEGACY_DEVICES = 1 << 0;
export const BOOT_ARCH_8042 = 1 << 1;
export const BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
export const BOOT_ARCH_MSI_NOT_SUPPORTED = 1 << 3;

/** One table: its name, where it goes, its bytes. */
export interface AcpiTable {
  readonly name: 'RSDP' | 'RSDT' | 'FACS' | 'FADT' | 'DSDT';
  readonly address: number;
  readonly bytes: Uint8Array;
}

/** The byte that makes `bytes` sum to 0 mod 256 when stored at the checksum offset (held 0 while summing). */
export function acpiChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

function ascii(b: Uint8Array, at: number, s: string, len: number): void {
  if (s.length !== len || !/^[\x20-\x7e]*$/.test(s)) throw new Error(`ACPI: "${s}" is not ${len} printable ASCII characters`);
  for (let k = 0; k < len; k++) b[at + k] = s.charCodeAt(k);
}

/** The 36-byte header every system description table starts with; the checksum is filled last. */
function sdt(signature: string, length: number, revision: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  ascii(bytes, 0, signature, 4);
  view.setUint32(4, length, true);
  bytes[8] = revision;
  ascii(bytes, 10, ACPI_OEM_ID, 6);
  ascii(bytes, 16, ACPI_OEM_TABLE_ID, 8);
  view.setUint32(24, ACPI_OEM_REVISION, true);
  ascii(bytes, 28, ACPI_CREATOR_ID, 4);
  view.setUint32(32, ACPI_CREATOR_REVISION, true);
  return { bytes, view };
}

function sealed(bytes: Uint8Array, checksumAt: number, length = bytes.length): Uint8Array {
  bytes[checksumAt] = 0;
  bytes[checksumAt] = acpiChecksum(bytes.subarray(0, length));
  return bytes;
}

function rsdp(): Uint8Array {
  const b = new Uint8Array(20);
  ascii(b, 0, 'RSD PTR ', 8);
  ascii(b, 9, ACPI_OEM_ID, 6);
  b[15] = 0; // revision 0: ACPI 1.0, RSDT only (no XSDT, no extended checksum)
  new DataView(b.buffer).setUint32(16, ACPI_RSDT_ADDR, true);
  return sealed(b, 8);
}

function rsdt(): Uint8Array {
  const { bytes, view } = sdt('RSDT', 36 + 4, 1);
  view.setUint32(36, ACPI_FADT_ADDR, true);
  return sealed(bytes, 9);
}

function facs(): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  ascii(b, 0, 'FACS', 4);
  v.setUint32(4, 64, true);
  // Hardware signature 0, firmware waking vector 0, global lock 0, flags 0 (no S4BIOS),
  // X firmware waking vector 0.
  b[32] = 1; // version 1 (ACPI 2.0); no checksum in the FACS
  return b;
}

function fadt(): Uint8Array {
  const { bytes, view } = sdt('FACP', FADT_LENGTH, FADT_REVISION);
  view.setUint32(36, ACPI_FACS_ADDR, true); // FIRMWARE_CTRL
  view.setUint32(40, ACPI_DSDT_ADDR, true); // DSDT
  // 44 reserved (ACPI 1.0 INT_MODEL), 45 Preferred_PM_Profile 0 (unspecified)
  view.setUint16(46, ACPI_SCI_IRQ, true); // SCI_INT
  // 48 SMI_CMD 0: no SMI command port, the hardware is always in ACPI mode, so ACPI_ENABLE (52),
  // ACPI_DISABLE (53), S4BIOS_REQ (54) and PSTATE_CNT (55) are 0 too.
  view.setUint32(56, ACPI_PM1A_EVT_BLK, true); // PM1a_EVT_BLK
  // 60 PM1b_EVT_BLK 0
  view.setUint32(64, ACPI_PM1A_CNT_BLK, true); // PM1a_CNT_BLK
  // 68 PM1b_CNT_BLK, 72 PM2_CNT_BLK, 76 PM_TMR_BLK, 80 GPE0_BLK, 84 GPE1_BLK: all 0 (none)
  bytes[88] = ACPI_PM1_EVT_LEN;
  bytes[89] = ACPI_PM1_CNT_LEN;
  // 90 PM2_CNT_LEN, 91 PM_TMR_LEN, 92 GPE0_BLK_LEN, 93 GPE1_BLK_LEN, 94 GPE1_BASE, 95 CST_CNT: 0
  view.setUint16(96, 0x0fff, true); // P_LVL2_LAT > 100: no C2
  view.setUint16(98, 0x0fff, true); // P_LVL3_LAT > 1000: no C3
  // 100 FLUSH_SIZE, 102 FLUSH_STRIDE (unused with WBINVD), 104 DUTY_OFFSET, 105 DUTY_WIDTH,
  // 106 DAY_ALRM, 107 MON_ALRM, 108 CENTURY: 0 (no duty cycle control, no RTC alarm or century
  // register advertised)
  view.setUint16(109, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_SUPPORTED, true); // IAPC_BOOT_ARCH
  view.setUint32(112, FADT_FLAG_WBINVD | FADT_FLAG_PROC_C1 | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON | FADT_FLAG_FIX_RTC, true);
  // 116 RESET_REG (GAS) and 128 RESET_VALUE: 0 (RESET_REG_SUP is clear).
  // 132 X_FIRMWARE_CTRL, 140 X_DSDT and the X_ blocks (148-243): 0, so the 32-bit fields above
  // are the only addresses (ACPICA builds its 64-bit register descriptions from them).
  return sealed(bytes, 9);
}

function dsdt(): Uint8Array {
  const b = new Uint8Array(ACPI_DSDT_AML);
  const v = new DataView(b.buffer);
  if (String.fromCharCode(...b.subarray(0, 4)) !== 'DSDT' || v.getUint32(4, true) !== b.length) throw new Error('ACPI: the embedded DSDT AML is not a DSDT');
  if (acpiChecksum(b) !== 0) throw new Error('ACPI: the embedded DSDT AML has a bad checksum');
  return b;
}

/** Every table with its address, in address order. Pure: the same bytes on every call. */
export function buildAcpiTables(): AcpiTable[] {
  const tables: AcpiTable[] = [
    { name: 'RSDP', address: ACPI_RSDP_ADDR, bytes: rsdp() },
    { name: 'RSDT', address: ACPI_RSDT_ADDR, bytes: rsdt() },
    { name: 'FACS', address: ACPI_FACS_ADDR, bytes: facs() },
    { name: 'FADT', address: ACPI_FADT_ADDR, bytes: fadt() },
    { name: 'DSDT', address: ACPI_DSDT_ADDR, bytes: dsdt() },
  ];
  tables.forEach((t, k) => {
    const next = k + 1 < tables.length ? tables[k + 1].address : ACPI_AREA.end;
    if (t.address + t.bytes.length > next) throw new Error(`ACPI: the ${t.name} (${t.bytes.length} bytes) overlaps what follows it`);
  });
  return tables;
}

/**
 * Writes the tables into `ram` (zeroing [ACPI_AREA.start, ACPI_AREA.end) first, so its contents
 * depend on nothing else) and returns the RSDP's address.
 */
export function writeAcpiTables(ram: Uint8Array): number {
  if (ram.length < ACPI_AREA.end) throw new RangeError('ACPI: RAM ends below the BIOS area');
  ram.fill(0, ACPI_AREA.start, ACPI_AREA.end);
  for (const t of buildAcpiTables()) ram.set(t.bytes, t.address);
  return ACPI_RSDP_ADDR;
}
