/* Assembles the PC.  See pc.h. */
#include "hw/pc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "hw/chardev.h"
#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "hw/fw_cfg.h"
#include "hw/i440fx.h"
#include "hw/i8042.h"
#include "hw/ide.h"
#include "hw/machine.h"
#include "hw/pci.h"
#include "hw/pcspk.h"
#include "hw/pic.h"
#include "hw/piix.h"
#include "hw/pit.h"
#include "hw/port92.h"
#include "hw/linux_boot.h"
#include "hw/postcode.h"
#include "hw/ferr.h"
#include "hw/rtc.h"
#include "hw/uart.h"
#include "hw/vga.h"

#define ISA_BIOS_MAX (128u << 10)
#define PC_VGA_DEVFN PCI_DEVFN(2, 0)        /* where QEMU puts it */
#define PC_VGA_ROM_NAME "vgabios-stdvga.bin"
#define PCI_HOLE_START 0xe0000000ull   /* as machine.c: RAM below 4 GiB ends */
/* KVM's real-mode TSS and identity-map pages (accel/kvm.c), reserved in
 * e820 on both engines so that a guest sees one memory map. */
#define KVM_RESERVED_ADDR 0xfeffc000ull
#define KVM_RESERVED_SIZE 0x4000ull

/* CMOS bytes a PC BIOS reads (the IBM AT layout, plus QEMU's/Bochs's
 * extensions that SeaBIOS uses). */
#define CMOS_FLOPPY_TYPES 0x10
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEM_LO 0x15
#define CMOS_EXT_MEM_LO 0x17
#define CMOS_EXT_MEM2_LO 0x30
#define CMOS_MEM_ABOVE_16M_LO 0x34
#define CMOS_BOOT_FLAG1 0x38     /* high nibble: 3rd boot device; bit 0:
                                    skip the floppy boot-signature check */
#define CMOS_BOOT_FLAG2 0x3d     /* low nibble 1st, high nibble 2nd */
#define CMOS_MEM_ABOVE_4G 0x5b   /* 3 bytes, 64 KiB units */
#define CMOS_SMP_COUNT 0x5f      /* CPUs - 1 */

/* The PC's COM ports. */
static const struct {
    uint16_t base;
    int irq;
} com_ports[PC_MAX_SERIAL] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

void pc_print_devices(FILE *f)
{
    fputs("Devices for -device:\n"
          "  isa-debugcon,iobase=PORT,chardev=ID[,readback=N]\n"
          "      bytes written to PORT go to chardev ID (default port 0xe9)\n"
          "  isa-debug-exit[,iobase=PORT][,iosize=1|2|4]\n"
          "      a write of V exits tandem with status (V<<1)|1 "
          "(default 0x501, 2)\n"
          "  isa-serial[,chardev=ID][,index=0-3][,iobase=PORT][,irq=N]\n"
          "      a 16550A UART (index 0-3: COM1-COM4 ports and IRQs)\n",
          f);
}

/* ---- BIOS ---- */

int pc_load_bios(struct machine *m, const char *path, char *err,
                 size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "-bios %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "-bios %s: not a regular file", path);
        close(fd);
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size == 0 || size % 65536 != 0 || size > PC_BIOS_MAX_SIZE) {
        snprintf(err, errlen, "-bios %s: size %llu bytes: a BIOS image must "
                 "be a non-zero multiple of 64 KiB, at most 16 MiB", path,
                 (unsigned long long)size);
        close(fd);
        return -1;
    }
    uint8_t *data = malloc(size);
    if (!data) {
        snprintf(err, errlen, "-bios %s: out of memory", path);
        close(fd);
        return -1;
    }
    uint64_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "-bios %s: %s", path,
                     n < 0 ? strerror(errno) : "file shrank while reading");
            free(data);
            close(fd);
            return -1;
        }
        got += (uint64_t)n;
    }
    close(fd);

    uint64_t isa = size < ISA_BIOS_MAX ? size : ISA_BIOS_MAX;
    int rc = 0;
    if (machine_add_rom(m, 0x100000000ull - size, data, size, "pc.bios") != 0)
        rc = -1;
    else if (machine_add_rom(m, 0x100000 - isa, data + size - isa, isa,
                             "isa-bios") != 0)
        rc = -1;
    if (rc)
        snprintf(err, errlen, "-bios %s: cannot map the image (memory map "
                 "full or overlapping)", path);
    free(data);
    return rc;
}

