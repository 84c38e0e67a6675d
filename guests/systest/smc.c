/* Self-modifying code: patch code and run it again, through the same linear
 * address and through aliases of its frame, in the same straight-line run,
 * in a loop, and code copied in with REP MOVS. */
#include "systest.h"

typedef uint32_t (*code_fn)(void);

uint32_t s_smc_next(void);
uint32_t s_smc_loop(void);
LABEL(tmpl_a);
LABEL(tmpl_a_end);
LABEL(tmpl_b);
LABEL(tmpl_b_end);
void copy_movsb(void *dst, const void *src, uint32_t n);
void copy_movsd(void *dst, const void *src, uint32_t n);

/* mov eax, imm32; ret */
static void emit_mov_ret(uint32_t at, uint32_t imm)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)at;

	p[0] = 0xB8;
	p[1] = imm & 0xFF;
	p[2] = (imm >> 8) & 0xFF;
	p[3] = (imm >> 16) & 0xFF;
	p[4] = imm >> 24;
	p[5] = 0xC3;
}

static void set_imm(uint32_t at, uint32_t imm)
{
	wr32(at + 1, imm);
}

static uint32_t call_at(uint32_t at)
{
	return ((code_fn)(uintptr_t)at)();
}

void smc_checks(void)
{
	uint32_t a, b, c, d, n;

	if (begin_paged("patch an immediate through the same linear address, call again")) {
		emit_mov_ret(PAGE_CODE, 0x11111111);
		a = call_at(PAGE_CODE);
		set_imm(PAGE_CODE, 0x22222222);
		b = call_at(PAGE_CODE);
		kprintf("first=0x%08x second=0x%08x", a, b);
		end();
	}

	if (begin_paged("patch through an alias page (and the PSE identity map), call via each")) {
		set_imm(PAGE_CODE_B, 0x33333333);
		a = call_at(PAGE_CODE);
		set_imm(0x60A000, 0x44444444);
		b = call_at(PAGE_CODE_B);
		set_imm(PAGE_CODE, 0x55555555);
		c = call_at(PAGE_CODE_B);
		d = call_at(0x60A000);
		kprintf("alias write->0x%08x pse write->0x%08x then 0x%08x 0x%08x", a, b, c, d);
		end();
	}

	if (begin("a store that patches the next instruction")) {
		kprintf("al=0x%02x", s_smc_next());
		end();
	}

	if (begin("a loop that patches its own body after the first pass")) {
		a = s_smc_loop();
		b = s_smc_loop();
		kprintf("sum=0x%x again=0x%x", a, b);
		end();
	}

	if (begin_paged("REP MOVSB copies code, then run it; REP MOVSD overwrites it, run again")) {
		n = (uint32_t)(tmpl_a_end - tmpl_a);
		copy_movsb((void *)(uintptr_t)(PAGE_CODE + 0x100), tmpl_a, n);
		a = call_at(PAGE_CODE + 0x100);
		n = (uint32_t)(tmpl_b_end - tmpl_b);
		copy_movsd((void *)(uintptr_t)(PAGE_CODE + 0x100), tmpl_b, n / 4);
		b = call_at(PAGE_CODE + 0x100);
		copy_movsb((void *)(uintptr_t)(PAGE_CODE_B + 0x100), tmpl_a, (uint32_t)(tmpl_a_end - tmpl_a));
		c = call_at(PAGE_CODE + 0x100);
		kprintf("a=0x%08x b=0x%08x a via alias=0x%08x", a, b, c);
		end();
	}
}
