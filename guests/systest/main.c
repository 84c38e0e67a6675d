/* systest: numbered checks of the CPU's system-level behaviour; QEMU's console
 * output is the expected output. The command line word skip=N,M,... skips
 * checks by number (for diagnosing an emulator that stops at one). */
#include "systest.h"

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	serial_init();
	kprintf("systest: starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("systest: bad multiboot magic 0x%08x", magic);
	set_skips(mb_cmdline(mbi));
	/* PICs remapped and fully masked: no IRQ until the interrupt checks. */
	pic_remap(IRQ_BASE, IRQ_BASE + 8);
	harness_init();
	paging_setup();

	paging_checks();
	exception_checks();
	segment_checks();
	ring_checks();
	smc_checks();
	interrupt_checks();
	double_fault_checks();

	kprintf("systest: done\n");
	guest_exit(0);
}
