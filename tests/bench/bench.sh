#!/bin/sh
# The benchmark behind `make bench` (see docs/bench.md): times each workload
# natively on the host, on interp, and on kvm where /dev/kvm opens, and
# prints instructions per second and the ratio to native.
#
#   tests/bench/bench.sh [WORKLOAD...]     (default: alu mem branch string x87)
#
# Needs the files bench.mk builds in BENCH_DIR; builds nothing itself.
# Environment:
#   TANDEM         tandem binary (default ./tandem)
#   BENCH_DIR      images and native programs (default build/bench)
#   BENCH_REPS     timed runs per (workload, engine); the best counts (3;
#                  native and interp: in turn, 15-40 rounds, see best_pair)
#   BENCH_TIMEOUT  seconds before a run is abandoned (default 60)
#   BENCH_ENGINES  engines to time (default "native interp kvm")
#
# A benchmark, not a test: it exits 0 whatever the figures, and non-zero only
# when it cannot run at all (no tandem, images not built).

# word splitting of $G, $dev and count lists is intended
# shellcheck disable=SC2086,SC2046

TANDEM=${TANDEM:-./tandem}
BENCH_DIR=${BENCH_DIR:-build/bench}
BENCH_REPS=${BENCH_REPS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-60}
BENCH_ENGINES=${BENCH_ENGINES:-native interp kvm}
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- alu mem branch string x87
# the loops goal (the issue): interp at least 1/15 of native on these
INTEGER_LOOPS="alu mem branch"
GOAL=15

if [ ! -x "$TANDEM" ]; then
    echo "bench: $TANDEM not found (run make bench)" >&2
    exit 1
fi
if [ ! -f "$BENCH_DIR/empty.bin" ]; then
    echo "bench: $BENCH_DIR/empty.bin not found (run make bench)" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

dev="-device isa-debug-exit,iobase=0xf4,iosize=0x04"
sfx=   # output file suffix of run_once: .n for native runs

has_engine() {
    case " $BENCH_ENGINES " in *" $1 "*) return 0 ;; esac
    return 1
}

fcalc() { awk "BEGIN { print ($1) }"; }

# run_once CMD...: one run; sets st (exit status) and el (seconds); the
# output goes to $tmp/out$sfx and $tmp/err$sfx (sfx empty unless set)
run_once() {
    t0=$(date +%s.%N)
    timeout "$BENCH_TIMEOUT" "$@" >"$tmp/out$sfx" 2>"$tmp/err$sfx"
    st=$?
    t1=$(date +%s.%N)
    el=$(fcalc "$t1 - $t0")
}

# best_of OKSTATUS CMD...: BENCH_REPS runs (stops at the first failure);
# sets best (seconds, empty on failure), st, and leaves the output in
# $tmp/out and $tmp/err
best_of() {
    ok=$1
    shift
    best=
    r=0
    while [ "$r" -lt "$BENCH_REPS" ]; do
        run_once "$@"
        if [ "$st" -ne "$ok" ]; then
            best=
            return
        fi
        if [ -z "$best" ] || [ "$(fcalc "$el < $best")" = 1 ]; then
            best=$el
        fi
        r=$((r + 1))
    done
}

# near_best TIMES: how many of the (space-separated) times lie within 10%
# of the smallest
near_best() {
    echo "$1" | awk '{ m = $1; for (k = 2; k <= NF; k++) if ($k < m) m = $k;
        n = 0; for (k = 1; k <= NF; k++) if ($k <= m * 1.1) n++; print n }'
}

# pair_step P OK CMD...: one run of best_pair's engine P (n: native,
# i: interp; OK its exit status when it worked), updating ${P}ok, ${P}st,
# ${P}best and ${P}times
pair_step() {
    p=$1 ok=$2
    shift 2
    run_once "$@"
    eval "${p}st=\$st"
    if [ "$st" -ne "$ok" ]; then
        eval "${p}ok='' ${p}best=''"
        return
    fi
    eval "${p}times=\"\$${p}times \$el\" b=\$${p}best"
    if [ -z "$b" ] || [ "$(fcalc "$el < $b")" = 1 ]; then
        eval "${p}best=\$el"
    fi
}

