/* Unit tests of the PIIX3 IDE controller (hw/ide.c, hw/ide_atapi.c),
 * driven as a guest driver drives it: PCI configuration cycles, the
 * legacy command/control ports, the bus-master registers and PRD tables
 * in guest RAM.  No CPU runs. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/block.h"
#include "hw/ide.h"
#include "hw/machine.h"
#include "hw/pci.h"

#define MiB (1024 * 1024ull)
#define RAM (32 * MiB)
#define BM 0xc000              /* where ide_firmware_init puts BAR4 */
#define P 0x1f0                /* primary command block */
#define PC 0x3f6               /* primary control */
#define S 0x170
#define SC 0x376

struct rig {
    struct machine *m;
    struct pci_bus *bus;
    struct ide *ide;
    int level[24];
    int rises[24];
    char path[4][256];
    char log[256];
    FILE *logf;
};

static void rig_set_irq(void *opaque, int irq, int level)
{
    struct rig *r = opaque;
    if (level && !r->level[irq])
        r->rises[irq]++;
    r->level[irq] = level;
}

static bool rig_pending(void *opaque)
{
    (void)opaque;
    return false;
}

static int rig_ack(void *opaque)
{
    (void)opaque;
    return -1;
}

static const struct intc_ops rig_intc = {
    .set_irq = rig_set_irq, .pending = rig_pending, .ack = rig_ack,
};

/* Sector s of a test image holds bytes s*3 + i and, first, s as a dword. */
static uint8_t img_byte(uint64_t s, unsigned i)
{
    if (i < 4)
        return (uint8_t)(s >> (8 * i));
    return (uint8_t)(s * 3 + i);
}

static void make_image(char *path, size_t len, uint64_t sectors, int tag)
{
    snprintf(path, len, "%s/tandem-ide-%d-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t sec[512];
    uint64_t n = sectors < 4096 ? sectors : 4096;   /* the rest sparse */
    for (uint64_t s = 0; s < n; s++) {
        for (unsigned i = 0; i < 512; i++)
            sec[i] = img_byte(s, i);
        ck_assert_int_eq(pwrite(fd, sec, 512, (off_t)(s * 512)), 512);
    }
    ck_assert_int_eq(ftruncate(fd, (off_t)(sectors * 512)), 0);
    close(fd);
}

/* Build the machine with the given drive options (NULL: no drive). */
static void rig_init(struct rig *r, const char *const opts[4], bool snapshot,
                     bool enable)
{
    char err[512];
    struct drive_arg args[4];
    int n = 0;
    memset(r, 0, sizeof *r);
    r->m = machine_new(RAM, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    machine_set_intc(r->m, &rig_intc, r);
    snprintf(r->log, sizeof r->log, "/tmp/tandem-ide-log-%d", (int)getpid());
    r->logf = fopen(r->log, "w+");
    ck_assert(r->logf != NULL);
    machine_logger(r->m)->f = r->logf;
    machine_logger(r->m)->mask = LOG_UNIMP | LOG_GUEST_ERRORS;
    r->bus = pci_bus_new(r->m, err, sizeof err);
    ck_assert_msg(r->bus != NULL, "%s", err);
    for (int i = 0; i < 4; i++)
        if (opts && opts[i])
            args[n++] = (struct drive_arg){ opts[i], -1, false };
    r->ide = ide_new(r->m, r->bus, args, n, snapshot, err, sizeof err);
    ck_assert_msg(r->ide != NULL, "%s", err);
    if (enable)
        ide_firmware_init(r->ide);
}

static void rig_free(struct rig *r)
{
    ide_free(r->ide);
    pci_bus_free(r->bus);
    machine_free(r->m);
    fclose(r->logf);
    unlink(r->log);
    for (int i = 0; i < 4; i++)
        if (r->path[i][0])
            unlink(r->path[i]);
}

static uint8_t inb(struct rig *r, uint16_t port)
{
    return (uint8_t)machine_pio_read(r->m, port, 1);
}

static uint16_t inw(struct rig *r, uint16_t port)
{
    return (uint16_t)machine_pio_read(r->m, port, 2);
}

static void outb(struct rig *r, uint16_t port, uint8_t v)
{
    machine_pio_write(r->m, port, v, 1);
}

static void outw(struct rig *r, uint16_t port, uint16_t v)
{
    machine_pio_write(r->m, port, v, 2);
}

static void outl(struct rig *r, uint16_t port, uint32_t v)
{
    machine_pio_write(r->m, port, v, 4);
}

/* An LBA28 command: device, count, address, then the opcode. */
static void ata28(struct rig *r, uint16_t base, int dev, uint8_t cmd,
                  uint32_t lba, uint8_t count)
{
    outb(r, base + 6, (uint8_t)(0xe0 | dev << 4 | ((lba >> 24) & 0x0f)));
    outb(r, base + 2, count);
    outb(r, base + 3, (uint8_t)lba);
    outb(r, base + 4, (uint8_t)(lba >> 8));
    outb(r, base + 5, (uint8_t)(lba >> 16));
    outb(r, base + 7, cmd);
}

static void ata48(struct rig *r, uint16_t base, uint8_t cmd, uint64_t lba,
                  uint16_t count)
{
    outb(r, base + 6, 0x40);
    outb(r, base + 2, (uint8_t)(count >> 8));
    outb(r, base + 3, (uint8_t)(lba >> 24));
    outb(r, base + 4, (uint8_t)(lba >> 32));
    outb(r, base + 5, (uint8_t)(lba >> 40));
    outb(r, base + 2, (uint8_t)count);
    outb(r, base + 3, (uint8_t)lba);
    outb(r, base + 4, (uint8_t)(lba >> 8));
    outb(r, base + 5, (uint8_t)(lba >> 16));
    outb(r, base + 7, cmd);
}

static void read_words(struct rig *r, uint16_t base, void *buf, size_t n)
{
    uint16_t *w = buf;
    for (size_t i = 0; i < n / 2; i++)
        w[i] = inw(r, base);
}

static void check_sector(const uint8_t *b, uint64_t s)
{
    for (unsigned i = 0; i < 512; i++)
        ck_assert_msg(b[i] == img_byte(s, i), "sector %llu byte %u: %02x",
                      (unsigned long long)s, i, b[i]);
}

static void file_sector(const char *path, uint64_t s, uint8_t *b)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, b, 512, (off_t)(s * 512)), 512);
    close(fd);
}

