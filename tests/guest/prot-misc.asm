; Protection-related instructions: LAR and LSL (which descriptor types
; they accept, the masked rights and the byte-granular limit, ZF=0 for
; null, out-of-table or invisible selectors, conforming code visible from
; any level), VERR/VERW, SYSENTER/SYSEXIT (flat segments from
; IA32_SYSENTER_CS, #GP with a null CS or at CPL 3), LMSW (cannot clear
; PE), SMSW, CLTS, ARPL, MOV CR/DR checks (#UD for CR1, #GP at CPL 3, a
; reserved CR4 bit), RDTSC with CR4.TSD, RETF/IRET to an inner level,
; INT n through a DPL-0 gate from ring 3, POPFD at CPL 3 with IOPL 0 (IF
; and IOPL kept), and #SS for a not-present stack segment.
%include "lib.inc"

GDT_RAM equ 0x2000
TSS     equ 0x3000
LDT     equ 0x3800
ESP0    equ 0x7C00
ESP3    equ 0x6C00
SYSESP  equ 0x7800

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
%macro DESC 4
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      %3
        db      (((%2) >> 16) & 0x0F) | ((%4) << 4)
        db      ((%1) >> 24) & 0xFF
%endmacro
%macro GATE 4
        dw      (%1) & 0xFFFF
        dw      %2
        db      %4, %3
        dw      (%1) >> 16
%endmacro
%define R(l) (ROM + (l) - $$)

; LARX "name", selector: LAR r32 and ZF
%macro LARX 2                   ; bits 19:16 are undefined (SDM): masked
        mov     eax, 0xdeadbeef
        mov     bx, %2
        lar     eax, bx
        pushfd
        and     eax, 0xfff0ffff
        popfd
        CHK     32, %1, eax, FL_Z
%endmacro
%macro LSLX 2
        mov     eax, 0xdeadbeef
        mov     bx, %2
        lsl     eax, bx
        CHK     32, %1, eax, FL_Z
%endmacro
%macro VERX 3                   ; "name", verr|verw, selector
        mov     bx, %3
        %2      bx
        PFLAGS  %1, FL_Z
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "prot-misc"
        SET_IVT 6, rm_ud
        mov     ax, 0x10
        FAULT   "lar in real mode", lar ax, ax
        PMODE_ENTER
        call    exc32_install
        mov     dword [EXC_COUNT], 0
        mov     esi, ROM + gdt_tmpl
        mov     edi, GDT_RAM
        mov     ecx, (gdt_tmpl_end - gdt_tmpl) / 4
        rep movsd
        lgdt    [cs:ROM + gdtr_ram]
        jmp     0x08:ROM + .reload
