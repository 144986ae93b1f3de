#!/bin/bash
# make check's step for the hardware-recorded CPU vectors: runs the
# conformance runner quietly (failing opcodes and the summary line only).
# The vectors live in the shared/ folder beside the repository; where it is
# absent (a clone on its own) the step is skipped, saying so.
dir=${CONFORMANCE_DIR:-../shared/conformance/singlestep-80286-real/v1_real_mode}
runner=${CONFORMANCE_RUNNER:-build/conformance/runner}
if [ ! -d "$dir" ]; then
    echo "conformance: $dir not found: skipped (set CONFORMANCE_DIR)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
CONFORMANCE_DIR=$dir exec "$runner" -q
