/* The PC board: which devices, at which ports, wired to which IRQs, and the
 * BIOS image.  tandem.c fills a pc_config from the command line; tests fill
 * one by hand. */
#ifndef HW_PC_H
#define HW_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct machine;
struct chardev_set;
struct pic;
struct uart;
struct debugcon;
struct debug_exit;

#define PC_MAX_SERIAL 4
#define PC_MAX_OPTS 32
#define PC_DEFAULT_BIOS "/usr/share/seabios/bios.bin"
/* QEMU's rule for -bios images: a non-zero multiple of 64 KiB; tandem also
 * caps them at 16 MiB (the flash window below 4 GiB). */
#define PC_BIOS_MAX_SIZE (16u << 20)

struct pc_config {
    uint64_t ram_size;          /* used when pc_build creates the machine */
    const char *bios;           /* NULL: PC_DEFAULT_BIOS; "none": no BIOS */
    const char *debugcon;       /* -debugcon spec for port 0xE9; NULL: none */
    /* -serial specs for COM1..COM4 ("none" leaves that port out) */
    const char *serial[PC_MAX_SERIAL];
    int nr_serial;
    const char *chardevs[PC_MAX_OPTS];   /* -chardev option strings */
    int nr_chardevs;
    const char *devices[PC_MAX_OPTS];    /* -device option strings */
    int nr_devices;
};

struct pc {
    struct machine *m;
    bool own_machine;
    struct chardev_set *chardevs;
    struct pic *pic;
    struct uart *uart[PC_MAX_SERIAL];
    struct debugcon *debugcon[PC_MAX_OPTS + 1];
    int nr_debugcon;
    struct debug_exit *debug_exit[PC_MAX_OPTS];
    int nr_debug_exit;
};

/* Assemble the PC on `m` (or on a new machine of cfg->ram_size when m is
 * NULL).  NULL with a one-line reason in err (no "tandem: " prefix) on
 * failure; a machine passed in is left to the caller. */
struct pc *pc_build(const struct pc_config *cfg, struct machine *m,
                    char *err, size_t errlen);
/* Free the devices, and the machine if pc_build created it. */
void pc_free(struct pc *pc);

/* Map a BIOS image so its last byte is at 0xFFFFFFFF, and its last 128 KiB
 * (all of it if smaller) again just below 1 MiB.  err reads
 * "-bios FILE: reason". */
int pc_load_bios(struct machine *m, const char *path, char *err,
                 size_t errlen);

/* "-device help" text. */
void pc_print_devices(FILE *f);

#endif
