; 32-bit protected-mode exceptions through the IDT: #DE, #UD, #GP with its
; error code (selector beyond the GDT limit, an LDT selector with no LDT,
; an execute-only segment into DS, a read-only one or null into SS, a
; data segment as CS, int through a gate beyond the IDT limit), #NP (not
; present segment, not present gate).  The handler prints vector, error
; code and EIP relative to the faulting label (0: a fault), then resumes.
%include "lib.inc"

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "pm-exc"
        PMODE_ENTER
        call    exc32_install
        mov     dword [EXC_COUNT], 0

        mov     eax, 0x1234
        xor     ecx, ecx
        FAULT   "div by 0", div ecx
        mov     eax, 0x80
        xor     edx, edx
        mov     cl, 0
        FAULT   "div8 by 0", div cl
        mov     eax, 0
        mov     edx, 1
        mov     ecx, 1
        FAULT   "div overflow", div ecx
        FAULT   "ud2", ud2
        FAULT   "0f ff", db 0x0f, 0xff
        FAULT   "mov eax,cr1", db 0x0f, 0x20, 0xc8
        ; C5 with mod=11: LDS with a register, or VEX on an AVX CPU; #UD
        ; either way here (no AVX in CPUID, CR4.OSXSAVE=0)
        FAULT   "lds reg", db 0xc5, 0xc0

        mov     ax, 0x80
        FAULT   "mov ds,80 (beyond gdt)", mov ds, ax
        mov     ax, ds
        CHK     16, "ds kept", ax, 0
        mov     ax, 0x0c
        FAULT   "mov ds,0c (ldt, none)", mov ds, ax
        mov     ax, 0x30
        FAULT   "mov ds,30 (execute-only)", mov ds, ax
        mov     ax, 0x38
        FAULT   "mov ss,38 (read-only)", mov ss, ax
        xor     ax, ax
        FAULT   "mov ss,0 (null)", mov ss, ax
        mov     ax, 0x40
        FAULT   "mov es,40 (not present)", mov es, ax
        FAULT   "jmp 10:x (data as code)", jmp 0x10:ROM + start
        ; read-only data and null are fine in DS/ES
        mov     ax, 0x38
        mov     es, ax
        xor     ax, ax
        mov     fs, ax
        mov     ax, 0x10
        mov     es, ax
        mov     fs, ax
        PUTSLN  "ro/null into es/fs: no fault"

        ; a gate that is not present, then a vector beyond the IDT limit
        SET_GATE 0x50, ROM + start, 0x0E00
        FAULT   "int 50h (gate not present)", int 0x50
        lidt    [cs:ROM + small_idtr]
        FAULT   "int 40h (beyond idt limit)", int 0x40
        lidt    [cs:ROM + idtr32]
        CHK     32, "exceptions", dword [EXC_COUNT], 0

        PUTSLN  "done"
        EXIT    0

small_idtr:
        dw      0x40*8 - 1
        dd      IDT_BASE

        EXC32_CODE
        LIBCODE
        bits    16
        LIBCODE
        STD_GDT
        RESET_VECTOR
