; Bit instructions in real mode: bt/bts/btr/btc with register and memory
; operands (memory bit offsets beyond the addressed word, negative ones),
; bsf/bsr, bswap, setcc and cmovcc for every condition.
%include "lib.inc"

BUF     equ 0x600       ; 32 bytes of test data: BUF+k holds k

; FORCC m: expand macro m for every condition, o first, g last (bit 15..0)
; one condition into bit 0 of ebx (after shifting it left); FLAGS from ax
%macro SETCC_ONE 1
        set%1   cl
        shl     ebx, 1          ; changes FLAGS: reloaded below
        or      bl, cl
        push    ax
        popf
%endmacro
%macro CMOV_ONE 1
        mov     cx, 0
        mov     dx, 1
        cmov%1  cx, dx
        shl     ebx, 1
        or      bx, cx
        push    ax
        popf
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-bits"

        ; register forms (offset taken modulo the operand size)
        mov     ax, 0x0010
        SETF    0x0002
        bt      ax, 4
        CHK     16, "bt r,4", ax, FL_C
        mov     cx, 20          ; 20 mod 16 = 4
        bts     ax, cx
        CHK     16, "bts r,cl20", ax, FL_C
        mov     cx, 5
        bts     ax, cx
        CHK     16, "bts r,5", ax, FL_C
        btr     ax, 4
        CHK     16, "btr r,4", ax, FL_C
        btr     ax, 4
        CHK     16, "btr r,4 again", ax, FL_C
        btc     ax, 15
        CHK     16, "btc r,15", ax, FL_C
        mov     eax, 0x80000000
        mov     ebx, 63         ; 63 mod 32 = 31
        btc     eax, ebx
        CHK     32, "btc r32,63", eax, FL_C

        ; memory forms: the register offset selects a word anywhere
        mov     bx, 0
.fill:  mov     [bx+BUF], bl
        inc     bx
        cmp     bx, 32
        jb      .fill
        mov     bx, BUF+16
        mov     ax, 35          ; word at BUF+20, bit 3
        bt      [bx], ax
        PFLAGS  "bt m,35", FL_C
        mov     ax, 3
        bt      [bx], ax
        PFLAGS  "bt m,3", FL_C
        mov     ax, 40          ; word BUF+20 bit 8: byte BUF+21 bit 0
        bts     word [bx], ax
        PFLAGS  "bts m,40", FL_C
        mov     ax, 41          ; byte BUF+21 bit 1
        bts     word [bx], ax
        PFLAGS  "bts m,41", FL_C
        mov     ax, -1          ; word at BUF+14, bit 15
        btc     word [bx], ax
        PFLAGS  "btc m,-1", FL_C
        mov     ax, -16         ; word at BUF+14, bit 0
        btr     word [bx], ax
        PFLAGS  "btr m,-16", FL_C
        mov     eax, 100        ; dword BUF+28, bit 4
        btc     dword [bx], eax
        PFLAGS  "btc m32,100", FL_C
        mov     eax, -33        ; dword BUF+8, bit 31
        bts     dword [bx], eax
        PFLAGS  "bts m32,-33", FL_C
        bt      word [bx], 17   ; immediate: modulo 16 -> bit 1 of [BUF+16]
        PFLAGS  "bt m,imm17", FL_C
        btr     word [bx+2], 10  ; bit 10 of word BUF+18
        PFLAGS  "btr m,imm10", FL_C
        mov     si, BUF
        mov     cx, 32
        call    dump16

        ; bsf/bsr: ZF; destination only when the source is non-zero
        mov     ax, 0x0a00
        bsf     dx, ax
        CHK     16, "bsf 0a00", dx, FL_Z
        bsr     dx, ax
        CHK     16, "bsr 0a00", dx, FL_Z
        mov     ebx, 0x80000001
        bsf     ecx, ebx
        CHK     32, "bsf32", ecx, FL_Z
        bsr     ecx, ebx
        CHK     32, "bsr32", ecx, FL_Z
        mov     word [0x500], 0
        mov     dx, 0x1234
        bsf     dx, [0x500]
        PFLAGS  "bsf zero", FL_Z
        mov     word [0x500], 0x4000
        bsr     dx, [0x500]
        CHK     16, "bsr mem", dx, FL_Z

        mov     eax, 0x12345678
        bswap   eax
        CHK     32, "bswap eax", eax, 0
        mov     edi, 0xaabbccdd
        bswap   edi
        CHK     32, "bswap edi", edi, 0

        ; setcc / cmovcc for all 16 conditions under a few FLAGS values
        mov     si, 0
.flagloop:
        mov     ax, [cs:flagtab + si]
        PUTS    "flags "
        PHEX    16, ax
        PUTS    ": setcc="
        xor     ebx, ebx
        push    ax
        popf
        FORCC   SETCC_ONE
        PHEX    16, bx
        PUTS    " cmovcc="
        xor     ebx, ebx
        push    ax
        popf
        FORCC   CMOV_ONE
        PHEX    16, bx
        mov     dword [0x510], 0x11111111
        mov     edx, 0x22222222
        cmovz   edx, [0x510]
        PUTS    " cmovz32="
        PHEX    32, edx
        NL
        add     si, 2
        cmp     si, flagtab_end - flagtab
        jb      .flagloop

        PUTSLN  "done"
        EXIT    0

flagtab:
        dw      0x0002, 0x0803, 0x0046, 0x0082, 0x0882, 0x08d7, 0x0047, 0x0806
flagtab_end:

        LIBCODE
        RESET_VECTOR
