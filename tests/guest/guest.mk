# Guest test images, included by the top-level Makefile.
# Each tests/guest/NAME.asm assembles with nasm into a flat 64 KiB -bios
# image build/guest/NAME.bin (demo.asm gives build/guest/demo.bin);
# tests/guest/run-guests.sh runs them and compares with expected/.

NASM ?= nasm
GUEST_SRCS := $(sort $(wildcard tests/guest/*.asm))
GUEST_BINS += $(patsubst tests/guest/%.asm,build/guest/%.bin,$(GUEST_SRCS))

build/guest/%.bin: tests/guest/%.asm tests/guest/lib.inc tests/guest/fpu.inc
	@mkdir -p $(@D)
	$(NASM) -f bin -I tests/guest/ -o $@ $<

.PHONY: guests
guests: $(GUEST_BINS)
