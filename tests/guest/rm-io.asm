; Port I/O: in/out with imm8 and dx, byte/word/dword; rep outs to the
; debug port; rep ins from an unclaimed port (reads as all ones); DF=1;
; reading back registers of the 8259 (IMR) and the 16550A at 0x3F8
; (scratch, LSR, IIR after reset).  Only bytes go to the debug port: what a
; word written to a 1-byte port does differs between emulators (QEMU drops
; it, Bochs and an ISA bus print the low byte).
%include "lib.inc"

UNCL    equ 0xE0        ; unclaimed ports 0xE0-0xE7
UNCLDX  equ 0x1234      ; unclaimed, only reachable through dx
BUF     equ 0x600

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-io"

        mov     al, '['
        out     DBG, al
        mov     dx, DBG
        mov     al, 'x'
        out     dx, al
        mov     al, ']'
        out     DBG, al
        NL

        in      al, UNCL
        CHK     8, "in al,imm (unclaimed)", al, 0
        in      ax, UNCL + 2
        CHK     16, "in ax,imm (unclaimed)", ax, 0
        in      eax, UNCL + 4
        CHK     32, "in eax,imm (unclaimed)", eax, 0
        mov     dx, UNCLDX
        mov     al, 0
        in      al, dx
        CHK     8, "in al,dx (unclaimed)", al, 0
        xor     eax, eax
        in      ax, dx
        CHK     32, "in ax,dx (unclaimed)", eax, 0
        in      eax, dx
        CHK     32, "in eax,dx (unclaimed)", eax, 0
        out     dx, al          ; writes to nowhere are ignored
        out     dx, eax

        ; rep outsb to the debug port
        mov     dword [BUF], "outs"
        mov     word [BUF+4], 0x0a21
        mov     si, BUF
        mov     cx, 6
        mov     dx, DBG
        rep outsb
        PUTS    "after rep outsb: cx="
        PHEX    16, cx
        PUTS    " si="
        PHEX    16, si
        NL
        ; outsb with DF=1 prints backwards
        std
        mov     si, BUF+3
        mov     cx, 4
        rep outsb
        cld
        NL

        ; rep ins from an unclaimed port
        mov     di, BUF
        mov     cx, 16
        xor     al, al
        rep stosb
        mov     dx, UNCLDX
        mov     di, BUF
        mov     cx, 2
        rep insb
        mov     cx, 2
        rep insw
        insd
        PUTS    "after ins: cx="
        PHEX    16, cx
        PUTS    " di="
        PHEX    16, di
        NL
        mov     si, BUF
        mov     cx, 12
        call    dump16
        std
        mov     di, BUF+15
        mov     dx, UNCL
        mov     byte [BUF+15], 0
        mov     byte [BUF+14], 0
        mov     cx, 2
        rep insb
        cld
        PUTS    "std rep insb: di="
        PHEX    16, di
        NL
        mov     si, BUF+12
        mov     cx, 4
        call    dump16
        ; rep outsw to nowhere only advances si
        mov     si, BUF
        mov     cx, 3
        mov     dx, UNCLDX
        rep outsw
        CHK     16, "rep outsw si", si, 0

        ; the 8259 IMR reads back what was written
        mov     al, 0x55
        out     0x21, al
        mov     al, 0xaa
        out     0xa1, al
        in      al, 0x21
        CHK     8, "pic master imr", al, 0
        in      al, 0xa1
        CHK     8, "pic slave imr", al, 0
        MASK_PIC
        ; the 16550A: scratch register, LSR and IIR after reset
        mov     dx, 0x3ff
        mov     al, 0x5a
        out     dx, al
        in      al, dx
        CHK     8, "uart scr", al, 0
        mov     dx, 0x3fd
        in      al, dx
        CHK     8, "uart lsr", al, 0
        mov     dx, 0x3fa
        in      al, dx
        CHK     8, "uart iir", al, 0
        mov     dx, 0x3fb
        mov     al, 0x83        ; DLAB=1, 8 bits
        out     dx, al
        mov     dx, 0x3f8
        mov     al, 0x0c        ; divisor 12: 9600 baud
        out     dx, al
        inc     dx
        mov     al, 0
        out     dx, al
        mov     dx, 0x3f8
        in      al, dx
        CHK     8, "uart dll", al, 0
        mov     dx, 0x3fb
        mov     al, 0x03
        out     dx, al
        in      al, dx
        CHK     8, "uart lcr", al, 0

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        RESET_VECTOR
