#!/bin/sh
# SeaBIOS on tandem's PC board, to its boot attempt.
#
# Runs Debian's SeaBIOS (no disks) with its debug log on port 0x402
# and checks the log: the banner, fw_cfg with DMA, the RAM size from the
# e820 file, the i440FX/PIIX functions found on PCI, the VGA card running
# its video BIOS (vgabios-stdvga.bin), the PM timer in use,
# "No bootable device", and no WARNING or panic.  Then a reboot through
# -boot reboot-timeout=0 must POST again.  On interp always; on kvm where
# /dev/kvm opens (a kvm run that the host's KVM cannot emulate is a SKIP).
#
# It reports the time from start to the banner and to the boot attempt,
# and the same for qemu-system-i386 on the same BIOS where it is installed
# (-nodefaults -vga std: the closest QEMU board to tandem's, no NIC).
#
# Usage: tests/system/seabios.sh [interp] [kvm] [qemu]   (default: all)
# Environment: TANDEM (default ./tandem), BIOS (default Debian's bios.bin),
# LIMIT_INTERP / LIMIT_KVM (seconds, default 30 / 180).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=${TANDEM:-$root/tandem}
bios=${BIOS:-/usr/share/seabios/bios.bin}
limit_interp=${LIMIT_INTERP:-30}
limit_kvm=${LIMIT_KVM:-180}
what=${*:-interp kvm qemu}
ram_mib=256

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-seabios.XXXXXX") || exit 1
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
    if [ -n "${3:-}" ] && [ -f "$3" ]; then
        echo "  --- last lines of $(basename "$3") ---"
        tail -n 15 "$3" | sed 's/^/  | /'
    fi
}
skipped() { echo "SKIP $1${2:+ ($2)}"; skip=$((skip + 1)); }

# run_bios LOG LIMIT BOOTS CMD...: run CMD (which writes the BIOS's debug
# log to its stdout) until the log has said "No bootable device" BOOTS
# times, CMD exits, or LIMIT seconds pass.  Sets t_banner and t_boot (the
# first of each, in seconds from start, or "-").
run_bios() {
    log=$1 limit=$2 boots=$3
    shift 3
    seen=0
    fifo=$tmp/fifo
    rm -f "$fifo"
    mkfifo "$fifo" || return 1
    : >"$log"
    t_banner=- t_boot=-
    start=$(now_ns)
    "$@" <"/dev/null" >"$fifo" 2>"$log.err" &
    pid=$!
    (sleep "$limit"; kill "$pid" 2>/dev/null) &
    dog=$!
    # Only matching lines pay for a timestamp, so the reader keeps up.
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$log"
        case $line in
        *"SeaBIOS (version"*)
            [ "$t_banner" = - ] && t_banner=$(secs "$start" "$(now_ns)") ;;
        *"No bootable device"*)
            [ "$t_boot" = - ] && t_boot=$(secs "$start" "$(now_ns)")
            seen=$((seen + 1))
            [ "$seen" -ge "$boots" ] && break ;;
        esac
    done <"$fifo"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    kill "$dog" 2>/dev/null
    wait "$dog" 2>/dev/null
    rm -f "$fifo"
    return 0
}

