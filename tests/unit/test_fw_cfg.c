/* Unit tests of the firmware configuration interface (hw/fw_cfg.c), through
 * its ports as SeaBIOS uses them, and of what the board (hw/pc.c) puts in
 * it and in CMOS: RAM size, e820, boot options (-boot parsing). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/fw_cfg.h"
#include "hw/machine.h"
#include "hw/pc.h"
#include "hw/rtc.h"

#define MiB (1024 * 1024ull)

static struct machine *new_machine(uint64_t ram)
{
    char err[256];
    struct machine *m = machine_new(ram, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

static struct fw_cfg *new_fw_cfg(struct machine *m)
{
    char err[256];
    struct fw_cfg *f = fw_cfg_new(m, err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    return f;
}

static void sel(struct machine *m, uint16_t key)
{
    machine_pio_write(m, FW_CFG_PORT_SEL, key, 2);
}

static void read_data(struct machine *m, void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)machine_pio_read(m, FW_CFG_PORT_DATA, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Find a file in the directory read through the ports. */
static int find_file(struct machine *m, const char *name, uint32_t *size)
{
    uint8_t cnt[4], e[64];
    sel(m, FW_CFG_FILE_DIR);
    read_data(m, cnt, 4);
    for (uint32_t i = 0; i < be32(cnt); i++) {
        read_data(m, e, 64);
        if (!strcmp((const char *)e + 8, name)) {
            *size = be32(e);
            return e[4] << 8 | e[5];
        }
    }
    return -1;
}

/* A DMA request as SeaBIOS makes it: the access structure in RAM, its
 * address written big-endian to the low half of the DMA register. */
static uint32_t dma(struct machine *m, uint64_t desc, uint32_t control,
                    uint32_t length, uint64_t addr)
{
    uint8_t a[16];
    for (int i = 0; i < 4; i++) {
        a[i] = (uint8_t)(control >> (24 - 8 * i));
        a[4 + i] = (uint8_t)(length >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        a[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    ck_assert_int_eq(machine_mem_rw(m, desc, a, 16, true), 0);
    machine_pio_write(m, FW_CFG_PORT_DMA + 4, bswap32((uint32_t)desc), 4);
    ck_assert_int_eq(machine_mem_rw(m, desc, a, 4, false), 0);
    return be32(a);
}

START_TEST(signature_and_id)
{
    struct machine *m = new_machine(16 * MiB);
    struct fw_cfg *f = new_fw_cfg(m);
    char sig[5] = { 0 };
    uint8_t id[4];

    sel(m, FW_CFG_SIGNATURE);
    read_data(m, sig, 4);
    ck_assert_str_eq(sig, "QEMU");
    /* past the end: zeros */
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 0);
    /* selecting again restarts at offset 0; a byte read at 0x510 is data */
    sel(m, FW_CFG_SIGNATURE);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_SEL, 1), 'Q');
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 'E');
    sel(m, FW_CFG_ID);
    read_data(m, id, 4);
    ck_assert_uint_eq(id[0], 3);   /* traditional + DMA */
    /* the DMA register reads "QEMU CFG" */
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DMA, 4),
                      'Q' | 'E' << 8 | 'M' << 16 | (uint32_t)'U' << 24);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DMA + 4, 4),
                      ' ' | 'C' << 8 | 'F' << 16 | (uint32_t)'G' << 24);
    /* unknown keys read as zeros; data-port writes are ignored */
    sel(m, 0x1234);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 0);
    sel(m, FW_CFG_SIGNATURE);
    machine_pio_write(m, FW_CFG_PORT_DATA, 'X', 1);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 'Q');
    fw_cfg_free(f);
    machine_free(m);
}
END_TEST

