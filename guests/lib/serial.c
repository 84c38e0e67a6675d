#include "serial.h"
#include "io.h"

static void serial_setup(int fifo)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB=1 */
	outb(COM1 + UART_DLL, 0x01); /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* DLAB=0, 8 data bits, no parity, 1 stop */
	if (fifo)
		outb(COM1 + UART_FCR, 0xC7); /* FIFO on, clear RX and TX, RX trigger 14 */
	outb(COM1 + UART_MCR, 0x0B); /* DTR, RTS, OUT2 */
}

void serial_init(void)
{
	serial_setup(1);
}

void serial_init_keep_rx(void)
{
	serial_setup(0);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}
