; Control transfer in real mode: far jmp/call through a pointer and through
; memory (with a CS value other than F000 that aliases the same code),
; retf and retf imm16, indirect near jmp/call through a register and
; memory, loop/loope/loopne/jcxz/jecxz, and every jcc under several FLAGS.
%include "lib.inc"

ALIAS   equ 0xEF00      ; EF00:x+0x1000 is the same linear address as F000:x

; shift the result word left, set bit 0 if the branch is taken; FLAGS are
; restored from ax (shl/or change them)
%macro JCC_SHORT 1
        j%1     short %%t
        shl     bx, 1
        jmp     short %%n
%%t:    shl     bx, 1
        or      bx, 1
%%n:    push    ax
        popf
%endmacro
%macro JCC_NEAR 1
        j%1     near %%t
        shl     bx, 1
        jmp     near %%n
%%t:    shl     bx, 1
        or      bx, 1
%%n:    push    ax
        popf
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-jump"

        ; far jmp ptr16:16 to an alias segment, print CS and IP there
        jmp     ALIAS:far1 + 0x1000
back1:  PUTSLN  "back from far jmp"
        CHK     16, "far jmp: cs", word [0x520], 0
        CHK     16, "far jmp: ip - (label+1000)", word [0x522], 0
        ; far jmp through memory
        mov     word [0x500], far2
        mov     word [0x502], 0xF000
        jmp     far [0x500]
back2:
        ; far call ptr16:16 and retf
        mov     ax, 0
        call    ALIAS:ffunc + 0x1000
        CHK     16, "call far ptr", ax, 0
        CHK     16, "in far func: caller cs", word [0x524], 0
        CHK     16, "in far func: cs", word [0x526], 0
        CHK     16, "cs after retf", cs, 0
        ; far call through memory, retf 4
        push    word 7
        push    word 8
        mov     word [0x504], ffunc_add
        mov     word [0x506], 0xF000
        call    far [0x504]
        CHK     16, "call far mem + retf 4", ax, 0
        mov     [0x5f0], sp
        CHK     16, "sp", word [0x5f0], 0
        ; 32-bit far call (o32: pushes CS as a dword and EIP)
        mov     dword [0x508], ffunc32
        mov     word [0x50c], 0xF000
        o32 call far [0x508]
back_o32:
        CHK     32, "o32 call far mem", eax, 0

        ; indirect near jmp/call
        mov     bx, near1
        jmp     bx
        PUTSLN  "not reached"
near1:  mov     word [0x510], near2
        jmp     word [0x510]
        PUTSLN  "not reached"
near2:  mov     si, nfunc
        mov     ax, 0
        call    si
        mov     word [0x512], nfunc
        call    word [0x512]
        mov     bx, 0x510
        call    [bx+2]
        CHK     16, "indirect calls", ax, 0

        ; loops
        mov     cx, 5
        xor     ax, ax
.l1:    inc     ax
        loop    .l1
        CHK     16, "loop 5", ax, 0
        mov     cx, 10
        xor     ax, ax
.l2:    inc     ax
        cmp     ax, 3
        loopne  .l2
        CHK     16, "loopne: ax", ax, 0
        CHK     16, "loopne: cx", cx, 0
        mov     cx, 10
        xor     ax, ax
.l3:    inc     ax
        cmp     ax, 1
        loope   .l3
        CHK     16, "loope: ax", ax, 0
        CHK     16, "loope: cx", cx, 0
        mov     cx, 0
        jcxz    .z1
        PUTSLN  "jcxz not taken (wrong)"
.z1:    mov     ecx, 0x10000
        jcxz    .z2
        PUTSLN  "jcxz not taken with ecx=10000"
        jecxz   .z2
        PUTSLN  "jecxz not taken with ecx=10000"
.z2:    mov     ecx, 0x10001
        a32 loop .z3            ; decrements ECX
.z3:    CHK     32, "a32 loop ecx", ecx, 0
        mov     ecx, 0x10001
        loop    .z4             ; decrements CX only
.z4:    CHK     32, "loop ecx", ecx, 0

        ; every jcc, short and near forms
        mov     si, 0
.flagloop:
        mov     ax, [cs:flagtab + si]
        PUTS    "flags "
        PHEX    16, ax
        PUTS    ": jcc="
        xor     bx, bx
        push    ax
        popf
        FORCC   JCC_SHORT
        PHEX    16, bx
        PUTS    " jcc near="
        xor     bx, bx
        push    ax
        popf
        FORCC   JCC_NEAR
        PHEX    16, bx
        NL
        add     si, 2
        cmp     si, flagtab_end - flagtab
        jb      .flagloop

        PUTSLN  "done"
        EXIT    0

flagtab:
        dw      0x0002, 0x0803, 0x0046, 0x0082, 0x0882, 0x08d7, 0x0047, 0x0806
flagtab_end:

; far1 and ffunc run in the alias segment (EF00:x+0x1000): strings in
; the image are not at their usual offsets there, so they only record
; what they see and the caller prints it.
far1:   mov     ax, cs
        mov     [0x520], ax
        call    .here
.here:  pop     ax
        sub     ax, .here + 0x1000
        mov     [0x522], ax
        jmp     0xF000:back1
far2:   PUTSLN  "far jmp mem"
        jmp     back2
ffunc:  inc     ax
        push    bp
        mov     bp, sp
        mov     bx, [bp+4]      ; caller's CS
        pop     bp
        mov     [0x524], bx
        mov     bx, cs
        mov     [0x526], bx
        retf
ffunc_add:
        push    bp
        mov     bp, sp
        mov     ax, [bp+6]
        add     ax, [bp+8]
        pop     bp
        retf    4
ffunc32:
        mov     eax, [esp+4]    ; the pushed CS (dword slot)
        and     eax, 0xffff
        shl     eax, 16
        mov     ax, [esp]       ; low word of the return EIP
        sub     ax, back_o32
        o32 retf
nfunc:  inc     ax
        ret

        LIBCODE
        RESET_VECTOR
