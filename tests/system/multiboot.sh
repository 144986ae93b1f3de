#!/bin/sh
# Multiboot (v1) kernels with -kernel/-initrd/-append.
#
# Builds tests/system/multiboot/kernel.asm twice with nasm (an ELF32 kernel
# at 1 MiB, and with -DAOUT a plain image loaded through the header's
# address fields at 2 MiB), boots each with three modules (one named with
# QEMU's ",," escape for a comma) and a command line, and compares what
# the kernel prints on port 0xE9 with tests/system/multiboot/expected.txt:
#  - direct (-bios none) on interp, and on kvm where /dev/kvm opens (a kvm
#    run that the host's KVM cannot emulate is a SKIP): the whole output,
#    memory map included;
#  - through SeaBIOS and tandem's boot ROM on interp, and under
#    qemu-system-i386 where installed: all but the memory map, mem_upper
#    (the BIOS keeps some RAM at the top for itself, and reports its own
#    areas) and, for QEMU, the boot loader's name.
# Then two bad kernels must each end tandem with one clear line.
#
# Usage: tests/system/multiboot.sh [interp] [kvm] [bios] [qemu] [bad]
# Environment: TANDEM (default ./tandem), NASM (default nasm), BIOS
# (default Debian's bios.bin), LIMIT (seconds per run, default 60).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=${TANDEM:-$root/tandem}
nasm=${NASM:-nasm}
bios=${BIOS:-/usr/share/seabios/bios.bin}
limit=${LIMIT:-60}
what=${*:-interp kvm bios qemu bad}
src=$root/tests/system/multiboot
ram=64M

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-multiboot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
    echo "FAIL $1${2:+ ($2)}"
    fail=$((fail + 1))
    if [ -n "${3:-}" ] && [ -f "$3" ]; then
        sed 's/^/  | /' "$3" | head -n 30
    fi
}
skipped() { echo "SKIP $1${2:+ ($2)}"; skip=$((skip + 1)); }
finish() {
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit
}

if [ ! -x "$tandem" ]; then
    bad "multiboot" "$tandem not built (make)"
    finish
fi
for v in elf aout; do
    def=
    [ $v = aout ] && def=-DAOUT
    if ! "$nasm" $def -f bin -o "$tmp/kernel.$v" "$src/kernel.asm" \
        2>"$tmp/nasm.err"; then
        bad "multiboot: assemble kernel.asm ($v)" "$(head -c 300 "$tmp/nasm.err")"
        finish
    fi
done

mods=$tmp/mods
mkdir -p "$mods"
printf 'hello module one\n' >"$mods/mod1.txt"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%c", 33 + i % 90 }' \
    >"$mods/mod2.bin"
printf 'abc' >"$mods/m,3.bin"
initrd="$mods/mod1.txt arg1 arg2,$mods/mod2.bin,$mods/m,,3.bin x=y"
append="hello world"

# expected.txt names the kernel KERNEL and the modules' folder MODS
normalize() {   # normalize OUT KERNEL
    sed -e "s|$2|KERNEL|g" -e "s|$mods|MODS|g" "$1"
}
# what a BIOS boot (tandem's ROM or QEMU's) must print alike
bios_part() {
    grep -v -e '^mmap ' -e '^mem_upper=' -e '^loader_name=' "$1"
}

# run NAME OUT CMD...: run a loader on the kernel, output to OUT
run() {
    name=$1 out=$2
    shift 2
    : >"$out"
    timeout "$limit" "$@" >"$out.log" 2>&1
    st=$?
    if [ "$st" -ne 1 ]; then
        # isa-debug-exit with 0 gives status 1
        if [ "$st" -eq 2 ] && grep -q "emulation failure\|cannot run" \
            "$out.log"; then
            return 2
        fi
        echo "  exit status $st: $(head -c 300 "$out.log")"
    fi
    return 0
}

tandem_run() {   # tandem_run ACCEL BIOS KERNEL OUT
    run "$1" "$4" "$tandem" -q -accel "$1" -bios "$2" -m $ram -display none \
        -kernel "$3" -initrd "$initrd" -append "$append" \
        -debugcon "file:$4" -device isa-debug-exit,iobase=0xf4,iosize=4
}

compare() {   # compare NAME GOT WANT
    if cmp -s "$2" "$3"; then ok "$1"
    else
        diff "$3" "$2" >"$tmp/diff"
        bad "$1" "output differs from expected (- expected, + got)" "$tmp/diff"
    fi
}

