; Ring 0 snippets: segmentation and the size prefixes.
%include "snippets.inc"

section .text

; ---- segmentation ------------------------------------------------------------------
; ES/FS/GS overrides: res[0..3].
global s_overrides
s_overrides:
	mov ax, 0x48
	mov es, ax
	mov ax, 0x40
	mov fs, ax
	mov ax, 0x90
	mov gs, ax
	mov eax, [es:0xFFFFFFF4]    ; seg_buf + 4
	mov [res], eax
	mov eax, [fs:8]             ; seg_buf + 0x48
	mov [res + 4], eax
	mov eax, [gs:0x1234]        ; seg_buf + 0x1234
	mov [res + 8], eax
	mov eax, [gs:0xFFFC]
	mov [res + 12], eax
	FLATSEGS
	ret

; LDT: res[0] = SLDT, res[1] = [fs:0] with FS = LDT selector 0x04.
global s_ldt
s_ldt:
	mov ax, 0x58
	lldt ax
	xor eax, eax
	sldt ax
	mov [res], eax
	mov ax, 0x04
	mov fs, ax
	mov eax, [fs:0]
	mov [res + 4], eax
	mov eax, [fs:0xFC]
	mov [res + 8], eax
	FLATSEGS
	ret

; Loading SEL_FRESH (accessed bit clear) into DS.
global s_load_fresh
s_load_fresh:
	mov ax, 0x88
	mov ds, ax
	FLATSEGS
	ret

; LAR / LSL / VERR / VERW of one selector (argument) at CPL 0:
; res[0] = LAR result (0xDEADBEEF kept on failure), res[1] = its ZF,
; res[2] = LSL result (0xDEADBEEF kept), res[3] = its ZF,
; res[4] = VERR ZF, res[5] = VERW ZF.
global s_sel_info
s_sel_info:
	mov ecx, [esp + 4]
	mov eax, 0xDEADBEEF
	lar eax, cx
	setz dl
	mov [res], eax
	movzx edx, dl
	mov [res + 4], edx
	mov eax, 0xDEADBEEF
	lsl eax, cx
	setz dl
	mov [res + 8], eax
	movzx edx, dl
	mov [res + 12], edx
	verr cx
	setz dl
	movzx edx, dl
	mov [res + 16], edx
	verw cx
	setz dl
	movzx edx, dl
	mov [res + 20], edx
	ret

; ARPL: res[0] = AX after ARPL AX(0x0010), BX(0x0003), res[1] = its ZF;
; res[2] = AX after ARPL AX(0x0013), BX(0x0001), res[3] = its ZF.
global s_arpl
s_arpl:
	push ebx
	mov eax, 0x0010
	mov ebx, 0x0003
	arpl ax, bx
	setz cl
	movzx ecx, cl
	mov [res], eax
	mov [res + 4], ecx
	mov eax, 0x0013
	mov ebx, 0x0001
	arpl ax, bx
	setz cl
	movzx ecx, cl
	mov [res + 8], eax
	mov [res + 12], ecx
	pop ebx
	ret

; SMSW/LMSW/CLTS: res[0] = MSW & 0xF after setting TS|MP, res[1] after CLTS,
; res[2] after LMSW 0 (PE cannot be cleared). CR0 is restored.
global s_msw
s_msw:
	mov edx, cr0
	mov eax, edx
	or eax, 0x0A                ; MP | TS
	mov cr0, eax
	smsw ax
	and eax, 0xF
	mov [res], eax
	clts
	smsw ax
	and eax, 0xF
	mov [res + 4], eax
	xor eax, eax
	lmsw ax
	smsw ax
	and eax, 0xF
	mov [res + 8], eax
	mov cr0, edx
	ret

; Far transfers to the second code selector 0x30 and back:
; res[0] = CS inside a far CALL, res[1] = the pushed return EIP,
; res[2] = the pushed CS, res[3] = CS after RETF, res[4] = CS after a far
; JMP, res[5] = CS after an indirect far JMP back, res[6] = CS inside an
; indirect far CALL, res[7] = CS after a far RETF-as-jump to 0x30,
; res[8] = CS at the end.
global s_far, s_far_ret
s_far:
	call 0x30:far_target
s_far_ret:
	xor eax, eax
	mov ax, cs
	mov [res + 12], eax
	jmp 0x30:far_j1
far_j1:
	xor eax, eax
	mov ax, cs
	mov [res + 16], eax
	jmp far [far_back]
far_j2:
	xor eax, eax
	mov ax, cs
	mov [res + 20], eax
	call far [far_to30]
	push 0x30
	push far_j3
	retf
far_j3:
	xor eax, eax
	mov ax, cs
	mov [res + 28], eax
	jmp 0x08:far_j4
far_j4:
	xor eax, eax
	mov ax, cs
	mov [res + 32], eax
	ret
far_target:
	xor eax, eax
	mov ax, cs
	mov [res], eax
	mov eax, [esp]
	mov [res + 4], eax
	mov eax, [esp + 4]
	and eax, 0xFFFF
	mov [res + 8], eax
	retf
far_target2:
	xor eax, eax
	mov ax, cs
	mov [res + 24], eax
	retf
far_back:
	dd far_j2
	dw 0x08
far_to30:
	dd far_target2
	dw 0x30

