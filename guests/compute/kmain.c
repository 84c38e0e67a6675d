/* compute: a CPU-bound guest. Runs workload_run(n) for n from the command line
 * (n=<rounds>, default COMPUTE_DEFAULT_N) and prints the checksum, which must
 * equal the native program's (compute-native) for the same n. */
#include "guest.h"
#include "workload.h"

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uint32_t n;

	serial_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("compute: bad multiboot magic 0x%08x", magic);
	n = cmdline_get_u32(mb_cmdline(mbi), "n", COMPUTE_DEFAULT_N);
	kprintf("compute: n=%u checksum=%08x\n", n, workload_run(n));
	guest_exit(0);
}