static bool log_has(struct rig *r, const char *s)
{
    char buf[4096];
    fflush(r->logf);
    rewind(r->logf);
    size_t n = fread(buf, 1, sizeof buf - 1, r->logf);
    buf[n] = '\0';
    return strstr(buf, s) != NULL;
}

/* A disk of `sectors` at the primary master (spec suffix appended). */
static void rig_disk(struct rig *r, uint64_t sectors, const char *extra,
                     bool snapshot)
{
    char path[256], spec[600];
    make_image(path, sizeof path, sectors, 0);
    snprintf(spec, sizeof spec, "file=%s,index=0%s", path, extra ? extra : "");
    const char *opts[4] = { spec, NULL, NULL, NULL };
    rig_init(r, opts, snapshot, true);
    snprintf(r->path[0], sizeof r->path[0], "%s", path);
}

/* ---- PCI ---- */

START_TEST(pci_function)
{
    struct rig r;
    rig_disk(&r, 2048, NULL, false);
    machine_reset_devices(r.m);   /* as at power-on: decoding off */
    int fn = IDE_DEVFN;
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0, 4), 0x70108086);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 8, 4), 0x01018000);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0x0e, 1), 0);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 4, 4), 0x02800000);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0x3d, 1), 0);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0x20, 4), 1);
    /* BAR4 sizes as 16 bytes of I/O */
    pci_config_write(r.bus, fn, 0x20, 0xffffffff, 4);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0x20, 4), 0xfffffff1);
    /* prog-if and the memory bit are read-only */
    pci_config_write(r.bus, fn, 0x09, 0x8f, 1);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 0x09, 1), 0x80);
    pci_config_write(r.bus, fn, 4, 0x7, 2);
    ck_assert_uint_eq(pci_config_read(r.bus, fn, 4, 2), 0x5);

    /* no decode until IOSE and the channel's IDETIM enable are set */
    pci_config_write(r.bus, fn, 4, 0, 2);
    ck_assert_uint_eq(inb(&r, P + 7), 0xff);
    pci_config_write(r.bus, fn, 0x40, 0x8000, 2);
    ck_assert_uint_eq(inb(&r, P + 7), 0xff);
    pci_config_write(r.bus, fn, 4, 1, 2);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_uint_eq(inb(&r, S + 7), 0xff);   /* secondary still off */
    pci_config_write(r.bus, fn, 0x42, 0x8000, 2);
    ck_assert_uint_eq(inb(&r, S + 7), 0x00);   /* on, nothing attached */
    /* BAR4 at 0xd000 */
    pci_config_write(r.bus, fn, 0x20, 0xd001, 4);
    outl(&r, 0xd004, 0x12345677);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xd004, 4), 0x12345674);
    rig_free(&r);
}
END_TEST

/* ---- registers, reset ---- */

START_TEST(signatures_and_reset)
{
    struct rig r;
    char hd[256], cd[256], s0[300], s1[300];
    make_image(hd, sizeof hd, 2048, 0);
    make_image(cd, sizeof cd, 4096, 1);
    snprintf(s0, sizeof s0, "file=%s,index=0", hd);
    snprintf(s1, sizeof s1, "file=%s,index=2,media=cdrom", cd);
    const char *opts[4] = { s0, s1, NULL, NULL };
    rig_init(&r, opts, false, true);
    snprintf(r.path[0], sizeof r.path[0], "%s", hd);
    snprintf(r.path[1], sizeof r.path[1], "%s", cd);

    /* ATA signature, ready */
    ck_assert_uint_eq(inb(&r, P + 1), 0x01);
    ck_assert_uint_eq(inb(&r, P + 2), 1);
    ck_assert_uint_eq(inb(&r, P + 3), 1);
    ck_assert_uint_eq(inb(&r, P + 4), 0);
    ck_assert_uint_eq(inb(&r, P + 5), 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    /* ATAPI signature, DRDY clear */
    ck_assert_uint_eq(inb(&r, S + 4), 0x14);
    ck_assert_uint_eq(inb(&r, S + 5), 0xeb);
    ck_assert_uint_eq(inb(&r, S + 7), 0x00);

    /* the absent slave: the registers latch, status and error read 0 */
    outb(&r, P + 6, 0xb0);
    ck_assert_uint_eq(inb(&r, P + 6), 0xb0);
    outb(&r, P + 2, 0x55);
    outb(&r, P + 3, 0xaa);
    ck_assert_uint_eq(inb(&r, P + 2), 0x55);
    ck_assert_uint_eq(inb(&r, P + 3), 0xaa);
    ck_assert_uint_eq(inb(&r, P + 7), 0);
    ck_assert_uint_eq(inb(&r, PC), 0);
    ck_assert_uint_eq(inb(&r, P + 1), 0);
    outb(&r, P + 7, 0xec);                 /* nobody answers */
    ck_assert_int_eq(r.rises[14], 0);
    outb(&r, P + 6, 0xa0);
    ck_assert_uint_eq(inb(&r, P + 2), 0x55);   /* device 0 latched too */

    /* software reset: BSY while SRST is held, then signatures again with
     * device 0 selected and no interrupt */
    outb(&r, P + 6, 0xb0);
    outb(&r, PC, 0x06);
    outb(&r, P + 6, 0xa0);
    ck_assert_uint_eq(inb(&r, PC), 0x80);
    outb(&r, PC, 0x00);
    ck_assert_uint_eq(inb(&r, P + 6), 0xa0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_uint_eq(inb(&r, P + 2), 1);
    ck_assert_uint_eq(inb(&r, P + 4), 0);
    ck_assert_uint_eq(inb(&r, P + 1), 1);
    outb(&r, SC, 0x06);
    outb(&r, SC, 0x00);
    ck_assert_uint_eq(inb(&r, S + 4), 0x14);
    ck_assert_uint_eq(inb(&r, S + 5), 0xeb);
    ck_assert_uint_eq(inb(&r, S + 7), 0x00);
    ck_assert_int_eq(r.rises[14], 0);
    ck_assert_int_eq(r.rises[15], 0);

    /* EXECUTE DEVICE DIAGNOSTIC: signature, error 01h, interrupt */
    outb(&r, P + 4, 0x12);
    outb(&r, P + 7, 0x90);
    ck_assert_uint_eq(inb(&r, P + 4), 0);
    ck_assert_uint_eq(inb(&r, P + 1), 1);
    ck_assert_int_eq(r.level[14], 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_int_eq(r.level[14], 0);

    /* ATA commands on the CD refuse with the signature */
    outb(&r, S + 4, 0);
    outb(&r, S + 7, 0xec);
    ck_assert_uint_eq(inb(&r, S + 7), 0x41);
    ck_assert_uint_eq(inb(&r, S + 1), 0x04);
    ck_assert_uint_eq(inb(&r, S + 4), 0x14);
    /* DEVICE RESET on the CD */
    outb(&r, S + 7, 0x08);
    ck_assert_uint_eq(inb(&r, S + 7), 0x00);
    ck_assert_uint_eq(inb(&r, S + 5), 0xeb);
    rig_free(&r);
}
END_TEST

START_TEST(identify_device)
{
    struct rig r;
    uint16_t id[256];
    rig_disk(&r, 100000, NULL, false);
    ata28(&r, P, 0, 0xec, 0, 0);
    ck_assert_int_eq(r.level[14], 1);
    ck_assert_uint_eq(inb(&r, PC), 0x58);       /* alt status: DRQ */
    ck_assert_int_eq(r.level[14], 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x58);
    ck_assert_int_eq(r.level[14], 0);
    read_words(&r, P, id, 512);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);

    ck_assert_uint_eq(id[0], 0x0040);
    ck_assert_uint_eq(id[1], 99);               /* 100000 / (16*63) */
    ck_assert_uint_eq(id[3], 16);
    ck_assert_uint_eq(id[6], 63);
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = (char)(id[27 + i] >> 8);
        model[2 * i + 1] = (char)id[27 + i];
    }
    model[40] = '\0';
    ck_assert_str_eq(model, "TANDEM HARDDISK                         ");
    ck_assert_uint_eq(id[10], ('T' << 8) | 'M');
    ck_assert_uint_eq(id[47], 0x8010);
    ck_assert_uint_eq(id[49] & 0x0300, 0x0300);  /* LBA and DMA */
    ck_assert_uint_eq(id[53], 7);
    ck_assert_uint_eq(id[59], 0x110);
    ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, 100000);
    ck_assert_uint_eq(id[63] & 7, 7);
    ck_assert_uint_eq(id[80], 0xf0);
    ck_assert_uint_eq(id[83], 0x7400);           /* LBA48, FLUSH (EXT) */
    ck_assert_uint_eq(id[85] & 0x20, 0x20);      /* write cache on */
    ck_assert_uint_eq(id[86], 0x3400);
    ck_assert_uint_eq(id[88] & 0x3f, 0x3f);
    ck_assert_uint_eq(id[100] | (uint32_t)id[101] << 16, 100000);
    ck_assert_uint_eq(id[102] | id[103], 0);
    uint8_t sum = 0;
    for (int i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
    ck_assert_uint_eq(id[255] & 0xff, 0xa5);
    ck_assert_uint_eq(sum, 0);

    /* SET FEATURES: MWDMA2, write cache off; SET MULTIPLE 4 */
    outb(&r, P + 1, 0x03);
    ata28(&r, P, 0, 0xef, 0, 0x22);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    outb(&r, P + 1, 0x82);
    ata28(&r, P, 0, 0xef, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0xc6, 0, 4);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0xc6, 0, 3);                /* not a power of two */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    outb(&r, P + 1, 0x03);
    ata28(&r, P, 0, 0xef, 0, 0x47);              /* MWDMA7: no */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ata28(&r, P, 0, 0xec, 0, 0);
    read_words(&r, P, id, 512);
    ck_assert_uint_eq(id[63], 0x0407);
    ck_assert_uint_eq(id[85] & 0x20, 0);
    ck_assert_uint_eq(id[59], 0x104);
    rig_free(&r);
}
END_TEST

/* ---- PIO ---- */

START_TEST(pio_read_write)
{
    struct rig r;
    uint8_t b[512 * 8], f[512];
    rig_disk(&r, 4096, NULL, false);

    /* READ SECTORS, 3 sectors from LBA 10: an interrupt per sector */
    ata28(&r, P, 0, 0x20, 10, 3);
    for (int s = 0; s < 3; s++) {
        ck_assert_int_eq(r.rises[14], s + 1);
        ck_assert_uint_eq(inb(&r, P + 7), 0x58);
        read_words(&r, P, b, 512);
        check_sector(b, 10 + (uint64_t)s);
    }
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_int_eq(r.rises[14], 3);
    /* the registers point past the last sector read */
    ck_assert_uint_eq(inb(&r, P + 3), 13);

    /* WRITE SECTORS, 2 sectors at LBA 100: DRQ at once, no interrupt
     * until the first block is in */
    ata28(&r, P, 0, 0x30, 100, 2);
    ck_assert_uint_eq(inb(&r, PC), 0x58);
    ck_assert_int_eq(r.rises[14], 3);
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 256; i++)
            outw(&r, P, (uint16_t)(0xbe00 + s * 256 + i));
        ck_assert_int_eq(r.rises[14], 4 + s);
        ck_assert_uint_eq(inb(&r, P + 7), s ? 0x50 : 0x58);
    }
    file_sector(r.path[0], 101, f);
    ck_assert_uint_eq(f[0], 0x00);
    ck_assert_uint_eq(f[1], 0xbf);
    ck_assert_uint_eq(f[510], 0xff);
    ck_assert_uint_eq(f[511], 0xbf);

    /* 32-bit data accesses */
    ata28(&r, P, 0, 0x20, 101, 1);
    inb(&r, P + 7);
    for (int i = 0; i < 128; i++)
        ((uint32_t *)b)[i] = machine_pio_read(r.m, P, 4);
    ck_assert(!memcmp(b, f, 512));

    /* READ/WRITE MULTIPLE with 4 sectors per block */
    ata28(&r, P, 0, 0xc6, 0, 4);
    inb(&r, P + 7);
    int before = r.rises[14];
    ata28(&r, P, 0, 0xc4, 200, 6);
    ck_assert_uint_eq(inb(&r, P + 7), 0x58);
    read_words(&r, P, b, 4 * 512);
    ck_assert_int_eq(r.rises[14], before + 2);   /* 2nd block ready */
    read_words(&r, P, b + 4 * 512, 2 * 512);
    for (int s = 0; s < 6; s++)
        check_sector(b + 512 * s, 200 + (uint64_t)s);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0xc5, 300, 5);
    for (int i = 0; i < 5 * 256; i++)
        outw(&r, P, (uint16_t)i);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    file_sector(r.path[0], 304, f);
    ck_assert_uint_eq(f[0] | f[1] << 8, 4 * 256);

    /* FLUSH CACHE: an fsync of the image */
    struct block *blk = ide_drive_block(r.ide, 0);
    uint64_t flushes = block_flush_count(blk);
    ata28(&r, P, 0, 0xe7, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0xea, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_uint_eq(block_flush_count(blk), flushes + 2);

    /* beyond the end: IDNF */
    ata28(&r, P, 0, 0x20, 4095, 2);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x10);
    /* READ VERIFY within and beyond */
    ata28(&r, P, 0, 0x40, 4000, 96);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0x40, 4000, 97);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

START_TEST(chs_addressing)
{
    struct rig r;
    uint8_t b[512];
    rig_disk(&r, 20000, NULL, false);
    /* default geometry 16/63: C=1 H=2 S=5 is LBA (1*16+2)*63+4 = 1138 */
    outb(&r, P + 6, 0xa2);
    outb(&r, P + 2, 1);
    outb(&r, P + 3, 5);
    outb(&r, P + 4, 1);
    outb(&r, P + 5, 0);
    outb(&r, P + 7, 0x20);
    ck_assert_uint_eq(inb(&r, P + 7), 0x58);
    read_words(&r, P, b, 512);
    check_sector(b, 1138);
    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors */
    outb(&r, P + 6, 0xa3);
    outb(&r, P + 2, 17);
    outb(&r, P + 7, 0x91);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    outb(&r, P + 6, 0xa2);
    outb(&r, P + 2, 1);
    outb(&r, P + 3, 5);
    outb(&r, P + 4, 1);
    outb(&r, P + 7, 0x20);
    read_words(&r, P, b, 512);
    check_sector(b, (1 * 4 + 2) * 17 + 4);
    /* sector 0 does not exist in CHS */
    outb(&r, P + 3, 0);
    outb(&r, P + 7, 0x20);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x10);
    rig_free(&r);
}
END_TEST

START_TEST(lba48)
{
    struct rig r;
    uint8_t b[512], f[512];
    uint16_t id[256];
    const uint64_t sectors = (1ull << 28) + 4096;   /* 128 GiB, sparse */
    rig_disk(&r, sectors, NULL, false);
    ata28(&r, P, 0, 0xec, 0, 0);
    read_words(&r, P, id, 512);
    ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, 0x0fffffff);
    uint64_t n48 = id[100] | (uint64_t)id[101] << 16 |
                   (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48;
    ck_assert_uint_eq(n48, sectors);
    ck_assert_uint_eq(id[1], 16383);

    /* WRITE SECTORS EXT above 2^28, READ SECTORS EXT back */
    const uint64_t lba = (1ull << 28) + 17;
    ata48(&r, P, 0x34, lba, 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x58);
    for (int i = 0; i < 256; i++)
        outw(&r, P, (uint16_t)(0x4800 + i));
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    file_sector(r.path[0], lba, f);
    ck_assert_uint_eq(f[2] | f[3] << 8, 0x4801);
    ata48(&r, P, 0x24, lba, 1);
    read_words(&r, P, b, 512);
    ck_assert(!memcmp(b, f, 512));
    /* the registers: HOB reads the high bytes of the next sector */
    ck_assert_uint_eq(inb(&r, P + 3), 18);
    outb(&r, PC, 0x80);
    ck_assert_uint_eq(inb(&r, P + 3), 0x10);
    ck_assert_uint_eq(inb(&r, P + 4), 0);
    outb(&r, PC, 0x00);
    /* a count of 0 is 65536 sectors: beyond the end here */
    ata48(&r, P, 0x24, sectors - 100, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x10);
    /* READ NATIVE MAX ADDRESS EXT */
    outb(&r, P + 6, 0x40);
    outb(&r, P + 7, 0x27);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ck_assert_uint_eq(inb(&r, P + 3), (uint8_t)(sectors - 1));
    outb(&r, PC, 0x80);
    ck_assert_uint_eq(inb(&r, P + 3), (uint8_t)((sectors - 1) >> 24));
    rig_free(&r);
}
END_TEST

/* ---- bus-master DMA ---- */

static void prd(struct rig *r, uint64_t at, uint32_t addr, uint32_t len,
                bool eot)
{
    uint32_t e[2] = { addr, (len & 0xffff) | (eot ? 0x80000000u : 0) };
    ck_assert_int_eq(machine_mem_rw(r->m, at, e, 8, true), 0);
}

static void bm_start(struct rig *r, uint32_t table, bool to_mem)
{
    outb(r, BM + 2, 0x06);                   /* clear INT and ERR */
    outl(r, BM + 4, table);
    outb(r, BM, to_mem ? 0x08 : 0x00);
}

START_TEST(dma_read_write)
{
    struct rig r;
    uint8_t b[4 * 512], f[512];
    rig_disk(&r, 4096, NULL, false);

    /* READ DMA of 4 sectors into two odd-sized buffers */
    prd(&r, 0x1000, 0x20000, 1000, false);
    prd(&r, 0x1008, 0x30000, 1048, true);
    bm_start(&r, 0x1000, true);
    ata28(&r, P, 0, 0xc8, 40, 4);
    ck_assert_uint_eq(inb(&r, PC), 0x58);    /* waits for the engine */
    ck_assert_int_eq(r.rises[14], 0);
    outb(&r, BM, 0x09);                      /* start */
    ck_assert_int_eq(r.rises[14], 1);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x04);   /* INT, not active */
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    outb(&r, BM, 0x08);
    ck_assert_int_eq(machine_mem_rw(r.m, 0x20000, b, 1000, false), 0);
    ck_assert_int_eq(machine_mem_rw(r.m, 0x30000, b + 1000, 1048, false), 0);
    for (int s = 0; s < 4; s++)
        check_sector(b + 512 * s, 40 + (uint64_t)s);
    ck_assert_uint_eq(inb(&r, P + 3), 44);

    /* WRITE DMA with the engine started first; one PRD of 64 KiB
     * (count 0) is more than needed: ACTIVE stays set */
    for (int i = 0; i < 1024; i++)
        b[i] = (uint8_t)(i * 5);
    ck_assert_int_eq(machine_mem_rw(r.m, 0x40000, b, 1024, true), 0);
    prd(&r, 0x1000, 0x40000, 0, true);
    bm_start(&r, 0x1000, false);
    outb(&r, BM, 0x01);
    ata28(&r, P, 0, 0xca, 500, 2);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x05);   /* INT, still active */
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    outb(&r, BM, 0x00);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x04);
    file_sector(r.path[0], 501, f);
    ck_assert(!memcmp(f, b + 512, 512));

    /* a PRD table shorter than the transfer: the engine stops, no
     * interrupt, as QEMU */
    prd(&r, 0x1000, 0x20000, 512, true);
    bm_start(&r, 0x1000, true);
    int rises = r.rises[14];
    ata28(&r, P, 0, 0xc8, 0, 2);
    outb(&r, BM, 0x09);
    ck_assert_uint_eq(inb(&r, BM + 2) & 0x07, 0);
    ck_assert_int_eq(r.rises[14], rises);
    outb(&r, BM, 0x08);

    /* the secondary channel's engine is separate */
    outl(&r, BM + 12, 0xabcd0);
    ck_assert_uint_eq(machine_pio_read(r.m, BM + 12, 4), 0xabcd0);
    ck_assert_uint_eq(machine_pio_read(r.m, BM + 4, 4), 0x1000);
    rig_free(&r);
}
END_TEST

START_TEST(dma_outside_ram)
{
    struct rig r;
    rig_disk(&r, 4096, NULL, false);

    /* a buffer beyond the end of RAM */
    prd(&r, 0x1000, (uint32_t)RAM - 256, 512, true);
    bm_start(&r, 0x1000, true);
    outb(&r, BM, 0x09);
    ata28(&r, P, 0, 0xc8, 0, 1);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x06);   /* ERR, INT, not active */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x04);
    ck_assert(log_has(&r, "not in RAM"));
    outb(&r, BM, 0x08);

    /* the BIOS ROM area and MMIO holes are not RAM either */
    prd(&r, 0x1000, 0xfffff000u, 0x800, true);
    bm_start(&r, 0x1000, false);
    outb(&r, BM, 0x01);
    ata28(&r, P, 0, 0xca, 0, 1);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x06);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    outb(&r, BM, 0x00);

    /* the PRD table itself outside RAM */
    bm_start(&r, 0xfee00000u, true);
    outb(&r, BM, 0x09);
    ata28(&r, P, 0, 0xc8, 0, 1);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x06);
    outb(&r, BM, 0x08);

    /* bus mastering off in COMMAND: no memory cycles at all */
    pci_config_write(r.bus, IDE_DEVFN, 4, 0x1, 2);
    prd(&r, 0x1000, 0x20000, 512, true);
    bm_start(&r, 0x1000, true);
    outb(&r, BM, 0x09);
    ata28(&r, P, 0, 0xc8, 0, 1);
    ck_assert_uint_eq(inb(&r, BM + 2), 0x06);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

/* ---- errors, interrupts, options ---- */

START_TEST(bad_commands)
{
    struct rig r;
    rig_disk(&r, 4096, NULL, false);
    ata28(&r, P, 0, 0x5c, 0, 0);             /* no such command */
    ck_assert_int_eq(r.level[14], 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x04);
    ck_assert(log_has(&r, "ATA command 0x5c not implemented"));
    ata28(&r, P, 0, 0x00, 0, 0);             /* NOP aborts */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ata28(&r, P, 0, 0xa0, 0, 0);             /* PACKET on a disk */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ata28(&r, P, 0, 0xa1, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 1), 0x04);
    outb(&r, P + 1, 0x99);
    ata28(&r, P, 0, 0xef, 0, 0);             /* unknown SET FEATURES */
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    /* a command while DRQ is set is ignored */
    ata28(&r, P, 0, 0x20, 0, 1);
    outb(&r, P + 7, 0xec);
    uint8_t b[512];
    read_words(&r, P, b, 512);
    check_sector(b, 0);
    /* the data port without DRQ reads 0, writes vanish */
    ck_assert_uint_eq(inw(&r, P), 0);
    outw(&r, P, 0x1234);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    /* power management */
    ata28(&r, P, 0, 0xe0, 0, 0);
    ata28(&r, P, 0, 0xe5, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 2), 0x00);
    ata28(&r, P, 0, 0xe1, 0, 0);
    ata28(&r, P, 0, 0xe5, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 2), 0xff);
    ata28(&r, P, 0, 0x10, 0, 0);             /* RECALIBRATE */
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0x70, 5, 0);             /* SEEK */
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0x70, 5000, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    rig_free(&r);
}
END_TEST

START_TEST(nien_masks_irq)
{
    struct rig r;
    rig_disk(&r, 4096, NULL, false);
    outb(&r, PC, 0x02);
    ata28(&r, P, 0, 0xe7, 0, 0);
    ck_assert_int_eq(r.level[14], 0);
    ck_assert_uint_eq(inb(&r, BM + 2) & 4, 0);
    outb(&r, PC, 0x00);                      /* pending: now on the wire */
    ck_assert_int_eq(r.level[14], 1);
    inb(&r, P + 7);
    ck_assert_int_eq(r.level[14], 0);
    rig_free(&r);
}
END_TEST

START_TEST(read_only_disk)
{
    struct rig r;
    uint8_t f[512];
    rig_disk(&r, 4096, ",readonly=on", false);
    ata28(&r, P, 0, 0x30, 7, 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x04);
    prd(&r, 0x1000, 0x20000, 512, true);
    bm_start(&r, 0x1000, false);
    outb(&r, BM, 0x01);
    ata28(&r, P, 0, 0xca, 7, 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x41);
    ck_assert_uint_eq(inb(&r, P + 1), 0x04);
    file_sector(r.path[0], 7, f);
    check_sector(f, 7);
    /* reads work */
    ata28(&r, P, 0, 0x20, 7, 1);
    ck_assert_uint_eq(inb(&r, P + 7), 0x58);
    rig_free(&r);
}
END_TEST

START_TEST(snapshot_keeps_file)
{
    struct rig r;
    uint8_t b[512], f[512];
    rig_disk(&r, 4096, NULL, true);
    ata28(&r, P, 0, 0x30, 9, 1);
    for (int i = 0; i < 256; i++)
        outw(&r, P, 0x7777);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0xe7, 0, 0);
    ck_assert_uint_eq(inb(&r, P + 7), 0x50);
    ata28(&r, P, 0, 0x20, 9, 1);
    read_words(&r, P, b, 512);
    ck_assert_uint_eq(b[0], 0x77);
    ck_assert_uint_eq(b[511], 0x77);
    file_sector(r.path[0], 9, f);
    check_sector(f, 9);
    rig_free(&r);
}
END_TEST

/* ---- ATAPI ---- */

static void cd_init(struct rig *r, uint64_t blocks)
{
    char path[256], spec[400];
    make_image(path, sizeof path, blocks * 4, 2);
    snprintf(spec, sizeof spec, "file=%s,media=cdrom,index=2", path);
    const char *opts[4] = { spec, NULL, NULL, NULL };
    rig_init(r, opts, false, true);
    snprintf(r->path[0], sizeof r->path[0], "%s", path);
}

/* Send a packet (PIO, or DMA with `dma`); byte-count limit `limit`. */
static void packet(struct rig *r, const uint8_t cdb[12], uint16_t limit,
                   bool dma)
{
    outb(r, S + 6, 0xa0);
    outb(r, S + 1, dma ? 1 : 0);
    outb(r, S + 4, (uint8_t)limit);
    outb(r, S + 5, (uint8_t)(limit >> 8));
    outb(r, S + 7, 0xa0);
    ck_assert_uint_eq(inb(r, SC), 0x58);
    ck_assert_uint_eq(inb(r, S + 2) & 3, 1);     /* CoD, out */
    for (int i = 0; i < 6; i++)
        outw(r, S, (uint16_t)(cdb[2 * i] | cdb[2 * i + 1] << 8));
}

/* Read the whole PIO reply into buf; returns its length and checks
 * each block against the limit. */
static size_t pio_reply(struct rig *r, uint8_t *buf, size_t max,
                        uint16_t limit)
{
    size_t got = 0;
    for (;;) {
        uint8_t st = inb(r, S + 7);
        if (!(st & 0x08))
            break;
        ck_assert_uint_eq(inb(r, S + 2) & 3, 2);   /* data in */
        unsigned n = inb(r, S + 4) | inb(r, S + 5) << 8;
        ck_assert_uint_le(n, limit);
        ck_assert_uint_le(got + n, max);
        for (unsigned i = 0; i < n; i += 2) {
            uint16_t w = inw(r, S);
            buf[got + i] = (uint8_t)w;
            if (i + 1 < n)
                buf[got + i + 1] = (uint8_t)(w >> 8);
        }
        got += n;
    }
    return got;
}

static void expect_ok(struct rig *r)
{
    ck_assert_uint_eq(inb(r, S + 7), 0x50);
    ck_assert_uint_eq(inb(r, S + 2) & 3, 3);       /* status phase */
}

static void expect_check(struct rig *r, uint8_t key, uint8_t asc)
{
    uint8_t sense[18];
    ck_assert_uint_eq(inb(r, S + 7), 0x41);
    ck_assert_uint_eq(inb(r, S + 1) >> 4, key);
    const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    packet(r, rs, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(r, sense, sizeof sense, 0xfffe), 18);
    ck_assert_uint_eq(sense[0], 0x70);
    ck_assert_uint_eq(sense[2], key);
    ck_assert_uint_eq(sense[12], asc);
    expect_ok(r);
}

START_TEST(atapi_basics)
{
    struct rig r;
    uint8_t b[8192];
    uint16_t id[256];
    cd_init(&r, 1000);

    /* IDENTIFY PACKET DEVICE */
    outb(&r, S + 6, 0xa0);
    outb(&r, S + 7, 0xa1);
    ck_assert_int_eq(r.level[15], 1);
    ck_assert_uint_eq(inb(&r, S + 7), 0x58);
    read_words(&r, S, id, 512);
    ck_assert_uint_eq(id[0], 0x85c0);
    ck_assert_uint_eq(id[49] & 0x300, 0x300);
    ck_assert_uint_eq(id[27], ('T' << 8) | 'A');

    /* INQUIRY */
    const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    packet(&r, inq, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 36);
    ck_assert_uint_eq(b[0], 0x05);
    ck_assert_uint_eq(b[1], 0x80);
    ck_assert(!memcmp(b + 8, "TANDEM  TANDEM DVD-ROM  ", 24));
    expect_ok(&r);

    /* TEST UNIT READY, READ CAPACITY */
    const uint8_t tur[12] = { 0 };
    packet(&r, tur, 0, false);
    expect_ok(&r);
    const uint8_t cap[12] = { 0x25 };
    packet(&r, cap, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 8);
    ck_assert_uint_eq(b[2] << 8 | b[3], 999);
    ck_assert_uint_eq(b[6] << 8 | b[7], 2048);
    expect_ok(&r);

    /* READ(10) of 3 blocks from 5 with a 2048-byte limit: 3 DRQ blocks */
    const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 3 };
    int rises = r.rises[15];
    packet(&r, rd, 2048, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 2048), 3 * 2048);
    ck_assert_int_eq(r.rises[15], rises + 4);   /* 3 data + status */
    expect_ok(&r);
    for (int s = 0; s < 12; s++)
        check_sector(b + 512 * s, 20 + (uint64_t)s);
    /* an odd limit is rounded down to even */
    packet(&r, rd, 1001, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 1001), 3 * 2048);
    check_sector(b + 512 * 11, 31);
    /* READ(12) */
    const uint8_t rd12[12] = { 0xa8, 0, 0, 0, 0, 7, 0, 0, 0, 1 };
    packet(&r, rd12, 0xffff, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 2048);
    check_sector(b, 28);
    /* out of range */
    const uint8_t bad[12] = { 0x28, 0, 0, 0, 0x03, 0xe7, 0, 0, 2 };
    packet(&r, bad, 2048, false);
    expect_check(&r, 5, 0x21);

    /* an unknown packet command */
    const uint8_t unk[12] = { 0xff };
    packet(&r, unk, 2048, false);
    expect_check(&r, 5, 0x20);
    ck_assert(log_has(&r, "packet command 0xff not implemented"));
    rig_free(&r);
}
END_TEST

START_TEST(atapi_toc_and_pages)
{
    struct rig r;
    uint8_t b[4096];
    cd_init(&r, 1000);

    /* READ TOC format 0, LBA */
    const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24 };
    packet(&r, toc, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 20);
    ck_assert_uint_eq(b[0] << 8 | b[1], 18);
    ck_assert_uint_eq(b[2], 1);
    ck_assert_uint_eq(b[3], 1);
    ck_assert_uint_eq(b[5], 0x14);
    ck_assert_uint_eq(b[6], 1);
    ck_assert_uint_eq(b[14], 0xaa);
    ck_assert_uint_eq(b[18] << 8 | b[19], 1000);
    expect_ok(&r);
    /* MSF: track 1 at 00:02:00, lead-out at 1000+150 frames */
    const uint8_t tocm[12] = { 0x43, 2, 0, 0, 0, 0, 0, 0x03, 0x24 };
    packet(&r, tocm, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 20);
    ck_assert_uint_eq(b[9], 0);
    ck_assert_uint_eq(b[10], 2);
    ck_assert_uint_eq(b[11], 0);
    ck_assert_uint_eq(b[17], 0);
    ck_assert_uint_eq(b[18], 1150 / 75);
    ck_assert_uint_eq(b[19], 1150 % 75);
    /* multisession, the SFF-8020 way Linux asks (byte 9 = 40h) */
    const uint8_t ms[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40 };
    packet(&r, ms, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 12);
    ck_assert_uint_eq(b[1], 10);
    ck_assert_uint_eq(b[6], 1);
    /* raw TOC */
    const uint8_t raw[12] = { 0x43, 2, 2, 0, 0, 0, 0, 0x10, 0 };
    packet(&r, raw, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 48);
    ck_assert_uint_eq(b[4 + 3], 0xa0);
    ck_assert_uint_eq(b[4 + 22 + 3], 0xa2);
    /* an invalid format */
    const uint8_t badf[12] = { 0x43, 0, 5, 0, 0, 0, 0, 0x10, 0 };
    packet(&r, badf, 0xfffe, false);
    expect_check(&r, 5, 0x24);

    /* MODE SENSE(10): capabilities, and all pages */
    const uint8_t m2a[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128 };
    packet(&r, m2a, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 28);
    ck_assert_uint_eq(b[1], 26);
    ck_assert_uint_eq(b[8], 0x2a);
    ck_assert_uint_eq(b[9], 0x12);
    const uint8_t mall[12] = { 0x5a, 0, 0x3f, 0, 0, 0, 0, 0x01, 0 };
    packet(&r, mall, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 8 + 8 + 8 + 16 + 20);
    const uint8_t msave[12] = { 0x5a, 0, 0xea, 0, 0, 0, 0, 0, 128 };
    packet(&r, msave, 0xfffe, false);
    expect_check(&r, 5, 0x39);

    /* GET CONFIGURATION: CD-ROM current, core, morphing, removable */
    const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0x01, 0 };
    packet(&r, gc, 0xfffe, false);
    size_t n = pio_reply(&r, b, sizeof b, 0xfffe);
    ck_assert_uint_eq(n, 8 + 12 + 12 + 8 + 8);
    ck_assert_uint_eq(b[6] << 8 | b[7], 0x0008);
    ck_assert_uint_eq(b[8 + 4] << 8 | b[8 + 5], 0x0010);
    ck_assert_uint_eq(b[8 + 8] << 8 | b[8 + 9], 0x0008);
    ck_assert_uint_eq(b[8 + 10], 1);
    ck_assert_uint_eq(b[20 + 1], 1);
    ck_assert_uint_eq(b[32 + 1], 2);
    ck_assert_uint_eq(b[40 + 1], 3);
    const uint8_t gc1[12] = { 0x46, 2, 0, 3, 0, 0, 0, 0x01, 0 };
    packet(&r, gc1, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 16);

    /* GET EVENT STATUS NOTIFICATION (polled, media) */
    const uint8_t ev[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(&r, ev, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 8);
    ck_assert_uint_eq(b[2], 4);
    ck_assert_uint_eq(b[5], 2);
    const uint8_t eva[12] = { 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(&r, eva, 0xfffe, false);
    expect_check(&r, 5, 0x24);

    /* READ DISC INFORMATION, MECHANISM STATUS, SET CD SPEED */
    const uint8_t di[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 34 };
    packet(&r, di, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 34);
    ck_assert_uint_eq(b[2], 0x0e);
    const uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    packet(&r, mech, 0xfffe, false);
    ck_assert_uint_eq(pio_reply(&r, b, sizeof b, 0xfffe), 8);
    const uint8_t speed[12] = { 0xbb, 0, 0xff, 0xff };
    packet(&r, speed, 0xfffe, false);
    expect_ok(&r);

    /* lock, refused eject, unlock, eject: not ready; load: attention */
    const uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 };
    const uint8_t unlock[12] = { 0x1e, 0, 0, 0, 0 };
    const uint8_t eject[12] = { 0x1b, 0, 0, 0, 2 };
    const uint8_t load[12] = { 0x1b, 0, 0, 0, 3 };
    const uint8_t tur[12] = { 0 };
    packet(&r, lock, 0, false);
    expect_ok(&r);
    packet(&r, eject, 0, false);
    expect_check(&r, 5, 0x53);
    packet(&r, unlock, 0, false);
    expect_ok(&r);
    packet(&r, eject, 0, false);
    expect_ok(&r);
    packet(&r, tur, 0, false);
    expect_check(&r, 2, 0x3a);
    packet(&r, load, 0, false);
    expect_ok(&r);
    packet(&r, tur, 0, false);
    ck_assert_uint_eq(inb(&r, S + 7), 0x41);
    ck_assert_uint_eq(inb(&r, S + 1) >> 4, 6);
    packet(&r, tur, 0, false);
    expect_ok(&r);
    rig_free(&r);
}
END_TEST

START_TEST(atapi_dma)
{
    struct rig r;
    uint8_t b[4 * 2048];
    cd_init(&r, 100);
    /* READ(10) of 2 blocks by DMA */
    prd(&r, 0x1000, 0x50000, 4096, true);
    bm_start(&r, 0x1000, true);
    outb(&r, BM + 8 + 2, 0x06);
    outl(&r, BM + 8 + 4, 0x1000);
    outb(&r, BM + 8, 0x08);
    const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 2 };
    packet(&r, rd, 0, true);
    ck_assert_uint_eq(inb(&r, SC), 0x58);
    outb(&r, BM + 8, 0x09);
    ck_assert_uint_eq(inb(&r, BM + 8 + 2), 0x04);
    expect_ok(&r);
    ck_assert_int_eq(machine_mem_rw(r.m, 0x50000, b, 4096, false), 0);
    for (int s = 0; s < 8; s++)
        check_sector(b + 512 * s, 40 + (uint64_t)s);
    /* INQUIRY by DMA */
    outb(&r, BM + 8, 0x08);
    outb(&r, BM + 8 + 2, 0x06);
    const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    packet(&r, inq, 0, true);
    outb(&r, BM + 8, 0x09);
    expect_ok(&r);
    ck_assert_int_eq(machine_mem_rw(r.m, 0x50000, b, 36, false), 0);
    ck_assert(!memcmp(b + 8, "TANDEM", 6));
    rig_free(&r);
}
END_TEST

START_TEST(atapi_no_disc)
{
    struct rig r;
    uint8_t b[64];
    const char *opts[4] = { "media=cdrom,index=2", NULL, NULL, NULL };
    rig_init(&r, opts, false, true);
    const uint8_t tur[12] = { 0 };
    packet(&r, tur, 0, false);
    expect_check(&r, 2, 0x3a);
    const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
    packet(&r, gc, 0xfffe, false);
    pio_reply(&r, b, sizeof b, 0xfffe);
    ck_assert_uint_eq(b[6] << 8 | b[7], 0);
    rig_free(&r);
}
END_TEST

static Suite *ide_suite(void)
{
    Suite *s = suite_create("ide");
    TCase *t = tcase_create("ata");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, pci_function);
    tcase_add_test(t, signatures_and_reset);
    tcase_add_test(t, identify_device);
    tcase_add_test(t, pio_read_write);
    tcase_add_test(t, chs_addressing);
    tcase_add_test(t, lba48);
    tcase_add_test(t, dma_read_write);
    tcase_add_test(t, dma_outside_ram);
    tcase_add_test(t, bad_commands);
    tcase_add_test(t, nien_masks_irq);
    tcase_add_test(t, read_only_disk);
    tcase_add_test(t, snapshot_keeps_file);
    suite_add_tcase(s, t);
    t = tcase_create("atapi");
    tcase_add_test(t, atapi_basics);
    tcase_add_test(t, atapi_toc_and_pages);
    tcase_add_test(t, atapi_dma);
    tcase_add_test(t, atapi_no_disc);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ide_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
