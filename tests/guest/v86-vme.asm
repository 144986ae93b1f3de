; Virtual-mode extensions (CR4.VME, CR4.PVI; SDM vol. 3 20.3 and 20.4):
; in virtual-8086 mode with IOPL 0, CLI/STI work on VIF, PUSHF shows
; IOPL 3 and IF=VIF, POPF sets VIF from IF (#GP with TF, or with IF and
; VIP), INT n whose bit in the TSS redirection bitmap is clear goes
; through the 8086 vector table (the handler's IRET puts IF back into
; VIF), a set bit gives #GP; the 32-bit forms stay IOPL-sensitive; STI
; with VIP set gives #GP.  Then PVI: CLI/STI on VIF at CPL 3 in
; protected mode.
%include "lib.inc"

GDT_RAM equ 0x2000
TSS     equ 0x3000
IOMAP   equ 0x88                ; redirection bitmap at 68h-87h
ESP0    equ 0x7C00
V86SP   equ 0x6000
ESP3    equ 0x6800

; printing without PUSHF/PUSHFD (IOPL-sensitive here)
%macro RPUTS 1+
        jmp     %%over
%%s:    db      %1, 0
%%over: mov     si, %%s
        call    rawputs16
%endmacro
; RFLAGS "name": print the image PUSHF gives, masked to IOPL and IF
%macro RFLAGS 1
        RPUTS   %1, ": "
        pushf
        pop     ax
        and     ax, 0x3200
        call    rawhex16
        RPUTS   10
%endmacro
%macro RFAULT 2+
        RPUTS   %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
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
%define R(l) (ROM + (l) - $$)
%macro IDT32 3
        mov     eax, R(%2)
        mov     word [IDT_BASE + (%1)*8], ax
        mov     word [IDT_BASE + (%1)*8 + 2], 0x08
        mov     word [IDT_BASE + (%1)*8 + 4], %3
        shr     eax, 16
        mov     word [IDT_BASE + (%1)*8 + 6], ax
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "v86-vme"
        SET_IVT 0x42, v86_int42
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
        mov     ecx, (IOMAP + 0x2000) / 4
        xor     eax, eax
        rep stosd
        mov     byte [TSS + IOMAP + 0x2000], 0xFF
        ; redirection bitmap: every vector redirected but 43h
        mov     byte [TSS + IOMAP - 32 + 0x43 / 8], 1 << (0x43 & 7)
        mov     dword [TSS + 4], ESP0
        mov     dword [TSS + 8], 0x10
        mov     word [TSS + 0x66], IOMAP
        mov     ax, 0x28
        ltr     ax
%assign v 0
%rep 32
        IDT32   v, v86exc_ %+ v, 0x8E00
%assign v v+1
%endrep
        IDT32   6, set_vip, 0x8E00
        IDT32   0x45, show_flags, 0xEE00
        mov     eax, cr4
        or      eax, 1                  ; VME
        mov     cr4, eax
        PUTSLN  "cr4.vme set"

        push    dword 0
        push    dword 0
        push    dword 0
        push    dword 0
        push    dword 0                 ; SS
        push    dword V86SP
        push    dword 0x00020202        ; VM, IOPL 0, IF 1, VIF 0
        push    dword 0xF000
        push    dword v86_code
        iretd

        bits    16
v86_code:
        RPUTS   "in virtual-8086 mode, iopl 0", 10
        RFLAGS  "pushf (vif 0)"
        sti
        RFLAGS  "after sti"
        cli
        RFLAGS  "after cli"
        push    word 0x0200
        popf
        RFLAGS  "after popf with if=1"
        int     0x42
        RPUTS   "back from int 42h", 10
        RFLAGS  "  flags"
        mov     ax, [0x510]
        and     ax, 0x3200
        RPUTS   "  flags the handler saw on its stack: "
        call    rawhex16
        RPUTS   10
        mov     ax, [0x512]
        and     ax, 0x3200
        RPUTS   "  flags inside the handler: "
        call    rawhex16
        RPUTS   10
        RFAULT  "int 43h (bit set)", int 0x43
        RFAULT  "pushfd", pushfd
        RFAULT  "popfd", popfd
        push    word 0x0100
        RFAULT  "popf with tf", popf
        add     sp, 2
        RFAULT  "iretd", iretd
        cli                             ; VIP with VIF=0: a consistent state
        ud2                             ; the #UD handler sets VIP
        RPUTS   "vip set", 10
        RFAULT  "sti with vip", sti
        push    word 0x0200
        RFAULT  "popf if=1 with vip", popf
        add     sp, 2
        cli
        RFLAGS  "cli with vip"
        mov     byte [0x520], 1         ; the #UD handler now leaves
        ud2

v86_int42:                              ; through the 8086 vector table
        push    bp
        mov     bp, sp
        mov     ax, [bp + 6]            ; FLAGS pushed by INT
        mov     [0x510], ax
        pushf
        pop     ax
        mov     [0x512], ax
        pop     bp
        iret

rawputs16:                              ; CS:SI
        cs lodsb
        test    al, al
        jz      .d
        out     DBG, al
        jmp     rawputs16
.d:     ret
rawhex16:                               ; AX
        mov     cx, 4
.l:     rol     ax, 4
        push    ax
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .o
        add     al, 'a' - '0' - 10
.o:     out     DBG, al
        pop     ax
        loop    .l
        ret

        bits    32
set_vip:                                ; #UD from virtual-8086 mode
        push    eax
        mov     ax, 0x10
        mov     ds, ax
        cmp     byte [0x520], 0
        jne     leave_v86
        or      dword [esp + 12], 0x100000  ; VIP in the saved EFLAGS
        add     dword [esp + 4], 2          ; past UD2
        pop     eax
        iretd

leave_v86:
        add     esp, 40
        mov     ax, 0x10
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        PUTSLN  "back in ring 0"

        ; ---- PVI: protected-mode virtual interrupts at CPL 3 ----
        mov     eax, cr4
        or      eax, 2
        mov     cr4, eax
        push    dword 0x23
        push    dword ESP3
        push    dword 0x00000202        ; IOPL 0, IF 1, VIF 0
        push    dword 0x1B
        push    dword R(ring3)
        iretd
ring3:
        mov     ax, 0x23
        mov     ds, ax
        mov     es, ax
        PUTSLN  "ring 3, iopl 0, cr4.pvi"
        sti
        int     0x45
        cli
        int     0x45
        pushfd
        pop     eax
        and     eax, 0x80200
        CHK     32, "pushfd shows the real IF, not VIF", eax, 0
        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

show_flags:
        push    eax
        mov     eax, [esp + 12]
        and     eax, 0x80200            ; VIF, IF
        CHK     32, "  saved eflags & (vif|if)", eax, 0
        pop     eax
        iretd

%assign v 0
%rep 32
v86exc_ %+ v:
        push    eax
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        pop     eax
        jmp     exc32_stub_ %+ v
%assign v v+1
%endrep

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT

        align   8
gdt_tmpl:
        dq      0
        DESC    0, 0xFFFFF, 0x9B, 0xC            ; 08 code32 dpl0
        DESC    0, 0xFFFFF, 0x93, 0xC            ; 10 data32 dpl0
        DESC    0, 0xFFFFF, 0xFB, 0xC            ; 18 code32 dpl3
        DESC    0, 0xFFFFF, 0xF3, 0xC            ; 20 data32 dpl3
        DESC    TSS, IOMAP + 0x2000, 0x89, 0     ; 28 TSS32
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
