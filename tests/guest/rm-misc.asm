; Assorted real-mode instructions: xchg, xlat (also through CS), lea with
; 16-bit addressing, movzx/movsx, cbw/cwd/cwde/cdq, lahf/sahf, cmc/clc/stc/
; cld/std, lds/les/lfs/lgs/lss, cpuid (vendor, signature, the feature bits
; tandem advertises) and rdtsc (only that it increases).
%include "lib.inc"

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-misc"

        mov     ax, 0x1111
        mov     bx, 0x2222
        xchg    ax, bx
        CHK     16, "xchg ax,bx: ax", ax, 0
        CHK     16, "xchg ax,bx: bx", bx, 0
        mov     word [0x500], 0x3333
        xchg    [0x500], bx
        CHK     16, "xchg mem: bx", bx, 0
        CHK     16, "xchg mem: mem", word [0x500], 0
        mov     cl, 0x12
        mov     ch, 0x34
        xchg    cl, ch
        CHK     16, "xchg cl,ch", cx, 0
        mov     eax, 0xaaaa5555
        mov     edx, 0x12345678
        xchg    eax, edx
        CHK     32, "xchg eax,edx", eax, 0

        ; xlat: table in RAM, then in ROM through cs
        mov     bx, 0x600
        mov     cx, 0
.t:     mov     si, cx
        mov     al, cl
        not     al
        mov     [bx+si], al
        inc     cx
        cmp     cx, 256
        jb      .t
        mov     al, 0x10
        xlatb
        CHK     8, "xlat ram", al, 0
        mov     bx, hexdigits
        mov     al, 0x0c
        cs xlatb
        CHK     8, "cs xlat rom", al, 0

        ; lea: all 16-bit forms, no memory access, wrap at 64K
        mov     bx, 0x1000
        mov     si, 0x0200
        mov     di, 0x0030
        mov     bp, 0xfff0
        lea     ax, [bx+si+4]
        CHK     16, "lea bx+si+4", ax, 0
        lea     ax, [bp+di-0x40]
        CHK     16, "lea bp+di-40", ax, 0
        lea     ax, [bp+0x20]
        CHK     16, "lea bp+20 (wraps)", ax, 0
        lea     ax, [0x1234]
        CHK     16, "lea disp16", ax, 0
        lea     eax, [bx+di]
        CHK     32, "lea eax,[bx+di]", eax, 0

        ; movzx / movsx / cbw / cwd / cwde / cdq
        mov     bl, 0x80
        movzx   ax, bl
        CHK     16, "movzx ax,bl", ax, 0
        movsx   ax, bl
        CHK     16, "movsx ax,bl", ax, 0
        movsx   eax, bl
        CHK     32, "movsx eax,bl", eax, 0
        mov     word [0x500], 0x8001
        movzx   eax, word [0x500]
        CHK     32, "movzx eax,m16", eax, 0
        movsx   edx, word [0x500]
        CHK     32, "movsx edx,m16", edx, 0
        mov     ax, 0x1280
        cbw
        CHK     16, "cbw", ax, 0
        mov     dx, 0x1234
        cwd
        CHK     16, "cwd: dx", dx, 0
        mov     ax, 0x7fff
        cwd
        CHK     16, "cwd positive: dx", dx, 0
        mov     eax, 0x12348000
        cwde
        CHK     32, "cwde", eax, 0
        cdq
        CHK     32, "cdq: edx", edx, 0

        ; flags helpers
        SETF    0x08d7
        lahf
        CHK     16, "lahf (all set)", ax, 0
        SETF    0x0802
        mov     ah, 0xd5
        sahf
        PFLAGS  "sahf d5 (of kept)", 0x0fd5
        mov     ah, 0x00
        sahf
        PFLAGS  "sahf 00", 0x0fd5
        mov     ah, 0x2a        ; bits 1,3,5 are ignored
        sahf
        lahf
        CHK     8, "lahf after sahf 2a", ah, 0
        stc
        cmc
        PFLAGS  "stc cmc", FL_C
        cmc
        PFLAGS  "cmc", FL_C
        clc
        PFLAGS  "clc", FL_C
        std
        PFLAGS  "std", FL_D
        cld
        PFLAGS  "cld", FL_D

        ; far pointer loads
        mov     word [0x510], 0x1234
        mov     word [0x512], 0x5678
        lds     si, [0x510]
        mov     ax, ds
        xor     cx, cx
        mov     ds, cx
        CHK     16, "lds si", si, 0
        CHK     16, "lds ds", ax, 0
        les     di, [0x510]
        mov     ax, es
        CHK     16, "les es", ax, 0
        lfs     bx, [0x510]
        mov     ax, fs
        CHK     16, "lfs fs", ax, 0
        mov     dword [0x514], 0x0000abcd
        mov     word [0x518], 0x9abc
        o32 lgs ebx, [0x514]
        mov     ax, gs
        CHK     32, "lgs ebx", ebx, 0
        CHK     16, "lgs gs", ax, 0
        mov     word [0x51a], 0x7f00
        mov     word [0x51c], 0x0000
        lss     sp, [0x51a]
        mov     [0x5f0], sp
        mov     ax, ss
        CHK     16, "lss ss", ax, 0
        CHK     16, "lss sp", word [0x5f0], 0
        xor     ax, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax

        ; cpuid
        xor     eax, eax
        cpuid
        mov     [0x530], ebx
        mov     [0x534], edx
        mov     [0x538], ecx
        mov     byte [0x53c], 0
        PUTS    "cpuid vendor: "
        mov     si, 0x530
.v:     lodsb
        test    al, al
        jz      .vd
        out     DBG, al
        jmp     .v
.vd:    NL
        mov     eax, 1
        cpuid
        CHK     32, "cpuid 1 eax", eax, 0
        and     edx, (1 << 4) | (1 << 8) | (1 << 15)
        CHK     32, "cpuid 1 edx & (tsc|cx8|cmov)", edx, 0

        ; rdtsc increases
        rdtsc
        mov     esi, eax
        mov     edi, edx
        mov     cx, 1000
.w:     loop    .w
        rdtsc
        sub     eax, esi
        sbb     edx, edi
        ; edx:eax = later - earlier, must be > 0
        setnc   bl
        or      eax, edx
        setnz   bh
        and     bl, bh
        CHK     8, "rdtsc increases", bl, 0

        PUTSLN  "done"
        EXIT    0

hexdigits:
        db      "0123456789abcdef"

        LIBCODE
        RESET_VECTOR
