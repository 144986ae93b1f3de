/* The PC board: which devices, at which ports, wired to which IRQs, and the
 * BIOS image.  tandem.c fills a pc_config from the command line; tests fill
 * one by hand.
 *
 * The board is QEMU's "pc" machine as Debian's SeaBIOS expects it: an
 * i440FX host bridge (00:00.0) and PIIX3/PIIX4 (00:01.0 ISA bridge, 00:01.3
 * ACPI PM) on PCI, the 8259A pair, 8254 PIT with the speaker port, RTC/CMOS
 * (memory size and boot order filled in here), 8042, port 0x92, POST port
 * 0x80, fw_cfg at 0x510 (RAM size, e820, boot options), and the stdvga
 * card (00:02.0) with vgabios-stdvga.bin in its ROM BAR. */
#ifndef HW_PC_H
#define HW_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/drive.h"

struct machine;
struct chardev_set;
struct pic;
struct uart;
struct debugcon;
struct debug_exit;
struct i8042;
struct pci_bus;
struct i440fx;
struct piix;
struct fw_cfg;
struct pit;
struct pcspk;
struct rtc;
struct port92;
struct postcode;
struct ferr;
struct vga;
struct linux_boot;
struct x86_state;
struct ide;

#define PC_MAX_SERIAL 4
#define PC_MAX_OPTS 32
#define PC_MAX_DRIVES 8             /* drive options; 4 IDE slots */
#define PC_DEFAULT_BIOS "/usr/share/seabios/bios.bin"
#define PC_DEFAULT_BIOS_NAME "bios.bin"
#define PC_MAX_FW_DIRS 8
/* Where firmware files (BIOS, option ROMs) are looked for after -L. */
#define PC_FIRMWARE_DIRS { "/usr/share/seabios", "/usr/share/qemu" }
#define PC_DEFAULT_BOOT_ORDER "cad"   /* QEMU's: disk, floppy, CD */
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
    const char *fw_dirs[PC_MAX_FW_DIRS]; /* -L directories, searched first */
    int nr_fw_dirs;
    bool nographic;             /* SeaBIOS then mirrors its screen on COM1 */
    const char *vga;            /* -vga: NULL or "std" (the stdvga PCI card
                                   at 00:02.0, as QEMU's default), "none" */
    struct pc_boot {            /* -boot (pc_parse_boot); zero = defaults */
        char order[17];         /* drive letters a-p; "" = "cad" */
        int menu;               /* 0 default (off), 1 off, 2 on */
        int splash_time_ms;     /* -1 or 0 = unset */
        int64_t reboot_timeout_ms;  /* 0 = unset (never reboot, as QEMU) */
        bool strict;
    } boot;
    /* -kernel/-initrd/-append: with a BIOS, fw_cfg items for the
     * linux-boot option ROM; with -bios none, a direct boot */
    const char *kernel, *initrd, *append;
    /* -drive, -hda..-hdd, -cdrom in command-line order (hw/drive.h), and
     * -snapshot (every disk's writes kept in memory) */
    struct drive_arg drives[PC_MAX_DRIVES];
    int nr_drives;
    bool snapshot;
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
    struct pci_bus *pci;
    struct i440fx *i440fx;
    struct piix *piix;
    struct fw_cfg *fw_cfg;
    struct pit *pit;
    struct pcspk *pcspk;
    struct rtc *rtc;
    struct port92 *port92;
    struct postcode *postcode;
    struct ferr *ferr;
    struct i8042 *i8042;
    struct vga *vga;            /* NULL with -vga none */
    struct linux_boot *kboot;   /* -kernel */
    struct ide *ide;            /* PIIX3 IDE, 00:01.1, with the drives */
    bool direct_boot;           /* -kernel with -bios none */
    bool a20_kbd, a20_fast;     /* the two A20 gate outputs */
    bool a20_logged;
};

/* Assemble the PC on `m` (or on a new machine of cfg->ram_size when m is
 * NULL).  NULL with a one-line reason in err (no "tandem: " prefix) on
 * failure; a machine passed in is left to the caller. */
struct pc *pc_build(const struct pc_config *cfg, struct machine *m,
                    char *err, size_t errlen);
/* Free the devices, and the machine if pc_build created it. */
void pc_free(struct pc *pc);

/* The CPU state to start (and restart after a reset) from: the reset
 * vector, or a direct kernel boot's entry state (which also puts the
 * kernel back into RAM).  -1 + err on failure. */
int pc_initial_state(struct pc *pc, struct x86_state *st, char *err,
                     size_t errlen);

/* Map a BIOS image so its last byte is at 0xFFFFFFFF, and its last 128 KiB
 * (all of it if smaller) again just below 1 MiB.  err reads
 * "-bios FILE: reason". */
int pc_load_bios(struct machine *m, const char *path, char *err,
                 size_t errlen);

/* Find a firmware file: a name with a '/' or one that exists as given is
 * used as is; otherwise each -L directory, then PC_FIRMWARE_DIRS.  Writes
 * the path to out and returns 0, or -1 (out then holds `name`). */
int pc_find_firmware(const struct pc_config *cfg, const char *name,
                     char *out, size_t outlen);

/* Parse a -boot argument into cfg->boot: "order=cd,menu=on,splash-time=N,
 * reboot-timeout=N,strict=on" or QEMU's short form "cd".  -1 with a reason
 * in err (no "tandem: " prefix). */
int pc_parse_boot(struct pc_config *cfg, const char *arg, char *err,
                  size_t errlen);

/* "-device help" text. */
void pc_print_devices(FILE *f);

#endif