START_TEST(items_and_files)
{
    struct machine *m = new_machine(16 * MiB);
    struct fw_cfg *f = new_fw_cfg(m);
    uint8_t b[8];
    uint32_t size;

    ck_assert_int_eq(fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, 0x123456789ull), 0);
    ck_assert_int_eq(fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1), 0);
    ck_assert_int_eq(fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1), 0);
    ck_assert_int_eq(fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, "x", 1), -1);
    ck_assert_int_eq(fw_cfg_add_bytes(f, 0x25, "x", 1), -1);
    sel(m, FW_CFG_RAM_SIZE);
    read_data(m, b, 8);
    ck_assert_uint_eq(b[0], 0x89);
    ck_assert_uint_eq(b[4], 0x01);
    sel(m, FW_CFG_IRQ0_OVERRIDE);   /* an arch-local key */
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 1);
    /* the legacy write bit of the selector does not change the item */
    sel(m, FW_CFG_NB_CPUS | 0x4000);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 1);

    int kz = fw_cfg_add_file(f, "zeta", "zz", 2, false);
    int ka = fw_cfg_add_file(f, "alpha", "hello", 5, false);
    ck_assert_int_ge(kz, FW_CFG_FILE_FIRST);
    ck_assert_int_ne(ka, kz);
    ck_assert_int_eq(fw_cfg_add_file(f, "", "x", 1, false), -1);
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    ck_assert_int_eq(fw_cfg_add_file(f, longname, "x", 1, false), -1);
    /* the directory is sorted by name */
    uint8_t cnt[4], e[64];
    sel(m, FW_CFG_FILE_DIR);
    read_data(m, cnt, 4);
    ck_assert_uint_eq(be32(cnt), 2);
    read_data(m, e, 64);
    ck_assert_str_eq((char *)e + 8, "alpha");
    ck_assert_uint_eq(be32(e), 5);
    ck_assert_int_eq(e[4] << 8 | e[5], ka);
    read_data(m, e, 64);
    ck_assert_str_eq((char *)e + 8, "zeta");
    /* replacing keeps the key and updates the size */
    ck_assert_int_eq(fw_cfg_add_file(f, "alpha", "hi!", 3, false), ka);
    ck_assert_int_eq(find_file(m, "alpha", &size), ka);
    ck_assert_uint_eq(size, 3);
    sel(m, (uint16_t)ka);
    char s[4] = { 0 };
    read_data(m, s, 3);
    ck_assert_str_eq(s, "hi!");

    /* e820 entries accumulate in etc/e820, 20 bytes each */
    ck_assert_int_eq(fw_cfg_add_e820(f, 0, 16 * MiB, E820_RAM), 0);
    ck_assert_int_eq(fw_cfg_add_e820(f, 0xfeffc000, 0x4000, E820_RESERVED),
                     0);
    int k = find_file(m, "etc/e820", &size);
    ck_assert_int_ge(k, FW_CFG_FILE_FIRST);
    ck_assert_uint_eq(size, 40);
    uint8_t t[40];
    sel(m, (uint16_t)k);
    read_data(m, t, 40);
    ck_assert_uint_eq(t[10], 0x00);
    ck_assert_uint_eq(t[11], 0x01);   /* 16 MiB, little-endian */
    ck_assert_uint_eq(t[16], E820_RAM);
    ck_assert_uint_eq(t[20 + 1], 0xc0);
    ck_assert_uint_eq(t[20 + 16], E820_RESERVED);
    fw_cfg_free(f);
    machine_free(m);
}
END_TEST

