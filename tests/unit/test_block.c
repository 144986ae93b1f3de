/* Unit tests of the disk-image backend (hw/block.c) and of the -drive
 * option parser that places images in the IDE slots (hw/drive.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/block.h"
#include "hw/drive.h"

/* A temporary image of `size` bytes, byte i = i * 7 + i / 4096. */
static void make_image(char *path, size_t len, uint64_t size)
{
    snprintf(path, len, "%s/tandem-blk-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t buf[4096];
    for (uint64_t off = 0; off < size; off += sizeof buf) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off)
                                           : sizeof buf;
        for (size_t i = 0; i < n; i++) {
            uint64_t a = off + i;
            buf[i] = (uint8_t)(a * 7 + a / 4096);
        }
        ck_assert_int_eq(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
    }
    close(fd);
}

static uint8_t pattern(uint64_t a)
{
    return (uint8_t)(a * 7 + a / 4096);
}

static void file_bytes(const char *path, uint64_t off, void *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, n, (off_t)off), (ssize_t)n);
    close(fd);
}

START_TEST(raw_read_write)
{
    char path[256], err[256];
    uint8_t buf[1024], back[1024];
    make_image(path, sizeof path, 64 * 1024);
    struct block *b = block_open(path, NULL, err, sizeof err);
    ck_assert_msg(b != NULL, "%s", err);
    ck_assert_uint_eq(block_length(b), 64 * 1024);
    ck_assert_uint_eq(block_sectors(b), 128);
    ck_assert(!block_read_only(b));
    ck_assert(!block_is_snapshot(b));

    ck_assert_int_eq(block_read(b, 1000, buf, sizeof buf), 0);
    for (size_t i = 0; i < sizeof buf; i++)
        ck_assert_uint_eq(buf[i], pattern(1000 + i));
    memset(buf, 0xa5, sizeof buf);
    ck_assert_int_eq(block_write(b, 4000, buf, sizeof buf), 0);
    file_bytes(path, 4000, back, sizeof back);
    ck_assert(!memcmp(buf, back, sizeof buf));

    /* out of range */
    ck_assert_int_eq(block_read(b, 64 * 1024 - 10, buf, 11), -EINVAL);
    ck_assert_int_eq(block_write(b, UINT64_MAX - 4, buf, 8), -EINVAL);
    ck_assert_int_eq(block_read(b, 64 * 1024, buf, 0), 0);

    ck_assert_int_eq(block_flush(b), 0);
    ck_assert_uint_eq(block_flush_count(b), 1);
    block_close(b);
    unlink(path);
}
END_TEST

START_TEST(partial_last_sector)
{
    char path[256], err[256];
    uint8_t buf[512];
    make_image(path, sizeof path, 1000);
    struct block *b = block_open(path, NULL, err, sizeof err);
    ck_assert_msg(b != NULL, "%s", err);
    /* rounded up as QEMU does: 2 sectors, the tail reads as zeros */
    ck_assert_uint_eq(block_sectors(b), 2);
    ck_assert_int_eq(block_read(b, 512, buf, 512), 0);
    for (int i = 0; i < 488; i++)
        ck_assert_uint_eq(buf[i], pattern(512 + (uint64_t)i));
    for (int i = 488; i < 512; i++)
        ck_assert_uint_eq(buf[i], 0);
    /* writing the last sector extends the file to whole sectors */
    memset(buf, 0x3c, sizeof buf);
    ck_assert_int_eq(block_write(b, 512, buf, 512), 0);
    block_close(b);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 1024);
    unlink(path);
}
END_TEST

