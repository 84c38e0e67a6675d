/* Ending a run: panic (pvpanic) and guest_exit (isa-debug-exit). */
#ifndef GUEST_PANIC_H
#define GUEST_PANIC_H

#include <stdint.h>

#define PVPANIC_PORT 0x505
#define PVPANIC_PANICKED 1
#define DEBUG_EXIT_PORT 0xF4

/* Print "Kernel panic - not syncing: <msg>\n" on COM1 (as Linux does), write
 * PVPANIC_PANICKED to the pvpanic port, then stop with interrupts off. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* outl(0xF4, code) on isa-debug-exit (QEMU then exits with (code << 1) | 1);
 * if nothing is listening there, stop with interrupts off. */
void guest_exit(uint32_t code) __attribute__((noreturn));

/* cli; hlt forever. */
void halt_forever(void) __attribute__((noreturn));

#endif
