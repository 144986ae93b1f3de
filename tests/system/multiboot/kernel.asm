; A multiboot (v1) test kernel for tests/system/multiboot.sh.
;
; nasm -f bin gives an ELF32 executable (headers written by hand here, so
; no linker is needed) loaded at 1 MiB; with -DAOUT, a plain image loaded
; at 2 MiB through the header's address fields (flag 16, "a.out kludge").
; It prints on the debug port 0xE9 what the loader gave it (Multiboot
; 0.6.96 sections 3.2 and 3.3): the magic, the information flags,
; mem_lower/mem_upper, the memory map, the command line, each module's
; string, size, alignment, first bytes and byte sum, the boot loader
; name, and the CPU state at entry; then it leaves through isa-debug-exit
; (port 0xF4, value 0: tandem and QEMU exit with status 1).

bits 32

%ifdef AOUT
LOAD    equ 0x200000
FLAGS   equ 0x00010003          ; page-align modules, memory info, addresses
%else
LOAD    equ 0x100000
FLAGS   equ 0x00000003
%endif
MAGIC   equ 0x1badb002
DBG     equ 0xe9
EXITP   equ 0xf4

        org     LOAD
image:
%ifndef AOUT
; ELF header (System V ABI, i386): one PT_LOAD segment, the whole file
; plus the bss, at LOAD.
        db      0x7f, "ELF", 1, 1, 1, 0         ; 32-bit, LSB, version 1
        times   8 db 0
        dw      2                               ; ET_EXEC
        dw      3                               ; EM_386
        dd      1
        dd      start                           ; e_entry
        dd      phdr - image                    ; e_phoff
        dd      0                               ; e_shoff
        dd      0
        dw      52                              ; e_ehsize
        dw      32                              ; e_phentsize
        dw      1                               ; e_phnum
        dw      40, 0, 0
phdr:
        dd      1                               ; PT_LOAD
        dd      0                               ; p_offset
        dd      LOAD                            ; p_vaddr
        dd      LOAD                            ; p_paddr
        dd      file_end - image                ; p_filesz
        dd      bss_end - image                 ; p_memsz
        dd      7                               ; RWX
        dd      0x1000
%endif

        align   4, db 0
mbheader:
        dd      MAGIC
        dd      FLAGS
        dd      -(MAGIC + FLAGS)
%ifdef AOUT
        dd      mbheader                        ; header_addr
        dd      LOAD                            ; load_addr
        dd      file_end                        ; load_end_addr
        dd      bss_end                         ; bss_end_addr
        dd      start                           ; entry_addr
%endif

; ---- printing ----
%macro PUTS 1
        jmp     %%over
%%s:    db      %1, 0
%%over:
        push    esi
        mov     esi, %%s
        call    puts
        pop     esi
%endmacro

putc:                           ; AL
        push    edx
        mov     dx, DBG
        out     dx, al
        pop     edx
        ret

puts:                           ; ESI = NUL-terminated string
        push    eax
.l:     lodsb
        test    al, al
        jz      .d
        call    putc
        jmp     .l
.d:     pop     eax
        ret

nl:     push    eax
        mov     al, 10
        call    putc
        pop     eax
        ret

hex32:                          ; EAX as 8 hex digits
        push    ecx
        push    eax
        mov     ecx, 8
.l:     rol     eax, 4
        push    eax
        and     al, 15
        add     al, '0'
        cmp     al, '9'
        jbe     .p
        add     al, 'A' - '9' - 1
.p:     call    putc
        pop     eax
        loop    .l
        pop     eax
        pop     ecx
        ret

hex8:                           ; AL as 2 hex digits
        push    eax
        shl     eax, 24
        push    ecx
        mov     ecx, 2
.l:     rol     eax, 4
        push    eax
        and     al, 15
        add     al, '0'
        cmp     al, '9'
        jbe     .p
        add     al, 'A' - '9' - 1
.p:     call    putc
        pop     eax
        loop    .l
        pop     ecx
        pop     eax
        ret

dec32:                          ; EAX in decimal
        pushad
        mov     ebx, 10
        xor     ecx, ecx
.div:   xor     edx, edx
        div     ebx
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .div
.out:   pop     eax
        add     al, '0'
        call    putc
        loop    .out
        popad
        ret

; ---- the test ----
start:
        mov     esp, stack_top
        mov     [saved_eax], eax
        mov     [saved_ebx], ebx
        pushfd
        pop     dword [saved_eflags]
        mov     eax, cr0
        mov     [saved_cr0], eax

        PUTS    "magic="
        mov     eax, [saved_eax]
        call    hex32
        call    nl
        mov     ebx, [saved_ebx]
        PUTS    "flags&24D="            ; memory, cmdline, mods, mmap, name
        mov     eax, [ebx]
        and     eax, 0x24d
        call    hex32
        call    nl

        PUTS    "mem_lower="
        mov     eax, [ebx + 4]
        call    dec32
        call    nl
        PUTS    "mem_upper="
        mov     eax, [ebx + 8]
        call    dec32
        call    nl

        ; memory map: size, base, length, type; the next entry is size + 4
        ; bytes on
        mov     esi, [ebx + 48]
        mov     edi, esi
        add     edi, [ebx + 44]
