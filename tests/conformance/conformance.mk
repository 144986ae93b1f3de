# The hardware-vector conformance runner (tests/conformance/README.md).
#
#   make conformance [CONFORMANCE_DIR=DIR] [CONFORMANCE_ARGS="-q 80.4"]
#
# `make check` runs it through tests/conformance/run.sh.  The test data
# lives beside the repository (../shared/conformance/...), or wherever
# CONFORMANCE_DIR points.

CONFORMANCE_DIR ?= ../shared/conformance/singlestep-80286-real/v1_real_mode
CONFORMANCE_RUNNER := build/conformance/runner
CONFORMANCE_ARGS ?=

# zlib: from configure when it found it, else ask pkg-config.
ifneq ($(strip $(ZLIB_CFLAGS)$(ZLIB_LIBS)),)
CONFORMANCE_ZLIB_CFLAGS = $(ZLIB_CFLAGS)
CONFORMANCE_ZLIB_LIBS = $(ZLIB_LIBS)
else
CONFORMANCE_ZLIB_CFLAGS := $(shell pkg-config --cflags zlib 2>/dev/null)
CONFORMANCE_ZLIB_LIBS := $(or $(shell pkg-config --libs zlib 2>/dev/null),-lz)
endif

build/conformance/runner.o: tests/conformance/runner.c config.mak config.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -O2 $(CONFORMANCE_ZLIB_CFLAGS) -c -o $@ $<

$(CONFORMANCE_RUNNER): build/conformance/runner.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(CONFORMANCE_ZLIB_LIBS) -lm

-include build/conformance/runner.d

CONFORMANCE_ARG := --conformance tests/conformance/run.sh

.PHONY: conformance
conformance: $(CONFORMANCE_RUNNER)
	@CONFORMANCE_DIR='$(CONFORMANCE_DIR)' ./$(CONFORMANCE_RUNNER) $(CONFORMANCE_ARGS)
