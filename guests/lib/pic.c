#include "pic.h"
#include "io.h"

#define ICW1_ICW4 0x01
#define ICW1_INIT 0x10
#define ICW4_8086 0x01
#define OCW3_READ_ISR 0x0B
#define PIC_EOI 0x20

void pic_remap(uint8_t master_base, uint8_t slave_base)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, master_base); /* ICW2: vector base */
	outb(PIC2_DATA, slave_base);
	outb(PIC1_DATA, 1 << 2); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 2);      /* ICW3: slave identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xFF); /* OCW1: mask everything */
	outb(PIC2_DATA, 0xFF);
}

void pic_unmask(uint32_t irq)
{
	if (irq < 8) {
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << irq));
	} else {
		outb(PIC2_DATA, inb(PIC2_DATA) & ~(1u << (irq - 8)));
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << 2));
	}
}

void pic_mask(uint32_t irq)
{
	if (irq < 8)
		outb(PIC1_DATA, inb(PIC1_DATA) | (1u << irq));
	else
		outb(PIC2_DATA, inb(PIC2_DATA) | (1u << (irq - 8)));
}

void pic_eoi(uint32_t irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

bool pic_is_spurious(uint32_t irq)
{
	uint16_t port = irq < 8 ? PIC1_CMD : PIC2_CMD;
	outb(port, OCW3_READ_ISR);
	return !(inb(port) & (1u << (irq & 7)));
}
