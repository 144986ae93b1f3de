; tandem's boot option ROM for -kernel with a BIOS: Linux bzImages and
; multiboot v1 kernels.
;
; tandem hands it to SeaBIOS as the fw_cfg file "genroms/linuxboot.bin";
; SeaBIOS copies it below 1 MiB, runs its init entry (which does nothing)
; and, because the ROM has a PnP header with a boot entry vector (BEV),
; lists it as a boot choice.  The "bootorder" file tandem writes names
; "/rom@genroms/linuxboot.bin" first, so it is what boots.
;
; Booted, it reads what tandem prepared in fw_cfg (hw/linux_boot.c,
; hw/multiboot.c) through the DMA interface at 0x514, which copies straight
; to any physical address: no unreal mode, no protected mode for the copy.
; FW_CFG_SETUP_SIZE tells the two kinds apart:
;
;  - Linux (setup size > 0): the real-mode setup goes to SETUP_ADDR, the
;    protected-mode kernel to KERNEL_ADDR, the initrd to INITRD_ADDR (moved
;    down below the BIOS's own data at the top of RAM if needed, as INT 15h
;    E801 reports it) and the command line to CMDLINE_ADDR; then real-mode
;    segments at the setup and a far jump to its code at setup + 0x200,
;    as Linux's Documentation/arch/x86/boot.rst asks.
;  - multiboot (setup size 0): the information block to INITRD_ADDR (below
;    1 MiB), the image (kernel and modules) to KERNEL_ADDR; the memory map
;    comes from INT 15h E820, mem_lower from INT 12h; then 32-bit protected
;    mode, EAX = 0x2BADB002, EBX = the block, and a jump to KERNEL_ENTRY
;    (Multiboot 0.6.96, section 3.2).
;
; On an error it says so on the screen (and on SeaBIOS's debug port 0x402)
; and gives the boot back to the BIOS with INT 18h.
;
; The Makefile assembles it and sets the last byte so that all bytes sum
; to 0 mod 256 (build/firmware/signrom), as SeaBIOS checks.

bits 16
org 0

FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_DMA_HI   equ 0x514
FW_CFG_DMA_LO   equ 0x518       ; writing it starts the transfer
DEBUG_PORT      equ 0x402       ; SeaBIOS's debug log, where present

; fw_cfg keys (QEMU's docs/specs/fw_cfg.rst)
K_SIGNATURE     equ 0x00
K_ID            equ 0x01
K_KERNEL_ADDR   equ 0x07
K_KERNEL_SIZE   equ 0x08
K_INITRD_ADDR   equ 0x0a
K_INITRD_SIZE   equ 0x0b
K_KERNEL_ENTRY  equ 0x10
K_KERNEL_DATA   equ 0x11
K_INITRD_DATA   equ 0x12
K_CMDLINE_ADDR  equ 0x13
K_CMDLINE_SIZE  equ 0x14
K_CMDLINE_DATA  equ 0x15
K_SETUP_ADDR    equ 0x16
K_SETUP_SIZE    equ 0x17
K_SETUP_DATA    equ 0x18

ID_DMA          equ 0x02
DMA_ERROR       equ 0x01
DMA_READ        equ 0x02
DMA_SELECT      equ 0x08

; Linux setup header offsets
HDR_RAMDISK     equ 0x218
HDR_VERSION     equ 0x206
HDR_INITRD_MAX  equ 0x22c

; multiboot information block offsets; MMAP_MAX matches
; MULTIBOOT_MMAP_MAX in hw/multiboot.h (the room tandem leaves)
MBI_MEM_LOWER   equ 4
MBI_MEM_UPPER   equ 8
MBI_MMAP_LENGTH equ 44
MBI_MMAP_ADDR   equ 48
MMAP_MAX        equ 32
MULTIBOOT_MAGIC equ 0x2badb002
E820_MAGIC      equ 0x534d4150  ; "SMAP"

rom_start:
        dw      0xaa55
        db      (rom_end - rom_start) / 512
init:                           ; offset 3: nothing to initialize
        retf
        times   0x18 - ($ - $$) db 0
        dw      0               ; no PCI data structure
        dw      pnp - rom_start ; PnP expansion header

; PnP BIOS specification 1.0a, "Option ROM Header"
        align   16, db 0
pnp:
        db      '$PnP'
        db      1               ; structure revision
        db      (pnp_end - pnp) / 16
        dw      0               ; no next header
        db      0
        db      -(('$' + 'P' + 'n' + 'P' + 1 + (pnp_end - pnp) / 16 \
                   + ((manufacturer - $$) & 0xff) + ((manufacturer - $$) >> 8) \
                   + ((product - $$) & 0xff) + ((product - $$) >> 8) \
                   + ((bev - $$) & 0xff) + ((bev - $$) >> 8)) & 0xff) & 0xff
        dd      0               ; device identifier
        dw      manufacturer - rom_start
        dw      product - rom_start
        db      0, 0, 0         ; device type
        db      0               ; device indicators
        dw      0               ; BCV
        dw      0               ; disconnect vector
        dw      bev - rom_start ; boot entry vector
        dw      0
        dw      0               ; static resource information
pnp_end:

manufacturer:   db "tandem", 0
product:        db "Linux/multiboot loader", 0

; ---- helpers ----

; cfg_read32: AX = key -> EAX = the item's first 4 bytes (little-endian).
; Clobbers DX.
cfg_read32:
        mov     dx, FW_CFG_SEL
        out     dx, ax
        inc     dx              ; FW_CFG_DATA
        in      al, dx
        ror     eax, 8
        in      al, dx
        ror     eax, 8
        in      al, dx
        ror     eax, 8
        in      al, dx
        ror     eax, 8
        ret

; dma_read: AX = key, ECX = length, EDI = physical destination.
; CF set if fw_cfg reported an error.  Clobbers EAX, EDX.  The access
; descriptor lives on the stack (the ROM itself is read-only by now).
dma_read:
        push    bp
        sub     sp, 16
        mov     bp, sp
        movzx   eax, ax
        shl     eax, 16
        or      al, DMA_SELECT | DMA_READ
        bswap   eax
        mov     [bp], eax       ; control (big-endian, as all fields)
        mov     eax, ecx
        bswap   eax
        mov     [bp + 4], eax   ; length
        xor     eax, eax
        mov     [bp + 8], eax   ; address, high half
        mov     eax, edi
        bswap   eax
        mov     [bp + 12], eax  ; address, low half
        xor     eax, eax
        mov     dx, FW_CFG_DMA_HI
        out     dx, eax
        mov     ax, ss
        shl     eax, 4
        movzx   edx, bp
        add     eax, edx        ; the descriptor's physical address
        bswap   eax
        mov     dx, FW_CFG_DMA_LO
        out     dx, eax
.wait:
        mov     eax, [bp]
        bswap   eax
        test    eax, ~DMA_ERROR
        jnz     .wait
        shr     al, 1           ; CF = the error bit
        lea     sp, [bp + 16]   ; (keeps CF)
        pop     bp
        ret

; load_item: CS:SI -> an item's fw_cfg keys (address, size, data; a byte
; each).  EDI = its address, ECX = its size, then the data is DMAed there.
; CF set on a DMA error.  Clobbers EAX, EDX.
load_item:
        movzx   ax, byte [cs:si]
        call    cfg_read32
        mov     edi, eax
        movzx   ax, byte [cs:si + 1]
        call    cfg_read32
        mov     ecx, eax
        movzx   ax, byte [cs:si + 2]
        jmp     dma_read

keys_kernel:    db K_KERNEL_ADDR, K_KERNEL_SIZE, K_KERNEL_DATA
keys_initrd:    db K_INITRD_ADDR, K_INITRD_SIZE, K_INITRD_DATA
keys_cmdline:   db K_CMDLINE_ADDR, K_CMDLINE_SIZE, K_CMDLINE_DATA

; fail: SI = message (in this ROM).  Print it, then let the BIOS try the
; next boot device.
fail:
        push    cs
        pop     ds
        sti
.next:
        lodsb
        test    al, al
        jz      .done
        mov     dx, DEBUG_PORT
        out     dx, al
        mov     ah, 0x0e
        mov     bx, 0x0007
        int     0x10
        jmp     .next
.done:
        int     0x18
        cli
        hlt
        jmp     .done

msg_nofwcfg:    db "linuxboot: no fw_cfg device", 13, 10, 0
msg_nodma:      db "linuxboot: fw_cfg has no DMA interface", 13, 10, 0
msg_dma:        db "linuxboot: fw_cfg DMA transfer failed", 13, 10, 0

; top_of_ram: EAX = the end of the RAM that starts at 1 MiB, from INT 15h
; E801 (what the BIOS leaves free), or 0xffffffff if it does not say.
top_of_ram:
        push    ebx
        push    ecx
        push    edx
        mov     ax, 0xe801
        xor     bx, bx
        xor     cx, cx
        xor     dx, dx
        int     0x15
        cli
        jc      .unknown
        test    cx, cx
        jnz     .cxdx
        test    dx, dx
        jnz     .cxdx
        mov     cx, ax          ; CX/DX zero: AX/BX hold the figures
        mov     dx, bx
.cxdx:
        test    dx, dx
        jz      .below16m
        movzx   eax, dx         ; 64 KiB blocks above 16 MiB
        add     eax, 256
        shl     eax, 16
        jmp     .out
.below16m:
        movzx   eax, cx         ; KiB above 1 MiB
        add     eax, 1024
        shl     eax, 10
        jmp     .out
.unknown:
        or      eax, -1
.out:
        pop     edx
        pop     ecx
        pop     ebx
        ret

; ---- boot entry ----

bev:
        cli
        cld
        mov     ax, K_SIGNATURE
        call    cfg_read32
        mov     si, msg_nofwcfg
        cmp     eax, 'QEMU'
        jne     fail
        mov     ax, K_ID
        call    cfg_read32
        mov     si, msg_nodma
        test    al, ID_DMA
        jz      fail
        mov     ax, K_SETUP_SIZE
        call    cfg_read32
        test    eax, eax
        jz      multiboot

; ---- Linux ----
        mov     esi, eax                ; setup size
        mov     ax, K_SETUP_ADDR
        call    cfg_read32
        mov     ebx, eax                ; EBX = setup address
        mov     edi, eax
        mov     ecx, esi
        mov     ax, K_SETUP_DATA
        call    dma_read
        jc      dma_failed
        mov     eax, ebx
        shr     eax, 4
        mov     es, ax                  ; ES:0 = the setup (and its header)

        mov     ax, K_INITRD_SIZE
        call    cfg_read32
        mov     ecx, eax
        test    ecx, ecx
        jz      .no_initrd
        mov     ax, K_INITRD_ADDR
        call    cfg_read32
        mov     edi, eax
        ; Where tandem put it assumed only a little of the top of RAM
        ; taken; move it below what the BIOS keeps for itself, within
        ; the kernel's initrd_addr_max (0x37ffffff before protocol 2.03).
        mov     edx, 0x37ffffff
        cmp     word [es:HDR_VERSION], 0x203
        jb      .have_max
        mov     edx, [es:HDR_INITRD_MAX]
.have_max:
        call    top_of_ram
        dec     eax                     ; last usable byte
        cmp     eax, edx
        jbe     .have_top
        mov     eax, edx
.have_top:
        inc     eax
        sub     eax, ecx
        jb      .place
        and     eax, ~0xfff
        cmp     eax, edi
        jae     .place
        mov     edi, eax
        mov     [es:HDR_RAMDISK], edi
.place:
        mov     ax, K_INITRD_DATA
        call    dma_read
        jc      dma_failed
.no_initrd:
        mov     si, keys_kernel
        call    load_item
        jc      dma_failed

        mov     si, keys_cmdline
        call    load_item
        jc      dma_failed

        ; The stack ends where the setup's heap does: at the command line
        ; (heap_end_ptr + 0x200 = cmdline - setup, set by tandem).
        mov     eax, edi
        sub     eax, ebx
        cmp     eax, 0xfffe
        jbe     .sp_ok
        mov     eax, 0xfffe
.sp_ok:
        mov     dx, es
        mov     ss, dx
        mov     sp, ax
        mov     ds, dx
        mov     fs, dx
        mov     gs, dx
        add     dx, 0x20                ; the setup code: setup + 0x200
        push    dx
        push    word 0
        xor     eax, eax
        xor     ebx, ebx
        xor     ecx, ecx
        xor     edx, edx
        xor     esi, esi
        xor     edi, edi
        xor     ebp, ebp
        retf

dma_failed:
        mov     si, msg_dma
        jmp     fail

; ---- multiboot ----
multiboot:
        mov     si, keys_initrd
        call    load_item
        jc      dma_failed
        mov     ebx, edi                ; EBX = the information block
        mov     si, keys_kernel
        call    load_item
        jc      dma_failed

        ; FS:0 = the block; ES:DI = its memory map (both below 1 MiB)
        mov     eax, ebx
        shr     eax, 4
        mov     fs, ax
        mov     eax, [fs:MBI_MMAP_ADDR]
        mov     edx, eax
        shr     edx, 4
        mov     es, dx
        and     ax, 15
        mov     di, ax
        push    ebx
        xor     ebx, ebx                ; E820 continuation
        xor     si, si                  ; entries stored
.e820:
        cmp     si, MMAP_MAX
        jae     .e820_done
        mov     eax, 0xe820
        mov     edx, E820_MAGIC
        mov     ecx, 20
        add     di, 4                   ; each entry: size, then 20 bytes
        int     0x15
        cli
        jc      .e820_undo
        cmp     eax, E820_MAGIC
        jne     .e820_undo
        cmp     ecx, 20
        jb      .e820_undo
        mov     dword [es:di - 4], 20
        add     di, 20
        inc     si
        test    ebx, ebx
        jnz     .e820
        jmp     .e820_done
.e820_undo:
        sub     di, 4
.e820_done:
        movzx   eax, si
        imul    eax, eax, 24
        mov     [fs:MBI_MMAP_LENGTH], eax

        ; mem_upper: the RAM entry that holds 1 MiB, up to its end
        mov     di, [fs:MBI_MMAP_ADDR]
        and     di, 15
.upper:
        test    si, si
        jz      .lower
        dec     si
        cmp     dword [es:di + 4 + 16], 1       ; type RAM
        jne     .upper_next
        cmp     dword [es:di + 4 + 4], 0        ; base below 4 GiB
        jne     .upper_next
        mov     eax, [es:di + 4]
        cmp     eax, 0x100000
        ja      .upper_next
        add     eax, [es:di + 4 + 8]
        cmp     eax, 0x100000
        jbe     .upper_next
        sub     eax, 0x100000
        shr     eax, 10
        mov     [fs:MBI_MEM_UPPER], eax
        jmp     .lower
.upper_next:
        add     di, 24
        jmp     .upper
.lower:
        int     0x12                    ; KiB of conventional memory
        cli
        movzx   eax, ax
        mov     [fs:MBI_MEM_LOWER], eax
        pop     ebx

        mov     ax, K_KERNEL_ENTRY
        call    cfg_read32
        mov     esi, eax                ; ESI = the entry point

        ; A flat GDT on the stack (the kernel loads its own), then
        ; protected mode through a far return to pm32.
        and     sp, ~7
        sub     sp, 32
        mov     bp, sp
        xor     eax, eax
        mov     [bp], eax
        mov     [bp + 4], eax
        mov     dword [bp + 8], 0x0000ffff      ; 0x08: code, base 0, 4 GiB
        mov     dword [bp + 12], 0x00cf9a00
        mov     dword [bp + 16], 0x0000ffff     ; 0x10: data, base 0, 4 GiB
        mov     dword [bp + 20], 0x00cf9200
        mov     word [bp + 24], 23
        mov     ax, ss
        shl     eax, 4
        movzx   edx, bp
        add     eax, edx                ; linear address of the GDT
        mov     [bp + 26], eax
        o32 lgdt [bp + 24]
        mov     ebp, eax                ; the 32-bit stack ends there
        xor     eax, eax
        mov     ax, cs
        shl     eax, 4
        add     eax, pm32
        push    dword 0x08
        push    eax
        mov     eax, cr0
        or      al, 1                   ; PE; paging stays off
        mov     cr0, eax
        o32 retf

bits 32
pm32:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, ebp                ; below the GDT: still our stack
        mov     eax, MULTIBOOT_MAGIC
        jmp     esi

        db      0                       ; the checksum byte (signrom)
        align   512, db 0
rom_end:
