/* The firmware configuration interface.  See fw_cfg.h. */
#include "hw/fw_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

#define GEN_ITEMS FW_CFG_FILE_FIRST   /* keys 0x00-0x1f */
#define ARCH_ITEMS 32                 /* keys 0x8000-0x801f */
#define KEY_WRITE_FLAG 0x4000         /* legacy "write" bit of the selector */
#define KEY_INVALID 0xffff
#define E820_MAX 128
#define E820_ENTRY 20                 /* u64 addr, u64 len, u32 type (LE) */
#define DMA_SIG "QEMU CFG"
#define ID_TRADITIONAL 0x01
#define ID_DMA 0x02

struct item {
    uint8_t *data;
    uint32_t len;
    bool writable;
};

struct file {
    char name[FW_CFG_FILE_NAME_MAX];
    struct item it;
};

struct fw_cfg {
    struct machine *m;
    struct item gen[GEN_ITEMS];
    struct item arch[ARCH_ITEMS];
    struct file files[FW_CFG_MAX_FILES];   /* key = FILE_FIRST + index */
    int nr_files;
    uint16_t cur_key;
    uint32_t cur_off;
    uint64_t dma_addr;
    uint8_t e820[E820_MAX * E820_ENTRY];
    int nr_e820;
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static struct item *item_for(struct fw_cfg *f, uint16_t key)
{
    if (key == KEY_INVALID)
        return NULL;
    key &= (uint16_t)~KEY_WRITE_FLAG;
    if (key & FW_CFG_ARCH_LOCAL) {
        unsigned k = key & 0x3fff;
        return k < ARCH_ITEMS ? &f->arch[k] : NULL;
    }
    if (key < GEN_ITEMS)
        return &f->gen[key];
    unsigned i = key - FW_CFG_FILE_FIRST;
    return (int)i < f->nr_files ? &f->files[i].it : NULL;
}

static int item_set(struct item *it, const void *data, size_t len,
                    bool writable)
{
    if (len > UINT32_MAX)
        return -1;
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return -1;
        memcpy(copy, data, len);
    }
    free(it->data);
    it->data = copy;
    it->len = (uint32_t)len;
    it->writable = writable;
    return 0;
}

/* The directory: a BE count, then per file BE size, BE key, 2 reserved
 * bytes and the name, sorted by name. */