START_TEST(read_only)
{
    char path[256], err[256];
    uint8_t buf[512] = { 0 }, back[512];
    make_image(path, sizeof path, 8192);
    struct block_opts o = { .read_only = true };
    struct block *b = block_open(path, &o, err, sizeof err);
    ck_assert_msg(b != NULL, "%s", err);
    ck_assert(block_read_only(b));
    ck_assert(!block_fell_back_ro(b));
    ck_assert_int_eq(block_write(b, 0, buf, 512), -EROFS);
    ck_assert_int_eq(block_flush(b), 0);
    ck_assert_uint_eq(block_flush_count(b), 0);
    file_bytes(path, 0, back, 512);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(back[i], pattern((uint64_t)i));
    /* two readers may share an image */
    struct block *b2 = block_open(path, &o, err, sizeof err);
    ck_assert_msg(b2 != NULL, "%s", err);
    block_close(b2);
    block_close(b);

    /* a file that cannot be written opens read-only (root can write
     * anything, so this part needs an ordinary user) */
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(path, 0444), 0);
        b = block_open(path, NULL, err, sizeof err);
        ck_assert_msg(b != NULL, "%s", err);
        ck_assert(block_read_only(b));
        ck_assert(block_fell_back_ro(b));
        block_close(b);
    }
    unlink(path);
}
END_TEST

START_TEST(write_lock)
{
    char path[256], err[256];
    make_image(path, sizeof path, 4096);
    struct block *b = block_open(path, NULL, err, sizeof err);
    ck_assert_msg(b != NULL, "%s", err);
    struct block *b2 = block_open(path, NULL, err, sizeof err);
    ck_assert(b2 == NULL);
    ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
    block_close(b);
    b2 = block_open(path, NULL, err, sizeof err);
    ck_assert_msg(b2 != NULL, "%s", err);
    block_close(b2);
    unlink(path);
}
END_TEST

START_TEST(snapshot_overlay)
{
    char path[256], err[256];
    static uint8_t buf[20000], back[20000];
    const uint64_t size = 256 * 1024;
    make_image(path, sizeof path, size);
    struct block_opts o = { .snapshot = true };
    struct block *b = block_open(path, &o, err, sizeof err);
    ck_assert_msg(b != NULL, "%s", err);
    ck_assert(block_is_snapshot(b));

    /* writes that straddle clusters, partial and whole */
    memset(buf, 0x11, 100);
    ck_assert_int_eq(block_write(b, 4090, buf, 100), 0);
    memset(buf, 0x22, 8192);
    ck_assert_int_eq(block_write(b, 16384, buf, 8192), 0);
    memset(buf, 0x33, 1);
    ck_assert_int_eq(block_write(b, size - 1, buf, 1), 0);

    /* a read across overlay and file */
    ck_assert_int_eq(block_read(b, 0, back, sizeof back), 0);
    for (uint64_t i = 0; i < sizeof back; i++) {
        uint8_t want = pattern(i);
        if (i >= 4090 && i < 4190)
            want = 0x11;
        else if (i >= 16384 && i < 16384 + 8192)
            want = 0x22;
        ck_assert_msg(back[i] == want, "byte %llu: %02x, want %02x",
                      (unsigned long long)i, back[i], want);
    }
    ck_assert_int_eq(block_read(b, size - 2, back, 2), 0);
    ck_assert_uint_eq(back[0], pattern(size - 2));
    ck_assert_uint_eq(back[1], 0x33);

    /* many clusters: the overlay grows */
    for (uint64_t off = 0; off < size; off += 4096) {
        uint8_t v = (uint8_t)(off >> 12);
        ck_assert_int_eq(block_write(b, off + 100, &v, 1), 0);
    }
    for (uint64_t off = 0; off < size; off += 4096) {
        uint8_t v;
        ck_assert_int_eq(block_read(b, off + 100, &v, 1), 0);
        ck_assert_uint_eq(v, (uint8_t)(off >> 12));
        ck_assert_int_eq(block_read(b, off + 101, &v, 1), 0);
        uint8_t want = pattern(off + 101);
        if (off + 101 >= 16384 && off + 101 < 16384 + 8192)
            want = 0x22;
        ck_assert_uint_eq(v, want);
    }
    ck_assert_int_eq(block_flush(b), 0);
    ck_assert_uint_eq(block_flush_count(b), 0);
    block_close(b);

    /* the file is untouched */
    file_bytes(path, 0, back, sizeof back);
    for (uint64_t i = 0; i < sizeof back; i++)
        ck_assert_uint_eq(back[i], pattern(i));
    unlink(path);
}
END_TEST

START_TEST(probe_formats)
{
    uint8_t h[512];
    memset(h, 0, sizeof h);
    ck_assert_ptr_null(block_probe_format(h, sizeof h));
    memcpy(h, "QFI\xfb\0\0\0\3", 8);
    ck_assert_str_eq(block_probe_format(h, sizeof h), "qcow2");
    memcpy(h, "QFI\xfb\0\0\0\1", 8);
    ck_assert_str_eq(block_probe_format(h, sizeof h), "qcow");
    memcpy(h, "KDMV", 4);
    ck_assert_str_eq(block_probe_format(h, sizeof h), "vmdk");
    memset(h, 0, 8);
    memcpy(h + 0x40, "\x7f\x10\xda\xbe", 4);
    ck_assert_str_eq(block_probe_format(h, sizeof h), "vdi");
    ck_assert_ptr_null(block_probe_format(h, 0x40));
}
END_TEST

START_TEST(open_errors)
{
    char err[256];
    ck_assert_ptr_null(block_open("/nonexistent/x.img", NULL, err,
                                  sizeof err));
    ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
    ck_assert_ptr_null(block_open("/tmp", NULL, err, sizeof err));
    ck_assert_ptr_null(block_open("/dev/null", NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
}
END_TEST

/* ---- -drive ---- */

static int open_args(const struct drive_arg *a, int n, bool snap,
                     struct drive d[DRIVE_MAX], char *err)
{
    return drives_open(a, n, snap, d, err, 512);
}

START_TEST(drive_slots)
{
    char disk[256], cd[256], spec[4][600], err[512];
    struct drive d[DRIVE_MAX];
    make_image(disk, sizeof disk, 64 * 1024);
    make_image(cd, sizeof cd, 64 * 1024);

    /* -hda, -cdrom at index 2, a -drive taking the first free slot */
    snprintf(spec[0], sizeof spec[0], "file=%s,format=raw,snapshot=on", cd);
    struct drive_arg a[3] = {
        { disk, 0, false }, { cd, 2, true }, { spec[0], -1, false },
    };
    ck_assert_msg(open_args(a, 3, false, d, err) == 0, "%s", err);
    ck_assert(d[0].present && d[0].media == DRIVE_DISK && d[0].blk);
    ck_assert(d[1].present && d[1].media == DRIVE_DISK);
    ck_assert(block_is_snapshot(d[1].blk));
    ck_assert(!block_is_snapshot(d[0].blk));
    ck_assert(d[2].present && d[2].media == DRIVE_CDROM);
    ck_assert(block_read_only(d[2].blk));
    ck_assert(!d[3].present);
    drives_close(d);

    /* bus/unit, an empty CD drive, -snapshot for all */
    snprintf(spec[0], sizeof spec[0], "file=%s,bus=1,unit=1", disk);
    snprintf(spec[1], sizeof spec[1], "media=cdrom,bus=1,if=ide");
    struct drive_arg b[2] = { { spec[0], -1, false }, { spec[1], -1, false } };
    ck_assert_msg(open_args(b, 2, true, d, err) == 0, "%s", err);
    ck_assert(d[3].present && block_is_snapshot(d[3].blk));
    ck_assert(d[2].present && d[2].media == DRIVE_CDROM && !d[2].blk);
    drives_close(d);

    /* a clash, and one more than four */
    snprintf(spec[0], sizeof spec[0], "file=%s,index=2", disk);
    struct drive_arg c[2] = { { cd, 2, true }, { spec[0], -1, false } };
    ck_assert_int_eq(open_args(c, 2, false, d, err), -1);
    ck_assert_msg(strstr(err, "already used by -cdrom") != NULL, "%s", err);
    snprintf(spec[0], sizeof spec[0], "file=%s,readonly=on", disk);
    struct drive_arg e[5] = {
        { spec[0], -1, false }, { spec[0], -1, false },
        { spec[0], -1, false }, { spec[0], -1, false },
        { spec[0], -1, false },
    };
    ck_assert_int_eq(open_args(e, 5, false, d, err), -1);
    ck_assert_msg(strstr(err, "no free IDE slot") != NULL, "%s", err);
    unlink(disk);
    unlink(cd);
}
END_TEST

START_TEST(drive_errors)
{
    char disk[256], comma[300], spec[700], err[512];
    struct drive d[DRIVE_MAX];
    make_image(disk, sizeof disk, 4096);
    static const struct {
        const char *fmt, *want;
    } cases[] = {
        { "file=%s,foo=bar", "unknown option 'foo'" },
        { "file=%s,format=qcow2", "only raw is supported" },
        { "file=%s,if=scsi", "only if=ide" },
        { "file=%s,media=floppy", "bad value 'floppy' for media" },
        { "file=%s,index=4", "bad value '4' for index" },
        { "file=%s,index=0,unit=1", "cannot be combined" },
        { "file=%s,readonly=maybe", "bad value 'maybe' for readonly" },
        { "file=%s,cache=fast", "bad value 'fast' for cache" },
        { "file=%s,file=x", "file= given twice" },
        { "file=%s,junk", "'junk' is not key=value" },
        { "media=disk,x=%s", "unknown option 'x'" },
        { "media=disk%.0s", "a disk needs file=" },
        { "file=%s.missing", "No such file" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(spec, sizeof spec, cases[i].fmt, disk);
        struct drive_arg a = { spec, -1, false };
        ck_assert_int_eq(open_args(&a, 1, false, d, err), -1);
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "%s: %s", spec,
                      err);
        ck_assert_msg(!strncmp(err, "-drive ", 7), "%s", err);
    }

    /* a qcow2 image, named by -hda */
    int fd = open(disk, O_WRONLY);
    ck_assert_int_eq(pwrite(fd, "QFI\xfb\0\0\0\3", 8, 0), 8);
    close(fd);
    struct drive_arg q = { disk, 0, false };
    ck_assert_int_eq(open_args(&q, 1, false, d, err), -1);
    ck_assert_msg(strstr(err, "is a qcow2 image") != NULL, "%s", err);
    ck_assert_msg(!strncmp(err, "-hda ", 5), "%s", err);
    /* format=raw says it is raw: no probing */
    snprintf(spec, sizeof spec, "file=%s,format=raw", disk);
    struct drive_arg r = { spec, -1, false };
    ck_assert_msg(open_args(&r, 1, false, d, err) == 0, "%s", err);
    drives_close(d);

    /* a comma in a file name is written twice */
    snprintf(comma, sizeof comma, "%s,x", disk);
    ck_assert_int_eq(rename(disk, comma), 0);
    snprintf(spec, sizeof spec, "file=%s,,x,format=raw", disk);
    struct drive_arg c = { spec, -1, false };
    ck_assert_msg(open_args(&c, 1, false, d, err) == 0, "%s", err);
    ck_assert(d[0].present && d[0].blk);
    drives_close(d);
    unlink(comma);
}
END_TEST

static Suite *block_suite(void)
{
    Suite *s = suite_create("block");
    TCase *t = tcase_create("image");
    tcase_add_test(t, raw_read_write);
    tcase_add_test(t, partial_last_sector);
    tcase_add_test(t, read_only);
    tcase_add_test(t, write_lock);
    tcase_add_test(t, snapshot_overlay);
    tcase_add_test(t, probe_formats);
    tcase_add_test(t, open_errors);
    suite_add_tcase(s, t);
    t = tcase_create("drive");
    tcase_add_test(t, drive_slots);
    tcase_add_test(t, drive_errors);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(block_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
