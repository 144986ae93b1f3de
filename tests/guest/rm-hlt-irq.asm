; HLT woken by a device interrupt, with no timer involved: the 8259 pair is
; initialised (vector base 0x20/0x28, only IRQ4 unmasked), the 16550A at
; 0x3F8 gets IER=THRE, which raises IRQ4 at once since the transmitter is
; empty; then sti; hlt.  The handler reads IIR (which clears the THRE
; interrupt), checks the PIC's ISR before and after EOI, and returns to
; the instruction after hlt.  The lines say in which order things happened.
%include "lib.inc"

COUNT   equ 0x500
RETIP   equ 0x502
UART    equ 0x3F8

%macro OCW3_READ 1      ; 0x0a: IRR, 0x0b: ISR (master)
        mov     al, %1
        out     0x20, al
        in      al, 0x20
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-hlt-irq"
        mov     word [COUNT], 0
        ; every PIC vector to the "unexpected" handler, IRQ4 to its own
        mov     bx, 0x20*4
.iv:    mov     word [bx], unexpected
        mov     word [bx+2], 0xF000
        add     bx, 4
        cmp     bx, 0x30*4
        jb      .iv
        SET_IVT 0x24, irq4

        ; 8259 pair: edge triggered, cascade, 8086 mode
        INIT_PIC 0xef, 0xff     ; only IRQ4
        in      al, 0x21
        CHK     8, "1 pic initialised, imr", al, 0
        OCW3_READ 0x0b
        CHK     8, "  isr", al, 0

        ; 16550A: 8N1, OUT2 (gates the IRQ line on a PC), no interrupts yet
        mov     dx, UART + 3
        mov     al, 0x03
        out     dx, al
        mov     dx, UART + 4
        mov     al, 0x08
        out     dx, al
        mov     dx, UART + 1
        mov     al, 0x00
        out     dx, al
        mov     dx, UART + 2
        in      al, dx
        CHK     8, "2 uart iir before", al, 0
        mov     dx, UART + 1
        mov     al, 0x02        ; ETBEI: THR empty interrupt
        out     dx, al
        mov     dx, UART + 2
        in      al, dx          ; note: reading IIR here would clear it...
        CHK     8, "3 uart iir with ier=02", al, 0
        ; ...so make the UART raise it again
        mov     dx, UART + 1
        mov     al, 0x00
        out     dx, al
        mov     al, 0x02
        out     dx, al
        OCW3_READ 0x0a
        and     al, 0x10
        CHK     8, "4 pic irr & 10", al, 0
        PUTSLN  "5 sti; hlt"
        sti
        hlt
.after: cli
        PUTSLN  "7 after hlt"
        CHK     16, "  interrupts taken", word [COUNT], 0
        mov     ax, [RETIP]
        sub     ax, .after
        CHK     16, "  return ip - label after hlt", ax, 0
        OCW3_READ 0x0b
        CHK     8, "  pic isr", al, 0
        mov     dx, UART + 1
        mov     al, 0
        out     dx, al
        mov     dx, UART + 2
        in      al, dx
        CHK     8, "  uart iir", al, 0
        PUTSLN  "done"
        EXIT    0

irq4:
        push    bp
        mov     bp, sp
        pushad
        mov     ax, [bp+2]
        mov     [RETIP], ax
        inc     word [COUNT]
        PUTSLN  "6 irq4 handler"
        mov     dx, UART + 2
        in      al, dx
        CHK     8, "  iir", al, 0
        in      al, dx
        CHK     8, "  iir again", al, 0
        OCW3_READ 0x0b
        CHK     8, "  pic isr", al, 0
        mov     al, 0x20
        out     0x20, al
        OCW3_READ 0x0b
        CHK     8, "  pic isr after eoi", al, 0
        popad
        pop     bp
        iret

unexpected:
        PUTSLN  "unexpected interrupt"
        EXIT    2

        LIBCODE
        RESET_VECTOR
