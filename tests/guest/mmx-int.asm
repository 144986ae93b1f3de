; MMX and the SSE/SSE2 integer instructions on MMX registers, in 32-bit
; protected mode: wrapping and saturating add/subtract, multiplies
; (pmullw/pmulhw/pmulhuw/pmaddwd/pmuludq), compares, logic, pack/unpack
; (the low unpacks read only 32 bits of memory), shifts by register, memory
; and immediate (counts past the element width), pavg/pmin/pmax/psadbw,
; pshufw, pinsrw/pextrw, pmovmskb, movd/movq in both directions,
; maskmovq and movntq.  (The x87 side of MMX is mmx-x87's subject.)
; Register and memory forms of each operation print the same value.
; QEMU 7.2 and Bochs 2.7 agree on every line.
%include "lib.inc"

SCR     equ     0x3000          ; scratch for printing
MASKBUF equ     0x3100

; PMM "name", mmN: print the register as 16 hex digits
%macro PMM 2
        movq    [SCR], %2
        PUTS    %1, ": "
        PHEX    32, [SCR+4]
        PHEX    32, [SCR]
        NL
%endmacro

; MOP "name", insn: mm0 = A, mm1 = B, run insn, print mm0
%macro MOP 2+
        movq    mm0, [ROM + va]
        movq    mm1, [ROM + vb]
        %2
        PMM     %1, mm0
%endmacro

; MOPRM "name", op: the register form, then the memory form
%macro MOPRM 2
        MOP     %1, %2 mm0, mm1
        MOP     %1, %2 mm0, [ROM + vb]
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "mmx-int"
        PMODE_ENTER
        call    exc32_install

        MOPRM   "paddb", paddb
        MOPRM   "paddw", paddw
        MOPRM   "paddd", paddd
        MOPRM   "paddq", paddq
        MOPRM   "psubb", psubb
        MOPRM   "psubw", psubw
        MOPRM   "psubd", psubd
        MOPRM   "psubq", psubq
        MOPRM   "paddsb", paddsb
        MOPRM   "paddsw", paddsw
        MOPRM   "paddusb", paddusb
        MOPRM   "paddusw", paddusw
        MOPRM   "psubsb", psubsb
        MOPRM   "psubsw", psubsw
        MOPRM   "psubusb", psubusb
        MOPRM   "psubusw", psubusw
        MOPRM   "pmullw", pmullw
        MOPRM   "pmulhw", pmulhw
        MOPRM   "pmulhuw", pmulhuw
        MOPRM   "pmaddwd", pmaddwd
        MOPRM   "pmuludq", pmuludq
        MOPRM   "pcmpeqb", pcmpeqb
        MOPRM   "pcmpeqw", pcmpeqw
        MOPRM   "pcmpeqd", pcmpeqd
        MOPRM   "pcmpgtb", pcmpgtb
        MOPRM   "pcmpgtw", pcmpgtw
        MOPRM   "pcmpgtd", pcmpgtd
        MOPRM   "pand", pand
        MOPRM   "pandn", pandn
        MOPRM   "por", por
        MOPRM   "pxor", pxor
        MOPRM   "packsswb", packsswb
        MOPRM   "packssdw", packssdw
        MOPRM   "packuswb", packuswb
        MOPRM   "punpcklbw", punpcklbw
        MOPRM   "punpcklwd", punpcklwd
        MOPRM   "punpckldq", punpckldq
        MOPRM   "punpckhbw", punpckhbw
        MOPRM   "punpckhwd", punpckhwd
        MOPRM   "punpckhdq", punpckhdq
        MOPRM   "pavgb", pavgb
        MOPRM   "pavgw", pavgw
        MOPRM   "pminub", pminub
        MOPRM   "pmaxub", pmaxub
        MOPRM   "pminsw", pminsw
        MOPRM   "pmaxsw", pmaxsw
        MOPRM   "psadbw", psadbw

        ; exact operand sizes at the end of segment 0x48 (base 0x10000,
        ; limit 0xfff): m32 for the low unpacks and movd, m16 for pinsrw
        mov     eax, [ROM + vb]
        mov     [0x10ffc], eax
        mov     ax, 0x48
        mov     es, ax
        MOP     "punpcklbw m32", punpcklbw mm0, [es:0xffc]
        MOP     "punpckldq m32", punpckldq mm0, [es:0xffc]
        MOP     "movd m32", movd mm0, [es:0xffc]
        MOP     "pinsrw m16", pinsrw mm0, [es:0xffe], 1
        mov     ax, 0x10
        mov     es, ax

        ; shifts: counts 4, 16 (whole element for words), 33, 64, huge
        MOP     "psllw 4", psllw mm0, [ROM + cnt4]
        MOP     "psllw 16", psllw mm0, [ROM + cnt16]
        MOP     "psrlw 4", psrlw mm0, [ROM + cnt4]
        MOP     "psraw 4", psraw mm0, [ROM + cnt4]
        MOP     "psraw 16", psraw mm0, [ROM + cnt16]
        MOP     "psraw huge", psraw mm0, [ROM + cnthuge]
        MOP     "pslld 4", pslld mm0, [ROM + cnt4]
        MOP     "psrld 33", psrld mm0, [ROM + cnt33]
        MOP     "psrad 16", psrad mm0, [ROM + cnt16]
        MOP     "psrad 33", psrad mm0, [ROM + cnt33]
        MOP     "psllq 33", psllq mm0, [ROM + cnt33]
        MOP     "psrlq 4", psrlq mm0, [ROM + cnt4]
        MOP     "psrlq 64", psrlq mm0, [ROM + cnt64]
        MOP     "psllq huge", psllq mm0, [ROM + cnthuge]
        movq    mm0, [ROM + va]
        movq    mm1, [ROM + cnt4]
        psllw   mm0, mm1
        PMM     "psllw reg", mm0
        MOP     "psllw i1", psllw mm0, 1
        MOP     "psrlw i15", psrlw mm0, 15
        MOP     "psraw i15", psraw mm0, 15
        MOP     "psraw i255", psraw mm0, 255
        MOP     "pslld i31", pslld mm0, 31
        MOP     "psrld i8", psrld mm0, 8
        MOP     "psrad i8", psrad mm0, 8
        MOP     "psllq i8", psllq mm0, 8
        MOP     "psrlq i63", psrlq mm0, 63
        MOP     "psrlq i64", psrlq mm0, 64

        MOP     "pshufw 1b", pshufw mm0, mm1, 0x1b
        MOP     "pshufw m e4", pshufw mm0, [ROM + vb], 0xe4
        MOP     "pshufw 00", pshufw mm0, mm0, 0x00
        mov     eax, 0x12345678
        MOP     "pinsrw 2", pinsrw mm0, eax, 2
        MOP     "pinsrw 7 (as 3)", pinsrw mm0, eax, 7
        MOP     "pinsrw m16", pinsrw mm0, [ROM + vb + 6], 0

        movq    mm0, [ROM + va]
        mov     ebx, 0xffffffff
        pextrw  ebx, mm0, 3
        CHK     32, "pextrw 3", ebx, 0
        pextrw  ebx, mm0, 5
        CHK     32, "pextrw 5 (as 1)", ebx, 0
        pmovmskb ecx, mm0
        CHK     32, "pmovmskb a", ecx, 0
        movq    mm1, [ROM + vb]
        pmovmskb ecx, mm1
        CHK     32, "pmovmskb b", ecx, 0

        ; movd: zero extension, store of the low half, memory forms
        movq    mm2, [ROM + va]
        mov     eax, 0xcafef00d
        movd    mm2, eax
        PMM     "movd mm,r32", mm2
        movd    mm2, [ROM + vb + 4]
        PMM     "movd mm,m32", mm2
        movq    mm3, [ROM + va]
        movd    esi, mm3
        CHK     32, "movd r32,mm", esi, 0
        mov     dword [SCR+8], 0x11111111
        movd    [SCR+8], mm3
        CHK     32, "movd m32,mm", dword [SCR+8], 0
        movq    mm4, mm3
        PMM     "movq mm,mm", mm4
        movntq  [SCR+16], mm3
        CHK     32, "movntq lo", dword [SCR+16], 0
        CHK     32, "movntq hi", dword [SCR+20], 0

        ; maskmovq: bytes whose mask byte has bit 7 set, at DS:EDI
        mov     edi, MASKBUF
        mov     dword [edi], 0xeeeeeeee
        mov     dword [edi+4], 0xeeeeeeee
        movq    mm5, [ROM + va]
        movq    mm6, [ROM + vb]
        maskmovq mm5, mm6
        CHK     32, "maskmovq lo", dword [MASKBUF], 0
        CHK     32, "maskmovq hi", dword [MASKBUF+4], 0

        PUTSLN  "done"
        EXIT    0

        align   8
va:     dq      0x80007fff0102fffe
vb:     dq      0x7fff800100ff0003
cnt4:   dq      4
cnt16:  dq      16
cnt33:  dq      33
cnt64:  dq      64
cnthuge: dq     0x0000000100000002

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
