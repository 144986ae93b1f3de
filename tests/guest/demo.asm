; tandem's demo guest: a short banner on the debug port (0xE9) and on COM1
; (a 16550A at 0x3F8, polled), then CPUID, a RAM probe and test, and the
; switch to 32-bit protected mode.  Run it with
;     ./tandem -bios build/guest/demo.bin -nographic \
;         -device isa-debug-exit,iobase=0xf4,iosize=0x04
%include "lib.inc"

COM1    equ 0x3F8
TEST_LO equ 0x200000    ; memory test window: 2 MiB..3 MiB
TEST_HI equ 0x300000

; SAY "text": to both the debug port and COM1 ("\n" becomes CRLF on COM1)
%macro SAY 1+
        jmp     %%over
%%s:    db      %1, 0
%%over:
%if __?BITS?__ == 32
        push    esi
        mov     esi, ROM + %%s
        call    say32
        pop     esi
%else
        push    si
        mov     si, %%s
        call    say16
        pop     si
%endif
%endmacro
%macro SAYLN 1+
        SAY     %1, 10
%endmacro

; the output routines, once per code width
%macro SAYCODE 0
%define W __?BITS?__
; al to both ports
sayc%[W]:
        push    edx
        push    eax
        out     DBG, al
        cmp     al, 10
        jne     %%one
        mov     al, 13
        call    %%ser
        mov     al, 10
%%one:  call    %%ser
        pop     eax
        pop     edx
        ret
%%ser:  push    eax
        mov     dx, COM1 + 5
%%wait: in      al, dx          ; LSR bit 5: THR empty
        test    al, 0x20
        jz      %%wait
        pop     eax
        mov     dx, COM1
        out     dx, al
        ret
; CS:[E]SI, NUL-terminated
say%[W]:
        pushfd
        push    eax
        push    esi
        cld
%%l:    cs lodsb
        test    al, al
        jz      %%d
        call    sayc%[W]
        jmp     %%l
%%d:    pop     esi
        pop     eax
        popfd
        ret
; eax as unsigned decimal
saydec%[W]:
        pushad
        mov     ebx, 10
        xor     ecx, ecx
%%dv:   xor     edx, edx
        div     ebx
        push    edx
        inc     ecx
        test    eax, eax
        jnz     %%dv
%%pr:   pop     eax
        add     al, '0'
        call    sayc%[W]
        loop    %%pr
        popad
        ret
; the low CL hex digits of eax (CL = 1..8)
sayhex%[W]:
        pushad
        movzx   ecx, cl
        push    ecx
        neg     ecx
        add     ecx, 8
        shl     ecx, 2
        rol     eax, cl         ; first digit to print at the top
        pop     ecx
%%h:    rol     eax, 4
        push    eax
        and     al, 0x0f
        add     al, '0'
        cmp     al, '9'
        jbe     %%o
        add     al, 'a' - '0' - 10
%%o:    call    sayc%[W]
        pop     eax
        loop    %%h
        popad
        ret
%undef W
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        ; COM1: 115200 baud 8N1, FIFOs on, DTR/RTS
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al
        mov     dx, COM1
        mov     al, 1
        out     dx, al
        inc     dx
        mov     al, 0
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al
        mov     dx, COM1 + 2
        mov     al, 0x07
        out     dx, al
        mov     dx, COM1 + 4
        mov     al, 0x03
        out     dx, al
        mov     dx, COM1 + 1
        mov     al, 0
        out     dx, al

        SAYLN   "+--------------------------------------------------+"
        SAYLN   "|  tandem demo guest                               |"
        SAYLN   "|  one PC board, two engines: interp and kvm       |"
        SAYLN   "+--------------------------------------------------+"
        SAY     "real mode: cs="
        mov     ax, cs
        mov     cl, 4
        call    sayhex16
        SAYLN   ", the image's last 64 KiB at 0xf0000"

        ; CPUID
        xor     eax, eax
        cpuid
        mov     [0x500], ebx
        mov     [0x504], edx
        mov     [0x508], ecx
        mov     byte [0x50c], 0
        SAY     "cpu: "
        mov     si, 0x500
.v:     lodsb
        test    al, al
        jz      .vd
        call    sayc16
        jmp     .v
.vd:    mov     eax, 1
        cpuid
        mov     ebx, eax
        SAY     ", family "
        mov     eax, ebx
        shr     eax, 8
        and     eax, 0x0f
        call    saydec16
        SAY     " model "
        mov     eax, ebx
        shr     eax, 4
        and     eax, 0x0f
        call    saydec16
        SAY     " stepping "
        mov     eax, ebx
        and     eax, 0x0f
        call    saydec16
        SAYLN   ""
        SAY     "cpu features:"
        test    edx, 1 << 4
        jz      .f1
        SAY     " tsc"
.f1:    test    edx, 1 << 8
        jz      .f2
        SAY     " cx8"
.f2:    test    edx, 1 << 15
        jz      .f3
        SAY     " cmov"
.f3:    SAYLN   ""

        SAYLN   "switching to 32-bit protected mode..."
        PMODE_ENTER
        mov     eax, cr0
        SAY     "protected mode: cr0.pe="
        and     eax, 1
        call    saydec32
        SAY     ", cs="
        mov     ax, cs
        mov     cl, 4
        call    sayhex32
        SAYLN   ", flat 4 GiB segments"

        ; RAM size: probe each MiB until a write does not stick
        mov     ebx, 0x100000
.probe: mov     eax, ebx
        xor     eax, 0x5aa5c33c
        mov     [ebx], eax
        cmp     [ebx], eax
        jne     .pdone
        add     ebx, 0x100000
        cmp     ebx, 0x40000000          ; stop at 1 GiB
        jb      .probe
.pdone: SAY     "ram: "
        mov     eax, ebx
        shr     eax, 20
        call    saydec32
        SAYLN   " MiB"

        ; memory test over 2..4 MiB: address-dependent pattern
        SAY     "memory test 0x"
        mov     eax, TEST_LO
        mov     cl, 8
        call    sayhex32
        SAY     "-0x"
        mov     eax, TEST_HI - 1
        call    sayhex32
        SAY     ": "
        mov     edi, TEST_LO
.w:     mov     eax, edi
        imul    eax, eax, 0x9e3779b1
        mov     [edi], eax
        add     edi, 4
        cmp     edi, TEST_HI
        jb      .w
        mov     esi, TEST_LO
.r:     mov     eax, esi
        imul    eax, eax, 0x9e3779b1
        cmp     [esi], eax
        jne     .bad
        add     esi, 4
        cmp     esi, TEST_HI
        jb      .r
        SAYLN   "ok"
        jmp     .bye
.bad:   SAY     "FAILED at 0x"
        mov     eax, esi
        mov     cl, 8
        call    sayhex32
        SAYLN   ""
        EXIT    1
.bye:   SAYLN   "bye!"
        EXIT    0

        SAYCODE
        LIBCODE
        bits    16
        SAYCODE
        LIBCODE
        STD_GDT
        RESET_VECTOR
