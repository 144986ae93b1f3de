; x87 in 32-bit protected mode: loads and stores of every format, the
; constants under each rounding mode, the arithmetic in all its forms, 1/3
; and sqrt(2) under each precision and rounding control, integer and BCD
; conversions with rounding, masked exception responses (indefinite, NaN
; propagation, overflow, underflow, denormals, unsupported encodings).
; Results are printed as raw 80-bit values SSSS:MMMMMMMMMMMMMMMM with FSW
; masked to the bits the instruction defines (C0/C2/C3 are undefined after
; arithmetic: mask BAFF).  All exceptions are masked (FNINIT).
; Expected output: the SDM, identical on Bochs 2.7; the rounding, flags and
; masked responses of the arithmetic also match an Intel Xeon's x87 (the
; soft-float was compared with it on millions of random operands).  QEMU
; 7.2 differs: no C1 round-up bit, no #D, no stack fault (SF, the masked
; indefinite).
%include "lib.inc"
%include "fpu.inc"

T80     equ 0x3000          ; result buffer (10 bytes)
SWB     equ 0x3010          ; saved FSW
CWB     equ 0x3012          ; control word to load
MEM     equ 0x3020          ; memory operand / result (16 bytes)
SWM     equ 0xBAFF          ; B TOP C1 ES SF PE UE OE ZE DE IE

; R80 "name", mask: record FSW, clear flags, pop ST(0) and print it
; PSWB mask: " sw=" [SWB] & mask, newline
; MEMR "name", bytes, mask: record FSW, clear flags, print the result at MEM
%macro MEMR 3
        fnstsw  [SWB]
        fnclex
        PUTS    %1, ": "
%if %2 == 2
        PHEX    16, [MEM]
%elif %2 == 4
        PHEX    32, [MEM]
%elif %2 == 8
        PHEX    32, [MEM+4]
        PHEX    32, [MEM]
%else
        PHEX    16, [MEM+8]
        PHEX    32, [MEM+4]
        PHEX    32, [MEM]
%endif
        PSWB    %3
%endmacro

%macro SETCW 1
        mov     word [CWB], %1
        fldcw   [CWB]
%endmacro

