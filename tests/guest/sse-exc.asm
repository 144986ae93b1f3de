; MMX/SSE/SSE2 exceptions in 32-bit protected mode with paging:
;  - exact memory operand sizes: an m32/m64 operand that ends at the last
;    byte before a not-present page does not fault, one byte more gives
;    #PF (CR2 = the page), and a faulting store writes nothing;
;  - 16-byte alignment: #GP(0) for the aligned forms (MOVAPS, MOVDQA,
;    packed arithmetic with m128, MOVNTPS, FXSAVE/FXRSTOR...), none for
;    MOVUPS/MOVDQU, scalar and 64-bit operands, or MMX;
;  - unmasked SIMD floating-point exceptions: #XM (vector 19) with
;    CR4.OSXMMEXCPT, #UD without; the destination (or EFLAGS, or the
;    integer register) is left alone and MXCSR shows the flags, IE/DE/ZE
;    taking precedence over OE/UE/PE;
;  - CR4.OSFXSR=0: SSE #UD, MMX fine; CR0.TS: #NM; CR0.EM: #UD, but #NM
;    for FXSAVE; LOCK #UD; LDMXCSR/FXRSTOR with reserved MXCSR bits #GP;
;  - CPUID.1:EDX: MMX, FXSR, SSE, SSE2 and CLFSH advertised; CLFLUSH runs
;    (without OSFXSR too: it is not an SSE instruction).
; The expected output follows the SDM and agrees with Bochs 2.7.  QEMU 7.2 differs in many
; places: it reads 64/128 bits for MMX PUNPCKL* m32 and CVTDQ2PD m64 (a
; #PF here), writes half of a page-crossing store before faulting, never
; raises #XM, takes no #GP for misaligned CVTPS2DQ m128 or for reserved
; MXCSR bits in LDMXCSR/FXRSTOR, and no #UD/#NM for EMMS with CR0.EM/TS,
; MOVQ2DQ without OSFXSR or 66 0F 12 /r (MOVHLPS has no 66 form).
%include "lib.inc"

PD      equ     0x20000
PT      equ     0x21000
HOLE    equ     0x50000         ; not-present page
SCR     equ     0x3000
MXW     equ     0x3400

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
; NOFAULT "name", insn: the handler would print if it faulted
%macro NOFAULT 2+
        PUTS    %1, ": "
        %2
        PUTSLN  "ok"
%endmacro
%macro PCR2 0
        push    eax
        mov     eax, cr2
        CHK     32, "  cr2", eax, 0
        pop     eax
%endmacro
%macro SETMX 1
        mov     dword [MXW], %1
        ldmxcsr [MXW]
%endmacro
%macro PMX 0
        stmxcsr [MXW]
        CHK     32, "  mxcsr", dword [MXW], 0
%endmacro
%macro PX0 1
        movdqu  [SCR], %1
        PUTS    "  dst: "
        PHEX    32, [SCR+12]
        PHEX    32, [SCR+8]
        PHEX    32, [SCR+4]
        PHEX    32, [SCR]
        NL
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "sse-exc"
        PMODE_ENTER
        call    exc32_install
        mov     dword [EXC_COUNT], 0
        mov     eax, cr4
        or      eax, 0x600              ; OSFXSR | OSXMMEXCPT
        mov     cr4, eax

        ; CPUID.1:EDX bits 23-26 (MMX FXSR SSE SSE2) and 19 (CLFSH)
        mov     eax, 1
        cpuid
        mov     eax, edx
        shr     eax, 23
        and     eax, 0xf
        CHK     32, "cpuid mmx/fxsr/sse/sse2", eax, 0
        mov     eax, edx
        shr     eax, 19
        and     eax, 1
        CHK     32, "cpuid clfsh", eax, 0

        ; identity paging for 4 MiB, page HOLE not present
        mov     edi, PT
        mov     eax, 3
        mov     ecx, 1024
.pt:    stosd
        add     eax, 0x1000
        loop    .pt
        mov     dword [PT + (HOLE >> 12) * 4], 0
        mov     dword [PD], PT | 3
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        jmp     .pg
.pg:
        mov     dword [HOLE - 8], 0x55667788
        mov     dword [HOLE - 4], 0x11223344
        movdqa  xmm1, [ROM + pattern]

        ; ---- exact operand sizes at a page boundary ----
        NOFAULT "movss m32 at end", movss xmm0, [HOLE - 4]
        PX0     xmm0
        FAULT   "movsd m64 across", movsd xmm0, [HOLE - 4]
        PCR2
        FAULT   "movups m128 across", movups xmm0, [HOLE - 8]
        NOFAULT "movd mm m32 at end", movd mm0, [HOLE - 4]
        FAULT   "movq mm m64 across", movq mm0, [HOLE - 4]
        NOFAULT "punpcklbw mm m32 at end", punpcklbw mm0, [HOLE - 4]
        FAULT   "punpckhbw mm m64 across", punpckhbw mm0, [HOLE - 4]
        NOFAULT "pinsrw m16 at end", pinsrw xmm0, [HOLE - 2], 0
        NOFAULT "comiss m32 at end", comiss xmm0, [HOLE - 4]
        NOFAULT "cvtss2sd m32 at end", cvtss2sd xmm0, [HOLE - 4]
        NOFAULT "cvtps2pd m64 at end", cvtps2pd xmm0, [HOLE - 8]
        FAULT   "cvtps2pd m64 across", cvtps2pd xmm0, [HOLE - 4]
        NOFAULT "cvtdq2pd m64 at end", cvtdq2pd xmm0, [HOLE - 8]
        NOFAULT "movlps m64 at end", movlps xmm0, [HOLE - 8]
        FAULT   "movhps m64 across", movhps xmm0, [HOLE - 4]
        NOFAULT "cvtsi2ss m32 at end", cvtsi2ss xmm0, [HOLE - 4]
        NOFAULT "prefetcht0 not present", prefetcht0 [HOLE]
        FAULT   "movups store across", movups [HOLE - 8], xmm1
        PCR2
        CHK     32, "  not written", dword [HOLE - 8], 0
        FAULT   "movq store across", movq [HOLE - 4], xmm1
        CHK     32, "  not written", dword [HOLE - 4], 0
        NOFAULT "movss store at end", movss [HOLE - 4], xmm1
        CHK     32, "  written", dword [HOLE - 4], 0
        mov     dword [HOLE - 0x100], 0xabababab
        FAULT   "fxsave across", fxsave [HOLE - 0x100]
        emms

        ; ---- 16-byte alignment ----
        FAULT   "movaps misaligned", movaps xmm0, [SCR + 8]
        FAULT   "movapd store misaligned", movapd [SCR + 8], xmm0
        FAULT   "movdqa misaligned", movdqa xmm0, [SCR + 4]
        FAULT   "addps m128 misaligned", addps xmm0, [SCR + 8]
        FAULT   "paddb xmm m128 misaligned", paddb xmm0, [SCR + 1]
        FAULT   "pshufd m128 misaligned", pshufd xmm0, [SCR + 8], 0
        FAULT   "cvtps2dq m128 misaligned", cvtps2dq xmm0, [SCR + 8]
        FAULT   "cmpps m128 misaligned", cmpeqps xmm0, [SCR + 8]
        FAULT   "movntps misaligned", movntps [SCR + 8], xmm0
        FAULT   "movntdq misaligned", movntdq [SCR + 8], xmm0
        FAULT   "fxsave misaligned", fxsave [SCR + 8]
        FAULT   "fxrstor misaligned", fxrstor [SCR + 8]
        NOFAULT "movups misaligned", movups xmm0, [SCR + 1]
        NOFAULT "movdqu store misaligned", movdqu [SCR + 3], xmm0
        NOFAULT "addss m32 misaligned", addss xmm0, [SCR + 1]
        NOFAULT "movsd m64 misaligned", movsd xmm0, [SCR + 4]
        NOFAULT "cvtps2pd m64 misaligned", cvtps2pd xmm0, [SCR + 4]
        NOFAULT "movq mm misaligned", movq mm0, [SCR + 1]
        NOFAULT "paddb mm misaligned", paddb mm0, [SCR + 1]
        emms

        ; ---- unmasked SIMD floating-point exceptions ----
        movdqa  xmm0, [ROM + ones]
        SETMX   0x1d80                  ; ZE unmasked
        FAULT   "divps by 0, ZE unmasked", divps xmm0, [ROM + divisors]
        PX0     xmm0
        PMX
        SETMX   0x1f00                  ; IE unmasked
        movdqa  xmm0, [ROM + ones]
        FAULT   "addps snan + inexact, IE unmasked", addps xmm0, [ROM + snan_tiny]
        PX0     xmm0
        PMX
        SETMX   0x0f80                  ; PE unmasked
        FAULT   "addps inexact, PE unmasked", addps xmm0, [ROM + snan_tiny]
        PMX
        SETMX   0x1780                  ; UE unmasked: an exact tiny result
        movss   xmm2, [ROM + fmin]
        FAULT   "divss min/2, UE unmasked", divss xmm2, [ROM + two]
        PX0     xmm2
        PMX
        SETMX   0x1e80                  ; DE unmasked
        movss   xmm2, [ROM + denorm]
        FAULT   "mulss denormal, DE unmasked", mulss xmm2, [ROM + two]
        PMX
        SETMX   0x1b80                  ; OE unmasked
        movss   xmm2, [ROM + fmax]
        FAULT   "mulss max*2, OE unmasked", mulss xmm2, [ROM + two]
        PX0     xmm2
        PMX
        SETMX   0x1f00
        movss   xmm2, [ROM + ones]
        SETF    0x8d7
        FAULT   "comiss qnan, IE unmasked", comiss xmm2, [ROM + qnan]
        PFLAGS  "  eflags kept", F_ARITH
        PMX
        SETMX   0x1f00
        mov     eax, 0x5a5a5a5a
        FAULT   "cvttss2si 1e10, IE unmasked", cvttss2si eax, [ROM + f1e10]
        CHK     32, "  eax kept", eax, 0
        SETMX   0x003f                  ; all unmasked, all flags already set
        movss   xmm2, [ROM + ones]
        NOFAULT "addss exact, old flags only", addss xmm2, xmm2
        mov     eax, cr4
        and     eax, ~0x400             ; OSXMMEXCPT off: #UD instead
        mov     cr4, eax
        SETMX   0x1d80
        movdqa  xmm0, [ROM + ones]
        FAULT   "divps ZE unmasked, no OSXMMEXCPT", divps xmm0, [ROM + divisors]
        PMX
        SETMX   0x1f80
        FAULT   "ldmxcsr reserved bit", ldmxcsr [ROM + badmx]
        PMX
        fxsave  [0x3800]
        mov     dword [0x3800 + 24], 0x00021f80
        FAULT   "fxrstor reserved mxcsr bit", fxrstor [0x3800]
        PMX

        ; ---- control registers, prefixes, CLFLUSH ----
        mov     eax, cr4
        and     eax, ~0x200             ; OSFXSR off
        mov     cr4, eax
        FAULT   "addps, no OSFXSR", addps xmm0, xmm1
        FAULT   "ldmxcsr, no OSFXSR", ldmxcsr [MXW]
        FAULT   "movq2dq, no OSFXSR", movq2dq xmm0, mm1
        NOFAULT "paddb mm, no OSFXSR", paddb mm0, mm1
        NOFAULT "pavgb mm, no OSFXSR", pavgb mm0, mm1
        NOFAULT "pshufw, no OSFXSR", pshufw mm0, mm1, 0x1b
        NOFAULT "fxsave, no OSFXSR", fxsave [0x3800]
        emms
        mov     eax, cr4
        or      eax, 0x600
        mov     cr4, eax
        mov     eax, cr0
        or      eax, 8                  ; TS
        mov     cr0, eax
        FAULT   "addps, TS", addps xmm0, xmm1
        FAULT   "paddb mm, TS", paddb mm0, mm1
        FAULT   "emms, TS", emms
        FAULT   "fxsave, TS", fxsave [0x3800]
        FAULT   "stmxcsr, TS", stmxcsr [MXW]
        NOFAULT "movnti, TS", movnti [SCR], eax
        NOFAULT "fences and prefetch, TS", lfence
        clts
        mov     eax, cr0
        or      eax, 4                  ; EM
        mov     cr0, eax
        FAULT   "addps, EM", addps xmm0, xmm1
        FAULT   "paddb mm, EM", paddb mm0, mm1
        FAULT   "emms, EM", emms
        FAULT   "fxsave, EM", fxsave [0x3800]
        NOFAULT "sfence, EM", sfence
        mov     eax, cr0
        and     eax, ~4
        mov     cr0, eax
        FAULT   "lock addps", db 0xf0, 0x0f, 0x58, 0xc1
        FAULT   "lock paddb mm", db 0xf0, 0x0f, 0xfc, 0xc1
        FAULT   "movhlps with 66 (no such form)", db 0x66, 0x0f, 0x12, 0xc1
        NOFAULT "clflush", clflush [SCR]
        CHK     32, "exceptions", dword [EXC_COUNT], 0

        PUTSLN  "done"
        EXIT    0

        align   16
pattern: dd     0x99999999, 0x88888888, 0x77777777, 0x66666666
ones:   dd      0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000
divisors: dd    0x40400000, 0x00000000, 0x3f800000, 0x3f800000
snan_tiny: dd   0x7f800001, 0x32000000, 0x3f800000, 0x3f800000  ; snan 2^-27
two:    dd      0x40000000
fmin:   dd      0x00800000
denorm: dd      0x00400000
fmax:   dd      0x7f7fffff
qnan:   dd      0x7fc00000
f1e10:  dd      0x501502f9
badmx:  dd      0x00011f80

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
