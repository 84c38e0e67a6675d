/* Multiboot command line: "key=value" words separated by spaces. Loaders may put
 * other words first (QEMU puts the kernel's file name), which are skipped. */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot.h"

/* The command line if the loader gave one (flags bit 2), else "". */
const char *mb_cmdline(const struct multiboot_info *mbi);

/* Copy the value of the first "key=value" word into buf (NUL-terminated,
 * truncated to size - 1). A bare "key" gives "". False if the key is absent. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* The value of key as an unsigned number (decimal, or hex with 0x), or def if
 * the key is absent or its value is not a number. */
uint32_t cmdline_get_u32(const char *cmdline, const char *key, uint32_t def);

#endif
