; 32-bit flat protected mode: shifts/rotates, double shifts, bit
; instructions with 32-bit memory bit offsets, and string instructions
; (rep movsd from ROM to RAM above 1 MiB, overlapping rep movsb, rep stosd,
; repe cmpsd, repne scasd, DF=1).
%include "lib.inc"

F_ALL   equ 0x08D7
F_NONE  equ 0x0002
F_ROT1  equ 0x08D5
F_ROTN  equ 0x00D5
BIG     equ 0x200000    ; RAM above 1 MiB (bit 20 clear)
BUF     equ 0x3000

%macro T 7+
        mov     %3, %4
        SETF    %5
        %7
        CHK     %1, %2, %3, %6
%endmacro

; SUM addr, count(dwords): eax = sum, printed as "name: sum"
%macro SUM 3
        mov     esi, %2
        mov     ecx, %3
        call    sum32
        CHK     32, %1, eax, 0
%endmacro

%macro REGS 1
        PUTS    %1, ": ecx="
        PHEX    32, ecx
        PUTS    " esi="
        PHEX    32, esi
        PUTS    " edi="
        PHEX    32, edi
        NL
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "pm-shift-string"
        PMODE_ENTER

        T 32, "shl 1",        eax, 0x80000001, F_NONE, F_SHIFT1, shl eax, 1
        mov     cl, 12
        T 32, "shl cl12",     ebx, 0x000fffff, F_NONE, F_SHIFTN, shl ebx, cl
        T 32, "shr 31",       ecx, 0x80000000, F_NONE, F_SHIFTN, shr ecx, 31
        mov     cl, 0
        T 32, "sar cl0",      edx, 0x80000000, F_ALL, F_ARITH, sar edx, cl
        mov     cl, 63
        T 32, "sar cl63",     edx, 0x80000000, F_NONE, F_SHIFTN, sar edx, cl
        T 32, "rol 16",       esi, 0x1234abcd, F_NONE, F_ROTN, rol esi, 16
        mov     cl, 36
        T 32, "ror cl36",     edi, 0x0000000f, F_ALL, F_ROTN, ror edi, cl
        T 32, "rcl 1 c1",     eax, 0x80000000, F_ALL, F_ROT1, rcl eax, 1
        T 32, "rcr 8 c0",     eax, 0x000001ff, F_NONE, F_ROTN, rcr eax, 8
        T 16, "shl16 (66) 3", ax, 0x3001, F_NONE, F_SHIFTN, shl ax, 3
        T 8,  "sar8 1",       bl, 0xfe, F_NONE, F_SHIFT1, sar bl, 1
        mov     dword [BUF], 0x00000003
        mov     ebx, BUF - 8
        mov     ecx, 2
        SETF    F_NONE
        shl     dword [ebx+ecx*4], 30
        CHK     32, "shl [sib],30", dword [BUF], F_SHIFTN
        mov     edx, 0xffff0000
        mov     cl, 12
        T 32, "shld cl12",    eax, 0x00012345, F_NONE, F_SZPC, shld eax, edx, cl
        T 32, "shrd 1",       eax, 0x00000003, F_NONE, F_SHIFT1, shrd eax, edx, 1
        mov     dx, 0x8000
        T 16, "shrd16 (66) 15", ax, 0x0001, F_NONE, F_SZPC, shrd ax, dx, 15

        ; bt family: 32-bit offsets reach far from the base
        mov     edi, BUF
        mov     ecx, 0x100
        xor     eax, eax
        rep stosd               ; 1 KiB of zeroes at BUF
        mov     ebx, BUF + 0x200
        mov     eax, 1000       ; byte +125, bit 0
        SETF    F_NONE
        bts     [ebx], eax
        PFLAGS  "bts [m],1000", FL_C
        bt      [ebx], eax
        PFLAGS  "bt [m],1000", FL_C
        mov     eax, -1000      ; dword at -128 (floor(-1000/32)*4), bit 24
        btc     [ebx], eax
        PFLAGS  "btc [m],-1000", FL_C
        CHK     32, "  dword at -128", dword [ebx-128], 0
        CHK     8, "  byte at +125", byte [ebx+125], 0
        mov     eax, 0x7fffffff & 0     ; bit 0 of [ebx]
        bts     dword [ebx], eax
        btr     dword [ebx], 0
        PFLAGS  "btr [m],0", FL_C
        mov     eax, 0xdeadbeef
        bsf     ecx, eax
        CHK     32, "bsf", ecx, FL_Z
        bsr     ecx, eax
        CHK     32, "bsr", ecx, FL_Z
        mov     ax, 0x0100
        bsf     cx, ax
        CHK     16, "bsf16 (66)", cx, FL_Z
        mov     eax, 0x01020304
        bswap   eax
        CHK     32, "bswap", eax, 0

        ; rep movsd: 16 KiB of ROM to RAM above 1 MiB, then compare
        mov     esi, ROM
        mov     edi, BIG
        mov     ecx, 0x1000
        rep movsd
        REGS    "rep movsd"
        mov     esi, ROM
        mov     edi, BIG
        mov     ecx, 0x1000
        repe cmpsd
        PFLAGS  "repe cmpsd (equal)", F_ARITH
        REGS    "repe cmpsd"
        ; (the ROM's bytes change with this file: compare, don't print)
        mov     esi, ROM
        mov     ecx, 0x1000
        call    sum32
        mov     ebx, eax
        mov     esi, BIG
        call    sum32
        cmp     eax, ebx
        sete    al
        CHK     8, "sum of copy = sum of ROM", al, 0
        xor     byte [BIG + 0x1234], 0xff
        mov     esi, ROM
        mov     edi, BIG
        mov     ecx, 0x1000
        repe cmpsd
        REGS    "repe cmpsd (one change)"

        ; rep stosd / repne scasd
        mov     edi, BIG
        mov     eax, 0x01010101
        mov     ecx, 0x400
        rep stosd
        mov     dword [BIG + 0x800], 0x12345678
        mov     edi, BIG
        mov     eax, 0x12345678
        mov     ecx, 0x400
        repne scasd
        PFLAGS  "repne scasd", F_ARITH
        REGS    "repne scasd"
        SUM     "sum after stosd", BIG, 0x400

        ; overlapping forward rep movsb replicates (it is not memmove)
        mov     dword [BUF], 0x44434241
        mov     esi, BUF
        mov     edi, BUF + 1
        mov     ecx, 15
        rep movsb
        mov     esi, BUF
        mov     ecx, 16
        call    dump32
        ; overlapping backward copy with DF=1 shifts the data up
        mov     dword [BUF], 0x44434241
        mov     dword [BUF+4], 0x48474645
        std
        mov     esi, BUF + 7
        mov     edi, BUF + 9
        mov     ecx, 8
        rep movsb
        cld
        REGS    "std rep movsb"
        mov     esi, BUF
        mov     ecx, 12
        call    dump32
        std
        mov     esi, BUF + 4
        lodsd
        mov     edi, BUF + 0x20
        stosw
        cld
        CHK     32, "std lodsd", eax, 0
        REGS    "std lodsd/stosw"
        ; string ops with a 16-bit address size in 32-bit code
        mov     esi, 0x1234ffff
        mov     edi, 0x00005000
        mov     ecx, 0xabcd0002
        a16 rep movsb            ; si wraps to 0000, cx to 0; upper halves kept
        REGS    "a16 rep movsb"

        PUTSLN  "done"
        EXIT    0

; eax = sum of ecx dwords at esi
sum32:
        push    esi
        push    ecx
        xor     eax, eax
.l:     add     eax, [esi]
        add     esi, 4
        loop    .l
        pop     ecx
        pop     esi
        ret

        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
