/* The 8254 PIT, channel 0 (wired to IRQ 0). */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u
#define PIT_MODE_RATE 2   /* mode 2: rate generator */
#define PIT_MODE_SQUARE 3 /* mode 3: square wave */

/* Program channel 0 (lobyte/hibyte, binary) in the given mode to fire at about
 * hz interrupts per second: divisor = round(1193182 / hz), clamped to 1..65536.
 * Returns the divisor used. */
uint32_t pit_set_frequency(uint32_t hz, uint32_t mode);

#endif
