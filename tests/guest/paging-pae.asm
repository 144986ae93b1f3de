; PAE paging (SDM vol. 3 4.4) and execute-disable: the PDPTEs are loaded
; when CR3 is written (a later change in memory is not seen until the
; next write) and #GP(0) refuses reserved bits in a present PDPTE, on
; MOV CR3 and when CR0.PG turns paging on; 4 KiB and 2 MiB pages with A
; and D; reserved bits (62:52, bit 63 without EFER.NXE,
; 2 MiB page bits 20:13) give #PF with RSVD; with EFER.NXE (MSR
; C0000080h) a fetch from an XD page gives #PF with I/D, a read does not,
; and I/D is set for a fetch from a missing page; INVLPG of an address in
; a 2 MiB page drops the whole page.
%include "lib.inc"

PDPT    equ 0x10000
PD0     equ 0x11000
PT0     equ 0x12000
PT2     equ 0x13000
PD1     equ 0x14000
CR2SEEN equ 0x520

%macro FAULT 2+
        PUTS    %1, ": "
        EXPECT_FAULT %%f, %%r
%%f:    %2
%%r:
%endmacro
%macro PFAULT 2+
        mov     dword [CR2SEEN], 0
        FAULT   %1, %2
        CHK     32, "  cr2", dword [CR2SEEN], 0
%endmacro
; 64-bit entries: low and high dwords
%macro SETQ 3
        mov     dword [%1], %2
        mov     dword [%1 + 4], %3
%endmacro
%macro ADCHK 2
        push    eax
        mov     eax, %2
        and     eax, 0x60
        CHK     32, %1, eax, 0
        pop     eax
%endmacro

        bits    16
        org     0
start:
        INIT16
        MASK_PIC
        PUTSLN  "paging-pae"
        PMODE_ENTER
        call    exc32_install
        SET_GATE 14, pf_stub, 0x8E00
        mov     dword [EXC_COUNT], 0

        ; tables: PDPTE0 -> PD0; PD0[0] -> PT0 (0-2M identity, 4 KiB),
        ; PD0[1] = 2 MiB page 200000 -> 600000, PD0[2] -> PT2 (test pages)
        mov     edi, PDPT
        mov     ecx, 5 * 1024
        xor     eax, eax
        rep stosd
        mov     edi, PT0
        mov     eax, 3
        mov     ecx, 512
