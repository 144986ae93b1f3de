#!/bin/bash
# Fetch Debian's 32-bit Linux and busybox and build the Linux guests that the
# system tests and `make run-linux` boot.  Nothing here is committed: it all
# goes into a cache outside the source tree.
#
#   scripts/fetch-guests.sh [--refresh] [-q]
#       fetch what is missing and build, in the cache:
#         vmlinuz            Debian's linux-image-686-pae kernel (i386)
#         initramfs.cpio.gz  busybox-static:i386, the IDE/CD/FAT modules and
#                            an /init (below)
#         linux.iso          El Torito CD: isolinux, the kernel, the initramfs
#         disk.img           MBR disk, one bootable FAT16 partition with
#                            syslinux, the kernel and the initramfs
#       A second run with everything built does nothing.  --refresh asks apt
#       for the newest kernel again and rebuilds everything.
#   scripts/fetch-guests.sh --print-cache | --print-cmdline
#       print the cache directory, or the images' kernel command line
#   scripts/fetch-guests.sh --make-iso OUT [CMDLINE]
#   scripts/fetch-guests.sh --make-disk OUT [CMDLINE]
#       build another CD or disk image from the cached kernel and initramfs
#       whose boot loader passes CMDLINE to Linux (default: --print-cmdline)
#
# The guest's /init mounts /proc, /sys and /dev, loads the modules, prints
# "tandem-guest: init ok", then runs the command given on the kernel command
# line as tandem.run="COMMAND" (or tandem.run=WORD) followed by
# "tandem-guest: done, status N" and `poweroff -f`; without one it starts
# an interactive shell on the console (Ctrl-C works; `poweroff -f` leaves).
# `waitdev DEV [SECONDS]` in the guest waits for a device node to appear.
#
# Environment: TANDEM_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/tandem).
# Needs: apt-get and dpkg-deb (root, or sudo, only to add the i386
# architecture and update the package lists), cpio, gzip, xorriso, mtools,
# dosfstools and fdisk (sfdisk); scripts/setup.sh installs them.
# Exit status: 0 when everything is built, 1 otherwise (what could be built is
# kept).
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
PATH=$PATH:/usr/sbin:/sbin     # mkfs.vfat and sfdisk for non-root users

if [ -n "${TANDEM_CACHE:-}" ]; then
    cache=$TANDEM_CACHE
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
    cache=$XDG_CACHE_HOME/tandem
elif [ -n "${HOME:-}" ]; then
    cache=$HOME/.cache/tandem
else
    cache=${TMPDIR:-/tmp}/tandem-cache-$(id -u)
fi

quiet=
say() { [ -n "$quiet" ] || echo "fetch-guests: $*"; }
warn() { echo "fetch-guests: $*" >&2; }
die() { warn "$*"; exit 1; }

# The default kernel command line of the images: the serial console, and no
# crypto self-tests or ISA PnP probe, which take most of the time from the
# kernel's start to /init on an emulator (about 2/3 of it on QEMU's TCG).
CMDLINE_DEFAULT="console=ttyS0 cryptomgr.notests noisapnp"
# Kernel modules for the PIIX IDE disk and CD and their filesystems; their
# dependencies come from the modules themselves.  The crc/crc64 generic
# modules are there so that t10-pi (for sd_mod) finds its algorithms without
# asking the kernel's module loader.
MODULES="crct10dif_generic crc64_rocksoft_generic scsi_common scsi_mod libata
ata_piix cdrom sr_mod sd_mod fat vfat nls_cp437 nls_ascii nls_iso8859-1 nls_utf8 isofs"
# Disk image: size and first sector of its FAT16 partition.
DISK_MIB=48
PART_START=2048

need_tool() {   # need_tool COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    warn "$1 not found: apt-get install $2 (or run scripts/setup.sh)"
    return 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else warn "need root for: $* (run as root or install sudo)"; return 1
    fi
}

