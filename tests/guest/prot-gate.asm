; Protection between privilege levels (SDM vol. 3 ch. 5): far RET to an
; outer level (data segments the new CPL may not use become null), call
; gates to inner levels with the stack switch from the TSS and parameter
; copy (32- and 16-bit gates, rings 0, 1 and 2), conforming code (CPL
; kept), RPL/DPL/CPL checks on segment loads and far transfers, the new
; stack's faults with their error codes (#TS, #SS; EXT=1 when a hardware
; exception is being delivered, EXT=0 for INT n), and expand-down stacks
; and data segments with the B bit.
%include "lib.inc"

GDT_RAM equ 0x2000
TSS     equ 0x3000
ESP0    equ 0x7C00
ESP1    equ 0x7400
ESP2    equ 0x7000
ESP3    equ 0x6C00
FRAME   equ 0x500           ; copies of stack frames

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro

; DESC base, limit, access byte, flags (G D/B L AVL as bits 3..0)
%macro DESC 4
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      %3
        db      (((%2) >> 16) & 0x0F) | ((%4) << 4)
        db      ((%1) >> 24) & 0xFF
%endmacro
; GATE offset, selector, access byte, parameter count
%macro GATE 4
        dw      (%1) & 0xFFFF
        dw      %2
        db      %4, %3
        dw      (%1) >> 16
%endmacro
%define R(l) (ROM + (l) - $$)

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "prot-gate"
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
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        ; the TSS: stacks for rings 0-2, no I/O bitmap (IOPL 3 is used)
        mov     edi, TSS
        mov     ecx, 0x68 / 4
        xor     eax, eax
        rep stosd
        mov     dword [TSS + 4], ESP0
        mov     dword [TSS + 8], 0x10
        mov     dword [TSS + 12], ESP1
        mov     dword [TSS + 16], 0x59
        mov     dword [TSS + 20], ESP2
        mov     dword [TSS + 24], 0xCA
        mov     word [TSS + 0x66], 0x68
        mov     ax, 0x28
        ltr     ax
        ; INT 60h: DPL 3 gate to ring-2 code
        mov     eax, R(ring2_int)
        mov     word [IDT_BASE + 0x60*8], ax
        mov     word [IDT_BASE + 0x60*8 + 2], 0xB8
        mov     word [IDT_BASE + 0x60*8 + 4], 0xEE00
        shr     eax, 16
        mov     word [IDT_BASE + 0x60*8 + 6], ax
        pushfd
        or      dword [esp], 0x3000      ; IOPL 3: every ring may print
        popfd

        ; ---- ring 0 -> ring 3 with a far RET ----
        mov     ax, 0x23
        mov     es, ax
        mov     ax, 0x48                 ; conforming readable code, DPL 0
        mov     fs, ax
        mov     ax, 0x58                 ; data, DPL 1
        mov     gs, ax
        push    dword 0x23
        push    dword ESP3
        push    dword 0x1B
        push    dword R(ring3)
        retf

ring3:
        PUTSLN  "far ret to ring 3"
        CHK     16, "cs", cs, 0
        CHK     16, "ss", ss, 0
        mov     ebx, esp
        CHK     32, "esp", ebx, 0
        CHK     16, "ds (dpl 0: null)", ds, 0
        CHK     16, "es (dpl 3: kept)", es, 0
        CHK     16, "fs (conforming: kept)", fs, 0
        CHK     16, "gs (dpl 1: null)", gs, 0
        mov     ax, 0x23
        mov     ds, ax

        ; ---- 32-bit call gate, two parameters ----
        push    dword 0x11111111
        push    dword 0x22222222
        call    0x33:0
.back1: mov     ebx, esp
        CHK     32, "gate32 esp after retf 8", ebx, 0
        PUTS    "gate32 frame: "
        mov     eax, [FRAME]
        sub     eax, R(.back1)
        PHEX    32, eax
%assign k 4
%rep 5
        PUTS    " "
        PHEX    32, [FRAME + k]
%assign k k+4
%endrep
        NL
        CHK     32, "gate32 esp0 - esp", [FRAME + 24], 0
        CHK     32, "gate32 cs:ss", [FRAME + 28], 0

        ; ---- 16-bit call gate, one parameter, from 16-bit ring-3 code ----
        jmp     0x9B:r3_16
.back16:
        PUTS    "gate16 frame: "
        mov     esi, FRAME
        mov     ecx, 10
        call    dump32
        CHK     32, "gate16 esp0 - esp", [FRAME + 12], 0

        ; ---- conforming code: CPL stays 3 ----
        call    0x4B:R(conf_code)
        CHK     32, "conforming cs seen", [FRAME], 0
        call    0xD3:0
        CHK     32, "conforming through a gate, cs seen", [FRAME], 0
        FAULT   "call 08:x (non-conforming dpl 0)", call 0x0B:R(conf_code)
        FAULT   "jmp through a gate to ring 0", jmp 0x33:0

        ; ---- gate and target checks ----
        FAULT   "call gate dpl 0", call 0x73:0
        FAULT   "call gate not present", call 0x7B:0
        FAULT   "call gate to null", call 0x83:0
        FAULT   "call gate to data", call 0x8B:0
        mov     ax, 0x10
        FAULT   "mov ds,10 at cpl 3", mov ds, ax
        mov     ax, 0x5B
        FAULT   "mov ds,5b (dpl 1) at cpl 3", mov ds, ax
        mov     ax, 0x20
        FAULT   "mov ss,20 (rpl 0) at cpl 3", mov ss, ax
        mov     ax, 0x23
        mov     ds, ax

        ; ---- ring 1 and ring 2 through gates ----
        call    0xA3:0
        CHK     32, "ring 1 cs:ss", [FRAME], 0
        CHK     32, "ring 1 esp1 - esp", [FRAME + 4], 0
        call    0xC3:0
        CHK     32, "ring 2 cs:ss", [FRAME], 0
        int     0x60
        CHK     32, "int 60h ring 2 cs:ss", [FRAME], 0
        CHK     32, "int 60h esp2 - esp", [FRAME + 4], 0

        ; ---- bad ring-2 stacks in the TSS ----
        mov     word [TSS + 24], 0
        FAULT   "ss2 null (call)", call 0xC3:0
        FAULT   "ss2 null (int 60h)", int 0x60
        ; a hardware exception whose gate leads to ring 2: EXT=1
        mov     dword [IDT_BASE + 6*8 + 4], 0x8E00
        mov     word [IDT_BASE + 6*8 + 2], 0xB8
        FAULT   "ss2 null (#UD to ring 2)", ud2
        mov     word [TSS + 24], 0xC9
        FAULT   "ss2 rpl 1", call 0xC3:0
        mov     word [TSS + 24], 0x22
        FAULT   "ss2 rpl 2, dpl 3", call 0xC3:0
        mov     word [TSS + 24], 0xBA
        FAULT   "ss2 code", call 0xC3:0
        mov     word [TSS + 24], 0xB2
        FAULT   "ss2 not present", call 0xC3:0
        mov     word [TSS + 24], 0xFA
        FAULT   "ss2 beyond the gdt", call 0xC3:0
        mov     word [TSS + 24], 0x92    ; 16-bit expand-down, limit FFF
        mov     dword [TSS + 20], 0x100C
        FAULT   "ss2 expand-down, 12 bytes of room", call 0xC3:0
        mov     dword [TSS + 20], 0x1010
        call    0xC3:0
        CHK     32, "ss2 expand-down, 16 bytes: cs:ss", [FRAME], 0
        CHK     32, "  esp2 - esp", [FRAME + 4], 0
        mov     word [TSS + 24], 0xCA
        mov     dword [TSS + 20], ESP2
        SET_GATE 6, exc32_stub_6, 0x8E00
        FAULT   "ud2 (to ring 0 again)", ud2

        ; ---- expand-down stacks and data (the faults go to ring 0) ----
        mov     ax, 0x6B                 ; 16-bit, limit FFF: 1000-FFFF
        mov     ss, ax
        mov     esp, 0x1004
        push    dword 1
        mov     ebx, esp
        mov     esp, 0x1800
        CHK     32, "16-bit expand-down: esp after a push", ebx, 0
        PUTS    "16-bit expand-down: push below 1000: "
        EXPECT_FAULT .pf, .pr
        mov     esp, 0x1002
.pf:    push    dword 2
.pr:    mov     ebx, esp
        mov     esp, 0x1800
        CHK     32, "  esp kept", ebx, 0
        mov     esp, 0x12000             ; B=0: SP moves, ESP[31:16] stay
        push    dword 3
        mov     ebx, esp
        CHK     32, "  push at esp 12000", ebx, 0
        mov     ax, 0x63                 ; 32-bit, limit 6FFF: 7000-FFFFFFFF
        mov     ss, ax
        mov     esp, 0x7800
        FAULT   "32-bit expand-down: read at 6fff", mov eax, [ss:0x6fff]
        mov     eax, [ss:0x7000]
        PUTSLN  "32-bit expand-down: read at 7000 ok"
        FAULT   "32-bit expand-down: dword at fffffffe", mov eax, [ss:0xfffffffe]
        mov     ax, 0x23
        mov     ss, ax
        mov     esp, ESP3
        mov     ax, 0x6B
        mov     es, ax
        mov     al, [es:0xffff]
        PUTSLN  "16-bit expand-down data: byte at ffff ok"
        FAULT   "16-bit expand-down data: word at ffff", mov ax, [es:0xffff]
        FAULT   "16-bit expand-down data: byte at 10000", mov al, [es:0x10000]
        FAULT   "16-bit expand-down data: byte at fff", mov al, [es:0xfff]
        mov     ax, 0x23
        mov     es, ax

        ; ---- back to ring 0 through a gate ----
        call    0xAB:0

