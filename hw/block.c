/* Raw disk images with an optional in-memory snapshot overlay.  See
 * block.h. */
#define _GNU_SOURCE   /* F_OFD_SETLK */
#include "hw/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLUSTER 4096u

struct block {
    int fd;
    uint64_t length;          /* bytes in the file when opened */
    uint64_t sectors;
    bool read_only, snapshot, fell_back_ro;
    uint64_t flushes;
    /* snapshot overlay: open-addressed hash of cluster index + 1 */
    uint64_t *keys;
    uint8_t **data;
    size_t cap, used;
};

/* ---- the file ---- */

/* Read from the file; what lies beyond its end reads as zeros. */
static int file_read(struct block *b, uint64_t off, uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = pread(b->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0) {
            memset(buf, 0, len);
            return 0;
        }
        buf += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int file_write(struct block *b, uint64_t off, const uint8_t *buf,
                      size_t len)
{
    while (len) {
        ssize_t n = pwrite(b->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        buf += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the overlay ---- */

static size_t ov_slot(const struct block *b, uint64_t key)
{
    /* Fibonacci hashing spreads neighbouring clusters */
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 20) & (b->cap - 1);
}

static uint8_t *ov_find(const struct block *b, uint64_t cluster)
{
    if (!b->cap)
        return NULL;
    uint64_t key = cluster + 1;
    for (size_t i = ov_slot(b, key);; i = (i + 1) & (b->cap - 1)) {
        if (b->keys[i] == key)
            return b->data[i];
        if (b->keys[i] == 0)
            return NULL;
    }
}

static void ov_put(uint64_t *keys, uint8_t **data, size_t cap, uint64_t key,
                   uint8_t *p)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    size_t i = (size_t)(h >> 20) & (cap - 1);
    while (keys[i])
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    data[i] = p;
}

static int ov_insert(struct block *b, uint64_t cluster, uint8_t *p)
{
    if ((b->used + 1) * 2 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        uint64_t *nk = calloc(ncap, sizeof *nk);
        uint8_t **nd = calloc(ncap, sizeof *nd);
        if (!nk || !nd) {
            free(nk);
            free(nd);
            return -ENOMEM;
        }
        for (size_t i = 0; i < b->cap; i++)
            if (b->keys[i])
                ov_put(nk, nd, ncap, b->keys[i], b->data[i]);
        free(b->keys);
        free(b->data);
        b->keys = nk;
        b->data = nd;
        b->cap = ncap;
    }
    ov_put(b->keys, b->data, b->cap, cluster + 1, p);
    b->used++;
    return 0;
}

/* ---- open/close ---- */

const char *block_probe_format(const uint8_t *h, size_t len)
{
    if (len >= 8 && !memcmp(h, "QFI\xfb", 4)) {
        uint32_t ver = (uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
        return ver == 1 ? "qcow" : "qcow2";
    }
    if (len >= 4 && !memcmp(h, "KDMV", 4))
        return "vmdk";
    if (len >= 4 && !memcmp(h, "QED\0", 4))
        return "qed";
    if (len >= 8 && !memcmp(h, "vhdxfile", 8))
        return "vhdx";
    if (len >= 8 && !memcmp(h, "conectix", 8))
        return "vpc (vhd)";
    if (len >= 0x44 && h[0x40] == 0x7f && h[0x41] == 0x10 &&
        h[0x42] == 0xda && h[0x43] == 0xbe)
        return "vdi";
    return NULL;
}

/* Shared lock for readers, exclusive for writers; filesystems without
 * locks are let through. */
static int lock_file(int fd, bool write, char *err, size_t errlen)
{
#ifdef F_OFD_SETLK
    struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK,
                        .l_whence = SEEK_SET };
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES) {
        snprintf(err, errlen, "the image is in use (locked by another "
                 "drive or process)");
        return -1;
    }
#else
    (void)fd;
    (void)write;
    (void)err;
    (void)errlen;
#endif
    return 0;
}

struct block *block_open(const char *path, const struct block_opts *o,
                         char *err, size_t errlen)
{
    struct block_opts none = { false, false };
    if (!o)
        o = &none;
    struct block *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->read_only = o->read_only;
    b->snapshot = o->snapshot;
    bool want_write = !o->read_only && !o->snapshot;

    b->fd = open(path, (want_write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (b->fd < 0 && want_write &&
        (errno == EACCES || errno == EROFS || errno == EPERM)) {
        b->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (b->fd >= 0) {
            b->read_only = true;
            b->fell_back_ro = true;
        }
    }
    if (b->fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        free(b);
        return NULL;
    }
    struct stat st;
    if (fstat(b->fd, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory, not a disk image");
        goto fail;
    }
    if (S_ISREG(st.st_mode)) {
        b->length = (uint64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(b->fd, 0, SEEK_END);
        if (end < 0) {
            snprintf(err, errlen, "cannot find its size: %s",
                     strerror(errno));
            goto fail;
        }
        b->length = (uint64_t)end;
    } else {
        snprintf(err, errlen, "not a regular file or block device");
        goto fail;
    }
    if (b->length > (UINT64_MAX >> 1)) {
        snprintf(err, errlen, "image too large");
        goto fail;
    }
    b->sectors = (b->length + BLOCK_SECTOR - 1) / BLOCK_SECTOR;
    if (lock_file(b->fd, !b->read_only && !b->snapshot, err, errlen))
        goto fail;
    return b;

fail:
    close(b->fd);
    free(b);
    return NULL;
}

void block_close(struct block *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->cap; i++)
        free(b->data[i]);
    free(b->keys);
    free(b->data);
    close(b->fd);
    free(b);
}

uint64_t block_length(const struct block *b)
{
    return b->length;
}

uint64_t block_sectors(const struct block *b)
{
    return b->sectors;
}

bool block_read_only(const struct block *b)
{
    return b->read_only;
}

bool block_is_snapshot(const struct block *b)
{
    return b->snapshot;
}

bool block_fell_back_ro(const struct block *b)
{
    return b->fell_back_ro;
}

uint64_t block_flush_count(const struct block *b)
{
    return b->flushes;
}

/* ---- I/O ---- */

static bool in_range(const struct block *b, uint64_t off, size_t len)
{
    uint64_t end = b->sectors * BLOCK_SECTOR;
    return off <= end && len <= end - off;
}

int block_read(struct block *b, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;

    if (!in_range(b, off, len))
        return -EINVAL;
    if (!b->used)
        return file_read(b, off, p, len);
    while (len) {
        uint64_t c = off / CLUSTER;
        size_t in = (size_t)(off % CLUSTER);
        size_t n = CLUSTER - in < len ? CLUSTER - in : len;
        const uint8_t *ov = ov_find(b, c);
        if (ov) {
            memcpy(p, ov + in, n);
        } else {
            /* one read for the whole run of clusters not in the overlay */
            for (uint64_t next = c + 1; n < len && !ov_find(b, next); next++)
                n = len - n > CLUSTER ? n + CLUSTER : len;
            int rc = file_read(b, off, p, n);
            if (rc)
                return rc;
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int block_write(struct block *b, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    if (!in_range(b, off, len))
        return -EINVAL;
    if (b->read_only)
        return -EROFS;
    if (!b->snapshot)
        return file_write(b, off, p, len);
    while (len) {
        uint64_t c = off / CLUSTER;
        size_t in = (size_t)(off % CLUSTER);
        size_t n = CLUSTER - in < len ? CLUSTER - in : len;
        uint8_t *ov = ov_find(b, c);
        if (!ov) {
            ov = malloc(CLUSTER);
            if (!ov)
                return -ENOMEM;
            int rc = n == CLUSTER ? 0 : file_read(b, c * CLUSTER, ov,
                                                  CLUSTER);
            if (rc == 0)
                rc = ov_insert(b, c, ov);
            if (rc) {
                free(ov);
                return rc;
            }
        }
        memcpy(ov + in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int block_flush(struct block *b)
{
    if (b->snapshot || b->read_only)
        return 0;
    if (fsync(b->fd) != 0)
        return -errno;
    b->flushes++;
    return 0;
}
