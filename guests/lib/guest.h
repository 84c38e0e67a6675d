/* Everything a guest kernel needs from guests/lib. A guest defines
 * void kmain(uint32_t magic, struct multiboot_info *mbi). */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "idt.h"
#include "io.h"
#include "multiboot.h"
#include "panic.h"
#include "pic.h"
#include "pit.h"
#include "printf.h"
#include "serial.h"
#include "kstring.h"

void kmain(uint32_t magic, struct multiboot_info *mbi);

#endif