# best_pair W: the native program and the interp image of W timed in
# turn, one run each per round, so that both meet the same host.  A busy
# host (this project's VMs) pauses or slows a process now and then and
# never speeds it up (docs/bench.md): the best run is the one to count.
# Runs are short so that many are not hit; rounds go on (at least 15 and
# BENCH_REPS, at most 40) until three runs of each engine lie within 10%
# of its best.  Sets nbest/ibest (seconds, empty on failure), nst/ist and
# nrounds, and leaves the outputs in $tmp/out[.n] and $tmp/err[.n]
# (native in .n).
best_pair() {
    nbest='' ibest='' nst=0 ist=1 ntimes='' itimes=''
    nok=$native iok=1
    nrounds=0
    while :; do
        if [ -n "$nok" ]; then
            sfx=.n
            pair_step n 0 "$BENCH_DIR/$1.$native"
        fi
        if [ -n "$iok" ]; then
            sfx=
            pair_step i 1 "$TANDEM" -accel interp -bios "$BENCH_DIR/$1.bin" $G
        fi
        nrounds=$((nrounds + 1))
        [ -n "$nok$iok" ] || break
        [ "$nrounds" -ge 40 ] && break
        [ "$nrounds" -lt "$BENCH_REPS" ] || [ "$nrounds" -lt 15 ] && continue
        if { [ -z "$nok" ] || [ "$(near_best "$ntimes")" -ge 3 ]; } &&
           { [ -z "$iok" ] || [ "$(near_best "$itimes")" -ge 3 ]; }; then
            break
        fi
    done
}

# the options of every timed guest run: -accel ENGINE -bios IMAGE $G
G="-q -display none -debugcon stdio $dev"

# field NAME: the hex value after NAME in the "bench: ..." line of
# $tmp/out$sfx, in decimal
field() {
    v=$(sed -n "s/^bench: .* $1 \([0-9a-f]*\).*/\1/p" "$tmp/out$sfx" | head -n 1)
    [ -n "$v" ] && printf '%d\n' "0x$v"
}
checksum() {
    sed -n 's/^bench: .* checksum \([0-9a-f]*\).*/\1/p' "$tmp/out$sfx" | head -n 1
}

# why_failed ENGINE: a short reason for the last failed run
why_failed() {
    if [ "$st" -eq 124 ]; then
        echo "timed out after ${BENCH_TIMEOUT}s"
    elif grep -q '^exc 06' "$tmp/out$sfx" 2>/dev/null; then
        echo "not supported yet (#UD)"
    elif grep -q '^exc 07' "$tmp/out$sfx" 2>/dev/null; then
        echo "not supported yet (#NM)"
    elif grep -q '^exc ' "$tmp/out$sfx" 2>/dev/null; then
        echo "failed: guest got $(grep -m1 '^exc ' "$tmp/out$sfx" | cut -c1-6)"
    elif grep -q 'emulation failure' "$tmp/err$sfx" 2>/dev/null; then
        echo "cannot run it: KVM emulation failure"
    else
        echo "failed: status $st $(head -n 1 "$tmp/err$sfx" | cut -c1-60)"
    fi
}

# ---- the machine ----
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "tandem benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "host: ${cpu:-unknown CPU}, $(nproc) CPUs, Linux $(uname -r)," \
     "load average $(cut -d' ' -f1 /proc/loadavg) (a busy host slows every figure)"
rev=$(git -C "$here" rev-parse --short HEAD 2>/dev/null)
echo "tandem: $($TANDEM -version 2>&1 | head -n 1)${rev:+ (git $rev)}; best of $BENCH_REPS runs" \
     "(native and interp: in turn, 15-40 rounds, see docs/bench.md)"

# ---- native flavour: the 32-bit program if this kernel runs it ----
native=
if has_engine native; then
    for f in native32 native64; do
        if [ -x "$BENCH_DIR/empty.$f" ] &&
           "$BENCH_DIR/empty.$f" 2>/dev/null | grep -q '^bench: empty '; then
            native=$f
            break
        fi
    done
    if [ -z "$native" ]; then
        echo "native: no runnable host program (x86 Linux only): ratios n/a"
    elif [ "$native" = native32 ]; then
        echo "native: the same 32-bit code as a Linux elf32 program"
    else
        echo "native: the same source as 64-bit code (no 32-bit programs here)"
    fi
fi

