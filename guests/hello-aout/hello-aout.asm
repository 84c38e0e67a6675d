; hello-aout: a flat binary (no ELF) multiboot kernel using the a.out kludge:
; header flags bit 16 says where to load the file (load_addr..load_end_addr),
; how much zeroed memory follows it (up to bss_end_addr) and where to enter.
; Loaded at 0x100000. Prints a line on COM1 and exits with code 0 through
; isa-debug-exit (port 0xF4). Exit code 1: bad boot magic; 2: .bss not zeroed.

bits 32
org 0x100000

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ (1 << 0) | (1 << 1) | (1 << 16)
COM1        equ 0x3F8
DEBUG_EXIT  equ 0xF4

section .text
multiboot_header:                   ; at file offset 0
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
	dd multiboot_header             ; header_addr: where this header is loaded
	dd 0x100000                     ; load_addr: file offset 0 goes here
	dd load_end                     ; load_end_addr: end of the bytes to load
	dd bss_end                      ; bss_end_addr: zero from load_end up to here
	dd start                        ; entry_addr

start:
	cli
	mov esp, stack_top
	mov ebp, eax                    ; keep the boot magic
	call serial_init
	mov esi, msg_hello
	call puts
	cmp ebp, 0x2BADB002
	jne .bad_magic
	; the loader must have zeroed .bss: check both ends of it
	mov eax, [bss_first]
	or eax, [bss_last]
	jnz .bss_dirty
	mov esi, msg_exit
	call puts
	xor eax, eax
	jmp exit
.bad_magic:
	mov esi, msg_bad_magic
	call puts
	mov eax, 1
	jmp exit
.bss_dirty:
	mov esi, msg_bss
	call puts
	mov eax, 2
	; fall through
exit:                               ; EAX = exit code
	mov dx, DEBUG_EXIT
	out dx, eax
.halt:
	cli
	hlt
	jmp .halt

serial_init:
	mov dx, COM1 + 1                ; IER: no interrupts
	xor al, al
	out dx, al
	mov dx, COM1 + 3                ; LCR: DLAB
	mov al, 0x80
	out dx, al
	mov dx, COM1 + 0                ; divisor 1: 115200 baud
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3                ; 8N1, DLAB off
	mov al, 0x03
	out dx, al
	mov dx, COM1 + 2                ; FIFO on and cleared
	mov al, 0xC7
	out dx, al
	mov dx, COM1 + 4                ; DTR, RTS, OUT2
	mov al, 0x0B
	out dx, al
	ret

; puts: print the NUL-terminated string at ESI (polls LSR.THRE before each byte).
puts:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp puts
.done:
	ret

msg_hello:     db "Hello from kreplay a.out-kludge guest!", 10, 0
msg_exit:      db "hello-aout: exiting with code 0", 10, 0
msg_bad_magic: db "hello-aout: bad multiboot magic", 10, 0
msg_bss:       db "hello-aout: .bss was not zeroed", 10, 0

align 4
load_end:

section .bss
alignb 16
bss_first:  resd 1
stack:      resb 8192
stack_top:
bss_last:   resd 1
bss_end:
