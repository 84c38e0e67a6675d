/* Segmentation: bases, overrides, the LDT, LAR/LSL/VERR/VERW, far transfers,
 * and the 0x66 / 0x67 size prefixes. */
#include "systest.h"

SNIP(s_base0);
SNIP(s_fs_ldt_beyond);
uint32_t s_overrides(void);
uint32_t s_ldt(void);
uint32_t s_load_fresh(void);
uint32_t s_far(void);
LABEL(s_far_ret);
uint32_t s_opsize(void);
uint32_t s_addrsize(void);
uint32_t s_cx(void);
uint32_t s_movs(void);
uint32_t s_arpl(void);
uint32_t s_msw(void);

static uint32_t buf32(uint32_t off)
{
	return (uint32_t)pattern(off) | (uint32_t)pattern(off + 1) << 8 |
	       (uint32_t)pattern(off + 2) << 16 | (uint32_t)pattern(off + 3) << 24;
}

/* Print a value and whether it equals the expected pattern dword. */
static void show_buf(const char *what, uint32_t v, uint32_t off)
{
	kprintf("%s=0x%08x%s", what, v, v == buf32(off) ? "" : "(!)");
}

static void sel_line(const char *title, const uint16_t *sels, uint32_t n, int which)
{
	uint32_t i;

	if (!begin(title))
		return;
	for (i = 0; i < n; i++) {
		s_sel_info(sels[i]);
		if (i)
			kprintf(" ");
		kprintf("%02x:", sels[i]);
		if (which == 0) {
			if (res[1])
				kprintf("0x%08x", res[0] & 0x00F0FF00u);
			else
				kprintf("fail(0x%08x)", res[0]);
		} else if (which == 1) {
			if (res[3])
				kprintf("0x%x", res[2]);
			else
				kprintf("fail(0x%08x)", res[2]);
		} else {
			kprintf("r%u/w%u", res[4], res[5]);
		}
	}
	end();
}

