; Self-modifying code, in real mode and in 32-bit protected mode: code
; copied to RAM and run, its immediate patched between runs, a store that
; patches the very next instruction, and a loop that patches an
; instruction of its own body on every iteration.
%include "lib.inc"

RSEG    equ 0x0200      ; real-mode snippets run at 0200:0000 (linear 0x2000)
PBASE   equ 0x3000      ; 32-bit snippets run at linear 0x3000

; COPY16 from, to_linear, n (real mode, DS=ES=0 on return)
%macro COPY16 3
        push    cs
        pop     ds
        mov     si, %1
        mov     di, %2
        mov     cx, %3
        rep movsb
        xor     ax, ax
        mov     ds, ax
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "smc"

        ; 1. copy, run, patch the immediate, run again
        COPY16  r_snip1, 0x2000, r_snip1_end - r_snip1
        call    RSEG:0
        CHK     16, "rm snippet", ax, 0
        mov     byte [0x2000 + 1], 0x22
        call    RSEG:0
        CHK     16, "rm patched low byte", ax, 0
        mov     word [0x2000 + 1], 0xbeef
        call    RSEG:0
        CHK     16, "rm patched word", ax, 0
        ; many patch/run rounds
        xor     dx, dx
        mov     bx, 1
.r:     mov     [0x2000 + 1], bx
        call    RSEG:0
        add     dx, ax
        inc     bx
        cmp     bx, 50
        jbe     .r
        CHK     16, "rm sum of 1..50", dx, 0

        ; 2. a store that patches the next instruction
        COPY16  r_snip2, 0x2000, r_snip2_end - r_snip2
        mov     bl, 0x42
        call    RSEG:0
        CHK     8, "rm patch next insn", al, 0
        mov     bl, 0x99
        call    RSEG:0
        CHK     8, "rm patch next insn again", al, 0

        ; 3. a loop patching its own body
        COPY16  r_snip3, 0x2000, r_snip3_end - r_snip3
        call    RSEG:0
        CHK     16, "rm self-patching loop", dx, 0
        call    RSEG:0
        CHK     16, "rm self-patching loop again", dx, 0

        PMODE_ENTER
        ; 32-bit: the same three
        mov     esi, ROM + p_snip1
        mov     edi, PBASE
        mov     ecx, p_snip1_end - p_snip1
        rep movsb
        mov     ebx, PBASE
        call    ebx
        CHK     32, "pm snippet", eax, 0
        mov     dword [PBASE + 1], 0x89abcdef
        call    ebx
        CHK     32, "pm patched", eax, 0
        xor     edx, edx
        mov     ecx, 1
.p:     mov     [PBASE + 1], ecx
        call    ebx
        add     edx, eax
        inc     ecx
        cmp     ecx, 100
        jbe     .p
        CHK     32, "pm sum of 1..100", edx, 0

        mov     esi, ROM + p_snip2
        mov     edi, PBASE
        mov     ecx, p_snip2_end - p_snip2
        rep movsb
        mov     ebx, PBASE
        mov     ecx, 0x11223344
        call    ebx
        CHK     32, "pm patch next insn", eax, 0
        mov     ecx, 0x55667788
        call    ebx
        CHK     32, "pm patch next insn again", eax, 0

        mov     esi, ROM + p_snip3
        mov     edi, PBASE
        mov     ecx, p_snip3_end - p_snip3
        rep movsb
        mov     ebx, PBASE
        call    ebx
        CHK     32, "pm self-patching loop", edx, 0
        call    ebx
        CHK     32, "pm self-patching loop again", edx, 0

        ; code written by a string instruction right before it runs
        mov     edi, PBASE
        mov     eax, 0x000007b8         ; mov eax, 7 (b8 07 00 00 00) ...
        stosd
        mov     eax, 0x90c30000         ; ... ret, nop
        stosd
        call    ebx
        CHK     32, "pm code from stosd", eax, 0

        PUTSLN  "done"
        EXIT    0

        bits    16
; real-mode snippets: position independent within their segment
r_snip1:
        mov     ax, 0x1111
        retf
r_snip1_end:
r_snip2:
        mov     [cs:.p - r_snip2 + 1], bl
.p:     mov     al, 0x00
        retf
r_snip2_end:
r_snip3:
        mov     cx, 5
        xor     dx, dx
.l:     add     dx, byte 0              ; 83 c2 ib
        inc     byte [cs:.l - r_snip3 + 2]
        loop    .l
        retf
r_snip3_end:

        bits    32
; 32-bit snippets: called with ebx = their address
p_snip1:
        mov     eax, 0x12345678
        ret
p_snip1_end:
p_snip2:
        mov     [ebx + .p - p_snip2 + 1], ecx
.p:     mov     eax, 0
        ret
p_snip2_end:
p_snip3:
        mov     ecx, 10
        xor     edx, edx
.l:     add     edx, strict dword 100   ; 81 c2 id
        add     dword [ebx + .l - p_snip3 + 2], 100
        loop    .l
        ret
p_snip3_end:

        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
