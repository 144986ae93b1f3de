; String instructions in real mode: movs/stos/lods/cmps/scas at b/w/d,
; rep/repe/repne, DF=1 (backwards), a segment override on the source, and
; the count/index registers left behind.
%include "lib.inc"

SRC     equ 0x1000
DST     equ 0x1100

; REGS: print cx, si, di
%macro REGS 1
        PUTS    %1, ": cx="
        PHEX    16, cx
        PUTS    " si="
        PHEX    16, si
        PUTS    " di="
        PHEX    16, di
        NL
%endmacro
; DUMP addr, n
%macro DUMP 2
        push    si
        push    cx
        mov     si, %1
        mov     cx, %2
        call    dump16
        pop     cx
        pop     si
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-string"
        ; source pattern: SRC+k = 0x40+k ("@ABC...")
        mov     bx, 0
.fill:  lea     ax, [bx+0x40]
        mov     [bx+SRC], al
        inc     bx
        cmp     bx, 32
        jb      .fill

        ; rep stosb / stosw / stosd
        mov     di, DST
        mov     al, 0xee
        mov     cx, 16
        rep stosb
        REGS    "rep stosb"
        mov     di, DST
        mov     ax, 0x1234
        mov     cx, 2
        rep stosw
        mov     eax, 0xa1b2c3d4
        stosd
        REGS    "stosw/stosd"
        DUMP    DST, 16

        ; rep movsb/movsw/movsd forward
        mov     si, SRC
        mov     di, DST
        mov     cx, 3
        rep movsb
        mov     cx, 2
        rep movsw
        mov     cx, 1
        rep movsd
        REGS    "rep movs b/w/d"
        DUMP    DST, 16

        ; rep movsb with CX = 0 moves nothing
        mov     cx, 0
        mov     si, SRC
        mov     di, DST
        rep movsb
        REGS    "rep movsb cx=0"

        ; backwards (DF=1): copy SRC+0..7 reversed addresses
        std
        mov     si, SRC+7
        mov     di, DST+15
        mov     cx, 8
        rep movsb
        REGS    "std rep movsb"
        mov     si, SRC+6
        mov     di, DST+6
        mov     cx, 2
        rep movsw
        REGS    "std rep movsw"
        cld
        DUMP    DST, 16

        ; overlapping runs going down: destination above the source (the
        ; bytes move up intact) and below it (each byte copies a byte that
        ; was already overwritten)
        std
        mov     si, DST+7
        mov     di, DST+9
        mov     cx, 8
        rep movsb
        mov     si, DST+12
        mov     di, DST+10
        mov     cx, 3
        rep movsw
        cld
        REGS    "std rep movs overlapping"
        DUMP    DST, 16

        ; segment override on the source: FS = 0x0100 -> linear SRC+0x1000
        mov     dword [SRC+0x1000], 0x5a5a5a5a
        mov     ax, SRC / 16 + 0x100 - SRC / 16   ; 0x100
        mov     fs, ax
        mov     si, SRC
        mov     di, DST
        mov     cx, 4
        fs rep movsb
        REGS    "fs rep movsb"
        DUMP    DST, 8
        ; ES is the destination and is not overridable
        mov     ax, 0x0010
        mov     es, ax              ; ES:DST -> linear DST+0x100
        mov     si, SRC
        mov     di, DST
        movsw
        xor     ax, ax
        mov     es, ax
        DUMP    DST+0x100, 4

        ; lods
        mov     si, SRC+1
        lodsb
        CHK     8, "lodsb", al, 0
        lodsw
        CHK     16, "lodsw", ax, 0
        lodsd
        CHK     32, "lodsd", eax, 0
        std
        lodsw
        cld
        CHK     16, "std lodsw", ax, 0
        REGS    "lods"

        ; cmps: repe stops at the first difference
        mov     si, SRC
        mov     di, DST
        mov     cx, 32
.cp:    mov     al, [si]
        mov     [di], al
        inc     si
        inc     di
        loop    .cp
        mov     byte [DST+5], 0x00
        mov     si, SRC
        mov     di, DST
        mov     cx, 16
        repe cmpsb
        PFLAGS  "repe cmpsb", F_ARITH
        REGS    "repe cmpsb"
        mov     si, SRC
        mov     di, DST
        mov     cx, 4
        repe cmpsb
        PFLAGS  "repe cmpsb equal", F_ARITH
        REGS    "repe cmpsb equal"
        mov     si, SRC+8
        mov     di, DST+8
        mov     cx, 4
        repne cmpsw
        PFLAGS  "repne cmpsw", F_ARITH
        REGS    "repne cmpsw"
        mov     si, SRC
        mov     di, DST+4
        cmpsd
        PFLAGS  "cmpsd", F_ARITH
        REGS    "cmpsd"

        ; scas
        mov     di, SRC
        mov     al, 'J'
        mov     cx, 32
        repne scasb
        PFLAGS  "repne scasb", F_ARITH
        REGS    "repne scasb"
        mov     di, SRC
        mov     al, 'z'
        mov     cx, 10
        repne scasb
        PFLAGS  "repne scasb miss", F_ARITH
        REGS    "repne scasb miss"
        mov     word [DST+0x20], 0x0707
        mov     word [DST+0x22], 0x0707
        mov     word [DST+0x24], 0x0708
        mov     di, DST+0x20
        mov     ax, 0x0707
        mov     cx, 8
        repe scasw
        PFLAGS  "repe scasw", F_ARITH
        REGS    "repe scasw"
        mov     di, SRC+4
        mov     eax, 0x47464544
        scasd
        PFLAGS  "scasd", F_ARITH
        REGS    "scasd"

        ; 32-bit address size: rep movsb with ecx/esi/edi
        mov     esi, SRC
        mov     edi, DST+0x40
        mov     ecx, 5
        a32 rep movsb
        PUTS    "a32 rep movsb: ecx="
        PHEX    32, ecx
        PUTS    " esi="
        PHEX    32, esi
        PUTS    " edi="
        PHEX    32, edi
        NL
        DUMP    DST+0x40, 5

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        RESET_VECTOR
