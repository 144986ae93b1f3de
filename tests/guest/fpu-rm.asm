; x87 in real mode: 16-bit addressing and segment overrides, the real-mode
; FNSTENV/FLDENV/FNSAVE/FRSTOR images (20-bit linear instruction and data
; pointers, 16- and 32-bit operand size), #MF (vector 16) and #NM (vector
; 7) through the IVT, #GP for an operand that runs past offset FFFF (a
; store that faults writes nothing), and FCOMIP driving a branch.
; Expected output: the SDM, identical on Bochs 2.7 but for the #GP of the
; 10-byte store at FFF8 (Bochs wraps its last word to offset 0).  QEMU 7.2
; records no FOP and checks no segment limits here.
%include "lib.inc"
%define FPU_RM
%include "fpu.inc"

T80     equ 0x3000
SWB     equ 0x3010
CWB     equ 0x3012
MEM     equ 0x3020
IMG     equ 0x3100
SWM     equ 0xBAFF

%macro PSWB 1
        push    eax
        PUTS    " sw="
        mov     ax, [SWB]
        and     ax, %1
        call    hex16_16
        NL
        pop     eax
%endmacro

%macro SETCW 1
        mov     word [CWB], %1
        fldcw   [CWB]
%endmacro

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
        PUTSLN  "no fault"
%%r:
%endmacro

%macro DUMP 3
        PUTS    %1, ": "
        pushad
        mov     esi, %2
        mov     ecx, %3
        call    dump16
        popad
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "fpu-rm"
        SET_IVT 7, nm_handler
        SET_IVT 13, gp_handler
        SET_IVT 16, mf_handler
        mov     eax, cr0
        or      eax, 0x20               ; NE
        and     eax, ~0x0e
        mov     cr0, eax
        fninit

        ; ---- 16-bit addressing, overrides ----
        mov     bx, MEM
        mov     si, 4
        mov     dword [bx], 0x3fc00000          ; 1.5f
        mov     dword [bx+si], 0x40200000       ; 2.5f
        fld     dword [bx]
        fmul    dword [bx+si]
        R80     "1.5*2.5 via [bx],[bx+si]", SWM
        fld     qword [cs:f64_third]
        fstp    qword [bx+8]
        fld     qword [bx+8]
        fild    word [cs:i16_3]
        fmulp
        R80     "third*3 via cs:", SWM
        mov     ax, 0x2000
        mov     es, ax
        mov     dword [es:0x10], 0xc0490fdb     ; -pi as float
        fld     dword [es:0x10]
        R80     "fld es:[10]", SWM

        ; ---- real-mode images: pointers are linear (seg*16 + off) ----
        fld1
        fldz
lastop: fadd    dword [es:0x10]                 ; FOP d8 /0, FDP 20010
        fnstenv [IMG]
        mov     ax, [IMG + 6]
        sub     ax, lastop
        CHK     16, "fnstenv o16: ip[15:0] - lastop", ax, 0
        mov     word [IMG + 6], 0
        DUMP    "  image", IMG, 14
        o32 fnstenv [IMG]
        mov     ax, [IMG + 12]
        sub     ax, lastop
        CHK     16, "fnstenv o32: ip[15:0] - lastop", ax, 0
        mov     word [IMG + 12], 0
        DUMP    "  image", IMG, 28
        fldcw   [IMG]                   ; FNSTENV masked all: undo it
        ; FLDENV of a hand-made image: the pointers come back linear
        mov     word [IMG], 0x037f
        mov     word [IMG + 2], 0x3000  ; TOP 6
        mov     word [IMG + 4], 0x0fff  ; R7, R6 valid
        mov     word [IMG + 6], 0x4321  ; ip 54321
        mov     word [IMG + 8], 0x5123  ; ip[19:16] = 5, fop 123
        mov     word [IMG + 10], 0x8765 ; dp 98765
        mov     word [IMG + 12], 0x9000
        fldenv  [IMG]
        fnstenv [IMG + 0x20]
        DUMP    "fldenv/fnstenv o16", IMG + 0x20, 14
        o32 fnstenv [IMG + 0x40]
        DUMP    "  as o32", IMG + 0x40, 28
        fninit
        ; FNSAVE/FRSTOR, 16-bit real layout (94 bytes)
        fld     qword [cs:f64_third]
        fld1
        fnsave  [IMG]
        mov     word [IMG + 6], 0       ; pointers into the ROM: layout-
        mov     word [IMG + 8], 0       ; dependent (checked above)
        mov     word [IMG + 10], 0
        DUMP    "fnsave o16 env", IMG, 14
        DUMP    "  st0 st1", IMG + 14, 20
        fnstsw  ax
        CHK     16, "fsw after fnsave", ax, 0
        frstor  [IMG]
        R80     "frstor: st0", SWM
        R80     "  st1", SWM

        ; ---- #MF through vector 16, #NM through vector 7 ----
        SETCW   0x037b
        fld1
        fldz
        fdivp                           ; unmasked #Z, pending
        FAULT   "fld1 with #Z pending", fld1
        fnclex
        fninit
        mov     eax, cr0
        or      al, 0x04                ; EM
        mov     cr0, eax
        FAULT   "em: fldz", fldz
        and     al, ~0x04
        mov     cr0, eax

        ; ---- #GP: an operand past offset FFFF (SDM: any part outside
        ; 0-FFFFh; Bochs instead wraps the last word of the 10-byte store
        ; to offset 0, and QEMU does not check at all) ----
        FAULT   "fld qword [fffc]", fld qword [0xfffc]
        fld1
        mov     dword [0xfff8], 0x11111111
        mov     dword [0xfffc], 0x22222222
        FAULT   "fstp tword [fff8]", fstp tword [0xfff8]
        PHEX    32, [0xfffc]
        PHEX    32, [0xfff8]
        PUTSLN  " = memory kept"
        R80     "  st0 kept", SWM
        FAULT   "fnsave [ffb0]", fnsave [0xffb0]
        fnstcw  [CWB]
        PHEX    16, [CWB]
        PUTSLN  " = fcw kept (no fninit)"
        fninit

        ; ---- FCOMIP and a branch ----
        fld1
        fldpi
        fcomip  st0, st1
        ja      .gt
        PUTSLN  "fcomip: pi <= 1 ?!"
        jmp     .cmpd
.gt:    PUTSLN  "fcomip: pi > 1"
.cmpd:  fstp    st0
        fnstsw  ax
        CHK     16, "fsw at the end", ax, 0

        PUTSLN  "done"
        EXIT    0

p80:    push    eax
        mov     ax, [T80+8]
        call    hex16_16
        mov     al, ':'
        out     DBG, al
        mov     eax, [T80+4]
        call    hex32_16
        mov     eax, [T80]
        call    hex32_16
        pop     eax
        ret

        RM_EXC_HANDLER nm_handler, "07"
        RM_EXC_HANDLER gp_handler, "0d"
        RM_EXC_HANDLER mf_handler, "10"
        LIBCODE

f64_third:      dq      0x3fd5555555555555
i16_3:          dw      3
        RESET_VECTOR
