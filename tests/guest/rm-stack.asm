; The stack in real mode: push/pop of registers, memory, immediates and
; segment registers, pusha/popa, pushf/popf, enter/leave (level 0),
; near call/ret and ret imm16, 16- and 32-bit operand sizes.
%include "lib.inc"

; SP_IS "name": print SP as it is here (saved first: printing pushes)
%macro SP_IS 1
        mov     [0x5f0], sp
        PUTS    %1, ": sp="
        PHEX    16, [0x5f0]
        NL
%endmacro

        bits    16
        org     0
start:
        INIT16
        PUTSLN  "rm-stack"
        SP_IS   "initial"

        mov     ax, 0x1111
        push    ax
        push    word 0x2222
        push    byte -3                 ; sign-extended imm8
        mov     word [0x500], 0x4444
        push    word [0x500]
        SP_IS   "after 4 pushes"
        pop     word [0x502]
        pop     bx
        pop     cx
        pop     dx
        CHK     16, "pop mem", word [0x502], 0
        CHK     16, "pop imm8", bx, 0
        CHK     16, "pop imm16", cx, 0
        CHK     16, "pop reg", dx, 0
        SP_IS   "after pops"

        ; push sp pushes the value before the push (286+)
        push    sp
        pop     ax
        CHK     16, "push sp", ax, 0
        ; pop sp: sp gets the popped value
        mov     bp, sp
        push    word 0x7000
        pop     sp
        SP_IS   "pop sp"
        mov     sp, bp

        ; segment registers
        mov     ax, 0x1234
        mov     es, ax
        push    es
        push    cs
        push    ss
        push    ds
        pop     ax
        pop     bx
        pop     cx
        pop     dx
        CHK     16, "push ds", ax, 0
        CHK     16, "push ss", bx, 0
        CHK     16, "push cs", cx, 0
        CHK     16, "push es", dx, 0
        push    word 0x0040
        pop     fs
        CHK     16, "pop fs", fs, 0
        push    word 0
        pop     es

        ; 32-bit pushes in real mode
        push    dword 0x89abcdef
        push    byte -1
        SP_IS   "push dword/word"
        pop     ax
        pop     ebx
        CHK     32, "pop dword", ebx, 0
        o32 push byte -2                ; 6A with 66: pushes a dword
        pop     ecx
        CHK     32, "o32 push imm8", ecx, 0
        push    fs
        o32 push fs                     ; 32-bit push of a segment register
        SP_IS   "push fs 16+32"
        pop     edx
        pop     ax
        ; the upper half of the slot is implementation specific (recent
        ; CPUs write 16 bits, older ones zero-extend): print the low word
        CHK     16, "o32 push fs (low word)", dx, 0
        CHK     16, "push fs", ax, 0

        ; pusha/popa and pushad/popad
        mov     ax, 0xa0a0
        mov     cx, 0xc0c0
        mov     dx, 0xd0d0
        mov     bx, 0xb0b0
        mov     bp, 0xbbbb
        mov     si, 0x5151
        mov     di, 0xd1d1
        pusha
        SP_IS   "pusha"
        mov     bp, sp
        PUTS    "pusha frame:"
        mov     si, 14
.pf:    PUTS    " "
        PHEX    16, [bp+si]
        sub     si, 2
        jnc     .pf
        NL
        mov     word [bp+6], 0x1234     ; the saved SP is ignored by popa
        mov     word [bp+14], 0xaaaa    ; saved AX
        popa
        CHK     16, "popa ax", ax, 0
        CHK     16, "popa di", di, 0
        SP_IS   "popa"
        mov     eax, 0x11223344
        pushad
        SP_IS   "pushad"
        mov     bp, sp
        CHK     32, "pushad eax slot", dword [bp+28], 0
        CHK     32, "pushad esp slot", dword [bp+12], 0
        xor     eax, eax
        popad
        CHK     32, "popad eax", eax, 0

        ; pushf/popf: popf sets the status flags
        SETF    0x08d7
        pushf
        pop     ax
        CHK     16, "pushf (all status)", ax, 0x0fd7
        push    word 0x0002
        popf
        pushf
        pop     ax
        CHK     16, "pushf (none)", ax, 0x0fd7
        pushfd
        pop     eax
        CHK     32, "pushfd", eax, 0x0fd7
        push    dword 0x00000883
        popfd
        PFLAGS  "popfd", 0x0fd7
        SETF    0x0002

        ; enter/leave, nesting level 0
        mov     bp, 0x5555
        SP_IS   "before enter"
        enter   8, 0
        CHK     16, "enter bp", bp, 0
        SP_IS   "after enter 8,0"
        mov     ax, [bp]
        CHK     16, "saved bp", ax, 0
        leave
        CHK     16, "leave bp", bp, 0
        SP_IS   "after leave"
        o32 enter 4, 0
        CHK     32, "o32 enter ebp", ebp, 0
        SP_IS   "after o32 enter 4,0"
        o32 leave
        SP_IS   "after o32 leave"

        ; near call/ret, ret imm16
        mov     ax, 0
        call    func_inc
        call    func_inc
        CHK     16, "call/ret", ax, 0
        push    word 0x1111
        push    word 0x2222
        call    func_sum2
        CHK     16, "ret 4", ax, 0
        SP_IS   "after ret 4"
        push    dword 5
        call    dword func32
        CHK     32, "o32 call/ret 4", eax, 0
        SP_IS   "after o32 ret 4"
        call    func_retaddr
.ra:    sub     ax, .ra
        CHK     16, "return address - label", ax, 0

        ; wrap-around of SP at 0
        mov     bp, sp
        mov     sp, 0
        push    word 0xbeef                ; lands at SS:FFFE
        mov     [0x5f0], sp
        pop     ax
        mov     sp, bp
        CHK     16, "sp wrap", word [0x5f0], 0
        CHK     16, "word at fffe", word [0xfffe], 0

        PUTSLN  "done"
        EXIT    0

func_inc:
        inc     ax
        ret
func_sum2:
        push    bp
        mov     bp, sp
        mov     ax, [bp+4]
        add     ax, [bp+6]
        pop     bp
        ret     4
func32:
        mov     eax, [esp+4]
        shl     eax, 1
        o32 ret 4
func_retaddr:
        mov     bp, sp
        mov     ax, [bp]
        ret

        LIBCODE
        RESET_VECTOR