; LD80 label: push a 10-byte constant from the ROM
%macro LD80 1
        fld     tword [ROM + %1]
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "fpu-arith"
        PMODE_ENTER
        mov     eax, cr0
        or      eax, 0x20               ; NE: native x87 error reporting
        and     eax, ~0x0c              ; EM=0 TS=0
        mov     cr0, eax
        fninit
        fnstcw  [CWB]
        PHEX    16, [CWB]
        PUTS    " = fcw after fninit"
        NL
        fnstsw  [SWB]
        PHEX    16, [SWB]
        PUTSLN  " = fsw after fninit"

        ; ---- constants, and the rounding of the irrational ones ----
        fld1
        R80     "fld1", SWM
        fldz
        R80     "fldz", SWM
        fldpi
        R80     "fldpi rn", SWM
        fldl2t
        R80     "fldl2t rn", SWM
        fldl2e
        R80     "fldl2e rn", SWM
        fldlg2
        R80     "fldlg2 rn", SWM
        fldln2
        R80     "fldln2 rn", SWM
        SETCW   0x077f                  ; round down
        fldpi
        R80     "fldpi rd", SWM
        fldl2e
        R80     "fldl2e rd", SWM
        SETCW   0x0b7f                  ; round up
        fldl2t
        R80     "fldl2t ru", SWM
        fldlg2
        R80     "fldlg2 ru", SWM
        SETCW   0x0f7f                  ; chop
        fldln2
        R80     "fldln2 rz", SWM
        SETCW   0x037f

        ; ---- loads ----
        fld     dword [ROM + f32_1p5]
        R80     "fld m32 1.5", SWM
        fld     dword [ROM + f32_denorm]
        R80     "fld m32 denormal", SWM
        fld     dword [ROM + f32_snan]
        R80     "fld m32 snan", SWM
        fld     dword [ROM + f32_ninf]
        R80     "fld m32 -inf", SWM
        fld     qword [ROM + f64_0p1]
        R80     "fld m64 0.1", SWM
        fld     qword [ROM + f64_denorm]
        R80     "fld m64 denormal", SWM
        LD80    x80_snan
        R80     "fld m80 snan (no #I)", SWM
        LD80    x80_unnormal
        R80     "fld m80 unnormal", SWM
        fild    word [ROM + i16_m5]
        R80     "fild m16 -5", SWM
        fild    dword [ROM + i32_max]
        R80     "fild m32 7fffffff", SWM
        fild    qword [ROM + i64_min]
        R80     "fild m64 -2^63", SWM
        fild    word [ROM + i16_0]
        R80     "fild m16 0", SWM
        fbld    tword [ROM + bcd_neg]
        R80     "fbld -123456789012345678", SWM
        fbld    tword [ROM + bcd_mzero]
        R80     "fbld -0", SWM

        ; ---- stores with rounding ----
        call    third
        fst     dword [MEM]
        MEMR    "fst m32 1/3 rn", 4, SWM
        fst     qword [MEM]
        MEMR    "fst m64 1/3 rn", 8, SWM
        SETCW   0x077f
        fst     dword [MEM]
        MEMR    "fst m32 1/3 rd", 4, SWM
        SETCW   0x0b7f
        fst     qword [MEM]
        MEMR    "fst m64 1/3 ru", 8, SWM
        SETCW   0x037f
        fstp    tword [MEM]
        MEMR    "fstp m80 1/3", 10, SWM
        fld     dword [ROM + f32_1p5]
        fchs
        fstp    dword [MEM]
        MEMR    "fstp m32 -1.5", 4, SWM
        LD80    x80_big
        fst     dword [MEM]
        MEMR    "fst m32 overflow", 4, SWM
        fstp    qword [MEM]
        MEMR    "fstp m64 2^10000", 8, SWM
        LD80    x80_tiny
        fstp    dword [MEM]
        MEMR    "fstp m32 underflow", 4, SWM
        LD80    x80_snan
        fstp    qword [MEM]
        MEMR    "fstp m64 snan", 8, SWM
        LD80    x80_unnormal
        fstp    dword [MEM]
        MEMR    "fstp m32 unnormal", 4, SWM
        mov     dword [MEM], 0x55555555
        fstp    dword [MEM]                     ; empty: stack underflow
        MEMR    "fstp m32 empty", 4, SWM

        ; integers: round to nearest even, then each direction
        fld     tword [ROM + x80_2p5]
        fist    word [MEM]
        MEMR    "fist m16 2.5 rn", 2, SWM
        fchs
        fist    word [MEM]
        MEMR    "fist m16 -2.5 rn", 2, SWM
        fchs
        SETCW   0x077f
        fist    dword [MEM]
        MEMR    "fist m32 2.5 rd", 4, SWM
        SETCW   0x0b7f
        fist    dword [MEM]
        MEMR    "fist m32 2.5 ru", 4, SWM
        fchs
        SETCW   0x0f7f
        fistp   qword [MEM]
        MEMR    "fistp m64 -2.5 rz", 8, SWM
        SETCW   0x037f
        fld     tword [ROM + x80_3p5]
        fistp   word [MEM]
        MEMR    "fistp m16 3.5 rn", 2, SWM
        fild    dword [ROM + i32_40000]
        fist    word [MEM]
        MEMR    "fist m16 40000", 2, SWM
        fchs
        fistp   word [MEM]
        MEMR    "fistp m16 -40000", 2, SWM
        fild    dword [ROM + i32_32768]
        fchs
        fistp   word [MEM]
        MEMR    "fistp m16 -32768", 2, SWM
        fild    dword [ROM + i32_32768]
        fistp   word [MEM]
        MEMR    "fistp m16 32768", 2, SWM
        LD80    x80_2p63
        fistp   qword [MEM]
        MEMR    "fistp m64 2^63", 8, SWM
        LD80    x80_qnan
        fistp   dword [MEM]
        MEMR    "fistp m32 qnan", 4, SWM
        LD80    x80_0p5
        fistp   dword [MEM]
        MEMR    "fistp m32 0.5 rn", 4, SWM
        LD80    x80_m0p25
        SETCW   0x077f
        fistp   dword [MEM]
        MEMR    "fistp m32 -0.25 rd", 4, SWM
        SETCW   0x037f
        fld     tword [ROM + x80_123p5]
        fbstp   tword [MEM]
        MEMR    "fbstp 123.5 rn", 10, SWM
        fld     tword [ROM + x80_123p5]
        fchs
        SETCW   0x0f7f
        fbstp   tword [MEM]
        MEMR    "fbstp -123.5 rz", 10, SWM
        SETCW   0x037f
        fild    qword [ROM + i64_1e18]
        fbstp   tword [MEM]
        MEMR    "fbstp 1e18", 10, SWM
        fbld    tword [ROM + bcd_neg]
        fbstp   tword [MEM]
        MEMR    "fbld/fbstp round trip", 10, SWM

        ; ---- 1/3 and sqrt(2) in each precision and rounding mode ----
%macro THIRD 2
        SETCW   %1
        call    third
        R80     %2, SWM
%endmacro
        THIRD   0x037f, "1/3 pc64 rn"
        THIRD   0x077f, "1/3 pc64 rd"
        THIRD   0x0b7f, "1/3 pc64 ru"
        THIRD   0x0f7f, "1/3 pc64 rz"
        THIRD   0x027f, "1/3 pc53 rn"
        THIRD   0x0a7f, "1/3 pc53 ru"
        THIRD   0x007f, "1/3 pc24 rn"
        THIRD   0x0c7f, "1/3 pc24 rz"
        SETCW   0x007f
        fld1
        fld1
        faddp                           ; 2
        fld1
        fdivrp                          ; 1/2 ... exact
        R80     "1/2 pc24", SWM
%macro SQRT2 2
        SETCW   %1
        fld1
        fld1
        faddp
        fsqrt
        R80     %2, SWM
%endmacro
        SQRT2   0x037f, "sqrt2 pc64 rn"
        SQRT2   0x0b7f, "sqrt2 pc64 ru"
        SQRT2   0x027f, "sqrt2 pc53 rn"
        SQRT2   0x007f, "sqrt2 pc24 rn"
        SETCW   0x037f

        ; ---- every form of the six operations: ST0=10, ST1=4 ----
%macro TWO 0
        fild    word [ROM + i16_4]
        fild    word [ROM + i16_10]
%endmacro
%macro FORM 3
        TWO
        db      %2
        R80     %1, SWM
        R80     %3, SWM
%endmacro
        FORM    "d8 c1 fadd st0,st1 -> st0", {0xd8, 0xc1}, "  st1"
        FORM    "dc c1 fadd st1,st0 -> st0", {0xdc, 0xc1}, "  st1"
        FORM    "d8 e1 fsub st0,st1 -> st0", {0xd8, 0xe1}, "  st1"
        FORM    "d8 e9 fsubr st0,st1 -> st0", {0xd8, 0xe9}, "  st1"
        FORM    "dc e1 fsubr st1,st0 -> st0", {0xdc, 0xe1}, "  st1"
        FORM    "dc e9 fsub st1,st0 -> st0", {0xdc, 0xe9}, "  st1"
        FORM    "d8 f1 fdiv st0,st1 -> st0", {0xd8, 0xf1}, "  st1"
        FORM    "d8 f9 fdivr st0,st1 -> st0", {0xd8, 0xf9}, "  st1"
        FORM    "dc f1 fdivr st1,st0 -> st0", {0xdc, 0xf1}, "  st1"
        FORM    "dc f9 fdiv st1,st0 -> st0", {0xdc, 0xf9}, "  st1"
        FORM    "d8 c9 fmul st0,st1 -> st0", {0xd8, 0xc9}, "  st1"
%macro PFORM 2
        TWO
        db      %2
        R80     %1, SWM
%endmacro
        PFORM   "de c1 faddp", {0xde, 0xc1}
        PFORM   "de c9 fmulp", {0xde, 0xc9}
        PFORM   "de e1 fsubrp st1,st0", {0xde, 0xe1}
        PFORM   "de e9 fsubp st1,st0", {0xde, 0xe9}
        PFORM   "de f1 fdivrp st1,st0", {0xde, 0xf1}
        PFORM   "de f9 fdivp st1,st0", {0xde, 0xf9}
        ; memory forms: ST0 = 10 op m
        fild    word [ROM + i16_10]
        fadd    dword [ROM + f32_1p5]
        R80     "fadd m32 1.5", SWM
        fild    word [ROM + i16_10]
        fsub    qword [ROM + f64_0p1]
        R80     "fsub m64 0.1", SWM
        fild    word [ROM + i16_10]
        fsubr   dword [ROM + f32_1p5]
        R80     "fsubr m32 1.5", SWM
        fild    word [ROM + i16_10]
        fmul    qword [ROM + f64_0p1]
        R80     "fmul m64 0.1", SWM
        fild    word [ROM + i16_10]
        fdiv    dword [ROM + f32_1p5]
        R80     "fdiv m32 1.5", SWM
        fild    word [ROM + i16_10]
        fdivr   qword [ROM + f64_0p1]
        R80     "fdivr m64 0.1", SWM
        fild    word [ROM + i16_10]
        fiadd   word [ROM + i16_m5]
        R80     "fiadd m16 -5", SWM
        fild    word [ROM + i16_10]
        fisub   dword [ROM + i32_40000]
        R80     "fisub m32 40000", SWM
        fild    word [ROM + i16_10]
        fisubr  word [ROM + i16_m5]
        R80     "fisubr m16 -5", SWM
        fild    word [ROM + i16_10]
        fimul   dword [ROM + i32_max]
        R80     "fimul m32 7fffffff", SWM
        fild    word [ROM + i16_10]
        fidiv   word [ROM + i16_4]
        R80     "fidiv m16 4", SWM
        fild    word [ROM + i16_10]
        fidivr  dword [ROM + i32_40000]
        R80     "fidivr m32 40000", SWM
        fild    word [ROM + i16_10]
        fadd    qword [ROM + f64_denorm]
        R80     "fadd m64 denormal", SWM

        ; ---- masked exception responses ----
        fldz
        fld1
        fdivrp                          ; st1 = st0 / st1 = 1/0
        R80     "1/0", SWM
        fldz
        fldz
        fdivp
        R80     "0/0", SWM
        fld     dword [ROM + f32_ninf]
        fld     dword [ROM + f32_ninf]
        fsubp
        R80     "-inf - -inf", SWM
        fld     dword [ROM + f32_ninf]
        fldz
        fmulp
        R80     "0 * -inf", SWM
        fld1
        fchs
        fsqrt
        R80     "sqrt(-1)", SWM
        fldz
        fchs
        fsqrt
        R80     "sqrt(-0)", SWM
        fld1
        LD80    x80_snan
        faddp
        R80     "snan + 1", SWM
        fld1
        LD80    x80_qnan
        faddp
        R80     "qnan + 1", SWM
        LD80    x80_qnan
        LD80    x80_qnan2
        faddp
        R80     "qnan + qnan2 (larger)", SWM
        LD80    x80_qnan2
        LD80    x80_snan
        fmulp
        R80     "snan * qnan2 (the qnan)", SWM
        LD80    x80_snan
        LD80    x80_snan2
        fsubp
        R80     "snan - snan2 (larger, quieted)", SWM
        fld1
        LD80    x80_unnormal
        faddp
        R80     "unnormal + 1", SWM
        fld1
        LD80    x80_pseudoden
        faddp
        R80     "pseudo-denormal + 1", SWM
        fld1
        LD80    x80_denorm
        fmulp
        R80     "denormal * 1", SWM
        LD80    x80_big
        LD80    x80_big
        fmulp
        R80     "overflow rn", SWM
        SETCW   0x0f7f
        LD80    x80_big
        LD80    x80_big
        fmulp
        R80     "overflow rz", SWM
        SETCW   0x077f
        LD80    x80_big
        fchs
        LD80    x80_big
        fmulp
        R80     "-overflow rd", SWM
        SETCW   0x037f
        LD80    x80_tiny
        LD80    x80_tiny
        fmulp
        R80     "underflow to 0", SWM
        LD80    x80_tiny2
        fld     dword [ROM + f32_2m100]
        fmulp
        R80     "underflow denormal inexact", SWM
        LD80    x80_tiny3
        fld     dword [ROM + f32_2m100]
        fmulp
        R80     "denormal exact (no #U)", SWM
        LD80    x80_minnorm
        fld1
        fadd    st0
        fdivp
        R80     "minnormal/2 exact", SWM
        fld1
        fld1
        fsubp
        R80     "1 - 1 rn", SWM
        SETCW   0x077f
        fld1
        fld1
        fsubp
        R80     "1 - 1 rd", SWM
        SETCW   0x037f
        fldz
        fchs
        fldz
        faddp
        R80     "0 + -0", SWM
        fldz
        fchs
        fldz
        fchs
        faddp
        R80     "-0 + -0", SWM
        fld1
        fld     dword [ROM + f32_ninf]
        fdivp
        R80     "1 / -inf", SWM
        faddp                           ; both empty: underflow, masked
        R80     "faddp empty", SWM

        PUTSLN  "done"
        EXIT    0

