; Multiboot (v1) header and kernel entry for the ELF guests.
;
; The loader jumps to _start in 32-bit protected mode with EAX = 0x2BADB002,
; EBX = physical address of the multiboot info, interrupts disabled and no
; valid stack; the GDTR may point anywhere, so we load our own flat GDT
; before touching a segment register.

%define MB_MAGIC    0x1BADB002
%define MB_FLAGS    ((1 << 0) | (1 << 1))    ; page-align modules, want memory info
%define MB_CHECKSUM (-(MB_MAGIC + MB_FLAGS))

%define KERNEL_CS   0x08
%define KERNEL_DS   0x10
%define STACK_SIZE  16384

section .multiboot progbits alloc noexec nowrite align=4
align 4
multiboot_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd MB_CHECKSUM

section .text
global _start
extern kmain

_start:
	cli
	mov esp, stack_top
	lgdt [gdt_descriptor]
	jmp KERNEL_CS:.reload_cs
.reload_cs:
	mov cx, KERNEL_DS
	mov ds, cx
	mov es, cx
	mov fs, cx
	mov gs, cx
	mov ss, cx
	; Known EFLAGS (IF=0, DF=0, AC=0), and EBP=0 so backtraces stop here.
	push 0
	popfd
	xor ebp, ebp
	sub esp, 8                  ; keep ESP 16-byte aligned at the call
	push ebx                    ; struct multiboot_info *
	push eax                    ; magic
	call kmain
	; kmain returned: stop this CPU for good.
.halt:
	cli
	hlt
	jmp .halt

section .rodata
align 8
gdt:
	dq 0                        ; null descriptor
	dq 0x00CF9A000000FFFF       ; 0x08: code, base 0, limit 4 GiB, 32-bit, ring 0
	dq 0x00CF92000000FFFF       ; 0x10: data, base 0, limit 4 GiB, 32-bit, ring 0
gdt_end:

gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

section .bss nobits alloc noexec write align=16
align 16
global stack_bottom, stack_top
stack_bottom:
	resb STACK_SIZE
stack_top:
