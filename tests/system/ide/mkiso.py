#!/usr/bin/env python3
"""A minimal ISO 9660 image with an El Torito no-emulation boot entry, for
tests/system/ide.sh where xorriso is not installed (and to check tandem
against a second writer where it is).

usage: mkiso.py BOOT.BIN OUT.ISO

Layout (2048-byte sectors): 16 primary volume descriptor, 17 El Torito
boot record, 18 terminator, 19 boot catalog, 20 root directory, 21/22 the
L and M path tables, 23... BOOT.BIN (listed in the root directory).  The
boot file's El Torito boot info table (bytes 8-63) is filled in as
mkisofs -boot-info-table does; 4 virtual sectors (2048 bytes) are loaded.
"""
import struct
import sys
import time

SECTOR = 2048


def both16(v):
    return struct.pack('<H', v) + struct.pack('>H', v)


def both32(v):
    return struct.pack('<I', v) + struct.pack('>I', v)


def dir_record(lba, size, name, is_dir):
    rec_date = bytes([time.gmtime().tm_year - 1900, 1, 1, 0, 0, 0, 0])
    body = (both32(lba) + both32(size) + rec_date +
            bytes([2 if is_dir else 0, 0, 0]) + both16(1) +
            bytes([len(name)]) + name)
    length = 1 + 1 + len(body)
    if length % 2:
        body += b'\0'
        length += 1
    return bytes([length, 0]) + body


def pad(data, n=SECTOR):
    return data + b'\0' * (-len(data) % n)


def main():
    boot_path, out_path = sys.argv[1], sys.argv[2]
    boot = bytearray(open(boot_path, 'rb').read())
    boot = bytearray(pad(bytes(boot)))
    boot_lba = 23
    nboot = len(boot) // SECTOR
    total = boot_lba + nboot

    # boot info table: PVD LBA, boot file LBA, length, checksum of the file
    # from byte 64 on (32-bit little-endian words)
    csum = 0
    for off in range(64, len(boot), 4):
        csum = (csum + struct.unpack_from('<I', boot, off)[0]) & 0xffffffff
    struct.pack_into('<IIII', boot, 8, 16, boot_lba, len(boot), csum)

    root = pad(dir_record(20, SECTOR, b'\0', True) +
               dir_record(20, SECTOR, b'\1', True) +
               dir_record(boot_lba, len(boot), b'BOOT.BIN;1', False))
    root_rec = dir_record(20, SECTOR, b'\0', True)
    path_l = bytes([1, 0]) + struct.pack('<IH', 20, 1) + b'\0\0'
    path_m = bytes([1, 0]) + struct.pack('>IH', 20, 1) + b'\0\0'

    date = b'0' * 16 + b'\0'
    pvd = (bytes([1]) + b'CD001' + bytes([1, 0]) + b' ' * 32 +
           b'TANDEM_IDE_TEST'.ljust(32) + b'\0' * 8 + both32(total) +
           b'\0' * 32 + both16(1) + both16(1) + both16(SECTOR) +
           both32(len(path_l)) + struct.pack('<II', 21, 0) +
           struct.pack('>II', 22, 0) + root_rec + b' ' * 128 * 4 +
           b' ' * 37 * 3 + date * 4 + bytes([1, 0]))
    brvd = (bytes([0]) + b'CD001' + bytes([1]) +
            b'EL TORITO SPECIFICATION'.ljust(32, b'\0') + b'\0' * 32 +
            struct.pack('<I', 19))
    term = bytes([255]) + b'CD001' + bytes([1])

    # validation entry: header 1, platform 0 (x86), checksum, 55 AA
    val = bytearray(struct.pack('<BBH24sHBB', 1, 0, 0, b'TANDEM', 0,
                                0x55, 0xaa))
    s = sum(struct.unpack('<16H', bytes(val))) & 0xffff
    struct.pack_into('<H', val, 28, (-s) & 0xffff)
    # initial entry: bootable, no emulation, segment 0 (07C0), 4 sectors
    entry = struct.pack('<BBHBBHI20s', 0x88, 0, 0, 0, 0, 4, boot_lba,
                        b'')
    catalog = bytes(val) + entry

    image = bytearray(SECTOR * 16)
    for part in (pvd, brvd, term, catalog, root, path_l, path_m):
        image += pad(part)
    assert len(image) == boot_lba * SECTOR
    image += boot
    open(out_path, 'wb').write(image)


if __name__ == '__main__':
    main()
