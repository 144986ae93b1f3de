#!/bin/sh
# SeaBIOS boots from tandem's IDE drives.
#
# Builds tests/system/ide/boot.asm (nasm): a boot sector that prints the
# BIOS drive number (DL) on port 0xE9, reads the block after itself with
# INT 13h AH=42h, prints the text there and exits through isa-debug-exit
# (status 33).  It is booted by Debian's SeaBIOS
#   - from an IDE hard disk (-hda, -boot c): drive 80, HD-MARKER-OK;
#   - from an El Torito no-emulation CD (-cdrom, -boot d): drive E0,
#     CD-MARKER-OK; the ISO is written by tests/system/ide/mkiso.py, and
#     by xorriso too where it is installed;
# on interp, and (the hard disk) on kvm where /dev/kvm opens: a kvm run the
# host's KVM cannot emulate is a SKIP.  The same images run in
# qemu-system-i386, where installed, as a check of the expected output.
# Then the bad-input lines: a qcow2 image, an unknown -drive key, a
# missing file, two drives in one slot.
#
# Usage: tests/system/ide.sh [interp] [kvm] [qemu] [bad]   (default: all)
# Environment: TANDEM (default ./tandem), BIOS (default Debian's bios.bin),
# NASM (default nasm), LIMIT_INTERP / LIMIT_KVM (seconds, default 30 / 120).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=${TANDEM:-$root/tandem}
bios=${BIOS:-/usr/share/seabios/bios.bin}
nasm=${NASM:-nasm}
limit_interp=${LIMIT_INTERP:-30}
limit_kvm=${LIMIT_KVM:-120}
what=${*:-interp kvm qemu bad}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-ide.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
skip=0

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
    echo "FAIL $1${2:+ ($2)}"
    fail=$((fail + 1))
    for f in ${3:-}; do
        [ -f "$f" ] || continue
        echo "  --- last lines of $(basename "$f") ---"
        tail -n 12 "$f" | sed 's/^/  | /'
    done
}
skipped() { echo "SKIP $1${2:+ ($2)}"; skip=$((skip + 1)); }
finish() {
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit $?
}

if [ ! -f "$bios" ]; then
    skipped "ide" "$bios missing (apt-get install seabios)"
    finish
fi
if [ ! -x "$tandem" ]; then
    bad "ide" "$tandem not built (make)"
    finish
fi
if ! command -v "$nasm" >/dev/null 2>&1; then
    skipped "ide" "nasm missing (apt-get install nasm)"
    finish
fi

# ---- the images ----
src=$root/tests/system/ide
if ! "$nasm" -f bin -o "$tmp/boot.bin" "$src/boot.asm" 2>"$tmp/nasm.err"; then
    bad "ide: assemble boot.asm" "" "$tmp/nasm.err"
    finish
fi
# hard disk: the boot sector, the marker in LBA 1, 1 MiB in all
cp "$tmp/boot.bin" "$tmp/hd.img"
printf 'HD-MARKER-OK\000' |
    dd of="$tmp/hd.img" bs=512 seek=1 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$tmp/hd.img" bs=512 seek=2047 count=1 conv=notrunc \
    2>/dev/null
# CD: a 4 KiB boot file, the marker in its second 2048-byte block
mkdir -p "$tmp/iso"
cp "$tmp/boot.bin" "$tmp/iso/boot.bin"
dd if=/dev/zero of="$tmp/iso/boot.bin" bs=1 seek=512 count=1536 \
    2>/dev/null
printf 'CD-MARKER-OK\000' >>"$tmp/iso/boot.bin"
dd if=/dev/zero of="$tmp/iso/boot.bin" bs=1 seek=2061 count=2035 \
    conv=notrunc 2>/dev/null
cds=
if command -v python3 >/dev/null 2>&1 &&
   python3 "$src/mkiso.py" "$tmp/iso/boot.bin" "$tmp/cd-own.iso" \
       2>"$tmp/mkiso.err"; then
    cds="own"
else
    bad "ide: mkiso.py" "cannot write the ISO" "$tmp/mkiso.err"
fi
if command -v xorriso >/dev/null 2>&1; then
    if xorriso -as mkisofs -quiet -o "$tmp/cd-xorriso.iso" -b boot.bin \
        -no-emul-boot -boot-load-size 4 -boot-info-table "$tmp/iso" \
        >"$tmp/xorriso.err" 2>&1; then
        cds="$cds xorriso"
    else
        bad "ide: xorriso" "cannot write the ISO" "$tmp/xorriso.err"
    fi
fi

expect_hd='ide-boot: drive 80
ide-boot: read: HD-MARKER-OK'
expect_cd='ide-boot: drive E0
ide-boot: read: CD-MARKER-OK'

