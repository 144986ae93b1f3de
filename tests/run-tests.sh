#!/bin/bash
# Run tandem's tests and print one final line "N passed, N failed, N skipped".
#
#   tests/run-tests.sh [--unit BIN]... [--guest SCRIPT] [--san BIN]...
#
# --unit/--san BIN: a Check program; its "NN%: Checks: C, Failures: F,
#   Errors: E" line counts C-F-E passed and F+E failed.  Its full output is
#   kept in BIN.log; failures are shown here.
# --guest SCRIPT: the guest runner (TANDEM=./tandem in the environment); its
#   own last line "N passed, N failed" is added in.
# A program that dies without a summary, or exits non-zero although all its
# checks passed (e.g. a leak found at exit), counts as one failure.
# Exit status: 0 when nothing failed, 1 otherwise.

set -u

export CK_FORK=${CK_FORK:-yes}
export TANDEM=${TANDEM:-./tandem}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

TIMEOUT_S=${TEST_TIMEOUT_S:-600}   # per program, a backstop for hangs
passed=0
skipped=0
failed=0
section=

usage() {
    echo "usage: $0 [--unit BIN]... [--guest SCRIPT] [--conformance SCRIPT] [--system SCRIPT] [--san BIN]..." >&2
    exit 2
}

header() {
    if [ "$section" != "$1" ]; then
        section=$1
        echo "== $1"
    fi
}

timeout_cmd() {
    if command -v timeout >/dev/null 2>&1; then
        timeout --kill-after=10 "$TIMEOUT_S" "$@"
    else
        "$@"
    fi
}

# show_problems LOG: the lines of a log that say what went wrong.
show_problems() {
    grep -E '^[^:]+:[0-9]+:[FE]:|runtime error:|ERROR: [A-Za-z]+Sanitizer|^SUMMARY: ' "$1" |
        head -n 20 | sed 's/^/        /'
}

run_check() {   # run_check KIND BIN
    local kind=$1 bin=$2 name log st line c f e
    name=${bin##*/}
    log=$bin.log
    if [ ! -x "$bin" ]; then
        printf '  FAIL  %-24s not built (%s)\n' "$name" "$bin"
        failed=$((failed + 1))
        return
    fi
    if [ "$kind" = san ]; then
        CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4} timeout_cmd "$bin" > "$log" 2>&1
    else
        timeout_cmd "$bin" > "$log" 2>&1
    fi
    st=$?
    line=$(grep -aE '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        printf '  FAIL  %-24s no Check summary (exit status %d); last lines of %s:\n' \
            "$name" "$st" "$log"
        tail -n 15 "$log" | sed 's/^/        /'
        failed=$((failed + 1))
        return
    fi
    [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]
    c=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} e=${BASH_REMATCH[3]}
    passed=$((passed + c - f - e))
    failed=$((failed + f + e))
    if [ $((f + e)) -gt 0 ]; then
        printf '  FAIL  %-24s %d checks, %d failures, %d errors (log: %s)\n' \
            "$name" "$c" "$f" "$e" "$log"
        show_problems "$log"
    elif [ "$st" -ne 0 ]; then
        printf '  FAIL  %-24s %d checks passed, but it exited with status %d (log: %s)\n' \
            "$name" "$c" "$st" "$log"
        show_problems "$log"
        tail -n 5 "$log" | sed 's/^/        /'
        failed=$((failed + 1))
    else
        printf '  PASS  %-24s %d checks\n' "$name" "$c"
    fi
}

run_guest() {   # run_guest SCRIPT
    local script=$1 log st line
    log=build/guest-tests.log
    mkdir -p build
    if [ ! -f "$script" ]; then
        echo "  FAIL  guest runner $script is missing"
        failed=$((failed + 1))
        return
    fi
    bash "$script" 2>&1 | tee "$log"
    st=${PIPESTATUS[0]}
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "  FAIL  $script printed no 'N passed, N failed' line (exit status $st)"
        failed=$((failed + 1))
        return
    fi
    [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
    if [ "$st" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
        echo "  FAIL  $script exited with status $st although it counted no failure"
        failed=$((failed + 1))
    fi
}

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
        --unit)  header "unit tests";                   run_check unit "$2" ;;
        --san)   header "unit tests with ASan+UBSan";   run_check san "$2" ;;
        --guest) header "guest tests (TANDEM=$TANDEM)"; run_guest "$2" ;;
        --conformance) header "hardware-recorded CPU vectors"; run_guest "$2" ;;
        --system) header "system tests (firmware and OS boots)"; run_guest "$2" ;;
        *)       usage ;;
    esac
    shift 2
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
