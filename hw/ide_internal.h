/* What hw/ide.c (channels, ATA, bus-master DMA, the PCI function) and
 * hw/ide_atapi.c (the packet interface of the CD-ROM) share.  Private to
 * those two files. */
#ifndef HW_IDE_INTERNAL_H
#define HW_IDE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/ide.h"

struct block;
struct ide_channel;
struct ide;

/* status register */
#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DF 0x20
#define ST_DSC 0x10
#define ST_DRQ 0x08
#define ST_ERR 0x01
/* error register */
#define ER_UNC 0x40
#define ER_MC 0x20
#define ER_IDNF 0x10
#define ER_ABRT 0x04
/* device/head register */
#define DH_OBS 0xa0           /* bits 7 and 5 read as one */
#define DH_LBA 0x40
#define DH_DEV 0x10
/* device control register */
#define DC_HOB 0x80
#define DC_SRST 0x04
#define DC_NIEN 0x02
/* ATAPI interrupt reason (sector count register) */
#define IR_COD 0x01
#define IR_IO 0x02

/* One PIO data phase holds at most this (ATAPI: the 0xfffe byte-count
 * limit; ATA: 16 sectors of READ MULTIPLE); replies are built here too. */
#define IDE_BUF_SIZE (128u * 1024)
#define IDE_MAX_MULT 16

enum ide_kind { IDE_NONE, IDE_HD, IDE_CD };

/* How a DMA data phase ended. */
enum ide_dma_result {
    DMA_OK,          /* every byte moved */
    DMA_SHORT,       /* the PRD table ended first */
    DMA_MEM_ERR,     /* a PRD pointed outside RAM, or bus mastering off */
    DMA_IO_ERR,      /* the image could not be read or written */
};

struct ide_dev;
typedef void (*ide_end_fn)(struct ide_dev *d);

/* A data phase by DMA: bytes of the image at `base`, or of d->buf. */
struct ide_xfer {
    bool to_mem;              /* device to memory (a read) */
    bool from_buf;            /* d->buf, not the image */
    uint64_t base, len;
    void (*done)(struct ide_dev *d, enum ide_dma_result r);
};

struct ide_dev {
    struct ide_channel *ch;
    int unit;
    enum ide_kind kind;
    struct block *blk;        /* NULL: absent, or a CD drive with no disc */
    char serial[21], model[41], firmware[9];

    /* geometry: the drive's default, and the one INITIALIZE DEVICE
     * PARAMETERS set (CHS addressing uses the current one) */
    uint64_t sectors;
    unsigned cyls, heads, secs;
    unsigned cur_cyls, cur_heads, cur_secs;
    int translation;          /* for the BIOS: 0 none, 1 LBA, 2 large */

    /* task file (both devices of a channel latch every write) */
    uint8_t feature, nsect, sect, lcyl, hcyl;
    uint8_t hob_feature, hob_nsect, hob_sect, hob_lcyl, hob_hcyl;
    uint8_t select, status, error;

    /* PIO data phase: bytes [pos, end) of buf */
    uint8_t *buf;
    uint32_t pos, end;
    bool pio_out;             /* the host writes */
    ide_end_fn end_fn;        /* when the phase is done */

    /* the ATA command in progress */
    uint64_t lba;
    uint32_t count;           /* sectors left */
    unsigned req;             /* sectors per DRQ block */
    bool lba48;
    unsigned mult;            /* SET MULTIPLE (0: off) */
    bool wcache;              /* write cache on: no fsync per write */
    uint8_t xfer_mode;        /* SET FEATURES 03h value */
    uint8_t power;            /* CHECK POWER MODE answer */
    struct ide_xfer xfer;     /* the DMA data phase, when one is set up */

    /* ATAPI */
    uint8_t packet[12];
    bool atapi_dma;
    uint8_t sense_key, asc, ascq;
    bool tray_open, locked;
    bool new_media;           /* GET EVENT STATUS: a disc was loaded */
    bool unit_attention;      /* after a load: report 28h once */
    uint64_t cd_off;          /* PIO: next image byte of a read */
    uint64_t left;            /* bytes left in the data phase */
    bool reply;               /* PIO data comes from buf, not the image */
    uint32_t reply_pos;
};

struct ide_bm {
    uint8_t cmd, status;
    uint32_t prd;
};

struct ide_channel {
    struct ide *ide;
    int index;
    int irq;
    struct ide_dev dev[2];
    int cur;                  /* the selected unit */
    uint8_t devctl;
    bool irq_pending, irq_line;
    struct ide_bm bm;
    struct ide_dev *dma_dev;  /* a device waiting for the DMA engine */
    bool mapped;
    uint16_t cmd_base, ctl_port;
};

/* ---- ide.c, for ide_atapi.c ---- */
void ide_pio_start(struct ide_dev *d, uint32_t start, uint32_t len,
                   bool out, ide_end_fn end);
void ide_pio_stop(struct ide_dev *d);
void ide_irq_raise(struct ide_channel *ch);
/* Set d->xfer first; the transfer runs now or when the engine starts. */
void ide_dma_start(struct ide_dev *d);
/* Log an unknown command once (-d unimp); key: ATA opcode 0-255, SET
 * FEATURES subcommand 256-511, packet opcode 512-767. */
void ide_unimp_once(struct ide_dev *d, unsigned key, const char *what,
                    unsigned code);
void ide_padstr(char *dst, const char *src, size_t len);

/* ---- ide_atapi.c ---- */
void atapi_identify(struct ide_dev *d, uint16_t id[256]);
/* The selected transfer mode in IDENTIFY words 62, 63 and 88 (ide.c). */
void ide_identify_modes(const struct ide_dev *d, uint16_t *id);
void atapi_reset(struct ide_dev *d);
/* PACKET (A0h) accepted: take the 12 command bytes. */
void atapi_packet_start(struct ide_dev *d);

#endif
