; x87 in 32-bit protected mode: comparisons (FCOM/FCOMP/FCOMPP, FUCOM*,
; FICOM, FTST, FCOMI/FUCOMI into EFLAGS), FXAM classes, FCMOVcc, the
; register stack (FXCH, FFREE, FFREEP, FINCSTP/FDECSTP, stack overflow and
; underflow masked responses, TOP), and FCHS/FABS/FRNDINT/FSCALE/FXTRACT/
; FPREM/FPREM1.  Results print as SSSS:MMMMMMMMMMMMMMMM with FSW masked to
; the defined bits (FFFF after a compare, BAFF after arithmetic).
; Expected output: the SDM, identical on Bochs 2.7.  QEMU 7.2 differs: no
; #D, no stack faults, and FCOMI leaves OF/SF/AF as they were.
%include "lib.inc"
%include "fpu.inc"

T80     equ 0x3000
SWB     equ 0x3010
CWB     equ 0x3012
MEM     equ 0x3020
SWM     equ 0xBAFF
SWC     equ 0xFFFF

; SW "name", mask: FSW only
%macro SW 2
        fnstsw  [SWB]
        fnclex
        PUTS    %1, ":"
        PSWB    %2
%endmacro

; EFL "name": EFLAGS arithmetic bits and FSW
%macro EFL 1
        pushfd
        fnstsw  [SWB]
        fnclex
        PUTS    %1, ": efl="
        push    eax
        mov     eax, [esp+4]
        and     eax, F_ARITH
        call    hex16_32
        pop     eax
        add     esp, 4
        PSWB    SWC
%endmacro

%macro SETCW 1
        mov     word [CWB], %1
        fldcw   [CWB]
%endmacro

%macro LD80 1
        fld     tword [ROM + %1]
%endmacro

; EMPTY: free all eight registers and reset TOP to 0 (ffree keeps TOP)
%macro EMPTY 0
        fninit
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "fpu-cmp"
        PMODE_ENTER
        mov     eax, cr0
        or      eax, 0x20
        and     eax, ~0x0c
        mov     cr0, eax
        fninit

        ; ---- FCOM family: ST0 vs 2 ----
%macro CMP2 3
        fld     dword [ROM + f32_2]
        LD80    %2
        %3
        SW      %1, SWC
        EMPTY
%endmacro
        CMP2    "fcom 3>2", x80_3, fcom st1
        CMP2    "fcom 1<2", x80_1, fcom st1
        CMP2    "fcom 2=2", x80_2, fcom st1
        CMP2    "fcom qnan", x80_qnan, fcom st1
        CMP2    "fucom qnan", x80_qnan, fucom st1
        CMP2    "fucom snan", x80_snan, fucom st1
        CMP2    "fcom unnormal", x80_unnormal, fcom st1
        CMP2    "fcom denormal", x80_denorm, fcom st1
        CMP2    "fcomp 3>2", x80_3, fcomp st1
        CMP2    "fcompp 1<2", x80_1, fcompp
        CMP2    "fucompp 2=2", x80_2, fucompp
        CMP2    "fcom m32 2", x80_2, {fcom dword [ROM + f32_2]}
        CMP2    "fcomp m64 0.5", x80_2, {fcomp qword [ROM + f64_0p5]}
        CMP2    "ficom m16 -3", x80_2, {ficom word [ROM + i16_m3]}
        CMP2    "ficomp m32 2", x80_2, {ficomp dword [ROM + i32_2]}
        CMP2    "ftst 1", x80_1, ftst
        CMP2    "ftst -0", x80_mzero, ftst
        CMP2    "ftst qnan", x80_qnan, ftst
        ; zeros of both signs compare equal; infinities order
        fldz
        fchs
        fldz
        fcom    st1
        SW      "fcom +0 vs -0", SWC
        EMPTY
        fld     dword [ROM + f32_ninf]
        fld     dword [ROM + f32_2]
        fcom    st1
        SW      "fcom 2 vs -inf", SWC
        EMPTY
        fcom    st1                     ; both empty
        SW      "fcom empty", SWC
        EMPTY

        ; ---- FCOMI/FUCOMI: ZF PF CF, OF SF AF cleared ----
%macro CMPI 3
        fld     dword [ROM + f32_2]
        LD80    %2
        SETF    0x08d5 | 2              ; all six arithmetic flags set
        %3
        EFL     %1
        EMPTY
%endmacro
        CMPI    "fcomi 3>2", x80_3, {fcomi st0, st1}
        CMPI    "fcomi 1<2", x80_1, {fcomi st0, st1}
        CMPI    "fcomi 2=2", x80_2, {fcomi st0, st1}
        CMPI    "fcomi qnan", x80_qnan, {fcomi st0, st1}
        CMPI    "fucomi qnan", x80_qnan, {fucomi st0, st1}
        CMPI    "fucomip snan", x80_snan, {fucomip st0, st1}
        CMPI    "fcomip 1<2", x80_1, {fcomip st0, st1}
        fnstsw  ax
        and     ax, 0x3800
        CHK     16, "  top after fcomip", ax, 0
        EMPTY

        ; ---- FXAM: C3 C2 C1 C0 by class and sign ----
