/* Drives as the command line describes them: QEMU's -drive options and
 * the -hda/-hdb/-hdc/-hdd/-cdrom shorthands, turned into up to four IDE
 * slots (index = bus * 2 + unit: 0 primary master, 1 primary slave,
 * 2 secondary master, 3 secondary slave) with their images opened.
 *
 *   -drive file=F[,format=raw][,if=ide][,media=disk|cdrom][,index=0-3]
 *          [,bus=0-1][,unit=0-1][,readonly=on|off][,snapshot=on|off]
 *          [,cache=MODE][,id=NAME]
 *
 * A comma inside a value is written twice (",,"), as in QEMU.  A drive
 * with neither index nor bus/unit takes the first free slot, in command
 * line order.  A CD-ROM drive may have no file (an empty drive).  -snapshot
 * turns snapshot on for every drive. */
#ifndef HW_DRIVE_H
#define HW_DRIVE_H

#include <stdbool.h>
#include <stddef.h>

#define DRIVE_MAX 4

enum drive_media { DRIVE_DISK, DRIVE_CDROM };

/* One drive option from the command line. */
struct drive_arg {
    const char *opt;   /* -drive's option string, or -hdX/-cdrom's file */
    int index;         /* -1 for -drive; the slot for -hda..-hdd, -cdrom */
    bool cdrom;        /* -cdrom */
};

struct block;

struct drive {
    bool present;
    enum drive_media media;
    struct block *blk;     /* NULL for a CD-ROM drive without a disc */
};

/* Parse the arguments in order, open the images and fill the slots.
 * -1 with "-drive SPEC: reason" (or "-hda FILE: reason") in err; nothing
 * stays open then.  Notes (an ignored cache= mode, an image opened
 * read-only because it is not writable) go to stderr. */
int drives_open(const struct drive_arg *args, int n, bool snapshot,
                struct drive out[DRIVE_MAX], char *err, size_t errlen);
void drives_close(struct drive d[DRIVE_MAX]);

#endif
