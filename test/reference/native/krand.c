/*
 * krand: runs random instruction cases natively (32-bit Linux, built with gcc -m32 -static) and
 * records the final state, for test/reference/random (see ../README.md and ../random/env.ts).
 *
 *   krand CASES RESULTS [--unbuffered]
 *                           one struct rin per case in CASES, one struct rout per case to RESULTS
 *                           ("-" for stdin/stdout); --unbuffered writes each result as it is made
 *                           (for emulators that may abort on a case: the results so far survive)
 *   krand --env             prints the environment the cases run in (JSON): selectors, the LDT it
 *                           installed, and LAR/LSL of the GDT selectors the generator uses
 *
 * Unlike kref (the hand-written families), a case here may load segment registers: at startup
 * krand installs an LDT (modify_ldt) whose descriptors the emulator runner copies, so far
 * transfers, segment loads and based segments (16-bit addressing) behave identically natively,
 * under qemu-i386 (which emulates modify_ldt) and in the emulator. The case runs at CPL 3 with
 * the per-case ES DS FS GS from the input; the prologue and epilogue (krand.asm) address memory
 * through SS only. Faults are caught on an alternate signal stack; the trap number, error code,
 * CR2, registers, segment registers and the x87 image at the fault come from the ucontext.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR   0x00040000u
#define REGION_ADDR 0x00050000u
#define REGION_SIZE 0x1000u
#define DATA_ADDR   0x00050800u
#define DATA_SIZE   128u
#define MAX_CODE    48
#define FPU_IMAGE   108
#define KR_LDT_ENTRIES 8

struct rin {
  uint8_t code[MAX_CODE];
  uint32_t code_len;
  uint32_t regs[8];   /* EAX ECX EDX EBX ESP EBP ESI EDI */
  uint32_t eflags;
  uint16_t sel[4];    /* ES DS FS GS */
  uint32_t has_fpu;
  uint8_t data[DATA_SIZE];
  uint8_t fpu[FPU_IMAGE];
};

enum { ST_OK = 0, ST_FAULT = 1, ST_TIMEOUT = 2 };

struct rout {
  uint32_t status;    /* ST_* */
  uint32_t trapno;
  uint32_t err;
  uint32_t cr2;
  uint32_t signo;     /* the signal of a fault (qemu-i386 leaves trapno -1 for some) */
  uint32_t eip_off;   /* final EIP - CODE_ADDR */
  uint32_t regs[8];
  uint32_t eflags;
  uint16_t sel[6];    /* ES CS SS DS FS GS */
  uint32_t canary_ok; /* 1 if no byte of the region outside the data area changed */
  uint8_t data[DATA_SIZE];
  uint8_t fpu[FPU_IMAGE];
};

extern uint32_t kr_in[9], kr_out[9], kr_exit_ptr, kr_has_fpu;
extern uint16_t kr_sel_in[4], kr_sel_out[6];
extern uint32_t kr_saved_ds, kr_saved_es, kr_saved_fs, kr_saved_gs, kr_saved_ss, kr_saved_cs;
extern uint8_t kr_fpu_in[FPU_IMAGE], kr_fpu_out[FPU_IMAGE];
extern void kr_enter(void);
extern void kr_signal(int, siginfo_t *, void *);

static sigjmp_buf jb;
static struct rout fault;
static volatile int fault_signo;

/* Called by kr_signal (krand.asm) once GS is the C runtime's again. */
void kr_on_signal(int sig, siginfo_t *si, void *ctx);
void kr_on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  fault.regs[0] = g[REG_EAX]; fault.regs[1] = g[REG_ECX]; fault.regs[2] = g[REG_EDX];
  fault.regs[3] = g[REG_EBX]; fault.regs[4] = g[REG_UESP]; fault.regs[5] = g[REG_EBP];
  fault.regs[6] = g[REG_ESI]; fault.regs[7] = g[REG_EDI];
  fault.eflags = g[REG_EFL];
  fault.eip_off = g[REG_EIP] - CODE_ADDR;
  fault.trapno = g[REG_TRAPNO];
  fault.err = g[REG_ERR];
  fault.cr2 = uc->uc_mcontext.cr2;
  fault.sel[0] = g[REG_ES]; fault.sel[1] = g[REG_CS]; fault.sel[2] = g[REG_SS];
  fault.sel[3] = g[REG_DS]; fault.sel[4] = g[REG_FS]; fault.sel[5] = g[REG_GS];
  /* cw sw tag ipoff cssel dataoff datasel, then _st[8]: the FNSAVE layout */
  if (uc->uc_mcontext.fpregs) memcpy(fault.fpu, uc->uc_mcontext.fpregs, FPU_IMAGE);
  else memset(fault.fpu, 0, FPU_IMAGE);
  fault_signo = sig;
  siglongjmp(jb, 1);
}

