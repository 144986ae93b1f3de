; Virtual-8086 mode without VME (SDM vol. 3 ch. 20): entry with IRETD
; from ring 0 (VM=1 in the image: all nine dwords popped), 8086 segment
; arithmetic at CPL 3, INT n with IOPL 3 through a DPL-3 gate to a ring-0
; handler (GS/FS/DS/ES pushed after SS:ESP and then nulled; IRETD back
; restores them), exceptions from virtual-8086 mode (no gate DPL check),
; the I/O permission bitmap (IN/OUT are not IOPL-sensitive there), and
; with IOPL 0: CLI, STI, PUSHF, POPF, INT n and IRET give #GP(0) while
; INT3 checks the gate DPL; INT to a gate whose code is not ring 0 #GP;
; a task switch into virtual-8086 mode and INT n back through a task gate.
%include "lib.inc"

GDT_RAM equ 0x2000
TSS     equ 0x3000              ; 104 bytes, 32 of VME map, I/O bitmap
TSS_V   equ 0x5800              ; the virtual-8086 task
IOMAP   equ 0x88
ESP0    equ 0x7C00
V86SP   equ 0x6000
FRAME   equ 0x500

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

; With IOPL < 3 the library's printing (PUSHFD) faults: RFAULT names the
; test with OUTs only, the ring-0 reporter prints the exception.
%macro RFAULT 2+
        jmp     %%over
%%s:    db      %1, ": ", 0
%%over: mov     si, %%s
        call    rawputs16
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro

; IDT32 vector, handler label, access word
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
        PUTSLN  "v86-basic"
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
        ; TSS: ring-0 stack, redirection map (unused here), I/O bitmap:
        ; every port allowed but 80h
        mov     edi, TSS
        mov     ecx, (IOMAP + 0x2000) / 4
        xor     eax, eax
        rep stosd
        mov     byte [TSS + IOMAP + 0x2000], 0xFF
        mov     byte [TSS + IOMAP + 0x80 / 8], 1
        mov     dword [TSS + 4], ESP0
        mov     dword [TSS + 8], 0x10
        mov     word [TSS + 0x66], IOMAP
        mov     ax, 0x28
        ltr     ax
        ; exceptions: stubs that load a data segment first (DS is null
        ; after an interrupt from virtual-8086 mode)
%assign v 0
%rep 32
        IDT32   v, v86exc_ %+ v, 0x8E00
%assign v v+1
%endrep
        IDT32   0x40, int40, 0xEE00      ; DPL 3
        IDT32   0x41, int41, 0xEE00      ; DPL 3: set IOPL from EBX
        IDT32   0x43, int40, 0x8E00      ; DPL 0
        mov     word [IDT_BASE + 0x44*8 + 2], 0x18   ; DPL 3 gate to ring-3 code
        mov     word [IDT_BASE + 0x44*8 + 4], 0xEE00

        ; ---- into virtual-8086 mode with IRETD ----
        push    dword 0x3456            ; GS
        push    dword 0x2345            ; FS
        push    dword 0                 ; DS
        push    dword 0x1234            ; ES
        push    dword 0                 ; SS
        push    dword V86SP             ; ESP
        push    dword 0x00023002        ; EFLAGS: VM, IOPL 3
        push    dword 0xF000            ; CS
        push    dword v86_code          ; EIP
        iretd

        bits    16
v86_code:
        PUTSLN  "in virtual-8086 mode"
        CHK     16, "cs", cs, 0
        CHK     16, "ss", ss, 0
        CHK     16, "es", es, 0
        CHK     16, "fs", fs, 0
        CHK     16, "gs", gs, 0
        pushf
        pop     ax
        CHK     16, "flags", ax, 0
        mov     ax, 0x1000
        mov     es, ax
        mov     byte [es:0x10], 0x5A     ; linear 10010
        mov     al, [0]                 ; (DS=0)
        mov     bl, [es:0x10]
        CHK     8, "es=1000: [es:10]", bl, 0
        CHK     8, "  [ds:10010 & ffff] (no segment wrap to it)", [0x10], 0
        mov     ax, 0x1234
        mov     es, ax

        int     0x40
.i40:   PUTSLN  "back from int 40h"
        CHK     16, "es", es, 0
        CHK     16, "fs", fs, 0
        CHK     16, "gs", gs, 0
        PUTS    "int 40h frame: "
        mov     eax, [FRAME]
        sub     eax, .i40
        PHEX    32, eax
%assign k 4
%rep 8
        PUTS    " "
        PHEX    32, [FRAME + k]
%assign k k+4
%endrep
        NL
        CHK     32, "int 40h: esp0 - esp", [FRAME + 36], 0
        CHK     16, "int 40h: handler es", [FRAME + 40], 0
        CHK     16, "int 40h: handler ds", [FRAME + 42], 0
        CHK     16, "int 40h: handler fs", [FRAME + 44], 0
        CHK     16, "int 40h: handler gs", [FRAME + 46], 0

        FAULT   "ud2", ud2
        FAULT   "int 43h (gate dpl 0)", int 0x43
        FAULT   "int 44h (gate to ring-3 code)", int 0x44
        cli
        sti
        pushf
        popf
        PUTSLN  "iopl 3: cli sti pushf popf ok"
        FAULT   "in al,80h (bitmap)", in al, 0x80
        FAULT   "in ax,7fh (bitmap)", in ax, 0x7f
        in      al, 0x81
        PUTSLN  "in al,81h ok"
        ; a real-mode style far call and iret inside virtual-8086 mode
        pushf
        push    cs
        push    .after_iret
        iret
