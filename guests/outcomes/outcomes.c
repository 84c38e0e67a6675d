/* outcomes: one kernel, many endings, for testing how a run's outcome is
 * reported. The command line word mode=<m> picks the ending; a line is printed
 * before each terminal action:
 *   triple        LIDT with limit 0, then INT3: #GP, #DF, triple fault
 *   halt          cli; hlt with nothing to wake the CPU
 *   reset         i8042 command 0xFE (pulse the reset line)
 *   reset92       port 0x92 bit 0 (fast reset)
 *   spin          an endless loop (for the instruction budget)
 *   exit3         isa-debug-exit with code 3
 *   sse           MOVAPS xmm0, xmm1 (after enabling SSE if CPUID has FXSR)
 *   x87           FNINIT; FLD1; FISTP with CR0.EM=0
 *   pvpanic-crash pvpanic CRASH_LOADED (2); QEMU keeps running, then exit 4
 *   ud            UD2 with the lib's IDT: the default handler panics
 * Anything else prints the list and exits with code 2. */
#include "guest.h"

void do_triple(void) __attribute__((noreturn));
void do_spin(void) __attribute__((noreturn));
void do_movaps(void);
uint32_t do_x87(void);
void do_ud2(void);

#define CR0_MP 0x02u
#define CR0_EM 0x04u
#define CR0_TS 0x08u
#define CR4_OSFXSR 0x200u
#define CPUID_FXSR (1u << 24)

static uint32_t cpuid1_edx(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

static uint32_t rd_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void wr_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v)); }
static uint32_t rd_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static void wr_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v)); }

static void __attribute__((noreturn)) stop(void)
{
	kprintf("outcomes: still running after the terminal action\n");
	guest_exit(5);
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	char mode[32];

	serial_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("outcomes: bad multiboot magic 0x%08x", magic);
	if (!cmdline_get(mb_cmdline(mbi), "mode", mode, sizeof(mode)))
		mode[0] = '\0';
	kprintf("outcomes: mode=%s\n", mode);

	if (!strcmp(mode, "triple")) {
		kprintf("outcomes: LIDT limit 0, then INT3: expect a triple fault\n");
		do_triple();
	}
	idt_init();
	if (!strcmp(mode, "halt")) {
		kprintf("outcomes: cli; hlt: expect halted\n");
		halt_forever();
	} else if (!strcmp(mode, "reset")) {
		kprintf("outcomes: i8042 command 0xFE: expect a reset\n");
		outb(0x64, 0xFE);
		stop();
	} else if (!strcmp(mode, "reset92")) {
		kprintf("outcomes: port 0x92 bit 0: expect a reset\n");
		outb(0x92, inb(0x92) | 1);
		stop();
	} else if (!strcmp(mode, "spin")) {
		kprintf("outcomes: endless loop: expect the instruction budget to run out\n");
		do_spin();
	} else if (!strcmp(mode, "exit3")) {
		kprintf("outcomes: debug-exit code 3\n");
		guest_exit(3);
	} else if (!strcmp(mode, "sse")) {
		if (cpuid1_edx() & CPUID_FXSR) {
			wr_cr0((rd_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
			wr_cr4(rd_cr4() | CR4_OSFXSR);
		}
		kprintf("outcomes: MOVAPS xmm0, xmm1: unsupported unless the CPU models SSE\n");
		do_movaps();
		kprintf("outcomes: MOVAPS ran\n");
		guest_exit(0);
	} else if (!strcmp(mode, "x87")) {
		wr_cr0((rd_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
		kprintf("outcomes: FNINIT; FLD1; FISTP with CR0.EM=0: unsupported unless the CPU models x87\n");
		kprintf("outcomes: FLD1 -> FISTP gave %u\n", do_x87());
		guest_exit(0);
	} else if (!strcmp(mode, "pvpanic-crash")) {
		kprintf("outcomes: pvpanic CRASH_LOADED (2)\n");
		outb(PVPANIC_PORT, 2);
		kprintf("outcomes: still running after CRASH_LOADED\n");
		guest_exit(4);
	} else if (!strcmp(mode, "ud")) {
		kprintf("outcomes: UD2 with the default exception handler: expect a panic\n");
		do_ud2();
		stop();
	}
	kprintf("outcomes: unknown mode; use mode=triple|halt|reset|reset92|spin|exit3|sse|x87|pvpanic-crash|ud\n");
	guest_exit(2);
}