# ---- kvm: only where /dev/kvm opens and tandem runs an empty guest on it ----
kvm=
if has_engine kvm; then
    if ! (exec 3<>/dev/kvm) 2>/dev/null; then
        echo "kvm: /dev/kvm does not open here: skipped"
    else
        run_once "$TANDEM" -accel kvm -bios "$BENCH_DIR/empty-kvm.bin" $G
        if [ "$st" -ne 1 ]; then
            echo "kvm: skipped: $(head -n 1 "$tmp/err")"
        elif grep -qw -e vmx -e svm /proc/cpuinfo; then
            kvm=kvm
        else
            kvm="kvm*"
            echo "kvm*: this host's KVM has no VT-x/AMD-V (no vmx/svm in" \
                 "/proc/cpuinfo): KVM emulates"
            echo "      every guest instruction in software; kvm* figures" \
                 "measure that, with fewer iterations."
        fi
    fi
fi

# ---- start-up costs, subtracted from every run ----
save_reps=$BENCH_REPS
[ "$BENCH_REPS" -lt 5 ] && BENCH_REPS=5
boot_interp=0 boot_kvm=0 boot_native=0
if has_engine interp; then
    best_of 1 "$TANDEM" -accel interp -bios "$BENCH_DIR/empty.bin" $G
    boot_interp=${best:-0}
fi
if [ -n "$kvm" ]; then
    best_of 1 "$TANDEM" -accel kvm -bios "$BENCH_DIR/empty-kvm.bin" $G
    boot_kvm=${best:-0}
fi
if [ -n "$native" ]; then
    best_of 0 "$BENCH_DIR/empty.$native"
    boot_native=${best:-0}
fi
BENCH_REPS=$save_reps
printf 'start-up (subtracted): interp %.4fs, kvm %.4fs, native %.4fs\n' \
    "$boot_interp" "${boot_kvm:-0}" "$boot_native"

# insn_counts W: sets per and fixed (instructions per iteration and the fixed
# part of bench_body) and src: counted in interp traces of the ITERS=1,2,3
# images (instructions whose address lies in bench_body's 4 KiB), else the
# "; bench-insns: PER FIXED" line of W.inc
insn_counts() {
    w=$1
    set -- $(sed -n 's/^; bench-insns: \([0-9]*\) \([0-9]*\).*/\1 \2/p' \
        "$here/$w.inc")
    f_per=$1 f_fixed=$2
    c=
    for k in 1 2 3; do
        "$TANDEM" -q -bios "$BENCH_DIR/$w-n$k.bin" -display none \
            -debugcon none $dev -d exec -D "$tmp/trace" >/dev/null 2>&1
        if [ $? -ne 1 ]; then
            c=
            break
        fi
        c="$c $(grep -c '^0008:000f0[0-9a-f][0-9a-f][0-9a-f] ' "$tmp/trace")"
    done
    rm -f "$tmp/trace"
    if [ -n "$c" ]; then
        set -- $c
        if [ $(($3 - $2)) -eq $(($2 - $1)) ] && [ $(($2 - $1)) -gt 0 ]; then
            per=$(($2 - $1))
            fixed=$(($1 - per))
            src=trace
            if [ "$per $fixed" != "$f_per $f_fixed" ]; then
                echo "note: $w: traced $per/iteration + $fixed," \
                     "$w.inc says $f_per + $f_fixed" >&2
            fi
            return
        fi
    fi
    per=$f_per fixed=$f_fixed src=formula
}

printf '\n%-7s %-7s %9s %9s %9s %9s  %s\n' workload engine "M insns" \
    seconds "M insn/s" "vs native" "checksum / notes"
echo "-------------------------------------------------------------------------------"

# row W ENGINE INSNS SECONDS NATIVE_RATE NOTE: one table line; sets rate
row() {
    if [ -n "$4" ]; then
        rate=$(fcalc "$3 / $4 / 1e6")
        if [ -n "$5" ]; then
            vs=$(awk "BEGIN { r = $rate / $5; if (r >= 1) printf \"%.2f\", r;
                 else if (1 / r < 100) printf \"1/%.1f\", 1 / r;
                 else printf \"1/%.0f\", 1 / r }")
        else
            vs=n/a
        fi
        printf '%-7s %-7s %9.4g %9.3f %9.4g %9s  %s\n' "$1" "$2" \
            "$(fcalc "$3 / 1e6")" "$4" "$rate" "$vs" "$6"
    else
        rate=
        printf '%-7s %-7s %9s %9s %9s %9s  %s\n' "$1" "$2" - - - - "$6"
    fi
}

