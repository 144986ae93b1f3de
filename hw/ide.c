/* The PIIX3 IDE function: two channels, the ATA command set of the hard
 * disks, the bus-master DMA engine and the PCI configuration.  The ATAPI
 * packet commands are in ide_atapi.c.  See ide.h.
 *
 * Register behaviour follows the ATA/ATAPI-6 standard and QEMU's model
 * (which SeaBIOS and Linux are tested against) where the standard leaves
 * room: both devices latch every task-file write; an absent device 1 reads
 * 0 in status and error; a channel with no device reads 0 everywhere. */
#include "hw/ide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hw/block.h"
#include "hw/ide_internal.h"
#include "hw/machine.h"
#include "hw/pci.h"

#ifndef TANDEM_VERSION
#define TANDEM_VERSION "0.1"
#endif

/* PCI configuration registers of the function */
#define IDETIM 0x40               /* primary 0x40-41, secondary 0x42-43 */
#define IDETIM_IDE 0x8000         /* IDE decode enable */
#define SIDETIM 0x44
#define BM_BAR 4
#define BM_SIZE 16

/* bus-master registers (per channel, the secondary at +8) */
#define BM_CMD_START 0x01
#define BM_CMD_READ 0x08          /* the engine writes to memory */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_INT 0x04
#define BM_ST_CAPABLE 0x60        /* drive 0/1 DMA capable (software) */
#define PRD_EOT 0x80000000u
#define PRD_MAX_ENTRIES 512       /* a page of entries, as QEMU's limit */
#define DMA_CHUNK (64u * 1024)

static const struct {
    uint16_t cmd, ctl;
    int irq;
} legacy[2] = { { 0x1f0, 0x3f6, 14 }, { 0x170, 0x376, 15 } };

struct ide {
    struct machine *m;
    struct pci_bus *bus;
    struct pci_device *pci;
    struct ide_channel ch[2];
    uint8_t *bounce;              /* DMA between the image and RAM */
    uint32_t unimp_seen[24];      /* 768 keys logged once */
};

static struct ide_dev *sel(struct ide_channel *ch)
{
    return &ch->dev[ch->cur];
}

void ide_padstr(char *dst, const char *src, size_t len)
{
    /* ATA strings: space padded, two characters per word, high first */
    for (size_t i = 0; i < len; i++) {
        char c = *src ? *src++ : ' ';
        dst[i ^ 1] = c;
    }
}

void ide_unimp_once(struct ide_dev *d, unsigned key, const char *what,
                    unsigned code)
{
    struct ide *ide = d->ch->ide;
    key %= 768;
    if (ide->unimp_seen[key / 32] & (1u << (key % 32)))
        return;
    ide->unimp_seen[key / 32] |= 1u << (key % 32);
    struct logger *l = machine_logger(ide->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "ide%d-%d: %s 0x%02x not implemented: aborted\n",
                   d->ch->index, d->unit, what, code);
}