/* ---- firmware files ---- */

int pc_find_firmware(const struct pc_config *cfg, const char *name,
                     char *out, size_t outlen)
{
    static const char *const dirs[] = PC_FIRMWARE_DIRS;

    snprintf(out, outlen, "%s", name);
    if (strchr(name, '/') || access(name, F_OK) == 0)
        return access(name, F_OK) == 0 ? 0 : -1;
    for (int i = 0; i < cfg->nr_fw_dirs; i++) {
        snprintf(out, outlen, "%s/%s", cfg->fw_dirs[i], name);
        if (access(out, F_OK) == 0)
            return 0;
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(out, outlen, "%s/%s", dirs[i], name);
        if (access(out, F_OK) == 0)
            return 0;
    }
    snprintf(out, outlen, "%s", name);
    return -1;
}

/* ---- -boot ---- */

static int boot_letters_ok(const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0 || n > 16) {
        snprintf(err, errlen, "-boot: boot order '%s' must list 1 to 16 "
                 "drives (a-p)", v);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 'a' || v[i] > 'p') {
            snprintf(err, errlen, "-boot: invalid boot device '%c' in '%s' "
                     "(a, b: floppy, c: disk, d: CD-ROM, n-p: network)",
                     v[i], v);
            return -1;
        }
        if (memchr(v, v[i], i)) {
            snprintf(err, errlen, "-boot: boot device '%c' given twice in "
                     "'%s'", v[i], v);
            return -1;
        }
    }
    return 0;
}

static int parse_onoff(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return 0;
    }
    return -1;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out);

int pc_parse_boot(struct pc_config *cfg, const char *arg, char *err,
                  size_t errlen)
{
    char buf[256];
    struct pc_boot *b = &cfg->boot;

    if (strlen(arg) >= sizeof buf) {
        snprintf(err, errlen, "-boot: argument too long");
        return -1;
    }
    strcpy(buf, arg);
    /* QEMU's short form: just the drive letters */
    if (!strchr(buf, '=') && !strchr(buf, ',')) {
        if (boot_letters_ok(buf, err, errlen))
            return -1;
        strcpy(b->order, buf);
        return 0;
    }
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "-boot %s: '%s' is not key=value", arg,
                     item);
            return -1;
        }
        *eq = '\0';
        const char *k = item, *v = eq + 1;
        uint64_t n;
        bool on;
        if (!strcmp(k, "order") || !strcmp(k, "once")) {
            /* once= is the order for the first boot; with no reboot
             * tracking yet it is the order */
            if (boot_letters_ok(v, err, errlen))
                return -1;
            strcpy(b->order, v);
        } else if (!strcmp(k, "menu")) {
            if (parse_onoff(v, &on))
                goto bad;
            b->menu = on ? 2 : 1;
        } else if (!strcmp(k, "splash-time")) {
            if (parse_num(v, 0xffff, &n))
                goto bad;
            b->splash_time_ms = (int)n;
        } else if (!strcmp(k, "reboot-timeout")) {
            /* -1 (never) or 0..0xffff ms, as QEMU */
            if (!strcmp(v, "-1"))
                b->reboot_timeout_ms = -1;
            else if (parse_num(v, 0xffff, &n))
                goto bad;
            else
                b->reboot_timeout_ms = (int64_t)n + 1;   /* 0 = unset */
        } else if (!strcmp(k, "strict")) {
            if (parse_onoff(v, &b->strict))
                goto bad;
        } else if (!strcmp(k, "splash")) {
            snprintf(err, errlen, "-boot %s: splash pictures are not "
                     "supported", arg);
            return -1;
        } else {
            snprintf(err, errlen, "-boot %s: unknown option '%s' (order, "
                     "once, menu, splash-time, reboot-timeout, strict)", arg,
                     k);
            return -1;
        }
        continue;
bad:
        snprintf(err, errlen, "-boot %s: bad value '%s' for %s", arg, v, k);
        return -1;
    }
    return 0;
}

/* ---- CMOS and fw_cfg ---- */

static int boot_nibble(char c)
{
    switch (c) {
    case 'a': case 'b': return 1;   /* floppy */
    case 'c': return 2;             /* hard disk */
    case 'd': return 3;             /* CD-ROM */
    case 'n': return 4;             /* network */
    default: return 0;
    }
}

static void cmos_fill(struct pc *pc, const struct pc_config *cfg)
{
    struct rtc *r = pc->rtc;
    uint64_t ram = machine_ram_size(pc->m);
    uint64_t below = ram < PCI_HOLE_START ? ram : PCI_HOLE_START;
    uint64_t above = ram - below;
    uint64_t v;

    /* base memory: 640 KiB */
    rtc_cmos_set(r, CMOS_BASE_MEM_LO, 640 & 0xff);
    rtc_cmos_set(r, CMOS_BASE_MEM_LO + 1, 640 >> 8);
    /* extended memory above 1 MiB in KiB, capped at 0xFFFF */
    v = below > (1u << 20) ? (below >> 10) - 1024 : 0;
    if (v > 0xffff)
        v = 0xffff;
    rtc_cmos_set(r, CMOS_EXT_MEM_LO, (uint8_t)v);
    rtc_cmos_set(r, CMOS_EXT_MEM_LO + 1, (uint8_t)(v >> 8));
    rtc_cmos_set(r, CMOS_EXT_MEM2_LO, (uint8_t)v);
    rtc_cmos_set(r, CMOS_EXT_MEM2_LO + 1, (uint8_t)(v >> 8));
    /* memory above 16 MiB in 64 KiB units */
    v = below > (16u << 20) ? (below - (16u << 20)) >> 16 : 0;
    if (v > 0xffff)
        v = 0xffff;
    rtc_cmos_set(r, CMOS_MEM_ABOVE_16M_LO, (uint8_t)v);
    rtc_cmos_set(r, CMOS_MEM_ABOVE_16M_LO + 1, (uint8_t)(v >> 8));
    v = above >> 16;
    for (int i = 0; i < 3; i++)
        rtc_cmos_set(r, CMOS_MEM_ABOVE_4G + i, (uint8_t)(v >> (8 * i)));
    rtc_cmos_set(r, CMOS_SMP_COUNT, 0);

    /* equipment: no floppy drive, FPU if the CPU has one, PS/2 mouse,
     * EGA/VGA display (bits 4-5 = 0) */
    uint32_t id[4];
    cpuid_query(cpu_model_default(), 1, 0, id);
    rtc_cmos_set(r, CMOS_EQUIPMENT,
                 (uint8_t)(((id[3] & 1) ? 0x02 : 0) | 0x04));
    rtc_cmos_set(r, CMOS_FLOPPY_TYPES, 0);

    /* boot order: three devices in nibbles, as QEMU writes them */
    const char *order = cfg->boot.order[0] ? cfg->boot.order
                                           : PC_DEFAULT_BOOT_ORDER;
    int nib[3] = { 0, 0, 0 };
    for (int i = 0; i < 3 && order[i]; i++)
        nib[i] = boot_nibble(order[i]);
    rtc_cmos_set(r, CMOS_BOOT_FLAG2, (uint8_t)(nib[1] << 4 | nib[0]));
    rtc_cmos_set(r, CMOS_BOOT_FLAG1, (uint8_t)(nib[2] << 4 | 0));
}

