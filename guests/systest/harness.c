/* The machinery every check uses: GDT, LDT, TSS, IDT, catching exceptions at
 * ring 0 and ring 3, the INT 0x80 exit call, numbered output. */
#include "systest.h"


struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t isr_stub_table[48];

uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
uint64_t ldt[LDT_ENTRIES] __attribute__((aligned(8)));
struct tss tss __attribute__((aligned(128)));
static struct gate idt[256] __attribute__((aligned(8)));
uint8_t seg_buf[0x10100] __attribute__((aligned(16)));
uint32_t res[16];

struct fault_rec fault;
struct user_rec uexit;
struct sys_rec sysrec;

static kjmp_buf catch_jb;
static volatile int catching;

uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 37 + (i >> 8) * 11 + 5);
}

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xFFFFull) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
	       ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t call_gate(uint16_t sel, uint32_t off, uint8_t type, uint8_t params)
{
	return (off & 0xFFFFull) | ((uint64_t)sel << 16) | ((uint64_t)(params & 31) << 32) |
	       ((uint64_t)type << 40) | ((uint64_t)(off >> 16) << 48);
}

void set_idt_gate(uint32_t v, uint32_t handler, uint16_t sel, uint8_t type)
{
	idt[v].off_lo = handler & 0xFFFF;
	idt[v].sel = sel;
	idt[v].zero = 0;
	idt[v].type = type;
	idt[v].off_hi = handler >> 16;
}

uint32_t isr_stub_table_entry(uint32_t v)
{
	return isr_stub_table[v];
}

void set_idt_present(uint32_t v, int present)
{
	if (present)
		idt[v].type |= 0x80;
	else
		idt[v].type &= 0x7F;
}

