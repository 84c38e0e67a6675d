; Ring 0 snippets: self-modifying code and interrupts.
%include "snippets.inc"

section .text

; ---- self-modifying code -------------------------------------------------------
; A store that patches the very next instruction in the same straight-line run.
global s_smc_next
s_smc_next:
	mov byte [.patch + 1], 0x42
.patch:
	mov al, 0x00
	movzx eax, al
	ret

; A store that patches an instruction two ahead, inside a loop that runs three
; times: the first pass runs the original, later passes the patched code.
; Returns the sum of what each pass added.
global s_smc_loop
s_smc_loop:
	push ebx
	mov byte [.imm], 1          ; restore the original each call
	xor eax, eax
	mov ecx, 3
.loop:
	db 0x83, 0xC0               ; add eax, imm8
.imm:
	db 1
	mov byte [.imm], 0x10
	dec ecx
	jnz .loop
	pop ebx
	ret

; Code templates copied around by smc.c (position independent).
global tmpl_a, tmpl_a_end, tmpl_b, tmpl_b_end
tmpl_a:
	mov eax, 0xA1A1A1A1
	add eax, 0x10
	ret
	align 4, db 0x90
tmpl_a_end:
tmpl_b:
	mov eax, 0xB2B2B2B2
	xor eax, 0xFF
	ret
	align 4, db 0x90
tmpl_b_end:

; rep movsb / rep movsd (dest, src, count) for smc.c.
global copy_movsb, copy_movsd
copy_movsb:
	push esi
	push edi
	mov edi, [esp + 12]
	mov esi, [esp + 16]
	mov ecx, [esp + 20]
	cld
	rep movsb
	pop edi
	pop esi
	ret
copy_movsd:
	push esi
	push edi
	mov edi, [esp + 12]
	mov esi, [esp + 16]
	mov ecx, [esp + 20]
	cld
	rep movsd
	pop edi
	pop esi
	ret

; ---- interrupts ------------------------------------------------------------------
; Each expects IRQ 0 pending in the PIC while IF = 0.
global s_sti_nop, s_sti_nop_after
s_sti_nop:
	sti
	nop
s_sti_nop_after:
	nop
	cli
	ret

; The same as s_sti_nop, for the not-present gate: the fault returns via longjmp.
SGLOBAL s_sti_nop_ext
s_sti_nop_ext:
	sti
	nop
s_sti_nop_ext_at:
	nop
	cli
	ret

global s_sti_hlt, s_sti_hlt_after
s_sti_hlt:
	sti
	hlt
s_sti_hlt_after:
	cli
	ret

global s_popf_if, s_popf_if_after
s_popf_if:
	push 0x202
	popfd
s_popf_if_after:
	nop
	cli
	ret
