/* Privilege levels: the TSS, IRET to ring 3, INT 0x80 back to ring 0 on the
 * TSS stack, #GP for privileged instructions and I/O at CPL 3, the I/O
 * permission bitmap, a call gate, #TS, and paging from ring 3. */
#include "systest.h"

#define EFL_BASE 0x00000002u
#define EFL_IOPL3 0x00003000u

LABEL(u_int80);
LABEL(u_int80_ret);
LABEL(u_segs);
LABEL(u_int81);
LABEL(u_int81_at);
LABEL(u_int3);
LABEL(u_int3_after);
LABEL(u_int82);
LABEL(u_int82_at);
LABEL(u_io_ok);
LABEL(u_io_denied);
LABEL(u_io_denied_at);
LABEL(u_io_wide);
LABEL(u_io_wide_at);
LABEL(u_iopl3);
LABEL(u_popf);
LABEL(u_iret3);
LABEL(u_callgate);
LABEL(u_callgate_ret);
LABEL(u_lar);
LABEL(u_fetch_np);

#define UFN(x) ((void (*)(void))(void *)(x))

struct priv_check {
	const char *title;
	const char *entry;
	const char *at_name;
	const char *at;
};

#define PRIV(name, what) \
	extern char u_##name[], u_##name##_at[];
PRIV(hlt, 0) PRIV(cli, 0) PRIV(sti, 0) PRIV(rdcr0, 0) PRIV(wrcr3, 0) PRIV(lgdt, 0)
PRIV(lidt, 0) PRIV(lldt, 0) PRIV(ltr, 0) PRIV(wrmsr, 0) PRIV(rdmsr, 0) PRIV(clts, 0)
PRIV(invlpg, 0) PRIV(rddr7, 0) PRIV(inb, 0) PRIV(outb, 0) PRIV(inimm, 0)
PRIV(rd_super, 0) PRIV(wr_super, 0) PRIV(wr_user_ro, 0) PRIV(rd_np, 0)
PRIV(rd_user_ro, 0) PRIV(wr_user_rw, 0) PRIV(wr_pde_ro, 0) PRIV(rd_pde_ro, 0)
PRIV(rd_pde_super, 0)
#undef PRIV

#define PC(title, name) { title, u_##name, "u_" #name "_at", u_##name##_at }

static const struct priv_check privs[] = {
	PC("#GP HLT at CPL 3", hlt),
	PC("#GP CLI at CPL 3, IOPL 0", cli),
	PC("#GP STI at CPL 3, IOPL 0", sti),
	PC("#GP MOV EAX, CR0 at CPL 3", rdcr0),
	PC("#GP MOV CR3, EAX at CPL 3", wrcr3),
	PC("#GP LGDT at CPL 3", lgdt),
	PC("#GP LIDT at CPL 3", lidt),
	PC("#GP LLDT at CPL 3", lldt),
	PC("#GP LTR at CPL 3", ltr),
	PC("#GP WRMSR at CPL 3", wrmsr),
	PC("#GP RDMSR at CPL 3", rdmsr),
	PC("#GP CLTS at CPL 3", clts),
	PC("#GP INVLPG at CPL 3", invlpg),
	PC("#GP MOV EAX, DR7 at CPL 3", rddr7),
	PC("#GP IN AL, DX (0x3FF) at CPL 3, IOPL 0, no I/O bitmap", inb),
	PC("#GP OUT DX, AL (0x3FF) at CPL 3, IOPL 0, no I/O bitmap", outb),
	PC("#GP IN AL, 0x80 at CPL 3, IOPL 0, no I/O bitmap", inimm),
};

static const struct priv_check user_pf[] = {
	PC("#PF CPL 3 read of a supervisor page", rd_super),
	PC("#PF CPL 3 write to a supervisor page", wr_super),
	PC("#PF CPL 3 write to a read-only user page, CR0.WP=1", wr_user_ro),
	PC("#PF CPL 3 read of a not-present page", rd_np),
	PC("#PF CPL 3 write, PDE R/W=0 over PTE R/W=1", wr_pde_ro),
	PC("#PF CPL 3 read, PDE U/S=0 over PTE U/S=1", rd_pde_super),
};

static const struct priv_check user_ok[] = {
	PC("CPL 3 read of a read-only user page", rd_user_ro),
	PC("CPL 3 write and read of a read/write user page", wr_user_rw),
	PC("CPL 3 read, PDE R/W=0 over PTE R/W=1", rd_pde_ro),
};

static void report_user(int r, const char *at_name, const char *at, int show)
{
	if (r == 1)
		print_fault(at_name, (uint32_t)(uintptr_t)at, show);
	else if (r == 2)
		kprintf("no fault, ebx=0x%08x", uexit.ebx);
	else
		kprintf("returned %d?", r);
}

