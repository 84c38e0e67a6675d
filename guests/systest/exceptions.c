/* CPU exceptions raised at ring 0: vector, error code and the EIP pushed
 * (the faulting instruction for faults, the next one for traps). */
#include "systest.h"

SNIP(s_div0);
SNIP(s_idiv_ovf);
SNIP(s_div8_ovf);
SNIP(s_ud2);
SNIP(s_lock_reg);
SNIP(s_mov_cs);
SNIP(s_cmpxchg8b_reg);
SNIP(s_lea_reg);
SNIP(s_mov_cr1);
SNIP(s_int3);
SNIP(s_into_of);
uint32_t s_into_nof(void);
SNIP(s_bound_hi);
SNIP(s_bound_neg);
uint32_t s_bound_in(void);
SNIP(s_np_ds);
SNIP(s_np_ss);
SNIP(s_ds_beyond);
SNIP(s_ds_xonly);
SNIP(s_ss_ro);
SNIP(s_ds_tss);
SNIP(s_ss_null);
SNIP(s_ds_rpl);
SNIP(s_null_ds_use);
SNIP(s_null_es_stos);
SNIP(s_lim_ok);
SNIP(s_lim_straddle);
SNIP(s_lim_byte);
SNIP(s_ed_ok_low);
SNIP(s_ed_ok_top);
SNIP(s_ed_ok_f0);
SNIP(s_ed_low);
SNIP(s_ed16_ok);
SNIP(s_ed16_top);
SNIP(s_ed16_low);
SNIP(s_ss_limit);
SNIP(s_int80);
SNIP(s_tf);

struct fault_check {
	const char *title;
	uint32_t (*fn)(void);
	const char *at_name;
	const char *at;
};

#define FC(title, fn) { title, fn, #fn "_at", fn##_at }

static const struct fault_check faults[] = {
	FC("#DE DIV by zero", s_div0),
	FC("#DE IDIV overflow 0x80000000/-1", s_idiv_ovf),
	FC("#DE 8-bit DIV overflow 0x1000/0x10", s_div8_ovf),
	FC("#UD UD2", s_ud2),
	FC("#UD LOCK with a register destination", s_lock_reg),
	FC("#UD MOV CS, r", s_mov_cs),
	FC("#UD CMPXCHG8B with a register operand", s_cmpxchg8b_reg),
	FC("#UD LEA with a register operand", s_lea_reg),
	FC("#UD MOV CR1, EAX", s_mov_cr1),
	FC("#BP INT3 (a trap, EIP after the instruction)", s_int3),
	FC("#OF INTO with OF=1 (a trap)", s_into_of),
	FC("#BR BOUND 11 in [0,10]", s_bound_hi),
	FC("#BR BOUND -1 in [0,10] (signed)", s_bound_neg),
	FC("#NP MOV DS, not-present data segment", s_np_ds),
	FC("#SS MOV SS, not-present data segment", s_np_ss),
	FC("#GP MOV DS, selector beyond the GDT limit", s_ds_beyond),
	FC("#GP MOV DS, execute-only code segment", s_ds_xonly),
	FC("#GP MOV SS, read-only data segment", s_ss_ro),
	FC("#GP MOV DS, TSS descriptor", s_ds_tss),
	FC("#GP MOV SS, null selector at CPL 0", s_ss_null),
	FC("#GP MOV DS, RPL 3 selector of a DPL 0 segment", s_ds_rpl),
	FC("#GP access through a null DS", s_null_ds_use),
	FC("#GP STOSB through a null ES", s_null_es_stos),
	FC("#GP dword at 0xFD, segment limit 0xFF", s_lim_straddle),
	FC("#GP byte at 0x100, segment limit 0xFF", s_lim_byte),
	FC("#GP expand-down (B=1, limit 0xFFF) byte at 0xFFF", s_ed_low),
	FC("#GP expand-down (B=0, limit 0xFFF) dword at 0xFFFE", s_ed16_top),
	FC("#GP expand-down (B=0, limit 0xFFF) dword at 0xFFE", s_ed16_low),
	FC("#SS [EBP] beyond the SS limit (before paging)", s_ss_limit),
};

struct value_check {
	const char *title;
	uint32_t (*fn)(void);
	int32_t buf_off; /* the value is seg_buf's pattern at this offset, or -1 */
};

static const struct value_check values[] = {
	{ "INTO with OF=0 does not trap", s_into_nof, -1 },
	{ "BOUND 10 in [0,10] does not fault", s_bound_in, -1 },
	{ "dword at 0xFC, segment base seg_buf+0x40, limit 0xFF", s_lim_ok, 0x13C },
	{ "expand-down (B=1, base seg_buf+0x10) dword at 0x1000", s_ed_ok_low, 0x1010 },
	{ "expand-down (B=1) dword at 0xFFFFFFFC", s_ed_ok_top, 0xC },
	{ "expand-down (B=1) dword at 0xFFFFFFF0", s_ed_ok_f0, 0 },
	{ "expand-down (B=0, base seg_buf) dword at 0xFFFC", s_ed16_ok, 0xFFFC },
};

static uint32_t buf32(uint32_t off)
{
	return (uint32_t)pattern(off) | (uint32_t)pattern(off + 1) << 8 |
	       (uint32_t)pattern(off + 2) << 16 | (uint32_t)pattern(off + 3) << 24;
}

void exception_checks(void)
{
	uint32_t i, v;
	int f;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		if (!begin(faults[i].title))
			continue;
		if (catch0(faults[i].fn, &v))
			print_fault(faults[i].at_name, (uint32_t)(uintptr_t)faults[i].at, SHOW_CS);
		else
			kprintf("no fault, eax=0x%08x", v);
		end();
	}
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		if (!begin(values[i].title))
			continue;
		f = catch0(values[i].fn, &v);
		print_nofault_or(f, ", eax=0x%08x", v);
		if (!f && values[i].buf_off >= 0 && v != buf32((uint32_t)values[i].buf_off))
			kprintf("(!)");
		end();
	}

	if (begin("#GP INT 0x80 beyond an IDT limit of 48 gates")) {
		load_idt_limit(48 * 8 - 1);
		f = catch0(s_int80, 0);
		load_idt_limit(256 * 8 - 1);
		if (f)
			REPORT(s_int80_at, 0);
		else
			kprintf("no fault");
		end();
	}

	if (begin("#DB single step, POPF sets TF, trap after the next instruction")) {
		uint32_t dr6 = 0;
		__asm__ volatile("mov %0, %%dr6" : : "r"(dr6));
		f = catch0(s_tf, 0);
		__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
		if (f)
			REPORT(s_tf_at, 0);
		else
			kprintf("no trap");
		kprintf(" dr6.bs=%u", (dr6 >> 14) & 1);
		end();
	}

	if (begin("#NP INT3 through a not-present gate (benign then contributory)")) {
		set_idt_present(3, 0);
		f = catch0(s_int3, 0);
		set_idt_present(3, 1);
		if (f)
			print_fault("s_int3", (uint32_t)(uintptr_t)s_int3, 0);
		else
			kprintf("no fault");
		end();
	}
}
