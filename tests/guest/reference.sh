#!/bin/sh
# Print what reference emulators make of a guest image, to write or review
# tests/guest/expected/NAME.txt (read every value against the SDM: the
# references have bugs too, see run-guests.sh's exception lists).
#
#   tests/guest/reference.sh build/guest/NAME.bin
#
# QEMU runs with the same machine options as in run-guests.sh; Bochs (if
# installed, with the vgabios package) runs with its debug port 0xE9 hack
# and leaves through its shutdown port (the guests' EXIT macro writes
# "Shutdown" to port 0x8900 after isa-debug-exit).  Bochs reports its own
# CPU model in CPUID and has 32 MiB of RAM here.

img=${1:?usage: $0 IMAGE}
img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/guest-ref.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if command -v qemu-system-i386 > /dev/null 2>&1; then
    timeout 20 qemu-system-i386 -nodefaults -accel tcg -machine pc \
        -cpu qemu32,-apic,model=3 -display none -no-reboot -bios "$img" \
        -serial "file:$tmp/q.serial" -debugcon "file:$tmp/q.out" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04
    echo "=== qemu: exit status $? (1 = the guest wrote 0 to port 0xf4)"
    cat "$tmp/q.out"
    [ -s "$tmp/q.serial" ] && { echo "=== qemu COM1:"; cat "$tmp/q.serial"; }
fi

if command -v bochs > /dev/null 2>&1; then
    cp "$img" "$tmp/bios.bin"
    cat > "$tmp/bochsrc" <<EOR
romimage: file=bios.bin
megs: 32
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
log: bochs.log
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
pci: enabled=0
com1: enabled=1, mode=file, dev=b.serial
EOR
    # Bochs starts in its debugger: "c" continues
    (cd "$tmp" && echo c | timeout 30 bochs -q -f bochsrc > b.raw 2>&1)
    echo "=== bochs:"
    grep -a -v '^=\|Bochs\|Built\|Timestamp\|^Next\|^(0)\|^<bochs\|^[0-9]\{11\}' \
        "$tmp/b.raw"
    [ -s "$tmp/b.serial" ] && { echo "=== bochs COM1:"; cat "$tmp/b.serial"; }
fi
