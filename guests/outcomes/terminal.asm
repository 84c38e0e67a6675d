; The terminal actions that need exact instructions.

section .text

; LIDT with limit 0 makes every vector lie beyond the IDT limit: INT3 raises
; #GP, delivering it raises #GP again (#DF), delivering #DF fails: shutdown.
global do_triple
do_triple:
	lidt [empty_idt]
	int3
.again:
	jmp .again

global do_spin
do_spin:
	jmp do_spin

; SSE and x87 on purpose: this image is excluded from check-no-fpu.sh.
global do_movaps
do_movaps:
	movaps xmm0, xmm1
	ret

global do_x87
do_x87:
	sub esp, 4
	fninit
	fld1
	fistp dword [esp]
	pop eax
	ret

; Known register values for the default handler's register dump (what the
; loader left in them is not architecturally determined).
global do_ud2
do_ud2:
	mov eax, 0xAAAA0001
	mov ebx, 0xBBBB0002
	mov ecx, 0xCCCC0003
	mov edx, 0xDDDD0004
	mov esi, 0x51510005
	mov edi, 0xD1D10006
	ud2
	ret

section .rodata
empty_idt:
	dw 0
	dd 0