kernel_again:
        add     esp, 16
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        PUTSLN  "back in ring 0"
        CHK     16, "cs", cs, 0
        mov     eax, ESP0
        sub     eax, esp
        CHK     32, "esp0 - esp", eax, 0
        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

; ---- handlers (ring 0 unless said) ----
gate32:                                  ; 0x33 -> 0x08:gate32, 2 params
        pushad
        mov     esi, esp
        add     esi, 32
        mov     edi, FRAME
        mov     ecx, 6
        rep movsd
        lea     eax, [esp + 32]
        neg     eax
        add     eax, ESP0
        mov     [FRAME + 24], eax
        mov     ax, cs
        shl     eax, 16
        mov     ax, ss
        mov     [FRAME + 28], eax
        popad
        retf    8

conf_code:                               ; conforming, DPL 0
        xor     eax, eax
        mov     ax, cs
        mov     [FRAME], eax
        retf

ring1_code:
        mov     ax, cs
        shl     eax, 16
        mov     ax, ss
        mov     [FRAME], eax
        mov     eax, ESP1
        sub     eax, esp
        mov     [FRAME + 4], eax
        retf

ring2_code:
        mov     ax, cs
        shl     eax, 16
        mov     ax, ss
        mov     [FRAME], eax
        mov     eax, [TSS + 20]
        sub     eax, esp
        mov     [FRAME + 4], eax
        retf

ring2_int:
        mov     ax, cs
        shl     eax, 16
        mov     ax, ss
        mov     [FRAME], eax
        mov     eax, [TSS + 20]
        sub     eax, esp
        mov     [FRAME + 4], eax
        iretd

        bits    16
r3_16:                                   ; ring 3, 16-bit code, base F0000
        push    word 0x3333
        call    0x3B:0
        jmp     dword 0x1B:R(ring3.back16)

gate16:                                  ; 0x3B -> 0x40:gate16 (16-bit, DPL 0)
        mov     esi, esp
        mov     edi, FRAME
        mov     ecx, 10
        a32 rep movsb
        mov     eax, ESP0
        sub     eax, esp
        mov     [FRAME + 12], eax
        o16 retf 2

        bits    32
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
        DESC    TSS, 0x67, 0x89, 0x0             ; 28 TSS32 available
        GATE    R(gate32), 0x08, 0xEC, 2         ; 30 call gate32 dpl3
        GATE    gate16 - $$, 0x40, 0xE4, 1           ; 38 call gate16 dpl3
        DESC    ROM, 0xFFFF, 0x9B, 0x0           ; 40 code16 dpl0 base F0000
        DESC    0, 0xFFFFF, 0x9F, 0xC            ; 48 code32 conforming dpl0
        DESC    0, 0xFFFFF, 0xBB, 0xC            ; 50 code32 dpl1
        DESC    0, 0xFFFFF, 0xB3, 0xC            ; 58 data32 dpl1
        DESC    0, 0x6FFF, 0xF7, 0x4             ; 60 data32 expand-down dpl3 B=1
        DESC    0, 0x0FFF, 0xF7, 0x0             ; 68 data16 expand-down dpl3 B=0
        GATE    R(gate32), 0x08, 0x8C, 0         ; 70 call gate32 dpl0
        GATE    R(gate32), 0x08, 0x6C, 0         ; 78 call gate32 not present
        GATE    R(gate32), 0x00, 0xEC, 0         ; 80 call gate to null
        GATE    R(gate32), 0x10, 0xEC, 0         ; 88 call gate to data
        DESC    0, 0x0FFF, 0xD7, 0x0             ; 90 data16 expand-down dpl2
        DESC    ROM, 0xFFFF, 0xFB, 0x0           ; 98 code16 dpl3 base F0000
        GATE    R(ring1_code), 0x50, 0xEC, 0     ; A0 call gate -> ring 1
        GATE    R(kernel_again), 0x08, 0xEC, 0   ; A8 call gate -> ring 0
        DESC    0, 0xFFFFF, 0x53, 0xC            ; B0 data32 dpl2 not present
        DESC    0, 0xFFFFF, 0xDB, 0xC            ; B8 code32 dpl2
        GATE    R(ring2_code), 0xB8, 0xEC, 0     ; C0 call gate -> ring 2
        DESC    0, 0xFFFFF, 0xD3, 0xC            ; C8 data32 dpl2
        GATE    R(conf_code), 0x48, 0xEC, 0      ; D0 call gate -> conforming
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
