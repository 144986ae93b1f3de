; Debug exceptions (SDM vol. 3 ch. 18): INT3 (#BP, a trap) and ICEBP
; (#DB, a trap that leaves DR6 alone), single-step with TF (the trap
; follows the instruction after the one that set TF; MOV SS holds it for
; one more instruction), instruction breakpoints (a fault before the
; instruction; RF=1 in the image lets it run once, the next pass faults
; again), data breakpoints (a trap after the access: RW=01 writes only,
; RW=11 reads and writes, LEN 1/2/4 with aligned ranges, stack pushes),
; I/O breakpoints with CR4.DE, general detect (DR7.GD: #DB before a MOV
; DR with BD, GD cleared for the handler), DR4/DR5 aliasing and #UD with
; CR4.DE, and the fixed bits of DR6 and DR7.
%include "lib.inc"

DBG_N   equ 0x520               ; #DB count
DBG_DR6 equ 0x524               ; DR6 & e00f at the last #DB
DBG_OFF equ 0x528               ; its EIP - [EXC_LABEL]
DBG_GD  equ 0x52c               ; DR7.GD inside the handler
WATCH   equ 0x540

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
; DBGSHOW "name": what the #DB handler saw since the last DBGSHOW
%macro DBGSHOW 1
        PUTS    %1, ": #db "
        PHEX    8, [DBG_N]
        PUTS    " dr6="
        PHEX    16, [DBG_DR6]
        PUTS    " at +"
        PHEX    32, [DBG_OFF]
        NL
        mov     dword [DBG_N], 0
        mov     dword [DBG_DR6], 0
        mov     dword [DBG_OFF], 0
%endmacro
%define R(l) (ROM + (l) - $$)

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "dbg-basic"
        PMODE_ENTER
        call    exc32_install
        SET_GATE 1, db_handler, 0x8E00
        mov     dword [EXC_COUNT], 0

        ; ---- fixed bits ----
        xor     eax, eax
        mov     dr6, eax
        mov     dr7, eax
        mov     eax, dr6
        CHK     32, "dr6 after writing 0", eax, 0
        mov     eax, dr7
        CHK     32, "dr7 after writing 0", eax, 0
        mov     eax, 0xffffffff
        mov     dr6, eax
        mov     eax, dr6
        CHK     32, "dr6 after writing ffffffff", eax, 0
        xor     eax, eax
        mov     dr6, eax

        ; ---- INT3, ICEBP ----
        FAULT   "int3", int3
        mov     dword [EXC_LABEL], R(.ice)
.ice:   db      0xf1
        DBGSHOW "icebp"

        ; ---- single-step ----
        mov     dword [EXC_LABEL], R(.ss1)
        pushfd
        or      dword [esp], 0x100
        popfd
.ss1:   nop
        nop
        DBGSHOW "tf: after the insn after popfd"
        mov     dword [EXC_LABEL], R(.ss2)
        mov     ax, ss
        pushfd
        or      dword [esp], 0x100
        popfd
.ss2:   mov     ss, ax
        nop
        nop
        DBGSHOW "tf: mov ss holds the trap one insn"
        mov     dword [EXC_LABEL], R(.ss3)
        pushfd                          ; the image POPFD will load: TF=0
        pushfd
        or      dword [esp], 0x100
        popfd
.ss3:   popfd                           ; traps: TF was 1 when it began
        nop
        DBGSHOW "tf: popfd clearing tf"

        ; ---- instruction breakpoints ----
        mov     eax, R(.bp)
        mov     dr0, eax
        mov     eax, 0x00000001         ; L0, RW0=00 LEN0=00
        mov     dr7, eax
        mov     dword [EXC_LABEL], R(.bp)
        mov     ecx, 2
.bp:    nop                             ; faults before, twice
        dec     ecx
        jnz     .bp
        DBGSHOW "dr0 execute (2 passes)"
        xor     eax, eax
        mov     dr7, eax

        ; ---- data breakpoints ----
        mov     eax, WATCH
        mov     dr1, eax
        mov     eax, WATCH + 8
        mov     dr2, eax
        mov     eax, 0x07D0001C         ; L1 G1, RW1=01 LEN1=11; L2, RW2=11 LEN2=01
        mov     dr7, eax
        mov     dword [EXC_LABEL], R(.w1)
.w1:    mov     [WATCH], eax
        nop
        DBGSHOW "dr1 write, mov dword"
        mov     dword [EXC_LABEL], R(.w2)
.w2:    mov     eax, [WATCH]
        DBGSHOW "dr1 write-only, read"
        mov     dword [EXC_LABEL], R(.w3)
.w3:    mov     [WATCH + 3], al
        DBGSHOW "dr1 write, byte at +3"
        mov     dword [EXC_LABEL], R(.w4)
.w4:    mov     [WATCH + 4], eax
        DBGSHOW "dr1 write, dword at +4 (outside)"
        mov     dword [EXC_LABEL], R(.w5)
.w5:    mov     ax, [WATCH + 7]
        DBGSHOW "dr2 rw, word at +7 (overlaps +8)"
        mov     dword [EXC_LABEL], R(.w6)
.w6:    mov     al, [WATCH + 9]
        DBGSHOW "dr2 rw, byte at +9"
        mov     dword [EXC_LABEL], R(.w7)
.w7:    mov     al, [WATCH + 10]
        DBGSHOW "dr2 rw, byte at +10 (outside)"
        mov     dword [EXC_LABEL], R(.w8)
.w8:    add     [WATCH + 8], al         ; one hit for read and write
        DBGSHOW "dr2 rw, add to +8"
        mov     eax, STACK_TOP - 4
        mov     dr1, eax
        mov     dword [EXC_LABEL], R(.w9)
.w9:    push    eax
        pop     eax
        xor     eax, eax                ; before the library pushes again
        mov     dr7, eax
        DBGSHOW "dr1 write, push"

        ; ---- I/O breakpoints (CR4.DE) ----
        mov     eax, cr4
        or      eax, 8
        mov     cr4, eax
        mov     eax, 0x80
        mov     dr3, eax
        mov     eax, 0x20000040         ; L3, RW3=10 (I/O) LEN3=00
        mov     dr7, eax
        mov     dword [EXC_LABEL], R(.io1)
.io1:   out     0x80, al
        DBGSHOW "dr3 i/o, out 80h"
        mov     dword [EXC_LABEL], R(.io2)
.io2:   in      al, 0x81
        DBGSHOW "dr3 i/o, in 81h (outside)"
        mov     dx, 0x7f
        mov     dword [EXC_LABEL], R(.io3)
.io3:   in      ax, dx
        DBGSHOW "dr3 i/o, in ax,dx=7fh (overlaps)"
        xor     eax, eax
        mov     dr7, eax
        FAULT   "cr4.de: mov eax, dr4", mov eax, dr4
        mov     eax, cr4
        and     eax, ~8
        mov     cr4, eax
        mov     eax, 0x00000400 | 0x10
        mov     dr7, eax
        mov     eax, dr5
        CHK     32, "no cr4.de: dr5 reads dr7", eax, 0
        xor     eax, eax
        mov     dr7, eax

        ; ---- general detect ----
        mov     eax, 0x2000
        mov     dr7, eax
        mov     dword [EXC_LABEL], R(.gd)
.gd:    mov     eax, dr0                ; faults, then runs with GD=0
        DBGSHOW "dr7.gd, mov eax,dr0"
        CHK     32, "  gd inside the handler", dword [DBG_GD], 0
        mov     eax, dr7
        CHK     32, "  dr7 after", eax, 0

        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

db_handler:
        push    eax
        mov     eax, dr6
        and     eax, 0xe00f
        mov     [DBG_DR6], eax
        mov     eax, [esp + 4]
        sub     eax, [EXC_LABEL]
        mov     [DBG_OFF], eax
        inc     dword [DBG_N]
        mov     eax, dr7
        and     eax, 0x2000
        mov     [DBG_GD], eax
        xor     eax, eax
        mov     dr6, eax
        and     dword [esp + 12], ~0x100        ; TF off
        or      dword [esp + 12], 0x10000       ; RF: past an instruction bp
        pop     eax
        iretd

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
