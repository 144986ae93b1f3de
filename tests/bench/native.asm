; Native host program around the same workload: calls bench_body REPEAT
; times (each call must return the same checksum), prints the guest's line
; "bench: WORKLOAD iters N checksum XXXXXXXX" plus " repeat R" (hex) on
; stdout and exits 0 (1 if the repeats disagreed).  No libc: Linux system
; calls only.
;
;   nasm -f elf32 -DWORKLOAD=alu [-DREPEAT=n] native.asm; ld -m elf_i386
;   nasm -f elf64 -DWORKLOAD=alu [-DREPEAT=n] native.asm; ld   (fallback for
;        kernels without 32-bit binaries: the same source as 64-bit code)
; REPEAT defaults to the workload's (runs of about half a second: long
; enough that a host which runs short bursts faster does not flatter native)
%ifidn __?OUTPUT_FORMAT?__, elf64
        bits    64
%else
        bits    32
%endif

        section .bss
        alignb  4096
BUF:    resb    0x40000         ; the workloads' data (same size as in the guest)
left:   resd    1
first:  resd    1
bad:    resd    1
line:   resb    64

        section .text
        align   16
%include "bench.inc"            ; bench_body, ITERS, REPEAT, WORKLOAD_NAME
%ifndef REPEAT
%define REPEAT 1
%endif

        global  _start
_start:
        mov     dword [left], REPEAT
        mov     dword [bad], 0
.again: call    bench_body
        cmp     dword [left], REPEAT
        jne     .cmp
        mov     [first], eax
.cmp:   cmp     eax, [first]
        je      .same
        mov     dword [bad], 1
.same:  sub     dword [left], 1
        jnz     .again

        ; build the line
        mov     edi, line
        mov     esi, prefix
        mov     ecx, prefix_len
        cld
        rep movsb
        mov     eax, ITERS
        call    hex32
        mov     esi, mid
        mov     ecx, mid_len
        rep movsb
        mov     eax, [first]
        call    hex32
        mov     esi, rep_s
        mov     ecx, rep_len
        rep movsb
        mov     eax, REPEAT
        call    hex32
        mov     byte [edi], 10
        add     edi, 1
        sub     edi, line
%if __?BITS?__ == 64
        mov     edx, edi        ; write(1, line, len)
        mov     esi, line
        mov     edi, 1
        mov     eax, 1
        syscall
        mov     edi, [bad]      ; exit(bad)
        mov     eax, 60
        syscall
%else
        mov     edx, edi
        mov     ecx, line
        mov     ebx, 1
        mov     eax, 4
        int     0x80
        mov     ebx, [bad]
        mov     eax, 1
        int     0x80
%endif

; eax -> 8 hex digits at [edi], edi advanced
hex32:  mov     ecx, 8
.d:     rol     eax, 4
        mov     edx, eax
        and     edx, 15
        mov     dl, [hexdig + edx]
        mov     [edi], dl
        add     edi, 1
        sub     ecx, 1
        jnz     .d
        ret

        section .rodata
hexdig: db      "0123456789abcdef"
prefix: db      "bench: ", WORKLOAD_NAME, " iters "
prefix_len equ $ - prefix
mid:    db      " checksum "
mid_len equ $ - mid
rep_s:  db      " repeat "
rep_len equ $ - rep_s
