#include "panic.h"
#include "io.h"
#include "printf.h"
#include "serial.h"

static int panicking;

void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	if (!panicking) {
		panicking = 1;
		serial_puts("Kernel panic - not syncing: ");
		va_start(ap, fmt);
		kvprintf(fmt, ap);
		va_end(ap);
		serial_putc('\n');
	}
	outb(PVPANIC_PORT, PVPANIC_PANICKED);
	halt_forever();
}

void guest_exit(uint32_t code)
{
	outl(DEBUG_EXIT_PORT, code);
	halt_forever();
}