/* The hard disks as QEMU describes them in CMOS: the types (0x12, 0x19,
 * 0x1a) and geometry (0x1b-0x23, 0x24-0x2c) of the primary master and
 * slave, and the BIOS translation of all four drives (0x39, 2 bits each:
 * none, LBA, large), which SeaBIOS reads. */
static void cmos_fill_disks(struct pc *pc)
{
    struct rtc *r = pc->rtc;
    uint8_t types = 0, trans = 0;

    for (int i = 0; i < 4; i++) {
        unsigned c, h, s;
        int t;
        if (ide_disk_geometry(pc->ide, i, &c, &h, &s, &t) != 0)
            continue;
        trans |= (uint8_t)(t << (2 * i));
        if (i > 1)
            continue;
        int info = i == 0 ? 0x1b : 0x24;
        const uint8_t v[9] = {
            (uint8_t)c, (uint8_t)(c >> 8), (uint8_t)h, 0xff, 0xff,
            (uint8_t)(0xc0 | (h > 8 ? 0x08 : 0)), (uint8_t)c,
            (uint8_t)(c >> 8), (uint8_t)s,
        };
        types |= i == 0 ? 0xf0 : 0x0f;
        rtc_cmos_set(r, i == 0 ? 0x19 : 0x1a, 47);   /* user-defined type */
        for (int k = 0; k < 9; k++)
            rtc_cmos_set(r, info + k, v[k]);
    }
    rtc_cmos_set(r, 0x12, types);
    rtc_cmos_set(r, 0x39, trans);
}

static int fw_cfg_fill(struct pc *pc, const struct pc_config *cfg)
{
    struct fw_cfg *f = pc->fw_cfg;
    uint64_t ram = machine_ram_size(pc->m);
    uint64_t below = ram < PCI_HOLE_START ? ram : PCI_HOLE_START;
    const char *order = cfg->boot.order[0] ? cfg->boot.order
                                           : PC_DEFAULT_BOOT_ORDER;
    int rc = 0;

    rc |= fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, ram);
    rc |= fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1);
    rc |= fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, 1);
    rc |= fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, cfg->nographic);
    rc |= fw_cfg_add_i16(f, FW_CFG_BOOT_DEVICE, (uint16_t)order[0]);
    rc |= fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, cfg->boot.menu == 2);
    /* the PIT's IRQ0 reaches IOAPIC pin 2, as on QEMU (for the MADT) */
    rc |= fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1);
    rc |= fw_cfg_add_i32(f, FW_CFG_E820_TABLE, 0);   /* no legacy entries */

    rc |= fw_cfg_add_e820(f, 0, below, E820_RAM);
    if (ram > below)
        rc |= fw_cfg_add_e820(f, 0x100000000ull, ram - below, E820_RAM);
    rc |= fw_cfg_add_e820(f, KVM_RESERVED_ADDR, KVM_RESERVED_SIZE,
                          E820_RESERVED);

    /* -1: after "No bootable device" wait for a key forever (QEMU) */
    uint32_t wait = cfg->boot.reboot_timeout_ms > 0 ?
                    (uint32_t)(cfg->boot.reboot_timeout_ms - 1) : 0xffffffffu;
    uint8_t le[4] = { (uint8_t)wait, (uint8_t)(wait >> 8),
                      (uint8_t)(wait >> 16), (uint8_t)(wait >> 24) };
    if (fw_cfg_add_file(f, "etc/boot-fail-wait", le, 4, false) < 0)
        rc = -1;
    if (cfg->boot.menu == 2 && cfg->boot.splash_time_ms > 0) {
        uint8_t t[2] = { (uint8_t)cfg->boot.splash_time_ms,
                         (uint8_t)(cfg->boot.splash_time_ms >> 8) };
        if (fw_cfg_add_file(f, "etc/boot-menu-wait", t, 2, false) < 0)
            rc = -1;
    }
    if (cfg->boot.strict &&
        fw_cfg_add_file(f, "bootorder", "HALT", 5, false) < 0)
        rc = -1;
    return rc ? -1 : 0;
}

