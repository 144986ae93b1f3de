; Checks the SDM requires that QEMU's TCG does not make (so this guest's
; reference output comes from the SDM and Bochs): LOCK on an instruction
; that cannot be locked is #UD; a real-mode word access at offset FFFF is
; #GP; in protected mode, segment limits, writes to read-only data and code
; segments, and memory use through a null selector are #GP(0).
%include "lib.inc"

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
; NOFAULT "name", insn: runs it; the handler would print if it faulted
%macro NOFAULT 2+
        PUTS    %1, ": "
        %2
        PUTSLN  "ok"
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "strict"
        SET_IVT 6, rm_ud
        SET_IVT 13, rm_gp
        mov     dword [EXC_COUNT], 0

        FAULT   "rm lock mov", db 0xf0, 0x89, 0xd8           ; lock mov ax, bx
        FAULT   "rm lock add reg,reg", db 0xf0, 0x01, 0xd8   ; lock add ax, bx
        NOFAULT "rm lock add mem,reg", lock add [0x500], ax
        FAULT   "rm word at ffff", mov ax, [0xffff]
        FAULT   "rm dword at fffd", mov eax, [0xfffd]
        NOFAULT "rm dword at fffc", mov eax, [0xfffc]
        NOFAULT "rm byte at ffff", mov al, [0xffff]

        PMODE_ENTER
        call    exc32_install
        FAULT   "pm lock nop", db 0xf0, 0x90
        NOFAULT "pm lock xchg mem (implicit)", lock xchg [0x500], eax
        ; 0x20: data, base 0, limit FFFF (byte granular)
        mov     ax, 0x20
        mov     es, ax
        NOFAULT "es(64K) byte at ffff", mov al, [es:0xffff]
        NOFAULT "es(64K) dword at fffc", mov eax, [es:0xfffc]
        FAULT   "es(64K) dword at fffe", mov eax, [es:0xfffe]
        FAULT   "es(64K) write at 10000", mov byte [es:0x10000], 1
        mov     edi, 0xfff0
        mov     ecx, 0x20
        FAULT   "es(64K) rep stosb past the limit", rep stosb
        CHK     32, "  ecx left", ecx, 0
        CHK     32, "  edi", edi, 0
        ; 0x48: data, base 0x10000, limit FFF
        mov     ax, 0x48
        mov     fs, ax
        mov     dword [0x10ffc], 0xfeedface
        NOFAULT "fs(base 10000, limit fff) dword at ffc", mov ebx, [fs:0xffc]
        CHK     32, "  value", ebx, 0
        FAULT   "fs(limit fff) read at 1000", mov bl, [fs:0x1000]
        ; 0x38: read-only data
        mov     ax, 0x38
        mov     es, ax
        NOFAULT "ro read", mov eax, [es:0x500]
        FAULT   "ro write", mov [es:0x500], eax
        FAULT   "cs write", mov [cs:0x500], eax
        NOFAULT "cs read", mov eax, [cs:0x500]
        ; null selector in DS: loading is fine, using it is not
        xor     ax, ax
        mov     es, ax
        FAULT   "null es read", mov eax, [es:0]
        FAULT   "null es stosb", stosb
        mov     ax, 0x10
        mov     es, ax
        CHK     32, "exceptions", dword [EXC_COUNT], 0

        PUTSLN  "done"
        EXIT    0

        EXC32_CODE
        LIBCODE
        bits    16
        RM_EXC_HANDLER rm_ud, "06"
        RM_EXC_HANDLER rm_gp, "0d"
        LIBCODE
        STD_GDT
        RESET_VECTOR
