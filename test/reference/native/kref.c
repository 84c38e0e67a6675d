/*
 * kref: runs instruction test cases natively (32-bit Linux, built with gcc -m32) and records the
 * final state, for test/reference (see ../README.md and ../format.ts).
 *
 *   kref CASES_FILE RESULTS_FILE
 *
 * CASES_FILE is a sequence of struct case_in records, RESULTS_FILE receives one struct case_out per
 * case. The code page and the data region live at fixed addresses (the same ones the emulator test
 * uses), so absolute addresses in the case bytes and pointers the case stores need no relocation.
 * Faults are caught with sigsetjmp/siglongjmp on an alternate signal stack (the case may hold any
 * value in ESP); the trap number and the registers at the fault come from the signal's ucontext.
 *
 * x87 cases (has_fpu) start from the given FNSAVE image (FRSTOR in the prologue) and record the
 * final one (FNSAVE in the epilogue; at a fault, the image the kernel put in the signal frame,
 * which it builds from FXSAVE: the pointer fields there are not comparable). Other cases start
 * from FNINIT.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

#define CODE_ADDR     0x00040000u
#define REGION_ADDR   0x00050000u
#define REGION_SIZE   0x1000u
#define DATA_ADDR     0x00050800u
#define DATA_SIZE     64u
#define EXC_STACK_TOP 0x00058000u
#define MAX_CODE      64
#define FPU_IMAGE     108

struct case_in {
  uint8_t code[MAX_CODE];
  uint32_t code_len;
  uint32_t regs[8];   /* EAX ECX EDX EBX ESP EBP ESI EDI */
  uint32_t eflags;
  uint8_t data[DATA_SIZE];
  uint32_t has_fpu;
  uint8_t fpu[FPU_IMAGE];
};

enum { ST_OK = 0, ST_FAULT = 1, ST_TIMEOUT = 2 };

struct case_out {
  uint32_t status;    /* ST_* */
  uint32_t signo;
  uint32_t trapno;
  uint32_t err;
  uint32_t eip_off;   /* final EIP - CODE_ADDR */
  uint32_t regs[8];
  uint32_t eflags;
  uint8_t data[DATA_SIZE];
  uint32_t canary_ok; /* 1 if no byte of the region outside the data area changed */
  uint8_t fpu[FPU_IMAGE];
};

extern uint32_t kr_in[9], kr_out[9], kr_exit_ptr, kr_has_fpu;
extern uint8_t kr_fpu_in[FPU_IMAGE], kr_fpu_out[FPU_IMAGE];
extern void kr_enter(void);

static sigjmp_buf jb;
static volatile uint32_t fault_regs[8], fault_eflags, fault_eip, fault_trapno, fault_err, fault_signo;
static uint8_t fault_fpu[FPU_IMAGE];

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  fault_regs[0] = g[REG_EAX]; fault_regs[1] = g[REG_ECX]; fault_regs[2] = g[REG_EDX];
  fault_regs[3] = g[REG_EBX]; fault_regs[4] = g[REG_UESP]; fault_regs[5] = g[REG_EBP];
  fault_regs[6] = g[REG_ESI]; fault_regs[7] = g[REG_EDI];
  fault_eflags = g[REG_EFL]; fault_eip = g[REG_EIP];
  fault_trapno = g[REG_TRAPNO]; fault_err = g[REG_ERR]; fault_signo = sig;
  /* cw sw tag ipoff cssel dataoff datasel, then _st[8]: the FNSAVE layout */
  if (uc->uc_mcontext.fpregs) memcpy(fault_fpu, uc->uc_mcontext.fpregs, FPU_IMAGE);
  else memset(fault_fpu, 0, FPU_IMAGE);
  siglongjmp(jb, 1);
}

static uint8_t canary(uint32_t i) { return (uint8_t)(i * 0x9d + 0x3c); }

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: kref CASES RESULTS\n"); return 2; }
  FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
  if (!in || !out) { perror("open"); return 2; }

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
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGALRM };
  for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaction(sigs[k], &sa, NULL);

  struct case_in c;
  struct case_out o;
  uint32_t n = 0;
  while (fread(&c, sizeof c, 1, in) == 1) {
    memset(&o, 0, sizeof o);
    if (c.code_len + 6 > 0x1000 || c.code_len > MAX_CODE) { fprintf(stderr, "case %u: bad code length\n", n); return 2; }
    memset(code, 0xcc, 0x1000);
    memcpy(code, c.code, c.code_len);
    code[c.code_len] = 0xff; /* jmp dword [kr_exit_ptr] */
    code[c.code_len + 1] = 0x25;
    uint32_t p = (uint32_t)&kr_exit_ptr;
    memcpy(code + c.code_len + 2, &p, 4);
    for (uint32_t i = 0; i < REGION_SIZE; i++) region[i] = canary(i);
    memcpy(region + (DATA_ADDR - REGION_ADDR), c.data, DATA_SIZE);
    memcpy(kr_in, c.regs, 32);
    kr_in[8] = c.eflags;
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
      memcpy(o.fpu, kr_fpu_out, FPU_IMAGE);
    } else {
      o.status = fault_signo == SIGALRM ? ST_TIMEOUT : ST_FAULT;
      o.signo = fault_signo;
      o.trapno = fault_trapno;
      o.err = fault_err;
      for (int r = 0; r < 8; r++) o.regs[r] = fault_regs[r];
      o.eflags = fault_eflags;
      o.eip_off = fault_eip - CODE_ADDR;
      memcpy(o.fpu, fault_fpu, FPU_IMAGE);
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
  fprintf(stderr, "kref: %u cases\n", n);
  return 0;
}
