; VGA without a video BIOS: the guest programs 80x25 text (mode 3) itself,
; writes characters and attributes through 0xB8000 and reads them back,
; exercises the DAC's auto-increment, the attribute controller's flip-flop,
; the planar write modes 0-3 and read modes 0-1 through 0xA0000, and
; chain-4; then returns to text and leaves a screen for the text dump to
; check (expected/vga-text.screen.txt).
;
; Everything printed is defined by the VGA register interface alone: no
; result depends on how an adapter lays planes out in its memory.  Left
; out because the references differ: DAC values above 0x3F (QEMU and Bochs
; keep 8 bits) and the map mask in chain-4 mode (Bochs ignores it).
%include "lib.inc"

        bits    16
        org     0

; out dx-port index, value pairs
%macro IDX 3
        mov     dx, %1
        mov     al, %2
        out     dx, al
        inc     dx
        mov     al, %3
        out     dx, al
%endmacro
%define SEQ(i, v)  IDX 0x3C4, i, v
%define GC(i, v)   IDX 0x3CE, i, v
%define CRTC(i, v) IDX 0x3D4, i, v

start:
        INIT16
        MASK_PIC
        PUTSLN  "vga-text"

        ; ---- mode 3, register by register ----
        mov     dx, 0x3C2
        mov     al, 0x67
        out     dx, al
        SEQ(0, 0x01)            ; synchronous reset while clocking changes
        mov     si, seq_regs
        mov     bl, 1
.seq:   cs lodsb
        mov     ah, al
        mov     al, bl
        mov     dx, 0x3C4
        out     dx, ax
        inc     bl
        cmp     bl, 5
        jb      .seq
        SEQ(0, 0x03)
        CRTC(0x11, 0x0E)        ; unlock CR0-CR7
        mov     si, crtc_regs
        xor     bl, bl
.crtc:  cs lodsb
        mov     ah, al
        mov     al, bl
        mov     dx, 0x3D4
        out     dx, ax
        inc     bl
        cmp     bl, 0x19
        jb      .crtc
        mov     si, gc_regs
        xor     bl, bl
.gc:    cs lodsb
        mov     ah, al
        mov     al, bl
        mov     dx, 0x3CE
        out     dx, ax
        inc     bl
        cmp     bl, 9
        jb      .gc
        mov     dx, 0x3DA
        in      al, dx          ; attribute flip-flop to "index"
        mov     si, ac_regs
        xor     bl, bl
        mov     dx, 0x3C0
.ac:    mov     al, bl
        out     dx, al
        cs lodsb
        out     dx, al
        inc     bl
        cmp     bl, 0x15
        jb      .ac
        mov     al, 0x20        ; palette address source: display on
        out     dx, al

        mov     dx, 0x3CC
        in      al, dx
        CHK     8, "misc output", al, 0
        CRTC(0x0E, 0x01)
        CRTC(0x0F, 0x23)
        mov     dx, 0x3D4
        mov     al, 0x0E
        out     dx, al
        inc     dx
        in      al, dx
        mov     ah, al
        dec     dx
        mov     al, 0x0F
        out     dx, al
        inc     dx
        in      al, dx
        CHK     16, "cursor location", ax, 0
        CRTC(0x0E, 0x00)
        CRTC(0x0F, 0x00)

        ; ---- text through 0xB8000 ----
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     cx, 80 * 25
        mov     ax, 0x0720
        rep stosw
        xor     di, di
        mov     si, msg_title
        mov     ah, 0x1F
        call    putstr
        mov     di, 2 * 160
        mov     si, msg_box
        mov     ah, 0x0E
        call    putstr
        mov     di, 3 * 160 + 8
        mov     si, msg_line
        mov     ah, 0x07
        call    putstr
        mov     ax, [es:0]
        CHK     16, "b8000 word", ax, 0
        mov     eax, [es:2 * 160]
        CHK     32, "b8140 dword", eax, 0
        mov     al, [es:3 * 160 + 9]
        CHK     8, "attribute byte", al, 0

        ; ---- the DAC: auto-increment ----
        ; (6-bit values only: the IBM DAC drops bits 7-6, which QEMU and
        ; Bochs keep)
        mov     dx, 0x3C8
        mov     al, 0x10
        out     dx, al
        inc     dx
        mov     si, dac_vals
        mov     cx, 6
.dw:    cs lodsb
        out     dx, al
        loop    .dw
        mov     dx, 0x3C8
        in      al, dx
        CHK     8, "dac write index after 2 entries", al, 0
        mov     dx, 0x3C7
        in      al, dx
        CHK     8, "dac state (write)", al, 0
        mov     al, 0x10
        out     dx, al
        in      al, dx
        CHK     8, "dac state (read)", al, 0
        mov     dx, 0x3C9
        mov     cx, 6
        PUTS    "dac read back:"
