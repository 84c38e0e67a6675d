/* IDT with stubs for the 32 CPU exceptions and the 16 PIC IRQs (vectors
 * 0x20-0x2F after pic_remap(0x20, 0x28)). */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

#define IRQ_BASE 0x20
#define IRQ_COUNT 16

/* The frame every stub builds (see isr.asm), lowest address first. */
struct regs {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_at_pushad, ebx, edx, ecx, eax; /* PUSHAD */
	uint32_t vector, err_code;                                   /* pushed by the stub */
	uint32_t eip, cs, eflags;                                    /* pushed by the CPU */
};

typedef void (*isr_handler)(struct regs *r);

/* Load an IDT whose vectors 0-47 point at the stubs (interrupt gates, ring 0);
 * every exception goes to the default handler until replaced. */
void idt_init(void);

/* Replace the handler of a CPU exception (vector 0-31). */
void idt_set_exception_handler(uint32_t vector, isr_handler h);

/* Install the handler of PIC IRQ line 0-15. The dispatcher sends the EOI after
 * the handler returns and ignores spurious IRQ 7/15. */
void irq_set_handler(uint32_t irq, isr_handler h);

/* Called by isr_common for every vector. */
void isr_dispatch(struct regs *r);

/* Print the vector, error code, EIP and CR2 (and the other registers), then
 * panic. The default for every exception. */
void default_exception_handler(struct regs *r) __attribute__((noreturn));

#endif
