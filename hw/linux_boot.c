/* Loading a Linux bzImage: see linux_boot.h.  Offsets are those of the
 * setup header and struct boot_params in Linux's
 * Documentation/arch/x86/boot.rst and zero-page.rst. */
#include "hw/linux_boot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/state.h"
#include "hw/fw_cfg.h"
#include "hw/machine.h"
#include "hw/multiboot.h"

/* setup header fields (offsets in the image and in the zero page) */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_END 0x201      /* header length: 0x202 + this byte */
#define HDR_MAGIC 0x202         /* "HdrS" */
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80

/* zero page fields outside the header */
#define ZP_E820_ENTRIES 0x1e8
#define ZP_E820_TABLE 0x2d0
#define ZP_E820_MAX 128

#define TOP_RESERVE LINUX_TOP_RESERVE

struct linux_boot {
    struct machine *m;
    uint8_t *image;             /* the whole bzImage */
    size_t image_size;
    size_t setup_size;          /* real-mode part, (setup_sects + 1) * 512 */
    uint8_t *initrd;
    size_t initrd_size;
    uint32_t initrd_addr;
    char *cmdline;
    uint16_t version;
    struct multiboot *mb;       /* a multiboot kernel instead */
};

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}
static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t *linux_boot_read_file(const char *opt, const char *path,
                              size_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s %s: not a regular file", opt, path);
        fclose(f);
        return NULL;
    }
    if (sb.st_size > (1ll << 31)) {
        snprintf(err, errlen, "%s %s: too big (%lld bytes)", opt, path,
                 (long long)sb.st_size);
        fclose(f);
        return NULL;
    }
    uint8_t *buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
    if (!buf || fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        snprintf(err, errlen, "%s %s: %s", opt, path,
                 buf ? "read error" : "out of memory");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)sb.st_size;
    return buf;
}

/* The header fields a loader fills in, in the image's setup part or in a
 * zero page (both have the header at the same offsets). */