.after_iret:
        PUTSLN  "iret at iopl 3 ok"
        FAULT   "mov eax, cr0", mov eax, cr0
        FAULT   "hlt", hlt
        FAULT   "lidt", lidt [0x500]

        ; ---- IOPL 0 ----
        xor     ebx, ebx
        int     0x41
        RFAULT  "iopl 0: cli", cli
        RFAULT  "sti", sti
        RFAULT  "pushf", pushf
        RFAULT  "popf", popf
        RFAULT  "int 40h", int 0x40
        RFAULT  "iret", iret
        RFAULT  "int3 (gate dpl 0)", int3
        RFAULT  "ud2", ud2
        RFAULT  "in al,80h", in al, 0x80
        ; leave: #UD to a ring-0 gate that stays there
        mov     dword [IDT_BASE + 6*8], (0x08 << 16) | ((ROM + leave_v86 - $$) & 0xFFFF)
        mov     word [IDT_BASE + 6*8 + 6], (ROM + leave_v86 - $$) >> 16
        ud2

v86_task:                               ; entered by a task switch
        PUTSLN  "in virtual-8086 mode by a task switch"
        CHK     16, "  cs", cs, 0
        CHK     16, "  es", es, 0
        CHK     16, "  fs", fs, 0
        pushf
        pop     ax
        CHK     16, "  flags", ax, 0
        int     0x46

rawputs16:                              ; CS:SI, no PUSHF
        cs lodsb
        test    al, al
        jz      .d
        out     DBG, al
        jmp     rawputs16
.d:     ret

        bits    32
leave_v86:
        add     esp, 36                 ; the whole frame from virtual-8086 mode
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        PUTSLN  "back in ring 0"
        mov     eax, ESP0
        sub     eax, esp
        CHK     32, "esp0 - esp", eax, 0

        ; ---- a task switch into virtual-8086 mode (VM in the TSS) ----
        mov     edi, TSS_V
        mov     ecx, 0x90 / 4
        xor     eax, eax
        rep stosd
        mov     byte [TSS_V + 0x68 + 32], 0xFF       ; ports 0-FF allowed
        mov     word [TSS_V + 0x66], 0x68
        mov     dword [TSS_V + 0x20], v86_task       ; EIP
        mov     dword [TSS_V + 0x24], 0x00023002     ; VM, IOPL 3
        mov     dword [TSS_V + 0x38], V86SP          ; ESP
        mov     dword [TSS_V + 0x4c], 0xF000         ; CS
        mov     dword [TSS_V + 0x48], 0x2222         ; ES
        mov     dword [TSS_V + 0x58], 0x3333         ; FS
        mov     dword [TSS_V + 0x04], ESP0           ; ESP0, SS0
        mov     dword [TSS_V + 0x08], 0x10
        mov     dword [IDT_BASE + 0x46*8], 0x28 << 16        ; task gate
        mov     dword [IDT_BASE + 0x46*8 + 4], 0xE500        ; DPL 3
        jmp     0x30:0
        PUTSLN  "back in the first task (int 46h through a task gate)"
        CHK     16, "  back-link", [TSS], 0
        PFLAGS  "  nt", 0x4000
        mov     eax, [TSS_V + 0x24]
        and     eax, 0x20000
        CHK     32, "  v86 task's saved eflags.vm", eax, 0
        pushfd
        and     dword [esp], ~0x4000
        popfd
        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

int40:                                  ; from virtual-8086 mode, 32-bit gate
        mov     [ss:FRAME + 40], es     ; nulled by the CPU
        mov     [ss:FRAME + 42], ds
        mov     [ss:FRAME + 44], fs
        mov     [ss:FRAME + 46], gs
        push    eax
        mov     ax, 0x10
        mov     ds, ax
        pop     eax
        ; FRAME: EIP CS EFLAGS ESP SS ES DS FS GS, esp0-esp, es:ds, gs:fs
        push    esi
        push    edi
        push    ecx
        push    es
        mov     cx, 0x10
        mov     es, cx
        lea     esi, [esp + 16]
        mov     edi, FRAME
        mov     ecx, 9
        ss rep movsd
        pop     es
        pop     ecx
        pop     edi
        pop     esi
        mov     eax, ESP0
        sub     eax, esp
        mov     [FRAME + 36], eax
        iretd

int41:                                  ; EFLAGS.IOPL of the caller := BL
        push    eax
        mov     eax, [esp + 12]
        and     eax, ~0x3000
        movzx   ebx, bl
        shl     ebx, 12
        or      eax, ebx
        mov     [esp + 12], eax
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
        DESC    TSS_V, 0x88, 0x89, 0             ; 30 TSS32 of the v86 task
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
