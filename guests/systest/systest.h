/* systest: system-level CPU checks (paging, rings, exceptions, segmentation,
 * self-modifying code, interrupts, double faults). Each check prints one line
 * "systest NN: <what>: <observed values>"; QEMU's output is the reference.
 * Only architecturally determined values are printed: addresses of code are
 * printed relative to a label, never as raw link addresses where avoidable. */
#ifndef SYSTEST_H
#define SYSTEST_H

#include "guest.h"

/* ---- selectors (GDT built in harness.c) ---------------------------------- */
#define SEL_KCODE    0x08 /* ring 0 code, flat */
#define SEL_KDATA    0x10 /* ring 0 data, flat */
#define SEL_UCODE    0x1B /* ring 3 code, flat (0x18 | RPL 3) */
#define SEL_UDATA    0x23 /* ring 3 data, flat (0x20 | RPL 3) */
#define SEL_TSS      0x28
#define SEL_KCODE2   0x30 /* a second flat ring 0 code segment */
#define SEL_NP_DATA  0x38 /* writable data, not present */
#define SEL_SMALL    0x40 /* data, base seg_buf+0x40, limit 0xFF (byte granular) */
#define SEL_EDOWN32  0x48 /* expand-down data, B=1, base seg_buf+0x10, limit 0xFFF */
#define SEL_STACK8M  0x50 /* writable data, base 0, limit 8 MiB - 1 */
#define SEL_LDT      0x58
#define SEL_R1CODE   0x60 /* ring 1 code, flat */
#define SEL_CONFORM  0x68 /* conforming readable code, DPL 0 */
#define SEL_RODATA   0x70 /* read-only data, flat */
#define SEL_XOCODE   0x78 /* execute-only code, flat */
#define SEL_CALLGATE 0x80 /* 32-bit call gate, DPL 3, 2 parameters -> 0x08:callgate_target */
#define SEL_FRESH    0x88 /* flat data with the accessed bit clear */
#define SEL_BUF64K   0x90 /* data, base seg_buf, limit 0xFFFF */
#define SEL_EDOWN16  0x98 /* expand-down data, B=0, base seg_buf, limit 0xFFF */
#define GDT_ENTRIES  20

#define LDT_SEL_DATA 0x04 /* LDT entry 0 (TI=1): data, base seg_buf+0x80, limit 0xFF */
#define LDT_ENTRIES  2

#define SYSCALL_VECTOR 0x80 /* DPL 3 interrupt gate */
#define DPL0_VECTOR    0x81 /* DPL 0 interrupt gate: INT from ring 3 -> #GP */
#define RING1_VECTOR   0x82 /* DPL 3 gate to ring 1 code; TSS.SS1 is invalid -> #TS */

/* ---- the test area (paging.c) -------------------------------------------- */
#define PAGE_NP       0x00800000u /* not present */
#define PAGE_RO       0x00801000u /* supervisor read-only -> phys 0x601000 */
#define PAGE_ALIAS_A  0x00802000u /* -> phys 0x602000 */
#define PAGE_ALIAS_B  0x00803000u /* -> phys 0x602000 */
#define PAGE_USER_RW  0x00804000u /* user read/write -> phys 0x604000 */
#define PAGE_USER_RO  0x00805000u /* user read-only -> phys 0x605000 */
#define PAGE_SUPER    0x00806000u /* supervisor read/write -> phys 0x606000 */
#define PAGE_FLUSH    0x00807000u /* remapped by the INVLPG / CR3 checks */
#define PAGE_GLOBAL   0x00808000u /* global page checks */
#define PAGE_CODE     0x0080A000u /* code for SMC -> phys 0x60A000 */
#define PAGE_CODE_B   0x0080B000u /* alias of PAGE_CODE */
#define PAGE_AD       0x0080C000u /* accessed/dirty checks -> phys 0x60C000 */
#define PAGE_PDE_RO   0x00C00000u /* PDE R/W=0, PTE R/W=1, both U=1 -> phys 0x60D000 */
#define PAGE_PDE_SUP  0x01000000u /* PDE U=0, PTE U=1 -> phys 0x60D000 */
#define PSE_BASE      0x00400000u /* 4 MiB page, identity, supervisor */

/* ---- harness.c ------------------------------------------------------------ */
struct fault_rec {
	uint32_t vector, err, eip, cs, eflags, cr2;
	uint32_t esp, ss; /* pushed only when the fault came from an outer ring */
	uint32_t ecx, esi, edi;
};
struct user_rec {     /* registers at the ring 3 exit call (INT 0x80, EAX=2) */
	uint32_t ebx, ecx, edx, esi, edi, eip, cs, eflags, esp, ss;
};
struct sys_rec {      /* the frame seen by an INT 0x80, EAX=1 (return) call */
	uint32_t eip, cs, eflags, esp, ss, frame, handler_ss, hits;
};