static void guest_error(struct ide *ide, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void guest_error(struct ide *ide, const char *fmt, ...)
{
    struct logger *l = machine_logger(ide->m);
    char msg[256];
    va_list ap;
    if (!log_enabled(l, LOG_GUEST_ERRORS))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_printf(l, "ide: %s\n", msg);
}

/* ---- interrupts ----
 * INTRQ is pending from the device's interrupt until the host reads the
 * status register or writes a command; nIEN keeps it off the wire. */

static void irq_update(struct ide_channel *ch)
{
    bool line = ch->irq_pending && !(ch->devctl & DC_NIEN);
    if (line != ch->irq_line) {
        ch->irq_line = line;
        machine_set_irq(ch->ide->m, ch->irq, line);
    }
}

void ide_irq_raise(struct ide_channel *ch)
{
    ch->irq_pending = true;
    /* the bus master latches the interrupt whether or not DMA ran */
    if (!(ch->devctl & DC_NIEN))
        ch->bm.status |= BM_ST_INT;
    irq_update(ch);
}

static void irq_lower(struct ide_channel *ch)
{
    ch->irq_pending = false;
    irq_update(ch);
}

/* ---- PIO data phase ---- */

void ide_pio_start(struct ide_dev *d, uint32_t start, uint32_t len,
                   bool out, ide_end_fn end)
{
    d->pos = start;
    d->end = start + len;
    d->pio_out = out;
    d->end_fn = end;
    if (!(d->status & ST_ERR))
        d->status |= ST_DRQ;
}

void ide_pio_stop(struct ide_dev *d)
{
    d->pos = d->end = 0;
    d->end_fn = NULL;
    d->status &= (uint8_t)~ST_DRQ;
}

static void pio_advance_done(struct ide_dev *d)
{
    if (d->pos < d->end)
        return;
    ide_end_fn fn = d->end_fn;
    d->status &= (uint8_t)~ST_DRQ;
    d->end_fn = NULL;
    if (fn)
        fn(d);
}

static uint32_t data_read(struct ide_channel *ch, unsigned size)
{
    struct ide_dev *d = sel(ch);
    uint32_t v = 0;

    if (d->kind == IDE_NONE || !(d->status & ST_DRQ) || d->pio_out)
        return 0;
    for (unsigned i = 0; i < size && d->pos < d->end; i++)
        v |= (uint32_t)d->buf[d->pos++] << (8 * i);
    pio_advance_done(d);
    return v;
}

static void data_write(struct ide_channel *ch, uint32_t v, unsigned size)
{
    struct ide_dev *d = sel(ch);

    if (d->kind == IDE_NONE || !(d->status & ST_DRQ) || !d->pio_out)
        return;
    for (unsigned i = 0; i < size && d->pos < d->end; i++)
        d->buf[d->pos++] = (uint8_t)(v >> (8 * i));
    pio_advance_done(d);
}

/* ---- geometry ---- */

static void chs_for_size(uint64_t n, unsigned *c, unsigned *h, unsigned *s)
{
    uint64_t cyl = n / (16 * 63);
    *c = cyl > 16383 ? 16383 : cyl < 2 ? 2 : (unsigned)cyl;
    *h = 16;
    *s = 63;
}

/* QEMU's guess: the end CHS of a partition in the MBR tells the geometry
 * the image was made with; else a standard one from the size.  The BIOS
 * translation follows (0 none, 1 LBA, 2 large). */
static void geometry_guess(struct ide_dev *d)
{
    uint8_t mbr[512];
    unsigned lc = 0, lh = 0, ls = 0;
    bool found = false;

    if (d->sectors >= 1 && block_read(d->blk, 0, mbr, 512) == 0 &&
        mbr[510] == 0x55 && mbr[511] == 0xaa) {
        for (int i = 0; i < 4 && !found; i++) {
            const uint8_t *p = mbr + 0x1be + 16 * i;
            uint32_t nr = p[12] | p[13] << 8 | p[14] << 16 |
                          (uint32_t)p[15] << 24;
            if (!nr || !p[5])
                continue;
            unsigned heads = p[5] + 1u, secs = p[6] & 63u;
            if (!secs)
                continue;
            uint64_t cyls = d->sectors / (heads * secs);
            if (cyls < 1 || cyls > 16383)
                continue;
            lc = (unsigned)cyls;
            lh = heads;
            ls = secs;
            found = true;
        }
    }
    if (!found) {
        chs_for_size(d->sectors, &d->cyls, &d->heads, &d->secs);
        d->translation = d->cyls <= 1024 ? 0 : 1;
    } else if (lh > 16) {
        chs_for_size(d->sectors, &d->cyls, &d->heads, &d->secs);
        d->translation = d->cyls * d->heads <= 131072 ? 2 : 1;
    } else {
        d->cyls = lc;
        d->heads = lh;
        d->secs = ls;
        d->translation = 0;
    }
}

static void geometry_current(struct ide_dev *d, unsigned heads, unsigned secs)
{
    uint64_t c = d->sectors / ((uint64_t)heads * secs);
    d->cur_heads = heads;
    d->cur_secs = secs;
    d->cur_cyls = c > 65535 ? 65535 : (unsigned)c;
}

/* ---- IDENTIFY DEVICE ---- */

static void put_str(uint16_t *id, int word, const char *s, size_t len)
{
    ide_padstr((char *)(id + word), s, len);
}

static void identify_checksum(uint16_t *id)
{
    uint8_t sum = 0xa5;
    id[255] = 0x00a5;
    for (int i = 0; i < 255; i++)
        sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
    id[255] = (uint16_t)(0x00a5 | (uint8_t)-sum << 8);
}

/* The selected-mode bits of words 62, 63 and 88. */
void ide_identify_modes(const struct ide_dev *d, uint16_t *id)
{
    unsigned type = d->xfer_mode >> 3, mode = d->xfer_mode & 7;
    if (type == 2)
        id[62] |= (uint16_t)(0x100 << mode);
    else if (type == 4)
        id[63] |= (uint16_t)(0x100 << mode);
    else if (type == 8)
        id[88] |= (uint16_t)(0x100 << mode);
}

static void ata_identify(struct ide_dev *d, uint16_t *id)
{
    memset(id, 0, 512);
    id[0] = 0x0040;                         /* fixed, not removable */
    id[1] = (uint16_t)d->cyls;
    id[3] = (uint16_t)d->heads;
    id[4] = (uint16_t)(512 * d->secs);      /* retired */
    id[5] = 512;                            /* retired */
    id[6] = (uint16_t)d->secs;
    put_str(id, 10, d->serial, 20);
    id[20] = 3;                             /* retired: buffer type */
    id[21] = 512;                           /* retired: buffer size */
    id[22] = 4;                             /* obsolete: ECC bytes */
    put_str(id, 23, d->firmware, 8);
    put_str(id, 27, d->model, 40);
    id[47] = 0x8000 | IDE_MAX_MULT;
    id[48] = 1;                             /* 32-bit PIO */
    id[49] = (1 << 11) | (1 << 9) | (1 << 8);   /* IORDY, LBA, DMA */
    id[50] = 0x4000;
    id[51] = 0x200;                         /* PIO timing mode 2 */
    id[52] = 0x200;
    id[53] = 7;                             /* words 54-58, 64-70, 88 */
    id[54] = (uint16_t)d->cur_cyls;
    id[55] = (uint16_t)d->cur_heads;
    id[56] = (uint16_t)d->cur_secs;
    uint64_t chs = (uint64_t)d->cur_cyls * d->cur_heads * d->cur_secs;
    if (chs > d->sectors)
        chs = d->sectors;
    id[57] = (uint16_t)chs;
    id[58] = (uint16_t)(chs >> 16);
    if (d->mult)
        id[59] = (uint16_t)(0x100 | d->mult);
    uint64_t lba28 = d->sectors < 0x0fffffff ? d->sectors : 0x0fffffff;
    id[60] = (uint16_t)lba28;
    id[61] = (uint16_t)(lba28 >> 16);
    id[62] = 0x07;                          /* single-word DMA 0-2 */
    id[63] = 0x07;                          /* multiword DMA 0-2 */
    id[64] = 0x03;                          /* PIO 3-4 */
    id[65] = 120;
    id[66] = 120;
    id[67] = 120;
    id[68] = 120;
    id[80] = 0xf0;                          /* ATA/ATAPI-4 to -7 */
    id[81] = 0x16;
    id[82] = (1 << 14) | (1 << 5);          /* NOP, write cache */
    id[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);
    id[84] = 1 << 14;                       /* FLUSH EXT, FLUSH, LBA48 */
    id[85] = (uint16_t)((1 << 14) | (d->wcache ? 1 << 5 : 0));
    id[86] = (1 << 13) | (1 << 12) | (1 << 10);
    id[87] = 1 << 14;
    id[88] = 0x3f;                          /* UDMA 0-5 */
    id[93] = 0x6001;                        /* device 0 passed, 80 wire */
    for (int i = 0; i < 4; i++)
        id[100 + i] = (uint16_t)(d->sectors >> (16 * i));
    ide_identify_modes(d, id);
    identify_checksum(id);
}

/* ---- reset ---- */

static void dev_signature(struct ide_dev *d)
{
    d->select &= 0xf0;
    d->nsect = 1;
    d->sect = 1;
    if (d->kind == IDE_CD) {
        d->lcyl = 0x14;
        d->hcyl = 0xeb;
    } else if (d->kind == IDE_HD) {
        d->lcyl = 0;
        d->hcyl = 0;
    } else {
        d->lcyl = 0xff;
        d->hcyl = 0xff;
    }
}

/* A reset ends with the device's diagnostic passed: error 01h; an ATA
 * device ready (50h), a packet device with DRDY clear (ATAPI). */
static void dev_reset(struct ide_dev *d, bool power_on)
{
    ide_pio_stop(d);
    if (d->ch->dma_dev == d)
        d->ch->dma_dev = NULL;
    d->feature = d->nsect = d->sect = d->lcyl = d->hcyl = 0;
    d->hob_feature = d->hob_nsect = d->hob_sect = 0;
    d->hob_lcyl = d->hob_hcyl = 0;
    d->select = DH_OBS;
    d->lba48 = false;
    d->count = 0;
    d->req = 0;
    d->mult = d->kind == IDE_HD ? IDE_MAX_MULT : 0;
    d->power = 0xff;
    if (power_on) {
        d->wcache = true;
        d->xfer_mode = 0;
        if (d->kind == IDE_HD)
            geometry_current(d, d->heads, d->secs);
    }
    if (d->kind == IDE_CD)
        atapi_reset(d);
    dev_signature(d);
    d->error = 0x01;
    d->status = d->kind == IDE_HD ? ST_DRDY | ST_DSC : 0;
}

static void channel_reset(struct ide_channel *ch)
{
    ch->devctl = 0;
    ch->cur = 0;
    ch->dma_dev = NULL;
    memset(&ch->bm, 0, sizeof ch->bm);
    for (int i = 0; i < 2; i++)
        dev_reset(&ch->dev[i], true);
    irq_lower(ch);
}

/* ---- ATA commands ---- */

static void ata_done(struct ide_dev *d)
{
    ide_pio_stop(d);
    d->status = ST_DRDY | ST_DSC;
    ide_irq_raise(d->ch);
}

static void ata_error(struct ide_dev *d, uint8_t err)
{
    ide_pio_stop(d);
    d->status = ST_DRDY | ST_ERR;
    d->error = err;
    ide_irq_raise(d->ch);
}

static void ata_abort(struct ide_dev *d)
{
    ata_error(d, ER_ABRT);
}

static uint32_t ata_count(const struct ide_dev *d, bool lba48)
{
    if (lba48) {
        uint32_t n = (uint32_t)d->hob_nsect << 8 | d->nsect;
        return n ? n : 65536;
    }
    return d->nsect ? d->nsect : 256;
}

/* The address the registers hold; -1 for a CHS address outside the
 * current geometry. */
static int ata_get_lba(const struct ide_dev *d, bool lba48, uint64_t *out)
{
    if (d->select & DH_LBA) {
        if (lba48)
            *out = (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 |
                   (uint64_t)d->hob_sect << 24 | (uint64_t)d->hcyl << 16 |
                   (uint64_t)d->lcyl << 8 | d->sect;
        else
            *out = (uint64_t)(d->select & 0x0f) << 24 |
                   (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 |
                   d->sect;
        return 0;
    }
    unsigned cyl = (unsigned)d->hcyl << 8 | d->lcyl;
    unsigned head = d->select & 0x0f;
    if (d->sect == 0 || d->sect > d->cur_secs || head >= d->cur_heads)
        return -1;
    *out = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + d->sect - 1;
    return 0;
}

static void ata_set_lba(struct ide_dev *d, uint64_t lba)
{
    if (d->select & DH_LBA) {
        d->sect = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        if (d->lba48) {
            d->hob_sect = (uint8_t)(lba >> 24);
            d->hob_lcyl = (uint8_t)(lba >> 32);
            d->hob_hcyl = (uint8_t)(lba >> 40);
        } else {
            d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
        }
        return;
    }
    uint64_t per_cyl = (uint64_t)d->cur_heads * d->cur_secs;
    if (!per_cyl)
        return;
    uint64_t cyl = lba / per_cyl, r = lba % per_cyl;
    d->hcyl = (uint8_t)(cyl >> 8);
    d->lcyl = (uint8_t)cyl;
    d->select = (uint8_t)((d->select & 0xf0) | ((r / d->cur_secs) & 0x0f));
    d->sect = (uint8_t)(r % d->cur_secs + 1);
}

/* Address and count of a media-access command; false (and the command
 * ended with IDNF) if they leave the disk. */
static bool ata_setup(struct ide_dev *d, bool lba48)
{
    uint64_t lba;
    d->lba48 = lba48;
    d->count = ata_count(d, lba48);
    if (ata_get_lba(d, lba48, &lba) || lba > d->sectors ||
        d->count > d->sectors - lba) {
        ata_error(d, ER_IDNF);
        return false;
    }
    d->lba = lba;
    d->power = 0xff;
    return true;
}

static void ata_read_block(struct ide_dev *d);

static void ata_read_next(struct ide_dev *d)
{
    if (d->count == 0) {
        ide_pio_stop(d);
        d->status = ST_DRDY | ST_DSC;
        return;
    }
    ata_read_block(d);
}

static void ata_read_block(struct ide_dev *d)
{
    unsigned n = d->count < d->req ? d->count : d->req;
    if (block_read(d->blk, d->lba * 512, d->buf, (size_t)n * 512)) {
        ata_error(d, ER_UNC);
        return;
    }
    d->lba += n;
    d->count -= n;
    ata_set_lba(d, d->lba);
    d->status = ST_DRDY | ST_DSC;
    ide_pio_start(d, 0, n * 512, false, ata_read_next);
    ide_irq_raise(d->ch);
}

static void ata_flush(struct ide_dev *d)
{
    if (d->blk && block_flush(d->blk)) {
        ata_abort(d);
        return;
    }
    ata_done(d);
}

static void ata_write_next(struct ide_dev *d)
{
    unsigned n = d->count < d->req ? d->count : d->req;
    if (block_write(d->blk, d->lba * 512, d->buf, (size_t)n * 512)) {
        ata_abort(d);
        return;
    }
    d->lba += n;
    d->count -= n;
    ata_set_lba(d, d->lba);
    if (d->count == 0) {
        /* write cache off: the data is on the disk before we say done */
        if (!d->wcache && block_flush(d->blk)) {
            ata_abort(d);
            return;
        }
        ata_done(d);
        return;
    }
    n = d->count < d->req ? d->count : d->req;
    d->status = ST_DRDY | ST_DSC;
    ide_pio_start(d, 0, n * 512, true, ata_write_next);
    ide_irq_raise(d->ch);
}

static void ata_read_pio(struct ide_dev *d, bool lba48, unsigned req)
{
    if (!ata_setup(d, lba48))
        return;
    d->req = req;
    ata_read_block(d);
}

static void ata_write_pio(struct ide_dev *d, bool lba48, unsigned req)
{
    if (block_read_only(d->blk)) {
        ata_abort(d);   /* a write-protected device aborts writes */
        return;
    }
    if (!ata_setup(d, lba48))
        return;
    d->req = req;
    unsigned n = d->count < req ? d->count : req;
    d->status = ST_DRDY | ST_DSC;
    ide_pio_start(d, 0, n * 512, true, ata_write_next);   /* no IRQ yet */
}

static void ata_dma_done(struct ide_dev *d, enum ide_dma_result r)
{
    switch (r) {
    case DMA_OK:
        d->lba += d->count;
        d->count = 0;
        ata_set_lba(d, d->lba);
        if (!d->xfer.to_mem && !d->wcache && block_flush(d->blk)) {
            ata_abort(d);
            return;
        }
        ata_done(d);
        break;
    case DMA_SHORT:
        /* the device still waits for data; no interrupt (as QEMU) */
        d->status = ST_DRDY | ST_DSC;
        break;
    case DMA_MEM_ERR:
        ata_abort(d);
        break;
    case DMA_IO_ERR:
        ata_error(d, d->xfer.to_mem ? ER_UNC : ER_ABRT);
        break;
    }
}

static void ata_dma(struct ide_dev *d, bool lba48, bool write)
{
    if (write && block_read_only(d->blk)) {
        ata_abort(d);
        return;
    }
    if (!ata_setup(d, lba48))
        return;
    d->xfer = (struct ide_xfer){
        .to_mem = !write, .from_buf = false, .base = d->lba * 512,
        .len = (uint64_t)d->count * 512, .done = ata_dma_done,
    };
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_dma_start(d);
}

static void ata_verify(struct ide_dev *d, bool lba48)
{
    if (!ata_setup(d, lba48))
        return;
    ata_done(d);   /* the image cannot have unreadable sectors */
}

static void ata_read_native_max(struct ide_dev *d, bool lba48)
{
    d->lba48 = lba48;
    if (!(d->select & DH_LBA) || d->sectors == 0) {
        ata_abort(d);
        return;
    }
    ata_set_lba(d, d->sectors - 1);
    ata_done(d);
}

static void ata_set_features(struct ide_dev *d)
{
    switch (d->feature) {
    case 0x02:                 /* write cache on */
        d->wcache = true;
        ata_done(d);
        return;
    case 0x82:                 /* write cache off: write back what's held */
        d->wcache = false;
        ata_flush(d);
        return;
    case 0x03: {               /* transfer mode */
        unsigned type = d->nsect >> 3, mode = d->nsect & 7;
        bool ok = (type == 0 && mode <= 1) || (type == 1 && mode <= 4) ||
                  (type == 2 && mode <= 2) || (type == 4 && mode <= 2) ||
                  (type == 8 && mode <= 5);
        if (!ok) {
            ata_abort(d);
            return;
        }
        d->xfer_mode = d->nsect;
        ata_done(d);
        return;
    }
    case 0x05: case 0x85:      /* APM */
    case 0x42: case 0xc2:      /* acoustic management */
    case 0x55: case 0xaa:      /* read look-ahead */
    case 0x66: case 0xcc:      /* revert to power-on defaults */
    case 0x67: case 0x69: case 0x96: case 0x9a:   /* vendor NOPs */
        ata_done(d);
        return;
    default:
        ide_unimp_once(d, 256 + d->feature, "SET FEATURES subcommand",
                       d->feature);
        ata_abort(d);
        return;
    }
}

/* EXECUTE DEVICE DIAGNOSTIC runs on both devices whichever is selected;
 * device 0 reports. */
static void exec_diagnostic(struct ide_channel *ch)
{
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &ch->dev[i];
        if (d->kind == IDE_NONE)
            continue;
        ide_pio_stop(d);
        dev_signature(d);
        d->error = 0x01;
        d->status = d->kind == IDE_HD ? ST_DRDY | ST_DSC : 0;
    }
    ide_irq_raise(ch);
}

static void ata_identify_cmd(struct ide_dev *d)
{
    ata_identify(d, (uint16_t *)d->buf);
    d->status = ST_DRDY | ST_DSC;
    ide_pio_start(d, 0, 512, false, ide_pio_stop);
    ide_irq_raise(d->ch);
}

/* Commands a packet device refuses with its signature in the registers
 * (so that a driver probing with them learns what it is). */
static void cd_refuse(struct ide_dev *d)
{
    dev_signature(d);
    ata_abort(d);
}

static bool hd_only(struct ide_dev *d)
{
    if (d->kind == IDE_HD)
        return true;
    ata_abort(d);
    return false;
}

static void exec_cmd(struct ide_channel *ch, uint8_t cmd)
{
    struct ide_dev *d = sel(ch);

    if (d->kind == IDE_NONE)
        return;                    /* nobody answers */
    if ((d->status & (ST_BSY | ST_DRQ)) &&
        !(cmd == 0x08 && d->kind == IDE_CD))
        return;                    /* busy: ignored, as on the drive */
    irq_lower(ch);
    d->error = 0;
    bool cd = d->kind == IDE_CD;

    switch (cmd) {
    case 0x00:                     /* NOP: always aborts */
        ata_abort(d);
        break;
    case 0x08:                     /* DEVICE RESET */
        if (!cd) {
            ata_abort(d);
            break;
        }
        dev_reset(d, false);
        break;
    case 0x10 ... 0x1f:            /* RECALIBRATE */
        if (hd_only(d))
            ata_done(d);
        break;
    case 0x20: case 0x21:          /* READ SECTORS */
    case 0x24:                     /* READ SECTORS EXT */
        if (cd)
            cd_refuse(d);
        else
            ata_read_pio(d, cmd == 0x24, 1);
        break;
    case 0x29: case 0xc4:          /* READ MULTIPLE (EXT) */
        if (!hd_only(d))
            break;
        if (!d->mult)
            ata_abort(d);
        else
            ata_read_pio(d, cmd == 0x29, d->mult);
        break;
    case 0x30: case 0x31:          /* WRITE SECTORS */
    case 0x34:                     /* WRITE SECTORS EXT */
    case 0x3c:                     /* WRITE VERIFY */
        if (hd_only(d))
            ata_write_pio(d, cmd == 0x34, 1);
        break;
    case 0x39: case 0xc5:          /* WRITE MULTIPLE (EXT) */
        if (!hd_only(d))
            break;
        if (!d->mult)
            ata_abort(d);
        else
            ata_write_pio(d, cmd == 0x39, d->mult);
        break;
    case 0x25: case 0xc8: case 0xc9:   /* READ DMA (EXT) */
        if (hd_only(d))
            ata_dma(d, cmd == 0x25, false);
        break;
    case 0x35: case 0xca: case 0xcb:   /* WRITE DMA (EXT) */
        if (hd_only(d))
            ata_dma(d, cmd == 0x35, true);
        break;
    case 0x40: case 0x41: case 0x42:   /* READ VERIFY SECTORS (EXT) */
        if (hd_only(d))
            ata_verify(d, cmd == 0x42);
        break;
    case 0x27: case 0xf8:          /* READ NATIVE MAX ADDRESS (EXT) */
        if (hd_only(d))
            ata_read_native_max(d, cmd == 0x27);
        break;
    case 0x70 ... 0x7f:            /* SEEK */
        if (hd_only(d)) {
            uint64_t lba;
            if (ata_get_lba(d, false, &lba) || lba >= d->sectors)
                ata_error(d, ER_IDNF);
            else
                ata_done(d);
        }
        break;
    case 0x90:                     /* EXECUTE DEVICE DIAGNOSTIC */
        exec_diagnostic(ch);
        break;
    case 0x91:                     /* INITIALIZE DEVICE PARAMETERS */
        if (!hd_only(d))
            break;
        if (d->nsect == 0) {
            ata_abort(d);
            break;
        }
        geometry_current(d, (d->select & 0x0f) + 1u, d->nsect);
        ata_done(d);
        break;
    case 0xa0:                     /* PACKET */
        if (!cd) {
            ata_abort(d);
            break;
        }
        if (d->feature & 0x02) {   /* overlapped: not supported */
            ata_abort(d);
            break;
        }
        atapi_packet_start(d);
        break;
    case 0xa1:                     /* IDENTIFY PACKET DEVICE */
        if (!cd) {
            ata_abort(d);
            break;
        }
        atapi_identify(d, (uint16_t *)d->buf);
        d->status = ST_DRDY | ST_DSC;
        ide_pio_start(d, 0, 512, false, ide_pio_stop);
        ide_irq_raise(ch);
        break;
    case 0xc6:                     /* SET MULTIPLE MODE */
        if (!hd_only(d))
            break;
        if (d->nsect > IDE_MAX_MULT || (d->nsect & (d->nsect - 1))) {
            ata_abort(d);
            break;
        }
        d->mult = d->nsect;
        ata_done(d);
        break;
    case 0xe0: case 0x94:          /* STANDBY IMMEDIATE */
    case 0xe2: case 0x96:          /* STANDBY */
    case 0xe6: case 0x99:          /* SLEEP (woken by the next command) */
        d->power = 0x00;
        ata_done(d);
        break;
    case 0xe1: case 0x95:          /* IDLE IMMEDIATE */
    case 0xe3: case 0x97:          /* IDLE */
        d->power = 0xff;
        ata_done(d);
        break;
    case 0xe5: case 0x98:          /* CHECK POWER MODE */
        d->nsect = d->power;
        ata_done(d);
        break;
    case 0xe7:                     /* FLUSH CACHE */
    case 0xea:                     /* FLUSH CACHE EXT */
        if (cd && cmd == 0xea) {
            ata_abort(d);
            break;
        }
        ata_flush(d);
        break;
    case 0xec:                     /* IDENTIFY DEVICE */
        if (cd)
            cd_refuse(d);
        else
            ata_identify_cmd(d);
        break;
    case 0xef:                     /* SET FEATURES */
        ata_set_features(d);
        break;
    default:
        ide_unimp_once(d, cmd, "ATA command", cmd);
        ata_abort(d);
        break;
    }
}

/* ---- the command and control blocks ---- */

static bool channel_empty(const struct ide_channel *ch)
{
    return ch->dev[0].kind == IDE_NONE && ch->dev[1].kind == IDE_NONE;
}

static uint8_t reg_read(struct ide_channel *ch, unsigned reg)
{
    struct ide_dev *d = sel(ch);
    bool hob = ch->devctl & DC_HOB;
    bool absent = d->kind == IDE_NONE;

    if (channel_empty(ch)) {
        if (reg == 7)
            irq_lower(ch);
        return 0;
    }
    switch (reg) {
    case 0:
        return 0xff;               /* 8-bit data access */
    case 1:
        return absent ? 0 : hob ? d->hob_feature : d->error;
    case 2:
        return hob ? d->hob_nsect : d->nsect;
    case 3:
        return hob ? d->hob_sect : d->sect;
    case 4:
        return hob ? d->hob_lcyl : d->lcyl;
    case 5:
        return hob ? d->hob_hcyl : d->hcyl;
    case 6:
        return d->select;
    default:
        irq_lower(ch);
        return absent ? 0 : d->status;
    }
}

static void reg_write(struct ide_channel *ch, unsigned reg, uint8_t v)
{
    struct ide_dev *d = sel(ch);

    if (reg == 7) {
        ch->devctl &= (uint8_t)~DC_HOB;
        exec_cmd(ch, v);
        return;
    }
    if (reg == 0 || (d->status & (ST_BSY | ST_DRQ)))
        return;                    /* busy: the task file is locked */
    ch->devctl &= (uint8_t)~DC_HOB;   /* any write clears HOB */
    for (int i = 0; i < 2; i++) {
        struct ide_dev *e = &ch->dev[i];
        switch (reg) {
        case 1:
            e->hob_feature = e->feature;
            e->feature = v;
            break;
        case 2:
            e->hob_nsect = e->nsect;
            e->nsect = v;
            break;
        case 3:
            e->hob_sect = e->sect;
            e->sect = v;
            break;
        case 4:
            e->hob_lcyl = e->lcyl;
            e->lcyl = v;
            break;
        case 5:
            e->hob_hcyl = e->hcyl;
            e->hcyl = v;
            break;
        case 6:
            e->select = v | DH_OBS;
            break;
        }
    }
    if (reg == 6)
        ch->cur = (v & DH_DEV) ? 1 : 0;
}

static uint32_t cmd_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide_channel *ch = opaque;
    unsigned reg = port - ch->cmd_base;
    uint32_t v = 0;

    if (reg == 0 && size > 1)
        return data_read(ch, size);
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(reg + i < 8 ? reg_read(ch, reg + i) : 0xff)
             << (8 * i);
    return v;
}

static void cmd_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct ide_channel *ch = opaque;
    unsigned reg = port - ch->cmd_base;

    if (reg == 0 && size > 1) {
        data_write(ch, val, size);
        return;
    }
    for (unsigned i = 0; i < size && reg + i < 8; i++)
        reg_write(ch, reg + i, (uint8_t)(val >> (8 * i)));
}