static uint32_t r0top(void)
{
	return (uint32_t)(uintptr_t)ring0_stack_top;
}

void ring_checks(void)
{
	uint32_t i;
	int r;
	uint16_t sel;

	if (begin("LTR, then STR and the busy TSS descriptor")) {
		__asm__ volatile("str %0" : "=r"(sel));
		s_sel_info(SEL_TSS);
		kprintf("str=0x%x lar=0x%08x lsl=0x%x", sel, res[0] & 0x00F0FF00u, res[2]);
		end();
	}

	if (begin("IRET to ring 3, INT 0x80 (DPL 3 gate) to ring 0 on the TSS stack")) {
		memset(&sysrec, 0, sizeof(sysrec));
		r = run_user(UFN(u_int80), EFL_BASE, SEL_UDATA);
		if (r == 1) {
			print_fault("?", 0, SHOW_CS);
		} else {
			kprintf("hits=%u ss=0x%x esp=", sysrec.hits, sysrec.ss);
			print_rel("user_stack_top", (uint32_t)(uintptr_t)user_stack_top, sysrec.esp);
			kprintf(" eflags=0x%08x cs=0x%x eip=", sysrec.eflags, sysrec.cs);
			print_rel("u_int80_ret", (uint32_t)(uintptr_t)u_int80_ret, sysrec.eip);
			kprintf(" frame=");
			print_rel("esp0", r0top(), sysrec.frame);
			kprintf(" handler ss=0x%x", sysrec.handler_ss);
		}
		end();
		if (begin("IRET from the INT 0x80 handler back to ring 3")) {
			kprintf("exit call: result=%d cs=0x%x ss=0x%x esi=0x%08x eip=", r, uexit.cs, uexit.ss, uexit.esi);
			print_rel("u_int80_ret", (uint32_t)(uintptr_t)u_int80_ret, uexit.eip);
			end();
		}
	} else if (begin("IRET from the INT 0x80 handler back to ring 3")) {
		kprintf("needs the previous check");
		end();
	}

	if (begin("IRET to ring 3 nulls FS/GS holding a DPL 0 selector")) {
		r = run_user(UFN(u_segs), EFL_BASE, SEL_KDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("ds=0x%x es=0x%x fs=0x%x gs=0x%x ss=0x%x", uexit.ebx & 0xFFFF,
				uexit.ecx & 0xFFFF, uexit.edx & 0xFFFF, uexit.esi & 0xFFFF, uexit.edi & 0xFFFF);
		end();
	}

	if (begin("#GP INT 0x81 (DPL 0 gate) from ring 3")) {
		r = run_user(UFN(u_int81), EFL_BASE, SEL_UDATA);
		report_user(r, "u_int81_at", u_int81_at, SHOW_CS | SHOW_STACK);
		end();
	}

	if (begin("#BP INT3 from ring 3 (DPL 3 gate)")) {
		r = run_user(UFN(u_int3), EFL_BASE, SEL_UDATA);
		report_user(r, "u_int3_after", u_int3_after, SHOW_CS | SHOW_STACK);
		if (r == 1)
			kprintf(" eflags=0x%08x", fault.eflags);
		end();
	}

	for (i = 0; i < sizeof(privs) / sizeof(privs[0]); i++) {
		if (!begin(privs[i].title))
			continue;
		r = run_user(UFN(privs[i].entry), EFL_BASE, SEL_UDATA);
		report_user(r, privs[i].at_name, privs[i].at, SHOW_CS);
		end();
	}

	tss.iomap_base = (uint16_t)__builtin_offsetof(struct tss, iomap);
	if (begin("IN/OUT 0x3FF at CPL 3 allowed by the I/O bitmap")) {
		r = run_user(UFN(u_io_ok), EFL_BASE, SEL_UDATA);
		report_user(r, "u_io_ok", u_io_ok, SHOW_CS);
		end();
	}
	if (begin("#GP IN from port 0x3F7 at CPL 3 (bitmap bit set)")) {
		r = run_user(UFN(u_io_denied), EFL_BASE, SEL_UDATA);
		report_user(r, "u_io_denied_at", u_io_denied_at, SHOW_CS);
		end();
	}
	if (begin("#GP 16-bit IN from 0x3FF at CPL 3 (port 0x400 in the terminator byte)")) {
		r = run_user(UFN(u_io_wide), EFL_BASE, SEL_UDATA);
		report_user(r, "u_io_wide_at", u_io_wide_at, SHOW_CS);
		end();
	}
	tss.iomap_base = IOMAP_NONE;

	if (begin("CLI/STI and IN/OUT at CPL 3 with IOPL 3 (no I/O bitmap)")) {
		r = run_user(UFN(u_iopl3), EFL_BASE | EFL_IOPL3, SEL_UDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("eflags after sti=0x%08x scratch=0x%02x eflags after cli=0x%08x",
				uexit.ebx, uexit.ecx, uexit.edx);
		end();
	}

	if (begin("POPF 0x3202 at CPL 3, IOPL 0, IF and IOPL unchanged, no fault")) {
		r = run_user(UFN(u_popf), EFL_BASE, SEL_UDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("pushf=0x%08x then=0x%08x", uexit.ebx, uexit.ecx);
		end();
	}

	if (begin("POPF 0x3202 at CPL 3, IOPL 3, IF changes, IOPL kept")) {
		r = run_user(UFN(u_popf), EFL_BASE | EFL_IOPL3, SEL_UDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("pushf=0x%08x then=0x%08x", uexit.ebx, uexit.ecx);
		end();
	}

	if (begin("IRET at CPL 3 (same level), IOPL 0, cannot change IOPL or IF")) {
		r = run_user(UFN(u_iret3), EFL_BASE, SEL_UDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("pushf=0x%08x", uexit.ebx);
		end();
	}

	if (begin("far CALL through a call gate, ring 3 to ring 0, 2 parameters, RETF 8")) {
		memset(cg_rec, 0, sizeof(cg_rec));
		r = run_user(UFN(u_callgate), EFL_BASE, SEL_UDATA);
		if (r == 1) {
			print_fault("?", 0, SHOW_CS | SHOW_STACK);
		} else {
			kprintf("pushed eip=");
			print_rel("u_callgate_ret", (uint32_t)(uintptr_t)u_callgate_ret, cg_rec[0]);
			kprintf(" cs=0x%x params=0x%08x,0x%08x esp=", cg_rec[1], cg_rec[2], cg_rec[3]);
			print_rel("user_stack_top", (uint32_t)(uintptr_t)user_stack_top, cg_rec[4]);
			kprintf(" ss=0x%x; ring 0 esp=", cg_rec[5]);
			print_rel("esp0", r0top(), cg_rec[6]);
			kprintf(" cs=0x%x; back in ring 3 esp=", cg_rec[7]);
			print_rel("user_stack_top", (uint32_t)(uintptr_t)user_stack_top, uexit.ebx);
			kprintf(" cs=0x%x ss=0x%x", uexit.ecx & 0xFFFF, uexit.edx & 0xFFFF);
		}
		end();
	}

	if (begin("#TS INT 0x82 to a ring 1 gate, TSS.SS1 has RPL 0")) {
		r = run_user(UFN(u_int82), EFL_BASE, SEL_UDATA);
		report_user(r, "u_int82_at", u_int82_at, SHOW_CS | SHOW_STACK);
		end();
	}

	if (begin("LAR/VERR/VERW/LSL at CPL 3")) {
		r = run_user(UFN(u_lar), EFL_BASE, SEL_UDATA);
		if (r == 1)
			print_fault("?", 0, SHOW_CS);
		else
			kprintf("lar(0x10)=0x%08x lar(0x23)=0x%08x lsl(0x0f)=0x%08x zf=0x%02x",
				uexit.ebx, uexit.edx == 0xDEADBEEF ? uexit.edx : uexit.edx & 0x00F0FF00u,
				uexit.esi, uexit.ecx);
		end();
	}

	for (i = 0; i < sizeof(user_pf) / sizeof(user_pf[0]); i++) {
		if (!begin_paged(user_pf[i].title))
			continue;
		r = run_user(UFN(user_pf[i].entry), EFL_BASE, SEL_UDATA);
		report_user(r, user_pf[i].at_name, user_pf[i].at, SHOW_CS | SHOW_CR2);
		end();
	}

	if (begin_paged("#PF CPL 3 write to a read-only user page, CR0.WP=0")) {
		write_cr0(read_cr0() & ~0x00010000u);
		r = run_user(UFN(u_wr_user_ro), EFL_BASE, SEL_UDATA);
		write_cr0(read_cr0() | 0x00010000u);
		report_user(r, "u_wr_user_ro_at", u_wr_user_ro_at, SHOW_CS | SHOW_CR2);
		end();
	}

	if (begin_paged("#PF CPL 3 instruction fetch from a not-present page")) {
		r = run_user(UFN(u_fetch_np), EFL_BASE, SEL_UDATA);
		report_user(r, "page_np", (const char *)PAGE_NP, SHOW_CS | SHOW_CR2 | SHOW_STACK);
		end();
	}

	for (i = 0; i < sizeof(user_ok) / sizeof(user_ok[0]); i++) {
		if (!begin_paged(user_ok[i].title))
			continue;
		r = run_user(UFN(user_ok[i].entry), EFL_BASE, SEL_UDATA);
		report_user(r, user_ok[i].at_name, user_ok[i].at, SHOW_CS | SHOW_CR2);
		end();
	}
}
