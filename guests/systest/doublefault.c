/* Double faults: a contributory exception (or a page fault) whose delivery
 * raises another contributory exception becomes #DF with error code 0. The
 * EIP pushed for #DF is undefined, so it is not printed. */
#include "systest.h"

SNIP(s_ds_beyond);
SNIP(s_pf_np_read);

static void df_case(const char *title, uint32_t (*fn)(void), bool paged)
{
	if (!(paged ? begin_paged(title) : begin(title)))
		return;
	if (catch0(fn, 0))
		print_fault("", 0, NO_EIP);
	else
		kprintf("no fault");
	end();
}

void double_fault_checks(void)
{
	set_idt_present(13, 0);
	df_case("#GP with its gate not present (#NP) -> #DF", s_ds_beyond, false);
	set_idt_present(13, 1);

	set_idt_present(14, 0);
	df_case("#PF with its gate not present (#NP) -> #DF", s_pf_np_read, true);
	set_idt_present(14, 1);

	load_idt_limit(13 * 8 - 1);
	df_case("#GP with its gate beyond the IDT limit (#GP) -> #DF", s_ds_beyond, false);
	load_idt_limit(256 * 8 - 1);

	if (begin("after the double faults an ordinary #GP is delivered again")) {
		if (catch0(s_ds_beyond, 0))
			REPORT(s_ds_beyond_at, 0);
		else
			kprintf("no fault");
		end();
	}
}
