# tandem: one non-recursive GNU make build.
#
#   make               build ./tandem (runs ./configure first if needed)
#   make check         unit tests, guest tests, sanitizer unit tests; ends
#                      with one line "N passed, N failed, N skipped"
#   make demo          build and run the bundled demo guest
#   make help          list every target
#
# V=1 shows full commands; WERROR=1 turns warnings into errors.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# ---------------------------------------------------------------------------
# Configuration: config.mak comes from ./configure.  Goals that only remove
# files do not need it.
NOCONFIG_GOALS := clean distclean help
ifneq ($(filter-out $(NOCONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
include config.mak
endif

# Missing config.mak: configure with defaults.  configure edited since: run it
# again with the options it was last given (CONFIGURE_ARGS, from config.mak).
config.mak: configure
	@if [ -f $@ ]; then echo "  configure changed: ./configure $(CONFIGURE_ARGS)"; \
	 else echo "  no config.mak yet: running ./configure"; fi
	@./configure $(CONFIGURE_ARGS)

config.h: config.mak
	@test -f $@ || ./configure $(CONFIGURE_ARGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---------------------------------------------------------------------------
# Flags.  CFLAGS (-O2 -g by default) comes from configure; the rest is fixed.
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -I. -MMD -MP
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(ZLIB_CFLAGS) $(EXTRA_CFLAGS)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
SAN_CFLAGS = $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS) $(ZLIB_CFLAGS) $(EXTRA_CFLAGS)

# --as-needed: a library is only recorded in the binary if something uses it
# (SDL2 and zlib are probed before any code calls them).
ifeq ($(CONFIG_SDL),y)
GUI_LIBS = $(SDL_LIBS)
endif
LIBS = -Wl,--as-needed $(GUI_LIBS) $(ZLIB_LIBS) -lpthread -lrt -lm

# Only the display code sees SDL's include path.
build/obj/ui/%.o build-san/obj/ui/%.o: EXTRA_CFLAGS = $(SDL_CFLAGS)
# Unit tests include <check.h>.
build/tests/%.o build-san/tests/%.o: EXTRA_CFLAGS = $(CHECK_CFLAGS)

# ---------------------------------------------------------------------------
# Sources: every .c in these folders goes into the library.
SRC_DIRS := cpu accel hw debug ui
LIB_SRCS := $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
ifneq ($(CONFIG_KVM),y)
LIB_SRCS := $(filter-out accel/kvm.c accel/kvm_%.c,$(LIB_SRCS))
UNIT_SRCS := $(filter-out tests/unit/test_kvm%.c,$(UNIT_SRCS))
endif
ifneq ($(CONFIG_SDL),y)
LIB_SRCS := $(filter-out ui/sdl%.c,$(LIB_SRCS))
UNIT_SRCS := $(filter-out tests/unit/test_sdl%.c,$(UNIT_SRCS))
endif

LIB_OBJS := $(LIB_SRCS:%.c=build/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=build-san/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build-san/tests/%)

LIB := build/libtandem.a
SAN_LIB := build-san/libtandem.a

# ---------------------------------------------------------------------------
# Guest programs: tests/guest/guest.mk adds build/guest/*.bin to GUEST_BINS
# with its own rules (assembled with $(NASM)).
GUEST_BINS :=
GUEST_RUNNER := tests/guest/run-guests.sh
# System tests: real firmware and operating systems on the board.
SYSTEM_TESTS := tests/system/seabios.sh
SYSTEM_TESTS += tests/system/multiboot.sh tests/system/linuxboot.sh
SYSTEM_TESTS += tests/system/ide.sh
DEMO_BIN := build/guest/demo.bin
DEMO_ARGS := -bios $(DEMO_BIN) -nographic -device isa-debug-exit,iobase=0xf4,iosize=0x04
ifeq ($(NASM),)
NASM = sh -c 'echo "make: nasm not found: apt-get install nasm" >&2; exit 1' nasm
endif
ifneq ($(wildcard tests/guest/guest.mk),)
include tests/guest/guest.mk
else
$(DEMO_BIN):
	@echo "make: tests/guest/guest.mk is missing: cannot build $@" >&2; exit 1
endif

# Our own firmware (the -kernel boot ROM): FIRMWARE_BINS and its rules.
include firmware/firmware.mk

# ---------------------------------------------------------------------------
# Build rules.
.PHONY: all
all: tandem $(FIRMWARE_BINS)

build/obj/%.o: %.c config.mak config.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build-san/obj/%.o: %.c config.mak config.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(UNIT_BINS:%=%.o): build/tests/%.o: tests/unit/%.c config.mak config.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SAN_UNIT_BINS:%=%.o): build-san/tests/%.o: tests/unit/%.c config.mak config.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(SAN_CFLAGS) -c -o $@ $<

# Rebuilt from scratch so objects of deleted sources do not linger.
$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SAN_LIB): $(SAN_LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

tandem: build/obj/tandem.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# ./tandem with the sanitizers, for running guests under ASan/UBSan.
build-san/tandem: build-san/obj/tandem.o $(SAN_LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $< $(SAN_LIB) $(LIBS)

$(UNIT_BINS): %: %.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(CHECK_LIBS) $(LIBS)

$(SAN_UNIT_BINS): %: %.o $(SAN_LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $< $(SAN_LIB) $(CHECK_LIBS) $(LIBS)

# Optional fragments: the hardware-vector conformance runner (make
# conformance) and the benchmark (make bench).
-include tests/conformance/conformance.mk
-include tests/bench/bench.mk

-include $(LIB_OBJS:.o=.d) $(SAN_LIB_OBJS:.o=.d) \
         build/obj/tandem.d build-san/obj/tandem.d \
         $(UNIT_BINS:%=%.d) $(SAN_UNIT_BINS:%=%.d)

# ---------------------------------------------------------------------------
# Tests.  tests/run-tests.sh runs each part and prints the final summary.
RUN_TESTS := tests/run-tests.sh
GUEST_ARG = $(if $(wildcard $(GUEST_RUNNER)),--guest $(GUEST_RUNNER))

.PHONY: check check-unit check-guest check-san san tests
ifneq ($(CONFIG_CHECK),y)
check check-unit check-san tests:
	@echo "make: Check not found: apt-get install check, then ./configure" >&2; exit 1
else
check: tandem $(FIRMWARE_BINS) $(UNIT_BINS) $(SAN_UNIT_BINS) $(GUEST_BINS) $(CONFORMANCE_RUNNER)
	@TANDEM=./tandem $(RUN_TESTS) $(addprefix --unit ,$(UNIT_BINS)) \
	    $(GUEST_ARG) $(CONFORMANCE_ARG) $(addprefix --system ,$(SYSTEM_TESTS)) \
	    $(addprefix --san ,$(SAN_UNIT_BINS))

check-unit: $(UNIT_BINS)
	@$(RUN_TESTS) $(addprefix --unit ,$(UNIT_BINS))

check-san: $(SAN_UNIT_BINS)
	@$(RUN_TESTS) $(addprefix --san ,$(SAN_UNIT_BINS))

# Build every test program without running any.
tests: $(UNIT_BINS) $(SAN_UNIT_BINS) $(GUEST_BINS)
endif

check-guest: tandem $(GUEST_BINS)
	@TANDEM=./tandem $(RUN_TESTS) $(GUEST_ARG)

san: build-san/tandem $(SAN_UNIT_BINS)

# ---------------------------------------------------------------------------
# The demo: the bundled guest prints over COM1 and exits through
# isa-debug-exit by writing 0, which tandem turns into exit status 1.
.PHONY: demo
demo: tandem $(DEMO_BIN)
	@echo "  RUN     ./tandem $(DEMO_ARGS)"
	@./tandem $(DEMO_ARGS); st=$$?; \
	if [ $$st -eq 1 ]; then \
	    echo "demo: the guest finished and exited through isa-debug-exit (status 1 = success)"; \
	else \
	    echo "demo: FAILED: tandem exited with status $$st (expected 1)" >&2; exit 1; \
	fi

# ---------------------------------------------------------------------------
# Debian's 32-bit Linux: scripts/fetch-guests.sh downloads it into a cache
# outside the tree (TANDEM_CACHE, default ~/.cache/tandem) and builds the
# initramfs, CD and disk images; tests/system/linux.sh boots them (minutes
# each on interp, so not part of `check`).  run-linux boots it to a shell on
# the terminal: through SeaBIOS and our linux-boot ROM when it is built,
# else directly (-bios none).  C-a x leaves.
FETCH_GUESTS := scripts/fetch-guests.sh
LINUX_TESTS := tests/system/linux.sh
LINUXBOOT_ROM := $(if $(wildcard firmware/linuxboot.asm),build/firmware/linuxboot.bin)
RUN_LINUX_ARGS := -m 256M -nographic

.PHONY: fetch-guests check-system run-linux
fetch-guests:
	@$(FETCH_GUESTS)

check-system: tandem $(LINUXBOOT_ROM)
	@$(FETCH_GUESTS) || echo "make: $(FETCH_GUESTS) failed: boots without their images are skipped" >&2
	@TANDEM=./tandem $(RUN_TESTS) --system $(LINUX_TESTS)

run-linux: tandem $(LINUXBOOT_ROM)
	@$(FETCH_GUESTS)
	@c=$$($(FETCH_GUESTS) --print-cache); a=$$($(FETCH_GUESTS) --print-cmdline); \
	if [ -f build/firmware/linuxboot.bin ]; then bios=; else bios="-bios none"; fi; \
	echo "  RUN     ./tandem $$bios $(RUN_LINUX_ARGS) -kernel $$c/vmlinuz -initrd $$c/initramfs.cpio.gz -append '$$a'"; \
	echo "run-linux: Linux takes a few minutes to boot on interp; C-a x leaves, 'poweroff -f' powers off"; \
	exec ./tandem $$bios $(RUN_LINUX_ARGS) -kernel "$$c/vmlinuz" \
	    -initrd "$$c/initramfs.cpio.gz" -append "$$a"

# ---------------------------------------------------------------------------
.PHONY: install uninstall clean distclean help
install: tandem install-firmware
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 tandem '$(DESTDIR)$(PREFIX)/bin/tandem'

uninstall: uninstall-firmware
	rm -f '$(DESTDIR)$(PREFIX)/bin/tandem'

clean:
	rm -rf build build-san tandem

distclean: clean
	rm -f config.mak config.h config.log

help:
	@echo "Targets:"
	@echo "  all          build ./tandem (default)"
	@echo "  check        unit tests, guest tests, sanitizer unit tests; summary line"
	@echo "  check-unit   unit tests only (build/tests/test_*)"
	@echo "  check-guest  guest programs on ./tandem (tests/guest/run-guests.sh)"
	@echo "  check-san    unit tests built with ASan+UBSan (build-san/tests/test_*)"
	@echo "  tests        build every test program without running it"
	@echo "  san          build-san/tandem and the sanitizer unit tests"
	@echo "  demo         build and run the demo guest (build/guest/demo.bin)"
	@echo "  fetch-guests download Debian's Linux and build its images (scripts/fetch-guests.sh)"
	@echo "  check-system boot Linux from those images (tests/system/linux.sh; minutes)"
	@echo "  run-linux    boot Debian's Linux to a shell on this terminal (C-a x leaves)"
	@echo "  conformance  the recorded CPU test vectors on interp (part of check)"
	@echo "  bench        interp and kvm speed against native (docs/bench.md; minutes)"
	@echo "  install      install tandem to \$$(DESTDIR)\$$(PREFIX)/bin"
	@echo "  uninstall    remove it again"
	@echo "  clean        remove build outputs"
	@echo "  distclean    also remove config.mak, config.h, config.log"
	@echo "Variables: V=1 (show commands), WERROR=1 (warnings are errors)"
