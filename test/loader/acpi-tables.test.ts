/**
 * The board's ACPI tables (src/loader/acpi-tables.ts): found where Linux looks, checksummed, laid
 * out as documented, describing exactly the hardware the acpi-pm device implements, and present
 * only on ACPI boards (Linux boots by default, never a multiboot guest unless asked).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACPI_AREA, ACPI_DSDT_ADDR, ACPI_FACS_ADDR, ACPI_FADT_ADDR, ACPI_RSDP_ADDR, ACPI_RSDT_ADDR, acpiChecksum, buildAcpiTables,
  writeAcpiTables,
} from '../../src/loader/acpi-tables.js';
import { ACPI_DSDT_AML } from '../../src/loader/acpi-dsdt.js';
import { pcMemoryMap, MMAP_RESERVED } from '../../src/loader/boot-area.js';
import { LINUX_ZERO_PAGE } from '../../src/loader/linux-boot.js';
import { deviceNames, DEVICE_LIST, Machine, machineConfigOf } from '../../src/machine/machine.js';
import { bootGuest } from '../../src/harness/run.js';
import { dsdtModule } from '../../src/tools/gen-acpi-dsdt.js';
import { repo } from '../helpers/cli.js';

const u8 = (b: Uint8Array, o: number): number => b[o];
const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const text = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));
const sum = (b: Uint8Array): number => b.reduce((s, x) => (s + x) & 0xff, 0);

function ramWithTables(): Uint8Array {
  const ram = new Uint8Array(2 << 20);
  writeAcpiTables(ram);
  return ram;
}

/** ACPICA's acpi_tb_scan_memory_for_rsdp over the BIOS area, as Linux does without acpi_rsdp_addr. */
function scanForRsdp(ram: Uint8Array): number | null {
  for (let a = 0xe0000; a < 0x100000; a += 16) {
    if (text(ram, a, 8) === 'RSD PTR ' && sum(ram.subarray(a, a + 20)) === 0) return a;
  }
  return null;
}

/** A system description table at `addr`: its bytes by its own length field. */
function table(ram: Uint8Array, addr: number): Uint8Array {
  return ram.subarray(addr, addr + u32(ram, addr + 4));
}