static void srst_assert(struct ide_channel *ch)
{
    ch->dma_dev = NULL;
    for (int i = 0; i < 2; i++) {
        struct ide_dev *d = &ch->dev[i];
        if (d->kind == IDE_NONE)
            continue;
        ide_pio_stop(d);
        d->status = ST_BSY;
    }
    irq_lower(ch);
}

static void srst_release(struct ide_channel *ch)
{
    /* the devices reset and run their diagnostic; no interrupt */
    for (int i = 0; i < 2; i++)
        dev_reset(&ch->dev[i], false);
    ch->cur = 0;
}

static uint32_t ctl_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide_channel *ch = opaque;
    struct ide_dev *d = sel(ch);
    (void)port;
    (void)size;
    /* alternate status: no side effect on the interrupt */
    if (channel_empty(ch) || d->kind == IDE_NONE)
        return 0;
    return d->status;
}

static void ctl_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct ide_channel *ch = opaque;
    uint8_t old = ch->devctl;
    (void)port;
    (void)size;
    ch->devctl = (uint8_t)val;
    if (!(old & DC_SRST) && (val & DC_SRST))
        srst_assert(ch);
    else if ((old & DC_SRST) && !(val & DC_SRST))
        srst_release(ch);
    irq_update(ch);
}

/* ---- bus-master DMA ---- */

/* Guest RAM for the DMA engine: every byte must be RAM (ROM too when
 * reading); anything else is a master abort. */
static int dma_mem(struct ide *ide, uint64_t gpa, void *buf, size_t len,
                   bool write)
{
    uint64_t end = gpa + len;
    if (end < gpa || end > 0x100000000ull)
        return -1;
    for (uint64_t a = gpa; a < end;) {
        const struct mem_region *r = machine_find_region(ide->m, a);
        if (!r || r->kind == MEM_MMIO || (write && r->kind != MEM_RAM))
            return -1;
        a = r->gpa + r->size;
    }
    return machine_mem_rw(ide->m, gpa, buf, len, write);
}

static enum ide_dma_result dma_move(struct ide *ide, struct ide_dev *d,
                                    uint64_t gpa, uint64_t off, uint64_t n)
{
    const struct ide_xfer *x = &d->xfer;
    while (n) {
        size_t c = n < DMA_CHUNK ? (size_t)n : DMA_CHUNK;
        uint8_t *p = x->from_buf ? d->buf + off : ide->bounce;
        if (x->to_mem) {
            if (!x->from_buf && block_read(d->blk, x->base + off, p, c))
                return DMA_IO_ERR;
            if (dma_mem(ide, gpa, p, c, true))
                return DMA_MEM_ERR;
        } else {
            if (dma_mem(ide, gpa, p, c, false))
                return DMA_MEM_ERR;
            if (!x->from_buf && block_write(d->blk, x->base + off, p, c))
                return DMA_IO_ERR;
        }
        gpa += c;
        off += c;
        n -= c;
    }
    return DMA_OK;
}

/* Run a waiting transfer if the engine is started: walk the PRD table,
 * move the data, end the engine's and the device's part. */
static void dma_run(struct ide_channel *ch)
{
    struct ide *ide = ch->ide;
    struct ide_dev *d = ch->dma_dev;
    if (!d || !(ch->bm.status & BM_ST_ACTIVE))
        return;
    ch->dma_dev = NULL;

    const struct ide_xfer *x = &d->xfer;
    const uint8_t *cfg = pci_device_config(ide->pci);
    bool master = cfg[PCI_COMMAND] & PCI_COMMAND_MASTER;
    enum ide_dma_result r = DMA_OK;
    uint64_t prd = ch->bm.prd, done = 0;
    bool eot = false, leftover = false;
    int entries = 0;

    if (x->from_buf && x->len > IDE_BUF_SIZE)
        r = DMA_IO_ERR;
    while (r == DMA_OK && done < x->len) {
        uint8_t e[8];
        if (eot || entries == PRD_MAX_ENTRIES) {
            r = DMA_SHORT;
            break;
        }
        if (!master || dma_mem(ide, prd, e, 8, false)) {
            guest_error(ide, "ch%d: PRD table at 0x%llx %s", ch->index,
                        (unsigned long long)prd,
                        master ? "is not in RAM" : "but bus mastering is "
                        "off in PCI COMMAND");
            r = DMA_MEM_ERR;
            break;
        }
        prd += 8;
        entries++;
        uint32_t addr = (e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24)
                        & ~1u;
        uint32_t cnt = (e[4] | e[5] << 8) & 0xfffe;
        if (!cnt)
            cnt = 0x10000;
        eot = e[7] & 0x80;
        uint64_t n = x->len - done < cnt ? x->len - done : cnt;
        leftover = n < cnt;
        r = dma_move(ide, d, addr, done, n);
        if (r == DMA_MEM_ERR)
            guest_error(ide, "ch%d: PRD buffer 0x%x+0x%x is not in RAM",
                        ch->index, addr, cnt);
        done += n;
    }
    /* a table longer than the transfer leaves the engine active */
    if (!(r == DMA_OK && leftover))
        ch->bm.status &= (uint8_t)~BM_ST_ACTIVE;
    if (r == DMA_MEM_ERR)
        ch->bm.status |= BM_ST_ERROR;
    x->done(d, r);
}

