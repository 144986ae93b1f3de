; Hardware task switches (SDM vol. 3 ch. 8): JMP to a TSS, CALL through a
; task gate and IRET back (NT, back-link, busy bits), INT n through a task
; gate, a 16-bit TSS (FS/GS null, no CR3),
; the LDT and CR3 of the new task, CR0.TS, #GP through a task gate with
; its error code on the handler task's stack, #DF through a task gate,
; #TS raised after the commit point (delivered in the new task), the T
; bit (#DB with DR6.BT), and the faults of bad targets: busy TSS, RPL
; above the gate's DPL, TSS limit below 67h (#TS), TSS not present (#NP),
; IRET to a task that is not busy (#TS), LTR of a busy TSS.
%include "lib.inc"

GDT_RAM equ 0x2000
TSS_A   equ 0x3000
TSS_B   equ 0x3100
TSS_C   equ 0x3200              ; 16-bit
TSS_D   equ 0x3300              ; #DF handler
TSS_E   equ 0x3400              ; #GP handler
TSS_X   equ 0x3500              ; limit too small / not present
TSS_BAD equ 0x3600              ; CS is a data segment
TSS_H   equ 0x3700              ; #TS handler
LDT_B   equ 0x3800
TSS_T   equ 0x3900              ; T bit
LDTDATA equ 0x5000
PD_A    equ 0x10000
PT0     equ 0x11000
PT1_A   equ 0x12000
PD_B    equ 0x13000
PT1_B   equ 0x14000

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
%macro TGATE 2                  ; task gate: TSS selector, access byte
        dw      0, %1
        db      0, %2
        dw      0
%endmacro
%define R(l) (ROM + (l) - $$)

; BUSY "name", sel: print the type nibble of a GDT descriptor
%macro BUSY 2
        push    eax
        movzx   eax, byte [GDT_RAM + (%2) + 5]
        and     al, 0x0F
        CHK     8, %1, al, 0
        pop     eax
%endmacro

; IDT_TASK vector, TSS selector: a task gate in the IDT
%macro IDT_TASK 2
        mov     dword [IDT_BASE + (%1)*8], (%2) << 16
        mov     dword [IDT_BASE + (%1)*8 + 4], 0x8500
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "task-switch"
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
        ; the tasks
        mov     edi, TSS_A
        xor     eax, eax
        mov     ebx, STACK_TOP
        call    tss_init
        mov     edi, TSS_B
        mov     eax, R(task_b)
        mov     ebx, 0x7000
        call    tss_init
        mov     dword [TSS_B + 0x28], 0xB0B0B0B0     ; EAX
        mov     dword [TSS_B + 0x34], 0xB1B1B1B1     ; EBX
        mov     word [TSS_B + 0x60], 0x50            ; LDT
        mov     edi, TSS_D
        mov     eax, R(task_d)
        mov     ebx, 0x6c00
        call    tss_init
        mov     edi, TSS_E
        mov     eax, R(task_e)
        mov     ebx, 0x6800
        call    tss_init
        mov     edi, TSS_BAD
        mov     eax, R(task_b)
        mov     ebx, 0x6400
        call    tss_init
        mov     word [TSS_BAD + 0x4c], 0x10          ; CS = data segment
        mov     edi, TSS_H
        mov     eax, R(task_h)
        mov     ebx, 0x6000
        call    tss_init
        mov     edi, TSS_T
        mov     eax, R(task_t)
        mov     ebx, 0x5c00
        call    tss_init
        mov     word [TSS_T + 0x64], 1               ; T
        ; 16-bit TSS C: IP, FLAGS, AX..DI, ES, CS, SS, DS, LDT
        mov     word [TSS_C + 0x0e], task_c
        mov     word [TSS_C + 0x10], 0x0002
        mov     word [TSS_C + 0x12], 0x1234
        mov     word [TSS_C + 0x1a], 0x5800          ; SP
        mov     word [TSS_C + 0x22], 0x10
        mov     word [TSS_C + 0x24], 0x18
        mov     word [TSS_C + 0x26], 0x80            ; 16-bit SS: SP only
        mov     word [TSS_C + 0x28], 0x10
        ; B's LDT: entry 8 = data at LDTDATA
        mov     dword [LDT_B + 8], 0x0000FFFF | (LDTDATA << 16)
        mov     dword [LDT_B + 12], 0x00CF9300
        mov     dword [LDTDATA], 0x1d7da7a
        IDT_TASK 0x50, 0x28
        mov     ax, 0x20
        ltr     ax
        str     ax
        CHK     16, "tr", ax, 0
        BUSY    "A busy after ltr", 0x20

        ; ---- JMP to a TSS ----
        mov     eax, 0xA1A1A1A1
        clts
        jmp     0x28:0
        CHK     32, "back in A by jmp: eax", eax, 0
        BUSY    "  A", 0x20
        BUSY    "  B", 0x28
        CHK     32, "  A's saved eax", [TSS_A + 0x28], 0

        ; ---- CALL through a task gate, IRET back ----
        mov     eax, 0xA2A2A2A2
        call    0x48:0
        CHK     32, "back in A by iret: eax", eax, 0
        PFLAGS  "  A's eflags (nt)", 0x4000
        BUSY    "  A", 0x20
        BUSY    "  B", 0x28
        CHK     16, "  B's back-link", [TSS_B], 0

        ; ---- INT n through a task gate ----
        int     0x50
        PUTSLN  "back in A after int 50h"
        BUSY    "  B", 0x28

        ; ---- bad targets ----
        FAULT   "jmp to A (busy)", jmp 0x20:0
        FAULT   "call gate 48 with rpl 3", call 0x4B:0
        FAULT   "jmp to a TSS with limit 50h", jmp 0x58:0
        FAULT   "jmp to a TSS not present", jmp 0x60:0
        FAULT   "ltr 20 (busy)", ltr [cs:ROM + sel_a]
        mov     word [TSS_A], 0x28                   ; link to B (available)
        pushfd
        or      dword [esp], 0x4000
        popfd
        FAULT   "iret with NT to a task not busy", iretd
        pushfd
        and     dword [esp], ~0x4000
        popfd

        ; ---- a 16-bit TSS ----
        jmp     0x30:0
        PUTSLN  "back in A from the 16-bit task"
        CHK     16, "  C's saved ax", [TSS_C + 0x12], 0
        movzx   eax, word [TSS_C + 0x0e]
        sub     eax, task_c.after
        CHK     32, "  C's saved ip - label", eax, 0
        BUSY    "  C", 0x30

        ; ---- #GP through a task gate ----
        IDT_TASK 13, 0x40
        mov     ax, 0x1234
.gp_at: mov     es, ax
.gp_resume:
        PUTSLN  "back in A after the #GP task"
        BUSY    "  E", 0x40
        SET_GATE 13, exc32_stub_13, 0x8E00

        ; ---- #DF through a task gate: #GP whose gate is not present ----
        IDT_TASK 8, 0x38
        mov     byte [IDT_BASE + 13*8 + 5], 0x0E
        mov     dword [EXC_LABEL], R(.df_at)
        mov     dword [EXC_RESUME], R(.df_resume)
        mov     ax, 0x1234
.df_at: mov     es, ax
.df_resume:
        PUTSLN  "back in A after the #DF task"
        SET_GATE 13, exc32_stub_13, 0x8E00
        mov     dword [EXC_RESUME], 0

        ; ---- CR3 of the new task ----
        call    paging_on
        mov     dword [TSS_A + 0x1c], PD_A
        mov     dword [TSS_B + 0x1c], PD_B
        CHK     32, "A reads 400000", [0x400000], 0
        jmp     0x28:0
        CHK     32, "back in A: 400000", [0x400000], 0
        mov     eax, cr3
        CHK     32, "  cr3", eax, 0
        mov     eax, cr0
        and     eax, 0x7fffffff
        mov     cr0, eax

        ; ---- #TS after the commit point, delivered in the new task ----
        IDT_TASK 10, 0x70
        jmp     0x68:0
        PUTSLN  "back in A after the #TS task"
        BUSY    "  BAD", 0x68
        BUSY    "  H", 0x70
        SET_GATE 10, exc32_stub_10, 0x8E00

        ; ---- the T bit ----
        mov     dword [EXC_LABEL], R(task_t)
        mov     dword [EXC_RESUME], R(task_t)
        jmp     0x78:0
        PUTSLN  "back in A from the T task"

        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

sel_a:  dw      0x20

; tss_init: EDI = TSS, EAX = EIP, EBX = ESP; flat ring-0 segments
tss_init:
        push    eax
        push    edi
        mov     ecx, 0x68 / 4
        xor     eax, eax
        rep stosd
        pop     edi
        pop     eax
        mov     [edi + 0x20], eax
        mov     dword [edi + 0x24], 2
        mov     [edi + 0x38], ebx
        mov     dword [edi + 0x48], 0x10
        mov     dword [edi + 0x4c], 0x08
        mov     dword [edi + 0x50], 0x10
        mov     dword [edi + 0x54], 0x10
        mov     dword [edi + 0x58], 0x10
        mov     dword [edi + 0x5c], 0x10
        mov     word [edi + 0x66], 0x68
        ret

; identity-map 4 MiB; 400000 -> 20000 (A) or 21000 (B)
paging_on:
        mov     edi, PT0
        mov     eax, 3
        mov     ecx, 1024
.pt:    stosd
        add     eax, 0x1000
        loop    .pt
        mov     dword [PD_A], PT0 | 3
        mov     dword [PD_A + 4], PT1_A | 3
        mov     dword [PT1_A], 0x20000 | 3
        mov     dword [PD_B], PT0 | 3
        mov     dword [PD_B + 4], PT1_B | 3
        mov     dword [PT1_B], 0x21000 | 3
        mov     dword [0x20000], 0xAAAA
        mov     dword [0x21000], 0xBBBB
        mov     eax, PD_A
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        ret

; ---- task B: one piece of script per entry ----
task_b:
        PUTSLN  "task B (entered by jmp)"
        CHK     32, "  eax", eax, 0
        CHK     32, "  ebx", ebx, 0
        str     ax
        CHK     16, "  tr", ax, 0
        PFLAGS  "  nt", 0x4000
        smsw    ax
        and     ax, 8
        CHK     16, "  cr0.ts", ax, 0
        BUSY    "  A", 0x20
        BUSY    "  B", 0x28
        sldt    ax
        CHK     16, "  ldtr", ax, 0
        mov     ax, 0x0C
        mov     fs, ax
        CHK     32, "  [fs:0] through the ldt", [fs:0], 0
        mov     eax, 0xB2B2B2B2
        jmp     0x20:0
        PUTSLN  "task B (entered by call)"
        PFLAGS  "  nt", 0x4000
        CHK     16, "  back-link", [TSS_B], 0
        BUSY    "  A", 0x20
        BUSY    "  B", 0x28
        iretd
        PUTSLN  "task B (entered by int 50h)"
        PFLAGS  "  nt", 0x4000
        iretd
        PUTSLN  "task B (entered by jmp, paging on)"
        CHK     32, "  400000", [0x400000], 0
        mov     eax, cr3
        CHK     32, "  cr3", eax, 0
        jmp     0x20:0

; ---- the #GP handler task: error code on its stack ----
task_e:
        pop     eax
        CHK     32, "#GP task: error code", eax, 0
        CHK     16, "  back-link", [TSS_E], 0
        mov     eax, [TSS_A + 0x20]
        sub     eax, R(start.gp_at)
        CHK     32, "  A's saved eip - faulting insn", eax, 0
        mov     dword [TSS_A + 0x20], R(start.gp_resume)
        iretd
        jmp     task_e

; ---- the #DF handler task ----
task_d:
        pop     eax
        CHK     32, "#DF task: error code", eax, 0
        CHK     16, "  back-link", [TSS_D], 0
        mov     eax, [TSS_A + 0x20]
        sub     eax, R(start.df_at)
        CHK     32, "  A's saved eip - faulting insn", eax, 0
        mov     dword [TSS_A + 0x20], R(start.df_resume)
        iretd
        jmp     task_d

; ---- the #TS handler task ----
task_h:
        pop     eax
        CHK     32, "#TS task: error code", eax, 0
        CHK     16, "  back-link", [TSS_H], 0
        mov     eax, [TSS_BAD + 0x20]
        sub     eax, R(task_b)
        CHK     32, "  BAD's saved eip - its entry", eax, 0
        CHK     16, "  BAD's saved cs", [TSS_BAD + 0x4c], 0
        jmp     0x20:0

; ---- the T-bit task: #DB before its first instruction ----
task_t:
        mov     eax, dr6
        and     eax, 0xe00f
        CHK     32, "T task: dr6 & e00f", eax, 0
        jmp     0x20:0

        bits    16
task_c:                                 ; 16-bit code, base F0000
        PUTSLN  "task C (16-bit TSS)"
        ; the upper halves of the registers are undefined (SDM 8.6)
        CHK     16, "  ax", ax, 0
        movzx   esp, sp                 ; the library addresses [esp+n]
        CHK     16, "  sp", sp, 0
        CHK     16, "  fs", fs, 0
        CHK     16, "  gs", gs, 0
        CHK     16, "  cs", cs, 0
        PFLAGS  "  flags", 0xffff
        mov     ax, 0x5555
        jmp     0x20:0
.after:

        bits    32
        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT

        align   8
gdt_tmpl:
        dq      0
        DESC    0, 0xFFFFF, 0x9B, 0xC            ; 08 code32
        DESC    0, 0xFFFFF, 0x93, 0xC            ; 10 data32
        DESC    ROM, 0xFFFF, 0x9B, 0x0           ; 18 code16 base F0000
        DESC    TSS_A, 0x67, 0x89, 0             ; 20 TSS A
        DESC    TSS_B, 0x67, 0x89, 0             ; 28 TSS B
        DESC    TSS_C, 0x2B, 0x81, 0             ; 30 TSS C (16-bit)
        DESC    TSS_D, 0x67, 0x89, 0             ; 38 TSS D (#DF)
        DESC    TSS_E, 0x67, 0x89, 0             ; 40 TSS E (#GP)
        TGATE   0x28, 0x85                       ; 48 task gate -> B
        DESC    LDT_B, 0x0F, 0x82, 0             ; 50 LDT of B
        DESC    TSS_X, 0x50, 0x89, 0             ; 58 TSS, limit 50h
        DESC    TSS_X, 0x67, 0x09, 0             ; 60 TSS not present
        DESC    TSS_BAD, 0x67, 0x89, 0           ; 68 TSS with a data CS
        DESC    TSS_H, 0x67, 0x89, 0             ; 70 TSS H (#TS)
        DESC    TSS_T, 0x67, 0x89, 0             ; 78 TSS T (T bit)
        DESC    0, 0xFFFF, 0x93, 0x0             ; 80 data16
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