static void patch_header(const struct linux_boot *lb, uint8_t *hdr)
{
    hdr[HDR_TYPE_OF_LOADER] = 0xff;           /* "undefined" loader */
    hdr[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    put16(hdr + HDR_HEAP_END_PTR,
          (uint16_t)(LINUX_CMDLINE_ADDR - LINUX_SETUP_ADDR - 0x200));
    put32(hdr + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    put32(hdr + HDR_RAMDISK_IMAGE, lb->initrd ? lb->initrd_addr : 0);
    put32(hdr + HDR_RAMDISK_SIZE, (uint32_t)lb->initrd_size);
}

struct linux_boot *linux_boot_open(struct machine *m, const char *kernel,
                                   const char *initrd, const char *cmdline,
                                   char *err, size_t errlen)
{
    struct linux_boot *lb = calloc(1, sizeof *lb);
    if (!lb) {
        snprintf(err, errlen, "-kernel: out of memory");
        return NULL;
    }
    lb->m = m;
    lb->image = linux_boot_read_file("-kernel", kernel, &lb->image_size, err,
                                     errlen);
    if (!lb->image)
        goto fail;
    const uint8_t *k = lb->image;
    /* No "HdrS": maybe multiboot.  Like QEMU, a bzImage that also has a
     * multiboot header boots as Linux. */
    if (lb->image_size < HDR_MAGIC + 4 ||
        memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
        struct multiboot_header mh;
        char why[512];
        int found = multiboot_find_header(k, lb->image_size, &mh, why,
                                          sizeof why);
        if (found < 0) {
            snprintf(err, errlen, "-kernel %s: %s", kernel, why);
            goto fail;
        }
        if (found > 0) {
            lb->mb = multiboot_open(m, kernel, k, lb->image_size, initrd,
                                    cmdline, err, errlen);
            if (!lb->mb)
                goto fail;
            free(lb->image);
            lb->image = NULL;
            return lb;
        }
    }
    if (lb->image_size < 0x300 || get16(k + HDR_BOOT_FLAG) != 0xaa55 ||
        memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
        snprintf(err, errlen, "-kernel %s: not a Linux x86 kernel (no "
                 "bzImage setup header) nor a multiboot kernel", kernel);
        goto fail;
    }
    lb->version = get16(k + HDR_VERSION);
    if (lb->version < 0x202 || !(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
        snprintf(err, errlen, "-kernel %s: boot protocol %u.%02u without a "
                 "high-loaded bzImage: too old (2.02 or later needed)",
                 kernel, lb->version >> 8, lb->version & 0xff);
        goto fail;
    }
    unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    lb->setup_size = (size_t)(sects + 1) * 512;
    if (lb->setup_size >= lb->image_size ||
        lb->setup_size > LINUX_CMDLINE_ADDR - LINUX_SETUP_ADDR - 0x200) {
        snprintf(err, errlen, "-kernel %s: truncated or corrupt image "
                 "(setup of %zu bytes in a file of %zu)", kernel,
                 lb->setup_size, lb->image_size);
        goto fail;
    }

    size_t cmax = lb->version >= 0x206 ? get32(k + HDR_CMDLINE_SIZE) : 255;
    if (cmax > LINUX_CMDLINE_MAX)
        cmax = LINUX_CMDLINE_MAX;
    lb->cmdline = strdup(cmdline ? cmdline : "");
    if (!lb->cmdline) {
        snprintf(err, errlen, "-append: out of memory");
        goto fail;
    }
    if (strlen(lb->cmdline) > cmax) {
        snprintf(err, errlen, "-append: command line of %zu bytes; this "
                 "kernel takes at most %zu", strlen(lb->cmdline), cmax);
        goto fail;
    }

    /* The kernel decompresses itself in place from 1 MiB: it needs
     * init_size bytes there (protocol 2.10+), or about 4x its size. */
    uint64_t below = machine_ram_below_4g(m);
    size_t kernel_size = lb->image_size - lb->setup_size;
    uint64_t need = lb->version >= 0x20a ? get32(k + HDR_INIT_SIZE)
                                         : (uint64_t)kernel_size * 4;
    if (need < kernel_size)
        need = kernel_size;
    uint64_t kernel_end = LINUX_KERNEL_ADDR + need;
    if (kernel_end + TOP_RESERVE > below) {
        snprintf(err, errlen, "-kernel %s: needs %llu MiB of RAM to "
                 "decompress; -m gives %llu MiB below 4 GiB", kernel,
                 (unsigned long long)((kernel_end + TOP_RESERVE + 0xfffff)
                                      >> 20),
                 (unsigned long long)(below >> 20));
        goto fail;
    }

    if (initrd) {
        lb->initrd = linux_boot_read_file("-initrd", initrd,
                                          &lb->initrd_size, err, errlen);
        if (!lb->initrd)
            goto fail;
        uint64_t max = lb->version >= 0x203 ? get32(k + HDR_INITRD_ADDR_MAX)
                                            : 0x37ffffffu;
        if (max > below - TOP_RESERVE - 1)
            max = below - TOP_RESERVE - 1;
        uint64_t addr = (max + 1 - lb->initrd_size) & ~0xfffull;
        if (lb->initrd_size > max + 1 || addr < kernel_end) {
            snprintf(err, errlen, "-initrd %s: %zu bytes do not fit in RAM "
                     "below %#llx beside the kernel (use a larger -m)",
                     initrd, lb->initrd_size, (unsigned long long)max + 1);
            goto fail;
        }
        lb->initrd_addr = (uint32_t)addr;
    }
    return lb;

fail:
    linux_boot_free(lb);
    return NULL;
}

void linux_boot_free(struct linux_boot *lb)
{
    if (!lb)
        return;
    multiboot_free(lb->mb);
    free(lb->image);
    free(lb->initrd);
    free(lb->cmdline);
    free(lb);
}

static int put_ram(struct linux_boot *lb, uint64_t gpa, const void *data,
                   size_t len, const char *what, char *err, size_t errlen)
{
    if (machine_mem_rw(lb->m, gpa, (void *)data, len, true) != 0) {
        snprintf(err, errlen, "-kernel: cannot place the %s at %#llx (%zu "
                 "bytes): not RAM", what, (unsigned long long)gpa, len);
        return -1;
    }
    return 0;
}

static void flat_seg(struct x86_seg *s, uint16_t sel, uint8_t type)
{
    memset(s, 0, sizeof *s);
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->type = type;
    s->s = 1;
    s->present = 1;
    s->db = 1;
    s->g = 1;
}

int linux_boot_memory_map(struct machine *m,
                          struct boot_mem_range r[BOOT_MEM_RANGES_MAX])
{
    uint64_t below = machine_ram_below_4g(m);
    uint64_t above = machine_ram_size(m) - below;
    const struct boot_mem_range e[] = {
        { 0, 0x9fc00, E820_RAM },
        { 0x9fc00, 0x400, E820_RESERVED },
        { 0xf0000, 0x10000, E820_RESERVED },
        { 0x100000, below - 0x100000, E820_RAM },
        { 0x100000000ull, above, E820_RAM },
    };
    int n = 0;
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        if (e[i].size)
            r[n++] = e[i];
    return n;
}

static int fill_e820(struct linux_boot *lb, uint8_t *zp)
{
    struct boot_mem_range r[BOOT_MEM_RANGES_MAX];
    int n = linux_boot_memory_map(lb->m, r);
    for (int i = 0; i < n; i++) {
        uint8_t *p = zp + ZP_E820_TABLE + 20 * i;
        put64(p, r[i].addr);
        put64(p + 8, r[i].size);
        put32(p + 16, r[i].type);
    }
    zp[ZP_E820_ENTRIES] = (uint8_t)n;
    return n;
}

void linux_boot_flat_state(struct x86_state *st, uint32_t cpuid_signature,
                           uint16_t cs, uint16_t ds, uint32_t gdt_base,
                           uint16_t gdt_limit)
{
    x86_state_reset(st, cpuid_signature);
    st->cr0 = CR0_PE | CR0_ET;
    st->gdt.base = gdt_base;
    st->gdt.limit = gdt_limit;
    st->idt.base = 0;
    st->idt.limit = 0;
    flat_seg(&st->seg[S_CS], cs, 0xb);
    for (int s = 0; s < 6; s++)
        if (s != S_CS)
            flat_seg(&st->seg[s], ds, 0x3);
    st->tr.type = 11;   /* busy 32-bit TSS, as a protected-mode CPU has */
    st->rflags = 0x2;
}

int linux_boot_direct(struct linux_boot *lb, struct x86_state *st,
                      uint32_t cpuid_signature, char *err, size_t errlen)
{
    uint8_t zp[4096];
    const uint8_t *k = lb->image;

    if (lb->mb)
        return multiboot_direct(lb->mb, st, cpuid_signature, err, errlen);

    memset(zp, 0, sizeof zp);
    size_t hdr_end = 0x202 + k[HDR_JUMP_END];
    if (hdr_end > lb->setup_size)
        hdr_end = lb->setup_size;
    memcpy(zp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS,
           hdr_end - HDR_SETUP_SECTS);
    patch_header(lb, zp);
    put32(zp + HDR_CODE32_START, LINUX_KERNEL_ADDR);
    fill_e820(lb, zp);
    /* screen_info stays zero: no BIOS set a video mode, so Linux uses no
     * VGA console (console=ttyS0 is the way in) */

    static const uint8_t gdt[32] = {
        [16] = 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,   /* 0x10: flat code */
        [24] = 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,   /* 0x18: flat data */
    };
    if (put_ram(lb, LINUX_KERNEL_ADDR, k + lb->setup_size,
                lb->image_size - lb->setup_size, "kernel", err, errlen) ||
        put_ram(lb, LINUX_ZERO_PAGE_ADDR, zp, sizeof zp, "zero page", err,
                errlen) ||
        put_ram(lb, LINUX_GDT_ADDR, gdt, sizeof gdt, "GDT", err, errlen) ||
        put_ram(lb, LINUX_CMDLINE_ADDR, lb->cmdline, strlen(lb->cmdline) + 1,
                "command line", err, errlen) ||
        (lb->initrd && put_ram(lb, lb->initrd_addr, lb->initrd,
                               lb->initrd_size, "initrd", err, errlen)))
        return -1;

    /* The 32-bit entry (boot.rst, "32-bit boot protocol"): protected mode,
     * no paging, CS = 0x10 and DS = ES = SS = 0x18 flat, interrupts off,
     * ESI = the zero page, EBP = EDI = EBX = 0. */
    linux_boot_flat_state(st, cpuid_signature, 0x10, 0x18, LINUX_GDT_ADDR,
                          sizeof gdt - 1);
    st->gpr[R_ESI] = LINUX_ZERO_PAGE_ADDR;
    st->gpr[R_EDX] = 0;
    st->rip = LINUX_KERNEL_ADDR;
    return 0;
}

static int linux_items(struct linux_boot *lb, struct fw_cfg *f)
{
    size_t kernel_size = lb->image_size - lb->setup_size;
    uint8_t *setup = malloc(lb->setup_size);
    if (!setup)
        return -1;
    memcpy(setup, lb->image, lb->setup_size);
    patch_header(lb, setup);

    int rc = 0;
    rc |= fw_cfg_add_i32(f, FW_CFG_SETUP_ADDR, LINUX_SETUP_ADDR);
    rc |= fw_cfg_add_i32(f, FW_CFG_SETUP_SIZE, (uint32_t)lb->setup_size);
    rc |= fw_cfg_add_bytes(f, FW_CFG_SETUP_DATA, setup, lb->setup_size);
    rc |= fw_cfg_add_i32(f, FW_CFG_KERNEL_ADDR, LINUX_KERNEL_ADDR);
    rc |= fw_cfg_add_i32(f, FW_CFG_KERNEL_SIZE, (uint32_t)kernel_size);
    rc |= fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA,
                           lb->image + lb->setup_size, kernel_size);
    rc |= fw_cfg_add_i32(f, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR);
    rc |= fw_cfg_add_i32(f, FW_CFG_CMDLINE_SIZE,
                         (uint32_t)strlen(lb->cmdline) + 1);
    rc |= fw_cfg_add_bytes(f, FW_CFG_CMDLINE_DATA, lb->cmdline,
                           strlen(lb->cmdline) + 1);
    rc |= fw_cfg_add_i32(f, FW_CFG_INITRD_ADDR,
                         lb->initrd ? lb->initrd_addr : 0);
    rc |= fw_cfg_add_i32(f, FW_CFG_INITRD_SIZE, (uint32_t)lb->initrd_size);
    if (lb->initrd)
        rc |= fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, lb->initrd,
                               lb->initrd_size);
    free(setup);
    return rc ? -1 : 0;
}

int linux_boot_find_rom(const char *const *fw_dirs, int nr_fw_dirs,
                        char *out, size_t outlen)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = { "build/firmware",
                                               "../share/tandem" };
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                snprintf(out, outlen, "%s/%s/%s", exe, rel[i],
                         LINUX_BOOT_ROM);
                if (access(out, R_OK) == 0)
                    return 0;
            }
        }
    }
#ifdef TANDEM_FIRMWARE_DIR
    snprintf(out, outlen, "%s/%s", TANDEM_FIRMWARE_DIR, LINUX_BOOT_ROM);
    if (access(out, R_OK) == 0)
        return 0;
#endif
    for (int i = 0; i < nr_fw_dirs; i++) {
        snprintf(out, outlen, "%s/%s", fw_dirs[i], LINUX_BOOT_ROM);
        if (access(out, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* SeaBIOS's name for a ROM from fw_cfg in its "bootorder" file. */
#define ROM_BOOT_PATH "/rom@" LINUX_BOOT_ROM_FILE

int linux_boot_fw_cfg(struct linux_boot *lb, struct fw_cfg *f,
                      const char *const *fw_dirs, int nr_fw_dirs,
                      char *err, size_t errlen)
{
    char path[4096], why[512];
    if (linux_boot_find_rom(fw_dirs, nr_fw_dirs, path, sizeof path) != 0) {
        snprintf(err, errlen, "-kernel: the boot ROM %s is missing (not in "
                 "build/firmware/ beside tandem, nor installed%s%s; run "
                 "make, or pass -L DIR, or boot with -bios none)",
                 LINUX_BOOT_ROM,
#ifdef TANDEM_FIRMWARE_DIR
                 " in ", TANDEM_FIRMWARE_DIR
#else
                 "", ""
#endif
                 );
        return -1;
    }
    size_t rom_size;
    uint8_t *rom = linux_boot_read_file("-kernel: boot ROM", path, &rom_size,
                                        why, sizeof why);
    if (!rom) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (rom_size < 512 || rom[0] != 0x55 || rom[1] != 0xaa) {
        snprintf(err, errlen, "-kernel: boot ROM %s is not an option ROM",
                 path);
        free(rom);
        return -1;
    }

    /* The ROM boots first: its entry goes in front of any bootorder. */
    size_t old_len = 0;
    const uint8_t *old = fw_cfg_file_data(f, "bootorder", &old_len);
    size_t len = sizeof ROM_BOOT_PATH + old_len;
    char *order = malloc(len + 1);
    int rc = order ? 0 : -1;
    if (order) {
        memcpy(order, ROM_BOOT_PATH "\n", sizeof ROM_BOOT_PATH);
        if (old_len)
            memcpy(order + sizeof ROM_BOOT_PATH, old, old_len);
        order[len] = '\0';
        /* QEMU's files end in a NUL; keep one */
        len = strlen(order) + 1;
        if (fw_cfg_add_file(f, "bootorder", order, len, false) < 0)
            rc = -1;
    }
    free(order);
    if (fw_cfg_add_file(f, LINUX_BOOT_ROM_FILE, rom, rom_size, false) < 0)
        rc = -1;
    free(rom);
    if (!rc)
        rc = lb->mb ? multiboot_fw_cfg(lb->mb, f) : linux_items(lb, f);
    if (rc)
        snprintf(err, errlen, "-kernel: out of memory");
    return rc ? -1 : 0;
}