.mmap:  cmp     esi, edi
        jae     .mmap_done
        PUTS    "mmap "
        mov     eax, [esi + 8]
        call    hex32
        mov     eax, [esi + 4]
        call    hex32
        mov     al, ' '
        call    putc
        mov     eax, [esi + 16]
        call    hex32
        mov     eax, [esi + 12]
        call    hex32
        mov     al, ' '
        call    putc
        mov     eax, [esi + 20]
        call    dec32
        call    nl
        mov     eax, [esi]
        lea     esi, [esi + eax + 4]
        jmp     .mmap
.mmap_done:

        PUTS    "cmdline="
        push    esi
        mov     esi, [ebx + 16]
        call    puts
        pop     esi
        call    nl

        PUTS    "mods_count="
        mov     eax, [ebx + 20]
        call    dec32
        call    nl
        mov     edi, [ebx + 24]         ; module list
        xor     ebp, ebp
.mod:   cmp     ebp, [ebx + 20]
        jae     .mods_done
        PUTS    "mod "
        mov     eax, ebp
        call    dec32
        PUTS    " string="
        mov     esi, [edi + 8]
        call    puts
        PUTS    " size="
        mov     eax, [edi + 4]
        sub     eax, [edi]
        call    dec32
        PUTS    " page_aligned="
        mov     eax, [edi]
        test    eax, 0xfff
        setz    al
        add     al, '0'
        call    putc
        PUTS    " first="
        mov     esi, [edi]
        mov     ecx, [edi + 4]
        sub     ecx, esi
        cmp     ecx, 8
        jbe     .few
        mov     ecx, 8
.few:   jecxz   .first_done
.byte:  lodsb
        call    hex8
        loop    .byte
.first_done:
        PUTS    " sum="
        mov     esi, [edi]
        mov     ecx, [edi + 4]
        sub     ecx, esi
        xor     edx, edx
        xor     eax, eax
        jecxz   .sum_done
.sum:   lodsb
        add     edx, eax
        loop    .sum
.sum_done:
        mov     eax, edx
        call    hex32
        call    nl
        add     edi, 16
        inc     ebp
        jmp     .mod
.mods_done:

        PUTS    "loader_name="
        mov     esi, [ebx + 64]
        call    puts
        call    nl

        ; the bss must be zero (the loader clears it)
        PUTS    "bss_zero="
        mov     esi, bss_start
        mov     ecx, (bss_check_end - bss_start) / 4
        xor     edx, edx
.bss:   lodsd
        or      edx, eax
        loop    .bss
        test    edx, edx
        setz    al
        add     al, '0'
        call    putc
        call    nl

        ; section 3.2: protected mode, no paging, IF and VM clear
        PUTS    "cr0.pe="
        mov     eax, [saved_cr0]
        and     al, 1
        add     al, '0'
        call    putc
        PUTS    " cr0.pg="
        mov     eax, [saved_cr0]
        shr     eax, 31
        add     al, '0'
        call    putc
        PUTS    " eflags.if="
        mov     eax, [saved_eflags]
        shr     eax, 9
        and     al, 1
        add     al, '0'
        call    putc
        PUTS    " eflags.vm="
        mov     eax, [saved_eflags]
        shr     eax, 17
        and     al, 1
        add     al, '0'
        call    putc
        call    nl
        ; flat 4 GiB data segments: the last dword below 4 GiB reads
        ; through each (a smaller limit would fault, and with no IDT the
        ; machine would reset instead of printing)
        mov     eax, [ds:0xfffffffc]
        mov     eax, [es:0xfffffffc]
        mov     eax, [ss:0xfffffffc]
        mov     eax, [fs:0xfffffffc]
        mov     eax, [gs:0xfffffffc]
        PUTS    "flat_data_segments=1"
        call    nl

        PUTS    "done"
        call    nl
        mov     dx, EXITP
        xor     eax, eax
        out     dx, eax
        hlt
        jmp     $

file_end:
; ---- bss: not in the file, cleared by the loader ----
        absolute file_end
        alignb  4
bss_start:
        resb    256             ; never written: must read as zero
bss_check_end:
saved_eax:      resd 1
saved_ebx:      resd 1
saved_eflags:   resd 1
saved_cr0:      resd 1
        resb    4096
stack_top:
bss_end:
