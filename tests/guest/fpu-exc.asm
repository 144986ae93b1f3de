; x87 exceptions and state images in 32-bit protected mode: #NM from
; CR0.EM/TS (and WAIT with MP+TS), #UD for an undefined escape, unmasked
; exceptions (#I, #Z, #O, #U, #P, #D, #IS) with their responses (operands
; kept, biased exponents, no store) and the #MF they raise at the next
; waiting instruction with CR0.NE=1; no-wait forms (FNSTSW, FNSTENV,
; FNCLEX) that do not fault; FNSTENV/FLDENV/FNSAVE/FRSTOR images in the
; 32- and 16-bit protected-mode layouts with tags, FIP/FCS/FOP/FDP/FDS.
; Expected output: the SDM, identical on Bochs 2.7; the unmasked responses
; (kept operands, biased exponents, no store, FLD of a denormal loading)
; also match an Intel Xeon.  QEMU 7.2 has no #MF here (NE), no FOP/FDP
; images, no unmasked responses and no #UD for FISTTP or LOCK.
%include "lib.inc"
%include "fpu.inc"

T80     equ 0x3000
SWB     equ 0x3010
CWB     equ 0x3012
MEM     equ 0x3020          ; 16 bytes
IMG     equ 0x3100          ; 108-byte save area
IMG2    equ 0x3200
SWM     equ 0xBAFF

; SW "name", mask: FSW (flags not cleared)
%macro SW 2
        fnstsw  [SWB]
        PUTS    %1, ":"
        PSWB    %2
%endmacro

%macro SETCW 1
        mov     word [CWB], %1
        fldcw   [CWB]
%endmacro

%macro LD80 1
        fld     tword [ROM + %1]
%endmacro

; FAULT "name", insn...: run insn expecting an exception, resume after it
%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
        PUTSLN  "no fault"
%%r:
%endmacro

; DUMP "name", addr, bytes
%macro DUMP 3
        PUTS    %1, ": "
        pushad
        mov     esi, %2
        mov     ecx, %3
        call    dump32
        popad
%endmacro

%macro CR0SET 2                 ; CR0 = (CR0 & ~%1) | %2
        mov     eax, cr0
        and     eax, ~(%1)
        or      eax, %2
        mov     cr0, eax
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "fpu-exc"
        PMODE_ENTER
        call    exc32_install
        CR0SET  0x0e, 0x20              ; NE=1, MP=EM=TS=0
        fninit

        ; ---- #NM and #UD ----
        CR0SET  0, 0x04                 ; EM
        FAULT   "em: fld1", fld1
        FAULT   "em: fninit", fninit
        FAULT   "em: d9 d1 (undefined)", db 0xd9, 0xd1
        FAULT   "em: fwait", fwait
        CR0SET  0x04, 0x08              ; TS, MP=0
        FAULT   "ts: fnop", fnop
        FAULT   "ts: fnstsw ax", fnstsw ax
        FAULT   "ts mp=0: fwait", fwait
        CR0SET  0, 0x02                 ; TS, MP
        FAULT   "ts mp=1: fwait", fwait
        clts
        FAULT   "mp after clts: fwait", fwait
        CR0SET  0x02, 0
        FAULT   "d9 d1 (undefined)", db 0xd9, 0xd1
        FAULT   "db e5 (undefined)", db 0xdb, 0xe5
        FAULT   "dd /1 fisttp (no sse3)", db 0xdd, 0x0d, 0, 0x30, 0, 0
        FAULT   "lock fld1", db 0xf0, 0xd9, 0xe8
        FAULT   "db e0 feni (no-op)", db 0xdb, 0xe0
        FAULT   "db e4 fsetpm (no-op)", db 0xdb, 0xe4
        fninit

        ; ---- unmasked #Z: operands kept, ES/B, #MF at the next wait ----
        SETCW   0x037b                  ; ZM = 0
        fld1
        fldz
