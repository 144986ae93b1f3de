; SSE/SSE2 floating-point results (MXCSR at its default: all exceptions
; masked, round to nearest; the flags are sse-mxcsr's subject): add, sub,
; mul, div, min, max, sqrt in packed/scalar single/double, register and
; memory forms; x86 NaN rules (the first operand's NaN wins, SNaN quieted,
; the negative indefinite QNaN for invalid operations, MIN/MAX return the
; source for NaNs and for +0/-0); scalar forms keep the upper lanes; the
; eight CMPPS predicates; COMISS/UCOMISS/COMISD/UCOMISD flags; every CVT*
; conversion (ties to even, the integer indefinite 0x80000000, NaN
; payloads across float/double); RCPPS/RSQRTPS special values and their
; error bound.  QEMU 7.2 and Bochs 2.7 agree on every line.
%include "lib.inc"

SCR     equ     0x3000

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

; FOP "name", a, b, insn: xmm0 = [a], xmm1 = [b], insn, print xmm0
%macro FOP 4+
        movdqa  xmm0, [ROM + %2]
        movdqa  xmm1, [ROM + %3]
        %4
        PX      %1, xmm0
%endmacro

; FOPS op: the packed/scalar single and double forms, reg and memory
%macro FOPS 1
%defstr FOPS_N %1
%strcat FOPS_PS FOPS_N, "ps"
%strcat FOPS_PSM FOPS_N, "ps m"
%strcat FOPS_SS FOPS_N, "ss"
%strcat FOPS_SSM FOPS_N, "ss m"
%strcat FOPS_PD FOPS_N, "pd"
%strcat FOPS_PDM FOPS_N, "pd m"
%strcat FOPS_SD FOPS_N, "sd"
%strcat FOPS_SDM FOPS_N, "sd m"
        FOP     FOPS_PS, fa, fb, %1ps xmm0, xmm1
        FOP     FOPS_PSM, fc, fd, %1ps xmm0, [ROM + fd]
        FOP     FOPS_SS, fb, fa, %1ss xmm0, xmm1
        FOP     FOPS_SSM, fa, fa, %1ss xmm0, [ROM + fb]
        FOP     FOPS_PD, dbla, dblb, %1pd xmm0, xmm1
        FOP     FOPS_PDM, dblc, dbld, %1pd xmm0, [ROM + dbld]
        FOP     FOPS_SD, dblb, dbla, %1sd xmm0, xmm1
        FOP     FOPS_SDM, dbla, dbla, %1sd xmm0, [ROM + dblb]
%endmacro

; CMPF "name", insn, a, b: flags of a compare (all six arithmetic flags
; are defined: OF SF AF cleared)
%macro CMPF 4
        movdqu  xmm0, [ROM + %3]
        movdqu  xmm1, [ROM + %4]
        SETF    0x8d7
        %2      xmm0, xmm1
        PFLAGS  %1, F_ARITH
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "sse-fp"
        PMODE_ENTER
        call    exc32_install
        mov     eax, cr4
        or      eax, 0x600              ; OSFXSR | OSXMMEXCPT
        mov     cr4, eax

        FOPS    add
        FOPS    sub
        FOPS    mul
        FOPS    div
        FOPS    min
        FOPS    max
        FOP     "sqrtps", fa, fa, sqrtps xmm0, xmm0
        FOP     "sqrtps m", fa, fa, sqrtps xmm0, [ROM + fc]
        FOP     "sqrtss", fa, fb, sqrtss xmm0, xmm1
        FOP     "sqrtpd", dbla, dbla, sqrtpd xmm0, xmm0
        FOP     "sqrtpd m", dbla, dbla, sqrtpd xmm0, [ROM + dbld]
        FOP     "sqrtsd", dblb, dbla, sqrtsd xmm0, xmm1

        ; the eight predicates: 1 vs 1, QNaN vs 1, 1 vs 2, 2 vs 1
        FOP     "cmpeqps", fe, ff, cmpeqps xmm0, xmm1
        FOP     "cmpltps", fe, ff, cmpltps xmm0, xmm1
        FOP     "cmpleps", fe, ff, cmpleps xmm0, xmm1
        FOP     "cmpunordps", fe, ff, cmpunordps xmm0, xmm1
        FOP     "cmpneqps", fe, ff, cmpneqps xmm0, xmm1
        FOP     "cmpnltps", fe, ff, cmpnltps xmm0, xmm1
        FOP     "cmpnleps", fe, ff, cmpnleps xmm0, xmm1
        FOP     "cmpordps m", fe, ff, cmpordps xmm0, [ROM + ff]
        FOP     "cmpltss", fe, ff, cmpltss xmm0, xmm1
        FOP     "cmplepd", dbla, dblb, cmplepd xmm0, xmm1
        FOP     "cmpunordsd m", dblc, dbld, cmpunordsd xmm0, [ROM + dblc]
        FOP     "cmpneqsd", dblc, dbld, cmpneqsd xmm0, xmm1

        CMPF    "comiss 1,3", comiss, fb + 4, fb
        CMPF    "comiss 3,1", comiss, fb, fb + 4
        CMPF    "ucomiss 3,3", ucomiss, fb, fb
        CMPF    "comiss +0,-0", comiss, fc, fc + 4
        CMPF    "ucomiss qnan,1", ucomiss, fe + 4, fe
        CMPF    "comisd 1.5,3", comisd, dbla, dblb
        CMPF    "ucomisd -0,+0", ucomisd, dbld, dblc
        CMPF    "comisd -inf,1.5", comisd, dbla + 8, dbla
        CMPF    "ucomisd qnan,-0", ucomisd, dblc + 8, dbld

        ; conversions
        FOP     "cvtpi2ps", fa, fa, cvtpi2ps xmm0, [ROM + ia]
        movq    mm0, [ROM + ia + 8]
        FOP     "cvtpi2ps mm", fa, fa, cvtpi2ps xmm0, mm0
        FOP     "cvtpi2pd", fa, fa, cvtpi2pd xmm0, [ROM + ia]
        mov     eax, 0x7fffffff
        FOP     "cvtsi2ss", fa, fa, cvtsi2ss xmm0, eax
        FOP     "cvtsi2ss m", fa, fa, cvtsi2ss xmm0, [ROM + ia + 4]
        FOP     "cvtsi2sd", fa, fa, cvtsi2sd xmm0, eax
        FOP     "cvtdq2ps", fa, fa, cvtdq2ps xmm0, [ROM + ia]
        FOP     "cvtdq2pd", fa, fa, cvtdq2pd xmm0, [ROM + ia + 8]
        FOP     "cvtps2pd", fa, fg, cvtps2pd xmm0, xmm1
        FOP     "cvtps2pd m", fa, fa, cvtps2pd xmm0, [ROM + fg + 8]
        FOP     "cvtpd2ps", fa, dblg, cvtpd2ps xmm0, xmm1
        FOP     "cvtpd2ps m", fa, fa, cvtpd2ps xmm0, [ROM + dblh]
        FOP     "cvtss2sd", fa, fg, cvtss2sd xmm0, xmm1
        FOP     "cvtsd2ss", fa, dblh, cvtsd2ss xmm0, xmm1
        FOP     "cvtps2dq", fa, fh, cvtps2dq xmm0, xmm1
        FOP     "cvttps2dq", fa, fh, cvttps2dq xmm0, xmm1
        FOP     "cvtpd2dq", fa, dbli, cvtpd2dq xmm0, xmm1
        FOP     "cvttpd2dq", fa, dbli, cvttpd2dq xmm0, xmm1
        FOP     "cvtpd2dq m", fa, fa, cvtpd2dq xmm0, [ROM + dblj]
        FOP     "cvttpd2dq m", fa, fa, cvttpd2dq xmm0, [ROM + dblj]
        movdqa  xmm1, [ROM + fh]
        cvtps2pi mm1, xmm1
        movq    [SCR], mm1
        CHK     32, "cvtps2pi hi", dword [SCR+4], 0
        CHK     32, "cvtps2pi lo", dword [SCR], 0
        cvttps2pi mm1, [ROM + fh + 8]
        movq    [SCR], mm1
        CHK     32, "cvttps2pi m hi", dword [SCR+4], 0
        CHK     32, "cvttps2pi m lo", dword [SCR], 0
        cvtpd2pi mm1, [ROM + dbli]
        movq    [SCR], mm1
        CHK     32, "cvtpd2pi m hi", dword [SCR+4], 0
        CHK     32, "cvtpd2pi m lo", dword [SCR], 0
        movdqa  xmm1, [ROM + dblj]
        cvttpd2pi mm1, xmm1
        movq    [SCR], mm1
        CHK     32, "cvttpd2pi hi", dword [SCR+4], 0
        CHK     32, "cvttpd2pi lo", dword [SCR], 0
        emms
        movdqa  xmm1, [ROM + fh]
        cvtss2si eax, xmm1
        CHK     32, "cvtss2si 2.5", eax, 0
        cvttss2si eax, [ROM + fh + 4]
        CHK     32, "cvttss2si -3.5", eax, 0
        cvtss2si eax, [ROM + fh + 8]
        CHK     32, "cvtss2si 3e9", eax, 0
        cvtss2si eax, [ROM + fe + 4]
        CHK     32, "cvtss2si qnan", eax, 0
        movdqa  xmm1, [ROM + dbli]
        cvtsd2si eax, xmm1
        CHK     32, "cvtsd2si", eax, 0
        cvttsd2si eax, [ROM + dbli + 8]
        CHK     32, "cvttsd2si", eax, 0
        cvtsd2si eax, [ROM + dblj]
        CHK     32, "cvtsd2si 2^31-.5", eax, 0
        cvttsd2si eax, [ROM + dblj + 8]
        CHK     32, "cvttsd2si -2^31-.5", eax, 0

        ; estimates: exact special values, and the error bound for 3.0
        FOP     "rcpps", fa, fc, rcpps xmm0, xmm1
        FOP     "rsqrtps", fa, fk, rsqrtps xmm0, xmm1
        FOP     "rcpss m", fa, fa, rcpss xmm0, [ROM + fc + 8]
        movss   xmm0, [ROM + fb]        ; 3.0
        rcpss   xmm1, xmm0
        mulss   xmm1, xmm0              ; ~1
        subss   xmm1, [ROM + fb + 4]    ; ~0
        andps   xmm1, [ROM + absmask]
        cmpltss xmm1, [ROM + bound]
        movmskps eax, xmm1
        and     eax, 1
        CHK     32, "rcpss(3)*3 within 1.5*2^-12 of 1", eax, 0
        rsqrtss xmm1, xmm0
        mulss   xmm1, xmm1
        mulss   xmm1, xmm0              ; ~1
        subss   xmm1, [ROM + fb + 4]
        andps   xmm1, [ROM + absmask]
        cmpltss xmm1, [ROM + bound3]
        movmskps eax, xmm1
        and     eax, 1
        CHK     32, "rsqrtss(3)^2*3 within 3*2^-12 of 1", eax, 0

        PUTSLN  "done"
        EXIT    0

        align   16
fa:     dd      0x3fc00000, 0xc0000000, 0x7f7fffff, 0x7fc00001  ; 1.5 -2 max qnan
fb:     dd      0x40400000, 0x3f800000, 0x40000000, 0x7f800002  ; 3 1 2 snan
fc:     dd      0x00000000, 0x80000000, 0x7f800000, 0xff800000  ; +0 -0 inf -inf
fd:     dd      0x80000000, 0x00000000, 0x7f800000, 0x7f800000  ; -0 +0 inf inf
fe:     dd      0x3f800000, 0x7fc00000, 0x3f800000, 0x40000000  ; 1 qnan 1 2
ff:     dd      0x3f800000, 0x3f800000, 0x40000000, 0x3f800000  ; 1 1 2 1
fg:     dd      0x7f800001, 0xffc00123, 0x00000001, 0x3dcccccd  ; snan -qnan denormal .1
fh:     dd      0x40200000, 0xc0600000, 0x4f32d05e, 0x3f000000  ; 2.5 -3.5 3e9 .5
fk:     dd      0x00000000, 0x80000000, 0x7f800000, 0xbf800000  ; +0 -0 inf -1
dbla:   dq      0x3ff8000000000000, 0xfff0000000000000          ; 1.5 -inf
dblb:   dq      0x4008000000000000, 0x7ff4000000000000          ; 3 snan
dblc:   dq      0x0000000000000000, 0x7ff8000000000001          ; +0 qnan
dbld:   dq      0x8000000000000000, 0x3ff0000000000000          ; -0 1
dblg:   dq      0xfff923456789abcd, 0x7e37e43c8800759c          ; -qnan 1e300
dblh:   dq      0x3fb999999999999a, 0x36a0000000000000          ; .1 2^-149
dbli:   dq      0xc00c000000000000, 0x4059000000000000          ; -3.5 100
dblj:   dq      0x41dfffffffe00000, 0xc1e0000000100000          ; 2^31-.5 -2^31-.5
ia:     dd      0x7fffffff, 0x80000000, 0xfffffffd, 0x00000007
absmask: dd     0x7fffffff, 0, 0, 0
bound:  dd      0x39c00000, 0, 0, 0     ; 1.5 * 2^-12
bound3: dd      0x3a400000, 0, 0, 0     ; 3 * 2^-12: the square doubles it

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