; ST(0) = 1/3 in the current precision and rounding
third:
        fld1
        fidiv   dword [ROM + i32_3]
        ret

        bits    32
P80_CODE

        LIBCODE
        bits    16
        LIBCODE
        STD_GDT

        align   16
f32_1p5:        dd      0x3fc00000
f32_denorm:     dd      0x00000001              ; 2^-149
f32_snan:       dd      0x7fa00000
f32_ninf:       dd      0xff800000
f32_2m100:      dd      0x0d800000              ; 2^-100
f64_0p1:        dq      0x3fb999999999999a
f64_denorm:     dq      0x8000000000000001      ; -2^-1074
i16_m5:         dw      -5
i16_0:          dw      0
i16_4:          dw      4
i16_10:         dw      10
i32_max:        dd      0x7fffffff
i32_3:          dd      3
i32_40000:      dd      40000
i32_32768:      dd      32768
i64_min:        dq      0x8000000000000000
i64_1e18:       dq      1000000000000000000
bcd_neg:        db      0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80
bcd_mzero:      db      0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80
; 80-bit values: significand (8 bytes) then sign|exponent (2 bytes)
x80_snan:       dq      0xa000000000000000
                dw      0x7fff
x80_snan2:      dq      0xb000000000000000
                dw      0xffff
x80_qnan:       dq      0xc000000000000001
                dw      0x7fff
x80_qnan2:      dq      0xd000000000000000
                dw      0xffff
x80_unnormal:   dq      0x4000000000000000
                dw      0x3fff
x80_pseudoden:  dq      0x8000000000000000
                dw      0x0000
x80_denorm:     dq      0x0000000000000003
                dw      0x0000
x80_big:        dq      0x8000000000000000
                dw      0x670f                  ; 2^10000
x80_tiny:       dq      0xc000000000000000
                dw      0x18ef                  ; 1.5 * 2^-10000
x80_tiny2:      dq      0xc000000000000001
                dw      0x0053                  ; ~1.5 * 2^-16300
x80_tiny3:      dq      0xc000000000000000
                dw      0x0053                  ; 1.5 * 2^-16300
x80_minnorm:    dq      0x8000000000000000
                dw      0x0001
x80_2p5:        dq      0xa000000000000000
                dw      0x4000
x80_3p5:        dq      0xe000000000000000
                dw      0x4000
x80_0p5:        dq      0x8000000000000000
                dw      0x3ffe
x80_m0p25:      dq      0x8000000000000000
                dw      0xbffd
x80_123p5:      dq      0xf700000000000000
                dw      0x4005
x80_2p63:       dq      0x8000000000000000
                dw      0x403e
        RESET_VECTOR