expected=$src/expected.txt
bios_part "$expected" >"$tmp/expected-bios.txt"

for w in $what; do
    case $w in
    interp)
        for v in elf aout; do
            out=$tmp/interp-$v.out
            tandem_run interp none "$tmp/kernel.$v" "$out"
            normalize "$out" "$tmp/kernel.$v" >"$out.n"
            compare "multiboot interp direct ($v)" "$out.n" "$expected"
        done ;;
    kvm)
        if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
            skipped "multiboot kvm direct" "/dev/kvm not usable"
            continue
        fi
        for v in elf aout; do
            out=$tmp/kvm-$v.out
            if ! tandem_run kvm none "$tmp/kernel.$v" "$out"; then
                skipped "multiboot kvm direct ($v)" "the host's KVM cannot emulate it: $(head -c 200 "$out.log")"
                continue
            fi
            normalize "$out" "$tmp/kernel.$v" >"$out.n"
            compare "multiboot kvm direct ($v)" "$out.n" "$expected"
        done ;;
    bios)
        if [ ! -f "$bios" ]; then
            skipped "multiboot through SeaBIOS" "$bios missing (apt-get install seabios)"
            continue
        fi
        for v in elf aout; do
            out=$tmp/bios-$v.out
            tandem_run interp "$bios" "$tmp/kernel.$v" "$out"
            normalize "$out" "$tmp/kernel.$v" >"$out.n"
            bios_part "$out.n" >"$out.b"
            compare "multiboot interp through SeaBIOS and the boot ROM ($v)" \
                "$out.b" "$tmp/expected-bios.txt"
            # the map is the BIOS's: RAM from 0 and from 1 MiB
            if grep -q '^mmap 0000000000000000 [0-9A-F]* 1$' "$out" &&
               grep -q '^mmap 0000000000100000 [0-9A-F]* 1$' "$out" &&
               grep -q '^mem_upper=[1-9]' "$out"; then
                ok "multiboot through SeaBIOS ($v): memory map from E820"
            else
                bad "multiboot through SeaBIOS ($v): memory map from E820" "" "$out"
            fi
        done ;;
    qemu)
        if ! command -v qemu-system-i386 >/dev/null 2>&1; then
            skipped "multiboot qemu" "qemu-system-i386 not installed"
            continue
        fi
        for v in elf aout; do
            out=$tmp/qemu-$v.out
            run qemu "$out" qemu-system-i386 -display none -m $ram \
                -kernel "$tmp/kernel.$v" -initrd "$initrd" -append "$append" \
                -debugcon "file:$out" -device isa-debug-exit,iobase=0xf4,iosize=4
            normalize "$out" "$tmp/kernel.$v" >"$out.n"
            bios_part "$out.n" >"$out.b"
            compare "multiboot qemu-system-i386 agrees ($v)" "$out.b" \
                "$tmp/expected-bios.txt"
        done ;;
    bad)
        # a stray magic with a wrong checksum, and a module that is missing
        printf '\002\260\255\033\000\000\000\000\000\000\000\000' >"$tmp/badsum"
        head -c 600 /dev/zero >>"$tmp/badsum"
        "$tandem" -q -bios none -display none -kernel "$tmp/badsum" \
            >"$tmp/bad1.out" 2>&1
        st=$?
        if [ "$st" -ne 0 ] && [ "$(wc -l <"$tmp/bad1.out")" -eq 1 ] &&
           grep -q "bad checksum" "$tmp/bad1.out"; then
            ok "multiboot: bad header checksum is one clear error"
        else
            bad "multiboot: bad header checksum" "status $st" "$tmp/bad1.out"
        fi
        "$tandem" -q -bios none -display none -kernel "$tmp/kernel.elf" \
            -initrd "$mods/nonexistent arg" >"$tmp/bad2.out" 2>&1
        st=$?
        if [ "$st" -ne 0 ] && [ "$(wc -l <"$tmp/bad2.out")" -eq 1 ] &&
           grep -q "^tandem: -initrd $mods/nonexistent: " "$tmp/bad2.out"; then
            ok "multiboot: a missing module is one clear error"
        else
            bad "multiboot: a missing module" "status $st" "$tmp/bad2.out"
        fi ;;
    *)
        echo "usage: $0 [interp] [kvm] [bios] [qemu] [bad]" >&2
        exit 2 ;;
    esac
done
finish