START_TEST(dma_transfers)
{
    struct machine *m = new_machine(16 * MiB);
    struct fw_cfg *f = new_fw_cfg(m);
    const uint64_t desc = 0x7000, buf = 0x8000;
    uint8_t out[16];

    int key = fw_cfg_add_file(f, "etc/test", "0123456789", 10, false);
    int wkey = fw_cfg_add_file(f, "etc/rw", "abcd", 4, true);

    /* select + read, then a read that runs past the end gets zeros */
    memset(out, 0xee, sizeof out);
    machine_mem_rw(m, buf, out, sizeof out, true);
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_READ, 4, buf), 0);
    ck_assert_uint_eq(dma(m, desc, FW_CFG_DMA_READ, 8, buf + 4), 0);
    machine_mem_rw(m, buf, out, sizeof out, false);
    ck_assert_int_eq(memcmp(out, "0123456789\0\0", 12), 0);
    ck_assert_uint_eq(out[12], 0xee);
    /* skip, then the traditional port continues from there */
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_SKIP, 7, 0), 0);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), '7');
    /* a 64-bit address: high half first, then the low half starts */
    machine_pio_write(m, FW_CFG_PORT_DMA, 0, 4);
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_READ, 2, buf), 0);
    ck_assert_uint_eq(machine_mem_read(m, buf, 2), '0' | '1' << 8);

    /* writes: refused for read-only items, taken by writable ones */
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_WRITE, 2, buf), FW_CFG_DMA_ERROR);
    machine_mem_rw(m, buf, "XY", 2, true);
    ck_assert_uint_eq(dma(m, desc, (uint32_t)wkey << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_WRITE, 2, buf), 0);
    size_t len;
    const uint8_t *d = fw_cfg_file_data(f, "etc/rw", &len);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(memcmp(d, "XYcd", 4), 0);
    /* a write past the end (resizing) fails whole */
    ck_assert_uint_eq(dma(m, desc, (uint32_t)wkey << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_SKIP, 3, 0), 0);
    ck_assert_uint_eq(dma(m, desc, FW_CFG_DMA_WRITE, 2, buf),
                      FW_CFG_DMA_ERROR);
    ck_assert_int_eq(memcmp(fw_cfg_file_data(f, "etc/rw", &len), "XYcd", 4),
                     0);

    /* a target outside RAM: error, nothing written anywhere */
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_READ, 10, 0x40000000), FW_CFG_DMA_ERROR);
    ck_assert_uint_eq(dma(m, desc, (uint32_t)key << 16 | FW_CFG_DMA_SELECT |
                          FW_CFG_DMA_READ, 8, 16 * MiB - 4),
                      FW_CFG_DMA_ERROR);
    /* nothing asked: done at once */
    ck_assert_uint_eq(dma(m, desc, 0, 100, buf), 0);
    /* the address register is cleared after each operation: a descriptor
     * address outside RAM is harmless */
    machine_pio_write(m, FW_CFG_PORT_DMA + 4, bswap32(0x80000000u), 4);
    fw_cfg_free(f);
    machine_free(m);
}
END_TEST

/* ---- the board's contents ---- */

START_TEST(board_contents)
{
    char err[256];
    struct pc_config cfg = { .ram_size = 4096 * MiB, .bios = "none" };
    ck_assert_int_eq(pc_parse_boot(&cfg, "order=dc,menu=on,splash-time=500,"
                                   "reboot-timeout=1000,strict=on", err,
                                   sizeof err), 0);
    struct pc *pc = pc_build(&cfg, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    struct machine *m = pc->m;
    uint8_t b[8];
    uint32_t size;

    sel(m, FW_CFG_RAM_SIZE);
    read_data(m, b, 8);
    ck_assert_uint_eq(b[4], 1);   /* 4 GiB */
    sel(m, FW_CFG_BOOT_DEVICE);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 'd');
    sel(m, FW_CFG_BOOT_MENU);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 1);
    sel(m, FW_CFG_NB_CPUS);
    ck_assert_uint_eq(machine_pio_read(m, FW_CFG_PORT_DATA, 1), 1);

    /* e820: RAM below the PCI hole, the rest above 4 GiB, KVM's pages */
    int k = find_file(m, "etc/e820", &size);
    ck_assert_int_ge(k, 0);
    ck_assert_uint_eq(size, 60);
    uint8_t t[60];
    sel(m, (uint16_t)k);
    read_data(m, t, 60);
    ck_assert_uint_eq(t[8 + 3], 0xe0);          /* len 0xe0000000 */
    ck_assert_uint_eq(t[20 + 4], 0x01);         /* addr 4 GiB */
    ck_assert_uint_eq(t[20 + 8 + 3], 0x20);     /* len 0x20000000 */
    ck_assert_uint_eq(t[40 + 16], E820_RESERVED);

    k = find_file(m, "etc/boot-fail-wait", &size);
    ck_assert_int_ge(k, 0);
    sel(m, (uint16_t)k);
    read_data(m, b, 4);
    ck_assert_uint_eq(b[0] | b[1] << 8, 1000);
    k = find_file(m, "etc/boot-menu-wait", &size);
    ck_assert_int_ge(k, 0);
    k = find_file(m, "bootorder", &size);
    ck_assert_int_ge(k, 0);
    ck_assert_uint_eq(size, 5);   /* "HALT" */

    /* CMOS: memory sizes and the boot order nibbles */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x15), 0x80);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x16), 0x02);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x17), 0xff);   /* capped */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x18), 0xff);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x34), 0x00);   /* (3.5G-16M) */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x35), 0xdf);   /* / 64K */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x5b), 0x00);   /* 512M / 64K */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x5c), 0x20);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x5d), 0x00);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x3d), 0x23);   /* d, c */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x38), 0x00);
    pc_free(pc);

    /* defaults: order cad, wait forever after a failed boot */
    struct pc_config c2 = { .ram_size = 128 * MiB, .bios = "none" };
    pc = pc_build(&c2, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x3d), 0x12);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x38), 0x30);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x17), 0xff);   /* capped */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x31), 0xff);
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x34), 0x00);   /* 112 MiB */
    ck_assert_uint_eq(rtc_cmos_get(pc->rtc, 0x35), 0x07);
    k = find_file(pc->m, "etc/boot-fail-wait", &size);
    sel(pc->m, (uint16_t)k);
    read_data(pc->m, b, 4);
    ck_assert_uint_eq(b[0] & b[1] & b[2] & b[3], 0xff);
    ck_assert_int_lt(find_file(pc->m, "bootorder", &size), 0);
    /* the chipset is there */
    machine_pio_write(pc->m, 0xcf8, 0x80000000u, 4);
    ck_assert_uint_eq(machine_pio_read(pc->m, 0xcfc, 4), 0x12378086);
    pc_free(pc);
}
END_TEST