%macro XAM 2
        %2
        fxam
        SW      %1, 0x4700
        EMPTY
%endmacro
        XAM     "fxam +normal", {LD80 x80_3}
        XAM     "fxam -0", {LD80 x80_mzero}
        XAM     "fxam -inf", {fld dword [ROM + f32_ninf]}
        XAM     "fxam qnan", {LD80 x80_qnan}
        XAM     "fxam -snan", {LD80 x80_msnan}
        XAM     "fxam denormal", {LD80 x80_denorm}
        XAM     "fxam pseudo-denormal", {LD80 x80_pseudoden}
        XAM     "fxam unnormal", {LD80 x80_unnormal}
        XAM     "fxam empty", {}
        ; an empty register keeps its old contents: fxam reports its sign
        fld1
        fchs
        ffree   st0
        fxam
        SW      "fxam empty (was -1)", 0x4700
        EMPTY

        ; ---- FCMOVcc: ST1 = 2, ST0 = 3; EFLAGS from a compare ----
%macro CMOV 3
        fld     dword [ROM + f32_2]
        LD80    x80_3
        SETF    %2
        %3
        R80     %1, SWM
        EMPTY
%endmacro
        CMOV    "fcmovb cf=1", 0x0003, {fcmovb st0, st1}
        CMOV    "fcmovb cf=0", 0x0002, {fcmovb st0, st1}
        CMOV    "fcmove zf=1", 0x0042, {fcmove st0, st1}
        CMOV    "fcmovbe zf=1", 0x0042, {fcmovbe st0, st1}
        CMOV    "fcmovu pf=1", 0x0006, {fcmovu st0, st1}
        CMOV    "fcmovnb cf=0", 0x0002, {fcmovnb st0, st1}
        CMOV    "fcmovne zf=1", 0x0042, {fcmovne st0, st1}
        CMOV    "fcmovnbe cf=0 zf=0", 0x0002, {fcmovnbe st0, st1}
        CMOV    "fcmovnu pf=1", 0x0006, {fcmovnu st0, st1}
        LD80    x80_3
        fcmove  st0, st2                ; ST2 empty: underflow regardless
        R80     "fcmove empty src", SWM
        EMPTY

        ; ---- register stack ----
        fld1
        fldz
        fxch    st1
        R80     "fxch st0", SWM
        R80     "fxch st1", SWM
        fld1
        fxch    st3                     ; ST3 empty: masked, indefinite swapped in
        R80     "fxch empty st0", SWM
        fincstp
        fincstp
        R80     "fxch empty st3", SWM
        EMPTY
        fld1
        fldz
        ffree   st1
        fnstsw  ax
        and     ax, 0x3800
        CHK     16, "ffree st1: top", ax, 0
        fincstp
        fxam
        SW      "ffree'd st1 is empty", 0x4500
        fdecstp
        fnstsw  ax
        and     ax, 0x3800
        CHK     16, "fdecstp: top", ax, 0
        R80     "st0 after fdecstp", SWM
        EMPTY
        fld1
        fldz
        ffreep  st1                     ; DF C1: free ST1, pop
        fxam
        SW      "ffreep: st0 (was st1) empty", 0x4500
        EMPTY
        ; fill all eight, then one more push: overflow, masked indefinite
        mov     ecx, 8
.fill:  fld1
        loop    .fill
        fldpi
        R80     "push onto full stack", SWM
        fld1                            ; eight again
        fld     dword [ROM + f32_2]
        R80     "fld m32 onto full stack", SWM
        EMPTY
        fld     st3                     ; empty source: underflow
        R80     "fld st3 empty", SWM
        EMPTY
        fstp    st2
        SW      "fstp st2 with st0 empty", SWM
        EMPTY
        fld1
        fldz
        fst     st1
        R80     "fst st1: st0", SWM
        R80     "fst st1: st1", SWM
        fld1
        fldz
        fstp    st1
        R80     "fstp st1", SWM
        EMPTY

        ; ---- one-operand operations ----
        LD80    x80_3
        fchs
        R80     "fchs 3", SWM
        LD80    x80_msnan
        fabs
        R80     "fabs -snan (no #I)", SWM
        fabs
        R80     "fabs empty", SWM
        EMPTY
%macro RND 3
        SETCW   %2
        LD80    %3
        frndint
        R80     %1, SWM
%endmacro
        RND     "frndint 2.5 rn", 0x037f, x80_2p5
        RND     "frndint 3.5 rn", 0x037f, x80_3p5
        RND     "frndint 2.5 rd", 0x077f, x80_2p5
        RND     "frndint 2.5 ru", 0x0b7f, x80_2p5
        RND     "frndint -2.5 rz", 0x0f7f, x80_m2p5
        RND     "frndint 0.25 ru", 0x0b7f, x80_0p25
        RND     "frndint -0.25 rd", 0x077f, x80_m0p25
        RND     "frndint -0.25 rn", 0x037f, x80_m0p25
        RND     "frndint 2^70", 0x037f, x80_2p70
        RND     "frndint pc24 (no pc)", 0x007f, x80_frac
        SETCW   0x037f
        ; fscale: ST0 * 2^trunc(ST1)
