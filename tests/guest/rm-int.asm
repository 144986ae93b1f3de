; Software interrupts through the real-mode IVT: int n, int3 (CC and CD 03),
; into (OF set and clear), nested ints, iret restoring FLAGS (IF and a
; handler-modified CF), and single-step traps with TF.
%include "lib.inc"

SAVED   equ 0x500       ; handler records: ip, cs, flags, flags inside
TRACE   equ 0x540       ; single-step: count, then IPs

; record what a handler sees, at [SAVED + 8*slot]
%macro RECORD 1
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp+2]
        mov     [SAVED + 8*%1], ax
        mov     ax, [bp+4]
        mov     [SAVED + 8*%1 + 2], ax
        mov     ax, [bp+6]
        mov     [SAVED + 8*%1 + 4], ax
        pushf
        pop     ax
        mov     [SAVED + 8*%1 + 6], ax
        pop     ax
        pop     bp
%endmacro

; SHOW "name", slot, label: print ip - label, cs, pushed flags, flags inside
%macro SHOW 3
        PUTS    %1, ": ip-label="
        mov     ax, [SAVED + 8*%2]
        sub     ax, %3
        PHEX    16, ax
        PUTS    " cs="
        PHEX    16, [SAVED + 8*%2 + 2]
        PUTS    " pushed f="
        mov     ax, [SAVED + 8*%2 + 4]
        and     ax, 0x0fd7 | FL_T | FL_I
        PHEX    16, ax
        PUTS    " in handler f="
        mov     ax, [SAVED + 8*%2 + 6]
        and     ax, 0x0fd7 | FL_T | FL_I
        PHEX    16, ax
        NL
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "rm-int"
        SET_IVT 0x40, h40
        SET_IVT 0x41, h41
        SET_IVT 0x42, h42
        SET_IVT 3, h3
        SET_IVT 4, h4
        SET_IVT 1, h1
        SET_IVT 0xff, hff

        ; int 40h with IF=1 and some status flags set
        SETF    0x0283          ; IF SF CF
        mov     ax, 0
        int     0x40
.r40:   PFLAGS  "after iret", 0x0fd7 | FL_I
        cli
        CHK     16, "int 40h ax", ax, 0
        SHOW    "int 40h", 0, .r40

        ; the handler sets CF in the pushed FLAGS (BIOS style)
        SETF    0x0002
        int     0x42
        PFLAGS  "int 42h sets cf", 0x0fd7

        ; int3: one byte CC and two byte CD 03
        SETF    0x0046
        int3
.r3a:   SHOW    "int3 (cc)", 1, .r3a
        SETF    0x0887
        db      0xcd, 0x03
.r3b:   SHOW    "int 3 (cd 03)", 1, .r3b

        ; into: traps only with OF=1
        mov     word [SAVED + 8*2], 0
        SETF    0x0002
        into
        CHK     16, "into of=0 (no trap)", word [SAVED + 8*2], 0
        SETF    0x0802
        into
.r4:    SHOW    "into of=1", 2, .r4

        ; nested: int 41h handler issues int 40h
        mov     ax, 0
        int     0x41
        CHK     16, "nested ax", ax, 0
        int     0xff
        CHK     16, "int ffh bx", bx, 0

        ; single-step: TF set by popf traps after each later instruction
        mov     word [TRACE], 0
        mov     ax, 0
        push    word 0x0102
        popf                    ; sets TF: no trap after this one
.t0:    nop
.t1:    inc     ax
.t2:    push    word 0x0002
.t3:    popf                    ; clears TF: still traps after it
.t4:    nop
        CHK     16, "single-step traps", word [TRACE], 0
        mov     si, 0
.tl:    cmp     si, [TRACE]
        jae     .td
        mov     bx, si
        shl     bx, 1
        mov     ax, [TRACE + 2 + bx]
        sub     ax, .t0
        PUTS    "  trap at .t0+"
        PHEX    16, ax
        NL
        inc     si
        jmp     .tl
.td:
        PUTSLN  "done"
        EXIT    0

h40:    RECORD  0
        mov     ax, 0x4040
        iret
h41:    int     0x40
        add     ax, 1
        iret
h42:    push    bp
        mov     bp, sp
        or      word [bp+6], FL_C
        pop     bp
        iret
h3:     RECORD  1
        iret
h4:     RECORD  2
        iret
hff:    mov     bx, 0xffff
        iret
h1:     push    bx
        mov     bx, [TRACE]
        inc     word [TRACE]
        shl     bx, 1
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp+4]      ; the interrupted IP
        mov     [TRACE + 2 + bx], ax
        pop     ax
        pop     bp
        pop     bx
        iret

        LIBCODE
        RESET_VECTOR
