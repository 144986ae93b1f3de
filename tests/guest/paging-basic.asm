; 32-bit paging (SDM vol. 3 ch. 4): 4 KiB pages through a page table,
; 4 MiB pages (CR4.PSE) with their reserved bit (#PF with RSVD), Accessed
; and Dirty bits in both levels, #PF error codes (P, W/R, U/S) and CR2
; (a dword crossing into a missing page faults at the page start),
; read-only pages for the supervisor with CR0.WP clear and set, user
; accesses to supervisor and read-only pages from ring 3, global pages
; kept by a CR3 write and dropped by INVLPG or by clearing CR4.PGE, and
; INVLPG of one page.  (Keeping a translation after its entry changed is
; what a TLB may do, not what it must: Bochs, QEMU and processors keep one
; that was just used, which is what these checks rely on.)
%include "lib.inc"

GDT_RAM equ 0x2000
TSS     equ 0x3000
ESP0    equ 0x7C00
ESP3    equ 0x6C00
PD      equ 0x10000
PT0     equ 0x11000
PT1     equ 0x12000
CR2SEEN equ 0x520

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
; PFAULT "name", insn: a fault expected, then the CR2 it left
%macro PFAULT 2+
        mov     dword [CR2SEEN], 0
        FAULT   %1, %2
        CHK     32, "  cr2", dword [CR2SEEN], 0
%endmacro
%macro DESC 4
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      %3
        db      (((%2) >> 16) & 0x0F) | ((%4) << 4)
        db      ((%1) >> 24) & 0xFF
%endmacro
%macro GATE 4
        dw      (%1) & 0xFFFF
        dw      %2
        db      %4, %3
        dw      (%1) >> 16
%endmacro
%define R(l) (ROM + (l) - $$)
; ADCHK "name", entry: its Accessed and Dirty bits
%macro ADCHK 2
        push    eax
        mov     eax, %2
        and     eax, 0x60
        CHK     32, %1, eax, 0
        pop     eax
%endmacro
; PTE n: the page-table entry of linear 400000 + n*1000
%define PTE(n) [PT1 + (n) * 4]

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "paging-basic"
        PMODE_ENTER
        call    exc32_install
        SET_GATE 14, pf_stub, 0x8E00
        mov     dword [EXC_COUNT], 0
        mov     esi, ROM + gdt_tmpl
        mov     edi, GDT_RAM
        mov     ecx, (gdt_tmpl_end - gdt_tmpl) / 4
        rep movsd
        lgdt    [cs:ROM + gdtr_ram]
        jmp     0x08:ROM + .reload
.reload:
        mov     edi, TSS
        mov     ecx, 0x68 / 4
        xor     eax, eax
        rep stosd
        mov     dword [TSS + 4], ESP0
        mov     dword [TSS + 8], 0x10
        mov     word [TSS + 0x66], 0x68
        mov     ax, 0x28
        ltr     ax
        pushfd
        or      dword [esp], 0x3000      ; IOPL 3: ring 3 prints
        popfd

        ; page tables: 0-4M identity (user, writable); 400000-: test pages
        mov     edi, PD
        mov     ecx, 3 * 1024
        xor     eax, eax
        rep stosd
        mov     edi, PT0
        mov     eax, 7
        mov     ecx, 1024
.pt0:   stosd
        add     eax, 0x1000
        loop    .pt0
        mov     dword [PD], PT0 | 7
        mov     dword [PD + 4], PT1 | 7
        mov     dword PTE(0), 0x20000 | 3           ; supervisor RW
        mov     dword PTE(1), 0                     ; not present
        mov     dword PTE(2), 0x21000 | 5           ; user, read-only
        mov     dword PTE(3), 0x22000 | 3           ; supervisor RW
        mov     dword PTE(8), 0x27000 | 7           ; user RW
        ; pages whose TLB slots (linear bits 19:12) nothing else here uses
        mov     dword PTE(0x40), 0x23000 | 0x103    ; global
        mov     dword PTE(0x41), 0x24000 | 3
        mov     dword PTE(0x42), 0x25000 | 3
        mov     dword PTE(0x43), 0x26000 | 3
        mov     eax, 0x20000
        mov     ecx, 8
.mark:  mov     [eax], eax
        add     eax, 0x1000
        loop    .mark
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        PUTSLN  "paging on"

        ; ---- A and D ----
        ADCHK   "pde a/d before", dword [PD + 4]
        ADCHK   "pte a/d before", dword PTE(0)
        CHK     32, "read 400000", dword [0x400000], 0
        ADCHK   "pde a/d after a read", dword [PD + 4]
        ADCHK   "pte a/d after a read", dword PTE(0)
        mov     dword [0x400004], 0x12345678
        ADCHK   "pte a/d after a write", dword PTE(0)
        CHK     32, "  phys 20004", dword [0x20004], 0
        ADCHK   "pde a/d after a write", dword [PD + 4]

        ; ---- not present, read-only, WP ----
        PFAULT  "read 401000 (not present)", mov eax, [0x401000]
        PFAULT  "write 401000 (not present)", mov dword [0x401000], 1
        PFAULT  "dword at 400ffe into 401000", mov eax, [0x400ffe]
        CHK     32, "pte(1) after the faults", dword PTE(1), 0
        mov     dword [0x402000], 0xfeed       ; WP=0: the supervisor writes
        CHK     32, "supervisor write to read-only, wp=0", dword [0x21000], 0
        ADCHK   "  pte a/d", dword PTE(2)
        mov     eax, cr0
        or      eax, 0x10000
        mov     cr0, eax
        PFAULT  "supervisor write to read-only, wp=1", mov dword [0x402000], 1
        mov     eax, cr0
        and     eax, ~0x10000
        mov     cr0, eax

        ; ---- user accesses from ring 3 ----
        push    dword 0x23
        push    dword ESP3
        push    dword 0x1B
        push    dword R(ring3)
        retf
ring3:
        mov     ax, 0x23
        mov     ds, ax
        mov     es, ax
        PUTSLN  "ring 3"
        CHK     32, "user read of user read-only page", dword [0x402000], 0
        PFAULT  "user write to read-only", mov dword [0x402000], 2
        PFAULT  "user read of supervisor page", mov eax, [0x403000]
        PFAULT  "user write to supervisor page", mov dword [0x403000], 2
        PFAULT  "user read, not present", mov eax, [0x401000]
        mov     dword [0x408000], 0x77
        CHK     32, "user write to user page", dword [0x27000], 0
        call    0x33:0                  ; back to ring 0
kernel:
        add     esp, 16
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        PUTSLN  "ring 0"

        ; ---- 4 MiB pages ----
        mov     eax, cr4
        or      eax, 0x10               ; PSE
        mov     cr4, eax
        mov     dword [PD + 8], 0x00000083      ; 800000 -> 0, 4 MiB
        CHK     32, "4M page: read 820000", dword [0x820000], 0
        ADCHK   "  pde a/d", dword [PD + 8]
        mov     dword [0x820008], 0xabcd
        CHK     32, "  phys 20008 after a write", dword [0x20008], 0
        ADCHK   "  pde a/d", dword [PD + 8]
        mov     dword [PD + 12], 0x00200083     ; C00000: bit 21 reserved
        PFAULT  "4M pde with bit 21", mov eax, [0xc00000]
        mov     dword [PD + 12], 0

        ; ---- global pages, CR3 reload, INVLPG ----
        mov     eax, cr4
        or      eax, 0x80               ; PGE
        mov     cr4, eax
        mov     eax, [0x440000]         ; bring both into the TLB
        mov     eax, [0x441000]
        mov     dword PTE(0x40), 0x20000 | 0x103
        mov     dword PTE(0x41), 0x20000 | 3
        mov     eax, cr3
        mov     cr3, eax
        CHK     32, "after a cr3 write: global 440000 (kept)", dword [0x440000], 0
        CHK     32, "  non-global 441000 (new)", dword [0x441000], 0
        invlpg  [0x440000]
        CHK     32, "after invlpg: 440000", dword [0x440000], 0
        mov     eax, [0x442000]
        mov     eax, [0x443000]
        mov     dword PTE(0x42), 0x20000 | 3
        mov     dword PTE(0x43), 0x20000 | 3
        invlpg  [0x442000]
        CHK     32, "invlpg 442000: 442000 (new)", dword [0x442000], 0
        CHK     32, "  443000 (kept)", dword [0x443000], 0
        mov     dword PTE(0x40), 0x23000 | 0x103
        mov     eax, cr3
        mov     cr3, eax
        CHK     32, "pte back, cr3 write: global 440000 (kept)", dword [0x440000], 0
        mov     eax, cr4
        and     eax, ~0x80
        mov     cr4, eax
        CHK     32, "cr4.pge cleared: 440000 (new)", dword [0x440000], 0

        mov     eax, cr0
        and     eax, 0x7fffffff
        mov     cr0, eax
        CHK     32, "exceptions", dword [EXC_COUNT], 0
        PUTSLN  "done"
        EXIT    0

pf_stub:
        push    eax
        mov     eax, cr2
        mov     [ss:CR2SEEN], eax
        pop     eax
        jmp     exc32_stub_14

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
        DESC    TSS, 0x67, 0x89, 0               ; 28 TSS32
        GATE    R(kernel), 0x08, 0xEC, 0         ; 30 call gate -> ring 0
gdt_tmpl_end:
gdtr_ram:
        dw      gdt_tmpl_end - gdt_tmpl - 1
        dd      GDT_RAM

        RESET_VECTOR
