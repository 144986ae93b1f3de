#!/bin/sh
# Run the guest test images on every engine at hand and compare what they
# print on the debug port (and, where expected/NAME.serial.txt exists, on
# COM1) with tests/guest/expected/.
#
#   tests/guest/run-guests.sh [NAME...]
#
# Environment:
#   TANDEM         tandem binary (default ./tandem)
#   GUEST_DIR      where the images are (default build/guest; nothing is built)
#   GUEST_ENGINES  engines to try (default "interp kvm qemu"): interp always
#                  runs when listed; kvm when /dev/kvm opens; qemu when
#                  qemu-system-i386 is installed (an independent reference)
#   GUEST_TIMEOUT  seconds per run (default 20)
#
# One line per (guest, engine): PASS/FAIL/SKIP NAME ENGINE, then the summary
# line "N passed, N failed, N skipped".  Exit status 1 if anything failed.
#
# A guest ends by writing 0 to isa-debug-exit (port 0xf4), which makes the
# emulator exit with status (0 << 1) | 1 = 1; any other status is a failure.

here=$(cd "$(dirname "$0")" && pwd)
TANDEM=${TANDEM:-./tandem}
GUEST_DIR=${GUEST_DIR:-build/guest}
GUEST_ENGINES=${GUEST_ENGINES:-interp kvm qemu}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-20}
expected_dir=$here/expected

# Guests whose output under QEMU differs from the expected output for a
# documented reason (a QEMU limitation, not a tandem one).  Such a
# difference is reported as SKIP, not FAIL.
#   strict: QEMU's TCG does not check segment limits, segment write
#           permission or null-selector use, does not raise #GP for a
#           real-mode access that wraps at offset FFFF, and does not raise
#           #UD for LOCK on an instruction that cannot be locked.  The
#           expected output follows the SDM (and agrees with Bochs 2.7).
#   sse-mxcsr, sse-exc, mmx-x87: QEMU 7.2 never sets MXCSR.DE, never raises
#           #XM, leaves bits 64-79 alone when MMX writes a register, raises
#           no #MF for MMX, and misses several #UD/#GP cases; each guest's
#           header lists what it checks.  Bochs 2.7 matches them.
#   prot-gate: QEMU gives CS RPL 0 through a call gate to conforming code,
#           sets no EXT bit on #TS during a hardware exception, raises #TS
#           instead of #SS for a not-present new SS, and skips expand-down
#           limit checks.
#   task-switch: no T-bit #DB; wrong EIP saved when #TS follows the commit
#           point of a task switch.
#   v86-vme: QEMU's translator has no VME (PUSHF at IOPL<3 faults).
#   paging-basic, paging-pae: reserved-bit #PF without the P bit; a CR3
#           write drops global pages; PDPTEs neither checked nor held until
#           the next CR3 write; qemu32 has no NX.
#   dbg-basic: ICEBP gives #UD; DR6 bit 12 reads 1.
#   prot-misc: no #GP for MOV CR4 with reserved bit 15 (then hangs).
#   Bochs 2.7 matches all of these line by line.
#   fpu-arith, fpu-cmp, fpu-trans, fpu-exc, fpu-rm: QEMU's x87 has no C1
#           round-up, no #D, no stack faults and no FOP; expected lines
#           follow the SDM, Bochs 2.7 and this host's real x87 (each .asm
#           says which source each line follows).
#   fpu-ferr: QEMU 7.2 aborts ("tcg_handle_interrupt: assertion failed")
#           when FERR# raises IRQ13; Bochs 2.7 matches line by line.
qemu_exceptions="strict sse-mxcsr sse-exc mmx-x87 prot-gate task-switch v86-vme paging-basic paging-pae dbg-basic prot-misc fpu-arith fpu-cmp fpu-trans fpu-exc fpu-rm fpu-ferr"

