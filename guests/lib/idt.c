#include "idt.h"
#include "io.h"
#include "panic.h"
#include "pic.h"
#include "printf.h"

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_hi;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

#define KERNEL_CS 0x08
#define GATE_INTERRUPT_32 0x8E /* present, DPL 0, 32-bit interrupt gate */

extern const uint32_t isr_stub_table[32 + IRQ_COUNT];

static struct idt_entry idt[256] __attribute__((aligned(8)));
static isr_handler exception_handlers[32];
static isr_handler irq_handlers[IRQ_COUNT];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"reserved 28", "#VC VMM communication", "#SX security", "reserved 31",
};

static void set_gate(uint32_t vector, uint32_t handler)
{
	idt[vector].offset_lo = handler & 0xFFFF;
	idt[vector].selector = KERNEL_CS;
	idt[vector].zero = 0;
	idt[vector].type_attr = GATE_INTERRUPT_32;
	idt[vector].offset_hi = handler >> 16;
}

void idt_init(void)
{
	struct idt_ptr ptr;
	uint32_t v;

	for (v = 0; v < 32 + IRQ_COUNT; v++)
		set_gate(v, isr_stub_table[v]);
	ptr.limit = sizeof(idt) - 1;
	ptr.base = (uint32_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

void idt_set_exception_handler(uint32_t vector, isr_handler h)
{
	if (vector < 32)
		exception_handlers[vector] = h;
}

void irq_set_handler(uint32_t irq, isr_handler h)
{
	if (irq < IRQ_COUNT)
		irq_handlers[irq] = h;
}

void default_exception_handler(struct regs *r)
{
	uint32_t cr2 = read_cr2();

	kprintf("exception %u (%s) err=0x%08x eip=0x%08x cr2=0x%08x\n",
		r->vector, exception_names[r->vector & 31], r->err_code, r->eip, cr2);
	kprintf("eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x ebp=%08x\n",
		r->eax, r->ebx, r->ecx, r->edx, r->esi, r->edi, r->ebp);
	kprintf("cs=%04x ds=%04x eflags=%08x\n", r->cs, r->ds, r->eflags);
	panic("unhandled exception %u (%s) at eip=0x%08x err=0x%08x cr2=0x%08x",
	      r->vector, exception_names[r->vector & 31], r->eip, r->err_code, cr2);
}

void isr_dispatch(struct regs *r)
{
	uint32_t v = r->vector;

	if (v < 32) {
		isr_handler h = exception_handlers[v];
		if (h)
			h(r);
		else
			default_exception_handler(r);
		return;
	}
	if (v < IRQ_BASE + IRQ_COUNT) {
		uint32_t irq = v - IRQ_BASE;
		if ((irq == 7 || irq == 15) && pic_is_spurious(irq)) {
			/* A spurious IRQ 15 still needs the master's EOI for the cascade. */
			if (irq == 15)
				pic_eoi(2);
			return;
		}
		if (irq_handlers[irq])
			irq_handlers[irq](r);
		pic_eoi(irq);
		return;
	}
	panic("interrupt on unexpected vector %u", v);
}
