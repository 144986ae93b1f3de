; 32-bit protected mode with flat segments: the switch itself (lgdt, CR0.PE,
; far jmp), 32-bit arithmetic and flags, mul/imul (one, two and three
; operands), div/idiv, xadd/cmpxchg/cmpxchg8b, and lea with SIB addressing.
%include "lib.inc"

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "pm-arith"
        PMODE_ENTER
        ; now 32-bit code, CS=08 DS=ES=SS=10, flat
        mov     eax, cr0
        and     eax, 1
        CHK     32, "cr0.pe", eax, 0
        mov     ax, cs
        CHK     16, "cs", ax, 0
        mov     ax, ss
        CHK     16, "ss", ax, 0
        call    .here
.here:  pop     eax
        sub     eax, ROM + .here
        CHK     32, "eip - (f0000+label)", eax, 0

        SETF    0x0002
        mov     eax, 0x7fffffff
        add     eax, 1
        CHK     32, "add 7fffffff+1", eax, F_ARITH
        mov     ebx, 0x80000000
        add     ebx, 0x80000000
        CHK     32, "add 80000000*2", ebx, F_ARITH
        mov     dword [0x500], 0x0000fff0
        add     dword [0x500], 0x10
        CHK     32, "add mem", dword [0x500], F_ARITH
        stc
        mov     ecx, 0xffffffff
        adc     ecx, 0
        CHK     32, "adc ffffffff+0+c", ecx, F_ARITH
        mov     edx, 1
        sub     edx, 2
        CHK     32, "sub 1-2", edx, F_ARITH
        stc
        mov     esi, 0x80000000
        sbb     esi, 0
        CHK     32, "sbb 80000000-0-c", esi, F_ARITH
        mov     edi, 0x12345678
        cmp     edi, 0x12345679
        CHK     32, "cmp", edi, F_ARITH
        mov     eax, 0x7fffffff
        inc     eax
        CHK     32, "inc", eax, F_ARITH
        mov     eax, 0
        dec     eax
        CHK     32, "dec", eax, F_ARITH
        mov     eax, 0x7fffffff
        neg     eax
        CHK     32, "neg", eax, F_ARITH
        mov     eax, 0xff00ff00
        xor     eax, 0x0ff00ff0
        CHK     32, "xor", eax, F_LOGIC
        mov     eax, 0x00000100
        test    eax, 0x000000ff
        CHK     32, "test", eax, F_LOGIC
        mov     word [0x504], 0xfffe
        add     word [0x504], 3
        CHK     16, "add16 mem (66)", word [0x504], F_ARITH
        mov     al, 0x7f
        add     al, 0x7f
        CHK     8, "add8", al, F_ARITH

        mov     eax, 0xffffffff
        mov     ecx, 0xffffffff
        mul     ecx
        CHK     32, "mul lo", eax, F_MUL
        CHK     32, "mul hi", edx, F_MUL
        mov     eax, 0x10000
        mov     dword [0x508], 0x8000
        mul     dword [0x508]
        CHK     32, "mul mem lo", eax, F_MUL
        CHK     32, "mul mem hi", edx, F_MUL
        mov     eax, -100000
        mov     ebx, 100000
        imul    ebx
        CHK     32, "imul lo", eax, F_MUL
        CHK     32, "imul hi", edx, F_MUL
        mov     eax, -4
        mov     ebx, 0x20000000
        imul    ebx
        CHK     32, "imul fits lo", eax, F_MUL
        CHK     32, "imul fits hi", edx, F_MUL
        mov     ecx, 12345
        imul    ecx, ecx
        CHK     32, "imul r,r", ecx, F_MUL
        mov     ecx, 0x10000
        imul    ecx, ecx
        CHK     32, "imul r,r overflow", ecx, F_MUL
        mov     dword [0x50c], -7
        imul    edx, [0x50c], 9
        CHK     32, "imul r,m,imm8", edx, F_MUL
        mov     ebx, 0x1000
        imul    esi, ebx, 0x00100000
        CHK     32, "imul r,r,imm32 overflow", esi, F_MUL
        imul    esi, ebx, -0x100
        CHK     32, "imul r,r,-imm", esi, F_MUL
        mov     bx, 0x7fff
        imul    bx, bx, 3
        CHK     16, "imul16 r,r,imm", bx, F_MUL

        mov     edx, 0x00000001
        mov     eax, 0x00000000
        mov     ecx, 0x10
        div     ecx
        CHK     32, "div q", eax, 0
        CHK     32, "div r", edx, 0
        mov     edx, 0x12345678
        mov     eax, 0x9abcdef0
        mov     ecx, 0xffffffff
        div     ecx
        CHK     32, "div big q", eax, 0
        CHK     32, "div big r", edx, 0
        mov     eax, 7
        cdq
        mov     ecx, -2
        idiv    ecx
        CHK     32, "idiv 7/-2 q", eax, 0
        CHK     32, "idiv 7/-2 r", edx, 0
        mov     eax, -7
        cdq
        mov     dword [0x510], 2
        idiv    dword [0x510]
        CHK     32, "idiv -7/2 q", eax, 0
        CHK     32, "idiv -7/2 r", edx, 0
        mov     ax, 1000
        mov     dx, 0
        mov     cx, 7
        div     cx
        CHK     16, "div16 (66) q", ax, 0
        CHK     16, "div16 (66) r", dx, 0

        ; xadd / cmpxchg / cmpxchg8b
        mov     eax, 5
        mov     dword [0x514], 10
        xadd    [0x514], eax
        CHK     32, "xadd old", eax, F_ARITH
        CHK     32, "xadd mem", dword [0x514], F_ARITH
        mov     eax, 15
        mov     ecx, 99
        cmpxchg [0x514], ecx
        CHK     32, "cmpxchg hit mem", dword [0x514], F_ARITH
        CHK     32, "cmpxchg hit eax", eax, F_ARITH
        mov     eax, 1
        cmpxchg [0x514], ecx
        CHK     32, "cmpxchg miss eax", eax, F_ARITH
        mov     bl, 0x80
        mov     al, 0x80
        mov     cl, 0x11
        cmpxchg bl, cl
        CHK     8, "cmpxchg8 reg", bl, F_ARITH
        mov     dword [0x518], 0x11111111
        mov     dword [0x51c], 0x22222222
        mov     eax, 0x11111111
        mov     edx, 0x22222222
        mov     ebx, 0xaaaaaaaa
        mov     ecx, 0xbbbbbbbb
        SETF    0x0002
        cmpxchg8b [0x518]
        PFLAGS  "cmpxchg8b hit", FL_Z
        CHK     32, "  mem lo", dword [0x518], 0
        CHK     32, "  mem hi", dword [0x51c], 0
        SETF    0x0002
        cmpxchg8b [0x518]
        PFLAGS  "cmpxchg8b miss", FL_Z
        CHK     32, "  edx", edx, 0
        CHK     32, "  eax", eax, 0

        ; lea with SIB
        mov     ebx, 0x1000
        mov     ecx, 0x30
        lea     eax, [ebx+ecx*4+0x10]
        CHK     32, "lea b+i*4+d8", eax, 0
        lea     eax, [ecx*8]
        CHK     32, "lea i*8 (no base)", eax, 0
        mov     ebp, 0x2000
        mov     edi, 3
        lea     eax, [ebp+edi*2-4]
        CHK     32, "lea ebp+i*2-4", eax, 0
        lea     eax, [esp+0x20]
        sub     eax, esp
        CHK     32, "lea esp+20 - esp", eax, 0
        mov     eax, 7
        lea     eax, [eax+eax*2]
        CHK     32, "lea eax*3", eax, 0
        mov     ebx, 0x10
        lea     eax, [dword ebx-0x10]     ; disp32 0xfffffff0
        CHK     32, "lea wrap", eax, 0
        lea     eax, [ebx+ecx+0x12345678]
        CHK     32, "lea b+i+d32", eax, 0
        mov     bx, 0xfff0
        mov     si, 0x20
        a16 lea eax, [bx+si+0x10]
        CHK     32, "a16 lea wraps", eax, 0
        lea     ax, [ebx+ecx*2]
        CHK     16, "lea to r16", ax, 0
        ; memory through SIB
        mov     dword [0x600 + 5*4], 0xcafef00d
        mov     esi, 0x600
        mov     ecx, 5
        mov     eax, [esi+ecx*4]
        CHK     32, "load [esi+ecx*4]", eax, 0

        PUTSLN  "done"
        EXIT    0

        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
