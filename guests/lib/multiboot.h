/* Multiboot (version 1) information structure, as handed over in EBX. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

#define MULTIBOOT_INFO_MEMORY  (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MMAP    (1u << 6)
#define MULTIBOOT_INFO_LOADER  (1u << 9)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB, valid if flags bit 0 */
	uint32_t mem_upper; /* KiB above 1 MiB, valid if flags bit 0 */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string, flags bit 2 */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name; /* flags bit 9 */
	uint32_t apm_table;
};

#endif