void load_idt_limit(uint16_t limit)
{
	struct dtr d = { limit, (uint32_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

/* ---- catching exceptions --------------------------------------------------- */
static void catch_handler(struct regs *r)
{
	if (!catching)
		default_exception_handler(r);
	fault.vector = r->vector;
	fault.err = r->err_code;
	fault.eip = r->eip;
	fault.cs = r->cs;
	fault.eflags = r->eflags;
	fault.cr2 = read_cr2();
	fault.ecx = r->ecx;
	fault.esi = r->esi;
	fault.edi = r->edi;
	if (r->cs & 3) {
		const uint32_t *outer = (const uint32_t *)(r + 1);
		fault.esp = outer[0];
		fault.ss = outer[1];
	}
	catching = 0;
	klongjmp(&catch_jb, 1);
}

int catch0(uint32_t (*fn)(void), uint32_t *ret)
{
	uint32_t v;

	memset(&fault, 0, sizeof(fault));
	if (ksetjmp(&catch_jb)) {
		catching = 0;
		return 1;
	}
	catching = 1;
	v = fn();
	catching = 0;
	if (ret)
		*ret = v;
	return 0;
}

int run_user(void (*entry)(void), uint32_t eflags, uint16_t fsgs)
{
	int r;

	memset(&fault, 0, sizeof(fault));
	memset(&uexit, 0, sizeof(uexit));
	r = ksetjmp(&catch_jb);
	if (r) {
		catching = 0;
		return r;
	}
	catching = 1;
	enter_user(entry, eflags, fsgs);
}

static inline uint32_t read_ss(void)
{
	uint32_t v = 0;
	__asm__ volatile("mov %%ss, %w0" : "+r"(v));
	return v;
}

/* INT 0x80 from ring 3: EAX = 1 records the frame and returns with IRET,
 * EAX = 2 is the exit call back to the check that entered ring 3. */
void syscall_dispatch(struct regs *r);
void syscall_dispatch(struct regs *r)
{
	const uint32_t *outer = (const uint32_t *)(r + 1);

	if (r->eax == 1) {
		sysrec.eip = r->eip;
		sysrec.cs = r->cs;
		sysrec.eflags = r->eflags;
		sysrec.esp = outer[0];
		sysrec.ss = outer[1];
		sysrec.frame = (uint32_t)(uintptr_t)&r->eip;
		sysrec.handler_ss = read_ss();
		sysrec.hits++;
		return;
	}
	if (r->eax == 2 && catching) {
		uexit.ebx = r->ebx;
		uexit.ecx = r->ecx;
		uexit.edx = r->edx;
		uexit.esi = r->esi;
		uexit.edi = r->edi;
		uexit.eip = r->eip;
		uexit.cs = r->cs;
		uexit.eflags = r->eflags;
		uexit.esp = outer[0];
		uexit.ss = outer[1];
		catching = 0;
		klongjmp(&catch_jb, 2);
	}
	panic("systest: unexpected INT 0x80 eax=%u from eip=0x%08x", r->eax, r->eip);
}

/* ---- output ---------------------------------------------------------------- */
static unsigned check_no;
static uint32_t skip_lo[32], skip_hi[32];
static unsigned nskips;
bool paging_off;

static uint32_t parse_num(const char **p)
{
	uint32_t n = 0;

	while (**p >= '0' && **p <= '9')
		n = n * 10 + (uint32_t)(*(*p)++ - '0');
	return n;
}

void set_skips(const char *cmdline)
{
	char buf[128];
	const char *p = buf;

	paging_off = cmdline_get(cmdline, "nopaging", buf, sizeof(buf));
	if (!cmdline_get(cmdline, "skip", buf, sizeof(buf)))
		return;
	while (*p && nskips < 32) {
		skip_lo[nskips] = skip_hi[nskips] = parse_num(&p);
		if (*p == '-') {
			p++;
			skip_hi[nskips] = parse_num(&p);
		}
		nskips++;
		if (*p)
			p++;
	}
}

bool begin(const char *title)
{
	unsigned i;

	check_no++;
	kprintf("systest %02u: %s: ", check_no, title);
	for (i = 0; i < nskips; i++) {
		if (check_no >= skip_lo[i] && check_no <= skip_hi[i]) {
			kprintf("skipped\n");
			return false;
		}
	}
	return true;
}

bool begin_paged(const char *title)
{
	if (paging_off) {
		check_no++;
		kprintf("systest %02u: %s: skipped (nopaging)\n", check_no, title);
		return false;
	}
	return begin(title);
}

void end(void)
{
	kprintf("\n");
}

void print_rel(const char *name, uint32_t base, uint32_t v)
{
	if (v == base)
		kprintf("%s", name);
	else if (v > base && v - base < 0x10000)
		kprintf("%s+0x%x", name, v - base);
	else if (v < base && base - v < 0x10000)
		kprintf("%s-0x%x", name, base - v);
	else
		kprintf("0x%08x", v);
}

void print_fault(const char *name, uint32_t base, int flags)
{
	kprintf("vector=%u err=0x%x", fault.vector, fault.err);
	if (!(flags & NO_EIP)) {
		kprintf(" eip=");
		print_rel(name, base, fault.eip);
	}
	if (flags & SHOW_CS)
		kprintf(" cs=0x%x", fault.cs);
	if (flags & SHOW_CR2)
		kprintf(" cr2=0x%08x", fault.cr2);
	if (flags & SHOW_STACK) {
		kprintf(" ss=0x%x esp=", fault.ss);
		print_rel("user_stack_top", (uint32_t)(uintptr_t)user_stack_top, fault.esp);
	}
}

void print_nofault_or(int faulted, const char *fmt, uint32_t v)
{
	if (faulted) {
		kprintf("unexpected ");
		print_fault("?", 0, SHOW_CR2 | SHOW_CS);
		return;
	}
	kprintf("no fault");
	if (fmt)
		kprintf(fmt, v);
}

/* ---- setup ----------------------------------------------------------------- */
static void load_gdt(void)
{
	struct dtr d = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };

	__asm__ volatile(
		"lgdt %0\n\t"
		"ljmp $0x08, $1f\n"
		"1:\n\t"
		"mov $0x10, %%ax\n\t"
		"mov %%ax, %%ds\n\t"
		"mov %%ax, %%es\n\t"
		"mov %%ax, %%fs\n\t"
		"mov %%ax, %%gs\n\t"
		"mov %%ax, %%ss\n\t"
		: : "m"(d) : "eax", "memory");
}

void harness_init(void)
{
	uint32_t i, v;
	uint16_t sel;

	for (i = 0; i < sizeof(seg_buf); i++)
		seg_buf[i] = pattern(i);

	/* TSS: ring 0 stack; SS1 deliberately invalid (RPL 0 for ring 1). */
	memset(&tss, 0, sizeof(tss));
	tss.ss0 = SEL_KDATA;
	tss.esp0 = (uint32_t)(uintptr_t)ring0_stack_top;
	tss.ss1 = SEL_KDATA;
	tss.iomap_base = IOMAP_NONE;
	for (i = 0; i < sizeof(tss.iomap); i++)
		tss.iomap[i] = 0xFF;
	tss.iomap[0x3F8 / 8] = 0x00; /* ports 0x3F8-0x3FF allowed */

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = seg_desc(0, 0xFFFFF, 0x9B, 0xC);
	gdt[SEL_KDATA >> 3] = seg_desc(0, 0xFFFFF, 0x93, 0xC);
	gdt[SEL_UCODE >> 3] = seg_desc(0, 0xFFFFF, 0xFB, 0xC);
	gdt[SEL_UDATA >> 3] = seg_desc(0, 0xFFFFF, 0xF3, 0xC);
	gdt[SEL_TSS >> 3] = seg_desc((uint32_t)(uintptr_t)&tss, TSS_LIMIT, 0x89, 0x0);
	gdt[SEL_KCODE2 >> 3] = seg_desc(0, 0xFFFFF, 0x9B, 0xC);
	gdt[SEL_NP_DATA >> 3] = seg_desc(0, 0xFFFFF, 0x13, 0xC);
	gdt[SEL_SMALL >> 3] = seg_desc((uint32_t)(uintptr_t)seg_buf + 0x40, 0xFF, 0x93, 0x4);
	gdt[SEL_EDOWN32 >> 3] = seg_desc((uint32_t)(uintptr_t)seg_buf + 0x10, 0xFFF, 0x97, 0x4);
	gdt[SEL_STACK8M >> 3] = seg_desc(0, 0x7FF, 0x93, 0xC);
	gdt[SEL_LDT >> 3] = seg_desc((uint32_t)(uintptr_t)ldt, sizeof(ldt) - 1, 0x82, 0x0);
	gdt[SEL_R1CODE >> 3] = seg_desc(0, 0xFFFFF, 0xBB, 0xC);
	gdt[SEL_CONFORM >> 3] = seg_desc(0, 0xFFFFF, 0x9F, 0xC);
	gdt[SEL_RODATA >> 3] = seg_desc(0, 0xFFFFF, 0x91, 0xC);
	gdt[SEL_XOCODE >> 3] = seg_desc(0, 0xFFFFF, 0x99, 0xC);
	gdt[SEL_CALLGATE >> 3] = call_gate(SEL_KCODE, (uint32_t)(uintptr_t)callgate_target, 0xEC, 2);
	gdt[SEL_FRESH >> 3] = seg_desc(0, 0xFFFFF, 0x92, 0xC);
	gdt[SEL_BUF64K >> 3] = seg_desc((uint32_t)(uintptr_t)seg_buf, 0xFFFF, 0x93, 0x4);
	gdt[SEL_EDOWN16 >> 3] = seg_desc((uint32_t)(uintptr_t)seg_buf, 0xFFF, 0x97, 0x0);
	ldt[0] = seg_desc((uint32_t)(uintptr_t)seg_buf + 0x80, 0xFF, 0x93, 0x4);
	ldt[1] = seg_desc(0, 0xFFFFF, 0xF3, 0xC);
	load_gdt();
	sel = SEL_TSS;
	__asm__ volatile("ltr %0" : : "r"(sel));
	sel = SEL_LDT;
	__asm__ volatile("lldt %0" : : "r"(sel));

	/* IDT: the lib's stubs for 0-47 (interrupt gates; #BP and #OF with DPL 3
	 * as an OS would have them), INT 0x80 for ring 3, and the special gates. */
	memset(idt, 0, sizeof(idt));
	for (v = 0; v < 48; v++)
		set_idt_gate(v, isr_stub_table[v], SEL_KCODE, 0x8E);
	set_idt_gate(3, isr_stub_table[3], SEL_KCODE, 0xEE);
	set_idt_gate(4, isr_stub_table[4], SEL_KCODE, 0xEE);
	set_idt_gate(SYSCALL_VECTOR, (uint32_t)(uintptr_t)syscall_stub, SEL_KCODE, 0xEE);
	set_idt_gate(DPL0_VECTOR, (uint32_t)(uintptr_t)dpl0_stub, SEL_KCODE, 0x8E);
	set_idt_gate(RING1_VECTOR, (uint32_t)(uintptr_t)ring1_entry, SEL_R1CODE, 0xEE);
	load_idt_limit(sizeof(idt) - 1);
	for (v = 0; v < 32; v++)
		idt_set_exception_handler(v, catch_handler);
}