void segment_checks(void)
{
	static const uint16_t sels[] = {
		0x00, 0x08, 0x10, 0x1B, 0x23, 0x28, 0x30, 0x38, 0x40, 0x48,
		0x58, 0x60, 0x68, 0x70, 0x78, 0x80, 0x98, 0x0B, 0x6B, 0x04, 0x0F, 0x14, 0xA0,
	};
	const uint32_t nsel = sizeof(sels) / sizeof(sels[0]);
	uint32_t v, a, b;
	int f;

	if (begin("DS:[0] through a data segment with base seg_buf+0x40")) {
		f = catch0(s_base0, &v);
		if (f)
			print_fault("s_base0_at", (uint32_t)(uintptr_t)s_base0_at, 0);
		else
			show_buf("value", v, 0x40);
		end();
	}

	if (begin("segment overrides ES (expand-down), FS, GS")) {
		memset(res, 0, sizeof(res));
		if (catch0(s_overrides, 0)) {
			print_fault("?", 0, 0);
		} else {
			show_buf("es:[0xFFFFFFF4]", res[0], 4);
			kprintf(" ");
			show_buf("fs:[8]", res[1], 0x48);
			kprintf(" ");
			show_buf("gs:[0x1234]", res[2], 0x1234);
			kprintf(" ");
			show_buf("gs:[0xFFFC]", res[3], 0xFFFC);
		}
		end();
	}

	if (begin("LLDT, SLDT, data through LDT selector 0x04")) {
		memset(res, 0, sizeof(res));
		if (catch0(s_ldt, 0)) {
			print_fault("?", 0, 0);
		} else {
			kprintf("sldt=0x%x ", res[0]);
			show_buf("fs:[0]", res[1], 0x80);
			kprintf(" ");
			show_buf("fs:[0xFC]", res[2], 0x17C);
		}
		end();
	}

	if (begin("#GP MOV FS, TI=1 selector beyond the LDT limit")) {
		if (catch0(s_fs_ldt_beyond, 0))
			REPORT(s_fs_ldt_beyond_at, 0);
		else
			kprintf("no fault");
		end();
	}

	if (begin("loading a data descriptor sets its accessed bit")) {
		a = (uint32_t)(gdt[SEL_FRESH >> 3] >> 40) & 0xFF;
		f = catch0(s_load_fresh, 0);
		b = (uint32_t)(gdt[SEL_FRESH >> 3] >> 40) & 0xFF;
		if (f)
			print_fault("?", 0, 0);
		else
			kprintf("access byte before=0x%02x after=0x%02x", a, b);
		end();
	}

	sel_line("LAR at CPL 0 (masked 0x00F0FF00)", sels, nsel, 0);
	sel_line("LSL at CPL 0", sels, nsel, 1);
	sel_line("VERR/VERW at CPL 0", sels, nsel, 2);

	if (begin("ARPL raises RPL, sets ZF only when it changed")) {
		memset(res, 0, sizeof(res));
		catch0(s_arpl, 0);
		kprintf("0x10,3 -> 0x%x zf=%u; 0x13,1 -> 0x%x zf=%u", res[0] & 0xFFFF, res[1], res[2] & 0xFFFF, res[3]);
		end();
	}

	if (begin("SMSW/CLTS/LMSW, CLTS clears TS, LMSW cannot clear PE")) {
		memset(res, 0, sizeof(res));
		catch0(s_msw, 0);
		kprintf("msw&0xf: set TS|MP=0x%x after clts=0x%x after lmsw 0=0x%x", res[0], res[1], res[2]);
		end();
	}

	if (begin("far CALL/RETF, far JMP, indirect far JMP/CALL, RETF to selector 0x30")) {
		memset(res, 0, sizeof(res));
		if (catch0(s_far, 0)) {
			print_fault("?", 0, SHOW_CS);
		} else {
			kprintf("in call cs=0x%x ret=", res[0]);
			print_rel("s_far_ret", (uint32_t)(uintptr_t)s_far_ret, res[1]);
			kprintf(" pushed cs=0x%x; after retf 0x%x, jmp 0x%x, jmp [m] 0x%x, call [m] 0x%x, retf 0x%x, end 0x%x",
				res[2], res[3], res[4], res[5], res[6], res[7], res[8]);
		}
		end();
	}

	if (begin("operand-size prefix 0x66, ADD/INC/PUSH/IMUL/SHL on 16 bits")) {
		memset(res, 0, sizeof(res));
		catch0(s_opsize, 0);
		kprintf("add=0x%08x fl=0x%03x inc=0x%08x fl=0x%03x push=%u imul=0x%08x shl=0x%08x fl=0x%02x",
			res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7] & 0xC5);
		end();
	}

	if (begin("address-size prefix 0x67, BX/BP/SI/DI forms, 64 KiB wrap, SS default for BP")) {
		memset(res, 0, sizeof(res));
		if (catch0(s_addrsize, 0)) {
			print_fault("?", 0, 0);
		} else {
			show_buf("[bx+si]", res[0], 0x50);
			kprintf(" ");
			show_buf("[bx+di+0x7f]", res[1], 0xDF);
			kprintf(" ");
			show_buf("[si+0x30]", res[2], 0x80);
			kprintf(" lea=0x%08x ", res[3]);
			show_buf("ss:[bp+di]", res[4], 0x234);
			kprintf(" ");
			show_buf("ds:[bp+di]", res[5], 0x74);
			kprintf(" ");
			show_buf("[di]", res[6], 0xA0);
		}
		end();
	}

	if (begin("0x67 JCXZ and LOOP use CX")) {
		memset(res, 0, sizeof(res));
		catch0(s_cx, 0);
		kprintf("jcxz(ecx=0x10000)=%u jecxz=%u loop: ecx=0x%08x jumped=%u", res[0], res[1], res[2], res[3]);
		end();
	}

	if (begin("0x67 REP MOVSB (SI/DI/CX, upper halves kept), FS-overridden MOVSD")) {
		memset(res, 0, sizeof(res));
		if (catch0(s_movs, 0)) {
			print_fault("?", 0, 0);
		} else {
			kprintf("esi=0x%08x edi=0x%08x ecx=0x%08x ", res[0], res[1], res[2]);
			show_buf("copied", res[3], 0x50);
			kprintf(" movsd esi=0x%08x edi=0x%08x ", res[4], res[5]);
			show_buf("copied", res[6], 0x60);
		}
		end();
	}
}