.dr:    in      al, dx
        PUTS    " "
        PHEX    8, al
        loop    .dr
        NL

        ; ---- attribute controller flip-flop ----
        mov     dx, 0x3DA
        in      al, dx
        mov     dx, 0x3C0
        mov     al, 0x31        ; overscan colour, PAS set
        out     dx, al
        mov     al, 0x2A
        out     dx, al
        in      al, dx
        CHK     8, "ac index", al, 0
        inc     dx
        in      al, dx
        CHK     8, "ac overscan", al, 0
        mov     dx, 0x3C0
        mov     al, 0x31        ; this is an index again: no data written
        out     dx, al
        mov     dx, 0x3DA
        in      al, dx
        mov     dx, 0x3C0
        mov     al, 0x31
        out     dx, al
        xor     al, al
        out     dx, al
        mov     al, 0x20
        out     dx, al

        ; ---- planar graphics memory at 0xA0000 ----
        SEQ(2, 0x0F)
        SEQ(4, 0x06)
        GC(5, 0x00)
        GC(6, 0x05)
        GC(8, 0xFF)
        mov     ax, 0xA000
        mov     es, ax
        mov     di, 0x8000
        ; mode 0 with set/reset: planes 0 and 2 set, plane 1 reset,
        ; plane 3 from the data
        GC(1, 0x07)
        GC(0, 0x05)
        mov     byte [es:di], 0x33
        GC(1, 0x00)
        call    show_planes
        ; map mask: only planes 1 and 3 written
        SEQ(2, 0x0A)
        mov     byte [es:di], 0x5A
        SEQ(2, 0x0F)
        call    show_planes
        ; bit mask keeps latched bits; rotate 4 + XOR
        mov     byte [es:di+1], 0x0F
        mov     al, [es:di+1]   ; latch 0x0f
        GC(8, 0xF0)
        mov     byte [es:di+1], 0xA0
        GC(8, 0xFF)
        mov     al, [es:di+1]
        CHK     8, "bit mask", al, 0
        GC(3, 0x1C)             ; XOR, rotate right 4
        mov     byte [es:di+1], 0x0F
        GC(3, 0x00)
        mov     al, [es:di+1]
        CHK     8, "rotate+xor", al, 0
        ; write mode 1 copies the latches of di to di+2
        mov     al, [es:di]
        GC(5, 0x01)
        mov     byte [es:di+2], 0
        GC(5, 0x00)
        add     di, 2
        call    show_planes
        ; write mode 2: colour 0xA through bit mask 0x0F over zero
        mov     byte [es:di], 0
        mov     al, [es:di]
        GC(5, 0x02)
        GC(8, 0x0F)
        mov     byte [es:di], 0x0A
        GC(5, 0x00)
        GC(8, 0xFF)
        call    show_planes
        ; write mode 3: set/reset colour 6 through data & bit mask
        mov     al, [es:di]
        GC(5, 0x03)
        GC(0, 0x06)
        mov     byte [es:di], 0xC0
        GC(5, 0x00)
        GC(0, 0x00)
        call    show_planes
        ; read mode 1: planes f0/cc/aa/00 hold colours 7,3,5,1,6,2,4,0
        mov     di, 0x8010
        mov     si, plane_pat
        mov     bl, 1
.pp:    SEQ(2, bl)
        cs lodsb
        mov     [es:di], al
        shl     bl, 1
        cmp     bl, 0x10
        jb      .pp
        SEQ(2, 0x0F)
        GC(5, 0x08)
        GC(2, 0x03)
        GC(7, 0x0F)
        mov     al, [es:di]
        CHK     8, "compare colour 3", al, 0
        GC(7, 0x0B)
        mov     al, [es:di]
        CHK     8, "compare colour 3, plane 2 ignored", al, 0
        GC(2, 0x01)
        mov     al, [es:di]
        CHK     8, "compare colour 1, plane 2 ignored", al, 0
        GC(7, 0x00)
        mov     al, [es:di]
        CHK     8, "compare, nothing cared", al, 0
        GC(5, 0x00)
        GC(2, 0x00)

        ; ---- chain-4 ----
        SEQ(4, 0x0E)
        GC(5, 0x40)
        mov     dword [es:0x9000], 0x44332211
        mov     byte [es:0x9005], 0x66
        mov     eax, [es:0x9000]
        CHK     32, "chain-4 dword", eax, 0

        ; ---- back to text: the screen is intact ----
        SEQ(4, 0x02)
        SEQ(2, 0x03)
        GC(5, 0x10)
        GC(6, 0x0E)
        GC(4, 0x00)
        mov     ax, 0xB800
        mov     es, ax
        mov     ax, [es:0]
        CHK     16, "b8000 word again", ax, 0
        mov     di, 5 * 160
        mov     si, msg_done
        mov     ah, 0x0A
        call    putstr
        ; the cursor after "done"
        CRTC(0x0E, 0x01)
        CRTC(0x0F, 0x94)
        PUTSLN  "ok"
        EXIT    0

; ES:DI <- CS:SI (NUL-terminated) with attribute AH
putstr:
        cs lodsb
        test    al, al
        jz      .done
        stosw
        jmp     putstr
.done:  ret

; print the four planes at ES:DI (read mode 0, each plane in turn)
show_planes:
        PUTS    "planes 0-3:"
        xor     bl, bl
.next:  GC(4, bl)
        mov     al, [es:di]
        PUTS    " "
        PHEX    8, al
        inc     bl
        cmp     bl, 4
        jb      .next
        GC(4, 0)
        NL
        ret

seq_regs:  db 0x00, 0x03, 0x00, 0x02
crtc_regs: db 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F
           db 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00
           db 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
gc_regs:   db 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF
ac_regs:   db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07
           db 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
           db 0x0C, 0x00, 0x0F, 0x08, 0x00
dac_vals:  db 0x3F, 0x20, 0x01, 0x2A, 0x00, 0x15
plane_pat: db 0xF0, 0xCC, 0xAA, 0x00
msg_title: db "tandem VGA text test", 0
msg_box:   db 0xC9, 0xCD, 0xCD, 0xCB, 0xCD, 0xBB, " ", 0xB0, 0xB1, 0xB2, 0xDB
           db " ", 0x01, 0x03, " ", 0x82, "t", 0xE9, " ", 0xF8, 0
msg_line:  db "attribute 07", 0
msg_done:  db "done", 0

        LIBCODE
        RESET_VECTOR