static uint8_t canary(uint32_t i) { return (uint8_t)(i * 0x9d + 0x3c); }

/*
 * The LDT (selector = 8 * entry + 7: TI = 1, RPL 3). random/env.ts documents what each entry is
 * for; the emulator runner installs the bytes `krand --env` reads back.
 */
static const struct user_desc ldt_entries[KR_LDT_ENTRIES] = {
  /* entry, base, limit, seg_32bit, contents, read_exec_only, limit_in_pages, seg_not_present, useable */
  { 0, REGION_ADDR, 0xfffff, 1, 0, 0, 1, 0, 0 }, /* 0x07 data RW, base = region (16-bit addressing) */
  { 1, 0, 0xfffff, 1, 2, 0, 1, 0, 0 },           /* 0x0f code RX, flat */
  { 2, 0, 0xfffff, 1, 0, 0, 1, 0, 0 },           /* 0x17 data RW, flat */
  { 3, REGION_ADDR, 0xfffff, 1, 0, 1, 1, 0, 0 }, /* 0x1f data read-only, base = region */
  { 4, 0, 0xfffff, 1, 0, 0, 1, 1, 0 },           /* 0x27 data RW, not present */
  { 5, REGION_ADDR, 0x8ff, 1, 0, 0, 0, 0, 0 },   /* 0x2f data RW, base = region, limit 0x8ff bytes */
  { 6, 0, 0xfffff, 1, 2, 0, 1, 1, 0 },           /* 0x37 code RX, flat, not present */
  { 7, REGION_ADDR, 0x7ff, 1, 1, 0, 0, 0, 0 },   /* 0x3f data RW expand-down, base = region, limit 0x7ff */
};

static void install_ldt(void) {
  for (int k = 0; k < KR_LDT_ENTRIES; k++) {
    struct user_desc d = ldt_entries[k];
    if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) { perror("modify_ldt"); exit(2); }
  }
}

static void save_segments(void) {
  uint32_t v;
  __asm__ volatile("mov %%ds, %0" : "=r"(v)); kr_saved_ds = v & 0xffff;
  __asm__ volatile("mov %%es, %0" : "=r"(v)); kr_saved_es = v & 0xffff;
  __asm__ volatile("mov %%fs, %0" : "=r"(v)); kr_saved_fs = v & 0xffff;
  __asm__ volatile("mov %%gs, %0" : "=r"(v)); kr_saved_gs = v & 0xffff;
  __asm__ volatile("mov %%ss, %0" : "=r"(v)); kr_saved_ss = v & 0xffff;
  __asm__ volatile("mov %%cs, %0" : "=r"(v)); kr_saved_cs = v & 0xffff;
}

/* LAR and LSL of a selector: ok = ZF. */
static void lar_lsl(uint32_t sel, uint32_t *lar, uint32_t *lsl, int *lar_ok, int *lsl_ok) {
  uint32_t a = 0, l = 0;
  uint8_t za, zl;
  __asm__ volatile("lar %2, %0; setz %1" : "+r"(a), "=q"(za) : "r"(sel) : "cc");
  __asm__ volatile("lsl %2, %0; setz %1" : "+r"(l), "=q"(zl) : "r"(sel) : "cc");
  *lar = a; *lsl = l; *lar_ok = za; *lsl_ok = zl;
}