.reload:
        mov     edi, TSS
        mov     ecx, 0x68 / 4
        xor     eax, eax
        rep stosd
        mov     dword [TSS + 4], ESP0
        mov     dword [TSS + 8], 0x10
        mov     word [TSS + 0x66], 0x68
        mov     ax, 0x28
        ltr     ax
        mov     ax, 0x50
        lldt    ax
        mov     dword [LDT + 8], 0x0000FFFF     ; data dpl 3 in the LDT
        mov     dword [LDT + 12], 0x00CFF300
        pushfd
        or      dword [esp], 0x3000
        popfd

        ; ---- LAR / LSL ----
        LARX    "lar 08 code", 0x08
        LARX    "lar 10 data", 0x10
        LARX    "lar 28 tss (busy)", 0x28
        LARX    "lar 50 ldt", 0x50
        LARX    "lar 30 call gate", 0x30
        LARX    "lar 58 interrupt gate", 0x58
        LARX    "lar 0 null", 0
        LARX    "lar 0f ldt entry 8", 0x0F
        LARX    "lar 1000 beyond the gdt", 0x1000
        LARX    "lar 13 (rpl 3, dpl 0)", 0x13
        mov     eax, 0xdeadbeef
        mov     bx, 0x08
        o16 lar ax, bx
        CHK     32, "lar ax, 08", eax, FL_Z
        LSLX    "lsl 10 (4 KiB granular)", 0x10
        LSLX    "lsl 28 tss", 0x28
        LSLX    "lsl 50 ldt", 0x50
        LSLX    "lsl 30 call gate", 0x30
        LSLX    "lsl 60 not present", 0x60
        mov     eax, 0xdeadbeef
        mov     bx, 0x10
        o16 lsl ax, bx
        CHK     32, "lsl ax, 10", eax, FL_Z
        VERX    "verr 08 code", verr, 0x08
        VERX    "verr 38 execute-only", verr, 0x38
        VERX    "verr 40 read-only data", verr, 0x40
        VERX    "verw 40 read-only data", verw, 0x40
        VERX    "verw 10 data", verw, 0x10
        VERX    "verw 08 code", verw, 0x08
        VERX    "verr 28 tss", verr, 0x28
        VERX    "verr 0", verr, 0

        ; ---- LMSW / SMSW / CLTS / ARPL ----
        mov     eax, cr0
        or      eax, 8
        mov     cr0, eax
        clts
        smsw    eax
        and     eax, 0xf
        CHK     32, "clts: smsw & f", eax, 0
        mov     ax, 0x000e              ; MP EM TS, PE 0
        lmsw    ax
        smsw    eax
        and     eax, 0xf
        CHK     32, "lmsw 0e: msw & f (pe stays)", eax, 0
        mov     ax, 1
        lmsw    ax
        smsw    ax
        CHK     16, "lmsw 1", ax, 0
        mov     ax, 0x08
        mov     bx, 0x0B
        arpl    ax, bx
        CHK     16, "arpl 08, 0b", ax, FL_Z
        arpl    ax, bx
        CHK     16, "arpl 0b, 0b", ax, FL_Z

        ; ---- MOV CR / DR ----
        FAULT   "mov eax, cr1", db 0x0f, 0x20, 0xc8
        mov     eax, cr4
        or      eax, 0x8000             ; reserved
        FAULT   "cr4 bit 15", mov cr4, eax
        mov     ax, 0x60
        FAULT   "mov ss, not present", mov ss, ax

        ; ---- SYSENTER / SYSEXIT ----
        xor     edx, edx
        mov     ecx, 0x174
        xor     eax, eax
        wrmsr                           ; SYSENTER_CS = 0
        FAULT   "sysenter with cs 0", sysenter
        mov     eax, 0x08
        wrmsr
        mov     ecx, 0x175
        mov     eax, SYSESP
        wrmsr
        mov     ecx, 0x176
        mov     eax, R(sys_entry)
        wrmsr
        mov     ecx, 0x174
        rdmsr
        CHK     32, "sysenter_cs", eax, 0

        ; ---- ring 3 ----
        push    dword 0x23
        push    dword ESP3
        push    dword 0x1B
        push    dword R(ring3)
        retf
