; A boot sector for tests/system/ide.sh, booted by SeaBIOS from an IDE
; hard disk (an MBR) or from an El Torito no-emulation CD image.
;
; It prints on the debug port 0xE9 the drive number the BIOS passed in DL,
; reads one block with INT 13h AH=42h (extended read) and prints the text
; at its start, then leaves through isa-debug-exit (port 0x501):
;   exit status 33 (0x10) after a good read, 35 (0x11) when the read fails.
; The block read is the one after this file: LBA 1 of the disk (the boot
; info table is zero there), or the 2048-byte block after the boot file on
; the CD (bi_file + 1, from the boot info table that mkisofs -boot-info-table
; or the test's own ISO writer fills in).
        bits 16
        org 0x7c00

start:  jmp short main
        nop
        times 8 - ($ - $$) db 0
bi_pvd:     dd 0                ; El Torito boot info table, bytes 8-63
bi_file:    dd 0
bi_length:  dd 0
bi_csum:    dd 0
            times 40 db 0

main:   cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        sti
        cld
        mov [drive], dl

        mov si, msg_boot
        call print
        mov al, [drive]
        call hex8
        mov al, 10
        call putc

        mov eax, [bi_file]
        inc eax
        mov [dap_lba], eax
        mov si, dap
        mov dl, [drive]
        mov ah, 0x42
        int 0x13
        jc .fail

        mov si, msg_read
        call print
        mov si, 0x8000
        call print
        mov al, 10
        call putc
        mov al, 0x10
        jmp exit

.fail:  push ax
        mov si, msg_fail
        call print
        pop ax
        mov al, ah
        call hex8
        mov al, 10
        call putc
        mov al, 0x11

exit:   mov dx, 0x501
        out dx, al
.halt:  hlt
        jmp .halt

print:  lodsb
        test al, al
        jz .done
        call putc
        jmp print
.done:  ret

putc:   out 0xe9, al
        ret

hex8:   push ax
        shr al, 4
        call .nib
        pop ax
.nib:   and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '0' - 10
.out:   jmp putc

msg_boot: db "ide-boot: drive ", 0
msg_read: db "ide-boot: read: ", 0
msg_fail: db "ide-boot: INT 13h AH=42h failed, AH=", 0
drive:  db 0

        align 4
dap:    db 0x10, 0
        dw 1                    ; one block
        dw 0x8000, 0            ; to 0000:8000
dap_lba: dd 0, 0

        times 510 - ($ - $$) db 0
        dw 0xaa55
