import { describe, expect, it } from 'vitest';
import { AcpiPm } from '../../src/devices/acpi-pm.js';
import { PortBus } from '../../src/machine/port-bus.js';

// ACPI 6.5 section 4.8.3: PM1_STS (write 1 to clear) and PM1_EN in the PM1a event block, PM1_CNT
// in the PM1a control block. ACPICA enables a fixed event by setting its PM1_EN bit and reading it
// back (acpi_enable_event); Linux 6.1 does that for GBL_EN and RTC_EN at boot.

describe('acpi-pm', () => {
  const board = (): { bus: PortBus; pm: AcpiPm } => {
    const bus = new PortBus();
    const pm = new AcpiPm();
    pm.register(bus);
    return { bus, pm };
  };

  it('maps the PM1a event and control blocks at 0x600-0x605 and nothing around them', () => {
    const { bus } = board();
    for (let p = 0x600; p < 0x606; p++) expect(bus.ownerOf(p)).toBe('acpi-pm');
    expect(bus.ownerOf(0x5ff)).toBeUndefined();
    expect(bus.ownerOf(0x606)).toBeUndefined();
    expect(bus.ownerOf(0x608)).toBeUndefined(); // no PM timer
  });

  it('PM1_STS reads 0 and ignores writes: no fixed event ever happens', () => {
    const { bus } = board();
    expect(bus.read(0x600, 2)).toBe(0);
    bus.write(0x600, 2, 0xffff);
    expect(bus.read(0x600, 2)).toBe(0);
  });

  it('PM1_EN keeps the defined enable bits as written (GBL_EN, RTC_EN stick)', () => {
    const { bus, pm } = board();
    expect(bus.read(0x602, 2)).toBe(0);
    bus.write(0x602, 2, 0x0020); // GBL_EN, as ACPICA's global lock handler install writes it
    expect(bus.read(0x602, 2)).toBe(0x0020);
    bus.write(0x602, 2, 0x0420); // + RTC_EN
    expect(bus.read(0x602, 2)).toBe(0x0420);
    bus.write(0x602, 2, 0xffff); // reserved bits do not stick
    expect(bus.read(0x602, 2)).toBe(0x4721);
    expect(pm.pm1Enable).toBe(0x4721);
    bus.write(0x603, 1, 0x00); // byte access to the high half
    expect(bus.read(0x602, 2)).toBe(0x0021);
    expect(bus.read(0x602, 1)).toBe(0x21);
  });

  it('PM1_CNT reads SCI_EN (always in ACPI mode), keeps SLP_TYP and BM_RLD, drops SLP_EN and GBL_RLS', () => {
    const { bus } = board();
    expect(bus.read(0x604, 2)).toBe(0x0001);
    bus.write(0x604, 2, 0x0000); // SCI_EN cannot be cleared: there is no legacy mode
    expect(bus.read(0x604, 2)).toBe(0x0001);
    bus.write(0x604, 2, (5 << 10) | (1 << 13) | 0x0004 | 0x0002);
    expect(bus.read(0x604, 2)).toBe((5 << 10) | 0x0002 | 0x0001);
  });

  it('a dword read of the event block returns PM1_STS and PM1_EN together', () => {
    const { bus } = board();
    bus.write(0x602, 2, 0x0020);
    expect(bus.read(0x600, 4)).toBe(0x00200000);
  });

  it('saves and restores its registers', () => {
    const { bus, pm } = board();
    bus.write(0x602, 2, 0x0420);
    bus.write(0x604, 2, 3 << 10);
    const s = pm.saveState();
    expect(s).toEqual({ version: 1, pm1Enable: 0x0420, pm1Control: 3 << 10 });
    const other = board();
    other.pm.loadState(s);
    expect(other.bus.read(0x602, 2)).toBe(0x0420);
    expect(other.bus.read(0x604, 2)).toBe((3 << 10) | 1);
    expect(() => other.pm.loadState({ ...s, version: 2 } as never)).toThrow(/unsupported state version 2/);
  });
});