extern struct fault_rec fault;
extern struct user_rec uexit;
extern struct sys_rec sysrec;
extern uint64_t gdt[GDT_ENTRIES];
extern uint64_t ldt[LDT_ENTRIES];
extern uint8_t seg_buf[];   /* 64 KiB + 256 bytes, byte i = pattern(i) */
extern uint32_t res[16];    /* results written by the asm snippets */
extern uint8_t user_stack_top[], ring0_stack_top[];

struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
	uint8_t iomap[0x80 + 1]; /* ports 0-0x3FF, then the 0xFF terminator */
} __attribute__((packed));
extern struct tss tss;
#define TSS_LIMIT (sizeof(struct tss) - 1)
#define IOMAP_NONE 0xFFFF /* iomap_base beyond the TSS limit: no bitmap */

uint8_t pattern(uint32_t i);
void harness_init(void);
void set_idt_gate(uint32_t v, uint32_t handler, uint16_t sel, uint8_t type);
void set_idt_present(uint32_t v, int present);
void load_idt_limit(uint16_t limit);
/* The lib's stub for vector v (0-47). */
uint32_t isr_stub_table_entry(uint32_t v);

/* Run fn at ring 0. Returns 1 if it raised an exception (recorded in fault),
 * 0 if it returned (its return value in *ret if ret is non-null). */
int catch0(uint32_t (*fn)(void), uint32_t *ret);
/* Enter ring 3 at entry with the given EFLAGS, DS=ES=SS=0x23, FS=GS=fsgs and
 * ESP=user_stack_top. Returns 1 if it raised an exception (fault), 2 if it
 * made the exit call (uexit). */
int run_user(void (*entry)(void), uint32_t eflags, uint16_t fsgs);

/* Numbered output. begin() prints "systest NN: title: " and returns true,
 * or prints "systest NN: title: skipped" and returns false (skip=N,M-P,...). */
bool begin(const char *title);
/* The same for a check that needs paging: skipped when the command line says
 * nopaging (for running the rest where paging cannot be enabled). */
bool begin_paged(const char *title);
extern bool paging_off;
void end(void);
void set_skips(const char *cmdline);
/* "name" when v == base, "name+0xN" / "name-0xN" nearby, else the raw hex. */
void print_rel(const char *name, uint32_t base, uint32_t v);
/* vector=V err=0xE eip=<rel>, plus cr2/ss/esp as flags ask. */
#define SHOW_CR2 1
#define SHOW_CS 2
#define SHOW_STACK 4 /* pushed SS:ESP, relative to user_stack_top */
#define NO_EIP 8
void print_fault(const char *name, uint32_t base, int flags);
#define REPORT(sym, flags) print_fault(#sym, (uint32_t)(uintptr_t)(sym), (flags))
/* "no fault" plus the value, or the fault when there was one. */
void print_nofault_or(int faulted, const char *fmt, uint32_t v);

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(uint32_t a) { __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); }
static inline uint32_t rd32(uint32_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }

/* ---- the check groups ------------------------------------------------------ */
void paging_setup(void);
void paging_checks(void);
void ring_checks(void);
void exception_checks(void);
void segment_checks(void);
void smc_checks(void);
void interrupt_checks(void);
void double_fault_checks(void);
extern uint32_t pd[1024], pt2[1024], pt3[1024];

/* ---- asm (cpu.asm, snip-*.asm, user.asm) ----------------------------------- */
typedef struct { uint32_t ebx, esi, edi, ebp, esp, eip; } kjmp_buf;
int ksetjmp(kjmp_buf *b) __attribute__((returns_twice));
void klongjmp(kjmp_buf *b, int v) __attribute__((noreturn));
void enter_user(void (*entry)(void), uint32_t eflags, uint32_t fsgs) __attribute__((noreturn));
void syscall_stub(void);
void dpl0_stub(void);
void ring1_entry(void);
void callgate_target(void);
extern uint32_t cg_rec[8];
/* LAR/LSL/VERR/VERW of sel at CPL 0 into res[0..5] (see snippets.asm). */
void s_sel_info(uint32_t sel);

#define SNIP(n) uint32_t n(void); extern char n##_at[]
#define LABEL(n) extern char n[]

#endif