# check_log NAME LOG: the contents every engine must produce
check_log() {
    name=$1 log=$2
    ram_hex=$(printf '0x%016x' $((ram_mib * 1024 * 1024)))
    if grep -q "SeaBIOS (version" "$log"; then ok "$name: banner"
    else bad "$name: banner" "no 'SeaBIOS (version' line" "$log"; return; fi
    if grep -q "QEMU fw_cfg DMA interface supported" "$log"; then
        ok "$name: fw_cfg with DMA"
    else bad "$name: fw_cfg with DMA" "" "$log"; fi
    if grep -q "qemu/e820: addr 0x0000000000000000 len $ram_hex \[RAM\]" \
        "$log"; then ok "$name: RAM size ${ram_mib} MiB from etc/e820"
    else bad "$name: RAM size" "expected len $ram_hex" "$log"; fi
    if grep -q "init bdf=00:00.0 id=8086:1237" "$log" &&
       grep -q "init bdf=00:01.0 id=8086:7000" "$log" &&
       grep -q "init bdf=00:01.3 id=8086:7113" "$log" &&
       grep -q "PIIX3/PIIX4 init: elcr=00 0c" "$log"; then
        ok "$name: PCI enumeration (i440FX, PIIX3, PIIX4 PM)"
    else bad "$name: PCI enumeration" "" "$log"; fi
    if grep -q "init bdf=00:02.0 id=1234:1111" "$log" &&
       grep -q "Running option rom at c000:0003" "$log" &&
       grep -q "Turning on vga text mode console" "$log"; then
        ok "$name: VGA card and its video BIOS"
    else bad "$name: VGA card and its video BIOS" "" "$log"; fi
    if grep -q "Using pmtimer, ioport 0xb008" "$log"; then
        ok "$name: PM timer"
    else bad "$name: PM timer" "" "$log"; fi
    if grep -q "No bootable device" "$log"; then ok "$name: boot attempt"
    else bad "$name: boot attempt" "no 'No bootable device'" "$log"; fi
    if grep -qi "WARNING\|panic\|internal error" "$log"; then
        bad "$name: no warnings" "$(grep -i -m1 'WARNING\|panic\|internal error' "$log")"
    else ok "$name: no warnings"; fi
}

tandem_cmd() {
    # $1: engine; the rest: extra options
    eng=$1
    shift
    echo "$tandem" -accel "$eng" -q -m ${ram_mib}M -display none \
        -bios "$bios" -chardev stdio,id=dbg \
        -device isa-debugcon,iobase=0x402,chardev=dbg "$@"
}

run_engine() {
    eng=$1 limit=$2
    log=$tmp/$eng.log
    # shellcheck disable=SC2046
    run_bios "$log" "$limit" 1 $(tandem_cmd "$eng")
    if [ "$eng" = kvm ] && grep -q "emulation failure\|cannot run" \
        "$log.err" 2>/dev/null; then
        skipped "seabios $eng" "the host's KVM cannot emulate it: $(head -c 200 "$log.err")"
        return
    fi
    if [ "$t_boot" = - ] && [ -s "$log.err" ]; then
        echo "  stderr: $(head -c 300 "$log.err")"
    fi
    check_log "seabios $eng" "$log"
    echo "TIME seabios $eng: banner ${t_banner} s, boot attempt ${t_boot} s"

    # Reboot: SeaBIOS resets the machine after the failed boot; the BIOS
    # must come back from ROM (PAM reset) and POST again.
    rlog=$tmp/$eng-reboot.log
    # shellcheck disable=SC2046
    run_bios "$rlog" "$limit" 2 $(tandem_cmd "$eng" -boot reboot-timeout=0)
    n=$(grep -c "No bootable device" "$rlog")
    if grep -q "Rebooting" "$rlog" && [ "$n" -ge 2 ]; then
        ok "seabios $eng: reboot and POST again"
    else
        bad "seabios $eng: reboot and POST again" "$n boot attempts" "$rlog"
    fi
}

if [ ! -f "$bios" ]; then
    skipped "seabios" "$bios missing (apt-get install seabios)"
    echo "$pass passed, $fail failed, $skip skipped"
    exit 0
fi
if [ ! -x "$tandem" ]; then
    bad "seabios" "$tandem not built (make)"
    echo "$pass passed, $fail failed, $skip skipped"
    exit 1
fi

for w in $what; do
    case $w in
    interp)
        run_engine interp "$limit_interp" ;;
    kvm)
        if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
            run_engine kvm "$limit_kvm"
        else
            skipped "seabios kvm" "/dev/kvm not usable"
        fi ;;
    qemu)
        if command -v qemu-system-i386 >/dev/null 2>&1; then
            qlog=$tmp/qemu.log
            run_bios "$qlog" "$limit_interp" 1 qemu-system-i386 -nodefaults \
                -vga std -display none -m ${ram_mib}M -bios "$bios" \
                -chardev stdio,id=dbg -device isa-debugcon,iobase=0x402,chardev=dbg
            echo "TIME seabios qemu-system-i386 (TCG, -nodefaults -vga std): banner ${t_banner} s, boot attempt ${t_boot} s"
        fi ;;
    *)
        echo "usage: $0 [interp] [kvm] [qemu]" >&2
        exit 2 ;;
    esac
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
