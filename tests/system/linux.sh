#!/bin/bash
# Debian's 32-bit Linux on tandem, to a shell that runs commands.
#
# The kernel (linux-image-686-pae:i386) and the busybox initramfs come from
# scripts/fetch-guests.sh's cache; the CD and disk images are built from them
# for each run.  Boots, each on interp:
#   direct  -bios none -kernel/-initrd/-append: the interactive shell gets a
#           command typed on the serial console, then `poweroff -f`
#   bios    -kernel/-initrd/-append through SeaBIOS and the linux-boot option
#           ROM; the command comes from tandem.run= on the command line, and
#           `poweroff -f` must end tandem (ACPI power-off, exit status 0)
#   cd      -cdrom linux.iso -boot d: SeaBIOS, isolinux, Linux; the guest
#           mounts the CD and reads a file from it
#   disk    -hda disk.img -boot c: SeaBIOS, syslinux, Linux; the guest writes
#           a file to the FAT partition, and the test reads it back from the
#           image on the host
#   kvm     "direct" on kvm (opt-in: TANDEM_SLOW_TESTS=1 or naming it)
#   crypto  "direct" with the kernel's crypto self-tests, which the other
#           boots turn off (cryptomgr.notests) to save minutes: a wide test
#           of the interpreter's instructions (opt-in, as kvm)
#   qemu    "bios" and "cd" on qemu-system-i386 (TCG) where it is installed,
#           for its timings; reported, never failed
# Each checks the serial output for "Linux version", the initramfs's marker
# ("tandem-guest: init ok"), its modules, and the command's output, and
# reports the time from start to SeaBIOS's banner (its debug log on port
# 0x402), to the kernel's first line, to the marker and to the command's
# output.  A missing cache (offline), or a tandem without -cdrom/-hda or
# without the option ROM, gives SKIP, not FAIL.
#
# Usage: tests/system/linux.sh [direct] [bios] [cd] [disk] [kvm] [crypto] [qemu]
# Environment: TANDEM (default ./tandem), TANDEM_CACHE (as fetch-guests.sh),
# LINUX_LIMIT (seconds per boot, default 600), LINUX_RAM (MiB, default 128),
# TANDEM_SLOW_TESTS=1 (adds kvm and crypto), LINUX_LOGDIR (default build/system-linux:
# each boot's serial output and stderr are kept there).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
tandem=${TANDEM:-$root/tandem}
case $tandem in /*) ;; *) tandem=$PWD/$tandem ;; esac
fetch=$root/scripts/fetch-guests.sh
cache=$("$fetch" --print-cache)
# The images' command line: the serial console, no crypto self-tests, no
# ISA PnP probe.  The "crypto" boot keeps the self-tests.
kargs=$("$fetch" --print-cmdline)
limit=${LINUX_LIMIT:-600}
ram=${LINUX_RAM:-128}
logdir=${LINUX_LOGDIR:-$root/build/system-linux}
# After the guest has said it is done: time for power-off to end tandem.
grace=${LINUX_GRACE:-60}
if [ $# -gt 0 ]; then
    what=$*
elif [ "${TANDEM_SLOW_TESTS:-0}" = 1 ]; then
    what="direct bios cd disk kvm crypto qemu"
else
    what="direct bios cd disk qemu"
fi

# The commands the boots run (expanded by the guest's shell, hence the
# single quotes).  No double quotes: they travel inside tandem.run="..." on
# the kernel command line.
# shellcheck disable=SC2016
CMD='echo tandem-uname: $(uname -r); echo tandem-cpus: $(grep -c ^processor /proc/cpuinfo); echo tandem-result: $((6*7))'
# shellcheck disable=SC2016
CMD_CD='waitdev /dev/sr0 && mount -t iso9660 -o ro /dev/sr0 /mnt && echo tandem-cd: $(cat /mnt/tandem.txt) && umount /mnt'
# shellcheck disable=SC2016
CMD_DISK='waitdev /dev/sda1 && mount -t vfat /dev/sda1 /mnt && echo tandem-disk-$((6*7)) > /mnt/result.txt && echo tandem-cfg: $(grep -c APPEND /mnt/syslinux.cfg) && sync && umount /mnt && echo tandem-disk: written'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-linux.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$logdir"

pass=0
fail=0
skip=0

now_ns() { date +%s%N; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
# cpu_secs PID: the CPU time PID has used so far (user + system), or "-".
# Reported next to the wall-clock times, which a busy host stretches.
cpu_secs() {
    local st rest
    st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -; return; }
    rest=${st##*) }
    # shellcheck disable=SC2086
    set -- $rest
    awk -v u="${12}" -v s="${13}" -v hz="$hz" 'BEGIN { printf "%.1f", (u + s) / hz }'
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
    echo "FAIL $1${2:+ ($2)}"
    fail=$((fail + 1))
    if [ -n "${3:-}" ] && [ -f "$3" ]; then
        echo "  --- last lines of $3 ---"
        tail -n 15 "$3" | sed 's/^/  | /'
    fi
}
skipped() { echo "SKIP $1${2:+ ($2)}"; skip=$((skip + 1)); }
finish() {
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit
}

# watchdog SECS PID: end PID after SECS seconds, unless it ends first.
watchdog() {
    local n=0
    while [ "$n" -lt "$1" ]; do
        sleep 1
        kill -0 "$2" 2>/dev/null || return 0
        n=$((n + 1))
    done
    touch "$tmp/killed"
    kill "$2" 2>/dev/null
}

# boot NAME MODE CMD...: run CMD (the serial console and SeaBIOS's log on
# its stdout) until it exits, LIMIT passes, or GRACE seconds after the guest
# said it was done.  MODE "shell": type $CMD and `poweroff -f` into the
# shell when it is ready.  Sets t_bios t_kernel t_init t_shell t_result
# (seconds from start, or "-"), status (tandem's exit status, "killed" when
# the test ended it) and log (the output).
boot() {
    local name=$1 mode=$2 fifo=$tmp/out in=$tmp/in line start pid dog dog2=
    shift 2
    log=$logdir/$name.log
    rm -f "$fifo" "$in" "$tmp/killed"
    mkfifo "$fifo" "$in" || return 1
    : >"$log"
    t_bios=- t_kernel=- t_init=- t_shell=- t_result=- t_end=- status=
    c_kernel=- c_init=- c_result=-
    # Held open read-write here so that tandem's stdin never sees EOF.
    exec 7<>"$in"
    start=$(now_ns)
    "$@" <"$in" >"$fifo" 2>"$log.err" &
    pid=$!
    watchdog "$limit" "$pid" &
    dog=$!
    # Only matching lines pay for a timestamp, so the reader keeps up.
    while IFS= read -r line; do
        line=${line%$'\r'}
        printf '%s\n' "$line" >>"$log"
        case $line in
        *"SeaBIOS (version"*)
            [ "$t_bios" = - ] && t_bios=$(secs "$start" "$(now_ns)") ;;
        *"Linux version "*)
            [ "$t_kernel" = - ] && t_kernel=$(secs "$start" "$(now_ns)") &&
                c_kernel=$(cpu_secs "$pid") ;;
        # The guest's own lines are anchored: the kernel's "Kernel command
        # line: ..." and the echo of typed input contain the same words.
        "tandem-guest: init ok"*)
            t_init=$(secs "$start" "$(now_ns)")
            c_init=$(cpu_secs "$pid") ;;
        "tandem-guest: shell ready"*)
            t_shell=$(secs "$start" "$(now_ns)")
            if [ "$mode" = shell ]; then
                # A terminal sends CR for Enter; the tty turns it into NL.
                printf '%s\r' "$CMD" >&7
            fi ;;
        "tandem-result: "*)
            [ "$t_result" = - ] && t_result=$(secs "$start" "$(now_ns)") &&
                c_result=$(cpu_secs "$pid")
            [ "$mode" = shell ] && printf 'poweroff -f\r' >&7 ;;
        "tandem-guest: done"*|*"reboot: System halted"*|*"reboot: Power down"*)
            [ "$t_end" = - ] && t_end=$(secs "$start" "$(now_ns)")
            if [ -z "$dog2" ]; then
                watchdog "$grace" "$pid" &
                dog2=$!
            fi ;;
        esac
        # Halted with no way to power off (-bios none): nothing more comes.
        case $line in *"reboot: System halted"*)
            touch "$tmp/killed"; kill "$pid" 2>/dev/null ;;
        esac
    done <"$fifo"
    wait "$pid"
    status=$?
    [ -f "$tmp/killed" ] && status=killed
    kill "$dog" $dog2 2>/dev/null
    wait "$dog" $dog2 2>/dev/null
    exec 7>&-
    rm -f "$fifo" "$in"
    return 0
}

# check NAME BIOS(yes|no): the checks every Linux boot must pass.
check() {
    local name=$1 bios=$2 kver
    kver=$(sed 's/^linux-image-//' "$cache/pkgs/kernel-package" 2>/dev/null)
    if [ "$bios" = yes ]; then
        if [ "$t_bios" != - ]; then ok "$name: SeaBIOS banner"
        else bad "$name: SeaBIOS banner" "none on the debug port" "$log"; fi
    fi
    if [ "$t_kernel" = - ]; then
        bad "$name: Linux started" "no 'Linux version' line (status $status)" "$log"
        [ -s "$log.err" ] && echo "  stderr: $(head -c 300 "$log.err")"
        return 1
    fi
    ok "$name: Linux started"
    if [ "$t_init" = - ]; then
        bad "$name: initramfs /init" "no 'tandem-guest: init ok' (status $status)" "$log"
        return 1
    fi
    ok "$name: initramfs /init"
    if grep -q "tandem-guest: insmod .* failed" "$log"; then
        bad "$name: modules" "$(grep "tandem-guest: insmod" "$log" | tr -d '\n' | head -c 200)"
    else ok "$name: modules (IDE, CD, FAT, ISO 9660)"; fi
    if grep -qx "tandem-result: 42" "$log" &&
       grep -qx "tandem-uname: $kver" "$log" &&
       grep -qx "tandem-cpus: 1" "$log"; then
        ok "$name: command output"
    else
        bad "$name: command output" "expected tandem-uname: $kver, tandem-cpus: 1, tandem-result: 42" "$log"
    fi
    local oops='Kernel panic|Oops:|BUG:|general protection fault|invalid opcode:|Call Trace:|alg: .*failed'
    if grep -qE "$oops" "$log"; then
        bad "$name: no kernel errors" "$(grep -E -m1 "$oops" "$log")"
    else ok "$name: no kernel errors"; fi
}

# check_poweroff NAME: after `poweroff -f` tandem must exit with status 0.
check_poweroff() {
    if [ "$status" = 0 ]; then ok "$1: power-off ends tandem"
    else bad "$1: power-off ends tandem" "exit status $status ${grace}s after the guest was done" "$log"; fi
}

report() {   # report NAME WHAT
    echo "TIME linux $1: banner ${t_bios} s, kernel's first line ${t_kernel} s, init ${t_init} s, shell ${t_shell} s, command output ${t_result} s ($2)"
    echo "     CPU time used by then: kernel's first line ${c_kernel} s, init ${c_init} s, command output ${c_result} s"
}

# base ENGINE: the options every boot uses, in the array "base"
base() { base=("$tandem" -accel "$1" -q -m "${ram}M" -display none -serial stdio); }
# SeaBIOS's debug log, on the same stdout as the serial console
# shellcheck disable=SC2054
bioslog=(-chardev stdio,id=dbg -device isa-debugcon,iobase=0x402,chardev=dbg)

has_option() { "$tandem" -h 2>&1 | grep -q -- "^ *$1[ /]"; }

# -kernel through the BIOS: tandem refuses it while the option ROM is
# missing.  Anything that ended tandem before Linux said it was the ROM.
rom_missing() {
    [ "$t_kernel" = - ] && [ "$status" != killed ] &&
        grep -qi "boot ROM\|linuxboot" "$log.err" 2>/dev/null
}

run_direct() {   # run_direct ENGINE NAME [CMDLINE]
    base "$1"
    boot "$2" shell "${base[@]}" -bios none \
        -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" -append "${3:-$kargs}"
    if [ "$1" = kvm ] && grep -q "emulation failure\|cannot run" "$log.err" 2>/dev/null; then
        skipped "$2" "the host's KVM cannot run it: $(head -c 200 "$log.err")"
        return
    fi
    check "$2" no && {
        if [ "$t_shell" != - ]; then ok "$2: interactive shell on the serial console"
        else bad "$2: interactive shell on the serial console" "no 'tandem-guest: shell ready'" "$log"; fi
    }
    report "$2" "$1, -bios none, shell and typed command${3:+, -append $3}"
}

run_bios_kernel() {
    base interp
    boot bios cmd "${base[@]}" "${bioslog[@]}" \
        -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
        -append "$kargs tandem.run=\"$CMD\""
    if rom_missing; then
        skipped "bios" "tandem cannot boot -kernel through the BIOS yet: $(head -n 1 "$log.err")"
        return
    fi
    check bios yes && check_poweroff bios
    report bios "interp, SeaBIOS, -kernel"
}

run_cd() {
    if ! has_option -cdrom; then
        skipped "cd" "tandem has no -cdrom yet (IDE)"
        return
    fi
    if ! "$fetch" --make-iso "$tmp/cd.iso" "$kargs tandem.run=\"$CMD; $CMD_CD\"" >"$tmp/mk.log" 2>&1; then
        skipped "cd" "cannot build the CD image: $(tail -n 1 "$tmp/mk.log")"
        return
    fi
    base interp
    boot cd cmd "${base[@]}" "${bioslog[@]}" -cdrom "$tmp/cd.iso" -boot d
    check cd yes && {
        if grep -qx "tandem-cd: tandem-cd-ok" "$log"; then ok "cd: the guest reads the CD"
        else bad "cd: the guest reads the CD" "no 'tandem-cd: tandem-cd-ok'" "$log"; fi
        check_poweroff cd
    }
    report cd "interp, SeaBIOS, isolinux"
    rm -f "$tmp/cd.iso"
}

run_disk() {
    local img=$tmp/disk.img off got
    if ! has_option -hda; then
        skipped "disk" "tandem has no -hda yet (IDE)"
        return
    fi
    if ! command -v mtype >/dev/null 2>&1; then
        skipped "disk" "mtools missing (apt-get install mtools)"
        return
    fi
    if ! "$fetch" --make-disk "$img" "$kargs tandem.run=\"$CMD; $CMD_DISK\"" >"$tmp/mk.log" 2>&1; then
        skipped "disk" "cannot build the disk image: $(tail -n 1 "$tmp/mk.log")"
        return
    fi
    base interp
    boot disk cmd "${base[@]}" "${bioslog[@]}" -hda "$img" -boot c
    check disk yes && {
        if grep -qx "tandem-cfg: 1" "$log" && grep -qx "tandem-disk: written" "$log"; then
            ok "disk: the guest mounts, reads and writes the FAT partition"
        else bad "disk: the guest mounts, reads and writes the FAT partition" "" "$log"; fi
        check_poweroff disk
        # The partition's first sector, from the MBR's first entry.
        off=$(od -An -tu4 -j454 -N4 "$img" | tr -d ' ')
        got=$(MTOOLS_SKIP_CHECK=1 mtype -i "$img@@$((off * 512))" ::/result.txt 2>&1 | tr -d '\r')
        if [ "$got" = "tandem-disk-42" ]; then ok "disk: the file the guest wrote is in the image"
        else bad "disk: the file the guest wrote is in the image" "mtype: $got"; fi
    }
    report disk "interp, SeaBIOS, syslinux"
    rm -f "$img"
}

run_qemu() {
    # shellcheck disable=SC2054
    local q=(qemu-system-i386 -nodefaults -vga std -display none -m "$ram" -no-reboot
             -chardev stdio,id=s,mux=on,signal=off -serial chardev:s
             -device isa-debugcon,iobase=0x402,chardev=s)
    boot qemu-bios cmd "${q[@]}" -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
        -append "$kargs tandem.run=\"$CMD\""
    grep -qx "tandem-result: 42" "$log" || echo "NOTE qemu -kernel: no command output (see $log)"
    report qemu-bios "qemu-system-i386 TCG, SeaBIOS, -kernel"
    if "$fetch" --make-iso "$tmp/cd.iso" "$kargs tandem.run=\"$CMD; $CMD_CD\"" >/dev/null 2>&1; then
        boot qemu-cd cmd "${q[@]}" -cdrom "$tmp/cd.iso" -boot d
        grep -qx "tandem-cd: tandem-cd-ok" "$log" || echo "NOTE qemu cd: no command output (see $log)"
        report qemu-cd "qemu-system-i386 TCG, SeaBIOS, isolinux"
        rm -f "$tmp/cd.iso"
    fi
}

if [ ! -x "$tandem" ]; then
    bad "linux" "$tandem not built (make)"
    finish
fi
for f in vmlinuz initramfs.cpio.gz; do
    if [ ! -f "$cache/$f" ]; then
        skipped "linux" "$cache/$f missing: scripts/fetch-guests.sh could not fetch it (offline?)"
        finish
    fi
done

for w in $what; do
    case $w in
    direct) run_direct interp direct ;;
    crypto) run_direct interp crypto "console=ttyS0" ;;
    bios) run_bios_kernel ;;
    cd) run_cd ;;
    disk) run_disk ;;
    kvm)
        if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then run_direct kvm kvm
        else skipped "kvm" "/dev/kvm not usable"; fi ;;
    qemu)
        if command -v qemu-system-i386 >/dev/null 2>&1; then run_qemu; fi ;;
    *)
        echo "usage: $0 [direct] [bios] [cd] [disk] [kvm] [crypto] [qemu]" >&2
        exit 2 ;;
    esac
done
finish
