; MXCSR: the sticky exception flags each SSE/SSE2 floating-point operation
; sets with every exception masked (IE for SNaN operands and invalid
; operations, for QNaN only in the signalling compares COMISS/CMPLT/MIN/
; MAX; DE for denormal operands; ZE; OE and UE with PE), the rounding
; control in all four modes (arithmetic, x - x = -0 rounding down,
; conversions both ways, overflow to MAX or infinity), DAZ and FTZ, and
; LDMXCSR/STMXCSR.  Each line: the result, then MXCSR after the operation
; (it starts at 1F80 plus the line's mode bits).
; The expected output follows the SDM (vol. 1 10.2.3, 11.5; vol. 2 per
; instruction) and agrees with Bochs 2.7.  QEMU 7.2 differs on the four
; lines where DE is due: it never sets the denormal-operand flag.
%include "lib.inc"

SCR     equ     0x3000
MXW     equ     0x3100          ; LDMXCSR source

; MX "name", mxcsr, a, b, insn: MXCSR = mxcsr, xmm0 = [a], xmm1 = [b],
; insn; print xmm0's low quadword and MXCSR
%macro MX 5+
        mov     dword [MXW], %2
        ldmxcsr [MXW]
        movdqa  xmm0, [ROM + %3]
        movdqa  xmm1, [ROM + %4]
        %5
        stmxcsr [MXW]
        movdqu  [SCR], xmm0
        PUTS    %1, ": "
        PHEX    32, [SCR+4]
        PHEX    32, [SCR]
        PUTS    " mxcsr="
        PHEX    16, [MXW]
        NL
%endmacro

; MXI "name", mxcsr, a, insn (result in eax): conversions to integers
%macro MXI 4+
        mov     dword [MXW], %2
        ldmxcsr [MXW]
        movdqa  xmm1, [ROM + %3]
        %4
        stmxcsr [MXW]
        PUTS    %1, ": "
        PHEX    32, eax
        PUTS    " mxcsr="
        PHEX    16, [MXW]
        NL
%endmacro

RN      equ     0x1f80
RD      equ     0x3f80
RU      equ     0x5f80
RZ      equ     0x7f80
DAZ     equ     0x0040
FZ      equ     0x8000

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "sse-mxcsr"
        PMODE_ENTER
        call    exc32_install
        mov     eax, cr4
        or      eax, 0x600              ; OSFXSR | OSXMMEXCPT
        mov     cr4, eax

        ; invalid
        MX      "add snan", RN, one, snan, addss xmm0, xmm1
        MX      "add qnan", RN, one, qnan, addss xmm0, xmm1
        MX      "inf-inf", RN, inf, inf, subss xmm0, xmm1
        MX      "0*inf", RN, zero, inf, mulsd xmm0, [ROM + dinf]
        MX      "0/0", RN, zero, zero, divss xmm0, xmm1
        MX      "sqrt -1", RN, mone, mone, sqrtss xmm0, xmm1
        MX      "sqrt -0", RN, mzero, mzero, sqrtss xmm0, xmm1
        MX      "cmpeq qnan", RN, one, qnan, cmpeqss xmm0, xmm1
        MX      "cmplt qnan", RN, one, qnan, cmpltss xmm0, xmm1
        MX      "cmpunord snan", RN, one, snan, cmpunordss xmm0, xmm1
        MX      "min qnan", RN, one, qnan, minss xmm0, xmm1
        MX      "ucomiss qnan", RN, one, qnan, ucomiss xmm0, xmm1
        MX      "comiss qnan", RN, one, qnan, comiss xmm0, xmm1
        MX      "andps snan", RN, snan, snan, andps xmm0, xmm1
        MX      "cvtps2pd snan", RN, snan, snan, cvtps2pd xmm0, xmm1
        ; divide by zero, overflow, underflow, precision
        MX      "1/0", RN, one, zero, divss xmm0, xmm1
        MX      "-1/0", RN, mone, zero, divss xmm0, xmm1
        MX      "denormal/0", RN, denorm, zero, divss xmm0, xmm1
        MX      "max*2", RN, fmax, two, mulss xmm0, xmm1
        MX      "min/2 (exact)", RN, fmin, two, divss xmm0, xmm1
        MX      "(min+ulp)/2", RN, fminu, two, divss xmm0, xmm1
        MX      "min*min", RN, fmin, fmin, mulss xmm0, xmm1
        MX      "1/3", RN, one, three, divss xmm0, xmm1
        MX      "sqrt 2", RN, two, two, sqrtss xmm0, xmm1
        MX      "sticky", RN | 0x21, one, one, addss xmm0, xmm1
        ; denormal operands, DAZ, FTZ
        MX      "denormal*2", RN, denorm, two, mulss xmm0, xmm1
        MX      "denormal*2 daz", RN | DAZ, denorm, two, mulss xmm0, xmm1
        MX      "max(den,0)", RN, denorm, zero, maxss xmm0, xmm1
        MX      "max(den,0) daz", RN | DAZ, denorm, zero, maxss xmm0, xmm1
        MX      "comiss den", RN, denorm, zero, comiss xmm0, xmm1
        MX      "cvtps2pd den", RN, denorm, denorm, cvtps2pd xmm0, xmm1
        MX      "cvtps2pd den daz", RN | DAZ, denorm, denorm, cvtps2pd xmm0, xmm1
        MX      "min/2 ftz", RN | FZ, fmin, two, divss xmm0, xmm1
        MX      "-min/2 ftz", RN | FZ, mfmin, two, divss xmm0, xmm1
        MX      "den*2 daz ftz", RN | DAZ | FZ, denorm, two, mulss xmm0, xmm1
        MX      "cvtsd2ss tiny", RN, dtiny, dtiny, cvtsd2ss xmm0, xmm1
        MX      "cvtsd2ss tiny ftz", RN | FZ, dtiny, dtiny, cvtsd2ss xmm0, xmm1
        ; rounding control
        MX      "1/3 rn", RN, one, three, divss xmm0, xmm1
        MX      "1/3 rd", RD, one, three, divss xmm0, xmm1
        MX      "1/3 ru", RU, one, three, divss xmm0, xmm1
        MX      "1/3 rz", RZ, one, three, divss xmm0, xmm1
        MX      "-1/3 rd", RD, mone, three, divss xmm0, xmm1
        MX      "-1/3 ru", RU, mone, three, divss xmm0, xmm1
        MX      "1/3 pd rd", RD, done, dthree, divpd xmm0, xmm1
        MX      "1/3 pd ru", RU, done, dthree, divpd xmm0, xmm1
        MX      "x-x rn", RN, done, done, subsd xmm0, xmm1
        MX      "x-x rd", RD, done, done, subsd xmm0, xmm1
        MX      "max*2 rd", RD, fmax, two, mulss xmm0, xmm1
        MX      "max*2 rz", RZ, fmax, two, mulss xmm0, xmm1
        MX      "-max*2 ru", RU, mfmax, two, mulss xmm0, xmm1
        MX      "-max*2 rd", RD, mfmax, two, mulss xmm0, xmm1
        MX      "cvtpd2ps 1e300 rz", RZ, d1e300, d1e300, cvtpd2ps xmm0, xmm1
        MX      "cvtpd2ps .1 rd", RD, dtenth, dtenth, cvtsd2ss xmm0, xmm1
        MX      "cvtpd2ps .1 ru", RU, dtenth, dtenth, cvtsd2ss xmm0, xmm1
        mov     ebx, 0x7fffffff
        MX      "cvtsi2ss rn", RN, zero, zero, cvtsi2ss xmm0, ebx
        MX      "cvtsi2ss rd", RD, zero, zero, cvtsi2ss xmm0, ebx
        MX      "cvtsi2ss rz", RZ, zero, zero, cvtsi2ss xmm0, ebx
        MX      "cvtsi2sd (exact)", RZ, zero, zero, cvtsi2sd xmm0, ebx
        MX      "cvtdq2ps rn", RN, ints, ints, cvtdq2ps xmm0, xmm1
        MXI     "cvtss2si 2.5 rn", RN, f25, cvtss2si eax, xmm1
        MXI     "cvtss2si 2.5 rd", RD, f25, cvtss2si eax, xmm1
        MXI     "cvtss2si 2.5 ru", RU, f25, cvtss2si eax, xmm1
        MXI     "cvtss2si 2.5 rz", RZ, f25, cvtss2si eax, xmm1
        MXI     "cvtss2si -3.5 rn", RN, fm35, cvtss2si eax, xmm1
        MXI     "cvtss2si -3.5 rd", RD, fm35, cvtss2si eax, xmm1
        MXI     "cvtss2si -3.5 ru", RU, fm35, cvtss2si eax, xmm1
        MXI     "cvtss2si -3.5 rz", RZ, fm35, cvtss2si eax, xmm1
        MXI     "cvttss2si -3.5 rd", RD, fm35, cvttss2si eax, xmm1
        MXI     "cvtss2si 3.0", RN, three, cvtss2si eax, xmm1
        MXI     "cvtss2si 1e10", RN, f1e10, cvtss2si eax, xmm1
        MXI     "cvtss2si -2^31", RN, fm2p31, cvtss2si eax, xmm1
        MXI     "cvtss2si den", RN, denorm, cvtss2si eax, xmm1
        MXI     "cvtss2si den daz", RN | DAZ, denorm, cvtss2si eax, xmm1
        MXI     "cvtsd2si 2^31-.5 rd", RD, d2p31h, cvtsd2si eax, xmm1
        MXI     "cvtsd2si 2^31-.5 rn", RN, d2p31h, cvtsd2si eax, xmm1
        MXI     "cvttsd2si nan", RN, qnan, cvttsd2si eax, xmm1

        ; LDMXCSR/STMXCSR round trip of every defined bit
        mov     dword [MXW], 0xffff
        ldmxcsr [MXW]
        mov     dword [MXW], 0
        stmxcsr [MXW]
        CHK     32, "stmxcsr after ldmxcsr ffff", dword [MXW], 0
        mov     dword [MXW], 0x1f80
        ldmxcsr [MXW]

        PUTSLN  "done"
        EXIT    0

        align   16
zero:   dd      0x00000000, 0, 0, 0
mzero:  dd      0x80000000, 0, 0, 0
one:    dd      0x3f800000, 0, 0, 0
mone:   dd      0xbf800000, 0, 0, 0
two:    dd      0x40000000, 0, 0, 0
three:  dd      0x40400000, 0, 0, 0
inf:    dd      0x7f800000, 0, 0, 0
qnan:   dd      0x7fc00000, 0x7ff80000, 0, 0
snan:   dd      0x7f800001, 0, 0, 0
denorm: dd      0x00400000, 0, 0, 0
fmax:   dd      0x7f7fffff, 0, 0, 0
mfmax:  dd      0xff7fffff, 0, 0, 0
fmin:   dd      0x00800000, 0, 0, 0
mfmin:  dd      0x80800000, 0, 0, 0
fminu:  dd      0x00800001, 0, 0, 0
f25:    dd      0x40200000, 0, 0, 0
fm35:   dd      0xc0600000, 0, 0, 0
f1e10:  dd      0x501502f9, 0, 0, 0
fm2p31: dd      0xcf000000, 0, 0, 0
ints:   dd      0x01000001, 3, 0, 0
dinf:   dq      0x7ff0000000000000, 0
done:   dq      0x3ff0000000000000, 0x3ff0000000000000
dthree: dq      0x4008000000000000, 0x4008000000000000
d1e300: dq      0x7e37e43c8800759c, 0
dtenth: dq      0x3fb999999999999a, 0
dtiny:  dq      0x3800000000000000, 0        ; 2^-127: a float denormal
d2p31h: dq      0x41dfffffffe00000, 0        ; 2^31 - 0.5

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
