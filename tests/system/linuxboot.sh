#!/bin/sh
# -kernel/-initrd/-append through SeaBIOS and tandem's boot ROM
# (firmware/linuxboot.asm), without a real Linux.
#
# Builds tests/system/linuxboot/bzimage.asm with nasm: a fake bzImage with
# a boot protocol 2.10 setup header whose real-mode setup code prints on
# port 0xE9 what the loader gave it (command line, ramdisk size,
# placement and byte sum, the byte sum of the kernel's first 4 KiB at
# 1 MiB, and whether segments, stack and heap follow the protocol).  The
# sums are computed here from the files; the output must match on interp,
# on kvm where /dev/kvm opens (a kvm run the host's KVM cannot emulate is
# a SKIP), and under qemu-system-i386 (QEMU's own ROM) where installed.
# Then a boot without -initrd/-append, and a tandem that cannot find the
# ROM must say so in one line.
#
# Usage: tests/system/linuxboot.sh [interp] [kvm] [qemu] [bad]
# Environment: TANDEM (default ./tandem), NASM (default nasm), BIOS
# (default Debian's bios.bin), LIMIT_INTERP / LIMIT_KVM (seconds, default
# 60 / 300).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=${TANDEM:-$root/tandem}
nasm=${NASM:-nasm}
bios=${BIOS:-/usr/share/seabios/bios.bin}
limit_interp=${LIMIT_INTERP:-60}
limit_kvm=${LIMIT_KVM:-300}
what=${*:-interp kvm qemu bad}
ram=64M

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-linuxboot.XXXXXX") || exit 1
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
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

if [ ! -f "$bios" ]; then
    skipped "linuxboot" "$bios missing (apt-get install seabios)"
    finish
fi
if [ ! -x "$tandem" ]; then
    bad "linuxboot" "$tandem not built (make)"
    finish
fi
kernel=$tmp/bzImage
if ! "$nasm" -f bin -o "$kernel" "$root/tests/system/linuxboot/bzimage.asm" \
    2>"$tmp/nasm.err"; then
    bad "linuxboot: assemble bzimage.asm" "$(head -c 300 "$tmp/nasm.err")"
    finish
fi

# a 3000-byte initrd of varied bytes; the setup code sums whole 512-byte
# blocks, and the loader's copy is followed by zeros or whatever RAM held,
# so the test pads the file itself
initrd=$tmp/initrd
awk 'BEGIN { for (i = 0; i < 3072; i++) printf "%c", 1 + (i * 37) % 251 }' \
    >"$initrd"
append="console=ttyS0 hello=world quote=\"a b\""

bytesum() {   # bytesum FILE -> 8 hex digits
    od -An -v -tu1 "$1" |
        awk '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%08X", s }'
}
setup_bytes=$(( (4 + 1) * 512 ))   # setup_sects 4, plus the boot sector
tail -c +$((setup_bytes + 1)) "$kernel" | head -c 4096 >"$tmp/kernel4k"
cat >"$tmp/expected" <<EOT
segments_ok=1
version=0000020A
loader_type_set=1
cmdline=$append
heap_ok=1
ramdisk_size=$(wc -c <"$initrd" | tr -d ' ')
ramdisk_page_aligned=1
ramdisk_placed_ok=1
ramdisk_sum=$(bytesum "$initrd")
kernel_sum=$(bytesum "$tmp/kernel4k")
done
EOT

# run OUT LIMIT CMD...: 0 = ran (output in OUT), 2 = KVM cannot emulate it
run() {
    out=$1 limit=$2
    shift 2
    : >"$out"
    start=$(now_ns)
    timeout "$limit" "$@" >"$out.log" 2>&1
    st=$?
    t_run=$(secs "$start" "$(now_ns)")
    if [ "$st" -ne 1 ]; then
        if [ "$st" -eq 2 ] && grep -q "emulation failure\|cannot run" \
            "$out.log"; then
            return 2
        fi
        echo "  exit status $st: $(head -c 300 "$out.log")"
    fi
    return 0
}

