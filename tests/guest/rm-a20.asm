; The A20 gate: with it closed, address line 20 is forced to 0, so
; FFFF:0010 (linear 0x100000) aliases 0000:0000; with it open they are
; distinct bytes.  Closed and opened through port 0x92 bit 1 and through
; the 8042's output port (command 0xD1).  Expected values follow from the
; PC's A20 gate: the last byte written through FFFF:0010 while the gate is
; closed lands at physical 0.
%include "lib.inc"

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-a20"
        xor     ax, ax
        mov     ds, ax
        mov     ax, 0xffff
        mov     es, ax
        mov     byte [0], 0x11

        ; open through port 0x92: distinct bytes
        mov     al, 0x02
        out     0x92, al
        mov     byte [es:0x10], 0x22
        CHK     8, "92 open: [0]", byte [0], 0
        CHK     8, "92 open: [ffff:10]", byte [es:0x10], 0

        ; close through port 0x92: FFFF:0010 is physical 0
        in      al, 0x92
        and     al, ~0x02
        out     0x92, al
        in      al, 0x92
        CHK     8, "92 reads", al, 0
        mov     byte [es:0x10], 0x33
        CHK     8, "92 closed: [0]", byte [0], 0
        CHK     8, "92 closed: [ffff:10]", byte [es:0x10], 0

        ; the 8042 output port opens it again (bit 1), then closes it
        call    kbd_wait
        mov     al, 0xd1
        out     0x64, al
        call    kbd_wait
        mov     al, 0xdf
        out     0x60, al
        call    kbd_wait
        CHK     8, "8042 open: [ffff:10]", byte [es:0x10], 0
        mov     byte [es:0x10], 0x44
        CHK     8, "8042 open: [0]", byte [0], 0
        call    kbd_wait
        mov     al, 0xd1
        out     0x64, al
        call    kbd_wait
        mov     al, 0xdd
        out     0x60, al
        call    kbd_wait
        CHK     8, "8042 closed: [ffff:10]", byte [es:0x10], 0

        mov     al, 0x02            ; leave it open
        out     0x92, al
        PUTSLN  "done"
        EXIT    0

kbd_wait:
        in      al, 0x64
        test    al, 0x02
        jnz     kbd_wait
        ret

        LIBCODE
        RESET_VECTOR