describe('ACPI tables', () => {
  it('the RSDP is found by the BIOS-area scan, ACPI 1.0, pointing at the RSDT', () => {
    const ram = ramWithTables();
    expect(scanForRsdp(ram)).toBe(ACPI_RSDP_ADDR);
    expect(ACPI_RSDP_ADDR % 16).toBe(0);
    expect(text(ram, ACPI_RSDP_ADDR + 9, 6)).toBe('KREPLY');
    expect(u8(ram, ACPI_RSDP_ADDR + 15)).toBe(0); // revision 0: 20 bytes, RSDT only
    expect(u32(ram, ACPI_RSDP_ADDR + 16)).toBe(ACPI_RSDT_ADDR);
  });

  it('every table has its signature, length and a zero byte sum', () => {
    const ram = ramWithTables();
    const expected: [number, string, number, number][] = [
      [ACPI_RSDT_ADDR, 'RSDT', 40, 1],
      [ACPI_FADT_ADDR, 'FACP', 244, 3],
      [ACPI_DSDT_ADDR, 'DSDT', ACPI_DSDT_AML.length, 2],
    ];
    for (const [addr, sig, len, rev] of expected) {
      const t = table(ram, addr);
      expect(text(t, 0, 4)).toBe(sig);
      expect(t.length).toBe(len);
      expect(u8(t, 8)).toBe(rev);
      expect(sum(t)).toBe(0);
      expect(text(t, 10, 6)).toBe('KREPLY');
      expect(text(t, 16, 8)).toBe('KREPLAY ');
      expect(u32(t, 24)).toBe(1);
    }
    for (const t of buildAcpiTables()) if (t.name !== 'FACS') expect(acpiChecksum(t.bytes.subarray(0, t.name === 'RSDP' ? 20 : t.bytes.length))).toBe(0);
  });

  it('the RSDT lists the FADT only (no MADT: no APIC; no HPET, no SSDT)', () => {
    const rsdt = table(ramWithTables(), ACPI_RSDT_ADDR);
    expect((rsdt.length - 36) / 4).toBe(1);
    expect(u32(rsdt, 36)).toBe(ACPI_FADT_ADDR);
  });

  it('the FADT: legacy (not hardware-reduced) hardware with PM1a at 0x600/0x604, SCI 9, no SMI, timer, GPE or reset register', () => {
    const f = table(ramWithTables(), ACPI_FADT_ADDR);
    expect(u32(f, 36)).toBe(ACPI_FACS_ADDR); // FIRMWARE_CTRL
    expect(u32(f, 40)).toBe(ACPI_DSDT_ADDR); // DSDT
    expect(u16(f, 46)).toBe(9); // SCI_INT
    expect(u32(f, 48)).toBe(0); // SMI_CMD: always in ACPI mode
    expect([u8(f, 52), u8(f, 53)]).toEqual([0, 0]); // ACPI_ENABLE, ACPI_DISABLE
    expect(u32(f, 56)).toBe(0x600); // PM1a_EVT_BLK
    expect(u32(f, 64)).toBe(0x604); // PM1a_CNT_BLK
    for (const o of [60, 68, 72, 76, 80, 84]) expect(u32(f, o)).toBe(0); // PM1b, PM2, PM_TMR, GPE0, GPE1
    expect([u8(f, 88), u8(f, 89), u8(f, 90), u8(f, 91), u8(f, 92), u8(f, 93)]).toEqual([4, 2, 0, 0, 0, 0]);
    const bootArch = u16(f, 109);
    expect(bootArch & 0x2).toBe(0); // no 8042
    expect(bootArch & 0x1).toBe(1); // legacy ISA devices (PIC, PIT, RTC, COM1)
    expect(bootArch & 0x20).toBe(0); // the CMOS RTC is there
    const flags = u32(f, 112);
    expect(flags & (1 << 20)).toBe(0); // not HW_REDUCED_ACPI: Linux would drop the 8259 PIC and the PIT
    expect(flags & (1 << 10)).toBe(0); // no RESET_REG
    expect(flags & 0x30).toBe(0x30); // no fixed power/sleep buttons
    expect(f.subarray(116, 244).every((b) => b === 0)).toBe(true); // RESET_REG, X_ fields: all zero
  });

  it('the FACS: 64 bytes, 64-byte aligned, version 1', () => {
    const ram = ramWithTables();
    expect(ACPI_FACS_ADDR % 64).toBe(0);
    expect(text(ram, ACPI_FACS_ADDR, 4)).toBe('FACS');
    expect(u32(ram, ACPI_FACS_ADDR + 4)).toBe(64);
    expect(u8(ram, ACPI_FACS_ADDR + 32)).toBe(1);
  });

  it('the DSDT is guests/linux/acpi/dsdt.aml, and src/loader/acpi-dsdt.ts is generated from it', () => {
    const aml = new Uint8Array(readFileSync(repo('guests/linux/acpi/dsdt.aml')));
    expect(Buffer.from(ACPI_DSDT_AML).equals(Buffer.from(aml))).toBe(true);
    expect(readFileSync(repo('src/loader/acpi-dsdt.ts'), 'utf8')).toBe(dsdtModule(aml, 'dsdt.aml'));
    // _HID "QEMU0001" and _CRS IO(Decode16, 0x505, 0x505, 1, 1): QEMU's pvpanic-isa.
    expect(Buffer.from(aml).includes(Buffer.from('QEMU0001\0', 'latin1'))).toBe(true);
    expect(Buffer.from(aml).includes(Buffer.from([0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01]))).toBe(true);
    expect(readFileSync(repo('guests/linux/acpi/dsdt.asl'), 'utf8')).toMatch(/Name \(_HID, "QEMU0001"\)/);
  });

  it('all tables lie in the BIOS area the e820 map reports reserved, without overlapping', () => {
    const reserved = pcMemoryMap(128 << 20).filter((e) => e.type === MMAP_RESERVED);
    const tables = buildAcpiTables();
    for (const t of tables) {
      expect(reserved.some((e) => t.address >= e.base && t.address + t.bytes.length <= e.base + e.length)).toBe(true);
      expect(t.address >= ACPI_AREA.start && t.address + t.bytes.length <= ACPI_AREA.end).toBe(true);
    }
    const sorted = [...tables].sort((a, b) => a.address - b.address);
    sorted.slice(1).forEach((t, k) => expect(sorted[k].address + sorted[k].bytes.length).toBeLessThanOrEqual(t.address));
  });

  it('writing them is deterministic and touches only the ACPI area', () => {
    const a = ramWithTables();
    const b = new Uint8Array(2 << 20).fill(0x5a);
    expect(writeAcpiTables(b)).toBe(ACPI_RSDP_ADDR);
    expect(Buffer.from(a.subarray(ACPI_AREA.start, ACPI_AREA.end)).equals(Buffer.from(b.subarray(ACPI_AREA.start, ACPI_AREA.end)))).toBe(true);
    expect(b[ACPI_AREA.start - 1]).toBe(0x5a);
    expect(b[ACPI_AREA.end]).toBe(0x5a);
  });
});

