; Ring 3 snippets. Each is entered by enter_user (IRET, ESP = user_stack_top,
; general registers zero) and ends with the exit call (INT 0x80, EAX = 2),
; which hands EBX ECX EDX ESI EDI to the checks; or it faults, and the fault
; is what the check reports. A label name_at marks the instruction expected
; to fault (or the one after a trap).

section .text

%macro UEXIT 0
	mov eax, 2
	int 0x80
%endmacro

%macro UGLOBAL 1
global %1, %1_at
%endmacro

; INT 0x80 with EAX = 1 records the frame and IRETs back; then the exit call.
global u_int80, u_int80_ret
u_int80:
	mov esi, 0x5151A0A0
	mov eax, 1
	int 0x80
u_int80_ret:
	UEXIT

; The selectors ring 3 sees after the IRET that entered it.
global u_segs
u_segs:
	mov bx, ds
	mov cx, es
	mov dx, fs
	mov si, gs
	mov di, ss
	UEXIT

UGLOBAL u_int81
u_int81:
u_int81_at:
	int 0x81
	UEXIT

global u_int3, u_int3_after
u_int3:
	int3
u_int3_after:
	UEXIT

UGLOBAL u_int82
u_int82:
u_int82_at:
	int 0x82
	UEXIT

; Privileged instructions: each must raise #GP(0) at CPL 3.
%macro PRIV 2
UGLOBAL u_%1
u_%1:
	mov ecx, 0x10               ; an MSR index, for rdmsr/wrmsr
	mov edx, 0x3FF              ; a port, for in/out
u_%1_at:
	%2
	UEXIT
%endmacro

PRIV hlt, hlt
PRIV cli, cli
PRIV sti, sti
PRIV rdcr0, {mov eax, cr0}
PRIV wrcr3, {mov cr3, eax}
PRIV lgdt, {lgdt [u_dummy_dtr]}
PRIV lidt, {lidt [u_dummy_dtr]}
PRIV lldt, {lldt ax}
PRIV ltr, {ltr ax}
PRIV wrmsr, wrmsr
PRIV rdmsr, rdmsr
PRIV clts, clts
PRIV invlpg, {invlpg [u_dummy_dtr]}
PRIV rddr7, {mov eax, dr7}
PRIV inb, {in al, dx}
PRIV outb, {out dx, al}
PRIV inimm, {in al, 0x80}

; The COM1 scratch register (0x3FF) through the I/O bitmap: write, read back.
global u_io_ok
u_io_ok:
	mov dx, 0x3FF
	mov al, 0x5A
	out dx, al
	xor eax, eax
	in al, dx
	mov ebx, eax
	UEXIT

UGLOBAL u_io_denied
u_io_denied:
	mov dx, 0x3F7
u_io_denied_at:
	in al, dx
	UEXIT

; A 16-bit access at 0x3FF also needs port 0x400's bit: the terminator byte.
UGLOBAL u_io_wide
u_io_wide:
	mov dx, 0x3FF
u_io_wide_at:
	in ax, dx
	UEXIT

; With IOPL 3: CLI/STI, POPF of IF and port I/O are all allowed.
global u_iopl3
u_iopl3:
	cli
	sti
	pushfd
	pop ebx
	mov dx, 0x3FF
	mov al, 0x3C
	out dx, al
	xor eax, eax
	in al, dx
	mov ecx, eax
	cli
	pushfd
	pop edx
	UEXIT

; POPF of 0x3202 (IOPL 3, IF); report what PUSHF sees afterwards.
global u_popf
u_popf:
	push 0x3202
	popfd
	pushfd
	pop ebx
	push 0x0002                 ; IF off again before leaving ring 3
	popfd
	pushfd
	pop ecx
	UEXIT

; IRET at CPL 3 to CPL 3 with EFLAGS 0x3202 in the frame (IOPL 0 in force).
global u_iret3
u_iret3:
	push 0x3202
	push 0x1B
	push .next
	iretd
.next:
	pushfd
	pop ebx
	UEXIT

; Far call through the call gate with two parameters.
global u_callgate, u_callgate_ret
u_callgate:
	push 0x11111111
	push 0x22222222
	call 0x83:0                 ; the gate (0x80 | RPL 3); the offset is ignored
u_callgate_ret:
	mov ebx, esp
	mov cx, cs
	mov dx, ss
	UEXIT

; LAR/VERR/VERW at CPL 3: EBX/EDX = LAR results (0xDEADBEEF stays on failure),
; ECX = ZF after each test, one bit per test.
global u_lar
u_lar:
	mov ebx, 0xDEADBEEF
	mov edx, 0xDEADBEEF
	mov eax, 0x10
	lar ebx, eax                ; DPL 0 data at CPL 3: fails
	setz cl
	mov eax, 0x23
	lar edx, eax                ; DPL 3 data: succeeds
	setz al
	shl al, 1
	or cl, al
	mov ax, 0x10
	verr ax                     ; fails
	setz al
	shl al, 2
	or cl, al
	mov ax, 0x23
	verw ax                     ; succeeds
	setz al
	shl al, 3
	or cl, al
	mov ax, 0x1B
	verr ax                     ; readable DPL 3 code: succeeds
	setz al
	shl al, 4
	or cl, al
	mov ax, 0x6B
	verr ax                     ; conforming readable DPL 0 code: succeeds
	setz al
	shl al, 5
	or cl, al
	mov ax, 0x0F                ; LDT entry 1, DPL 3 data
	lsl esi, eax                ; LDT not loaded yet or loaded: reported as is
	setz al
	shl al, 6
	or cl, al
	movzx ecx, cl
	UEXIT

; Paging from ring 3.
%macro UREAD 2
UGLOBAL u_%1
u_%1:
u_%1_at:
	mov eax, [%2]
	mov ebx, eax
	UEXIT
%endmacro
%macro UWRITE 2
UGLOBAL u_%1
u_%1:
u_%1_at:
	mov dword [%2], 0x0BADF00D
	mov ebx, [%2]
	UEXIT
%endmacro

UREAD rd_super, 0x00806000
UWRITE wr_super, 0x00806000
UWRITE wr_user_ro, 0x00805000
UREAD rd_np, 0x00800000
UREAD rd_user_ro, 0x00805000
UWRITE wr_user_rw, 0x00804000
UWRITE wr_pde_ro, 0x00C00000
UREAD rd_pde_ro, 0x00C00000
UREAD rd_pde_super, 0x01000000

; Entered with IF=1 while IRQ 0 is pending: the interrupt comes first.
global u_irq
u_irq:
	nop
	UEXIT

global u_fetch_np
u_fetch_np:
	mov eax, 0x00800000
	jmp eax

section .rodata
u_dummy_dtr:
	dw 0
	dd 0