%macro SCALE 3
        LD80    %3
        LD80    %2
        fscale
        R80     %1, SWM
        fstp    st0
%endmacro
        SCALE   "fscale 3 by 2.5", x80_3, x80_2p5
        SCALE   "fscale 3 by -2.5", x80_3, x80_m2p5
        SCALE   "fscale 3 by 0.25", x80_3, x80_0p25
        SCALE   "fscale 3 by 2^70", x80_3, x80_2p70
        SCALE   "fscale 1 by -16445", x80_1, x80_m16445
        SCALE   "fscale 0 by +inf", x80_zero, x80_pinf
        SCALE   "fscale 3 by -inf", x80_3, x80_minf
        ; fxtract: ST1 = exponent, ST0 = significand
%macro XTR 2
        LD80    %2
        fxtract
        R80     %1, SWM
        R80     "  exponent", SWM
%endmacro
        XTR     "fxtract 3", x80_3
        XTR     "fxtract -0.25", x80_m0p25
        XTR     "fxtract denormal", x80_denorm
        XTR     "fxtract -0", x80_mzero
        XTR     "fxtract -inf", x80_minf
        ; fprem/fprem1: quotient bits in C0 C3 C1, C2 while partial
%macro PREM 4
        LD80    %3
        LD80    %2
        %4
        R80     %1, SWC
        fstp    st0
%endmacro
        PREM    "fprem 17 rem 5", x80_17, x80_5, fprem
        PREM    "fprem1 17 rem 5", x80_17, x80_5, fprem1
        PREM    "fprem -17 rem 5", x80_m17, x80_5, fprem
        PREM    "fprem1 -17 rem 5", x80_m17, x80_5, fprem1
        PREM    "fprem 39 rem 5", x80_39, x80_5, fprem
        PREM    "fprem1 7.5 rem 5", x80_7p5, x80_5, fprem1
        PREM    "fprem1 12.5 rem 5", x80_12p5, x80_5, fprem1
        PREM    "fprem 0 rem 5", x80_zero, x80_5, fprem
        PREM    "fprem 5 rem 0", x80_5, x80_zero, fprem
        PREM    "fprem inf rem 5", x80_pinf, x80_5, fprem
        PREM    "fprem 3 rem inf", x80_3, x80_pinf, fprem
        ; a huge exponent difference needs several steps (C2 = 1)
        LD80    x80_3
        LD80    x80_2p70
        ; (the number of steps is implementation-specific: not printed)
.prem:  fprem
        fnstsw  ax
        test    ax, 0x0400
        jnz     .prem
        R80     "fprem 2^70 rem 3 (loop until c2=0)", 0x0400
        fstp    st0

        PUTSLN  "done"
        EXIT    0

        bits    32
P80_CODE

        LIBCODE
        bits    16
        LIBCODE
        STD_GDT

        align   16
f32_2:          dd      0x40000000
f32_ninf:       dd      0xff800000
f64_0p5:        dq      0x3fe0000000000000
i16_m3:         dw      -3
i32_2:          dd      2
%macro X80 3
%1:             dq      %3
                dw      %2
%endmacro
        X80     x80_1, 0x3fff, 0x8000000000000000
        X80     x80_2, 0x4000, 0x8000000000000000
        X80     x80_3, 0x4000, 0xc000000000000000
        X80     x80_5, 0x4001, 0xa000000000000000
        X80     x80_17, 0x4003, 0x8800000000000000
        X80     x80_m17, 0xc003, 0x8800000000000000
        X80     x80_39, 0x4004, 0x9c00000000000000
        X80     x80_7p5, 0x4001, 0xf000000000000000
        X80     x80_12p5, 0x4002, 0xc800000000000000
        X80     x80_zero, 0x0000, 0
        X80     x80_mzero, 0x8000, 0
        X80     x80_pinf, 0x7fff, 0x8000000000000000
        X80     x80_minf, 0xffff, 0x8000000000000000
        X80     x80_qnan, 0x7fff, 0xc000000000000000
        X80     x80_snan, 0x7fff, 0xa000000000000000
        X80     x80_msnan, 0xffff, 0xa000000000000000
        X80     x80_unnormal, 0x3fff, 0x4000000000000000
        X80     x80_denorm, 0x0000, 0x0000000000000003
        X80     x80_pseudoden, 0x0000, 0x8000000000000000
        X80     x80_2p5, 0x4000, 0xa000000000000000
        X80     x80_m2p5, 0xc000, 0xa000000000000000
        X80     x80_3p5, 0x4000, 0xe000000000000000
        X80     x80_0p25, 0x3ffd, 0x8000000000000000
        X80     x80_m0p25, 0xbffd, 0x8000000000000000
        X80     x80_2p70, 0x4045, 0x8000000000000000
        X80     x80_m16445, 0xc00d, 0x807a000000000000
        X80     x80_frac, 0x4027, 0x8000000000c00000   ; 2^40 + 1.5
        RESET_VECTOR
