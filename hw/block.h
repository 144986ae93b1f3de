/* Disk images: the one place that opens image files.
 *
 * An image is a raw file (or a host block device) read and written with
 * pread/pwrite at byte offsets.  Its size in 512-byte sectors is rounded
 * up as QEMU does: a partial last sector reads as zeros after the end of
 * the file, and writing it extends the file.
 *
 * Options:
 *   read_only  the guest may not write (writes fail with -EROFS); a file
 *              that cannot be opened for writing is opened read-only too,
 *              and block_fell_back_ro() says so;
 *   snapshot   the file is opened read-only and never written: guest
 *              writes go to a sparse in-memory overlay of 4 KiB clusters
 *              that is thrown away at close (QEMU's -snapshot).
 * block_flush() is fsync(): once it returns, every write before it is on
 * the host's disk.  The file is locked (shared for reading, exclusive for
 * writing) so that two emulators cannot write one image at once. */
#ifndef HW_BLOCK_H
#define HW_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_SECTOR 512

struct block;

struct block_opts {
    bool read_only;
    bool snapshot;
};

/* Open `path` as a raw image.  NULL with a reason in err (no file name,
 * no "tandem: " prefix) on failure. */
struct block *block_open(const char *path, const struct block_opts *o,
                         char *err, size_t errlen);
void block_close(struct block *b);

/* Bytes of the file when opened, and that rounded up to sectors. */
uint64_t block_length(const struct block *b);
uint64_t block_sectors(const struct block *b);
bool block_read_only(const struct block *b);
bool block_is_snapshot(const struct block *b);
/* The file could only be opened read-only although writing was asked. */
bool block_fell_back_ro(const struct block *b);

/* Transfer len bytes at byte offset off; the range must lie within
 * block_sectors() * 512.  0, or -errno (-EINVAL out of range, -EROFS
 * writing a read-only image, an I/O error from the host). */
int block_read(struct block *b, uint64_t off, void *buf, size_t len);
int block_write(struct block *b, uint64_t off, const void *buf, size_t len);
/* fsync the file (nothing to do for snapshot or read-only images). */
int block_flush(struct block *b);
/* How many flushes reached the file (for tests). */
uint64_t block_flush_count(const struct block *b);

/* The name of the image format whose header `head` (the file's first
 * bytes) carries, for formats tandem cannot read (qcow2, vmdk, ...);
 * NULL if it is none of them. */
const char *block_probe_format(const uint8_t *head, size_t len);

#endif
