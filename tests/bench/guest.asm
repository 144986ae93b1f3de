; Benchmark guest: reset vector -> 32-bit flat protected mode -> one call of
; the workload's bench_body -> "bench: WORKLOAD iters N checksum XXXXXXXX"
; on the debug port -> isa-debug-exit 0 (tandem exits with status 1).
;
;   nasm -f bin -I tests/guest/ -I tests/bench/ -DWORKLOAD=alu \
;        [-DITERS=n] -o alu.bin tests/bench/guest.asm
;
; An exception (e.g. #UD/#NM for x87 on an engine without an FPU) is
; reported by lib.inc's 32-bit stubs as "exc VV ..." and ends the guest
; with status 3 (tandem exit status 7).
%include "lib.inc"

BUF     equ 0x100000            ; 1 MiB: the workloads' data (below 2 MiB)

        org     0
        bits    32
%include "bench.inc"            ; bench_body (32-bit code), ITERS
        ; the body fills [0, 0x1000) alone, so that the runner can count
        ; its instructions in a trace by address (linear 0xF0000-0xF0FFF)
%if $ - $$ > 0x1000
%error "bench_body is larger than 4 KiB"
%endif
        times   0x1000 - ($ - $$) db 0xCC

        bits    16
start:
        INIT16
        PMODE_ENTER
        call    exc32_install
        mov     dword [EXC_LABEL], ROM + bench_body
        mov     dword [EXC_RESUME], 0   ; any exception ends the guest
        call    bench_body
        mov     ebx, eax
        PUTS    "bench: ", WORKLOAD_NAME, " iters "
        mov     eax, ITERS
        call    hex32_32
        PUTS    " checksum "
        mov     eax, ebx
        call    hex32_32
        NL
        EXIT    0

        LIBCODE
        EXC32_CODE

        bits    16
        STD_GDT
        RESET_VECTOR