static int dir_rebuild(struct fw_cfg *f)
{
    int order[FW_CFG_MAX_FILES];
    size_t len = 4 + (size_t)f->nr_files * 64;
    uint8_t *d = calloc(1, len);

    if (!d)
        return -1;
    for (int i = 0; i < f->nr_files; i++) {
        int j = i;
        for (; j > 0 && strcmp(f->files[order[j - 1]].name,
                               f->files[i].name) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    put_be(d, (uint64_t)f->nr_files, 4);
    for (int k = 0; k < f->nr_files; k++) {
        const struct file *fl = &f->files[order[k]];
        uint8_t *e = d + 4 + 64 * k;
        put_be(e, fl->it.len, 4);
        put_be(e + 4, (uint64_t)(FW_CFG_FILE_FIRST + order[k]), 2);
        memcpy(e + 8, fl->name, strlen(fl->name));
    }
    free(f->gen[FW_CFG_FILE_DIR].data);
    f->gen[FW_CFG_FILE_DIR] = (struct item){ d, (uint32_t)len, false };
    return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
                     size_t len)
{
    if ((key & 0x3fff) == FW_CFG_FILE_DIR && !(key & FW_CFG_ARCH_LOCAL))
        return -1;
    if (!(key & FW_CFG_ARCH_LOCAL) && key >= GEN_ITEMS)
        return -1;   /* files go through fw_cfg_add_file */
    struct item *it = item_for(f, key);
    return it ? item_set(it, data, len, false) : -1;
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2];
    put_le(b, v, 2);
    return fw_cfg_add_bytes(f, key, b, 2);
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    return fw_cfg_add_bytes(f, key, b, 4);
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    put_le(b, v, 8);
    return fw_cfg_add_bytes(f, key, b, 8);
}

int fw_cfg_add_string(struct fw_cfg *f, uint16_t key, const char *s)
{
    return fw_cfg_add_bytes(f, key, s, strlen(s) + 1);
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
                    size_t len, bool writable)
{
    size_t nl = strlen(name);
    int i;

    if (nl == 0 || nl >= FW_CFG_FILE_NAME_MAX)
        return -1;
    for (i = 0; i < f->nr_files && strcmp(f->files[i].name, name); i++)
        ;
    if (i == f->nr_files) {
        if (i == FW_CFG_MAX_FILES)
            return -1;
        memset(&f->files[i], 0, sizeof f->files[i]);
        memcpy(f->files[i].name, name, nl + 1);
    }
    if (item_set(&f->files[i].it, data, len, writable) != 0)
        return -1;
    if (i == f->nr_files)
        f->nr_files++;
    if (dir_rebuild(f) != 0)
        return -1;
    return FW_CFG_FILE_FIRST + i;
}

const uint8_t *fw_cfg_file_data(struct fw_cfg *f, const char *name,
                                size_t *len)
{
    for (int i = 0; i < f->nr_files; i++) {
        if (!strcmp(f->files[i].name, name)) {
            *len = f->files[i].it.len;
            return f->files[i].it.data;
        }
    }
    return NULL;
}

int fw_cfg_add_e820(struct fw_cfg *f, uint64_t addr, uint64_t len,
                    uint32_t type)
{
    if (f->nr_e820 == E820_MAX)
        return -1;
    uint8_t *e = f->e820 + E820_ENTRY * f->nr_e820;
    put_le(e, addr, 8);
    put_le(e + 8, len, 8);
    put_le(e + 16, type, 4);
    f->nr_e820++;
    int key = fw_cfg_add_file(f, "etc/e820", f->e820,
                              (size_t)f->nr_e820 * E820_ENTRY, false);
    return key < 0 ? -1 : 0;
}

/* ---- the traditional interface ---- */

static void select_key(struct fw_cfg *f, uint16_t key)
{
    f->cur_key = item_for(f, key) ? key : KEY_INVALID;
    f->cur_off = 0;
}

static uint8_t data_read(struct fw_cfg *f)
{
    struct item *it = item_for(f, f->cur_key);
    if (!it || !it->data || f->cur_off >= it->len)
        return 0;
    return it->data[f->cur_off++];
}

/* 0x510-0x511: a 16-bit write at either selects; a byte read at either
 * reads data; byte writes (the old data-write path) are ignored. */
static uint32_t ctl_pio_read(void *opaque, uint16_t port, unsigned size)
{
    (void)port;
    return size == 1 ? data_read(opaque) : 0xffffffffu;
}

static void ctl_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    (void)port;
    if (size == 2)
        select_key(opaque, (uint16_t)val);
}

/* ---- DMA ---- */

/* Copy into guest RAM only (not ROM, not MMIO); -1 if any byte is not. */
static int guest_write(struct fw_cfg *f, uint64_t gpa, const void *buf,
                       uint64_t len)
{
    for (uint64_t a = gpa, left = len; left;) {
        const struct mem_region *r = machine_find_region(f->m, a);
        if (!r || r->kind != MEM_RAM)
            return -1;
        uint64_t chunk = r->size - (a - r->gpa);
        if (chunk >= left)
            break;
        a += chunk;
        left -= chunk;
    }
    if (len == 0)
        return 0;
    return machine_mem_rw(f->m, gpa, (void *)buf, (size_t)len, true);
}

static int guest_zero(struct fw_cfg *f, uint64_t gpa, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint64_t n = len < sizeof zeros ? len : sizeof zeros;
        if (guest_write(f, gpa, zeros, n) != 0)
            return -1;
        gpa += n;
        len -= n;
    }
    return 0;
}

