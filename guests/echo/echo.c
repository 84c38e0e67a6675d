/* echo: interrupt-driven serial input. IRQ 4 fills a ring buffer from the UART
 * (16450 mode: FIFOs left off so input sent before boot is not flushed);
 * the main loop sleeps in HLT, assembles lines and echoes them back. The line
 * "exit" exits with code 0, "panic" panics. */
#include "guest.h"

#define RING_SIZE 1024 /* power of two */
#define LINE_MAX 256

static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head; /* written by the IRQ handler only */
static volatile uint32_t ring_tail; /* written by the main loop only */
static volatile int rx_paused;

static void uart_set_rx_irq(int on)
{
	outb(COM1 + UART_IER, on ? UART_IER_RDA : 0);
}

/* Drain the UART into the ring. When the ring is full, bytes stay in the UART
 * and the receive interrupt is switched off until the main loop catches up, so
 * the sender is held back instead of bytes being dropped. */
static void uart_irq(struct regs *r)
{
	(void)r;
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		uint32_t head = ring_head;
		if (head - ring_tail == RING_SIZE) {
			rx_paused = 1;
			uart_set_rx_irq(0);
			return;
		}
		ring[head % RING_SIZE] = inb(COM1 + UART_RBR);
		ring_head = head + 1;
	}
}

/* Next received byte; sleeps until one arrives. */
static uint8_t getc_blocking(void)
{
	uint8_t c;

	cli();
	while (ring_head == ring_tail) {
		if (rx_paused) {
			rx_paused = 0;
			uart_set_rx_irq(1);
		}
		sti_hlt(); /* no wakeup can be lost between the check and the HLT */
		cli();
	}
	c = ring[ring_tail % RING_SIZE];
	ring_tail++;
	if (rx_paused && ring_head - ring_tail < RING_SIZE / 2) {
		rx_paused = 0;
		uart_set_rx_irq(1);
	}
	sti();
	return c;
}

static void handle_line(const char *line)
{
	kprintf("echo: %s\n", line);
	if (strcmp(line, "panic") == 0)
		panic("echo: panic requested by input");
	if (strcmp(line, "exit") == 0) {
		kprintf("echo: bye\n");
		guest_exit(0);
	}
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	char line[LINE_MAX + 1];
	uint32_t len = 0;
	uint8_t prev = 0;

	(void)mbi;
	serial_init_keep_rx(); /* a byte sent before we booted is kept, not flushed */
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("echo: bad multiboot magic 0x%08x", magic);
	idt_init();
	pic_remap(IRQ_BASE, IRQ_BASE + 8);
	irq_set_handler(4, uart_irq);
	/* serial_init_keep_rx set MCR.OUT2, which routes the UART interrupt to the
	 * PIC. With the FIFOs off, each received byte raises its own interrupt. */
	uart_set_rx_irq(1);
	pic_unmask(4);
	kprintf("echo: ready; type lines ('exit' quits, 'panic' panics)\n");
	sti();

	for (;;) {
		uint8_t c = getc_blocking();

		if (c == '\n' && prev == '\r') { /* CR LF ends one line, not two */
			prev = c;
			continue;
		}
		prev = c;
		if (c == '\r' || c == '\n') {
			line[len] = '\0';
			handle_line(line);
			len = 0;
			continue;
		}
		if (len == LINE_MAX) { /* overlong line: echo what we have, go on */
			line[len] = '\0';
			handle_line(line);
			len = 0;
		}
		line[len++] = (char)c;
	}
}
