/* hello: the smallest useful guest. Console output, the multiboot info, and a
 * clean exit through isa-debug-exit. */
#include "guest.h"

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	serial_init();
	kprintf("Hello from kreplay guest!\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("hello: bad multiboot magic 0x%08x", magic);
	kprintf("hello: cmdline='%s'\n", mb_cmdline(mbi));
	if (mbi->flags & MULTIBOOT_INFO_MEMORY)
		kprintf("hello: memory lower=%u KiB upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
	else
		kprintf("hello: no memory information\n");
	kprintf("hello: exiting with code 0\n");
	guest_exit(0);
}
