/* The ATAPI CD-ROM: the packet protocol (PACKET, the 12-byte command,
 * data phases sized by the byte-count limit, the status phase) and the
 * MMC commands that SeaBIOS, Linux's sr driver and boot loaders use.
 * Errors are CHECK CONDITION: ERR in status, the sense key in the error
 * register's top nibble, the details for REQUEST SENSE. */
#include <stdio.h>
#include <string.h>

#include "hw/block.h"
#include "hw/ide_internal.h"

#define CD_SECTOR 2048
/* a disc larger than an 80-minute CD is reported as a DVD */
#define CD_MAX_BLOCKS (80u * 60 * 75)

#define SENSE_NONE 0x00
#define SENSE_NOT_READY 0x02
#define SENSE_MEDIUM_ERROR 0x03
#define SENSE_ILLEGAL_REQUEST 0x05
#define SENSE_UNIT_ATTENTION 0x06
#define SENSE_ABORTED_COMMAND 0x0b

#define ASC_UNRECOVERED_READ 0x11
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_SAVING_UNSUPPORTED 0x39
#define ASC_MEDIUM_NOT_PRESENT 0x3a
#define ASC_REMOVAL_PREVENTED 0x53

#define PROFILE_CD_ROM 0x0008
#define PROFILE_DVD_ROM 0x0010

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

static void put_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;   /* the 2-second pregap */
    p[0] = (uint8_t)(lba / 75 / 60);
    p[1] = (uint8_t)(lba / 75 % 60);
    p[2] = (uint8_t)(lba % 75);
}

/* A TOC address: MSF (reserved byte + M S F) or a big-endian LBA. */
static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        p[0] = 0;
        put_msf(p + 1, lba);
    } else {
        put_be32(p, lba);
    }
}

static void put_ascii(uint8_t *p, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(*s ? *s++ : ' ');
}

static uint32_t cd_blocks(const struct ide_dev *d)
{
    if (!d->blk || d->tray_open)
        return 0;
    uint64_t n = block_sectors(d->blk) / (CD_SECTOR / 512);
    return n > 0xffffffffu ? 0xffffffffu : (uint32_t)n;
}

static bool medium_present(const struct ide_dev *d)
{
    return cd_blocks(d) > 0;
}

/* ---- IDENTIFY PACKET DEVICE ---- */

void atapi_identify(struct ide_dev *d, uint16_t id[256])
{
    memset(id, 0, 512);
    /* packet device, CD-ROM, removable, DRQ within 50 us, 12-byte CDBs */
    id[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
    ide_padstr((char *)(id + 10), d->serial, 20);
    id[20] = 3;
    id[21] = 512;
    id[22] = 4;
    ide_padstr((char *)(id + 23), d->firmware, 8);
    ide_padstr((char *)(id + 27), d->model, 40);
    id[49] = (1 << 11) | (1 << 9) | (1 << 8);   /* IORDY, LBA, DMA */
    id[50] = 0x4000;
    id[53] = 7;                       /* words 54-58, 64-70, 88 valid */
    id[62] = 0x07;
    id[63] = 0x07;                    /* multiword DMA 0-2 */
    id[64] = 0x03;                    /* PIO 3-4 */
    id[65] = 0xb4;
    id[66] = 0xb4;
    id[67] = 0x12c;
    id[68] = 0xb4;
    id[71] = 30;
    id[72] = 30;
    id[80] = 0x1e;                    /* ATA/ATAPI-1 to -4 */
    id[88] = 0x3f;                    /* UDMA 0-5 */
    ide_identify_modes(d, id);
}

void atapi_reset(struct ide_dev *d)
{
    d->sense_key = SENSE_NONE;
    d->asc = d->ascq = 0;
    d->atapi_dma = false;
    d->left = 0;
    d->reply = false;
    d->locked = false;   /* a reset allows removal again */
}

/* ---- completion ---- */

static void cmd_ok(struct ide_dev *d)
{
    ide_pio_stop(d);
    d->error = 0;
    d->status = ST_DRDY | ST_DSC;
    d->nsect = (uint8_t)((d->nsect & ~7) | IR_IO | IR_COD);
    ide_irq_raise(d->ch);
}

static void cmd_error(struct ide_dev *d, uint8_t key, uint8_t asc,
                      uint8_t ascq)
{
    ide_pio_stop(d);
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    d->error = (uint8_t)(key << 4);
    d->status = ST_DRDY | ST_ERR;
    d->nsect = (uint8_t)((d->nsect & ~7) | IR_IO | IR_COD);
    ide_irq_raise(d->ch);
}

static void invalid_field(struct ide_dev *d)
{
    cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

/* ---- data phases ---- */

/* The next PIO data block: at most the byte-count limit the host put in
 * the cylinder registers (even when more follows). */
static void pio_next(struct ide_dev *d)
{
    if (d->left == 0) {
        cmd_ok(d);
        return;
    }
    uint32_t limit = (uint32_t)d->hcyl << 8 | d->lcyl;
    if (limit == 0 || limit == 0xffff)
        limit = 0xfffe;
    uint32_t n = d->left < limit ? (uint32_t)d->left : limit & ~1u;
    if (n == 0)
        n = d->left < 2 ? (uint32_t)d->left : 2;
    uint32_t start = 0;
    if (d->reply) {
        start = d->reply_pos;
        d->reply_pos += n;
    } else {
        if (block_read(d->blk, d->cd_off, d->buf, n)) {
            cmd_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
            return;
        }
        d->cd_off += n;
    }
    d->left -= n;
    d->lcyl = (uint8_t)n;
    d->hcyl = (uint8_t)(n >> 8);
    d->nsect = (uint8_t)((d->nsect & ~7) | IR_IO);
    d->status = ST_DRDY | ST_DSC;
    ide_pio_start(d, start, n, false, pio_next);
    ide_irq_raise(d->ch);
}

static void dma_done(struct ide_dev *d, enum ide_dma_result r)
{
    d->left = 0;
    switch (r) {
    case DMA_OK:
        cmd_ok(d);
        break;
    case DMA_SHORT:
        d->status = ST_DRDY | ST_DSC;
        break;
    case DMA_MEM_ERR:
        cmd_error(d, SENSE_ABORTED_COMMAND, 0, 0);
        break;
    case DMA_IO_ERR:
        cmd_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
        break;
    }
}

static void start_data(struct ide_dev *d)
{
    if (d->atapi_dma) {
        d->xfer = (struct ide_xfer){
            .to_mem = true, .from_buf = d->reply,
            .base = d->reply ? 0 : d->cd_off, .len = d->left,
            .done = dma_done,
        };
        d->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_dma_start(d);
    } else {
        pio_next(d);
    }
}

/* Send `size` bytes built in d->buf, cut to the allocation length. */
static void reply(struct ide_dev *d, uint32_t size, uint32_t alloc)
{
    if (size > alloc)
        size = alloc;
    if (size == 0) {
        cmd_ok(d);
        return;
    }
    d->reply = true;
    d->reply_pos = 0;
    d->left = size;
    start_data(d);
}

static void read_blocks(struct ide_dev *d, uint32_t lba, uint32_t n)
{
    uint32_t total = cd_blocks(d);
    if (lba >= total || n > total - lba) {
        cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    if (n == 0) {
        cmd_ok(d);
        return;
    }
    d->reply = false;
    d->cd_off = (uint64_t)lba * CD_SECTOR;
    d->left = (uint64_t)n * CD_SECTOR;
    start_data(d);
}

/* ---- commands ---- */

static void cmd_request_sense(struct ide_dev *d, const uint8_t *p)
{
    uint8_t *b = d->buf;
    memset(b, 0, 18);
    b[0] = 0x70;                      /* current error, fixed format */
    b[7] = 10;
    if (d->unit_attention) {
        d->unit_attention = false;
        b[2] = SENSE_UNIT_ATTENTION;
        b[12] = ASC_MEDIUM_CHANGED;
    } else {
        b[2] = d->sense_key;
        b[12] = d->asc;
        b[13] = d->ascq;
    }
    d->sense_key = SENSE_NONE;
    d->asc = d->ascq = 0;
    reply(d, 18, p[4]);
}

static void cmd_inquiry(struct ide_dev *d, const uint8_t *p)
{
    uint8_t *b = d->buf;
    uint32_t alloc = be16(p + 3);
    size_t sl = strlen(d->serial);

    memset(b, 0, 96);
    if (p[1] & 1) {                   /* vital product data */
        b[0] = 0x05;
        b[1] = p[2];
        switch (p[2]) {
        case 0x00:                    /* supported pages */
            b[3] = 3;
            b[4] = 0x00;
            b[5] = 0x80;
            b[6] = 0x83;
            reply(d, 7, alloc);
            return;
        case 0x80:                    /* unit serial number */
            b[3] = (uint8_t)sl;
            memcpy(b + 4, d->serial, sl);
            reply(d, 4 + (uint32_t)sl, alloc);
            return;
        case 0x83:                    /* device identification */
            b[4] = 0x02;              /* ASCII */
            b[5] = 0x01;              /* T10 vendor ID based */
            b[7] = (uint8_t)(8 + sl);
            put_ascii(b + 8, "TANDEM", 8);
            memcpy(b + 16, d->serial, sl);
            b[3] = (uint8_t)(4 + 8 + sl);
            reply(d, 16 + (uint32_t)sl, alloc);
            return;
        default:
            invalid_field(d);
            return;
        }
    }
    if (p[2]) {
        invalid_field(d);
        return;
    }
    b[0] = 0x05;                      /* CD/DVD device */
    b[1] = 0x80;                      /* removable */
    b[2] = 0x05;                      /* SPC-3 */
    b[3] = 0x02;                      /* response data format 2 */
    b[4] = 31;
    put_ascii(b + 8, "TANDEM", 8);
    put_ascii(b + 16, d->model, 16);
    put_ascii(b + 32, d->firmware, 4);
    reply(d, 36, alloc);
}

/* One mode page into b; its length, or 0 for a page not supported.
 * Changeable values (pc 1) are all zero: nothing can be changed. */
static uint32_t mode_page(struct ide_dev *d, uint8_t page, int pc, uint8_t *b)
{
    uint32_t len;
    switch (page) {
    case 0x01:                        /* read error recovery */
        len = 8;
        memset(b, 0, len);
        b[3] = 5;                     /* read retry count */
        break;
    case 0x0d:                        /* CD device parameters */
        len = 8;
        memset(b, 0, len);
        put_be16(b + 4, 60);          /* S units per M unit */
        put_be16(b + 6, 75);          /* F units per S unit */
        break;
    case 0x0e:                        /* CD audio control */
        len = 16;
        memset(b, 0, len);
        b[2] = 0x04;                  /* IMMED */
        b[8] = 0x01;                  /* port 0: channel 0, full volume */
        b[9] = 0xff;
        b[10] = 0x02;                 /* port 1: channel 1 */
        b[11] = 0xff;
        break;
    case 0x2a:                        /* capabilities and mechanical */
        len = 20;
        memset(b, 0, len);
        b[2] = 0x3b;                  /* reads CD-R/RW, DVD-ROM/R/RAM */
        b[4] = 0x71;                  /* multisession, mode 2, audio */
        b[5] = 0x60;                  /* ISRC, UPC */
        b[6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0));  /* tray, eject,
                                                            lock */
        put_be16(b + 8, 706);         /* max speed, KB/s */
        put_be16(b + 10, 256);        /* volume levels */
        put_be16(b + 12, 512);        /* buffer, KiB */
        put_be16(b + 14, 706);        /* current speed */
        break;
    default:
        return 0;
    }
    b[0] = page;
    b[1] = (uint8_t)(len - 2);
    if (pc == 1)
        memset(b + 2, 0, len - 2);
    return len;
}

static void cmd_mode_sense(struct ide_dev *d, const uint8_t *p)
{
    static const uint8_t all[] = { 0x01, 0x0d, 0x0e, 0x2a };
    bool ten = p[0] == 0x5a;
    uint32_t alloc = ten ? be16(p + 7) : p[4];
    int pc = p[2] >> 6;
    uint8_t page = p[2] & 0x3f;
    uint8_t *b = d->buf;
    uint32_t len = ten ? 8 : 4;

    if (pc == 3) {
        cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED, 0);
        return;
    }
    memset(b, 0, len);
    if (page == 0x3f) {
        for (size_t i = 0; i < sizeof all; i++)
            len += mode_page(d, all[i], pc, b + len);
    } else {
        uint32_t n = mode_page(d, page, pc, b + len);
        if (!n) {
            invalid_field(d);
            return;
        }
        len += n;
    }
    /* medium type (SFF-8020): 120 mm data disc, or no disc / door open */
    uint8_t type = d->tray_open ? 0x71 : medium_present(d) ? 0x01 : 0x70;
    if (ten) {
        put_be16(b, len - 2);
        b[2] = type;
    } else {
        b[0] = (uint8_t)(len - 1);
        b[1] = type;
    }
    reply(d, len, alloc);
}

static void cmd_start_stop(struct ide_dev *d, const uint8_t *p)
{
    bool loej = p[4] & 2, start = p[4] & 1;
    if (!loej) {
        cmd_ok(d);
        return;
    }
    if (!start) {                     /* eject */
        if (d->locked) {
            cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        d->tray_open = true;
    } else if (d->tray_open) {        /* load: the same disc comes back */
        d->tray_open = false;
        if (d->blk) {
            d->new_media = true;
            d->unit_attention = true;
        }
    }
    cmd_ok(d);
}

static void cmd_read_capacity(struct ide_dev *d, const uint8_t *p)
{
    (void)p;
    put_be32(d->buf, cd_blocks(d) - 1);
    put_be32(d->buf + 4, CD_SECTOR);
    reply(d, 8, 8);
}

static void cmd_read_toc(struct ide_dev *d, const uint8_t *p)
{
    bool msf = p[1] & 2;
    unsigned format = p[2] & 0x0f;
    uint8_t track = p[6];
    uint32_t alloc = be16(p + 7), blocks = cd_blocks(d), len;
    uint8_t *b = d->buf, *q;

    if (!format)
        format = p[9] >> 6;           /* the older SFF-8020 field */
    memset(b, 0, 64);
    switch (format) {
    case 0:                           /* TOC: track 1 and the lead-out */
        if (track > 1 && track != 0xaa) {
            invalid_field(d);
            return;
        }
        b[2] = 1;
        b[3] = 1;
        q = b + 4;
        if (track <= 1) {
            q[1] = 0x14;              /* ADR 1, data track */
            q[2] = 1;
            put_addr(q + 4, 0, msf);
            q += 8;
        }
        q[1] = 0x14;
        q[2] = 0xaa;
        put_addr(q + 4, blocks, msf);
        q += 8;
        len = (uint32_t)(q - b);
        break;
    case 1:                           /* session info: one session */
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        put_addr(b + 8, 0, msf);
        len = 12;
        break;
    case 2: {                         /* raw TOC: A0, A1, A2 and track 1 */
        static const uint8_t points[4] = { 0xa0, 0xa1, 0xa2, 0x01 };
        b[2] = 1;
        b[3] = 1;
        q = b + 4;
        for (int i = 0; i < 4; i++, q += 11) {
            q[0] = 1;                 /* session */
            q[1] = 0x14;
            q[3] = points[i];
            if (points[i] == 0xa0 || points[i] == 0xa1)
                q[8] = 1;             /* first / last track; CD-ROM disc */
            else if (points[i] == 0xa2)
                put_msf(q + 8, blocks);
            else
                put_msf(q + 8, 0);
        }
        len = (uint32_t)(q - b);
        break;
    }
    default:
        invalid_field(d);
        return;
    }
    put_be16(b, len - 2);
    reply(d, len, alloc);
}

static void cmd_get_configuration(struct ide_dev *d, const uint8_t *p)
{
    unsigned rt = p[1] & 3;
    uint16_t first = be16(p + 2);
    uint32_t alloc = be16(p + 7), len = 8;
    uint8_t *b = d->buf;
    uint32_t blocks = cd_blocks(d);
    uint16_t cur = !blocks ? 0 : blocks > CD_MAX_BLOCKS ? PROFILE_DVD_ROM
                                                        : PROFILE_CD_ROM;

    if (rt == 3) {
        invalid_field(d);
        return;
    }
    memset(b, 0, 128);
    put_be16(b + 6, cur);
    /* every feature here is persistent and current */
    for (uint16_t f = 0; f <= 3; f++) {
        if (rt == 2 ? f != first : f < first)
            continue;
        uint8_t *q = b + len;
        put_be16(q, f);
        switch (f) {
        case 0:                       /* profile list */
            q[2] = 0x03;
            q[3] = 8;
            put_be16(q + 4, PROFILE_DVD_ROM);
            q[6] = cur == PROFILE_DVD_ROM;
            put_be16(q + 8, PROFILE_CD_ROM);
            q[10] = cur == PROFILE_CD_ROM;
            len += 12;
            break;
        case 1:                       /* core: ATAPI, device busy events */
            q[2] = (1 << 2) | 0x03;
            q[3] = 8;
            put_be32(q + 4, 2);
            q[8] = 0x01;
            len += 12;
            break;
        case 2:                       /* morphing: polled events */
            q[2] = (1 << 2) | 0x03;
            q[3] = 4;
            q[4] = 0x02;              /* OCEvent */
            len += 8;
            break;
        case 3:                       /* removable medium: tray, eject */
            q[2] = 0x03;
            q[3] = 4;
            q[4] = 0x29;
            len += 8;
            break;
        }
    }
    put_be32(b, len - 4);
    reply(d, len, alloc);
}

static void cmd_event_status(struct ide_dev *d, const uint8_t *p)
{
    uint8_t *b = d->buf;
    uint32_t alloc = be16(p + 7), len;

    if (!(p[1] & 1)) {                /* only polled operation */
        invalid_field(d);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10;                      /* supported: media events */
    if (p[4] & 0x10) {
        b[2] = 4;                     /* media class */
        if (d->new_media && !d->tray_open) {
            b[4] = 2;                 /* new media */
            d->new_media = false;
        }
        b[5] = d->tray_open ? 0x01 : medium_present(d) ? 0x02 : 0;
        len = 8;
    } else {
        b[2] = 0x80;                  /* no event available */
        len = 4;
    }
    put_be16(b, len - 4);
    reply(d, len, alloc);
}

static void cmd_disc_info(struct ide_dev *d, const uint8_t *p)
{
    uint8_t *b = d->buf;
    if (p[1] & 7) {                   /* only standard disc information */
        invalid_field(d);
        return;
    }
    memset(b, 0, 34);
    b[1] = 32;
    b[2] = 0x0e;                      /* last session and disc complete */
    b[3] = 1;                         /* first track */
    b[4] = 1;                         /* sessions */
    b[5] = 1;                         /* first track of the last session */
    b[6] = 1;                         /* last track of the last session */
    b[7] = 0x20;                      /* unrestricted use */
    reply(d, 34, be16(p + 7));
}

static void cmd_mechanism_status(struct ide_dev *d, const uint8_t *p)
{
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[1] = d->tray_open ? 0x10 : 0;
    reply(d, 8, be16(p + 8));
}

static void cmd_read_cd(struct ide_dev *d, const uint8_t *p)
{
    uint32_t n = (uint32_t)p[6] << 16 | p[7] << 8 | p[8];
    switch (p[9] & 0xf8) {
    case 0x00:                        /* nothing to transfer */
        cmd_ok(d);
        return;
    case 0x10:                        /* user data of mode 1 sectors */
        read_blocks(d, be32(p + 2), n);
        return;
    default:
        ide_unimp_once(d, 512 + 0xbe, "READ CD with raw fields, packet",
                       p[9]);
        invalid_field(d);
        return;
    }
}

enum {
    ALLOW_UA = 1,      /* runs while a unit attention is pending */
    CHECK_READY = 2,   /* needs a disc */
};

static int cmd_flags(uint8_t op)
{
    switch (op) {
    case 0x03: case 0x12: case 0x46: case 0x4a:
        return ALLOW_UA;
    case 0x00: case 0x25: case 0x28: case 0xa8: case 0x2b: case 0x43:
    case 0x51: case 0xbe:
        return CHECK_READY;
    default:
        return 0;
    }
}

static void packet_received(struct ide_dev *d)
{
    const uint8_t *p = d->packet;
    memcpy(d->packet, d->buf, sizeof d->packet);
    uint8_t op = p[0];
    int flags = cmd_flags(op);

    if (op != 0x03) {
        d->sense_key = SENSE_NONE;
        d->asc = d->ascq = 0;
    }
    if (d->unit_attention && !(flags & ALLOW_UA)) {
        d->unit_attention = false;
        cmd_error(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if ((flags & CHECK_READY) && !medium_present(d)) {
        cmd_error(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT,
                  d->tray_open ? 2 : 1);
        return;
    }
    switch (op) {
    case 0x00:                        /* TEST UNIT READY */
    case 0x35:                        /* SYNCHRONIZE CACHE */
    case 0xbb:                        /* SET CD SPEED */
        cmd_ok(d);
        break;
    case 0x03:
        cmd_request_sense(d, p);
        break;
    case 0x12:
        cmd_inquiry(d, p);
        break;
    case 0x1a:                        /* MODE SENSE (6) */
    case 0x5a:                        /* MODE SENSE (10) */
        cmd_mode_sense(d, p);
        break;
    case 0x1b:
        cmd_start_stop(d, p);
        break;
    case 0x1e:                        /* PREVENT/ALLOW MEDIUM REMOVAL */
        d->locked = p[4] & 1;
        cmd_ok(d);
        break;
    case 0x25:
        cmd_read_capacity(d, p);
        break;
    case 0x28:                        /* READ (10) */
        read_blocks(d, be32(p + 2), be16(p + 7));
        break;
    case 0xa8:                        /* READ (12) */
        read_blocks(d, be32(p + 2), be32(p + 6));
        break;
    case 0x2b:                        /* SEEK (10) */
        if (be32(p + 2) >= cd_blocks(d))
            cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        else
            cmd_ok(d);
        break;
    case 0x43:
        cmd_read_toc(d, p);
        break;
    case 0x46:
        cmd_get_configuration(d, p);
        break;
    case 0x4a:
        cmd_event_status(d, p);
        break;
    case 0x51:
        cmd_disc_info(d, p);
        break;
    case 0xbd:
        cmd_mechanism_status(d, p);
        break;
    case 0xbe:
        cmd_read_cd(d, p);
        break;
    default:
        ide_unimp_once(d, 512 + op, "packet command", op);
        cmd_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
        break;
    }
}

void atapi_packet_start(struct ide_dev *d)
{
    d->atapi_dma = d->feature & 1;
    d->status = ST_DRDY | ST_DSC;
    d->nsect = (uint8_t)((d->nsect & ~7) | IR_COD);
    ide_pio_start(d, 0, sizeof d->packet, true, packet_received);
}