/* ---- A20 ----
 * Each source (the 8042's output port, port 0x92) drives the gate when it
 * changes, the last one winning, as in QEMU and Bochs.  The engine masks
 * address line 20 if it can (interp); otherwise a guest closing the gate is
 * told once under -d unimp. */

static void a20_update(struct pc *pc, bool on)
{
    if (machine_set_a20(pc->m, on) || on || pc->a20_logged)
        return;
    pc->a20_logged = true;
    struct logger *l = machine_logger(pc->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "pc: A20 gate turned off; this engine cannot mask "
                   "address line 20 (A20 stays on)\n");
}

static void a20_from_kbd(void *opaque, bool on)
{
    struct pc *pc = opaque;
    pc->a20_kbd = on;
    a20_update(pc, on);
}

static void a20_from_port92(void *opaque, bool on)
{
    struct pc *pc = opaque;
    pc->a20_fast = on;
    a20_update(pc, on);
}

/* ---- -device ---- */

struct kv {
    char *key, *val;
};

/* Split "name,k=v,k=v" in place into name and pairs; -1 on a malformed
 * item (err says which). */
static int split_opts(char *s, char **name, struct kv *kv, int max, int *n,
                      const char *what, char *err, size_t errlen)
{
    *n = 0;
    *name = s;
    char *p = strchr(s, ',');
    if (p)
        *p++ = '\0';
    while (p && *p) {
        char *item = p;
        p = strchr(p, ',');
        if (p)
            *p++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            snprintf(err, errlen, "%s: '%s' is not key=value", what, item);
            return -1;
        }
        if (*n == max) {
            snprintf(err, errlen, "%s: too many options", what);
            return -1;
        }
        *eq = '\0';
        kv[*n].key = item;
        kv[*n].val = eq + 1;
        (*n)++;
    }
    return 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int add_device(struct pc *pc, const char *opts, int *next_com,
                      char *err, size_t errlen)
{
    char buf[1024], what[1100];
    struct kv kv[8];
    int n;
    char *name;

    snprintf(what, sizeof what, "-device %s", opts);
    if (strlen(opts) >= sizeof buf) {
        snprintf(err, errlen, "-device: option string too long");
        return -1;
    }
    strcpy(buf, opts);
    if (split_opts(buf, &name, kv, 8, &n, what, err, errlen))
        return -1;

    uint64_t iobase = 0, iosize = 0, readback = DEBUGCON_DEFAULT_READBACK;
    uint64_t irq = 0, index = 0;
    bool has_iobase = false, has_irq = false, has_index = false;
    bool has_iosize = false;
    const char *chr_id = NULL;
    enum { DEV_DEBUGCON, DEV_DEBUG_EXIT, DEV_SERIAL } kind;

    if (strcmp(name, "isa-debugcon") == 0)
        kind = DEV_DEBUGCON;
    else if (strcmp(name, "isa-debug-exit") == 0)
        kind = DEV_DEBUG_EXIT;
    else if (strcmp(name, "isa-serial") == 0)
        kind = DEV_SERIAL;
    else {
        snprintf(err, errlen, "-device %s: unknown device '%s' (supported: "
                 "isa-debugcon, isa-debug-exit, isa-serial; -device help)",
                 opts, name);
        return -1;
    }

    for (int i = 0; i < n; i++) {
        const char *k = kv[i].key, *v = kv[i].val;
        int bad = 0;
        if (strcmp(k, "iobase") == 0) {
            bad = parse_num(v, 0xffff, &iobase);
            has_iobase = true;
        } else if (strcmp(k, "iosize") == 0 && kind == DEV_DEBUG_EXIT) {
            bad = parse_num(v, 4, &iosize);
            if (!bad && iosize != 1 && iosize != 2 && iosize != 4)
                bad = 1;
            has_iosize = true;
        } else if (strcmp(k, "chardev") == 0 && kind != DEV_DEBUG_EXIT) {
            chr_id = v;
        } else if (strcmp(k, "readback") == 0 && kind == DEV_DEBUGCON) {
            bad = parse_num(v, 0xff, &readback);
        } else if (strcmp(k, "irq") == 0 && kind == DEV_SERIAL) {
            bad = parse_num(v, 15, &irq);
            has_irq = true;
        } else if (strcmp(k, "index") == 0 && kind == DEV_SERIAL) {
            bad = parse_num(v, PC_MAX_SERIAL - 1, &index);
            has_index = true;
        } else {
            snprintf(err, errlen, "-device %s: %s has no property '%s'", opts,
                     name, k);
            return -1;
        }
        if (bad) {
            snprintf(err, errlen, "-device %s: bad value '%s' for %s", opts,
                     v, k);
            return -1;
        }
    }

    struct chardev *chr = NULL;
    if (chr_id) {
        chr = chardev_find(pc->chardevs, chr_id);
        if (!chr) {
            snprintf(err, errlen, "-device %s: no chardev with id '%s' "
                     "(define it with -chardev ...,id=%s)", opts, chr_id,
                     chr_id);
            return -1;
        }
    }

    char why[512];
    switch (kind) {
    case DEV_DEBUGCON: {
        if (!chr) {
            snprintf(err, errlen, "-device %s: isa-debugcon needs "
                     "chardev=ID", opts);
            return -1;
        }
        struct debugcon *d = debugcon_new(
            pc->m, has_iobase ? (uint16_t)iobase : DEBUGCON_DEFAULT_PORT,
            (uint8_t)readback, chr, why, sizeof why);
        if (!d)
            goto fail;
        pc->debugcon[pc->nr_debugcon++] = d;
        return 0;
    }
    case DEV_DEBUG_EXIT: {
        struct debug_exit *d = debug_exit_new(
            pc->m, has_iobase ? (uint16_t)iobase : DEBUG_EXIT_DEFAULT_PORT,
            has_iosize ? (unsigned)iosize : DEBUG_EXIT_DEFAULT_SIZE, why,
            sizeof why);
        if (!d)
            goto fail;
        pc->debug_exit[pc->nr_debug_exit++] = d;
        return 0;
    }
    case DEV_SERIAL: {
        if (!has_index) {
            while (*next_com < PC_MAX_SERIAL && pc->uart[*next_com])
                (*next_com)++;
            if (*next_com == PC_MAX_SERIAL) {
                snprintf(err, errlen, "-device %s: all %d COM ports are in "
                         "use", opts, PC_MAX_SERIAL);
                return -1;
            }
            index = (uint64_t)*next_com;
        }
        if (pc->uart[index]) {
            snprintf(err, errlen, "-device %s: COM%d is already present",
                     opts, (int)index + 1);
            return -1;
        }
        struct uart *u = uart_new(
            pc->m, has_iobase ? (uint16_t)iobase : com_ports[index].base,
            has_irq ? (int)irq : com_ports[index].irq, chr, why, sizeof why);
        if (!u)
            goto fail;
        pc->uart[index] = u;
        return 0;
    }
    }
fail:
    snprintf(err, errlen, "-device %s: %s", opts, why);
    return -1;
}

