; Ring 0 snippets: exceptions and paging.
%include "snippets.inc"

section .text

; ---- exceptions ------------------------------------------------------------
SGLOBAL s_div0
s_div0:
	xor edx, edx
	mov eax, 1
	xor ecx, ecx
s_div0_at:
	div ecx
	ret

SGLOBAL s_idiv_ovf
s_idiv_ovf:
	mov eax, 0x80000000
	cdq
	mov ecx, -1
s_idiv_ovf_at:
	idiv ecx
	ret

SGLOBAL s_div8_ovf
s_div8_ovf:
	mov eax, 0x1000
	mov cl, 0x10
s_div8_ovf_at:
	div cl                      ; quotient 0x100 does not fit AL
	ret

SGLOBAL s_ud2
s_ud2:
s_ud2_at:
	ud2
	ret

SGLOBAL s_lock_reg
s_lock_reg:
s_lock_reg_at:
	db 0xF0, 0x01, 0xC8         ; lock add eax, ecx: LOCK needs a memory destination
	ret

SGLOBAL s_mov_cs
s_mov_cs:
	mov eax, 0x08
s_mov_cs_at:
	db 0x8E, 0xC8               ; mov cs, eax
	ret

SGLOBAL s_cmpxchg8b_reg
s_cmpxchg8b_reg:
s_cmpxchg8b_reg_at:
	db 0x0F, 0xC7, 0xC8         ; cmpxchg8b with a register operand
	ret

SGLOBAL s_lea_reg
s_lea_reg:
s_lea_reg_at:
	db 0x8D, 0xC0               ; lea eax, eax
	ret

SGLOBAL s_mov_cr1
s_mov_cr1:
s_mov_cr1_at:
	db 0x0F, 0x22, 0xC8         ; mov cr1, eax
	ret

SGLOBAL s_int3
s_int3:
	int3
s_int3_at:
	ret

SGLOBAL s_into_of
s_into_of:
	mov al, 0x7F
	add al, 1                   ; OF = 1
	into
s_into_of_at:
	ret

global s_into_nof
s_into_nof:
	xor eax, eax                ; OF = 0
	into
	mov eax, 0x600D
	ret

bounds:
	dd 0, 10
SGLOBAL s_bound_hi
s_bound_hi:
	mov eax, 11
s_bound_hi_at:
	bound eax, [bounds]
	ret
SGLOBAL s_bound_neg
s_bound_neg:
	mov eax, -1                 ; signed: below the lower bound
s_bound_neg_at:
	bound eax, [bounds]
	ret
global s_bound_in
s_bound_in:
	mov eax, 10                 ; the upper bound is inclusive
	bound eax, [bounds]
	ret

; Segment register loads that fault, with the selector as error code.
%macro LOADSEG 3                ; name, sreg, selector
SGLOBAL s_%1
s_%1:
	mov eax, %3
s_%1_at:
	mov %2, ax
	mov cx, KERNEL_DS
	mov ss, cx
	mov ds, cx
	mov es, cx
	mov fs, cx
	mov gs, cx
	ret
%endmacro
LOADSEG np_ds, ds, 0x38         ; not present -> #NP(0x38)
LOADSEG np_ss, ss, 0x38         ; not present stack -> #SS(0x38)
LOADSEG ds_beyond, ds, 0x1F8    ; beyond the GDT limit -> #GP(0x1F8)
LOADSEG ds_xonly, ds, 0x78      ; execute-only code into DS -> #GP(0x78)
LOADSEG ss_ro, ss, 0x70         ; read-only data into SS -> #GP(0x70)
LOADSEG ds_tss, ds, 0x28        ; system descriptor into DS -> #GP(0x28)
LOADSEG ss_null, ss, 0          ; null SS at CPL 0 -> #GP(0)
LOADSEG ds_rpl, ds, 0x13        ; RPL 3 > DPL 0 -> #GP(0x10)
LOADSEG fs_ldt_beyond, fs, 0x14 ; TI=1, beyond the LDT limit -> #GP(0x14)

