; Interrupt service routine stubs: vectors 0-31 (CPU exceptions) and 32-47
; (the 16 PIC IRQs after remapping). Every stub leaves the same frame on the
; stack (struct regs in idt.h) and jumps to isr_common, which calls the C
; dispatcher isr_dispatch(struct regs *).

%define KERNEL_DS 0x10
%define REGS_EIP  56                ; offsetof(struct regs, eip)

section .text
extern isr_dispatch

; Exceptions where the CPU pushes an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX.
%macro ISR_NOERR 1
isr_stub_%1:
	push 0                      ; dummy error code keeps the frame uniform
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_stub_%1:
	push %1
	jmp isr_common
%endmacro

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
%assign v 32
%rep 16
ISR_NOERR v
%assign v v+1
%endrep

isr_common:
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
	mov eax, esp                ; struct regs *
	; A fake call frame (return address = interrupted EIP, saved EBP =
	; interrupted EBP) so an EBP-chain backtrace walks from the handler
	; through the interrupt into the interrupted code.
	push dword [eax + REGS_EIP]
	push ebp
	mov ebp, esp
	push eax
	call isr_dispatch
	add esp, 12
	pop gs
	pop fs
	pop es
	pop ds
	popad
	add esp, 8                  ; vector and error code
	iretd

section .rodata
align 4
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 48
	dd isr_stub_ %+ v
%assign v v+1
%endrep