zdiv:   fdivp                           ; st1 = 1/0: not written
        SW      "1/0 unmasked", 0xffff
        fnstenv [IMG]                   ; no-wait: no fault
        mov     eax, [IMG + 12]
        sub     eax, ROM + zdiv
        CHK     32, "fnstenv: fip - zdiv", eax, 0
        mov     dword [IMG + 12], 0
        DUMP    "  image", IMG, 28
        ; FNSTENV masked everything: ES is clear again; restore and wait
        fldenv  [IMG]
        SW      "fldenv: es back", 0xffff
        FAULT   "fld1 after it", fld1
        fnclex
        R80     "st0 kept", SWM
        R80     "st1 kept", SWM
        ; FNCLEX, FNINIT, FNSTSW do not wait
        fld1
        fldz
        fdivp
        fnstsw  ax
        CHK     16, "fnstsw ax", ax, 0
        fnclex
        fld1
        R80     "after fnclex: no fault", SWM
        fninit

        ; ---- unmasked #I: stack and operands unchanged ----
        SETCW   0x037e                  ; IM = 0
        fld1
        fchs
        fsqrt
        R80     "sqrt(-1) unmasked: kept", SWM
        mov     ecx, 8
.fill:  fld1
        loop    .fill
        fldz                            ; stack overflow, unmasked
        SW      "push on full, unmasked", SWM
        fnclex
        R80     "st0 still 1", SWM
        fninit
        SETCW   0x037e
        faddp                           ; stack underflow, unmasked
        SW      "faddp empty, unmasked", SWM
        fnclex
        fnstsw  ax
        and     ax, 0x3800
        CHK     16, "  top unchanged", ax, 0
        fninit

        ; ---- unmasked #D: FLD loads all the same (Intel, Bochs), an
        ; arithmetic operation is not performed ----
        SETCW   0x037d
        fld     dword [ROM + f32_denorm]
        SW      "fld m32 denormal, unmasked", SWM
        fnclex
        fxam
        SW      "  st0 loaded (normal)", 0x4500
        fld1
        fadd    dword [ROM + f32_denorm]
        R80     "fadd m32 denormal, unmasked: st0 kept", SWM
        fninit

        ; ---- unmasked #O/#U on a register: exponent biased by 24576 ----
        SETCW   0x0367                  ; OM = UM = 0
        LD80    x80_big
        fmul    st0, st0
        R80     "2^10000^2 unmasked #O", SWM
        LD80    x80_tiny
        fmul    st0, st0
        R80     "2^-10000^2 unmasked #U", SWM
        ; ... and on memory: nothing stored, #P not reported, C1 = 0
        mov     dword [MEM], 0x55555555
        LD80    x80_big
        fst     dword [MEM]
        fnstsw  [SWB]
        fnclex
        PHEX    32, [MEM]
        PUTS    " = fst m32 2^10000 unmasked #O"
        PSWB    SWM
        mov     dword [MEM], 0x55555555
        LD80    x80_tiny
        fstp    dword [MEM]
        fnstsw  [SWB]
        fnclex
        PHEX    32, [MEM]
        PUTS    " = fstp m32 2^-10000 unmasked #U"
        PSWB    SWM
        fninit
        ; FSCALE: within reach of the bias, and far beyond it (then the
        ; masked response after all)
        SETCW   0x0367
        fild    dword [ROM + i32_20000]
        fld1
        fscale
        R80     "fscale 1 by 20000 unmasked #O", SWM
        fstp    st0
        fild    dword [ROM + i32_50000]
        fld1
        fscale
        R80     "fscale 1 by 50000 unmasked #O", SWM
        fninit

        ; ---- unmasked #P: the result is delivered, #MF follows ----
        SETCW   0x035f                  ; PM = 0
        fld1
        fidiv   dword [ROM + i32_3]
        SW      "1/3 unmasked #P", SWM
        FAULT   "fxch after it", fxch
        fnclex
        R80     "1/3 delivered", SWM
        ; FLDCW unmasking a flag already set: #MF at the next wait
        fninit
        fld1
        fidiv   dword [ROM + i32_3]      ; PE, masked
        SETCW   0x035f                  ; unmasks it: ES
        SW      "fldcw unmasks pe", 0xff
        FAULT   "fnop", fnop
        ; #NM outranks a pending #MF
        CR0SET  0, 0x08
        FAULT   "ts with es pending: fld1", fld1
        clts
        fninit

        ; ---- FNSTENV/FNSAVE images: tags, pointers, opcode ----
        fld     dword [ROM + f32_inf]   ; ST2 special
        fldz                            ; ST1 zero
        fld1                            ; ST0 valid
        SETCW   0x0f7f