; A null DS loads fine; using it faults with #GP(0).
SGLOBAL s_null_ds_use
s_null_ds_use:
	xor eax, eax
	mov ds, ax
s_null_ds_use_at:
	mov eax, [0x1000]
	FLATSEGS
	ret
SGLOBAL s_null_es_stos
s_null_es_stos:
	push edi
	xor eax, eax
	mov es, ax
	mov edi, 0x1000
s_null_es_stos_at:
	stosb
	FLATSEGS
	pop edi
	ret

; Accesses through a segment with a small limit / expand-down segments.
%macro SEGREAD 4                ; name, selector, size (byte/dword), offset
SGLOBAL s_%1
s_%1:
	mov ax, %2
	mov ds, ax
	xor eax, eax
s_%1_at:
%ifidn %3, byte
	mov al, [%4]
%else
	mov eax, [%4]
%endif
	FLATSEGS
	ret
%endmacro
SEGREAD lim_ok, 0x40, dword, 0xFC
SEGREAD lim_straddle, 0x40, dword, 0xFD
SEGREAD lim_byte, 0x40, byte, 0x100
SEGREAD base0, 0x40, dword, 0
SEGREAD ed_ok_low, 0x48, dword, 0x1000
SEGREAD ed_ok_top, 0x48, dword, 0xFFFFFFFC
SEGREAD ed_ok_f0, 0x48, dword, 0xFFFFFFF0
SEGREAD ed_low, 0x48, byte, 0xFFF
SEGREAD ed16_ok, 0x98, dword, 0xFFFC
SEGREAD ed16_top, 0x98, dword, 0xFFFE
SEGREAD ed16_low, 0x98, dword, 0xFFE

; #SS: an EBP-based access beyond the limit of SS (checked before paging: the
; linear address is not even mapped).
SGLOBAL s_ss_limit
s_ss_limit:
	push ebp
	mov ax, 0x50
	mov ss, ax
	mov ebp, 0x00900000
s_ss_limit_at:
	mov eax, [ebp]
	mov cx, KERNEL_DS
	mov ss, cx
	pop ebp
	ret

; INT 0x80 at ring 0 while the IDT limit stops at vector 47 -> #GP(0x402).
SGLOBAL s_int80
s_int80:
s_int80_at:
	int 0x80
	ret

; POPF sets TF: the single-step trap comes after the instruction after POPF.
SGLOBAL s_tf
s_tf:
	pushfd
	or dword [esp], 0x100
	popfd
	nop
s_tf_at:
	nop
	pushfd
	and dword [esp], ~0x100
	popfd
	ret

; ---- paging --------------------------------------------------------------------
SGLOBAL s_pf_np_read
s_pf_np_read:
s_pf_np_read_at:
	mov eax, [0x00800000]
	ret
SGLOBAL s_pf_np_write
s_pf_np_write:
s_pf_np_write_at:
	mov dword [0x00800010], 0x1234
	ret
SGLOBAL s_pf_ro_write
s_pf_ro_write:
s_pf_ro_write_at:
	mov dword [0x00801000], 0x5717E000
	mov eax, [0x00801000]
	ret
SGLOBAL s_pf_user_ro_write
s_pf_user_ro_write:
s_pf_user_ro_write_at:
	mov dword [0x00805000], 0x5717E002
	mov eax, [0x00805000]
	ret
global s_pf_fetch
s_pf_fetch:
	mov eax, 0x00800000
	call eax
	ret
SGLOBAL s_pf_pde_ro_write
s_pf_pde_ro_write:
s_pf_pde_ro_write_at:
	mov dword [0x00C00000], 0x5717E001
	mov eax, [0x00C00000]
	ret

SGLOBAL s_pse_off_read
s_pse_off_read:
s_pse_off_read_at:
	mov eax, [0x00406000]
	ret

; REP MOVSD from 0x80CFF8 (present) into 0x80D000 (not present) -> res.
SGLOBAL s_rep_pf
s_rep_pf:
	push esi
	push edi
	mov esi, 0x0080CFF8
	mov edi, res
	mov ecx, 4
	cld
s_rep_pf_at:
	rep movsd
	pop edi
	pop esi
	ret
