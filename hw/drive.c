/* -drive and its shorthands.  See drive.h. */
#include "hw/drive.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/block.h"

#define SPEC_MAX 4096

struct drive_spec {
    char file[SPEC_MAX];
    bool has_file;
    bool format_raw;          /* format=raw given: no probing */
    enum drive_media media;
    int index, bus, unit;     /* -1: not given */
    int read_only, snapshot;  /* -1: not given */
    const char *cache;        /* NULL: not given */
};

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int parse_small(const char *v, int max, int *out)
{
    char *end;
    if (*v < '0' || *v > '9')
        return -1;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n > max)
        return -1;
    *out = (int)n;
    return 0;
}

/* Next "key=value" item of s (at *pos), with ",," read as ','.  The key
 * and value are copied out; -1 at the end. */
static int next_item(const char *s, size_t *pos, char *key, size_t keylen,
                     char *val, size_t vallen, bool *has_eq)
{
    size_t i = *pos, k = 0, v = 0;
    bool in_val = false;

    if (!s[i])
        return -1;
    *has_eq = false;
    for (; s[i]; i++) {
        char c = s[i];
        if (c == ',') {
            if (s[i + 1] != ',') {
                i++;
                break;
            }
            i++;   /* ",," is a comma */
        } else if (c == '=' && !in_val) {
            in_val = true;
            *has_eq = true;
            continue;
        }
        if (in_val) {
            if (v + 1 < vallen)
                val[v++] = c;
        } else if (k + 1 < keylen) {
            key[k++] = c;
        }
    }
    key[k] = '\0';
    val[v] = '\0';
    *pos = i;
    return 0;
}

static int spec_parse(const char *opt, struct drive_spec *d, char *err,
                      size_t errlen)
{
    char key[64], val[SPEC_MAX];
    bool has_eq, seen_format = false;
    size_t pos = 0;
    unsigned seen = 0;
    static const char *const keys[] = {
        "file", "format", "if", "media", "index", "bus", "unit",
        "readonly", "snapshot", "cache", "id",
    };

    while (next_item(opt, &pos, key, sizeof key, val, sizeof val,
                     &has_eq) == 0) {
        if (!key[0] && !has_eq)
            continue;   /* an empty item (trailing comma) */
        if (!has_eq) {
            snprintf(err, errlen, "'%s' is not key=value", key);
            return -1;
        }
        if (!strcmp(key, "read-only"))
            strcpy(key, "readonly");
        size_t ki;
        for (ki = 0; ki < sizeof keys / sizeof keys[0]; ki++)
            if (!strcmp(key, keys[ki]))
                break;
        if (ki == sizeof keys / sizeof keys[0]) {
            snprintf(err, errlen, "unknown option '%s' (file, format, if, "
                     "media, index, bus, unit, readonly, snapshot, cache, "
                     "id)", key);
            return -1;
        }
        if (seen & (1u << ki)) {
            snprintf(err, errlen, "%s= given twice", key);
            return -1;
        }
        seen |= 1u << ki;

        int bad = 0;
        if (!strcmp(key, "file")) {
            snprintf(d->file, sizeof d->file, "%s", val);
            d->has_file = val[0] != '\0';
        } else if (!strcmp(key, "format")) {
            if (strcmp(val, "raw") != 0) {
                snprintf(err, errlen, "format=%s: only raw is supported",
                         val);
                return -1;
            }
            seen_format = true;
        } else if (!strcmp(key, "if")) {
            if (strcmp(val, "ide") != 0) {
                snprintf(err, errlen, "if=%s: only if=ide is supported",
                         val);
                return -1;
            }
        } else if (!strcmp(key, "media")) {
            if (!strcmp(val, "disk"))
                d->media = DRIVE_DISK;
            else if (!strcmp(val, "cdrom"))
                d->media = DRIVE_CDROM;
            else
                bad = 1;
        } else if (!strcmp(key, "index")) {
            bad = parse_small(val, DRIVE_MAX - 1, &d->index);
        } else if (!strcmp(key, "bus")) {
            bad = parse_small(val, 1, &d->bus);
        } else if (!strcmp(key, "unit")) {
            bad = parse_small(val, 1, &d->unit);
        } else if (!strcmp(key, "readonly")) {
            bad = parse_bool(val, &d->read_only);
        } else if (!strcmp(key, "snapshot")) {
            bad = parse_bool(val, &d->snapshot);
        } else if (!strcmp(key, "cache")) {
            static const char *const modes[] = {
                "none", "writeback", "writethrough", "directsync", "unsafe",
            };
            for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
                if (!strcmp(val, modes[i]))
                    d->cache = modes[i];
            bad = !d->cache;
        }
        if (bad) {
            snprintf(err, errlen, "bad value '%s' for %s%s", val, key,
                     !strcmp(key, "media") ? " (disk, cdrom)" :
                     !strcmp(key, "index") ? " (0-3)" :
                     !strcmp(key, "bus") || !strcmp(key, "unit") ?
                     " (0 or 1)" :
                     !strcmp(key, "cache") ? " (none, writeback, "
                     "writethrough, directsync, unsafe)" : " (on, off)");
            return -1;
        }
    }
    d->format_raw = seen_format;
    if (d->index >= 0 && (d->bus >= 0 || d->unit >= 0)) {
        snprintf(err, errlen, "index= cannot be combined with bus= or "
                 "unit=");
        return -1;
    }
    return 0;
}

static void describe(const struct drive_arg *a, char *out, size_t len)
{
    if (a->index < 0)
        snprintf(out, len, "-drive %s", a->opt);
    else if (a->cdrom)
        snprintf(out, len, "-cdrom %s", a->opt);
    else
        snprintf(out, len, "-hd%c %s", 'a' + a->index, a->opt);
}

/* Open the image of one drive; notes go to stderr. */
static int spec_open(const struct drive_spec *d, bool snapshot,
                     const char *what, struct drive *out, char *err,
                     size_t errlen)
{
    char why[512];

    out->present = true;
    out->media = d->media;
    out->blk = NULL;
    if (!d->has_file) {
        if (d->media == DRIVE_CDROM)
            return 0;   /* an empty CD-ROM drive */
        snprintf(err, errlen, "%s: a disk needs file=IMAGE", what);
        return -1;
    }
    struct block_opts bo = {
        .read_only = d->media == DRIVE_CDROM || d->read_only == 1,
        .snapshot = d->media == DRIVE_DISK &&
                    (snapshot || d->snapshot == 1),
    };
    struct block *b = block_open(d->file, &bo, why, sizeof why);
    if (!b) {
        snprintf(err, errlen, "%s: cannot open %s: %s", what, d->file, why);
        return -1;
    }
    if (!d->format_raw) {
        uint8_t head[512];
        uint64_t have = block_sectors(b) * BLOCK_SECTOR;
        size_t n = have < sizeof head ? (size_t)have : sizeof head;
        const char *fmt = NULL;
        if (n && block_read(b, 0, head, n) == 0)
            fmt = block_probe_format(head, n);
        if (fmt) {
            snprintf(err, errlen, "%s: %s is a %s image; only raw is "
                     "supported (convert it: qemu-img convert -O raw %s "
                     "disk.img)", what, d->file, fmt, d->file);
            block_close(b);
            return -1;
        }
    }
    if (d->cache)
        fprintf(stderr, "tandem: note: %s: cache=%s is ignored: writes go "
                "through the host's page cache, and the guest's FLUSH "
                "CACHE reaches the disk with fsync\n", what, d->cache);
    if (block_fell_back_ro(b) && d->media == DRIVE_DISK)
        fprintf(stderr, "tandem: note: %s: %s is not writable; the guest "
                "sees a read-only disk\n", what, d->file);
    out->blk = b;
    return 0;
}

int drives_open(const struct drive_arg *args, int n, bool snapshot,
                struct drive out[DRIVE_MAX], char *err, size_t errlen)
{
    char what[DRIVE_MAX][160];
    char desc[SPEC_MAX + 32], why[SPEC_MAX + 256];
    struct drive_spec *d = malloc(sizeof *d);

    memset(out, 0, sizeof(struct drive) * DRIVE_MAX);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const struct drive_arg *a = &args[i];
        memset(d, 0, sizeof *d);
        d->index = d->bus = d->unit = -1;
        d->read_only = d->snapshot = -1;
        describe(a, desc, sizeof desc);
        if (a->index < 0) {
            if (spec_parse(a->opt, d, why, sizeof why)) {
                snprintf(err, errlen, "%s: %s", desc, why);
                goto fail;
            }
        } else {
            if (!a->opt[0]) {
                snprintf(err, errlen, "%s: empty file name", desc);
                goto fail;
            }
            if (a->index >= DRIVE_MAX) {
                snprintf(err, errlen, "%s: no such IDE slot", desc);
                goto fail;
            }
            snprintf(d->file, sizeof d->file, "%s", a->opt);
            d->has_file = true;
            d->index = a->index;
            d->media = a->cdrom ? DRIVE_CDROM : DRIVE_DISK;
        }

        int slot = d->index;
        if (slot < 0 && (d->bus >= 0 || d->unit >= 0)) {
            int bus = d->bus >= 0 ? d->bus : 0;
            if (d->unit >= 0) {
                slot = bus * 2 + d->unit;
            } else {
                slot = bus * 2;
                if (out[slot].present)
                    slot++;
            }
        } else if (slot < 0) {
            for (slot = 0; slot < DRIVE_MAX && out[slot].present; slot++)
                ;
            if (slot == DRIVE_MAX) {
                snprintf(err, errlen, "%s: no free IDE slot (all four are "
                         "in use)", desc);
                goto fail;
            }
        }
        if (out[slot].present) {
            snprintf(err, errlen, "%s: IDE index=%d (bus=%d, unit=%d) is "
                     "already used by %s", desc, slot, slot / 2, slot % 2,
                     what[slot]);
            goto fail;
        }
        /* the slot's owner, shortened, for a later clash */
        snprintf(what[slot], sizeof what[slot], "%.*s%s", 120, desc,
                 strlen(desc) > 120 ? "..." : "");
        if (spec_open(d, snapshot, desc, &out[slot], err, errlen))
            goto fail;
    }
    free(d);
    return 0;

fail:
    free(d);
    drives_close(out);
    return -1;
}

void drives_close(struct drive d[DRIVE_MAX])
{
    for (int i = 0; i < DRIVE_MAX; i++) {
        block_close(d[i].blk);
        d[i].blk = NULL;
        d[i].present = false;
    }
}
