/* External interrupts: IRQ 0 from a one-shot PIT (mode 0) made pending while
 * IF=0, then released by STI (with its one-instruction shadow), STI;HLT, or
 * POPF; interrupt gate vs trap gate. The pushed EIP says exactly where the
 * interrupt was taken. */
#include "systest.h"

#define EFL_IF 0x200u
#define PIT_COUNT 1000 /* about 0.84 ms */

LABEL(s_sti_nop_after);
LABEL(s_sti_hlt_after);
LABEL(s_popf_if_after);
uint32_t s_sti_nop(void);
uint32_t s_sti_hlt(void);
uint32_t s_popf_if(void);

LABEL(u_irq);
SNIP(s_sti_nop_ext);

static volatile uint32_t irq_hits, irq_eip, irq_if, irq_eflags, irq_cs, irq_esp, irq_ss, irq_frame;

static void irq0_handler(struct regs *r)
{
	irq_hits++;
	irq_eip = r->eip;
	irq_cs = r->cs;
	irq_eflags = r->eflags;
	irq_if = read_eflags() & EFL_IF;
	irq_frame = (uint32_t)(uintptr_t)&r->eip;
	if (r->cs & 3) {
		irq_esp = ((const uint32_t *)(r + 1))[0];
		irq_ss = ((const uint32_t *)(r + 1))[1];
	}
}

/* Channel 0, lobyte/hibyte, mode 0 (interrupt on terminal count): OUT goes
 * low when the count is written and high, once, when it runs out. */
static void pit_oneshot(uint16_t count)
{
	outb(0x43, 0x30);
	outb(0x40, count & 0xFF);
	outb(0x40, count >> 8);
}

static bool pit_out_high(void)
{
	outb(0x43, 0xE2); /* read-back: status of channel 0 */
	return (inb(0x40) & 0x80) != 0;
}

static bool irr0(void)
{
	outb(PIC1_CMD, 0x0A); /* OCW3: read IRR */
	return (inb(PIC1_CMD) & 1) != 0;
}

static bool wait_irr0(void)
{
	uint32_t i;

	for (i = 0; i < 20000000; i++)
		if (irr0())
			return true;
	return false;
}

/* Arm the PIT, wait for IRQ 0 to be pending with IF=0, then run fn. */
static void irq_case(const char *title, uint32_t (*fn)(void), const char *after_name, const char *after)
{
	if (!begin(title))
		return;
	irq_hits = irq_eip = irq_if = irq_eflags = 0;
	pit_oneshot(PIT_COUNT);
	if (!wait_irr0()) {
		kprintf("IRQ 0 never became pending");
		end();
		return;
	}
	fn();
	kprintf("hits=%u eip=", irq_hits);
	print_rel(after_name, (uint32_t)(uintptr_t)after, irq_eip);
	kprintf(" pushed IF=%u handler IF=%u", (irq_eflags & EFL_IF) ? 1 : 0, irq_if ? 1 : 0);
	end();
}

void interrupt_checks(void)
{
	uint32_t a, b, i;

	cli();
	/* Quiesce: a one-shot that has already fired, then a PIC reset to drop
	 * whatever the firmware's periodic timer left in IRR. */
	pit_oneshot(1);
	for (i = 0; i < 1000000 && !pit_out_high(); i++)
		;
	pic_remap(IRQ_BASE, IRQ_BASE + 8);
	irq_set_handler(0, irq0_handler);
	pic_unmask(0);

	if (begin("PUSHF/POPF at CPL 0 set and clear IF and IOPL")) {
		__asm__ volatile(
			"pushl $0x3202\n\tpopfl\n\tpushfl\n\tpopl %0\n\t"
			"pushl $0x0002\n\tpopfl\n\tpushfl\n\tpopl %1"
			: "=r"(a), "=r"(b) : : "memory", "cc");
		kprintf("after popf 0x3202: 0x%08x, after popf 0x0002: 0x%08x, irr0=%u", a, b, irr0() ? 1 : 0);
		end();
	}

	irq_case("pending IRQ, STI; NOP, taken after the NOP (STI shadow)", s_sti_nop,
		 "s_sti_nop_after", s_sti_nop_after);
	irq_case("pending IRQ, STI; HLT, HLT runs in the shadow, wakes at once", s_sti_hlt,
		 "s_sti_hlt_after", s_sti_hlt_after);
	irq_case("pending IRQ, POPF sets IF, taken right after POPF", s_popf_if,
		 "s_popf_if_after", s_popf_if_after);
	set_idt_gate(IRQ_BASE, isr_stub_table_entry(IRQ_BASE), SEL_KCODE, 0x8F);
	irq_case("pending IRQ through a trap gate, IF stays set in the handler", s_sti_nop,
		 "s_sti_nop_after", s_sti_nop_after);
	set_idt_gate(IRQ_BASE, isr_stub_table_entry(IRQ_BASE), SEL_KCODE, 0x8E);

	if (begin("pending IRQ, IRET to ring 3 with IF=1, taken before the first ring 3 instruction")) {
		int r;

		irq_hits = irq_eip = irq_cs = irq_esp = irq_ss = irq_frame = 0;
		pit_oneshot(PIT_COUNT);
		if (!wait_irr0()) {
			kprintf("IRQ 0 never became pending");
		} else {
			r = run_user((void (*)(void))(void *)u_irq, 0x202, SEL_UDATA);
			kprintf("result=%d hits=%u cs=0x%x eip=", r, irq_hits, irq_cs);
			print_rel("u_irq", (uint32_t)(uintptr_t)u_irq, irq_eip);
			kprintf(" ss=0x%x esp=", irq_ss);
			print_rel("user_stack_top", (uint32_t)(uintptr_t)user_stack_top, irq_esp);
			kprintf(" frame=");
			print_rel("esp0", (uint32_t)(uintptr_t)ring0_stack_top, irq_frame);
		}
		end();
	}

	if (begin("pending IRQ through a not-present gate, #NP with EXT=1")) {
		irq_hits = 0;
		set_idt_present(IRQ_BASE, 0);
		pit_oneshot(PIT_COUNT);
		if (!wait_irr0()) {
			kprintf("IRQ 0 never became pending");
		} else {
			if (catch0(s_sti_nop_ext, 0))
				REPORT(s_sti_nop_ext_at, 0);
			else
				kprintf("no fault");
			kprintf(" hits=%u", irq_hits);
		}
		set_idt_present(IRQ_BASE, 1);
		pic_eoi(0); /* the PIC was acknowledged before the gate faulted */
		end();
	}

	cli();
	pic_mask(0);
}
