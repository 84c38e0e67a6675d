; Prologue/epilogue around one random case (see krand.c).
;
; kr_enter saves the C context, loads the x87 state (FRSTOR kr_fpu_in for x87 cases, else FNINIT),
; the case's ES FS GS and DS, EFLAGS and all 8 registers (ESP last), and jumps to the case code.
; Once DS is loaded it may be anything (a based LDT segment, a null selector), so everything after
; it addresses memory through SS, which the case can only leave flat (README: SS loads).
;
; The case code is followed by `jmp cs:[kr_exit_ptr]` (CS is flat whatever the case did), which
; lands on kr_exit: it saves the x87 state with FNSAVE (no wait: a pending exception is recorded,
; not raised), the 8 registers and the 6 segment registers through SS, restores the C runtime's
; segments (glibc keeps its thread pointer in GS) and CS, its ESP, and only then stores EFLAGS. Before
; returning to C it clears DF (ABI) and AC (the case may set it; Linux runs with CR0.AM = 1, so
; glibc's unaligned accesses would then raise #AC).
;
; kr_signal is the signal handler entry: the kernel gives it DS/ES/SS = __USER_DS but leaves FS and
; GS as the case had them, so it restores GS (and clears AC) before entering C (krand.c).
bits 32
section .note.GNU-stack noalloc noexec nowrite progbits

section .data
global kr_in, kr_out, kr_sel_in, kr_sel_out, kr_exit_ptr, kr_has_fpu, kr_fpu_in, kr_fpu_out
global kr_saved_ds, kr_saved_es, kr_saved_fs, kr_saved_gs, kr_saved_ss, kr_saved_cs
kr_in:        times 9 dd 0      ; EAX ECX EDX EBX ESP EBP ESI EDI EFLAGS
kr_out:       times 9 dd 0
kr_sel_in:    times 4 dw 0      ; ES DS FS GS loaded before the case
kr_sel_out:   times 6 dw 0      ; ES CS SS DS FS GS after it
kr_has_fpu:   dd 0
kr_fpu_in:    times 108 db 0    ; FNSAVE image (32-bit protected-mode layout)
kr_fpu_out:   times 108 db 0
kr_saved_esp: dd 0
kr_saved_ds:  dd 0
kr_saved_es:  dd 0
kr_saved_fs:  dd 0
kr_saved_gs:  dd 0
kr_saved_ss:  dd 0
kr_saved_cs:  dd 0
kr_exit_ptr:  dd kr_exit
kr_code_ptr:  dd 0x00040000     ; CODE_ADDR

section .text
global kr_enter, kr_exit, kr_signal
extern kr_on_signal
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
    mov es, [kr_sel_in + 0]
    mov fs, [kr_sel_in + 4]
    mov gs, [kr_sel_in + 6]
    mov ds, [kr_sel_in + 2]
    push dword [ss:kr_in + 32]
    popfd
    mov eax, [ss:kr_in + 0]
    mov ecx, [ss:kr_in + 4]
    mov edx, [ss:kr_in + 8]
    mov ebx, [ss:kr_in + 12]
    mov ebp, [ss:kr_in + 20]
    mov esi, [ss:kr_in + 24]
    mov edi, [ss:kr_in + 28]
    mov esp, [ss:kr_in + 16]
    jmp [ss:kr_code_ptr]

kr_exit:
    fnsave [ss:kr_fpu_out]
    mov [ss:kr_out + 0], eax
    mov [ss:kr_out + 4], ecx
    mov [ss:kr_out + 8], edx
    mov [ss:kr_out + 12], ebx
    mov [ss:kr_out + 16], esp
    mov [ss:kr_out + 20], ebp
    mov [ss:kr_out + 24], esi
    mov [ss:kr_out + 28], edi
    mov [ss:kr_sel_out + 0], es
    mov [ss:kr_sel_out + 2], cs
    mov [ss:kr_sel_out + 4], ss
    mov [ss:kr_sel_out + 6], ds
    mov [ss:kr_sel_out + 8], fs
    mov [ss:kr_sel_out + 10], gs
    mov ss, [ss:kr_saved_ss]
    mov ds, [ss:kr_saved_ds]
    mov es, [kr_saved_es]
    mov fs, [kr_saved_fs]
    mov gs, [kr_saved_gs]
    mov esp, [kr_saved_esp]
    pushfd
    pop dword [kr_out + 32]
    ; a far transfer may have left CS = an LDT code segment: back to the C runtime's
    push dword [kr_saved_cs]
    push dword .cs_back
    retf
.cs_back:
    pushfd
    and dword [esp], ~0x40400   ; AC, DF
    popfd
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

kr_signal:
    mov gs, [kr_saved_gs]
    mov fs, [kr_saved_fs]
    pushfd
    and dword [esp], ~0x40400
    popfd
    jmp kr_on_signal