compare() {   # compare NAME GOT WANT
    if cmp -s "$2" "$3"; then ok "$1"
    else
        diff "$3" "$2" >"$tmp/diff"
        bad "$1" "output differs from expected (- expected, + got)" "$tmp/diff"
    fi
}

tandem_boot() {   # tandem_boot ENGINE LIMIT OUT [options]
    eng=$1 lim=$2 out=$3
    shift 3
    run "$out" "$lim" "$tandem" -q -accel "$eng" -bios "$bios" -m $ram \
        -display none -kernel "$kernel" "$@" -debugcon "file:$out" \
        -device isa-debug-exit,iobase=0xf4,iosize=4
}

for w in $what; do
    case $w in
    interp|kvm)
        lim=$limit_interp
        if [ $w = kvm ]; then
            lim=$limit_kvm
            if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
                skipped "linuxboot kvm" "/dev/kvm not usable"
                continue
            fi
        fi
        out=$tmp/$w.out
        if ! tandem_boot $w "$lim" "$out" -initrd "$initrd" -append "$append"
        then
            skipped "linuxboot $w" "the host's KVM cannot emulate it: $(head -c 200 "$out.log")"
            continue
        fi
        compare "linuxboot $w: SeaBIOS + boot ROM load setup, kernel, initrd, command line" \
            "$out" "$tmp/expected"
        echo "TIME linuxboot $w: start to the setup code's last line ${t_run} s"
        [ $w = kvm ] && continue        # slow there; interp covers it
        out=$tmp/$w-plain.out
        tandem_boot $w "$lim" "$out"
        if grep -qx "cmdline=" "$out" && grep -qx "ramdisk_size=0" "$out" &&
           grep -qx "segments_ok=1" "$out" && grep -qx "done" "$out"; then
            ok "linuxboot $w: no -initrd, no -append"
        else
            bad "linuxboot $w: no -initrd, no -append" "" "$out"
        fi ;;
    qemu)
        if ! command -v qemu-system-i386 >/dev/null 2>&1; then
            skipped "linuxboot qemu" "qemu-system-i386 not installed"
            continue
        fi
        out=$tmp/qemu.out
        run "$out" "$limit_interp" qemu-system-i386 -display none -m $ram \
            -bios "$bios" -kernel "$kernel" -initrd "$initrd" \
            -append "$append" -debugcon "file:$out" \
            -device isa-debug-exit,iobase=0xf4,iosize=4
        compare "linuxboot qemu-system-i386 agrees" "$out" "$tmp/expected"
        echo "TIME linuxboot qemu-system-i386 (TCG): ${t_run} s" ;;
    bad)
        # a tandem binary away from its build tree finds no ROM (unless
        # one is installed)
        cp "$tandem" "$tmp/tandem-alone"
        "$tmp/tandem-alone" -q -bios "$bios" -display none -kernel "$kernel" \
            >"$tmp/norom.out" 2>&1 </dev/null &
        pid=$!
        (sleep 10; kill $pid 2>/dev/null) &
        dog=$!
        wait $pid
        st=$?
        kill $dog 2>/dev/null
        wait $dog 2>/dev/null
        if grep -q "boot ROM linuxboot.bin is missing" "$tmp/norom.out" &&
           [ "$st" -ne 0 ] && [ "$(wc -l <"$tmp/norom.out")" -eq 1 ]; then
            ok "linuxboot: a missing boot ROM is one clear error"
        elif [ "$st" -eq 143 ]; then
            skipped "linuxboot: missing boot ROM" "one is installed: it booted"
        else
            bad "linuxboot: missing boot ROM" "status $st" "$tmp/norom.out"
        fi ;;
    *)
        echo "usage: $0 [interp] [kvm] [qemu] [bad]" >&2
        exit 2 ;;
    esac
done
finish
