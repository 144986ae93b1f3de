#!/bin/sh
# Install the Debian 12 packages needed to build and test tandem.
# Safe to run again: when everything is installed it touches nothing.
set -eu

# Needed to build tandem and run `make check`; the second line builds the
# Linux guests' images for `make check-system` (scripts/fetch-guests.sh).
REQUIRED="build-essential pkg-config libsdl2-dev zlib1g-dev check linux-libc-dev nasm seabios
          cpio xorriso mtools dosfstools fdisk"
# Nice to have: QEMU is the reference the tests can compare against.
OPTIONAL="qemu-system-x86"

say() { echo "setup.sh: $*"; }

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    say "no apt-get/dpkg here; this script supports Debian 12." >&2
    say "install the equivalents of: $REQUIRED ($OPTIONAL optional)" >&2
    exit 1
fi

missing_req=
for p in $REQUIRED; do installed "$p" || missing_req="$missing_req $p"; done
missing_opt=
for p in $OPTIONAL; do installed "$p" || missing_opt="$missing_opt $p"; done

if [ -z "$missing_req$missing_opt" ]; then
    say "all packages already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    say "need root to install:$missing_req$missing_opt (run as root or install sudo)" >&2
    exit 1
fi

# Wait for another apt/dpkg run instead of failing on its lock.
APT="$as_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600"

say "installing:$missing_req$missing_opt"
$APT update || say "warning: apt-get update failed; trying the current package lists" >&2
if [ -n "$missing_req" ]; then
    # shellcheck disable=SC2086
    $APT install --no-install-recommends $missing_req
fi
if [ -n "$missing_opt" ]; then
    # shellcheck disable=SC2086
    $APT install --no-install-recommends $missing_opt ||
        say "warning: could not install$missing_opt (optional; continuing)" >&2
fi

for p in $REQUIRED; do
    installed "$p" || { say "package $p is still missing" >&2; exit 1; }
done
say "done"
