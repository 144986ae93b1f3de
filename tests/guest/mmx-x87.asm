; MMX and the x87 register file (SDM vol. 1 9.5), seen through
; FXSAVE/FXRSTOR only: MMn is physical register Rn whatever TOP is (the
; FXSAVE image holds ST(i) = R((TOP + i) mod 8)); an MMX instruction sets
; TOP = 0 and every tag valid and leaves the rest of FSW; the register it
; writes gets bits 64-79 all ones; EMMS empties every tag and keeps TOP and
; the registers; a pending unmasked x87 exception (FSW.ES, CR0.NE=1) makes
; MMX instructions and EMMS raise #MF, not SSE ones.
; The expected output follows the SDM and agrees with Bochs 2.7.  QEMU 7.2
; leaves bits 64-79 as they were and raises no #MF for MMX instructions.
%include "lib.inc"

FXBUF   equ     0x3200          ; 16-byte aligned, 512 bytes
SCR     equ     0x3000

%macro PMM 2
        movq    [SCR], %2
        PUTS    %1, ": "
        PHEX    32, [SCR+4]
        PHEX    32, [SCR]
        NL
%endmacro
%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "mmx-x87"
        PMODE_ENTER
        call    exc32_install
        mov     dword [EXC_COUNT], 0
        mov     eax, cr0
        or      eax, 0x22               ; MP | NE
        mov     cr0, eax
        mov     eax, cr4
        or      eax, 0x600
        mov     cr4, eax

        ; an image with TOP = 5, tags: ST0 and ST3 valid (physical R5, R0),
        ; ST(i) = i in its low byte, exponent 0x4000 + i
        mov     edi, FXBUF
        mov     ecx, 512 / 4
        xor     eax, eax
        rep stosd
        mov     word [FXBUF + 0], 0x037f
        mov     word [FXBUF + 2], 5 << 11 | 0x4000      ; TOP 5, C3
        mov     byte [FXBUF + 4], 0x21                  ; R5, R0
        mov     dword [FXBUF + 24], 0x1f80
        xor     ecx, ecx
.fill:  mov     eax, ecx
        shl     eax, 4
        mov     byte [FXBUF + 32 + eax], cl
        mov     byte [FXBUF + 32 + eax + 7], 0x80
        mov     word [FXBUF + 32 + eax + 8], 0x4000
        add     word [FXBUF + 32 + eax + 8], cx
        inc     ecx
        cmp     ecx, 8
        jne     .fill
        fxrstor [FXBUF]

        ; MM0 is R0 = ST(3), MM2 = R2 = ST(5), MM5 = R5 = ST(0)
        movq    mm7, mm0
        PMM     "mm0 (R0 = ST3 with TOP 5)", mm7
        movq    mm7, mm2
        PMM     "mm2 (R2 = ST5)", mm7
        movq    mm7, mm5
        PMM     "mm5 (R5 = ST0)", mm7
        fxsave  [FXBUF]
        CHK     16, "fsw: TOP 0, C3 kept", word [FXBUF + 2], 0
        CHK     8, "ftw: all valid", byte [FXBUF + 4], 0
        CHK     8, "ST0 = R0 low byte", byte [FXBUF + 32], 0
        CHK     16, "ST0 = R0 exponent kept", word [FXBUF + 32 + 8], 0
        CHK     8, "ST5 = R5 low byte", byte [FXBUF + 32 + 5*16], 0
        CHK     16, "ST7 = R7: written, exponent", word [FXBUF + 32 + 7*16 + 8], 0
        CHK     32, "ST7 = R7 low", dword [FXBUF + 32 + 7*16], 0
        emms
        fxsave  [FXBUF]
        CHK     8, "ftw after emms", byte [FXBUF + 4], 0
        CHK     16, "fsw after emms", word [FXBUF + 2], 0
        CHK     8, "R0 kept", byte [FXBUF + 32], 0
        movd    mm3, [ROM + word1]
        fxsave  [FXBUF]
        CHK     32, "movd mm3: low", dword [FXBUF + 32 + 3*16], 0
        CHK     32, "movd mm3: high", dword [FXBUF + 32 + 3*16 + 4], 0
        CHK     16, "movd mm3: exponent", word [FXBUF + 32 + 3*16 + 8], 0
        pextrw  eax, mm3, 0             ; reads only: still TOP 0, all valid
        emms
        pextrw  eax, mm3, 0
        fxsave  [FXBUF]
        CHK     8, "ftw after a read-only MMX insn", byte [FXBUF + 4], 0
        emms

        ; a pending x87 exception: FSW.ES (with IE) restored by FXRSTOR
        mov     word [FXBUF + 2], 0x8081
        mov     word [FXBUF + 0], 0x037e                ; IM clear
        fxrstor [FXBUF]
        FAULT   "paddb, x87 error pending", paddb mm0, mm1
        FAULT   "emms, x87 error pending", emms
        FAULT   "movd r32,mm, x87 error pending", movd eax, mm1
        PUTS    "addps, x87 error pending: "
        addps   xmm0, xmm1
        PUTSLN  "ok"
        PUTS    "fxsave, x87 error pending: "
        fxsave  [FXBUF]
        PUTSLN  "ok"
        CHK     16, "  fsw saved", word [FXBUF + 2], 0
        mov     word [FXBUF + 2], 0
        mov     word [FXBUF + 0], 0x037f
        fxrstor [FXBUF]
        CHK     32, "exceptions", dword [EXC_COUNT], 0

        PUTSLN  "done"
        EXIT    0

        align   8
word1:  dd      0xdeadbeef

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