apt_update() {
    say "apt-get update"
    # It may fail for one index (e.g. a mirror mid-sync) and still have
    # refreshed the lists we need; the download below is the real test.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 \
        update >"$cache/apt-update.log" 2>&1 ||
        warn "apt-get update failed (see $cache/apt-update.log); trying the lists it has"
}

ensure_i386() {
    if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx i386 &&
       [ "$(dpkg --print-architecture 2>/dev/null)" != i386 ]; then
        say "adding the i386 architecture to dpkg"
        as_root dpkg --add-architecture i386
        apt_update
    fi
    # No i386 package lists yet (architecture added by hand, never updated).
    if ! apt-cache show busybox-static:i386 >/dev/null 2>&1; then
        apt_update
    fi
}

# deb_for NAME ARCH: the cached .deb of package NAME, if any.
deb_for() {
    local f
    for f in "$cache/debs/$1"_*_"$2".deb; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

# fetch PKG:ARCH: download the package into $cache/debs unless it is there.
fetch() {
    local name=${1%%:*} arch=${1##*:} opts=() try
    [ -n "$refresh" ] || ! deb_for "$name" "$arch" >/dev/null || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script needs Debian's apt"
    # As root apt drops to the _apt user, which cannot write to a private
    # cache; the download is checked by apt's signatures either way.
    [ "$(id -u)" -ne 0 ] || opts=(-o APT::Sandbox::User=root)
    for try in 1 2; do
        rm -f "$cache/debs/$name"_*_"$arch".deb
        say "downloading $name ($arch)"
        if (cd "$cache/debs" && apt-get -q "${opts[@]}" download "$name:$arch") \
            >"$cache/apt-download.log" 2>&1; then
            deb_for "$name" "$arch" >/dev/null && return 0
        fi
        # Stale lists point at files the mirror no longer has.
        [ "$try" = 1 ] && apt_update
    done
    warn "could not download $name:$arch (offline?); apt said:"
    tail -n 3 "$cache/apt-download.log" | sed 's/^/    /' >&2
    return 1
}

# unpack NAME ARCH: extract the cached .deb into $cache/pkgs/NAME.
unpack() {
    local deb dir=$cache/pkgs/$1
    deb=$(deb_for "$1" "$2") || return 1
    if [ -f "$dir/.from" ] && [ "$(cat "$dir/.from")" = "$(basename "$deb")" ]; then
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    basename "$deb" >"$dir/.from"
}

# The kernel's real package (linux-image-6.1.0-NN-686-pae), which the
# linux-image-686-pae metapackage depends on.
kernel_package() {
    local f
    if [ -z "$refresh" ]; then
        for f in "$cache/debs"/linux-image-*-686-pae_*_i386.deb; do
            [ -f "$f" ] && { basename "$f" | cut -d_ -f1; return 0; }
        done
    fi
    apt-cache depends linux-image-686-pae:i386 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:i386$/, "", $2); print $2; exit }'
}

fetch_all() {
    local kpkg
    mkdir -p "$cache/debs"
    kpkg=$(kernel_package || true)
    if [ -z "$kpkg" ]; then
        ensure_i386
        kpkg=$(kernel_package || true)
        [ -n "$kpkg" ] || die "apt knows no linux-image-686-pae:i386 (offline, or no i386 package lists)"
    elif ! deb_for "$kpkg" i386 >/dev/null || ! deb_for busybox-static i386 >/dev/null; then
        ensure_i386
    fi
    fetch "$kpkg:i386"
    fetch busybox-static:i386
    fetch isolinux:all
    fetch syslinux-common:all
    fetch "syslinux:$(dpkg --print-architecture)"
    unpack "$kpkg" i386
    unpack busybox-static i386
    unpack isolinux all
    unpack syslinux-common all
    unpack syslinux "$(dpkg --print-architecture)"
    echo "$kpkg" >"$cache/pkgs/kernel-package"
}

# --- the initramfs -----------------------------------------------------------

