/* COM1 (16550 UART at 0x3F8): polled output, optional interrupt-driven input. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stdint.h>

#define COM1 0x3F8
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define UART_IER_RDA 0x01  /* received data available */
#define UART_LSR_DR 0x01   /* data ready */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_MCR_OUT2 0x08 /* gates the UART interrupt onto the IRQ line */

/* Initialise COM1: IER=0 (no interrupts), 115200 baud (divisor 1), 8N1,
 * FIFOs enabled and cleared, MCR = DTR|RTS|OUT2. */
void serial_init(void);

/* The same as serial_init, except that FCR is not written: the FIFOs stay as
 * the firmware left them (disabled after reset: 16450 mode, a one-byte
 * receive buffer). Enabling the FIFOs clears them, losing any byte that
 * arrived before the guest booted; this keeps it, for guests that read input. */
void serial_init_keep_rx(void);

/* Write one byte, polling LSR.THRE first. No newline translation. */
void serial_putc(char c);

/* Write a NUL-terminated string with serial_putc. */
void serial_puts(const char *s);

#endif
