#include "pit.h"
#include "io.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43

uint32_t pit_set_frequency(uint32_t hz, uint32_t mode)
{
	uint32_t divisor = hz ? (PIT_HZ + hz / 2) / hz : 65536;

	if (divisor < 1)
		divisor = 1;
	if (divisor > 65536)
		divisor = 65536;
	/* channel 0, access lobyte/hibyte, mode, binary; 65536 is written as 0 */
	outb(PIT_CMD, 0x30 | ((mode & 7) << 1));
	outb(PIT_CH0, divisor & 0xFF);
	outb(PIT_CH0, (divisor >> 8) & 0xFF);
	return divisor;
}
