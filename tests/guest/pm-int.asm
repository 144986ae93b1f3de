; 32-bit protected-mode IDT: int n through an interrupt gate (IF cleared in
; the handler) and a trap gate (IF kept), int3, into, the frame the CPU
; pushes (EIP, CS, EFLAGS), a handler that edits the saved EFLAGS, and
; iretd.
%include "lib.inc"

SAVED   equ 0x500

; RECORD slot: save pushed EIP, CS, EFLAGS and the EFLAGS inside the handler
%macro RECORD 1
        push    eax
        mov     eax, [esp+4]
        mov     [SAVED + 16*%1], eax
        mov     eax, [esp+8]
        mov     [SAVED + 16*%1 + 4], eax
        mov     eax, [esp+12]
        mov     [SAVED + 16*%1 + 8], eax
        pushfd
        pop     eax
        mov     [SAVED + 16*%1 + 12], eax
        mov     [SAVED + 16*%1 + 16*8], esp
        pop     eax
%endmacro

; SHOW "name", slot, label
%macro SHOW 3
        PUTS    %1, ": eip-label="
        mov     eax, [SAVED + 16*%2]
        sub     eax, ROM + %3
        PHEX    32, eax
        PUTS    " cs="
        PHEX    16, [SAVED + 16*%2 + 4]
        PUTS    " eflags="
        mov     eax, [SAVED + 16*%2 + 8]
        and     eax, 0x0fd7 | FL_I | FL_T
        PHEX    32, eax
        PUTS    " inside="
        mov     eax, [SAVED + 16*%2 + 12]
        and     eax, 0x0fd7 | FL_I | FL_T
        PHEX    32, eax
        NL
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "pm-int"
        PMODE_ENTER
        call    exc32_install
        SET_GATE 0x40, h40, 0x8E00      ; interrupt gate
        SET_GATE 0x41, h41, 0x8F00      ; trap gate
        SET_GATE 0x42, h42, 0x8E00
        SET_GATE 3, h3, 0x8F00
        SET_GATE 4, h4, 0x8F00
        SET_GATE 0xfe, hfe, 0x8E00

        SETF    0x0202                  ; IF=1 (the PIC is masked)
        int     0x40
.r40:   PFLAGS  "after iretd (int gate)", 0x0fd7 | FL_I
        SHOW    "int 40h interrupt gate", 0, .r40
        mov     eax, [SAVED + 16*8]
        sub     eax, STACK_TOP - 16
        CHK     32, "handler esp - (top-16)", eax, 0

        SETF    0x0203
        int     0x41
.r41:   PFLAGS  "after iretd (trap gate)", 0x0fd7 | FL_I
        SHOW    "int 41h trap gate", 1, .r41
        cli

        SETF    0x0002
        mov     eax, 0
        int     0x42
        PFLAGS  "int 42h sets CF and OF in the frame", 0x0fd7 | FL_I
        CHK     32, "int 42h eax", eax, 0

        SETF    0x0046
        int3
.r3:    SHOW    "int3", 2, .r3
        SETF    0x0802
        into
.r4:    SHOW    "into", 3, .r4
        mov     dword [SAVED + 16*3], 0
        SETF    0x0002
        into
        CHK     32, "into of=0 (no trap)", dword [SAVED + 16*3], 0

        ; nested: handler fe issues int 40h
        SETF    0x0002
        mov     ecx, 0
        int     0xfe
        CHK     32, "nested ecx", ecx, 0
        mov     [0x5f0], esp
        CHK     32, "esp", dword [0x5f0], 0

        PUTSLN  "done"
        EXIT    0

h40:    RECORD  0
        iretd
h41:    RECORD  1
        iretd
h42:    or      dword [esp+8], FL_C | FL_O
        mov     eax, 0x42
        iretd
h3:     RECORD  2
        iretd
h4:     RECORD  3
        iretd
hfe:    int     0x40
        mov     ecx, 0xfe
        iretd

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
