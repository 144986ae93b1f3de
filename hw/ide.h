/* The PIIX3 IDE controller (PCI 00:01.1, 8086:7010, class 0101h, prog-if
 * 80h) with up to four drives: ATA hard disks and ATAPI CD-ROMs.
 *
 * Both channels are in legacy compatibility mode: the primary at 0x1F0-7
 * and 0x3F6 on IRQ 14, the secondary at 0x170-7 and 0x376 on IRQ 15.  As
 * on the chip, a channel decodes its ports while COMMAND.IOSE and its
 * IDETIM decode-enable bit (config 0x41/0x43 bit 7) are set (a BIOS sets
 * them; ide_firmware_init does it for a boot without one).  BAR4 holds the
 * bus-master registers (16 bytes: command, status, PRD table address per
 * channel); DMA needs COMMAND.BME.  Guest RAM is only reached through
 * machine_mem_rw after a bounds check: a PRD that points outside RAM sets
 * the bus-master error bit and aborts the command.
 *
 * The disks speak the ATA command set with LBA28/LBA48, PIO (single and
 * multiple), multiword/ultra DMA and FLUSH CACHE (fsync of the image); the
 * CD-ROMs the ATAPI packet interface with the MMC commands SeaBIOS and
 * Linux's sr driver use.  Every transfer completes at once: the device
 * raises its interrupt before the port write that started it returns. */
#ifndef HW_IDE_H
#define HW_IDE_H

#include <stdbool.h>
#include <stddef.h>

#include "hw/drive.h"
#include "hw/pci.h"

#define IDE_DEVFN PCI_DEVFN(1, 1)
#define IDE_BM_FIRMWARE_BASE 0xc000   /* ide_firmware_init's BAR4 */

struct machine;
struct ide;
struct block;

/* Open the drives (drive.h) and create the controller at IDE_DEVFN.  NULL
 * with a one-line reason in err on failure (nothing stays open). */
struct ide *ide_new(struct machine *m, struct pci_bus *bus,
                    const struct drive_arg *args, int nargs, bool snapshot,
                    char *err, size_t errlen);
/* Before pci_bus_free: the bus-master BAR points into the controller. */
void ide_free(struct ide *ide);

/* What a BIOS does before it boots an OS: both channels decoded, I/O and
 * bus mastering on, BAR4 at IDE_BM_FIRMWARE_BASE (for -bios none). */
void ide_firmware_init(struct ide *ide);

/* The geometry a BIOS reads from CMOS for drive `index` (0-3) if it is a
 * hard disk: cylinders, heads, sectors per track and the translation
 * (0 none, 1 LBA, 2 large), as QEMU guesses them.  -1 otherwise. */
int ide_disk_geometry(struct ide *ide, int index, unsigned *cyls,
                      unsigned *heads, unsigned *secs, int *translation);

/* The image behind drive `index`, or NULL (for tests). */
struct block *ide_drive_block(struct ide *ide, int index);

#endif
