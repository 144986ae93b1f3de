; A fake Linux bzImage for tests/system/linuxboot.sh: a real-mode setup
; part with a boot protocol 2.10 setup header (Linux's
; Documentation/arch/x86/boot.rst) and an 8 KiB "protected-mode kernel"
; of a known pattern.  Booted by a loader (tandem's boot ROM through
; SeaBIOS, or QEMU's), its setup code prints on the debug port 0xE9 what
; the loader left: the command line at cmd_line_ptr, the ramdisk's size,
; placement and byte sum, the byte sum of the first 4 KiB at 1 MiB (the
; kernel), and whether the segments, stack and heap follow the protocol;
; then it leaves through isa-debug-exit (port 0xF4, value 0).

bits 16
org 0

SETUP_SECTS     equ 4           ; setup = 5 sectors with the boot sector
KERNEL_SIZE     equ 8192
DBG             equ 0xe9
EXITP           equ 0xf4

; ---- boot sector (not run) ----
        times   0x1f1 - ($ - $$) db 0
        db      SETUP_SECTS                     ; 0x1f1 setup_sects
        dw      0                               ; root_flags
        dd      KERNEL_SIZE / 16                ; syssize
        dw      0                               ; ram_size
        dw      0xffff                          ; vid_mode: normal
        dw      0                               ; root_dev
        dw      0xaa55                          ; boot_flag
; ---- setup header, 0x200 ----
        jmp     short header_end                ; 0x200; 0x201: header length
        db      "HdrS"                          ; 0x202
        dw      0x020a                          ; 0x206 version 2.10
        dd      0                               ; realmode_swtch
        dw      0x1000                          ; start_sys_seg
        dw      0                               ; kernel_version
        db      0                               ; 0x210 type_of_loader
        db      0x01                            ; 0x211 loadflags: LOADED_HIGH
        dw      0x8000                          ; setup_move_size
        dd      0x100000                        ; 0x214 code32_start
        dd      0                               ; 0x218 ramdisk_image
        dd      0                               ; 0x21c ramdisk_size
        dd      0                               ; bootsect_kludge
        dw      0                               ; 0x224 heap_end_ptr
        db      0, 0                            ; ext_loader_ver/type
        dd      0                               ; 0x228 cmd_line_ptr
        dd      0x37ffffff                      ; 0x22c initrd_addr_max
        dd      0x100000                        ; kernel_alignment
        db      0                               ; relocatable_kernel
        db      0                               ; min_alignment
        dw      0                               ; xloadflags
        dd      255                             ; 0x238 cmdline_size
        dd      0                               ; hardware_subarch
        dq      0                               ; hardware_subarch_data
        dd      0, 0                            ; payload offset/length
        dq      0                               ; setup_data
        dq      0x100000                        ; pref_address
        dd      0x20000                         ; 0x260 init_size
header_end:
        jmp     setup_start

; ---- printing (DS = the setup segment) ----
%macro PUTS 1
        jmp     %%over
%%s:    db      %1, 0
%%over:
        push    si
        mov     si, %%s
        call    puts
        pop     si
%endmacro

; Labels are file offsets, which are offsets from DS (the setup's start;
; CS is DS + 0x20), so strings and data are read through DS.
puts:
        push    ax
.l:     lodsb
        test    al, al
        jz      .d
        out     DBG, al
        jmp     .l
.d:     pop     ax
        ret

nl:     push    ax
        mov     al, 10
        out     DBG, al
        pop     ax
        ret

hex32:                          ; EAX
        push    cx
        push    eax
        mov     cx, 8
.l:     rol     eax, 4
        push    eax
        and     al, 15
        add     al, '0'
        cmp     al, '9'
        jbe     .p
        add     al, 'A' - '9' - 1
.p:     out     DBG, al
        pop     eax
        loop    .l
        pop     eax
        pop     cx
        ret

dec32:                          ; EAX
        pushad
        mov     ebx, 10
        xor     cx, cx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.out:   pop     ax
        add     al, '0'
        out     DBG, al
        loop    .out
        popad
        ret

bit:                            ; print '1' if ZF else '0'
        push    ax
        setz    al
        add     al, '0'
        out     DBG, al
        pop     ax
        ret

; sum_high: EBX = physical address, ECX = bytes (multiple of 512) ->
; EAX = the sum of those bytes, read by INT 15h AH=87h through `buf`.
sum_high:
        push    edx
        push    esi
        xor     edx, edx
.chunk: jecxz   .done
        ; source descriptor: base EBX, limit 0xffff, data
        mov     si, gdt87
        mov     word [si + 16], 0xffff
        mov     [si + 18], bx
        mov     eax, ebx
        shr     eax, 16
        mov     [si + 20], al
        mov     byte [si + 21], 0x93
        mov     [si + 23], ah
        ; destination: buf in this segment
        mov     word [si + 24], 0xffff
        xor     eax, eax
        mov     ax, ds
        shl     eax, 4
        add     eax, buf
        mov     [si + 26], ax
        shr     eax, 16
        mov     [si + 28], al
        mov     byte [si + 29], 0x93
        mov     [si + 31], ah
        push    ecx
        push    es
        push    ds
        pop     es
        mov     ah, 0x87
        mov     cx, 256                 ; words
        int     0x15
        pop     es
        pop     ecx
        jc      .fail
        mov     si, buf
        push    cx
        mov     cx, 512
        xor     eax, eax
.b:     lodsb
        add     edx, eax
        loop    .b
        pop     cx
        add     ebx, 512
        sub     ecx, 512
        jmp     .chunk
.fail:  mov     edx, 0xdeadbeef
.done:  mov     eax, edx
        pop     esi
        pop     edx
        ret

setup_start:
        cld
        ; the protocol's real-mode state: DS = ES = FS = GS = SS = the
        ; setup's segment, CS = DS + 0x20
        mov     [saved_sp], sp
        mov     ax, ds
        mov     bx, es
        cmp     ax, bx
        jne     .segs
        mov     bx, fs
        cmp     ax, bx
        jne     .segs
        mov     bx, gs
        cmp     ax, bx
        jne     .segs
        mov     bx, ss
        cmp     ax, bx
        jne     .segs
        mov     bx, cs
        sub     bx, 0x20
        cmp     ax, bx
.segs:  PUTS    "segments_ok="
        call    bit
        call    nl

        PUTS    "version="
        movzx   eax, word [0x206]
        call    hex32
        call    nl
        PUTS    "loader_type_set="
        cmp     byte [0x210], 0
        setne   al
        add     al, '0'
        out     DBG, al
        call    nl

        ; the command line, and the heap that must end at or before it
        PUTS    "cmdline="
        mov     eax, [0x228]
        push    ds
        mov     si, ax
        and     si, 15
        shr     eax, 4
        mov     ds, ax
.c:     lodsb
        test    al, al
        jz      .cd
        out     DBG, al
        jmp     .c
.cd:    pop     ds
        call    nl
        PUTS    "heap_ok="
        test    byte [0x211], 0x80              ; CAN_USE_HEAP
        jz      .heap_bad
        xor     eax, eax
        mov     ax, ds
        shl     eax, 4
        mov     ebx, [0x228]
        sub     ebx, eax                        ; cmdline, from the setup
        movzx   ecx, word [0x224]
        add     ecx, 0x200                      ; heap end
        cmp     ecx, ebx
        ja      .heap_bad
        cmp     ecx, header_end
        jb      .heap_bad
        ; the stack lies inside the setup's 64 KiB, above the setup code
        movzx   eax, word [saved_sp]
        cmp     eax, buf_end
        jb      .heap_bad
        cmp     eax, eax
        jmp     .heap_out
.heap_bad:
        or      al, 1                           ; ZF = 0
.heap_out:
        call    bit
        call    nl

        PUTS    "ramdisk_size="
        mov     eax, [0x21c]
        call    dec32
        call    nl
        PUTS    "ramdisk_page_aligned="
        test    dword [0x218], 0xfff
        call    bit
        call    nl
        ; above the kernel's room (code32_start + init_size) and below 4 GiB
        PUTS    "ramdisk_placed_ok="
        mov     eax, [0x214]
        add     eax, [0x260]
        cmp     [0x218], eax
        jb      .rd_bad
        mov     eax, [0x218]
        add     eax, [0x21c]
        jc      .rd_bad
        cmp     eax, eax
        jmp     .rd_out
.rd_bad:
        or      al, 1
.rd_out:
        call    bit
        call    nl
        PUTS    "ramdisk_sum="
        mov     ebx, [0x218]
        mov     ecx, [0x21c]
        add     ecx, 511
        and     ecx, ~511                       ; the test pads it to 512
        call    sum_high
        call    hex32
        call    nl
        PUTS    "kernel_sum="
        mov     ebx, [0x214]
        mov     ecx, 4096
        call    sum_high
        call    hex32
        call    nl

        PUTS    "done"
        call    nl
        mov     dx, EXITP
        xor     eax, eax
        out     dx, eax
        cli
        hlt
        jmp     $

        align   8, db 0
gdt87:  times   48 db 0                         ; INT 15h AH=87h descriptors
saved_sp: dw 0
buf:    times   512 db 0
buf_end:
        times   (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

; ---- the "protected-mode kernel": a pattern the test can sum ----
%assign i 0
%rep KERNEL_SIZE
        db      (i * 7 + (i >> 8)) & 0xff
%assign i i + 1
%endrep
