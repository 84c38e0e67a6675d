; systest's ring-transition and recovery machinery: ksetjmp/klongjmp, the
; IRET into ring 3, the INT 0x80 stub, the call-gate target and the stacks.

%define KERNEL_DS 0x10
%define USER_CS   0x1B
%define USER_DS   0x23

section .text
extern syscall_dispatch

; int ksetjmp(kjmp_buf *b): saves EBX ESI EDI EBP, the caller's ESP and the
; return address; returns 0, or v when klongjmp(b, v) comes back.
global ksetjmp
ksetjmp:
	mov eax, [esp + 4]
	mov [eax], ebx
	mov [eax + 4], esi
	mov [eax + 8], edi
	mov [eax + 12], ebp
	lea ecx, [esp + 4]
	mov [eax + 16], ecx
	mov ecx, [esp]
	mov [eax + 20], ecx
	xor eax, eax
	ret

; void klongjmp(kjmp_buf *b, int v): back to ring 0 flat segments (SS too: a
; check may have left a small-limit SS behind) and to the ksetjmp call site.
global klongjmp
klongjmp:
	mov edx, [esp + 4]
	mov eax, [esp + 8]
	mov cx, KERNEL_DS
	mov ds, cx
	mov es, cx
	mov fs, cx
	mov gs, cx
	mov ss, cx
	mov esp, [edx + 16]
	mov ebx, [edx]
	mov esi, [edx + 4]
	mov edi, [edx + 8]
	mov ebp, [edx + 12]
	jmp [edx + 20]

; void enter_user(void (*entry)(void), uint32_t eflags, uint32_t fsgs):
; IRET to ring 3 at entry, ESP = user_stack_top, DS = ES = SS = 0x23,
; FS = GS = fsgs. General registers are zeroed so ring 3 starts from a known
; state. Never returns (the exit call or a fault longjmps back).
global enter_user
enter_user:
	mov eax, [esp + 4]
	mov ecx, [esp + 8]
	mov edx, [esp + 12]
	push USER_DS
	push user_stack_top
	push ecx
	push USER_CS
	push eax
	mov fs, dx
	mov gs, dx
	mov dx, USER_DS
	mov ds, dx
	mov es, dx
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor edi, edi
	xor ebp, ebp
	iretd

; INT 0x80 (DPL 3 interrupt gate): the same frame as the lib's isr_common
; (struct regs), handed to syscall_dispatch.
global syscall_stub
syscall_stub:
	push 0
	push 0x80
	pushad
	push ds
	push es
	push fs
	push gs
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	cld
	push esp
	call syscall_dispatch
	add esp, 4
	pop gs
	pop fs
	pop es
	pop ds
	popad
	add esp, 8
	iretd

; Gate 0x81 (DPL 0): ring 3 can never get here; ring 0 never uses it.
global dpl0_stub
dpl0_stub:
	ud2

; Gate 0x82 -> ring 1 code: never reached, the stack switch fails first (#TS).
global ring1_entry
ring1_entry:
	ud2

; Call gate 0x80 (DPL 3, 2 parameters) lands here at ring 0 on the TSS stack.
; Record what the CPU pushed (EIP, CS, the two copied parameters, ESP, SS),
; our own ESP and CS, then RETF 8 back to ring 3.
global callgate_target, cg_rec
callgate_target:
	mov eax, [esp]
	mov [cg_rec], eax
	mov eax, [esp + 4]
	and eax, 0xFFFF
	mov [cg_rec + 4], eax
	mov eax, [esp + 8]
	mov [cg_rec + 8], eax
	mov eax, [esp + 12]
	mov [cg_rec + 12], eax
	mov eax, [esp + 16]
	mov [cg_rec + 16], eax
	mov eax, [esp + 20]
	and eax, 0xFFFF
	mov [cg_rec + 20], eax
	mov [cg_rec + 24], esp
	xor eax, eax
	mov ax, cs
	mov [cg_rec + 28], eax
	retf 8

section .bss nobits alloc noexec write align=16
align 16
cg_rec:
	resd 8
global user_stack_top, ring0_stack_top
align 16
	resb 4096
user_stack_top:
	resb 8192
ring0_stack_top:
