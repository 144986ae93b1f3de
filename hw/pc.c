/* Assembles the PC.  See pc.h. */
#include "hw/pc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/chardev.h"
#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "hw/machine.h"
#include "hw/pic.h"
#include "hw/uart.h"

#define ISA_BIOS_MAX (128u << 10)

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

    const char *bios = cfg->bios;
    if (!bios) {
        if (access(PC_DEFAULT_BIOS, F_OK) != 0) {
            snprintf(err, errlen, "no BIOS: %s is missing (apt-get install "
                     "seabios, or pass -bios FILE)", PC_DEFAULT_BIOS);
            goto fail;
        }
        bios = PC_DEFAULT_BIOS;
    }
    if (strcmp(bios, "none") != 0 && pc_load_bios(m, bios, err, errlen))
        goto fail;
    return pc;

fail:
    pc_free(pc);
    return NULL;
}

void pc_free(struct pc *pc)
{
    if (!pc)
        return;
    for (int i = 0; i < PC_MAX_SERIAL; i++)
        uart_free(pc->uart[i]);
    for (int i = 0; i < pc->nr_debugcon; i++)
        debugcon_free(pc->debugcon[i]);
    for (int i = 0; i < pc->nr_debug_exit; i++)
        debug_exit_free(pc->debug_exit[i]);
    pic_free(pc->pic);
    chardev_set_free(pc->chardevs);
    if (pc->own_machine)
        machine_free(pc->m);
    free(pc);
}
