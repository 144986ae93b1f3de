; Real-mode shifts and rotates: shl/shr/sar/rol/ror/rcl/rcr by 1, by CL and
; by imm8 at 8/16/32 bits, count masking, count 0, and shld/shrd.  Flags
; are masked to what the SDM defines for the count used.
%include "lib.inc"

; T width, "name", reg, initial value, initial FLAGS, flag mask, instruction
%macro T 7+
        mov     %3, %4
        SETF    %5
        %7
        CHK     %1, %2, %3, %6
%endmacro

F_ALL   equ 0x08D7      ; every status flag set (plus bit 1)
F_NONE  equ 0x0002
F_ROT1  equ 0x08D5      ; rotate by 1: OF CF defined, SZAP unaffected
F_ROTN  equ 0x00D5      ; rotate by >1: OF undefined

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-shift"

        T 16, "shl 8001,1",   ax, 0x8001, F_NONE, F_SHIFT1, shl ax, 1
        T 16, "shl 4000,1",   ax, 0x4000, F_NONE, F_SHIFT1, shl ax, 1
        mov     cl, 3
        T 8,  "shl8 31,cl3",  al, 0x31, F_NONE, F_SHIFTN, shl al, cl
        T 16, "shl 1234,4",   ax, 0x1234, F_NONE, F_SHIFTN, shl ax, 4
        mov     cl, 0
        T 16, "shl cl0",      ax, 0x1234, F_ALL, F_ARITH, shl ax, cl
        mov     cl, 32
        T 16, "shl cl32",     ax, 0x1234, F_NONE, F_ARITH, shl ax, cl
        mov     cl, 33
        T 16, "shl cl33",     ax, 0x4001, F_NONE, F_SHIFT1, shl ax, cl
        T 16, "shr 8001,1",   ax, 0x8001, F_NONE, F_SHIFT1, shr ax, 1
        mov     cl, 4
        T 8,  "shr8 f8,cl4",  al, 0xf8, F_ALL, F_SHIFTN, shr al, cl
        T 16, "shr 0001,1",   dx, 0x0001, F_NONE, F_SHIFT1, shr dx, 1
        T 16, "sar 8001,1",   ax, 0x8001, F_NONE, F_SHIFT1, sar ax, 1
        mov     cl, 7
        T 8,  "sar8 80,cl7",  al, 0x80, F_NONE, F_SHIFTN, sar al, cl
        T 16, "sar 8000,15",  bx, 0x8000, F_NONE, F_SHIFTN, sar bx, 15
        T 16, "sar 4000,1",   bx, 0x4000, F_ALL, F_SHIFT1, sar bx, 1

        T 8,  "rol8 81,1",    al, 0x81, F_NONE, F_ROT1, rol al, 1
        mov     cl, 4
        T 16, "rol 1234,cl4", ax, 0x1234, F_NONE, F_ROTN, rol ax, cl
        mov     cl, 8
        T 8,  "rol8 81,cl8",  al, 0x81, F_NONE, F_ROTN, rol al, cl
        T 8,  "ror8 01,1",    al, 0x01, F_NONE, F_ROT1, ror al, 1
        mov     cl, 20
        T 16, "ror 1234,cl20", ax, 0x1234, F_ALL, F_ROTN, ror ax, cl
        T 16, "ror 8000,15",  si, 0x8000, F_NONE, F_ROTN, ror si, 15
        T 8,  "rcl8 80,1 c1", al, 0x80, F_ALL, F_ROT1, rcl al, 1
        T 8,  "rcl8 40,1 c0", al, 0x40, F_NONE, F_ROT1, rcl al, 1
        mov     cl, 17
        T 16, "rcl 1234,cl17", ax, 0x1234, F_ALL, F_ROTN, rcl ax, cl
        mov     cl, 9
        T 8,  "rcl8 55,cl9",  al, 0x55, F_NONE, F_ROTN, rcl al, cl
        mov     cl, 10
        T 8,  "rcl8 55,cl10", al, 0x55, F_NONE, F_ROTN, rcl al, cl
        T 8,  "rcr8 01,1 c0", al, 0x01, F_NONE, F_ROT1, rcr al, 1
        T 8,  "rcr8 80,1 c1", al, 0x80, F_ALL, F_ROT1, rcr al, 1
        T 16, "rcr 0005,3 c1", ax, 0x0005, F_ALL, F_ROTN, rcr ax, 3

        ; 32-bit operands
        T 32, "shl32 ,31",    eax, 0x00000003, F_NONE, F_SHIFTN, shl eax, 31
        mov     cl, 33
        T 32, "shr32 cl33",   eax, 0x80000001, F_NONE, F_SHIFT1, shr eax, cl
        T 32, "sar32 ,4",     ebx, 0x87654321, F_NONE, F_SHIFTN, sar ebx, 4
        T 32, "rol32 ,8",     eax, 0x12345678, F_NONE, F_ROTN, rol eax, 8
        T 32, "ror32 ,1",     eax, 0x00000001, F_NONE, F_ROT1, ror eax, 1
        T 32, "rcr32 ,1 c1",  eax, 0x00000002, F_ALL, F_ROT1, rcr eax, 1
        mov     cl, 31
        T 32, "rcl32 cl31",   edx, 0x00000001, F_NONE, F_ROTN, rcl edx, cl

        ; memory operands
        mov     word [0x500], 0xc001
        SETF    F_NONE
        shl     word [0x500], 1
        CHK     16, "shl mem,1", word [0x500], F_SHIFT1
        mov     byte [0x502], 0x81
        mov     cl, 2
        SETF    F_NONE
        sar     byte [0x502], cl
        CHK     8, "sar8 mem,cl2", byte [0x502], F_SHIFTN
        mov     dword [0x504], 0x80000000
        SETF    F_NONE
        rol     dword [0x504], 1
        CHK     32, "rol32 mem,1", dword [0x504], F_ROT1

        ; double shifts
        mov     bx, 0xabcd
        T 16, "shld 1234,abcd,4", ax, 0x1234, F_NONE, F_SZPC, shld ax, bx, 4
        mov     ebx, 0x9abcdef0
        mov     cl, 8
        T 32, "shld32 cl8",   eax, 0x12345678, F_NONE, F_SZPC, shld eax, ebx, cl
        mov     bx, 0x0001
        T 16, "shrd 0001,0001,1", ax, 0x0001, F_NONE, F_SHIFT1, shrd ax, bx, 1
        mov     ebx, 0xabcdef01
        T 32, "shrd32 ,16",   eax, 0x12345678, F_NONE, F_SZPC, shrd eax, ebx, 16
        mov     cl, 0
        T 16, "shld cl0",     ax, 0x1234, F_ALL, F_ARITH, shld ax, bx, cl
        mov     cl, 36
        mov     edx, 0xffffffff
        T 32, "shrd32 cl36",  eax, 0x00000010, F_NONE, F_SZPC, shrd eax, edx, cl
        mov     word [0x508], 0x8421
        mov     bx, 0xffff
        SETF    F_NONE
        shrd    [0x508], bx, 4
        CHK     16, "shrd mem,4", word [0x508], F_SZPC

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        RESET_VECTOR
