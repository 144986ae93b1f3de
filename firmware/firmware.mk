# tandem's own firmware, included by the top-level Makefile.
#
# firmware/linuxboot.asm: the boot option ROM for -kernel with a BIOS
# (Linux bzImages and multiboot kernels), assembled with nasm; signrom (a
# host tool built here) sets its checksum byte.  tandem looks for it in
# build/firmware/ beside its binary, then in $(FIRMWARE_DIR) where
# `make install` puts it, then in the -L directories.

FIRMWARE_DIR = $(PREFIX)/share/tandem
FIRMWARE_BINS := build/firmware/linuxboot.bin

build/firmware/signrom: firmware/signrom.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -o $@ $<

build/firmware/%.raw: firmware/%.asm
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f bin -o $@ $<

build/firmware/%.bin: build/firmware/%.raw build/firmware/signrom
	@$(if $(Q),echo "  SIGNROM $@")
	$(Q)build/firmware/signrom $< $@

# Where tandem looks after the build directory (hw/linux_boot.c).
build/obj/hw/linux_boot.o build-san/obj/hw/linux_boot.o: \
    EXTRA_CFLAGS = -DTANDEM_FIRMWARE_DIR='"$(FIRMWARE_DIR)"'

.PHONY: firmware install-firmware uninstall-firmware
firmware: $(FIRMWARE_BINS)

install-firmware: $(FIRMWARE_BINS)
	install -d '$(DESTDIR)$(FIRMWARE_DIR)'
	install -m 0644 $(FIRMWARE_BINS) '$(DESTDIR)$(FIRMWARE_DIR)/'

uninstall-firmware:
	rm -f $(patsubst build/firmware/%,'$(DESTDIR)$(FIRMWARE_DIR)/%',$(FIRMWARE_BINS))

# keep the unsigned images (no "rm" after each build)
.SECONDARY: $(FIRMWARE_BINS:.bin=.raw)