static int print_env(void) {
  uint32_t cs, ss;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  __asm__ volatile("mov %%ss, %0" : "=r"(ss));
  printf("{\"cs\":%u,\"ss\":%u,\"ds\":%u,\"es\":%u,\"fs\":%u,\"gs\":%u,", cs & 0xffff, ss & 0xffff,
         kr_saved_ds, kr_saved_es, kr_saved_fs, kr_saved_gs);
  uint8_t ldt[KR_LDT_ENTRIES * 8];
  memset(ldt, 0, sizeof ldt);
  long n = syscall(SYS_modify_ldt, 0, ldt, sizeof ldt);
  printf("\"ldtBytesRead\":%ld,\"ldt\":[", n);
  for (unsigned k = 0; k < sizeof ldt; k++) printf("%s%u", k ? "," : "", ldt[k]);
  printf("],\"gdt\":[");
  for (uint32_t sel = 0; sel < 0x88; sel += 1) {
    uint32_t lar, lsl;
    int lo, so;
    lar_lsl(sel, &lar, &lsl, &lo, &so);
    printf("%s{\"sel\":%u,\"lar\":%s%u,\"lsl\":%s%u}", sel ? "," : "", sel, lo ? "" : "-", lo ? lar : 1, so ? "" : "-", so ? lsl : 1);
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  save_segments();
  install_ldt();
  if (argc == 2 && strcmp(argv[1], "--env") == 0) return print_env();
  if (argc != 3 && !(argc == 4 && strcmp(argv[3], "--unbuffered") == 0)) {
    fprintf(stderr, "usage: krand CASES RESULTS [--unbuffered] | krand --env\n");
    return 2;
  }
  FILE *in = strcmp(argv[1], "-") ? fopen(argv[1], "rb") : stdin;
  FILE *out = strcmp(argv[2], "-") ? fopen(argv[2], "wb") : stdout;
  if (!in || !out) { perror("open"); return 2; }
  if (argc == 4) setvbuf(out, NULL, _IONBF, 0);

  uint8_t *code = mmap((void *)CODE_ADDR, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *region = mmap((void *)REGION_ADDR, 0x9000, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || region != (void *)REGION_ADDR) { fprintf(stderr, "fixed mmap failed\n"); return 2; }

  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) { perror("sigaltstack"); return 2; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = kr_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGALRM };
  for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaction(sigs[k], &sa, NULL);

  static struct rin c;
  static struct rout o;
  uint32_t n = 0;
  while (fread(&c, sizeof c, 1, in) == 1) {
    memset(&o, 0, sizeof o);
    if (c.code_len > MAX_CODE) { fprintf(stderr, "case %u: bad code length\n", n); return 2; }
    memset(code, 0xcc, 0x1000);
    memcpy(code, c.code, c.code_len);
    code[c.code_len] = 0x2e; /* jmp dword cs:[kr_exit_ptr] */
    code[c.code_len + 1] = 0xff;
    code[c.code_len + 2] = 0x25;
    uint32_t p = (uint32_t)&kr_exit_ptr;
    memcpy(code + c.code_len + 3, &p, 4);
    for (uint32_t i = 0; i < REGION_SIZE; i++) region[i] = canary(i);
    memcpy(region + (DATA_ADDR - REGION_ADDR), c.data, DATA_SIZE);
    memcpy(kr_in, c.regs, 32);
    kr_in[8] = c.eflags;
    memcpy(kr_sel_in, c.sel, sizeof c.sel);
    kr_has_fpu = c.has_fpu;
    memcpy(kr_fpu_in, c.fpu, FPU_IMAGE);

    struct itimerval watchdog = { .it_interval = { 0, 0 }, .it_value = { 1, 0 } };
    setitimer(ITIMER_REAL, &watchdog, NULL);
    if (sigsetjmp(jb, 1) == 0) {
      kr_enter();
      o.status = ST_OK;
      memcpy(o.regs, kr_out, 32);
      o.eflags = kr_out[8];
      o.eip_off = c.code_len;
      memcpy(o.sel, kr_sel_out, sizeof o.sel);
      memcpy(o.fpu, kr_fpu_out, FPU_IMAGE);
    } else {
      uint32_t fs = kr_saved_fs;
      __asm__ volatile("mov %0, %%fs" : : "r"(fs));
      o = fault;
      o.status = fault_signo == SIGALRM ? ST_TIMEOUT : ST_FAULT;
      o.signo = fault_signo;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);

    memcpy(o.data, region + (DATA_ADDR - REGION_ADDR), DATA_SIZE);
    o.canary_ok = 1;
    for (uint32_t i = 0; i < REGION_SIZE; i++) {
      if (i >= DATA_ADDR - REGION_ADDR && i < DATA_ADDR - REGION_ADDR + DATA_SIZE) continue;
      if (region[i] != canary(i)) { o.canary_ok = 0; break; }
    }
    if (fwrite(&o, sizeof o, 1, out) != 1) { perror("write"); return 2; }
    n++;
  }
  fclose(out);
  fprintf(stderr, "krand: %u cases\n", n);
  return 0;
}
