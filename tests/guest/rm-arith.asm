; Real-mode integer arithmetic and the flags it defines: add/adc/sub/sbb/
; cmp/inc/dec/neg, logic ops, mul/imul/div/idiv at 8, 16 and (with the
; operand-size prefix) 32 bits.
%include "lib.inc"
        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-arith"
        SETF    0x0002

        mov     ax, 0x7fff
        add     ax, 1
        CHK     16, "add 7fff+1", ax, F_ARITH
        mov     ax, 0xffff
        add     ax, 1
        CHK     16, "add ffff+1", ax, F_ARITH
        mov     al, 0x0f
        add     al, 0x01
        CHK     8, "add8 0f+01", al, F_ARITH
        mov     al, 0x80
        add     al, 0x80
        CHK     8, "add8 80+80", al, F_ARITH
        mov     word [0x500], 0x1234
        mov     ax, 0x4321
        add     [0x500], ax
        CHK     16, "add mem", word [0x500], F_ARITH
        stc
        mov     ax, 0xfffe
        adc     ax, 1
        CHK     16, "adc fffe+1+c", ax, F_ARITH
        clc
        mov     bl, 0x7f
        adc     bl, 0
        CHK     8, "adc8 7f+0", bl, F_ARITH
        stc
        mov     bl, 0x7f
        adc     bl, 0
        CHK     8, "adc8 7f+0+c", bl, F_ARITH

        mov     ax, 0
        sub     ax, 1
        CHK     16, "sub 0-1", ax, F_ARITH
        mov     ax, 0x8000
        sub     ax, 1
        CHK     16, "sub 8000-1", ax, F_ARITH
        mov     cx, 0x1234
        sub     cx, 0x1234
        CHK     16, "sub equal", cx, F_ARITH
        stc
        mov     ax, 5
        sbb     ax, 5
        CHK     16, "sbb 5-5-c", ax, F_ARITH
        stc
        mov     dl, 0x80
        sbb     dl, 0
        CHK     8, "sbb8 80-0-c", dl, F_ARITH
        mov     ax, 3
        cmp     ax, 5
        CHK     16, "cmp 3,5", ax, F_ARITH
        mov     ax, 0x8000
        cmp     ax, 1
        CHK     16, "cmp 8000,1", ax, F_ARITH
        mov     al, 0x40
        cmp     al, 0x40
        CHK     8, "cmp8 equal", al, F_ARITH

        stc
        mov     ax, 0x7fff
        inc     ax
        CHK     16, "inc 7fff (cf=1)", ax, F_ARITH
        clc
        mov     ax, 0xffff
        inc     ax
        CHK     16, "inc ffff (cf=0)", ax, F_ARITH
        clc
        xor     ax, ax
        dec     ax
        CHK     16, "dec 0", ax, F_ARITH
        mov     bh, 0x80
        dec     bh
        CHK     8, "dec8 80", bh, F_ARITH
        mov     byte [0x502], 0x0f
        inc     byte [0x502]
        CHK     8, "inc8 mem 0f", byte [0x502], F_ARITH

        xor     ax, ax
        neg     ax
        CHK     16, "neg 0", ax, F_ARITH
        mov     ax, 0x8000
        neg     ax
        CHK     16, "neg 8000", ax, F_ARITH
        mov     ax, 1
        neg     ax
        CHK     16, "neg 1", ax, F_ARITH
        mov     al, 0x10
        neg     al
        CHK     8, "neg8 10", al, F_ARITH

        mov     ax, 0xf0f0
        and     ax, 0x0ff0
        CHK     16, "and", ax, F_LOGIC
        mov     ax, 0x8000
        or      ax, 0x0001
        CHK     16, "or", ax, F_LOGIC
        mov     ax, 0x5555
        xor     ax, 0x5555
        CHK     16, "xor", ax, F_LOGIC
        stc
        mov     al, 0x81
        test    al, 0x80
        CHK     8, "test8", al, F_LOGIC
        mov     al, 0x03
        or      al, 0
        CHK     8, "or8 03", al, F_LOGIC

        mov     al, 3
        mov     bl, 4
        mul     bl
        CHK     16, "mul8 3*4", ax, F_MUL
        mov     al, 0x80
        mov     bl, 2
        mul     bl
        CHK     16, "mul8 80*2", ax, F_MUL
        mov     ax, 0x1234
        mov     cx, 0x100
        mul     cx
        CHK     16, "mul16 lo", ax, F_MUL
        CHK     16, "mul16 hi", dx, F_MUL
        mov     ax, 0x00ff
        mov     word [0x504], 0x00ff
        mul     word [0x504]
        CHK     16, "mul16 mem lo", ax, F_MUL
        CHK     16, "mul16 mem hi", dx, F_MUL
        mov     al, -2
        mov     bl, 3
        imul    bl
        CHK     16, "imul8 -2*3", ax, F_MUL
        mov     al, 0x40
        mov     bl, 2
        imul    bl
        CHK     16, "imul8 40*2", ax, F_MUL
        mov     ax, -300
        mov     bx, 200
        imul    bx
        CHK     16, "imul16 lo", ax, F_MUL
        CHK     16, "imul16 hi", dx, F_MUL
        mov     ax, 100
        mov     bx, -3
        imul    ax, bx
        CHK     16, "imul r,r", ax, F_MUL
        mov     bx, 0x4000
        imul    ax, bx, 2
        CHK     16, "imul r,r,imm8", ax, F_MUL
        mov     bx, 7
        imul    cx, bx, 1000
        CHK     16, "imul r,r,imm16", cx, F_MUL

        mov     ax, 0x0105
        mov     bl, 0x10
        div     bl
        CHK     16, "div8 0105/10", ax, 0
        mov     dx, 1
        mov     ax, 0
        mov     cx, 0x10
        div     cx
        CHK     16, "div16 q", ax, 0
        CHK     16, "div16 r", dx, 0
        mov     dx, 0
        mov     ax, 1000
        mov     word [0x506], 7
        div     word [0x506]
        CHK     16, "div16 mem q", ax, 0
        CHK     16, "div16 mem r", dx, 0
        mov     ax, -7
        mov     bl, 2
        idiv    bl
        CHK     16, "idiv8 -7/2", ax, 0
        mov     ax, -1000
        cwd
        mov     bx, 7
        idiv    bx
        CHK     16, "idiv16 q", ax, 0
        CHK     16, "idiv16 r", dx, 0
        mov     ax, 1000
        cwd
        mov     bx, -7
        idiv    bx
        CHK     16, "idiv16 q2", ax, 0
        CHK     16, "idiv16 r2", dx, 0

        ; 32-bit operand size in real mode
        mov     eax, 0x7fffffff
        add     eax, 1
        CHK     32, "add32", eax, F_ARITH
        mov     eax, 0xffffffff
        mov     ebx, 0x00000001
        add     eax, ebx
        CHK     32, "add32 carry", eax, F_ARITH
        stc
        mov     eax, 0x12345678
        adc     eax, 0x11111111
        CHK     32, "adc32", eax, F_ARITH
        mov     ecx, 0x10000000
        sub     ecx, 0x20000000
        CHK     32, "sub32", ecx, F_ARITH
        stc
        mov     edx, 0
        sbb     edx, 0
        CHK     32, "sbb32", edx, F_ARITH
        mov     eax, 0x80000000
        neg     eax
        CHK     32, "neg32", eax, F_ARITH
        mov     eax, 0xdeadbeef
        and     eax, 0xffff0000
        CHK     32, "and32", eax, F_LOGIC
        mov     eax, 0x12345678
        mov     ebx, 0x100
        mul     ebx
        CHK     32, "mul32 lo", eax, F_MUL
        CHK     32, "mul32 hi", edx, F_MUL
        mov     eax, -5
        mov     ebx, 0x10000000
        imul    ebx
        CHK     32, "imul32 lo", eax, F_MUL
        CHK     32, "imul32 hi", edx, F_MUL
        mov     ebx, 3
        imul    eax, ebx, 0x55555555
        CHK     32, "imul32 r,r,imm", eax, F_MUL
        mov     edx, 1
        mov     eax, 0
        mov     ecx, 3
        div     ecx
        CHK     32, "div32 q", eax, 0
        CHK     32, "div32 r", edx, 0
        mov     eax, -100000
        cdq
        mov     ecx, 7
        idiv    ecx
        CHK     32, "idiv32 q", eax, 0
        CHK     32, "idiv32 r", edx, 0

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        RESET_VECTOR
