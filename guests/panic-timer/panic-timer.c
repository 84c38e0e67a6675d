/* panic-timer: timer interrupts (PIC remap, PIT channel 0 at 1000 Hz, IRQ 0)
 * ending in a panic raised from inside the timer interrupt, a few calls deep,
 * so a panic report has a backtrace worth reading. */
#include "guest.h"

#define TIMER_HZ 1000
#define PRINT_EVERY 10
#define TICK_BUDGET 50

static volatile uint32_t ticks;

/* noinline keeps each step its own frame in the EBP chain. */
static __attribute__((noinline)) void check_budget(uint32_t n)
{
	if (n >= TICK_BUDGET)
		panic("timer: tick budget exhausted after %u ticks", n);
}

static __attribute__((noinline)) void timer_tick(struct regs *r)
{
	uint32_t n = ++ticks;

	(void)r;
	if (n % PRINT_EVERY == 0)
		kprintf("timer: tick %u\n", n);
	check_budget(n);
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uint32_t divisor;

	(void)mbi;
	serial_init();
	kprintf("panic-timer: starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("panic-timer: bad multiboot magic 0x%08x", magic);
	idt_init();
	pic_remap(IRQ_BASE, IRQ_BASE + 8);
	irq_set_handler(0, timer_tick);
	divisor = pit_set_frequency(TIMER_HZ, PIT_MODE_RATE);
	kprintf("panic-timer: PIT divisor %u (%u Hz), panic after %u ticks\n",
		divisor, TIMER_HZ, TICK_BUDGET);
	pic_unmask(0);
	sti();
	for (;;)
		hlt();
}
