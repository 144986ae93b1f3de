; Real-mode faults through the IVT: #DE (divide by zero, quotient overflow,
; aam 0), #BR (bound out of range) and #UD (ud2, 0F FF, lds with a register
; operand, mov to cs).  The handler prints the vector and where
; the fault happened (pushed IP minus the faulting label: 0 for a fault),
; then resumes after it.
%include "lib.inc"

; FAULT "name", instruction...: arm, run, resume
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
        PUTSLN  "rm-exc"
        SET_IVT 0, de_handler
        SET_IVT 6, ud_handler
        SET_IVT 5, br_handler
        mov     dword [EXC_COUNT], 0

        mov     ax, 0x1234
        mov     bl, 0
        FAULT   "div8 by 0", div bl
        CHK     16, "ax kept", ax, 0
        mov     ax, 0xffff
        mov     bl, 1
        FAULT   "div8 overflow", div bl
        mov     dx, 5
        mov     ax, 0
        mov     cx, 5
        FAULT   "div16 overflow", div cx
        mov     ax, 0x8000
        mov     bl, -1
        FAULT   "idiv8 overflow", idiv bl
        mov     ax, -256
        mov     bl, 2
        idiv    bl
        CHK     16, "idiv8 -256/2 (no fault)", ax, 0
        mov     ax, 256
        mov     bl, -2
        idiv    bl
        CHK     16, "idiv8 256/-2 (no fault)", ax, 0
        mov     ax, 256
        mov     bl, 2
        FAULT   "idiv8 256/2 overflow", idiv bl
        mov     edx, 0x80000000 >> 31
        neg     edx                     ; edx:eax = -2^31
        mov     eax, 0x80000000
        mov     ecx, -1
        FAULT   "idiv32 overflow", idiv ecx
        mov     edx, 0
        mov     eax, 1
        mov     dword [0x520], 0
        FAULT   "div32 mem by 0", div dword [0x520]
        FAULT   "aam 0", aam 0

        ; bound: in range passes, out of range raises #BR (a fault)
        mov     word [0x520], 10
        mov     word [0x522], 20
        mov     ax, 20
        bound   ax, [0x520]
        PUTSLN  "bound 20 in [10,20]: ok"
        mov     ax, 21
        FAULT   "bound 21 in [10,20]", bound ax, [0x520]
        mov     ax, 9
        FAULT   "bound 9 in [10,20]", bound ax, [0x520]
        mov     ax, -5
        mov     word [0x520], -10
        bound   ax, [0x520]
        PUTSLN  "bound -5 in [-10,20]: ok"
        mov     eax, 0x10000
        mov     dword [0x524], 0
        mov     dword [0x528], 0xffff
        FAULT   "bound32 10000 in [0,ffff]", bound eax, [0x524]

        FAULT   "ud2", ud2
        FAULT   "0f ff", db 0x0f, 0xff
        FAULT   "lds reg", db 0xc5, 0xc0
        FAULT   "mov cs,ax", db 0x8e, 0xc8
        CHK     32, "exceptions", dword [EXC_COUNT], 0

        PUTSLN  "done"
        EXIT    0

        RM_EXC_HANDLER de_handler, "00"
        RM_EXC_HANDLER ud_handler, "06"
        RM_EXC_HANDLER br_handler, "05"

        LIBCODE
        RESET_VECTOR