void ide_dma_start(struct ide_dev *d)
{
    d->ch->dma_dev = d;
    dma_run(d->ch);
}

static uint64_t bm_read(void *opaque, uint64_t off, unsigned size)
{
    struct ide *ide = opaque;
    struct ide_channel *ch = &ide->ch[(off >> 3) & 1];
    unsigned r = off & 7;
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;

    if (r >= 4)
        return (ch->bm.prd >> (8 * (r - 4))) & mask;
    if (size != 1)
        return mask;               /* command and status are bytes */
    if (r == 0)
        return ch->bm.cmd;
    if (r == 2)
        return ch->bm.status;
    return 0xff;
}

static void bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct ide *ide = opaque;
    struct ide_channel *ch = &ide->ch[(off >> 3) & 1];
    unsigned r = off & 7;

    if (r >= 4) {
        unsigned sh = 8 * (r - 4);
        uint64_t mask = ((size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1)
                         << sh) & 0xffffffffull;
        ch->bm.prd = (uint32_t)(((ch->bm.prd & ~mask) | ((val << sh) & mask))
                                & ~3u);
        return;
    }
    if (size != 1)
        return;
    if (r == 0) {
        uint8_t old = ch->bm.cmd;
        ch->bm.cmd = (uint8_t)(val & (BM_CMD_START | BM_CMD_READ));
        if (!(old & BM_CMD_START) && (val & BM_CMD_START)) {
            ch->bm.status |= BM_ST_ACTIVE;
            dma_run(ch);
        } else if ((old & BM_CMD_START) && !(val & BM_CMD_START)) {
            /* stopping the engine abandons a transfer in progress */
            ch->bm.status &= (uint8_t)~BM_ST_ACTIVE;
        }
    } else if (r == 2) {
        /* capability bits are R/W, error and interrupt write-1-to-clear */
        ch->bm.status = (uint8_t)((val & BM_ST_CAPABLE) |
                                  (ch->bm.status & BM_ST_ACTIVE) |
                                  (ch->bm.status & ~val &
                                   (BM_ST_ERROR | BM_ST_INT)));
    }
}