static void dma_run(struct fw_cfg *f)
{
    uint64_t desc = f->dma_addr;
    uint8_t acc[16], ctl[4];

    f->dma_addr = 0;
    if (machine_mem_rw(f->m, desc, acc, sizeof acc, false) != 0) {
        put_be(ctl, FW_CFG_DMA_ERROR, 4);
        guest_write(f, desc, ctl, 4);
        return;
    }
    uint32_t control = (uint32_t)get_be(acc, 4);
    uint32_t length = (uint32_t)get_be(acc + 4, 4);
    uint64_t addr = get_be(acc + 8, 8);
    bool read = false, write = false;
    uint32_t status = 0;

    if (control & FW_CFG_DMA_SELECT)
        select_key(f, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_READ)
        read = true;
    else if (control & FW_CFG_DMA_WRITE)
        write = true;
    else if (!(control & FW_CFG_DMA_SKIP))
        length = 0;

    struct item *it = item_for(f, f->cur_key);
    while (length > 0 && !(status & FW_CFG_DMA_ERROR)) {
        uint32_t n;
        if (!it || !it->data || f->cur_off >= it->len) {
            /* past the end: reads give zeros, writes fail */
            n = length;
            if (read && guest_zero(f, addr, n) != 0)
                status |= FW_CFG_DMA_ERROR;
            if (write)
                status |= FW_CFG_DMA_ERROR;
        } else {
            n = it->len - f->cur_off < length ? it->len - f->cur_off : length;
            if (read && guest_write(f, addr, it->data + f->cur_off, n) != 0)
                status |= FW_CFG_DMA_ERROR;
            if (write) {
                /* no partial or resizing writes, and only to writable items */
                if (!it->writable || n != length ||
                    machine_mem_rw(f->m, addr, it->data + f->cur_off, n,
                                   false) != 0)
                    status |= FW_CFG_DMA_ERROR;
            }
            f->cur_off += n;
        }
        addr += n;
        length -= n;
    }
    put_be(ctl, status, 4);
    guest_write(f, desc, ctl, 4);
}

/* 0x514-0x51b: the big-endian DMA address; writing the low half starts. */
static uint32_t dma_pio_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)(port - FW_CFG_PORT_DMA) + i;
        v |= (uint32_t)(o < 8 ? (uint8_t)DMA_SIG[o] : 0xff) << (8 * i);
    }
    return v;
}

static void dma_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct fw_cfg *f = opaque;
    if (size != 4)
        return;
    if (port == FW_CFG_PORT_DMA) {
        f->dma_addr = (uint64_t)bswap32(val) << 32;
    } else if (port == FW_CFG_PORT_DMA + 4) {
        f->dma_addr |= bswap32(val);
        dma_run(f);
    }
}

static void fw_cfg_reset(void *opaque)
{
    struct fw_cfg *f = opaque;
    f->cur_key = KEY_INVALID;
    f->cur_off = 0;
    f->dma_addr = 0;
}

struct fw_cfg *fw_cfg_new(struct machine *m, char *err, size_t errlen)
{
    struct fw_cfg *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->m = m;
    f->cur_key = KEY_INVALID;
    if (item_set(&f->gen[FW_CFG_SIGNATURE], "QEMU", 4, false) != 0 ||
        fw_cfg_add_i32(f, FW_CFG_ID, ID_TRADITIONAL | ID_DMA) != 0 ||
        dir_rebuild(f) != 0) {
        snprintf(err, errlen, "out of memory");
        fw_cfg_free(f);
        return NULL;
    }
    if (machine_add_pio(m, FW_CFG_PORT_SEL, 2, ctl_pio_read, ctl_pio_write, f,
                        "fw_cfg") != 0) {
        snprintf(err, errlen, "fw_cfg: ports 0x510-0x511 already in use");
        fw_cfg_free(f);
        return NULL;
    }
    if (machine_add_pio(m, FW_CFG_PORT_DMA, 8, dma_pio_read, dma_pio_write, f,
                        "fw_cfg-dma") != 0) {
        machine_remove_pio(m, FW_CFG_PORT_SEL, 2);
        snprintf(err, errlen, "fw_cfg: ports 0x514-0x51b already in use");
        fw_cfg_free(f);
        return NULL;
    }
    machine_add_reset_handler(m, fw_cfg_reset, f);
    return f;
}

void fw_cfg_free(struct fw_cfg *f)
{
    if (!f)
        return;
    for (int i = 0; i < GEN_ITEMS; i++)
        free(f->gen[i].data);
    for (int i = 0; i < ARCH_ITEMS; i++)
        free(f->arch[i].data);
    for (int i = 0; i < f->nr_files; i++)
        free(f->files[i].it.data);
    free(f);
}