# Guests that a host whose KVM has no hardware virtualization (no vmx/svm
# in /proc/cpuinfo, e.g. kvm_pvm: every instruction goes through KVM's
# instruction emulator) is known to run differently; there a difference is
# a SKIP.  On a VT-x/AMD-V host they must match like any other.
# A listed guest that differs or times out there is a SKIP.
#   rm-stack: KVM's emulator pushes EBP for "o32 enter" in a 16-bit stack
#             segment with the stack size (2 bytes), not the operand size.
#   rm-int:   "int n" with n >= 0x80 in real mode never completes in KVM's
#             emulator (KVM_RUN spins until interrupted).
#   sse-exc:  turns on 32-bit paging, on which such a KVM raises #GP.
#   paging-basic: such a KVM injects #GP when MOV CR0 sets PG.
kvm_emulator_exceptions="rm-stack rm-int sse-exc paging-basic"

# Guests that test what the kvm engine does not do on any host: a SKIP there.
#   rm-a20: KVM cannot mask address line 20 without re-mapping guest memory;
#           like QEMU with KVM, the kvm engine keeps A20 on.
#   fpu-ferr: KVM has no exit for FERR#, so with CR0.NE=0 no IRQ13 comes
#           (as with QEMU on KVM).
kvm_engine_limits="rm-a20 fpu-ferr"

# QEMU as the reference machine: no default devices, no local APIC (tandem
# has none, and QEMU's APIC would mask the 8259's INTR after reset), and
# CPUID family/model/stepping as tandem's CPU model (6/3/3, GenuineIntel).
QEMU=qemu-system-i386
qemu_args="-nodefaults -vga std -accel tcg -machine pc -cpu qemu32,-apic,model=3 -display none -no-reboot"

dev_args="-device isa-debug-exit,iobase=0xf4,iosize=0x04"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-guests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

npass=0
nfail=0
nskip=0

pass() { echo "PASS $1 $2"; npass=$((npass + 1)); }
skip() { echo "SKIP $1 $2${3:+ ($3)}"; nskip=$((nskip + 1)); }
fail() { echo "FAIL $1 $2${3:+ ($3)}"; nfail=$((nfail + 1)); }

in_list() {
    case " $2 " in *" $1 "*) return 0 ;; esac
    return 1
}

have_engine() {
    case " $GUEST_ENGINES " in *" $1 "*) return 0 ;; esac
    return 1
}

# timeout(1) kills a hung guest; its status 124 means "timed out"
run_limited() {
    timeout -k 5 "$GUEST_TIMEOUT" "$@"
}

# compare NAME ENGINE: the files of the last run against the expected ones;
# prints what differs and returns 1 when something does
compare() {
    _ok=0
    if ! cmp -s "$expected_dir/$1.txt" "$tmp/out"; then
        echo "--- $1 $2: debug port output differs (expected vs got):"
        diff -u "$expected_dir/$1.txt" "$tmp/out" | sed -n '3,42p'
        _ok=1
    fi
    if [ "$2" != qemu ] && [ -f "$expected_dir/$1.screen.txt" ] &&
       ! cmp -s "$expected_dir/$1.screen.txt" "$tmp/screen"; then
        echo "--- $1 $2: VGA text screen differs (expected vs got):"
        diff -u "$expected_dir/$1.screen.txt" "$tmp/screen" | sed -n '3,22p'
        _ok=1
    fi
    if [ -f "$expected_dir/$1.serial.txt" ] &&
       ! cmp -s "$expected_dir/$1.serial.txt" "$tmp/serial"; then
        echo "--- $1 $2: COM1 output differs (expected vs got):"
        diff -u "$expected_dir/$1.serial.txt" "$tmp/serial" | sed -n '3,22p'
        _ok=1
    fi
    return $_ok
}

show_stderr() {
    if [ -s "$tmp/err" ]; then
        echo "--- $1 $2: stderr (last lines):"
        tail -n 8 "$tmp/err"
    fi
}

# run_tandem ENGINE IMAGE: sets $status
run_tandem() {
    : > "$tmp/out"
    : > "$tmp/serial"
    : > "$tmp/screen"
    run_limited "$TANDEM" -q -accel "$1" -bios "$2" -display none -no-reboot \
        -screendump-at-exit "$tmp/screen" \
        -serial "file:$tmp/serial" -debugcon "file:$tmp/out" $dev_args \
        > "$tmp/stdout" 2> "$tmp/err"
    status=$?
}

