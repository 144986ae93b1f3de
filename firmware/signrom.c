/* signrom IN OUT: finish a legacy option ROM image for a PC BIOS.
 *
 * Checks the 0x55 0xAA signature and that the size byte (offset 2, in
 * 512-byte blocks) matches the file, which must be a whole number of
 * blocks (nasm pads it), then sets the last byte so that all bytes sum to
 * 0 mod 256, which SeaBIOS requires before it runs a ROM.  A host tool,
 * built by the Makefile (firmware/firmware.mk). */
#include <stdio.h>
#include <stdlib.h>

#define BLOCK 512
#define MAX_SIZE (255 * BLOCK)

int main(int argc, char **argv)
{
    static unsigned char rom[MAX_SIZE + 1];

    if (argc != 3) {
        fprintf(stderr, "usage: signrom IN OUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    size_t n = fread(rom, 1, sizeof rom, in);
    fclose(in);
    if (n < BLOCK || n > MAX_SIZE || n % BLOCK != 0) {
        fprintf(stderr, "signrom: %s: %zu bytes: an option ROM is 1 to 255 "
                "blocks of 512 bytes\n", argv[1], n);
        return 1;
    }
    if (rom[0] != 0x55 || rom[1] != 0xaa) {
        fprintf(stderr, "signrom: %s: no 0x55 0xAA signature\n", argv[1]);
        return 1;
    }
    if ((size_t)rom[2] * BLOCK != n) {
        fprintf(stderr, "signrom: %s: the header says %u blocks, the file "
                "has %zu\n", argv[1], rom[2], n / BLOCK);
        return 1;
    }
    if (rom[n - 1] != 0) {
        fprintf(stderr, "signrom: %s: the last byte (the checksum's) is in "
                "use\n", argv[1]);
        return 1;
    }
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rom[i];
    rom[n - 1] = (unsigned char)(0x100 - (sum & 0xff));

    FILE *out = fopen(argv[2], "wb");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    if (fwrite(rom, 1, n, out) != n || fclose(out) != 0) {
        perror(argv[2]);
        remove(argv[2]);
        return 1;
    }
    return 0;
}