ring3:
        mov     ax, 0x23
        mov     ds, ax
        mov     es, ax
        PUTSLN  "ring 3"
        LARX    "lar 10 (dpl 0) at cpl 3", 0x10
        LARX    "lar 48 (conforming) at cpl 3", 0x48
        LARX    "lar 23", 0x23
        LARX    "lar 0f (ldt, dpl 3)", 0x0F
        VERX    "verr 10 at cpl 3", verr, 0x10
        VERX    "verr 48 conforming at cpl 3", verr, 0x48
        VERX    "verw 23 at cpl 3", verw, 0x23
        FAULT   "mov eax, cr0", mov eax, cr0
        FAULT   "mov eax, cr1 (#UD first)", db 0x0f, 0x20, 0xc8
        FAULT   "mov eax, dr7", mov eax, dr7
        FAULT   "sysexit", sysexit
        FAULT   "clts", clts
        FAULT   "lmsw", lmsw ax
        smsw    ax
        PUTSLN  "smsw at cpl 3: ok"
        FAULT   "int 40h (gate dpl 0)", int 0x40
        push    dword 0x08
        push    dword R(ring3)
        FAULT   "retf to ring 0", retf
        add     esp, 8
        pushfd
        push    dword 0x08
        push    dword R(ring3)
        FAULT   "iretd to ring 0", iretd
        add     esp, 12
        ; POPFD at CPL 3, IOPL 3 -> 0 is not allowed: IOPL stays
        pushfd
        and     dword [esp], ~0x3000
        popfd
        pushfd
        pop     eax
        and     eax, 0x3000
        CHK     32, "popfd at cpl 3: iopl", eax, 0
        rdtsc
        PUTSLN  "rdtsc at cpl 3, cr4.tsd=0: ok"
        mov     ecx, 0x11111111
        mov     edx, R(ring3.back)
        sysenter
.back:  PUTSLN  "back in ring 3 by sysexit"
        CHK     16, "cs", cs, 0
        CHK     16, "ss", ss, 0
        mov     ebx, esp
        CHK     32, "esp", ebx, 0
        CHK     32, "ecx, edx kept by sysenter", dword [0x540], 0
        call    0x33:0                  ; back to ring 0

kernel:
        add     esp, 16
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     eax, cr4
        or      eax, 4                  ; TSD
        mov     cr4, eax
        rdtsc
        PUTSLN  "rdtsc at cpl 0, cr4.tsd=1: ok"
        push    dword 0x23
        push    dword ESP3
        push    dword 0x1B
        push    dword R(ring3_tsd)
        retf
ring3_tsd:
        mov     ax, 0x23
        mov     ds, ax
        mov     es, ax
        FAULT   "rdtsc at cpl 3, cr4.tsd=1", rdtsc
        call    0x6B:0
kernel2:
        add     esp, 16
        mov     ax, 0x10
        mov     ds, ax
        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

sys_entry:                              ; ring 0 from SYSENTER
        mov     [0x540], ecx
        mov     ax, cs
        shl     eax, 16
        mov     ax, ss
        CHK     32, "sysenter: cs:ss", eax, 0
        mov     ebx, esp
        CHK     32, "  esp", ebx, 0
        pushfd
        pop     eax
        and     eax, 0x20200
        CHK     32, "  eflags & (vm|if)", eax, 0
        mov     ecx, ESP3 - 0x100
        sysexit

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        RM_EXC_HANDLER rm_ud, "06"
        STD_GDT

        align   8
gdt_tmpl:
        dq      0
        DESC    0, 0xFFFFF, 0x9B, 0xC            ; 08 code32 dpl0
        DESC    0, 0xFFFFF, 0x93, 0xC            ; 10 data32 dpl0
        DESC    0, 0xFFFFF, 0xFB, 0xC            ; 18 code32 dpl3
        DESC    0, 0xFFFFF, 0xF3, 0xC            ; 20 data32 dpl3
        DESC    TSS, 0x67, 0x89, 0               ; 28 TSS32
        GATE    R(kernel), 0x08, 0xEC, 0         ; 30 call gate -> ring 0
        DESC    0, 0xFFFFF, 0x99, 0xC            ; 38 code32 execute-only
        DESC    0, 0xFFFFF, 0x91, 0xC            ; 40 data read-only
        DESC    0, 0xFFFFF, 0x9F, 0xC            ; 48 code32 conforming
        DESC    LDT, 0x0F, 0x82, 0               ; 50 LDT
        GATE    R(kernel), 0x08, 0x8E, 0         ; 58 interrupt gate (in the GDT)
        DESC    0, 0xFFFFF, 0x13, 0xC            ; 60 data not present
        GATE    R(kernel2), 0x08, 0xEC, 0        ; 68 call gate -> ring 0
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