START_TEST(boot_option)
{
    char err[256];
    struct pc_config cfg = { 0 };

    ck_assert_int_eq(pc_parse_boot(&cfg, "cd", err, sizeof err), 0);
    ck_assert_str_eq(cfg.boot.order, "cd");
    ck_assert_int_eq(pc_parse_boot(&cfg, "order=n,menu=off", err,
                                   sizeof err), 0);
    ck_assert_str_eq(cfg.boot.order, "n");
    ck_assert_int_eq(cfg.boot.menu, 1);
    ck_assert_int_eq(pc_parse_boot(&cfg, "reboot-timeout=-1", err,
                                   sizeof err), 0);
    ck_assert_int_eq(cfg.boot.reboot_timeout_ms, -1);
    static const char *const bad[] = {
        "cc", "z", "order=", "menu=maybe", "reboot-timeout=70000",
        "splash-time=x", "bogus=1", "order=c,x", "splash=pic.jpg", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        ck_assert_msg(pc_parse_boot(&cfg, bad[i], err, sizeof err) == -1,
                      "%s", bad[i]);
        ck_assert_msg(strncmp(err, "-boot", 5) == 0, "%s: %s", bad[i], err);
    }
}
END_TEST

START_TEST(firmware_search)
{
    char path[512];
    struct pc_config cfg = { .fw_dirs = { "/nonexistent", "/tmp" },
                             .nr_fw_dirs = 2 };
    char name[64];
    snprintf(name, sizeof name, "tandem-fw-%d.bin", (int)getpid());
    char full[128];
    snprintf(full, sizeof full, "/tmp/%s", name);
    FILE *fp = fopen(full, "w");
    ck_assert_ptr_nonnull(fp);
    fclose(fp);
    ck_assert_int_eq(pc_find_firmware(&cfg, name, path, sizeof path), 0);
    ck_assert_str_eq(path, full);
    unlink(full);
    ck_assert_int_eq(pc_find_firmware(&cfg, name, path, sizeof path), -1);
    ck_assert_str_eq(path, name);
    ck_assert_int_eq(pc_find_firmware(&cfg, "/nonexistent/x", path,
                                      sizeof path), -1);
}
END_TEST

static Suite *fw_cfg_suite(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *t = tcase_create("fw_cfg");
    tcase_add_test(t, signature_and_id);
    tcase_add_test(t, items_and_files);
    tcase_add_test(t, dma_transfers);
    suite_add_tcase(s, t);
    t = tcase_create("board");
    tcase_add_test(t, board_contents);
    tcase_add_test(t, boot_option);
    tcase_add_test(t, firmware_search);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fw_cfg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