goal_report=
for w in "$@"; do
    if [ ! -f "$BENCH_DIR/$w.bin" ]; then
        echo "$w: not built ($BENCH_DIR/$w.bin)"
        continue
    fi
    insn_counts "$w"

    # reference checksums and iteration counts: the native programs
    # (REPEAT=1 for the kvm size), else interp
    ref='' refk='' iters='' itersk='' sfx='' nrounds=''
    if [ -n "$native" ]; then
        run_once "$BENCH_DIR/$w-kvm.$native"
        [ "$st" -eq 0 ] && refk=$(checksum) && itersk=$(field iters)
    fi

    # native and interp, in turn (best_pair)
    nrate=
    if [ -n "$native" ] && has_engine interp; then
        best_pair "$w"
    elif [ -n "$native" ]; then
        save_reps=$BENCH_REPS
        [ "$BENCH_REPS" -lt 5 ] && BENCH_REPS=5
        sfx=.n
        best_of 0 "$BENCH_DIR/$w.$native"
        BENCH_REPS=$save_reps
        nbest=$best nst=$st
    elif has_engine interp; then
        best_of 1 "$TANDEM" -accel interp -bios "$BENCH_DIR/$w.bin" $G
        ibest=$best ist=$st
    fi
    if [ -n "$native" ]; then
        best=$nbest st=$nst sfx=.n
        if [ -n "$best" ]; then
            ref=$(checksum)
            iters=$(field iters)
            repeat=$(field repeat)
            n=$(( (fixed + per * iters) * repeat ))
            net=$(fcalc "$best - $boot_native")
            row "$w" native "$n" "$net" "" \
                "$ref (x$repeat calls, $src count${nrounds:+, $nrounds rounds})"
            nrate=$rate
        else
            row "$w" native 0 "" "" "$(why_failed)"
        fi
    fi

    # interp
    sfx=
    if has_engine interp; then
        best=$ibest st=$ist
        if [ -n "$best" ]; then
            sum=$(checksum)
            [ -n "$iters" ] || iters=$(field iters)
            n=$((fixed + per * iters))
            net=$(fcalc "$best - $boot_interp")
            if [ -z "$ref" ]; then
                note="$sum (no native reference)"
            elif [ "$sum" = "$ref" ]; then
                note="$sum ok"
            else
                note="$sum WRONG (native $ref)"
            fi
            row "$w" interp "$n" "$net" "$nrate" "$note"
            case " $INTEGER_LOOPS " in *" $w "*)
                if [ -n "$nrate" ] && [ "$sum" = "$ref" ]; then
                    if [ "$(fcalc "$rate * $GOAL >= $nrate")" = 1 ]; then
                        g=met
                    else
                        g="not met"
                    fi
                    goal_report="$goal_report $w: $vs ($g);"
                fi
            esac
        else
            row "$w" interp 0 "" "" "$(why_failed)"
        fi
    fi

    # kvm (fewer iterations)
    if [ -n "$kvm" ]; then
        if [ -z "$refk" ] && has_engine interp; then
            run_once "$TANDEM" -accel interp -bios "$BENCH_DIR/$w-kvm.bin" $G
            [ "$st" -eq 1 ] && refk=$(checksum) && itersk=$(field iters)
        fi
        best_of 1 "$TANDEM" -accel kvm -bios "$BENCH_DIR/$w-kvm.bin" $G
        if [ -n "$best" ]; then
            sum=$(checksum)
            [ -n "$itersk" ] || itersk=$(field iters)
            n=$((fixed + per * itersk))
            net=$(fcalc "$best - $boot_kvm")
            if [ -z "$refk" ]; then
                note="$sum (no reference)"
            elif [ "$sum" = "$refk" ]; then
                note="$sum ok"
            else
                note="$sum WRONG (expected $refk)"
            fi
            row "$w" "$kvm" "$n" "$net" "$nrate" "$note, $itersk iterations"
        else
            row "$w" "$kvm" 0 "" "" "$(why_failed)"
        fi
    fi
done

echo
if [ -n "$goal_report" ]; then
    echo "goal (interp >= 1/$GOAL of native on the integer loops):$goal_report"
fi
exit 0