/* ---- the board ---- */

struct pc *pc_build(const struct pc_config *cfg, struct machine *m,
                    char *err, size_t errlen)
{
    char why[512];
    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!m) {
        m = machine_new(cfg->ram_size, why, sizeof why);
        if (!m) {
            snprintf(err, errlen, "-m: %s", why);
            free(pc);
            return NULL;
        }
        pc->own_machine = true;
    }
    pc->m = m;
    pc->chardevs = chardev_set_new(m);
    if (!pc->chardevs) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (cfg->nr_serial > PC_MAX_SERIAL || cfg->nr_chardevs > PC_MAX_OPTS ||
        cfg->nr_devices > PC_MAX_OPTS) {
        snprintf(err, errlen, "too many -serial/-chardev/-device options");
        goto fail;
    }

    for (int i = 0; i < cfg->nr_chardevs; i++)
        if (chardev_define(pc->chardevs, cfg->chardevs[i], err, errlen))
            goto fail;

    pc->pic = pic_new(m, why, sizeof why);
    if (!pc->pic) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }

    /* the chipset, then the ISA devices of a PC */
    if (!(pc->pci = pci_bus_new(m, err, errlen)) ||
        !(pc->i440fx = i440fx_new(m, pc->pci, err, errlen)) ||
        !(pc->piix = piix_new(m, pc->pci, err, errlen)) ||
        !(pc->pit = pit_new(m, PIT_IRQ, err, errlen)) ||
        !(pc->pcspk = pcspk_new(m, pc->pit, err, errlen)) ||
        !(pc->rtc = rtc_new(m, RTC_IRQ, err, errlen)) ||
        !(pc->i8042 = i8042_new(m, I8042_KBD_IRQ, I8042_AUX_IRQ, err,
                                errlen)) ||
        !(pc->port92 = port92_new(m, err, errlen)) ||
        !(pc->postcode = postcode_new(m, err, errlen)) ||
        !(pc->ferr = ferr_new(m, err, errlen)) ||
        !(pc->fw_cfg = fw_cfg_new(m, err, errlen)))
        goto fail;
    pc->ide = ide_new(m, pc->pci, cfg->drives, cfg->nr_drives, cfg->snapshot,
                      err, errlen);
    if (!pc->ide)
        goto fail;
    if (!cfg->vga || strcmp(cfg->vga, "none") != 0) {
        /* the video BIOS from -L or Debian's seabios; without one (and
         * without an explicit -vga) the card still works for guests that
         * program it themselves */
        char rom[4096];
        struct vga_config vc = { .rom = rom };
        if (pc_find_firmware(cfg, PC_VGA_ROM_NAME, rom, sizeof rom) != 0 &&
            !cfg->vga)
            vc.rom = "none";
        pc->vga = vga_new(m, &vc, err, errlen);
        if (!pc->vga ||
            !vga_pci_attach(pc->vga, pc->pci, PC_VGA_DEVFN, err, errlen)) {
            if (cfg->vga) {
                char why[512];
                snprintf(why, sizeof why, "-vga %s: %s", cfg->vga, err);
                snprintf(err, errlen, "%s", why);
            }
            goto fail;
        }
    }
    pc->a20_kbd = i8042_a20(pc->i8042);
    pc->a20_fast = port92_a20(pc->port92);
    i8042_set_a20_hook(pc->i8042, a20_from_kbd, pc);
    port92_set_a20_hook(pc->port92, a20_from_port92, pc);
    cmos_fill(pc, cfg);
    cmos_fill_disks(pc);
    if (fw_cfg_fill(pc, cfg)) {
        snprintf(err, errlen, "fw_cfg: out of memory");
        goto fail;
    }

    for (int i = 0; i < cfg->nr_serial; i++) {
        const char *spec = cfg->serial[i];
        if (!spec || strcmp(spec, "none") == 0)
            continue;
        struct chardev *chr = chardev_open(pc->chardevs, spec, why,
                                           sizeof why);
        if (!chr) {
            snprintf(err, errlen, "-serial %s: %s", spec, why);
            goto fail;
        }
        pc->uart[i] = uart_new(m, com_ports[i].base, com_ports[i].irq, chr,
                               why, sizeof why);
        if (!pc->uart[i]) {
            snprintf(err, errlen, "-serial %s: %s", spec, why);
            goto fail;
        }
    }

    if (cfg->debugcon && strcmp(cfg->debugcon, "none") != 0) {
        struct chardev *chr = chardev_open(pc->chardevs, cfg->debugcon, why,
                                           sizeof why);
        struct debugcon *d = NULL;
        if (chr)
            d = debugcon_new(m, DEBUGCON_DEFAULT_PORT,
                             DEBUGCON_DEFAULT_READBACK, chr, why, sizeof why);
        if (!d) {
            snprintf(err, errlen, "-debugcon %s: %s", cfg->debugcon, why);
            goto fail;
        }
        pc->debugcon[pc->nr_debugcon++] = d;
    }

    int next_com = 0;
    for (int i = 0; i < cfg->nr_devices; i++)
        if (add_device(pc, cfg->devices[i], &next_com, err, errlen))
            goto fail;
    piix_set_isa_presence(pc->piix, pc->uart[0] != NULL, pc->uart[1] != NULL,
                          false);

    char path[4096];
    const char *bios = cfg->bios;
    if (!bios) {
        if (pc_find_firmware(cfg, PC_DEFAULT_BIOS_NAME, path,
                             sizeof path) != 0) {
            snprintf(err, errlen, "no BIOS: %s is missing (apt-get install "
                     "seabios, or pass -bios FILE or -L DIR)",
                     PC_DEFAULT_BIOS);
            goto fail;
        }
        bios = path;
    } else if (strcmp(bios, "none") != 0) {
        pc_find_firmware(cfg, bios, path, sizeof path);
        bios = path;   /* a failed search leaves the name: open() says why */
    }
    if (strcmp(bios, "none") != 0 && pc_load_bios(m, bios, err, errlen))
        goto fail;

    if (!cfg->kernel && (cfg->initrd || cfg->append)) {
        snprintf(err, errlen, "%s needs -kernel",
                 cfg->initrd ? "-initrd" : "-append");
        goto fail;
    }
    if (cfg->kernel) {
        pc->kboot = linux_boot_open(m, cfg->kernel, cfg->initrd, cfg->append,
                                    err, errlen);
        if (!pc->kboot)
            goto fail;
        pc->direct_boot = strcmp(bios, "none") == 0;
        /* with a BIOS: our boot ROM and its fw_cfg items */
        if (!pc->direct_boot &&
            linux_boot_fw_cfg(pc->kboot, pc->fw_cfg, cfg->fw_dirs,
                              cfg->nr_fw_dirs, err, errlen))
            goto fail;
    }
    return pc;

