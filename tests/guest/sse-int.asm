; SSE/SSE2 data movement and SSE2 packed integer instructions on XMM
; registers, in 32-bit protected mode with CR4.OSFXSR: every packed integer
; operation in its register and aligned-memory forms, 128-bit unpacks and
; byte shifts, pshufd/pshufhw/pshuflw, pinsrw/pextrw/pmovmskb, the moves
; (movd/movq zero-extending, movdqa/movdqu/movaps/movups/movapd/movupd,
; scalar movss/movsd register vs memory, movlps/movhps/movlpd/movhpd,
; movhlps/movlhps, non-temporal stores, maskmovdqu, movq2dq/movdq2q), the
; bitwise and*/or/xor PS/PD forms, unpck*ps/pd, shufps/shufpd,
; movmskps/pd, fences and prefetch hints, and FXSAVE/FXRSTOR of XMM state.
; QEMU 7.2 and Bochs 2.7 agree on every line.
%include "lib.inc"

SCR     equ     0x3000          ; 16-byte aligned scratch
MASKBUF equ     0x3100
FXBUF   equ     0x3200          ; 16-byte aligned, 512 bytes

; PX "name", xmmN: the register as four dwords, high to low
%macro PX 2
        movdqu  [SCR], %2
        PUTS    %1, ": "
        PHEX    32, [SCR+12]
        PUTS    " "
        PHEX    32, [SCR+8]
        PUTS    " "
        PHEX    32, [SCR+4]
        PUTS    " "
        PHEX    32, [SCR]
        NL
%endmacro

; XOP "name", insn: xmm0 = A, xmm1 = B, run insn, print xmm0
%macro XOP 2+
        movdqa  xmm0, [ROM + xa]
        movdqa  xmm1, [ROM + xb]
        %2
        PX      %1, xmm0
%endmacro