/* ---- PCI function ---- */

static void legacy_remap(struct ide *ide)
{
    const uint8_t *c = pci_device_config(ide->pci);
    bool iose = c[PCI_COMMAND] & PCI_COMMAND_IO;

    for (int i = 0; i < 2; i++) {
        struct ide_channel *ch = &ide->ch[i];
        uint16_t tim = (uint16_t)(c[IDETIM + 2 * i] |
                                  c[IDETIM + 2 * i + 1] << 8);
        bool want = iose && (tim & IDETIM_IDE);
        if (want == ch->mapped)
            continue;
        if (ch->mapped) {
            machine_remove_pio(ide->m, ch->cmd_base, 8);
            machine_remove_pio(ide->m, ch->ctl_port, 1);
            ch->mapped = false;
            continue;
        }
        if (machine_add_pio(ide->m, ch->cmd_base, 8, cmd_pio_read,
                            cmd_pio_write, ch, i ? "ide1" : "ide0") != 0) {
            guest_error(ide, "ports 0x%x-0x%x are taken; channel %d left "
                        "unmapped", ch->cmd_base, ch->cmd_base + 7, i);
            continue;
        }
        if (machine_add_pio(ide->m, ch->ctl_port, 1, ctl_pio_read,
                            ctl_pio_write, ch,
                            i ? "ide1-ctl" : "ide0-ctl") != 0) {
            machine_remove_pio(ide->m, ch->cmd_base, 8);
            guest_error(ide, "port 0x%x is taken; channel %d left "
                        "unmapped", ch->ctl_port, i);
            continue;
        }
        ch->mapped = true;
    }
}

static void pci_written(void *opaque, unsigned off, unsigned size)
{
    struct ide *ide = opaque;
    unsigned end = off + size;
    if ((off < PCI_COMMAND + 2 && end > PCI_COMMAND) ||
        (off < IDETIM + 4 && end > IDETIM))
        legacy_remap(ide);
}