; Operand-size prefix 0x66: res[0] = EAX after ADD AX (upper half kept),
; res[1] = its flags, res[2] = EAX after INC AX from 0xFFFF, res[3] = flags,
; res[4] = bytes PUSH AX took, res[5] = EAX after MOVZX/16-bit IMUL,
; res[6] = EAX after a 16-bit SHL by 12 (flags in res[7]).
global s_opsize
s_opsize:
	stc
	mov eax, 0x12345678
	add ax, 0xF000
	mov [res], eax
	pushfd
	pop eax
	and eax, 0x8D5
	mov [res + 4], eax
	stc
	mov eax, 0xAAAAFFFF
	inc ax
	mov [res + 8], eax
	pushfd
	pop eax
	and eax, 0x8D5
	mov [res + 12], eax
	mov ecx, esp
	push ax
	sub ecx, esp
	add esp, 2
	mov [res + 16], ecx
	mov eax, 0x7777FFFF
	mov cx, 3
	imul ax, cx                 ; 0xFFFF * 3 = -3 in 16 bits
	mov [res + 20], eax
	mov eax, 0x5555000F
	shl ax, 12
	mov [res + 24], eax
	pushfd
	pop eax
	and eax, 0x8D5
	mov [res + 28], eax
	ret

; Address-size prefix 0x67 with DS = 0x40 (base seg_buf+0x40, limit 0xFF):
; res[0] = [bx+si] with BX=0xFFFF SI=0x11 (wraps to 0x10),
; res[1] = [bx+di+0x7F] (BX=0x20, DI=0), res[2] = [si+0x30] (SI=0x10),
; res[3] = LEA EAX, [bx+si+0x20] with BX=0xFFF0 SI=0x10 (wraps to 0x20),
; res[4] = [bp+di] with SS = 0x90 (base seg_buf) BP=0x200 DI=0x34,
; res[5] = [ds:bp+di] (the override wins): offset 0x34... in DS,
; res[6] = [di] with DI=0xFFFF0060: only DI's low 16 bits count.
global s_addrsize
s_addrsize:
	push ebx
	push esi
	push edi
	push ebp
	mov ax, 0x40
	mov ds, ax
	mov ebx, 0xFFFF
	mov esi, 0x11
	mov eax, [bx+si]
	mov [ss:res], eax
	mov ebx, 0x20
	xor edi, edi
	mov eax, [bx+di+0x7F]
	mov [ss:res + 4], eax
	mov esi, 0x10
	mov eax, [si+0x30]
	mov [ss:res + 8], eax
	mov ebx, 0xFFF0
	mov esi, 0x10
	lea eax, [bx+si+0x20]
	mov [ss:res + 12], eax
	mov ebp, 0x200
	mov edi, 0x34
	mov cx, 0x90
	mov ss, cx
	mov eax, [bp+di]
	mov cx, KERNEL_DS
	mov ss, cx
	mov [ss:res + 16], eax
	mov edi, 0x34
	xor ebp, ebp
	mov eax, [ds:bp+di]
	mov [ss:res + 20], eax
	mov edi, 0xFFFF0060
	mov eax, [di]
	mov [ss:res + 24], eax
	FLATSEGS
	pop ebp
	pop edi
	pop esi
	pop ebx
	ret

; JCXZ / LOOP with the 0x67 prefix test CX, not ECX.
; res[0] = 1 if a16 JCXZ jumped with ECX=0x10000, res[1] = 1 if JECXZ jumped,
; res[2] = ECX after a16 LOOP from 0x10001 (CX 1 -> 0), res[3] = 1 if it jumped.
global s_cx
s_cx:
	mov ecx, 0x10000
	xor eax, eax
	jcxz .j1
	jmp .n1
.j1:
	mov eax, 1
.n1:
	mov [res], eax
	xor eax, eax
	jecxz .j2
	jmp .n2
.j2:
	mov eax, 1
.n2:
	mov [res + 4], eax
	mov ecx, 0x10001
	xor eax, eax
	a16 loop .j3
	jmp .n3
.j3:
	mov eax, 1
.n3:
	mov [res + 8], ecx
	mov [res + 12], eax
	ret

; a16 REP MOVSB from DS=0x40:SI to ES=0x90:DI, CX=4, with non-zero upper
; halves: res[0] = ESI, res[1] = EDI, res[2] = ECX after, res[3] = the
; dword copied (read back flat). Then a FS-overridden MOVSD (source FS:ESI,
; destination still ES:EDI): res[4] = ESI, res[5] = EDI, res[6] = the dword.
global s_movs
s_movs:
	push esi
	push edi
	mov ax, 0x40
	mov ds, ax
	mov ax, 0x90
	mov es, ax
	mov esi, 0xABCD0010
	mov edi, 0x12348000
	mov ecx, 0x77770004
	cld
	a16 rep movsb
	mov [ss:res], esi
	mov [ss:res + 4], edi
	mov [ss:res + 8], ecx
	mov eax, [es:0x8000]
	mov [ss:res + 12], eax
	mov ax, KERNEL_DS
	mov ds, ax
	mov ax, 0x40
	mov fs, ax
	mov esi, 0x20
	mov edi, 0x8010
	fs movsd
	mov [res + 16], esi
	mov [res + 20], edi
	mov eax, [es:0x8010]
	mov [res + 24], eax
	FLATSEGS
	pop edi
	pop esi
	ret
