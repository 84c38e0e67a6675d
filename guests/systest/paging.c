/* Paging: 4 KiB identity map of the first 4 MiB (user-accessible, so ring 3
 * can run the kernel's own code), a 4 MiB PSE page over 4-8 MiB, and a test
 * window at 8 MiB whose pages map scratch frames at 0x600000-0x60FFFF. */
#include "systest.h"

#define P 0x001u
#define RW 0x002u
#define US 0x004u
#define A 0x020u
#define D 0x040u
#define PS 0x080u
#define G 0x100u

#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u

uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt0[1024] __attribute__((aligned(4096)));
uint32_t pt2[1024] __attribute__((aligned(4096)));
uint32_t pt3[1024] __attribute__((aligned(4096)));

SNIP(s_pf_np_read);
SNIP(s_pf_np_write);
SNIP(s_pf_ro_write);
SNIP(s_pf_user_ro_write);
SNIP(s_pf_pde_ro_write);
SNIP(s_rep_pf);
SNIP(s_pse_off_read);
uint32_t s_pf_fetch(void);

/* Page tables are read back after the CPU (not the compiler) changed them. */
#define PTE2(lin) (((volatile uint32_t *)pt2)[((lin) >> 12) & 0x3FF])
#define PDE(i) (((volatile uint32_t *)pd)[i])

void paging_setup(void)
{
	uint32_t i;

	/* Scratch frames, while paging is still off (linear = physical). */
	memset((void *)0x600000, 0, 0x10000);
	wr32(0x602000, 0xC0FFEE01);
	wr32(0x605000, 0x05050505);
	wr32(0x606000, 0x06060606);
	wr32(0x60D000, 0x0D0D0D0D);
	wr32(0x60E000, 0x0E0E0E0E);
	/* What the CPU walks as a page table at 0x400000 once CR4.PSE=0 makes
	 * it ignore PDE 1's PS bit: only entry 5 is present (-> 0x60E000). */
	memset((void *)PSE_BASE, 0, 0x1000);
	wr32(PSE_BASE + 5 * 4, 0x60E000 | P | RW);
	wr32(PSE_BASE + 0x5000, 0x40504050);

	for (i = 0; i < 1024; i++)
		pt0[i] = (i << 12) | P | RW | US;
	memset(pd, 0, sizeof(pd));
	memset(pt2, 0, sizeof(pt2));
	memset(pt3, 0, sizeof(pt3));
	pd[0] = (uint32_t)(uintptr_t)pt0 | P | RW | US;
	pd[1] = PSE_BASE | P | RW | PS;
	pd[2] = (uint32_t)(uintptr_t)pt2 | P | RW | US;
	pd[PAGE_PDE_RO >> 22] = (uint32_t)(uintptr_t)pt3 | P | US;   /* R/W = 0 */
	pd[PAGE_PDE_SUP >> 22] = (uint32_t)(uintptr_t)pt3 | P | RW;  /* U/S = 0 */
	PTE2(PAGE_NP) = 0;
	PTE2(PAGE_RO) = 0x601000 | P;
	PTE2(PAGE_ALIAS_A) = 0x602000 | P | RW;
	PTE2(PAGE_ALIAS_B) = 0x602000 | P | RW;
	PTE2(PAGE_USER_RW) = 0x604000 | P | RW | US;
	PTE2(PAGE_USER_RO) = 0x605000 | P | US;
	PTE2(PAGE_SUPER) = 0x606000 | P | RW;
	PTE2(PAGE_FLUSH) = 0x607000 | P | RW;
	PTE2(PAGE_CODE) = 0x60A000 | P | RW;
	PTE2(PAGE_CODE_B) = 0x60A000 | P | RW;
	PTE2(PAGE_AD) = 0x60C000 | P | RW;
	pt3[0] = 0x60D000 | P | RW | US;
}

static void flush_all(void)
{
	write_cr3(read_cr3());
}