lastop: fmul    dword [ROM + f32_one]    ; FOP d8 /1, FDP, FIP
        fnstenv [IMG]
        mov     eax, [IMG + 12]
        sub     eax, ROM + lastop
        CHK     32, "fnstenv o32: fip - lastop", eax, 0
        mov     eax, [IMG + 20]
        sub     eax, ROM + f32_one
        CHK     32, "  fdp - operand", eax, 0
        mov     dword [IMG + 12], 0     ; layout-dependent: checked above
        mov     dword [IMG + 20], 0
        DUMP    "  image", IMG, 28
        fnstcw  [CWB]
        PHEX    16, [CWB]
        PUTSLN  " = fcw after fnstenv (all masked)"
        o16 fnstenv [IMG2]
        mov     ax, [IMG2 + 6]
        mov     ecx, ROM + lastop
        sub     ax, cx
        CHK     16, "fnstenv o16: fip - lastop", ax, 0
        mov     ax, [IMG2 + 10]
        mov     ecx, ROM + f32_one
        sub     ax, cx
        CHK     16, "  fdp - operand", ax, 0
        mov     word [IMG2 + 6], 0
        mov     word [IMG2 + 10], 0
        DUMP    "  image", IMG2, 14
        ; FNSAVE: environment, registers in stack order, then FNINIT
        fnsave  [IMG]
        mov     dword [IMG + 12], 0     ; pointers: checked above
        mov     dword [IMG + 20], 0
        DUMP    "fnsave env", IMG, 28
        DUMP    "  st0..st2", IMG + 28, 30
        fnstcw  [CWB]
        fnstsw  [SWB]
        PHEX    16, [CWB]
        PUTS    " "
        PHEX    16, [SWB]
        PUTSLN  " = fcw fsw after fnsave"
        ; FRSTOR brings it all back
        frstor  [IMG]
        fnstsw  [SWB]
        fnstenv [IMG2]
        DUMP    "frstor: env", IMG2, 12
        fldenv  [IMG2]
        fxam
        SW      "  st0 fxam", 0x4700
        R80     "  st0", SWM
        R80     "  st1", SWM
        R80     "  st2", SWM
        ; FLDENV with another TOP: the physical registers stay put
        fninit
        fld1
        fldz                            ; R7 = 1, R6 = 0, TOP = 6
        fnstenv [IMG]
        mov     word [IMG + 4], 0x3800  ; TOP = 7
        mov     word [IMG + 8], 0x3fff  ; R7 valid, others empty
        fldenv  [IMG]
        R80     "fldenv top 7: st0", SWM
        fxam
        SW      "  st0 then empty", 0x4500
        fninit
        ; an image with unmasked exception flags: ES set by FLDENV
        fnstenv [IMG]
        mov     word [IMG], 0x037e
        mov     word [IMG + 4], 0x0001
        fldenv  [IMG]
        SW      "fldenv ie unmasked", 0xffff
        FAULT   "fldz", fldz
        fninit
        ; FRSTOR from a hand-made 16-bit image (o16 layout, 94 bytes)
        mov     edi, IMG
        mov     ecx, 94
        xor     eax, eax
        rep stosb
        mov     word [IMG], 0x027f
        mov     word [IMG + 2], 0x3000  ; TOP = 6
        mov     word [IMG + 4], 0x8fff  ; R7 special, R6 valid
        mov     dword [IMG + 14], 0     ; ST0 = 3.0
        mov     dword [IMG + 18], 0xc0000000
        mov     word [IMG + 22], 0x4000
        mov     dword [IMG + 24], 0     ; ST1 = -inf
        mov     dword [IMG + 28], 0x80000000
        mov     word [IMG + 32], 0xffff
        o16 frstor [IMG]
        fnstcw  [CWB]
        PHEX    16, [CWB]
        PUTSLN  " = fcw from o16 frstor"
        R80     "o16 frstor: st0", SWM
        R80     "  st1", SWM

        PUTSLN  "done"
        EXIT    0

        bits    32
P80_CODE

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT

        align   16
f32_denorm:     dd      0x00000001
f32_inf:        dd      0x7f800000
f32_one:        dd      0x3f800000
i32_3:          dd      3
i32_20000:      dd      20000
i32_50000:      dd      50000
x80_big:        dq      0x8000000000000000
                dw      0x670f                  ; 2^10000
x80_tiny:       dq      0x8000000000000000
                dw      0x18ef                  ; 2^-10000
        RESET_VECTOR