.pt0:   mov     [edi], eax
        add     edi, 8
        add     eax, 0x1000
        loop    .pt0
        SETQ    PDPT, PD0 | 1, 0
        SETQ    PD0, PT0 | 3, 0
        SETQ    PD0 + 8, 0x600000 | 0x83, 0
        SETQ    PD0 + 16, PT2 | 3, 0
        SETQ    PT2, 0x20000 | 3, 0                 ; 400000
        SETQ    PT2 + 8, 0x21000 | 3, 0x80000000    ; 401000: XD
        SETQ    PT2 + 16, 0x22000 | 3, 0x100000     ; 402000: bit 52
        SETQ    PT2 + 24, 0, 0                      ; 403000: not present
        SETQ    PD1, 0x83, 0                        ; 40000000 -> 0, 2 MiB
        mov     dword [0x20000], 0x20000
        mov     byte [0x21000], 0xC3                ; ret
        mov     dword [0x6A0000], 0x6A0000
        mov     dword [0x6B0000], 0x6B0000
        mov     dword [0x8A0000], 0x8A0000
        mov     dword [0x8B0000], 0x8B0000

        mov     eax, cr4
        or      eax, 0x20               ; PAE
        mov     cr4, eax
        ; a present PDPTE with reserved bit 1 set: paging cannot start
        mov     dword [PDPT], PD0 | 3
        mov     eax, PDPT
        mov     cr3, eax                ; PG=0: not checked yet
        mov     eax, cr0
        or      eax, 0x80000000
        FAULT   "cr0.pg=1 with a bad pdpte", mov cr0, eax
        mov     ebx, cr0
        shr     ebx, 31
        CHK     32, "  cr0.pg", ebx, 0
        mov     dword [PDPT], PD0 | 1
        mov     cr0, eax
        PUTSLN  "pae paging on"
        mov     dword [PDPT + 8], PD1 | 1 | 2
        mov     eax, PDPT
        FAULT   "mov cr3 with pdpte1 bit 1", mov cr3, eax
        mov     dword [PDPT + 8], PD1 | 1
        mov     dword [PDPT + 12], 0x100
        FAULT   "mov cr3 with pdpte1 bit 40", mov cr3, eax
        mov     dword [PDPT + 12], 0
        mov     dword [PDPT + 8], 2     ; not present: other bits ignored
        mov     cr3, eax
        PUTSLN  "mov cr3 with a not-present pdpte1 = 2: ok"

        ; ---- PDPTEs are registers: a change in memory waits for cr3 ----
        mov     dword [PDPT + 8], PD1 | 1
        PFAULT  "read 40020000 (pdpte1 not loaded)", mov eax, [0x40020000]
        mov     eax, PDPT
        mov     cr3, eax
        CHK     32, "after mov cr3: 40020000", dword [0x40020000], 0

        ; ---- A/D, 2 MiB pages ----
        CHK     32, "read 400000", dword [0x400000], 0
        ADCHK   "  pte a/d", dword [PT2]
        ADCHK   "  pde a/d", dword [PD0 + 16]
        mov     dword [0x400004], 1
        ADCHK   "  pte a/d after a write", dword [PT2]
        CHK     32, "2M page: 2a0000", dword [0x2a0000], 0
        CHK     32, "  2b0000", dword [0x2b0000], 0
        ADCHK   "  pde a/d", dword [PD0 + 8]
        SETQ    PD0 + 8, 0x800000 | 0x83, 0
        invlpg  [0x2a0000]
        CHK     32, "invlpg 2a0000: 2a0000", dword [0x2a0000], 0
        CHK     32, "  2b0000 (same 2M page)", dword [0x2b0000], 0
        SETQ    PD0 + 8, 0x800000 | 0x2083, 0       ; bit 13
        invlpg  [0x2a0000]
        PFAULT  "2M pde with bit 13", mov eax, [0x2a0000]
        SETQ    PD0 + 8, 0x800000 | 0x83, 0

        ; ---- reserved bits ----
        PFAULT  "read 402000 (pte bit 52)", mov eax, [0x402000]
        PFAULT  "write 402000 (pte bit 52)", mov dword [0x402000], 1
        PFAULT  "read 401000 (xd, efer.nxe=0: reserved)", mov eax, [0x401000]

        ; ---- execute-disable ----
        mov     ecx, 0xC0000080
        rdmsr
        CHK     32, "efer", eax, 0
        or      eax, 0x800              ; NXE
        wrmsr
        rdmsr
        CHK     32, "efer after wrmsr", eax, 0
        CHK     8, "read 401000 (xd)", byte [0x401000], 0
        mov     dword [CR2SEEN], 0
        PUTS    "call 401000 (xd): "
        EXPECT_FAULT .x1, .x1r
        mov     dword [EXC_LABEL], 0x401000
        mov     eax, 0x401000
.x1:    call    eax
.x1r:   add     esp, 4                  ; the return address CALL pushed
        CHK     32, "  cr2", dword [CR2SEEN], 0
        mov     dword [PT2 + 12], 0     ; clear XD
        invlpg  [0x401000]
        mov     eax, 0x401000
        call    eax
        PUTSLN  "call 401000 without xd: ret"
        SETQ    PD0 + 16, PT2 | 3, 0x80000000       ; XD in the PDE
        invlpg  [0x401000]
        mov     dword [CR2SEEN], 0
        PUTS    "call 401000 (xd in the pde): "
        EXPECT_FAULT .x2, .x2r
        mov     dword [EXC_LABEL], 0x401000
        mov     eax, 0x401000
.x2:    call    eax
.x2r:   add     esp, 4
        CHK     32, "  cr2", dword [CR2SEEN], 0
        SETQ    PD0 + 16, PT2 | 3, 0
        invlpg  [0x401000]
        mov     dword [CR2SEEN], 0
        PUTS    "jmp 403000 (not present): "
        EXPECT_FAULT .x3, .x3r
        mov     dword [EXC_LABEL], 0x403000
        mov     eax, 0x403000
.x3:    jmp     eax
.x3r:   CHK     32, "  cr2", dword [CR2SEEN], 0
        PFAULT  "read 403000 (not present)", mov eax, [0x403000]
        PFAULT  "read 402000 (bit 52, nxe=1)", mov eax, [0x402000]

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
        RESET_VECTOR
