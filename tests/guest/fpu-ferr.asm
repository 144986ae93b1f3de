; x87 errors the MS-DOS way (SDM vol. 1 appendix D): with CR0.NE=0 (its
; reset value) an unmasked exception is not #MF but FERR#, which the PC
; turns into IRQ13 (slave 8259 input 5); the handler clears it with a
; write to port F0h, FNCLEX and EOI.  Then the same divide by zero with
; CR0.NE=1 raises #MF (vector 16) at the waiting instruction instead, and
; masked or cleared exceptions raise nothing.
; Expected output: the SDM and the PC's wiring (IRQ13, port F0h), the same
; on QEMU 7.2 and Bochs 2.7 (both, like tandem, let the instruction go on
; rather than freeze until the interrupt).
%include "lib.inc"

COUNT   equ 0x500           ; IRQ13 handler runs
MFCOUNT equ 0x502           ; #MF handler runs
SWB     equ 0x504
ONE     equ 0x508           ; dword 1.0f
CW      equ 0x50c

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "fpu-ferr"
        mov     word [COUNT], 0
        mov     word [MFCOUNT], 0
        mov     dword [ONE], 0x3f800000
        ; every PIC vector to "unexpected", IRQ13 (0x28 + 5) to its handler
        mov     bx, 0x20*4
.iv:    mov     word [bx], unexpected
        mov     word [bx+2], 0xF000
        add     bx, 4
        cmp     bx, 0x30*4
        jb      .iv
        SET_IVT 0x2d, irq13
        SET_IVT 16, mf

        ; 8259 pair at 0x20/0x28, only the cascade and IRQ13 unmasked
        INIT_PIC 0xfb, 0xdf

        mov     eax, cr0
        and     eax, 0x20
        CHK     32, "1 cr0.ne at reset", eax, 0

        ; ---- divide by zero unmasked, NE=0: IRQ13 at the next FWAIT ----
        fninit
        mov     word [CW], 0x037b       ; ZM clear
        fldcw   [CW]
        sti
        fld1
        fldz
        fdivp   st1, st0                ; ES set, nothing raised yet
        fnstsw  [SWB]
        mov     ax, [SWB]
        and     ax, 0x80ff
        CHK     16, "2 after fdiv: sw & 80ff", ax, 0
        CHK     16, "  irq13 so far", word [COUNT], 0
        fwait                           ; FERR#: IRQ13
        mov     cx, 1000
.w1:    cmp     word [COUNT], 0
        jne     .got1
        loop    .w1
.got1:  CHK     16, "4 irq13 taken", word [COUNT], 0
        CHK     16, "  #mf taken", word [MFCOUNT], 0
        fnstsw  [SWB]
        mov     ax, [SWB]
        and     ax, 0x80ff
        CHK     16, "  sw after the handler", ax, 0

        ; ---- cleared: a second FWAIT raises nothing ----
        fwait
        mov     cx, 100
.w2:    loop    .w2
        CHK     16, "5 irq13 after a clean fwait", word [COUNT], 0

        ; ---- masked (ZM set): no FERR# either ----
        fninit
        fld1
        fldz
        fdivp   st1, st0
        fwait
        mov     cx, 100
.w3:    loop    .w3
        fnstsw  [SWB]
        mov     ax, [SWB]
        and     ax, 0x80ff
        CHK     16, "6 masked: sw & 80ff", ax, 0
        CHK     16, "  irq13", word [COUNT], 0
        fstp    st0

        ; ---- NE=1: #MF at the waiting instruction, no IRQ13 ----
        mov     eax, cr0
        or      eax, 0x20
        mov     cr0, eax
        fninit
        fldcw   [CW]
        fld1
        fldz
        fdivp   st1, st0
.mfat:  fwait                           ; #MF here, IP of this fwait
.mfret: mov     cx, 100
.w4:    loop    .w4
        CHK     16, "7 ne=1: #mf taken", word [MFCOUNT], 0
        CHK     16, "  irq13", word [COUNT], 0
        cli
        PUTSLN  "done"
        EXIT    0

irq13:
        push    bp
        mov     bp, sp
        push    ax
        inc     word [COUNT]
        PUTSLN  "3 irq13 handler"
        mov     al, 0x0b                ; slave ISR
        out     0xa0, al
        in      al, 0xa0
        CHK     8, "  slave isr", al, 0
        fnstsw  [SWB]
        mov     ax, [SWB]
        and     ax, 0x80ff
        CHK     16, "  sw", ax, 0
        out     0xf0, al                ; clear IRQ13 (and FERR# latch)
        fnclex
        mov     al, 0x20
        out     0xa0, al
        out     0x20, al
        pop     ax
        pop     bp
        iret

mf:
        push    bp
        mov     bp, sp
        push    ax
        inc     word [MFCOUNT]
        mov     ax, [bp+2]
        sub     ax, start.mfat
        CHK     16, "  #mf: return ip - the fwait", ax, 0
        fnclex
        pop     ax
        pop     bp
        iret

unexpected:
        PUTSLN  "unexpected interrupt"
        EXIT    2

        LIBCODE
        RESET_VECTOR
