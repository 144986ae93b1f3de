/* Unit tests of multiboot (v1) kernel loading (hw/multiboot.c): the header
 * search, ELF32 and a.out-kludge images, modules, the information block
 * and entry state of a direct boot, the fw_cfg items for the boot ROM, and
 * the errors for bad, missing or truncated headers and images. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/state.h"
#include "hw/fw_cfg.h"
#include "hw/linux_boot.h"
#include "hw/machine.h"
#include "hw/multiboot.h"

#define MiB (1024 * 1024ull)
#define MAGIC MULTIBOOT_HEADER_MAGIC

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void header(uint8_t *p, uint32_t flags)
{
    put32(p, MAGIC);
    put32(p + 4, flags);
    put32(p + 8, -(MAGIC + flags));
}

static struct machine *new_machine(uint64_t ram)
{
    char err[256];
    struct machine *m = machine_new(ram, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

/* ---- the header search ---- */

START_TEST(no_header)
{
    uint8_t img[9000] = { 0 };
    struct multiboot_header h;
    char err[256] = "";
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 0);
    ck_assert_int_eq(multiboot_find_header(img, 0, &h, err, sizeof err), 0);
}
END_TEST

START_TEST(header_found)
{
    static uint8_t img[9000];
    struct multiboot_header h;
    char err[256];
    memset(img, 0, sizeof img);
    header(img + 64, 0x3);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 1);
    ck_assert_uint_eq(h.offset, 64);
    ck_assert_uint_eq(h.flags, 0x3);

    /* the last place it may start: all 12 bytes in the first 8 KiB */
    memset(img, 0, sizeof img);
    header(img + 8180, 0);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 1);
    ck_assert_uint_eq(h.offset, 8180);
    /* past the first 8 KiB it does not count */
    memset(img, 0, sizeof img);
    header(img + 8192, 0);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 0);
    /* only at 32-bit aligned offsets */
    memset(img, 0, sizeof img);
    header(img + 66, 0);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 0);
}
END_TEST

START_TEST(header_bad_checksum)
{
    uint8_t img[512] = { 0 };
    struct multiboot_header h;
    char err[256] = "";
    header(img + 16, 0);
    put32(img + 24, 0x12345678);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), -1);
    ck_assert_msg(strstr(err, "bad checksum") && strstr(err, "0x10"), "%s",
                  err);
    /* a stray magic before a good header is skipped */
    header(img + 100, 0x2);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 1);
    ck_assert_uint_eq(h.offset, 100);
}
END_TEST

START_TEST(header_truncated)
{
    uint8_t img[64] = { 0 };
    struct multiboot_header h;
    char err[256] = "";
    /* magic and flags, the file ends before the checksum */
    header(img + 8, 0);
    ck_assert_int_eq(multiboot_find_header(img, 16, &h, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "truncated"), "%s", err);
    /* flag 16 needs the address fields */
    header(img + 8, MULTIBOOT_AOUT_KLUDGE);
    ck_assert_int_eq(multiboot_find_header(img, 28, &h, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "truncated") && strstr(err, "address"), "%s",
                  err);
    ck_assert_int_eq(multiboot_find_header(img, 40, &h, err, sizeof err), 1);
}
END_TEST

START_TEST(header_unknown_requirement)
{
    uint8_t img[64] = { 0 };
    struct multiboot_header h;
    char err[256] = "";
    header(img, 0x8 | 0x3);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), -1);
    ck_assert_msg(strstr(err, "0x8"), "%s", err);
    /* video mode (bit 2) and optional bits above 16 are accepted */
    header(img, 0x4 | 0x00200000);
    ck_assert_int_eq(multiboot_find_header(img, sizeof img, &h, err,
                                           sizeof err), 1);
}
END_TEST

/* ---- images ---- */

#define CODE_OFF 0x100          /* file offset of the loaded part */
#define LOAD 0x100000u

