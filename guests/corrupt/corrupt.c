/* corrupt: a memory-corruption bug found long before it is detected.
 *
 * The timer path calls record_sample() on every PIT tick (1000 Hz). During a
 * short calibration window it stores one sensor sample per tick in slots[];
 * on tick CALIB_TICK (37) it averages them and poisons the table with
 * SLOT_POISON (0xDEADBEEF) so that stale reads stand out. The poisoning loop
 * has an off-by-one bound (i <= NSLOTS), so its last store goes to
 * slots[NSLOTS], which is the word right after the array: the global `guard`.
 * Nothing notices. The main loop goes on doing background work between ticks
 * until tick CHECK_TICK (400), when check_guard() finds guard != GUARD_MAGIC
 * and panics, some 363 ms of virtual time (hundreds of millions of
 * instructions at kreplay's default 1 ns per instruction) after the store.
 *
 * Console output is printed only from the timer interrupt, or from the main
 * loop with interrupts off, so it is the same under QEMU in real time. */
#include "guest.h"

#define TIMER_HZ 1000
#define NSLOTS 8                            /* calibration samples */
#define SETTLE_TICKS 28                     /* ticks ignored before calibrating */
#define CALIB_FIRST (SETTLE_TICKS + 1)      /* tick 29 fills slots[0] ... */
#define CALIB_TICK (CALIB_FIRST + NSLOTS)   /* ... tick 36 slots[7]; tick 37 averages */
#define CHECK_TICK 400                      /* the main loop checks the guard */
#define PRINT_EVERY 100
#define GUARD_MAGIC 0x600DF00Du
#define SLOT_POISON 0xDEADBEEFu
#define WORK_BYTES 16384
#define WORK_CHUNK 2048                     /* bytes checksummed per tick */

#define STR_(x) #x
#define STR(x) STR_(x)

/* slots[NSLOTS] and guard, in this order, in one section of their own: the
 * assembler lays them out exactly as written and the linker never splits an
 * input section, so guard is always the 4 bytes right after slots. Each is its
 * own ELF symbol with its size (slots: 4 * NSLOTS bytes, guard: 4 bytes). */
__asm__(".pushsection .data.corrupt,\"aw\",@progbits\n"
	".balign 4\n"
	".globl slots\n"
	".type slots, @object\n"
	".size slots, 4 * " STR(NSLOTS) "\n"
	"slots:\n"
	".fill " STR(NSLOTS) ", 4, 0\n"
	".globl guard\n"
	".type guard, @object\n"
	".size guard, 4\n"
	"guard:\n"
	".long " STR(GUARD_MAGIC) "\n"
	".popsection\n");

/* Declared without a bound so the compiler cannot reason about (or warn
 * about) the out-of-bounds store: it is emitted exactly as written. */
extern volatile uint32_t slots[];
extern volatile uint32_t guard;

static volatile uint32_t ticks;
static volatile uint32_t calibration; /* mean of the calibration samples */
static uint8_t work_buf[WORK_BYTES];
static volatile uint32_t work_acc;

/* A deterministic stand-in for reading a sensor: a hash of the tick number,
 * 0..65535. */
static uint32_t sensor_read(uint32_t tick)
{
	uint32_t x = tick * 0x9E3779B1u;

	x ^= x >> 15;
	x *= 0x85EBCA77u;
	x ^= x >> 13;
	return x & 0xFFFF;
}

/* Called from the timer interrupt on every tick. The buggy function. Not
 * static: GCC gives a static leaf function no frame (it even changes its
 * calling convention), and then timer_tick would be missing from a backtrace
 * taken at the bad store. */
void record_sample(uint32_t tick);
__attribute__((noinline)) void record_sample(uint32_t tick)
{
	uint32_t i, sum;

	if (tick < CALIB_FIRST || tick > CALIB_TICK)
		return;
	if (tick < CALIB_TICK) {
		slots[tick - CALIB_FIRST] = sensor_read(tick);
		return;
	}
	sum = 0;
	for (i = 0; i < NSLOTS; i++)
		sum += slots[i];
	calibration = sum / NSLOTS;
	/* Poison the table so a stale read stands out.
	 * BUG: the bound should be i < NSLOTS; the last iteration writes
	 * slots[NSLOTS], which is guard. */
	for (i = 0; i <= NSLOTS; i++)
		slots[i] = SLOT_POISON;
}

static __attribute__((noinline)) void timer_tick(struct regs *r)
{
	uint32_t n = ++ticks;

	(void)r;
	record_sample(n);
	if (n == CALIB_TICK)
		kprintf("corrupt: calibrated over ticks %u-%u: mean sample %u\n",
			CALIB_FIRST, CALIB_TICK - 1, calibration);
	if (n % PRINT_EVERY == 0)
		kprintf("corrupt: tick %u\n", n);
}

/* The consistency check, much later, from the main loop. */
static __attribute__((noinline)) void check_guard(void)
{
	uint32_t g = guard;

	if (g != GUARD_MAGIC)
		panic("corrupt: guard word clobbered: 0x%08x", g);
}

/* Background work between ticks: a Fletcher-style checksum over one chunk of
 * a buffer (about 40,000 instructions), so the machine is busy, not just
 * sleeping. Its result is never printed: how many chunks run between two
 * ticks depends on the machine's speed (under QEMU in real time). */
static __attribute__((noinline)) void background_work(uint32_t round)
{
	uint32_t a = 1, b = 0, off = (round * WORK_CHUNK) % WORK_BYTES;
	uint32_t i;

	for (i = 0; i < WORK_CHUNK; i++) {
		a = (a + work_buf[off + i]) % 65521;
		b = (b + a) % 65521;
	}
	work_acc ^= (b << 16) | a;
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uint32_t divisor, seen, round, x, i;

	(void)mbi;
	serial_init();
	kprintf("corrupt: starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("corrupt: bad multiboot magic 0x%08x", magic);
	if (&slots[NSLOTS] != &guard)
		panic("corrupt: guard is not right after slots[%u]", NSLOTS);
	kprintf("corrupt: slots[%u] at %p, guard at %p = 0x%08x\n", NSLOTS,
		(void *)slots, (void *)&guard, guard);
	x = 12345;
	for (i = 0; i < WORK_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		work_buf[i] = (uint8_t)(x >> 16);
	}

	idt_init();
	pic_remap(IRQ_BASE, IRQ_BASE + 8);
	irq_set_handler(0, timer_tick);
	divisor = pit_set_frequency(TIMER_HZ, PIT_MODE_RATE);
	kprintf("corrupt: PIT divisor %u (%u Hz), guard checked at tick %u\n",
		divisor, TIMER_HZ, CHECK_TICK);
	pic_unmask(0);

	/* One chunk of work per tick, then sleep until the next one. */
	seen = 0;
	round = 0;
	for (;;) {
		cli();
		while (ticks == seen) {
			sti_hlt(); /* no tick can slip in between the check and the HLT */
			cli();
		}
		seen = ticks;
		if (seen >= CHECK_TICK)
			break; /* interrupts stay off from here on */
		sti();
		background_work(round++);
	}
	kprintf("corrupt: checking guard after %u ticks\n", CHECK_TICK);
	check_guard();
	kprintf("corrupt: guard intact\n");
	guest_exit(0);
}