write_init() {   # write_init ROOT
    cat >"$1/init" <<'EOF'
#!/bin/busybox sh
# /init of tandem's test initramfs (written by scripts/fetch-guests.sh)
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root ENV=/etc/profile
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
kver=$(uname -r)
while read -r m; do
    insmod "/lib/modules/$kver/$m.ko" 2>/dev/null ||
        echo "tandem-guest: insmod $m failed"
done < /etc/tandem-modules
echo "tandem-guest: init ok"
run=$(sed -n 's/.*tandem\.run="\([^"]*\)".*/\1/p' /proc/cmdline)
[ -n "$run" ] || run=$(sed -n 's/.*tandem\.run=\([^" ][^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$run" ]; then
    sh -c "$run"
    echo "tandem-guest: done, status $?"
    sync
    poweroff -f
fi
echo "Linux on tandem: busybox shell; 'poweroff -f' turns the machine off."
# Init must not exit (the kernel would panic): a shell that ends is restarted.
while :; do
    setsid cttyhack sh
    echo "tandem-guest: the shell ended; starting another"
done
EOF
    chmod 755 "$1/init"
    cat >"$1/etc/profile" <<'EOF'
# Read by the interactive shell ($ENV): the marker tests wait for.
if [ -z "$TANDEM_SHELL_READY" ]; then
    export TANDEM_SHELL_READY=1
    echo "tandem-guest: shell ready"
fi
PS1='tandem:\w# '
EOF
    cat >"$1/bin/waitdev" <<'EOF'
#!/bin/sh
# waitdev DEV [SECONDS]: wait for a device node (SCSI scans are asynchronous)
n=$(( ${2:-60} * 10 ))
while [ ! -b "$1" ]; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || { echo "waitdev: no $1" >&2; exit 1; }
    sleep 0.1
done
EOF
    chmod 755 "$1/bin/waitdev"
}

# module_files MODDIR: "name path" for every module, name with '_' for '-'
module_files() {
    find "$1" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' |
        while read -r f; do
            n=${f##*/}
            n=${n%%.ko*}
            echo "${n//-/_} $f"
        done
}

# decompress_ko SRC DST
decompress_ko() {
    case $1 in
    *.ko.xz)  xz -dc "$1" >"$2" ;;
    *.ko.zst) zstd -q -dc "$1" >"$2" ;;
    *.ko.gz)  gzip -dc "$1" >"$2" ;;
    *)        cp "$1" "$2" ;;
    esac
}

