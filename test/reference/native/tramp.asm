; Prologue/epilogue around one case's bytes (see kref.c).
; kr_enter: saves the C context, loads the x87 state (FRSTOR kr_fpu_in for x87 cases, else FNINIT),
; EFLAGS and all 8 registers (ESP last) from kr_in, and jumps to the case code at CODE_ADDR. The
; case code is followed by `jmp [kr_exit_ptr]`, which lands on kr_exit: it saves the x87 state
; (FNSAVE: no wait, so a pending exception is recorded, not raised; it also reinitializes the FPU
; for the C code), stores the 8 registers with MOVs (no flag changes), restores the real ESP from a
; fixed slot (so the case may use ESP as a data pointer or hold any value in it), then stores EFLAGS.
bits 32
section .note.GNU-stack noalloc noexec nowrite progbits

section .data
global kr_in, kr_out, kr_exit_ptr, kr_code_ptr, kr_has_fpu, kr_fpu_in, kr_fpu_out
kr_in:        times 9 dd 0      ; EAX ECX EDX EBX ESP EBP ESI EDI EFLAGS
kr_out:       times 9 dd 0
kr_has_fpu:   dd 0
kr_fpu_in:    times 108 db 0    ; FNSAVE image (32-bit protected-mode layout)
kr_fpu_out:   times 108 db 0
kr_saved_esp: dd 0
kr_exit_ptr:  dd kr_exit
kr_code_ptr:  dd 0x00040000     ; CODE_ADDR

section .text
global kr_enter, kr_exit
kr_enter:
    push ebp
    push ebx
    push esi
    push edi
    mov [kr_saved_esp], esp
    cmp dword [kr_has_fpu], 0
    je .no_fpu
    frstor [kr_fpu_in]
    jmp .fpu_done
.no_fpu:
    fninit
.fpu_done:
    push dword [kr_in + 32]
    popfd
    mov eax, [kr_in + 0]
    mov ecx, [kr_in + 4]
    mov edx, [kr_in + 8]
    mov ebx, [kr_in + 12]
    mov ebp, [kr_in + 20]
    mov esi, [kr_in + 24]
    mov edi, [kr_in + 28]
    mov esp, [kr_in + 16]
    jmp [kr_code_ptr]

kr_exit:
    fnsave [kr_fpu_out]
    mov [kr_out + 0], eax
    mov [kr_out + 4], ecx
    mov [kr_out + 8], edx
    mov [kr_out + 12], ebx
    mov [kr_out + 16], esp
    mov [kr_out + 20], ebp
    mov [kr_out + 24], esi
    mov [kr_out + 28], edi
    mov esp, [kr_saved_esp]
    pushfd
    pop dword [kr_out + 32]
    cld                         ; the C ABI wants DF = 0
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