; XOPRM "name", op: register form, then memory form (aligned m128)
%macro XOPRM 2
        XOP     %1, %2 xmm0, xmm1
        XOP     %1, %2 xmm0, [ROM + xb]
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "sse-int"
        PMODE_ENTER
        call    exc32_install
        mov     eax, cr4
        or      eax, 0x600              ; OSFXSR | OSXMMEXCPT
        mov     cr4, eax

        XOPRM   "paddb", paddb
        XOPRM   "paddw", paddw
        XOPRM   "paddd", paddd
        XOPRM   "paddq", paddq
        XOPRM   "psubb", psubb
        XOPRM   "psubw", psubw
        XOPRM   "psubd", psubd
        XOPRM   "psubq", psubq
        XOPRM   "paddsb", paddsb
        XOPRM   "paddsw", paddsw
        XOPRM   "paddusb", paddusb
        XOPRM   "paddusw", paddusw
        XOPRM   "psubsb", psubsb
        XOPRM   "psubsw", psubsw
        XOPRM   "psubusb", psubusb
        XOPRM   "psubusw", psubusw
        XOPRM   "pmullw", pmullw
        XOPRM   "pmulhw", pmulhw
        XOPRM   "pmulhuw", pmulhuw
        XOPRM   "pmaddwd", pmaddwd
        XOPRM   "pmuludq", pmuludq
        XOPRM   "pcmpeqb", pcmpeqb
        XOPRM   "pcmpeqw", pcmpeqw
        XOPRM   "pcmpeqd", pcmpeqd
        XOPRM   "pcmpgtb", pcmpgtb
        XOPRM   "pcmpgtw", pcmpgtw
        XOPRM   "pcmpgtd", pcmpgtd
        XOPRM   "pand", pand
        XOPRM   "pandn", pandn
        XOPRM   "por", por
        XOPRM   "pxor", pxor
        XOPRM   "andps", andps
        XOPRM   "andnpd", andnpd
        XOPRM   "orps", orps
        XOPRM   "xorpd", xorpd
        XOPRM   "packsswb", packsswb
        XOPRM   "packssdw", packssdw
        XOPRM   "packuswb", packuswb
        XOPRM   "punpcklbw", punpcklbw
        XOPRM   "punpcklwd", punpcklwd
        XOPRM   "punpckldq", punpckldq
        XOPRM   "punpcklqdq", punpcklqdq
        XOPRM   "punpckhbw", punpckhbw
        XOPRM   "punpckhwd", punpckhwd
        XOPRM   "punpckhdq", punpckhdq
        XOPRM   "punpckhqdq", punpckhqdq
        XOPRM   "unpcklps", unpcklps
        XOPRM   "unpckhps", unpckhps
        XOPRM   "unpcklpd", unpcklpd
        XOPRM   "unpckhpd", unpckhpd
        XOPRM   "pavgb", pavgb
        XOPRM   "pavgw", pavgw
        XOPRM   "pminub", pminub
        XOPRM   "pmaxub", pmaxub
        XOPRM   "pminsw", pminsw
        XOPRM   "pmaxsw", pmaxsw
        XOPRM   "psadbw", psadbw

        ; shifts: the count is the low quadword of the source
        XOP     "psllw 4", psllw xmm0, [ROM + cnt4]
        XOP     "psrlw 16", psrlw xmm0, [ROM + cnt16]
        XOP     "psraw 4", psraw xmm0, [ROM + cnt4]
        XOP     "psrad 33", psrad xmm0, [ROM + cnt33]
        XOP     "pslld 4", pslld xmm0, [ROM + cnt4]
        XOP     "psrld 4", psrld xmm0, [ROM + cnt4]
        XOP     "psllq 33", psllq xmm0, [ROM + cnt33]
        XOP     "psrlq 4", psrlq xmm0, [ROM + cnt4]
        XOP     "psrlq huge", psrlq xmm0, [ROM + cnthuge]
        XOP     "psllw i3", psllw xmm0, 3
        XOP     "psraw i200", psraw xmm0, 200
        XOP     "psrld i1", psrld xmm0, 1
        XOP     "psrad i31", psrad xmm0, 31
        XOP     "psllq i63", psllq xmm0, 63
        XOP     "psrlq i32", psrlq xmm0, 32
        XOP     "pslldq 3", pslldq xmm0, 3
        XOP     "psrldq 5", psrldq xmm0, 5
        XOP     "pslldq 15", pslldq xmm0, 15
        XOP     "psrldq 16", psrldq xmm0, 16

        XOP     "pshufd 1b", pshufd xmm0, xmm1, 0x1b
        XOP     "pshufd m 4e", pshufd xmm0, [ROM + xb], 0x4e
        XOP     "pshufhw 1b", pshufhw xmm0, xmm1, 0x1b
        XOP     "pshuflw m 1b", pshuflw xmm0, [ROM + xb], 0x1b
        XOP     "shufps 4e", shufps xmm0, xmm1, 0x4e
        XOP     "shufps m b1", shufps xmm0, [ROM + xb], 0xb1
        XOP     "shufpd 1", shufpd xmm0, xmm1, 1
        XOP     "shufpd m 2", shufpd xmm0, [ROM + xb], 2
        mov     eax, 0xabcd1234
        XOP     "pinsrw 5", pinsrw xmm0, eax, 5
        XOP     "pinsrw m 0", pinsrw xmm0, [ROM + xb + 14], 0
        movdqa  xmm2, [ROM + xa]
        pextrw  ebx, xmm2, 7
        CHK     32, "pextrw 7", ebx, 0
        pextrw  ebx, xmm2, 9
        CHK     32, "pextrw 9 (as 1)", ebx, 0
        pmovmskb ecx, xmm2
        CHK     32, "pmovmskb", ecx, 0
        movmskps ecx, xmm2
        CHK     32, "movmskps", ecx, 0
        movmskpd ecx, xmm2
        CHK     32, "movmskpd", ecx, 0

        ; moves
        movdqa  xmm3, [ROM + xa]
        mov     eax, 0x87654321
        movd    xmm3, eax
        PX      "movd xmm,r32", xmm3
        movdqa  xmm3, [ROM + xa]
        movd    xmm3, [ROM + xb + 4]
        PX      "movd xmm,m32", xmm3
        movdqa  xmm3, [ROM + xa]
        movd    edx, xmm3
        CHK     32, "movd r32,xmm", edx, 0
        movd    [SCR+32], xmm3
        CHK     32, "movd m32,xmm", dword [SCR+32], 0
        movdqa  xmm4, [ROM + xb]
        movq    xmm4, xmm3
        PX      "movq xmm,xmm", xmm4
        movdqa  xmm4, [ROM + xb]
        movq    xmm4, [ROM + xa + 8]
        PX      "movq xmm,m64", xmm4
        movdqa  xmm4, [ROM + xb]
        db      0x66, 0x0f, 0xd6, 0xdc  ; movq xmm4, xmm3 (the 66 0F D6 form)
        PX      "movq xmm/m64 form", xmm4
        mov     dword [SCR+36], 0x55555555
        movq    [SCR+32], xmm3
        CHK     32, "movq m64 lo", dword [SCR+32], 0
        CHK     32, "movq m64 hi", dword [SCR+36], 0
        movdqu  xmm5, [ROM + xa + 1]
        PX      "movdqu m", xmm5
        movups  xmm5, [ROM + xa + 4]
        PX      "movups m", xmm5
        movupd  xmm5, [ROM + xa + 8]
        PX      "movupd m", xmm5
        movaps  xmm5, [ROM + xb]
        PX      "movaps m", xmm5
        movapd  xmm6, xmm5
        PX      "movapd r", xmm6
        movdqu  [SCR+33], xmm5
        movdqu  xmm6, [SCR+33]
        PX      "movdqu store", xmm6
        movaps  [SCR+48], xmm3
        movdqa  xmm6, [SCR+48]
        PX      "movaps store", xmm6

        ; scalar moves: register form keeps the rest, memory form zeroes it
        movdqa  xmm0, [ROM + xa]
        movss   xmm0, [ROM + xb + 12]
        PX      "movss xmm,m32", xmm0
        movdqa  xmm0, [ROM + xa]
        movdqa  xmm1, [ROM + xb]
        movss   xmm0, xmm1
        PX      "movss xmm,xmm", xmm0
        movdqa  xmm0, [ROM + xa]
        movsd   xmm0, [ROM + xb + 8]
        PX      "movsd xmm,m64", xmm0
        movdqa  xmm0, [ROM + xa]
        movsd   xmm0, xmm1
        PX      "movsd xmm,xmm", xmm0
        movdqa  xmm0, [ROM + xa]
        db      0xf3, 0x0f, 0x11, 0xc8  ; movss xmm0, xmm1 (the store form)
        PX      "movss store form", xmm0
        mov     dword [SCR+64], 0x66666666
        mov     dword [SCR+68], 0x77777777
        movss   [SCR+64], xmm1
        CHK     32, "movss m32 lo", dword [SCR+64], 0
        CHK     32, "movss m32 next", dword [SCR+68], 0
        movsd   [SCR+64], xmm1
        CHK     32, "movsd m64 hi", dword [SCR+68], 0

        XOP     "movlps", movlps xmm0, [ROM + xb + 8]
        XOP     "movhps", movhps xmm0, [ROM + xb]
        XOP     "movlpd", movlpd xmm0, [ROM + xb + 8]
        XOP     "movhpd", movhpd xmm0, [ROM + xb]
        XOP     "movhlps", movhlps xmm0, xmm1
        XOP     "movlhps", movlhps xmm0, xmm1
        movdqa  xmm1, [ROM + xb]
        movhps  [SCR+80], xmm1
        CHK     32, "movhps m64 lo", dword [SCR+80], 0
        movlpd  [SCR+80], xmm1
        CHK     32, "movlpd m64 lo", dword [SCR+80], 0

        ; non-temporal stores and fences
        movdqa  xmm2, [ROM + xa]
        movntdq [SCR+96], xmm2
        CHK     32, "movntdq", dword [SCR+108], 0
        movntps [SCR+96], xmm1
        CHK     32, "movntps", dword [SCR+108], 0
        movntpd [SCR+96], xmm2
        CHK     32, "movntpd", dword [SCR+96], 0
        mov     eax, 0x13572468
        movnti  [SCR+100], eax
        CHK     32, "movnti", dword [SCR+100], 0
        lfence
        mfence
        sfence
        prefetchnta [SCR]
        prefetcht0 [SCR]
        prefetcht1 [SCR]
        prefetcht2 [0xfffffff0]         ; a hint: never faults
        PUTSLN  "fences and prefetch: no fault"

        ; maskmovdqu: bytes with bit 7 of the mask byte, at DS:EDI
        mov     edi, MASKBUF
        mov     ecx, 4
        mov     eax, 0xeeeeeeee
        push    edi
        rep stosd
        pop     edi
        movdqa  xmm0, [ROM + xa]
        movdqa  xmm1, [ROM + xb]
        maskmovdqu xmm0, xmm1
        mov     esi, MASKBUF
        mov     ecx, 16
        PUTS    "maskmovdqu: "
        call    dump32

        ; MOVQ2DQ / MOVDQ2Q
        movq    mm1, [ROM + xa + 8]
        movdqa  xmm7, [ROM + xb]
        movq2dq xmm7, mm1
        PX      "movq2dq", xmm7
        movdqa  xmm7, [ROM + xb]
        movdq2q mm2, xmm7
        movq    [SCR], mm2
        CHK     32, "movdq2q lo", dword [SCR], 0
        CHK     32, "movdq2q hi", dword [SCR+4], 0
        emms

        ; FXSAVE/FXRSTOR: MXCSR at +24, MXCSR_MASK at +28, XMM0 at +160
        movdqa  xmm0, [ROM + xa]
        movdqa  xmm7, [ROM + xb]
        fxsave  [FXBUF]
        CHK     32, "fxsave mxcsr", dword [FXBUF+24], 0
        CHK     32, "fxsave xmm0 d3", dword [FXBUF+160+12], 0
        CHK     32, "fxsave xmm7 d0", dword [FXBUF+160+7*16], 0
        pxor    xmm0, xmm0
        pxor    xmm7, xmm7
        mov     dword [FXBUF+24], 0x00009f80  ; FZ, masks, RC=00
        fxrstor [FXBUF]
        PX      "fxrstor xmm0", xmm0
        PX      "fxrstor xmm7", xmm7
        stmxcsr [SCR]
        CHK     32, "fxrstor mxcsr", dword [SCR], 0
        mov     dword [SCR], 0x1f80
        ldmxcsr [SCR]

        PUTSLN  "done"
        EXIT    0

        align   16
xa:     dq      0x7fff800100ff0003, 0x80007fff0102fffe
xb:     dq      0x0001fffe7f80ff01, 0x7fffffff80000000
cnt4:   dq      4, 0x1234
cnt16:  dq      16, 0
cnt33:  dq      33, 0
cnthuge: dq     0x0000000100000002, 0

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