/** A minimal bzImage: boot sector + one setup sector with the "HdrS" header, then 512 bytes of code. */
function tinyBzImage(version: number): Uint8Array {
  const b = new Uint8Array(3 * 512);
  const v = new DataView(b.buffer);
  b[0x1f1] = 1; // setup_sects
  v.setUint16(0x1fe, 0xaa55, true);
  b[0x201] = 0x6a; // header length from 0x202
  v.setUint32(0x202, 0x53726448, true); // "HdrS"
  v.setUint16(0x206, version, true);
  v.setUint32(0x214, 0x100000, true); // code32_start
  v.setUint32(0x22c, 0x37ffffff, true); // initrd_addr_max
  v.setUint32(0x238, 2048, true); // cmdline_size
  v.setUint32(0x260, 0x1000, true); // init_size
  b.fill(0xf4, 1024); // the "kernel": HLT
  return b;
}

describe('which boards have ACPI', () => {
  it('a Linux boot has it by default: device acpi-pm, tables, and acpi_rsdp_addr in the zero page (protocol 2.14+)', () => {
    const { machine } = bootGuest({ image: tinyBzImage(0x020f), machine: { memMiB: 32 } });
    expect(machine.config.acpi).toBe(true);
    expect(machine.acpiPm).not.toBeNull();
    expect(machine.ports.ownerOf(0x600)).toBe('acpi-pm');
    const ram = machine.memory.ram;
    expect(scanForRsdp(ram)).toBe(ACPI_RSDP_ADDR);
    expect(u32(ram, LINUX_ZERO_PAGE + 0x70)).toBe(ACPI_RSDP_ADDR);
    expect(u32(ram, LINUX_ZERO_PAGE + 0x74)).toBe(0);
  });

  it('an older boot protocol finds the RSDP by scanning; acpi_rsdp_addr stays 0', () => {
    const { machine } = bootGuest({ image: tinyBzImage(0x020d), machine: { memMiB: 32 } });
    expect(scanForRsdp(machine.memory.ram)).toBe(ACPI_RSDP_ADDR);
    expect(u32(machine.memory.ram, LINUX_ZERO_PAGE + 0x70)).toBe(0);
  });

  it('machine.acpi = false turns it off for Linux; the config then has no acpi key', () => {
    const { machine } = bootGuest({ image: tinyBzImage(0x020f), machine: { memMiB: 32, acpi: false } });
    expect('acpi' in machine.config).toBe(false);
    expect(machine.acpiPm).toBeNull();
    expect(machine.ports.ownerOf(0x600)).toBeUndefined();
    expect(scanForRsdp(machine.memory.ram)).toBeNull();
    expect(u32(machine.memory.ram, LINUX_ZERO_PAGE + 0x70)).toBe(0);
  });

  it('a multiboot guest has none unless asked (its traces are unchanged)', () => {
    const image = new Uint8Array(readFileSync(repo('guests/hello/hello.elf')));
    const plain = bootGuest({ image }).machine;
    expect(plain.config).toEqual({ memMiB: 32, nsPerInsn: 1, rtcEpoch: 946684800 });
    expect(plain.acpiPm).toBeNull();
    expect(scanForRsdp(plain.memory.ram)).toBeNull();
    const asked = bootGuest({ image, machine: { acpi: true } }).machine;
    expect(asked.acpiPm).not.toBeNull();
    expect(scanForRsdp(asked.memory.ram)).toBe(ACPI_RSDP_ADDR);
  });

  it('a trace header\'s device list carries it: deviceNames and machineConfigOf agree', () => {
    expect(deviceNames({})).toEqual([...DEVICE_LIST]);
    expect(deviceNames({ acpi: true })).toEqual([...DEVICE_LIST, 'acpi-pm']);
    const h = { memMiB: 128, nsPerInsn: 1, rtcEpoch: 946684800 };
    expect(machineConfigOf({ ...h, devices: deviceNames({ acpi: true }) })).toEqual({ ...h, acpi: true });
    // An old trace (recorded before ACPI existed) replays without it, Linux or not.
    expect(machineConfigOf({ ...h, devices: [...DEVICE_LIST] })).toEqual({ ...h, acpi: false });
    expect(new Machine(machineConfigOf({ ...h, devices: [...DEVICE_LIST] })).config).toEqual(h);
  });
});
