/*
 * kreplay's DSDT: the one device a Linux guest needs to find through ACPI, QEMU's ISA pvpanic
 * (_HID "QEMU0001", one I/O port at 0x505, as QEMU's pvpanic-isa describes it). Linux's
 * pvpanic-mmio driver binds to it and writes PVPANIC_PANICKED (1) there when the kernel panics.
 *
 * Nothing else: the board's legacy devices (PIC, PIT, RTC, COM1) are found by Linux without
 * ACPI, there is no PCI root bridge, no processor object, no sleep state (_Sx) and no GPE.
 *
 * Build (Debian: apt-get install acpica-tools):   guests/linux/acpi/build.sh
 * which runs `iasl -p dsdt dsdt.asl` here and regenerates src/loader/acpi-dsdt.ts.
 */
DefinitionBlock ("", "DSDT", 2, "KREPLY", "KREPLAY ", 0x00000001)
{
    Scope (\_SB)
    {
        Device (PEVT)
        {
            Name (_HID, "QEMU0001")
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0505, 0x0505, 0x01, 0x01)
            })
        }
    }
}