/* An ELF32 i386 executable: one PT_LOAD of `filesz` bytes from CODE_OFF
 * (with the multiboot header at its start), memsz bytes at paddr, linked
 * at vaddr; entry e_entry.  Returns the file size. */
static size_t make_elf(uint8_t *f, size_t cap, uint32_t paddr, uint32_t vaddr,
                       uint32_t filesz, uint32_t memsz, uint32_t entry)
{
    size_t size = CODE_OFF + filesz;
    ck_assert(size <= cap);
    memset(f, 0, size);
    memcpy(f, "\177ELF", 4);
    f[4] = 1;                   /* 32-bit */
    f[5] = 1;                   /* little-endian */
    f[6] = 1;
    put16(f + 16, 2);           /* ET_EXEC */
    put16(f + 18, 3);           /* EM_386 */
    put32(f + 20, 1);
    put32(f + 24, entry);
    put32(f + 28, 52);          /* e_phoff */
    put16(f + 40, 52);
    put16(f + 42, 32);
    put16(f + 44, 1);
    uint8_t *ph = f + 52;
    put32(ph, 1);               /* PT_LOAD */
    put32(ph + 4, CODE_OFF);
    put32(ph + 8, vaddr);
    put32(ph + 12, paddr);
    put32(ph + 16, filesz);
    put32(ph + 20, memsz);
    put32(ph + 24, 7);
    header(f + CODE_OFF, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
    for (uint32_t i = 12; i < filesz; i++)
        f[CODE_OFF + i] = (uint8_t)(i * 3);
    return size;
}

static struct multiboot *open_img(struct machine *m, const uint8_t *img,
                                  size_t size, const char *mods,
                                  const char *cmdline, char *err,
                                  size_t errlen)
{
    return multiboot_open(m, "kern", img, size, mods, cmdline, err, errlen);
}

static void expect_error(const uint8_t *img, size_t size, const char *what)
{
    struct machine *m = new_machine(16 * MiB);
    char err[512] = "";
    struct multiboot *mb = open_img(m, img, size, NULL, NULL, err,
                                    sizeof err);
    ck_assert_msg(mb == NULL, "loaded although %s expected", what);
    ck_assert_msg(strstr(err, what) != NULL, "'%s' lacks '%s'", err, what);
    ck_assert_msg(strncmp(err, "-kernel kern: ", 14) == 0, "%s", err);
    machine_free(m);
}

static char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/test_multiboot.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

START_TEST(elf_direct_boot)
{
    static uint8_t img[8192];
    size_t size = make_elf(img, sizeof img, LOAD, LOAD, 0x400, 0x2000,
                           LOAD + 0x20);
    /* garbage where the bss goes: the loader must clear it */
    struct machine *m = new_machine(16 * MiB);
    uint8_t junk[0x2000];
    memset(junk, 0xcc, sizeof junk);
    machine_mem_rw(m, LOAD, junk, sizeof junk, true);

    char *m1 = write_temp("module one", 10);
    char *m2 = write_temp("2", 1);
    char mods[512], err[512];
    snprintf(mods, sizeof mods, "%s a b,%s", m1, m2);
    struct multiboot *mb = open_img(m, img, size, mods, "x=1 y", err,
                                    sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    struct x86_state st;
    ck_assert_int_eq(multiboot_direct(mb, &st, 0x633, err, sizeof err), 0);

    /* section 3.2 */
    ck_assert_uint_eq(st.gpr[R_EAX], MULTIBOOT_BOOTLOADER_MAGIC);
    ck_assert_uint_eq(st.gpr[R_EBX], MULTIBOOT_INFO_ADDR);
    ck_assert_uint_eq(st.rip, LOAD + 0x20);
    ck_assert_uint_eq(st.cr0 & (CR0_PE | 0x80000000u), CR0_PE);
    ck_assert_uint_eq(st.rflags & 0x20200, 0);
    for (int s = 0; s < 6; s++) {
        ck_assert_uint_eq(st.seg[s].base, 0);
        ck_assert_uint_eq(st.seg[s].limit, 0xffffffffu);
        ck_assert_uint_eq(st.seg[s].db, 1);
    }
    ck_assert_uint_eq(st.seg[S_CS].sel, 0x08);
    ck_assert_uint_eq(st.seg[S_DS].sel, 0x10);

    /* the image: file part, then zeros */
    uint8_t got[0x2000];
    machine_mem_rw(m, LOAD, got, sizeof got, false);
    ck_assert_int_eq(memcmp(got, img + CODE_OFF, 0x400), 0);
    for (size_t i = 0x400; i < sizeof got; i++)
        ck_assert_uint_eq(got[i], 0);

    /* the information block */
    uint8_t mbi[88];
    char s[256];
    machine_mem_rw(m, MULTIBOOT_INFO_ADDR, mbi, sizeof mbi, false);
    ck_assert_uint_eq(get32(mbi), 0x24d);
    ck_assert_uint_eq(get32(mbi + 4), 639);
    ck_assert_uint_eq(get32(mbi + 8), 15 * 1024);
    machine_mem_rw(m, get32(mbi + 16), s, sizeof s, false);
    ck_assert_str_eq(s, "kern x=1 y");
    machine_mem_rw(m, get32(mbi + 64), s, sizeof s, false);
    ck_assert_str_eq(s, "tandem");
    ck_assert_uint_eq(get32(mbi + 20), 2);
    uint8_t mod[32];
    machine_mem_rw(m, get32(mbi + 24), mod, sizeof mod, false);
    /* page-aligned after the bss, in order */
    ck_assert_uint_eq(get32(mod), LOAD + 0x2000);
    ck_assert_uint_eq(get32(mod + 4), LOAD + 0x2000 + 10);
    ck_assert_uint_eq(get32(mod + 16), LOAD + 0x3000);
    ck_assert_uint_eq(get32(mod + 20), LOAD + 0x3001);
    machine_mem_rw(m, get32(mod + 8), s, sizeof s, false);
    char want[300];
    snprintf(want, sizeof want, "%s a b", m1);
    ck_assert_str_eq(s, want);
    machine_mem_rw(m, get32(mod), s, 10, false);
    ck_assert_int_eq(memcmp(s, "module one", 10), 0);

    /* the memory map: that of a Linux direct boot */
    struct boot_mem_range r[BOOT_MEM_RANGES_MAX];
    int n = linux_boot_memory_map(m, r);
    ck_assert_uint_eq(get32(mbi + 44), (uint32_t)n * 24);
    uint8_t map[24 * BOOT_MEM_RANGES_MAX];
    machine_mem_rw(m, get32(mbi + 48), map, (size_t)n * 24, false);
    for (int i = 0; i < n; i++) {
        ck_assert_uint_eq(get32(map + 24 * i), 20);
        ck_assert_uint_eq(get32(map + 24 * i + 4), (uint32_t)r[i].addr);
        ck_assert_uint_eq(get32(map + 24 * i + 12), (uint32_t)r[i].size);
        ck_assert_uint_eq(get32(map + 24 * i + 20), r[i].type);
    }

    multiboot_free(mb);
    unlink(m1);
    unlink(m2);
    free(m1);
    free(m2);
    machine_free(m);
}
END_TEST

START_TEST(elf_entry_translated)
{
    /* linked at 3 GiB, loaded at 1 MiB: the CPU starts at the physical
     * address of e_entry */
    static uint8_t img[4096];
    size_t size = make_elf(img, sizeof img, LOAD, 0xc0100000u, 0x100, 0x100,
                           0xc0100010u);
    struct machine *m = new_machine(16 * MiB);
    char err[512];
    struct multiboot *mb = open_img(m, img, size, NULL, NULL, err,
                                    sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    struct x86_state st;
    ck_assert_int_eq(multiboot_direct(mb, &st, 0x633, err, sizeof err), 0);
    ck_assert_uint_eq(st.rip, LOAD + 0x10);
    multiboot_free(mb);
    machine_free(m);
}
END_TEST

START_TEST(elf_errors)
{
    static uint8_t img[4096];
    size_t size;

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    img[4] = 2;
    expect_error(img, size, "64-bit");

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    put16(img + 18, 62);        /* EM_X86_64 */
    expect_error(img, size, "i386");

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    put32(img + 28, 4000);      /* program headers past the end */
    expect_error(img, size, "truncated ELF");

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    put32(img + 52 + 16, 0x1000);   /* file size past the end */
    put32(img + 52 + 20, 0x1000);
    expect_error(img, size, "bad or truncated");

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x80, LOAD);
    expect_error(img, size, "bad or truncated");    /* filesz > memsz */

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    put32(img + 52, 4);         /* PT_NOTE: nothing to load */
    expect_error(img, size, "nothing to load");

    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD + 0x100);
    expect_error(img, size, "entry point");

    /* not ELF and no addresses in the header */
    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    img[0] = 'X';
    expect_error(img, size, "not ELF");
}
END_TEST

START_TEST(placement_errors)
{
    static uint8_t img[4096];
    size_t size;

    /* more than 16 MiB of RAM */
    size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 20 * MiB, LOAD);
    expect_error(img, size, "need RAM");
    /* over the information block, and over the VGA/BIOS hole */
    size = make_elf(img, sizeof img, 0x9000, 0x9000, 0x100, 0x100, 0x9000);
    expect_error(img, size, "multiboot information");
    size = make_elf(img, sizeof img, 0xa0000, 0xa0000, 0x100, 0x100,
                    0xa0000);
    expect_error(img, size, "VGA/BIOS");
    /* wrapping past 4 GiB */
    size = make_elf(img, sizeof img, 0xfffff000u, 0xfffff000u, 0x100, 0x2000,
                    0xfffff000u);
    expect_error(img, size, "bad or truncated");
}
END_TEST