run_qemu() {
    : > "$tmp/out"
    : > "$tmp/serial"
    run_limited "$QEMU" $qemu_args -bios "$1" \
        -serial "file:$tmp/serial" -debugcon "file:$tmp/out" $dev_args \
        > "$tmp/stdout" 2> "$tmp/err"
    status=$?
}

why_status() {
    case $1 in
    124|137) echo "timed out after ${GUEST_TIMEOUT}s" ;;
    1) echo "output differs" ;;
    *) echo "exit status $1, expected 1" ;;
    esac
}

# which engines can run here
use_interp=0
use_kvm=0
use_qemu=0
kvm_emulated=0
kvm_note=
if have_engine interp || have_engine kvm; then
    if [ ! -x "$TANDEM" ]; then
        echo "run-guests: $TANDEM not found or not executable (set TANDEM)" >&2
        exit 2
    fi
fi
have_engine interp && use_interp=1
if have_engine kvm; then
    if [ -c /dev/kvm ] && (: <> /dev/kvm) 2>/dev/null; then
        use_kvm=1
        grep -qwE 'vmx|svm' /proc/cpuinfo 2>/dev/null || kvm_emulated=1
    else
        kvm_note="/dev/kvm cannot be opened"
    fi
fi
if have_engine qemu && command -v "$QEMU" > /dev/null 2>&1; then
    use_qemu=1
fi

# the guests: arguments, or every tests/guest/*.asm
if [ $# -gt 0 ]; then
    names="$*"
else
    names=
    for f in "$here"/*.asm; do
        n=$(basename "$f" .asm)
        names="$names $n"
    done
fi

for name in $names; do
    img=$GUEST_DIR/$name.bin
    if [ ! -f "$expected_dir/$name.txt" ]; then
        fail "$name" all "no expected/$name.txt"
        continue
    fi
    if [ ! -f "$img" ]; then
        fail "$name" all "image $img not built (make guests)"
        continue
    fi

    if [ $use_interp = 1 ]; then
        run_tandem interp "$img"
        if [ $status = 1 ] && compare "$name" interp; then
            pass "$name" interp
        else
            show_stderr "$name" interp
            fail "$name" interp "$(why_status $status)"
        fi
    fi

    if [ $use_kvm = 1 ]; then
        run_tandem kvm "$img"
        : > "$tmp/cmp"
        if [ $status = 1 ] && compare "$name" kvm > "$tmp/cmp"; then
            pass "$name" kvm
        elif [ $status = 2 ] && grep -q "emulation failure" "$tmp/err"; then
            echo "$name: kvm: host cannot run this guest"
            skip "$name" kvm "host KVM emulation failure"
        elif in_list "$name" "$kvm_engine_limits"; then
            skip "$name" kvm "the kvm engine keeps A20 on, as QEMU with KVM"
        elif [ $kvm_emulated = 1 ] &&
             in_list "$name" "$kvm_emulator_exceptions"; then
            skip "$name" kvm "known difference of KVM's instruction emulator"
        elif [ $status != 1 ] && [ ! -s "$tmp/out" ] &&
             grep -qiE "not (built|compiled)|unknown (engine|accel)" "$tmp/err"; then
            # this tandem has no kvm engine: say so once, skip the rest
            skip "$name" kvm "$(head -n 1 "$tmp/err")"
            use_kvm=0
            kvm_note="tandem built without kvm"
        else
            cat "$tmp/cmp"
            show_stderr "$name" kvm
            fail "$name" kvm "$(why_status $status)"
        fi
    elif have_engine kvm; then
        skip "$name" kvm "$kvm_note"
    fi

    if [ $use_qemu = 1 ]; then
        run_qemu "$img"
        : > "$tmp/cmp"
        if [ $status = 1 ] && compare "$name" qemu > "$tmp/cmp"; then
            pass "$name" qemu
        elif in_list "$name" "$qemu_exceptions"; then
            skip "$name" qemu "known QEMU difference, see run-guests.sh"
        else
            cat "$tmp/cmp"
            show_stderr "$name" qemu
            fail "$name" qemu "$(why_status $status)"
        fi
    fi
done

echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]