void paging_checks(void)
{
	uint32_t a, b, c, v;
	int f;

	if (begin_paged("paging on (CR4.PSE, CR3, CR0.PG|WP)")) {
		write_cr4(read_cr4() | CR4_PSE);
		write_cr3((uint32_t)(uintptr_t)pd);
		write_cr0(read_cr0() | CR0_PG | CR0_WP);
		kprintf("cr0&0x80010001=0x%08x cr4&0x90=0x%x cr3=pd:%s",
			read_cr0() & 0x80010001u, read_cr4() & 0x90u,
			read_cr3() == (uint32_t)(uintptr_t)pd ? "yes" : "no");
		end();
	} else if (!paging_off) {
		/* Later checks need paging: enable it even when skipped. */
		write_cr4(read_cr4() | CR4_PSE);
		write_cr3((uint32_t)(uintptr_t)pd);
		write_cr0(read_cr0() | CR0_PG | CR0_WP);
	}

	if (begin_paged("read one frame via the 4 MiB PSE page and via a 4 KiB PTE")) {
		kprintf("pse 0x602000=0x%08x pte 0x802000=0x%08x", rd32(0x602000), rd32(PAGE_ALIAS_A));
		end();
	}

	if (begin_paged("aliases, two linear pages on one frame")) {
		wr32(PAGE_ALIAS_A + 4, 0xA11A5001);
		a = rd32(PAGE_ALIAS_B + 4);
		b = rd32(0x602004);
		wr32(PAGE_ALIAS_B + 8, 0xA11A5002);
		c = rd32(PAGE_ALIAS_A + 8);
		kprintf("write A+4 -> B+4=0x%08x pse=0x%08x; write B+8 -> A+8=0x%08x", a, b, c);
		end();
	}

	if (begin_paged("accessed/dirty bits in a 4 KiB PTE")) {
		PTE2(PAGE_AD) = 0x60C000 | P | RW;
		invlpg(PAGE_AD);
		a = PTE2(PAGE_AD);
		(void)rd32(PAGE_AD);
		b = PTE2(PAGE_AD);
		wr32(PAGE_AD, 1);
		c = PTE2(PAGE_AD);
		kprintf("before=0x%08x after read=0x%08x after write=0x%08x", a, b, c);
		end();
	}

	if (begin_paged("accessed bit in the PDE of a page table")) {
		PDE(2) &= ~A;
		flush_all();
		a = PDE(2) & 0xFFF;
		(void)rd32(PAGE_AD);
		b = PDE(2) & 0xFFF;
		kprintf("pde flags before=0x%03x after read=0x%03x", a, b);
		end();
	}

	if (begin_paged("accessed/dirty bits in a 4 MiB PDE, INVLPG of another address in the page")) {
		PDE(1) = PSE_BASE | P | RW | PS;
		invlpg(PSE_BASE + 0x3FF000);
		a = PDE(1);
		(void)rd32(0x600000);
		b = PDE(1);
		wr32(0x60F000, 2);
		c = PDE(1);
		kprintf("before=0x%08x after read=0x%08x after write=0x%08x", a, b, c);
		end();
	}

	wr32(0x607000, 0x11110001);
	wr32(0x608000, 0x22220002);
	wr32(0x609000, 0x33330003);

	if (begin_paged("INVLPG after changing a PTE")) {
		PTE2(PAGE_FLUSH) = 0x607000 | P | RW;
		invlpg(PAGE_FLUSH);
		a = rd32(PAGE_FLUSH);
		PTE2(PAGE_FLUSH) = 0x608000 | P | RW;
		invlpg(PAGE_FLUSH);
		b = rd32(PAGE_FLUSH);
		kprintf("first=0x%08x after remap+invlpg=0x%08x", a, b);
		end();
	}

	if (begin_paged("CR3 reload after changing a PTE")) {
		PTE2(PAGE_FLUSH) = 0x609000 | P | RW;
		flush_all();
		kprintf("after remap+cr3 reload=0x%08x", rd32(PAGE_FLUSH));
		end();
	}

	if (begin_paged("global page (CR4.PGE=1), INVLPG flushes it")) {
		write_cr4(read_cr4() | CR4_PGE);
		PTE2(PAGE_GLOBAL) = 0x607000 | P | RW | G;
		invlpg(PAGE_GLOBAL);
		a = rd32(PAGE_GLOBAL);
		PTE2(PAGE_GLOBAL) = 0x608000 | P | RW | G;
		invlpg(PAGE_GLOBAL);
		b = rd32(PAGE_GLOBAL);
		kprintf("cr4&0x80=0x%x first=0x%08x after remap+invlpg=0x%08x", read_cr4() & CR4_PGE, a, b);
		end();
	}

	if (begin_paged("global page, clearing CR4.PGE flushes it; CR3 reload flushes non-global")) {
		PTE2(PAGE_GLOBAL) = 0x609000 | P | RW | G;
		write_cr4(read_cr4() & ~CR4_PGE);
		write_cr4(read_cr4() | CR4_PGE);
		a = rd32(PAGE_GLOBAL);
		PTE2(PAGE_FLUSH) = 0x607000 | P | RW;
		flush_all();
		b = rd32(PAGE_FLUSH);
		write_cr4(read_cr4() & ~CR4_PGE);
		kprintf("global after PGE toggle=0x%08x non-global after cr3 reload=0x%08x", a, b);
		end();
	}

	if (begin_paged("#PF read of a not-present page")) {
		if (catch0(s_pf_np_read, 0))
			REPORT(s_pf_np_read_at, SHOW_CR2);
		else
			kprintf("no fault");
		end();
	}

	if (begin_paged("#PF write to a not-present page")) {
		if (catch0(s_pf_np_write, 0))
			REPORT(s_pf_np_write_at, SHOW_CR2);
		else
			kprintf("no fault");
		end();
	}

	if (begin_paged("#PF write to a read-only page, CR0.WP=1")) {
		if (catch0(s_pf_ro_write, &v))
			REPORT(s_pf_ro_write_at, SHOW_CR2);
		else
			kprintf("no fault, read back 0x%08x", v);
		end();
	}

	if (begin_paged("write to a read-only page at CPL 0, CR0.WP=0")) {
		write_cr0(read_cr0() & ~CR0_WP);
		f = catch0(s_pf_ro_write, &v);
		write_cr0(read_cr0() | CR0_WP);
		print_nofault_or(f, ", read back 0x%08x", v);
		if (!f)
			kprintf(" frame=0x%08x", rd32(0x601000));
		end();
	}

	if (begin_paged("#PF CPL 0 write to a read-only user page, CR0.WP=1, then WP=0")) {
		if (catch0(s_pf_user_ro_write, &v))
			REPORT(s_pf_user_ro_write_at, SHOW_CR2);
		else
			kprintf("no fault, read back 0x%08x", v);
		write_cr0(read_cr0() & ~CR0_WP);
		f = catch0(s_pf_user_ro_write, &v);
		write_cr0(read_cr0() | CR0_WP);
		kprintf("; WP=0: ");
		print_nofault_or(f, ", read back 0x%08x", v);
		wr32(0x605000, 0x05050505); /* what the CPL 3 read check expects */
		end();
	}

	if (begin_paged("#PF instruction fetch from a not-present page (CPL 0)")) {
		if (catch0(s_pf_fetch, 0))
			print_fault("page_np", PAGE_NP, SHOW_CR2);
		else
			kprintf("no fault");
		end();
	}

	if (begin_paged("read, then #PF write, with PDE R/W=0 over PTE R/W=1 (CPL 0, WP=1)")) {
		a = rd32(PAGE_PDE_RO);
		kprintf("read=0x%08x ", a);
		if (catch0(s_pf_pde_ro_write, &v))
			REPORT(s_pf_pde_ro_write_at, SHOW_CR2);
		else
			kprintf("no fault, read back 0x%08x", v);
		end();
	}

	if (begin_paged("#PF in REP MOVSD, ECX/ESI/EDI count the iterations done")) {
		memset(res, 0, sizeof(res));
		wr32(PAGE_AD + 0xFF8, 0xAD0FF800);
		wr32(PAGE_AD + 0xFFC, 0xAD0FFC00);
		if (catch0(s_rep_pf, 0)) {
			REPORT(s_rep_pf_at, SHOW_CR2);
			kprintf(" ecx=%u esi=0x%08x edi=", fault.ecx, fault.esi);
			print_rel("res", (uint32_t)(uintptr_t)res, fault.edi);
			kprintf(" copied=0x%08x,0x%08x,0x%08x", res[0], res[1], res[2]);
		} else {
			kprintf("no fault");
		}
		end();
	}

	if (begin_paged("CR4.PSE=0, PDE.PS is ignored and the PDE's frame is a page table")) {
		write_cr4(read_cr4() & ~CR4_PSE);
		a = rd32(PSE_BASE + 0x5000);
		f = catch0(s_pse_off_read, &v);
		write_cr4(read_cr4() | CR4_PSE);
		kprintf("0x405000=0x%08x; ", a);
		if (f)
			REPORT(s_pse_off_read_at, SHOW_CR2);
		else
			kprintf("0x406000: no fault, 0x%08x", v);
		kprintf("; PSE back on: 0x405000=0x%08x", rd32(PSE_BASE + 0x5000));
		end();
	}

	if (begin_paged("CPL 0 read through a PDE with U/S=0 over PTE U/S=1")) {
		kprintf("read=0x%08x", rd32(PAGE_PDE_SUP));
		end();
	}
}