/* an a.out-kludge image: header at file offset 0x40, loaded from 0 */
static size_t make_aout(uint8_t *f, uint32_t load, uint32_t load_end,
                        uint32_t bss_end, uint32_t entry)
{
    memset(f, 0x90, 0x1000);
    header(f + 0x40, MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO);
    put32(f + 0x40 + 12, load + 0x40);      /* header_addr */
    put32(f + 0x40 + 16, load);
    put32(f + 0x40 + 20, load_end);
    put32(f + 0x40 + 24, bss_end);
    put32(f + 0x40 + 28, entry);
    return 0x1000;
}

START_TEST(aout_kludge)
{
    static uint8_t img[0x1000];
    const uint32_t L = 0x200000;
    size_t size = make_aout(img, L, L + 0x800, L + 0x3000, L + 0x100);
    struct machine *m = new_machine(16 * MiB);
    uint8_t junk[0x3000];
    memset(junk, 0xcc, sizeof junk);
    machine_mem_rw(m, L, junk, sizeof junk, true);
    char err[512];
    struct multiboot *mb = open_img(m, img, size, NULL, "", err, sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    struct x86_state st;
    ck_assert_int_eq(multiboot_direct(mb, &st, 0x633, err, sizeof err), 0);
    ck_assert_uint_eq(st.rip, L + 0x100);
    uint8_t got[0x3000];
    machine_mem_rw(m, L, got, sizeof got, false);
    ck_assert_int_eq(memcmp(got, img, 0x800), 0);   /* load_end_addr */
    for (size_t i = 0x800; i < sizeof got; i++)
        ck_assert_uint_eq(got[i], 0);
    /* an empty -append: just the kernel's name */
    uint8_t mbi[88];
    char s[64];
    machine_mem_rw(m, MULTIBOOT_INFO_ADDR, mbi, sizeof mbi, false);
    machine_mem_rw(m, get32(mbi + 16), s, sizeof s, false);
    ck_assert_str_eq(s, "kern");
    ck_assert_uint_eq(get32(mbi + 20), 0);  /* no modules */
    multiboot_free(mb);

    /* load_end_addr 0: to the end of the file */
    size = make_aout(img, L, 0, 0, L);
    mb = open_img(m, img, size, NULL, NULL, err, sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    multiboot_free(mb);
    machine_free(m);
}
END_TEST

START_TEST(aout_errors)
{
    static uint8_t img[0x1000];
    const uint32_t L = 0x200000;
    size_t size;

    size = make_aout(img, L, L + 0x800, 0, L);
    put32(img + 0x40 + 12, L - 4);          /* header_addr < load_addr */
    expect_error(img, size, "header_addr");

    size = make_aout(img, L, L + 0x800, 0, L);
    put32(img + 0x40 + 12, L + 0x80);       /* header before the file */
    expect_error(img, size, "header_addr");

    size = make_aout(img, L, L - 1, 0, L);
    expect_error(img, size, "load_end_addr");

    size = make_aout(img, L, L + 0x2000, 0, L);
    expect_error(img, size, "truncated");

    size = make_aout(img, L, L + 0x800, L + 0x400, L);
    expect_error(img, size, "bss_end_addr");

    size = make_aout(img, L, L + 0x800, 0, L + 0x900);
    expect_error(img, size, "entry point");
}
END_TEST

START_TEST(module_list)
{
    static uint8_t img[4096];
    size_t size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100, LOAD);
    struct machine *m = new_machine(16 * MiB);
    char err[512], mods[512];

    /* missing file */
    struct multiboot *mb = open_img(m, img, size, "/nonexistent/mod x", NULL,
                                    err, sizeof err);
    ck_assert(mb == NULL);
    ck_assert_msg(strncmp(err, "-initrd /nonexistent/mod: ", 26) == 0, "%s",
                  err);
    /* an empty item */
    char *f = write_temp("abc", 3);
    snprintf(mods, sizeof mods, "%s,,x,", f);
    mb = open_img(m, img, size, mods, NULL, err, sizeof err);
    ck_assert(mb == NULL);
    ck_assert_msg(strstr(err, "no file name"), "%s", err);

    /* ",," is a comma in the name */
    char *g = malloc(strlen(f) + 3);
    sprintf(g, "%s,b", f);
    FILE *fp = fopen(g, "wb");
    ck_assert(fp != NULL);
    fputs("comma", fp);
    fclose(fp);
    snprintf(mods, sizeof mods, "%s,,b arg,%s", f, f);
    mb = open_img(m, img, size, mods, NULL, err, sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    struct x86_state st;
    ck_assert_int_eq(multiboot_direct(mb, &st, 0x633, err, sizeof err), 0);
    uint8_t mbi[88], mod[32];
    char s[300], want[300];
    machine_mem_rw(m, MULTIBOOT_INFO_ADDR, mbi, sizeof mbi, false);
    ck_assert_uint_eq(get32(mbi + 20), 2);
    machine_mem_rw(m, get32(mbi + 24), mod, sizeof mod, false);
    machine_mem_rw(m, get32(mod + 8), s, sizeof s, false);
    snprintf(want, sizeof want, "%s,b arg", f);
    ck_assert_str_eq(s, want);
    ck_assert_uint_eq(get32(mod + 4) - get32(mod), 5);
    ck_assert_uint_eq(get32(mod + 20) - get32(mod + 16), 3);
    multiboot_free(mb);
    unlink(g);
    unlink(f);
    free(g);
    free(f);
    machine_free(m);
}
END_TEST

/* ---- through linux_boot and fw_cfg ---- */

static uint32_t cfg_read32(struct machine *m, uint16_t key)
{
    uint8_t b[4];
    machine_pio_write(m, FW_CFG_PORT_SEL, key, 2);
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)machine_pio_read(m, FW_CFG_PORT_DATA, 1);
    return get32(b);
}

START_TEST(linux_boot_dispatch)
{
    static uint8_t img[4096];
    size_t size = make_elf(img, sizeof img, LOAD, LOAD, 0x100, 0x100,
                           LOAD + 4);
    char *k = write_temp(img, size);
    struct machine *m = new_machine(16 * MiB);
    char err[512];

    struct linux_boot *lb = linux_boot_open(m, k, NULL, "c", err,
                                            sizeof err);
    ck_assert_msg(lb != NULL, "%s", err);
    struct x86_state st;
    ck_assert_int_eq(linux_boot_direct(lb, &st, 0x633, err, sizeof err), 0);
    ck_assert_uint_eq(st.gpr[R_EAX], MULTIBOOT_BOOTLOADER_MAGIC);
    ck_assert_uint_eq(st.rip, LOAD + 4);
    linux_boot_free(lb);

    /* fw_cfg items for the ROM: no setup, the entry, the block */
    lb = linux_boot_open(m, k, NULL, NULL, err, sizeof err);
    ck_assert_msg(lb != NULL, "%s", err);
    struct fw_cfg *f = fw_cfg_new(m, err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    struct multiboot *mb = multiboot_open(m, k, img, size, NULL, NULL, err,
                                          sizeof err);
    ck_assert_msg(mb != NULL, "%s", err);
    ck_assert_int_eq(multiboot_fw_cfg(mb, f), 0);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_SETUP_SIZE), 0);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_KERNEL_ENTRY), LOAD + 4);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_KERNEL_ADDR), LOAD);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_KERNEL_SIZE), 0x100);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_INITRD_ADDR), MULTIBOOT_INFO_ADDR);
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_KERNEL_DATA), MAGIC);
    /* the block starts with the flags */
    ck_assert_uint_eq(cfg_read32(m, FW_CFG_INITRD_DATA), 0x24d);
    multiboot_free(mb);
    fw_cfg_free(f);
    linux_boot_free(lb);
    unlink(k);
    free(k);

    /* a bzImage with a multiboot header boots as Linux (as in QEMU): here
     * a truncated one, so the Linux checks speak */
    memset(img, 0, sizeof img);
    put16(img + 0x1fe, 0xaa55);
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, 0x20a);
    header(img + 0x400, 0);
    k = write_temp(img, 0x600);
    lb = linux_boot_open(m, k, NULL, NULL, err, sizeof err);
    ck_assert(lb == NULL);
    ck_assert_msg(strstr(err, "boot protocol") || strstr(err, "truncated"),
                  "%s", err);
    unlink(k);
    free(k);

    /* neither */
    memset(img, 0, sizeof img);
    k = write_temp(img, 4096);
    lb = linux_boot_open(m, k, NULL, NULL, err, sizeof err);
    ck_assert(lb == NULL);
    ck_assert_msg(strstr(err, "nor a multiboot kernel"), "%s", err);
    /* a bad header is reported as such */
    header(img + 32, 0);
    img[40] ^= 1;
    FILE *fp = fopen(k, "wb");
    fwrite(img, 1, 4096, fp);
    fclose(fp);
    lb = linux_boot_open(m, k, NULL, NULL, err, sizeof err);
    ck_assert(lb == NULL);
    ck_assert_msg(strstr(err, "bad checksum"), "%s", err);
    unlink(k);
    free(k);
    machine_free(m);
}
END_TEST

static Suite *multiboot_suite(void)
{
    Suite *s = suite_create("multiboot");
    TCase *tc = tcase_create("header");
    tcase_add_test(tc, no_header);
    tcase_add_test(tc, header_found);
    tcase_add_test(tc, header_bad_checksum);
    tcase_add_test(tc, header_truncated);
    tcase_add_test(tc, header_unknown_requirement);
    suite_add_tcase(s, tc);
    tc = tcase_create("load");
    tcase_add_test(tc, elf_direct_boot);
    tcase_add_test(tc, elf_entry_translated);
    tcase_add_test(tc, elf_errors);
    tcase_add_test(tc, placement_errors);
    tcase_add_test(tc, aout_kludge);
    tcase_add_test(tc, aout_errors);
    tcase_add_test(tc, module_list);
    tcase_add_test(tc, linux_boot_dispatch);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(multiboot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