# add_modules MODDIR ROOT KVER: copy $MODULES and their dependencies, list
# them in load order in ROOT/etc/tandem-modules, and write a modules.dep so
# that the kernel's own requests (modprobe is busybox's) find them too.
add_modules() {
    local moddir=$1 root=$2 kver=$3 index m f dst
    local -A path=() state=() closure=()
    local order=()
    index=$(module_files "$moddir")
    while read -r m f; do path[$m]=$f; done <<<"$index"
    mkdir -p "$root/lib/modules/$kver"
    visit() {   # depth-first: dependencies before the module
        local m=${1//-/_} deps d
        [ "${state[$m]:-}" = "done" ] && return 0
        [ -n "${path[$m]:-}" ] || {
            # Built into this kernel: nothing to load.
            grep -q "/${1}.ko\$\|/${m}.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
            warn "kernel module $m not found"; return 1; }
        state[$m]="done"
        dst=$root/lib/modules/$kver/$m.ko
        decompress_ko "${path[$m]}" "$dst"
        deps=$(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | head -n 1)
        closure[$m]=
        for d in ${deps//,/ }; do
            visit "$d" || return 1
            d=${d//-/_}
            [ -z "${path[$d]:-}" ] || closure[$m]+=" $d ${closure[$d]}"
        done
        order+=("$m")
    }
    for m in $MODULES; do visit "$m" || return 1; done
    printf '%s\n' "${order[@]}" >"$root/etc/tandem-modules"
    for m in "${order[@]}"; do
        # Each dependency once, the ones loaded last first, as depmod does.
        printf '%s:' "$m.ko"
        for d in $(tr ' ' '\n' <<<"${closure[$m]}" | awk 'NF && !seen[$0]++' |
                   grep -nxFf - <(printf '%s\n' "${order[@]}") | sort -t: -k1,1nr | cut -d: -f2); do
            printf ' %s' "$d.ko"
        done
        echo
    done >"$root/lib/modules/$kver/modules.dep"
}

# newc_entry INO MODE RDEVMAJOR RDEVMINOR NAME: an empty cpio "newc" entry
# (a directory, a device node or the trailer), owned by root.
newc_entry() {
    local namesize=$((${#5} + 1)) nlink=1
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$1" "$2" 0 0 "$nlink" 0 0 0 0 "$3" "$4" "$namesize" 0
    printf '%s\0' "$5"
    # The header (110 bytes) and the name are padded to 4 bytes.
    head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

build_initramfs() {
    local kdir=$cache/pkgs/$1 kver root
    kver=$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | head -n 1)
    root=$cache/tmp/initramfs
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,root,usr/bin,usr/sbin}
    cp "$cache/pkgs/busybox-static/bin/busybox" "$root/bin/busybox"
    write_init "$root"
    add_modules "$kdir/lib/modules/$kver" "$root" "$kver"
    # /init's stdio is /dev/console, opened by the kernel before anything
    # mounts devtmpfs: the archive must hold the node.  cpio can only copy
    # nodes that exist, and making one needs root, so a first small archive
    # (the kernel reads concatenated ones) is written by hand.
    {
        newc_entry 1 040755 0 0 dev
        newc_entry 2 020600 5 1 dev/console
        newc_entry 0 0 0 0 'TRAILER!!!'
        (cd "$root" && find . ! -path ./dev | LC_ALL=C sort |
            cpio -o -H newc -R 0:0 --quiet)
    } | gzip -9 -n >"$cache/initramfs.cpio.gz.new"
    mv "$cache/initramfs.cpio.gz.new" "$cache/initramfs.cpio.gz"
    rm -rf "$root"
    say "built initramfs.cpio.gz ($(du -k "$cache/initramfs.cpio.gz" | cut -f1) KiB; kernel $kver)"
}

# --- the boot media ----------------------------------------------------------

loader_cfg() {   # loader_cfg CMDLINE: syslinux/isolinux configuration
    cat <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND $1
EOF
}

make_iso() {   # make_iso OUT CMDLINE
    local out=$1 tree
    need_tool xorriso xorriso || return 1
    tree=$(mktemp -d "${TMPDIR:-/tmp}/tandem-iso.XXXXXX")
    mkdir -p "$tree/isolinux"
    cp "$cache/pkgs/isolinux/usr/lib/ISOLINUX/isolinux.bin" "$tree/isolinux/"
    cp "$cache/pkgs/syslinux-common/usr/lib/syslinux/modules/bios/ldlinux.c32" "$tree/isolinux/"
    loader_cfg "$2" >"$tree/isolinux/isolinux.cfg"
    cp "$cache/vmlinuz" "$tree/vmlinuz"
    cp "$cache/initramfs.cpio.gz" "$tree/initrd.gz"
    echo "tandem-cd-ok" >"$tree/tandem.txt"
    if ! xorriso -as mkisofs -quiet -o "$out.new" -V TANDEM -J -R \
        -b isolinux/isolinux.bin -c isolinux/boot.cat \
        -no-emul-boot -boot-load-size 4 -boot-info-table "$tree" 2>"$out.log"; then
        warn "xorriso failed:"; sed 's/^/    /' "$out.log" >&2
        rm -rf "$tree" "$out.new" "$out.log"; return 1
    fi
    rm -rf "$tree" "$out.log"
    mv "$out.new" "$out"
}

make_disk() {   # make_disk OUT CMDLINE
    local out=$1 img=$1.new sectors syslinux cfg
    need_tool sfdisk fdisk && need_tool mkfs.vfat dosfstools &&
        need_tool mcopy mtools || return 1
    syslinux=$cache/pkgs/syslinux/usr/bin/syslinux
    command -v syslinux >/dev/null 2>&1 && syslinux=$(command -v syslinux)
    sectors=$((DISK_MIB * 2048))
    rm -f "$img"
    truncate -s "${DISK_MIB}M" "$img"
    # One bootable FAT16 partition from sector PART_START to the end.
    printf 'label: dos\nlabel-id: 0x74616e64\nstart=%d, type=6, bootable\n' "$PART_START" |
        sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null
    mkfs.vfat -F 16 -n TANDEM -i 74616e64 -h "$PART_START" --offset "$PART_START" "$img" \
        $(((sectors - PART_START) / 2)) >/dev/null
    # syslinux's MBR code (the partition table after it stays).
    dd if="$cache/pkgs/syslinux/usr/lib/SYSLINUX/mbr.bin" of="$img" bs=440 count=1 \
        conv=notrunc status=none
    "$syslinux" --install --offset $((PART_START * 512)) "$img"
    cfg=$(mktemp "${TMPDIR:-/tmp}/tandem-cfg.XXXXXX")
    loader_cfg "$2" >"$cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@$((PART_START * 512))" "$cfg" ::/syslinux.cfg
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@$((PART_START * 512))" "$cache/vmlinuz" ::/vmlinuz
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@$((PART_START * 512))" "$cache/initramfs.cpio.gz" ::/initrd.gz
    rm -f "$cfg"
    mv "$img" "$out"
}

# --- main ----------------------------------------------------------------------

refresh=
mode=build
out=
cmdline=$CMDLINE_DEFAULT
while [ $# -gt 0 ]; do
    case $1 in
    --refresh) refresh=1 ;;
    -q) quiet=1 ;;
    --print-cache) echo "$cache"; exit 0 ;;
    --print-cmdline) echo "$CMDLINE_DEFAULT"; exit 0 ;;
    --make-iso|--make-disk)
        mode=${1#--make-}
        [ $# -ge 2 ] || die "usage: $0 $1 OUT [CMDLINE]"
        out=$2
        shift
        if [ $# -ge 2 ]; then cmdline=$2; shift; fi ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (--help lists them)" ;;
    esac
    shift
done

case $mode in
iso|disk)
    for f in vmlinuz initramfs.cpio.gz; do
        [ -f "$cache/$f" ] || die "$cache/$f missing: run $0 first"
    done
    "make_$mode" "$out" "$cmdline"
    exit ;;
esac

outputs="vmlinuz initramfs.cpio.gz linux.iso disk.img"
# The stamp is this script's own checksum: a changed script rebuilds.
stamp=$(sha256sum "$self" | cut -d' ' -f1)
all_there() {
    local f
    for f in $outputs; do [ -f "$cache/$f" ] || return 1; done
}
if [ -z "$refresh" ] && all_there && [ "$(cat "$cache/built.stamp" 2>/dev/null)" = "$stamp" ]; then
    say "up to date in $cache"
    exit 0
fi

mkdir -p "$cache"
# One run at a time per cache.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/.lock"
    flock 9
fi
rm -f "$cache/built.stamp"
mkdir -p "$cache/tmp"
need_tool dpkg-deb dpkg && need_tool cpio cpio && need_tool gzip gzip || exit 1
fetch_all
kpkg=$(cat "$cache/pkgs/kernel-package")
cp "$(find "$cache/pkgs/$kpkg/boot" -name 'vmlinuz-*' | head -n 1)" "$cache/vmlinuz"
build_initramfs "$kpkg"
st=0
if make_iso "$cache/linux.iso" "$CMDLINE_DEFAULT"; then
    say "built linux.iso"
else
    st=1; warn "linux.iso not built"
fi
if make_disk "$cache/disk.img" "$CMDLINE_DEFAULT"; then
    say "built disk.img (FAT16 partition at sector $PART_START)"
else
    st=1; warn "disk.img not built"
fi
rmdir "$cache/tmp" 2>/dev/null || true
[ "$st" -ne 0 ] || echo "$stamp" >"$cache/built.stamp"
say "guests in $cache"
exit "$st"