fail:
    pc_free(pc);
    return NULL;
}

int pc_initial_state(struct pc *pc, struct x86_state *st, char *err,
                     size_t errlen)
{
    uint32_t sig = cpu_model_default()->signature;
    /* no BIOS to turn the IDE decoders on: do what SeaBIOS would */
    if (pc->direct_boot && pc->ide)
        ide_firmware_init(pc->ide);
    if (pc->direct_boot)
        return linux_boot_direct(pc->kboot, st, sig, err, errlen);
    x86_state_reset(st, sig);
    return 0;
}

void pc_free(struct pc *pc)
{
    if (!pc)
        return;
    linux_boot_free(pc->kboot);
    for (int i = 0; i < PC_MAX_SERIAL; i++)
        uart_free(pc->uart[i]);
    for (int i = 0; i < pc->nr_debugcon; i++)
        debugcon_free(pc->debugcon[i]);
    for (int i = 0; i < pc->nr_debug_exit; i++)
        debug_exit_free(pc->debug_exit[i]);
    fw_cfg_free(pc->fw_cfg);
    vga_free(pc->vga);
    postcode_free(pc->postcode);
    ferr_free(pc->ferr);
    port92_free(pc->port92);
    i8042_free(pc->i8042);
    rtc_free(pc->rtc);
    pcspk_free(pc->pcspk);
    pit_free(pc->pit);
    ide_free(pc->ide);
    piix_free(pc->piix);
    i440fx_free(pc->i440fx);
    pci_bus_free(pc->pci);
    pic_free(pc->pic);
    chardev_set_free(pc->chardevs);
    if (pc->own_machine)
        machine_free(pc->m);
    free(pc);
}