# boot NAME ENGINE LIMIT EXPECTED DRIVE-OPTIONS...: one run, checked
boot() {
    name=$1 eng=$2 limit=$3 want=$4
    shift 4
    out=$tmp/$name.out
    err=$tmp/$name.err
    : >"$out"
    start=$(now_ns)
    if [ "$eng" = qemu ]; then
        timeout "$limit" qemu-system-i386 -nodefaults -vga std -display none \
            -m 32M -bios "$bios" -chardev "file,id=e9,path=$out" \
            -device isa-debugcon,iobase=0xe9,chardev=e9 \
            -device isa-debug-exit "$@" </dev/null >/dev/null 2>"$err"
    else
        timeout "$limit" "$tandem" -accel "$eng" -q -m 32M -display none \
            -bios "$bios" -chardev "file,id=e9,path=$out" \
            -device isa-debugcon,iobase=0xe9,chardev=e9 \
            -device isa-debug-exit "$@" </dev/null >/dev/null 2>"$err"
    fi
    rc=$?
    t=$(secs "$start" "$(now_ns)")
    if [ "$eng" = kvm ] && grep -q "emulation failure\|cannot run" "$err"; then
        skipped "ide $name" "the host's KVM cannot emulate it: $(head -c 200 "$err")"
        return
    fi
    if [ "$rc" -eq 33 ] && [ "$(cat "$out")" = "$want" ]; then
        ok "ide $name (${t} s)"
    elif [ "$rc" -eq 124 ]; then
        bad "ide $name" "no exit within $limit s" "$out $err"
    else
        bad "ide $name" "exit status $rc, expected 33" "$out $err"
    fi
}

for w in $what; do
    case $w in
    interp)
        boot interp-hd interp "$limit_interp" "$expect_hd" \
            -drive "file=$tmp/hd.img,format=raw,if=ide" -boot c
        for c in $cds; do
            boot "interp-cd-$c" interp "$limit_interp" "$expect_cd" \
                -cdrom "$tmp/cd-$c.iso" -boot d
        done
        # the disk on the primary slave, the CD on the secondary slave,
        # with -snapshot: the image must not change
        cp "$tmp/hd.img" "$tmp/hd-copy.img"
        boot interp-hd-slave interp "$limit_interp" "$expect_hd" \
            -drive "file=$tmp/hd.img,index=1" \
            -drive "file=$tmp/cd-own.iso,media=cdrom,bus=1,unit=1" \
            -snapshot -boot c
        if cmp -s "$tmp/hd.img" "$tmp/hd-copy.img"; then
            ok "ide -snapshot leaves the image unchanged"
        else
            bad "ide -snapshot leaves the image unchanged"
        fi ;;
    kvm)
        if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
            boot kvm-hd kvm "$limit_kvm" "$expect_hd" -hda "$tmp/hd.img" \
                -boot c
        else
            skipped "ide kvm" "/dev/kvm not usable"
        fi ;;
    qemu)
        if command -v qemu-system-i386 >/dev/null 2>&1; then
            boot qemu-hd qemu "$limit_interp" "$expect_hd" \
                -drive "file=$tmp/hd.img,format=raw,if=ide" -boot c
            for c in $cds; do
                boot "qemu-cd-$c" qemu "$limit_interp" "$expect_cd" \
                    -cdrom "$tmp/cd-$c.iso" -boot d
            done
        else
            skipped "ide qemu" "qemu-system-i386 not installed"
        fi ;;
    bad)
        printf 'QFI\373\000\000\000\003' >"$tmp/q.img"
        dd if=/dev/zero bs=512 count=8 >>"$tmp/q.img" 2>/dev/null
        # NAME|ARGS|text the one line must hold
        while IFS='|' read -r name args want; do
            # shellcheck disable=SC2086
            "$tandem" -q -display none $args >"$tmp/bad.out" 2>&1
            rc=$?
            lines=$(wc -l <"$tmp/bad.out")
            if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] &&
               grep -q "^tandem: .*$want" "$tmp/bad.out"; then
                ok "ide bad input: $name"
            else
                bad "ide bad input: $name" "status $rc, $lines lines: $(head -c 200 "$tmp/bad.out")"
            fi
        done <<EOF
qcow2 image|-hda $tmp/q.img|is a qcow2 image; only raw is supported
format=qcow2|-drive file=$tmp/hd.img,format=qcow2|only raw is supported
unknown key|-drive file=$tmp/hd.img,speed=9|unknown option 'speed'
missing file|-cdrom $tmp/none.iso|cannot open .*No such file
one slot twice|-hda $tmp/hd.img -drive file=$tmp/cd-own.iso,index=0|already used by -hda
EOF
        ;;
    *)
        echo "usage: $0 [interp] [kvm] [qemu] [bad]" >&2
        exit 2 ;;
    esac
done

finish
