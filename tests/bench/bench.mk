# The benchmark (make bench), included by the top-level Makefile.
# Each workload tests/bench/NAME.inc is assembled into
#   build/bench/NAME.bin            -bios guest image (interp size)
#   build/bench/NAME-kvm.bin        the same with -DKVM (fewer iterations)
#   build/bench/NAME-nK.bin         ITERS=K (1..3), for counting instructions
#   build/bench/NAME.native{32,64}  the loop as a Linux host program
#   build/bench/NAME-kvm.native{32,64}  (reference checksums for the kvm size)
# and tests/bench/bench.sh times them; see docs/bench.md.

BENCH_WORKLOADS := alu mem branch string x87
BENCH_NAMES := empty $(BENCH_WORKLOADS)
BENCH_DEPS := tests/bench/bench.inc tests/bench/bench.mk
BENCH_GUEST_DEPS := tests/bench/guest.asm tests/guest/lib.inc $(BENCH_DEPS)
BENCH_NATIVE_DEPS := tests/bench/native.asm $(BENCH_DEPS)
BENCH_NASM_GUEST = $(NASM) -f bin -I tests/guest/ -I tests/bench/ -DWORKLOAD=$*

BENCH_FILES := \
    $(foreach w,$(BENCH_NAMES),build/bench/$(w).bin build/bench/$(w)-kvm.bin \
        build/bench/$(w)-n1.bin build/bench/$(w)-n2.bin build/bench/$(w)-n3.bin \
        build/bench/$(w).native64 build/bench/$(w)-kvm.native64 \
        build/bench/$(w).native32 build/bench/$(w)-kvm.native32)

build/bench/%.bin: tests/bench/%.inc $(BENCH_GUEST_DEPS)
	@mkdir -p $(@D)
	$(BENCH_NASM_GUEST) -o $@ tests/bench/guest.asm
build/bench/%-kvm.bin: tests/bench/%.inc $(BENCH_GUEST_DEPS)
	@mkdir -p $(@D)
	$(BENCH_NASM_GUEST) -DKVM -o $@ tests/bench/guest.asm
build/bench/%-n1.bin: tests/bench/%.inc $(BENCH_GUEST_DEPS)
	@mkdir -p $(@D)
	$(BENCH_NASM_GUEST) -DITERS=1 -o $@ tests/bench/guest.asm
build/bench/%-n2.bin: tests/bench/%.inc $(BENCH_GUEST_DEPS)
	@mkdir -p $(@D)
	$(BENCH_NASM_GUEST) -DITERS=2 -o $@ tests/bench/guest.asm
build/bench/%-n3.bin: tests/bench/%.inc $(BENCH_GUEST_DEPS)
	@mkdir -p $(@D)
	$(BENCH_NASM_GUEST) -DITERS=3 -o $@ tests/bench/guest.asm

# Native programs: 32-bit (the guest's very instructions) where ld can link
# elf_i386; a host that cannot run those gets the 64-bit build of the same
# source.  A failed 32-bit link leaves no file; bench.sh then uses native64.
build/bench/%.native64: tests/bench/%.inc $(BENCH_NATIVE_DEPS)
	@mkdir -p $(@D)
	$(NASM) -f elf64 -I tests/bench/ -DWORKLOAD=$* -o $@.o tests/bench/native.asm
	$(LD) -o $@ $@.o
build/bench/%-kvm.native64: tests/bench/%.inc $(BENCH_NATIVE_DEPS)
	@mkdir -p $(@D)
	$(NASM) -f elf64 -I tests/bench/ -DWORKLOAD=$* -DKVM -DREPEAT=1 -o $@.o tests/bench/native.asm
	$(LD) -o $@ $@.o
build/bench/%.native32: tests/bench/%.inc $(BENCH_NATIVE_DEPS)
	@mkdir -p $(@D)
	$(NASM) -f elf32 -I tests/bench/ -DWORKLOAD=$* -o $@.o tests/bench/native.asm
	-$(LD) -m elf_i386 -o $@ $@.o
build/bench/%-kvm.native32: tests/bench/%.inc $(BENCH_NATIVE_DEPS)
	@mkdir -p $(@D)
	$(NASM) -f elf32 -I tests/bench/ -DWORKLOAD=$* -DKVM -DREPEAT=1 -o $@.o tests/bench/native.asm
	-$(LD) -m elf_i386 -o $@ $@.o

.PHONY: bench bench-build
bench-build: tandem $(BENCH_FILES)

bench: bench-build
	@TANDEM=./tandem BENCH_DIR=build/bench tests/bench/bench.sh $(BENCH_WORKLOADS)
