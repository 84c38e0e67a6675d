/* The two cascaded 8259A PICs. */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdint.h>
#include <stdbool.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

/* Reinitialise both PICs (ICW1-ICW4, edge-triggered, 8086 mode) with the given
 * vector bases, leaving every line masked. */
void pic_remap(uint8_t master_base, uint8_t slave_base);

/* Unmask / mask one IRQ line (0-15). Unmasking a slave line also unmasks the
 * cascade line IRQ 2 on the master. */
void pic_unmask(uint32_t irq);
void pic_mask(uint32_t irq);

/* Non-specific EOI for the IRQ (slave and master for IRQ 8-15). */
void pic_eoi(uint32_t irq);

/* True if IRQ 7 or 15 is spurious (its bit is clear in the in-service register). */
bool pic_is_spurious(uint32_t irq);

#endif