static void pci_reset(void *opaque)
{
    struct ide *ide = opaque;
    uint8_t *c = pci_device_config(ide->pci);
    memset(c + IDETIM, 0, SIDETIM + 1 - IDETIM);
    for (int i = 0; i < 2; i++)
        channel_reset(&ide->ch[i]);
    legacy_remap(ide);
}

void ide_firmware_init(struct ide *ide)
{
    /* through configuration cycles, so that the BAR and ports map as
     * they do when SeaBIOS programs them */
    const uint8_t *c = pci_device_config(ide->pci);
    pci_config_write(ide->bus, IDE_DEVFN, IDETIM, IDETIM_IDE, 2);
    pci_config_write(ide->bus, IDE_DEVFN, IDETIM + 2, IDETIM_IDE, 2);
    pci_config_write(ide->bus, IDE_DEVFN, PCI_BAR0 + 4 * BM_BAR,
                     IDE_BM_FIRMWARE_BASE | 1, 4);
    pci_config_write(ide->bus, IDE_DEVFN, PCI_COMMAND,
                     (uint32_t)(c[PCI_COMMAND] | PCI_COMMAND_IO |
                                PCI_COMMAND_MASTER), 2);
}

/* ---- creation ---- */

static int dev_init(struct ide *ide, struct ide_dev *d, const struct drive *dr,
                    int index, char *err, size_t errlen)
{
    d->buf = calloc(1, IDE_BUF_SIZE);
    if (!d->buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (void)ide;
    if (!dr->present) {
        d->kind = IDE_NONE;
        return 0;
    }
    d->kind = dr->media == DRIVE_CDROM ? IDE_CD : IDE_HD;
    d->blk = dr->blk;
    d->sectors = d->blk ? block_sectors(d->blk) : 0;
    snprintf(d->serial, sizeof d->serial, "TM%05d", index + 1);
    snprintf(d->model, sizeof d->model, "%s",
             d->kind == IDE_CD ? "TANDEM DVD-ROM" : "TANDEM HARDDISK");
    snprintf(d->firmware, sizeof d->firmware, "%s", TANDEM_VERSION);
    if (d->kind == IDE_HD)
        geometry_guess(d);
    return 0;
}

struct ide *ide_new(struct machine *m, struct pci_bus *bus,
                    const struct drive_arg *args, int nargs, bool snapshot,
                    char *err, size_t errlen)
{
    static const struct pci_id id = {
        .vendor = 0x8086, .device = 0x7010, .revision = 0x00,
        .class_code = 0x010180,
    };
    struct drive drv[DRIVE_MAX];
    if (drives_open(args, nargs, snapshot, drv, err, errlen))
        return NULL;

    struct ide *ide = calloc(1, sizeof *ide);
    if (!ide || !(ide->bounce = malloc(DMA_CHUNK))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    ide->m = m;
    ide->bus = bus;
    for (int i = 0; i < 2; i++) {
        struct ide_channel *ch = &ide->ch[i];
        ch->ide = ide;
        ch->index = i;
        ch->irq = legacy[i].irq;
        ch->cmd_base = legacy[i].cmd;
        ch->ctl_port = legacy[i].ctl;
        for (int u = 0; u < 2; u++) {
            ch->dev[u].ch = ch;
            ch->dev[u].unit = u;
            if (dev_init(ide, &ch->dev[u], &drv[2 * i + u], 2 * i + u, err,
                         errlen))
                goto fail;
            drv[2 * i + u].blk = NULL;   /* the device owns it now */
        }
    }
    ide->pci = pci_device_new(bus, IDE_DEVFN, &id, "piix3-ide", err, errlen);
    if (!ide->pci)
        goto fail;
    uint8_t *c = pci_device_config(ide->pci);
    c[PCI_STATUS] = 0x80;                    /* fast back-to-back */
    c[PCI_STATUS + 1] = 0x02;                /* DEVSEL medium */
    pci_device_set_wmask(ide->pci, PCI_COMMAND, 1,
                         PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    pci_device_set_wmask(ide->pci, PCI_COMMAND + 1, 1, 0);
    if (pci_device_add_bar(ide->pci, BM_BAR, PCI_BAR_IO, BM_SIZE, bm_read,
                           bm_write, ide) != 0) {
        snprintf(err, errlen, "piix3-ide: cannot add the bus-master BAR");
        goto fail;
    }
    const struct pci_device_hooks hooks = {
        .config_written = pci_written, .reset = pci_reset,
    };
    pci_device_set_hooks(ide->pci, &hooks, ide);
    pci_reset(ide);
    return ide;

fail:
    drives_close(drv);
    ide_free(ide);
    return NULL;
}

void ide_free(struct ide *ide)
{
    if (!ide)
        return;
    for (int i = 0; i < 2; i++) {
        struct ide_channel *ch = &ide->ch[i];
        if (ch->mapped) {
            machine_remove_pio(ide->m, ch->cmd_base, 8);
            machine_remove_pio(ide->m, ch->ctl_port, 1);
        }
        if (ch->irq_line)
            machine_set_irq(ide->m, ch->irq, 0);
        for (int u = 0; u < 2; u++) {
            block_close(ch->dev[u].blk);
            free(ch->dev[u].buf);
        }
    }
    free(ide->bounce);
    free(ide);
}

int ide_disk_geometry(struct ide *ide, int index, unsigned *cyls,
                      unsigned *heads, unsigned *secs, int *translation)
{
    if (index < 0 || index >= DRIVE_MAX)
        return -1;
    const struct ide_dev *d = &ide->ch[index / 2].dev[index % 2];
    if (d->kind != IDE_HD)
        return -1;
    *cyls = d->cyls;
    *heads = d->heads;
    *secs = d->secs;
    *translation = d->translation;
    return 0;
}

struct block *ide_drive_block(struct ide *ide, int index)
{
    if (index < 0 || index >= DRIVE_MAX)
        return NULL;
    return ide->ch[index / 2].dev[index % 2].blk;
}
