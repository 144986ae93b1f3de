; BCD adjustments: daa/das after add/sub, aaa/aas (including AL > F9,
; where the 386 and later add 0x106 to AX), aam/aad with base 10 and 16.
; Flags are masked to what each defines.  (Some hosts' KVM cannot run DAA.)
%include "lib.inc"

F_DAA   equ 0x0D5       ; OF undefined
F_AAA   equ 0x011       ; only AF and CF defined
F_AAM   equ 0x0C4       ; SF ZF PF

; DADD/DSUB "name", a, b, (unused), mask: al = a +/- b, then daa/das
%macro DADD 5
        SETF    0x0002
        mov     al, %2
        add     al, %3
        daa
        CHK     8, %1, al, %5
%endmacro
%macro DSUB 5
        SETF    0x0002
        mov     al, %2
        sub     al, %3
        das
        CHK     8, %1, al, %5
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-bcd"

        DADD    "daa 19+28", 0x19, 0x28, 0, F_DAA
        DADD    "daa 99+01", 0x99, 0x01, 0, F_DAA
        DADD    "daa 50+60", 0x50, 0x60, 0, F_DAA
        DADD    "daa 05+04", 0x05, 0x04, 0, F_DAA
        DADD    "daa 88+88", 0x88, 0x88, 0, F_DAA
        SETF    0x0002
        mov     al, 0x9a
        daa
        CHK     8, "daa 9a (af=cf=0)", al, F_DAA
        SETF    0x0013
        mov     al, 0x00
        daa
        CHK     8, "daa 00 (af=cf=1)", al, F_DAA
        DSUB    "das 47-28", 0x47, 0x28, 0, F_DAA
        DSUB    "das 10-20", 0x10, 0x20, 0, F_DAA
        DSUB    "das 00-01", 0x00, 0x01, 0, F_DAA
        DSUB    "das 55-11", 0x55, 0x11, 0, F_DAA
        SETF    0x0002
        mov     al, 0x9a
        das
        CHK     8, "das 9a (af=cf=0)", al, F_DAA

        SETF    0x0002
        mov     ax, 0x000b
        aaa
        CHK     16, "aaa 000b", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x0005
        aaa
        CHK     16, "aaa 0005", ax, F_AAA
        SETF    0x0012
        mov     ax, 0x0002
        aaa
        CHK     16, "aaa 0002 af=1", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x01fb
        aaa
        CHK     16, "aaa 01fb", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x0009
        add     al, 0x08
        aaa
        CHK     16, "aaa after 9+8", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x020b
        aas
        CHK     16, "aas 020b", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x0203
        sub     al, 0x05
        aas
        CHK     16, "aas after 3-5", ax, F_AAA
        SETF    0x0002
        mov     ax, 0x0004
        aas
        CHK     16, "aas 0004", ax, F_AAA

        mov     ax, 0x003f
        aam
        CHK     16, "aam 3f", ax, F_AAM
        mov     ax, 0x0000
        aam
        CHK     16, "aam 00", ax, F_AAM
        mov     ax, 0x00ff
        aam     16
        CHK     16, "aam16 ff", ax, F_AAM
        mov     ax, 0x0603
        aad
        CHK     16, "aad 0603", ax, F_AAM
        mov     ax, 0x1f09
        aad
        CHK     16, "aad 1f09", ax, F_AAM
        mov     ax, 0x0305
        aad     16
        CHK     16, "aad16 0305", ax, F_AAM
        mov     ax, 0x0c08
        aad
        CHK     16, "aad 0c08", ax, F_AAM

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        RESET_VECTOR
