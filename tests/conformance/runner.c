/* Conformance runner: replays hardware-recorded 80286 real-mode single-step
 * tests (SingleStepTests/80286, MOO format) on the interp CPU library.
 *
 *   runner [-v] [-q] [-X] [-d DIR] [OPCODE...]
 *
 * DIR holds the XX.MOO.gz files and metadata.json (default: $CONFORMANCE_DIR,
 * else ../shared/conformance/singlestep-80286-real/v1_real_mode).  OPCODE is a
 * file name with or without .MOO.gz ("80.4", "F6.6.MOO.gz").  The last line
 * is "N passed, N failed, N skipped"; excused tests count as skipped.
 *
 * MOO format: doc/moo_format_v1.md in github.com/dbalsom/moo.  Each test
 * ends in a HLT (also at any jump target or exception handler the test
 * reaches); the recorded final IP is the one after that HLT, which is also
 * where our CPU leaves EIP when it stops on HLT, so IPs compare directly. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"

#define DEFAULT_DIR "../shared/conformance/singlestep-80286-real/v1_real_mode"
#define RAM_SIZE (16u << 20)
#define MAX_INSNS 1000          /* no HLT after this many: the test fails */
#define RUN_SLICE 64
#define MAX_WPAGES 64

/* FLAGS bits that are compared at all: the 286 reads bits 12-15 as 0 in
 * real mode where a 386 keeps IOPL/NT, and bits 1, 3, 5 are reserved. */
#define FLAGS_CMP_MASK 0x0fd5u
/* FLAGS bits loaded from a test's initial state (see the 80286 README:
 * IOPL/NT cannot be set in real mode, so the random top bits never were). */
#define FLAGS_INIT_MASK 0x0fd5u

enum { RG_AX, RG_BX, RG_CX, RG_DX, RG_CS, RG_SS, RG_DS, RG_ES, RG_SP, RG_BP,
       RG_SI, RG_DI, RG_IP, RG_FLAGS, NR_REGS };

static const char *const reg_names[NR_REGS] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di",
    "ip", "flags",
};

/* ------------------------------------------------------------------ */
/* Options and results                                                */

struct opts {
    bool verbose, quiet;
    bool no_excuses;        /* -X: run excused tests as ordinary ones */
    const char *dir;
};

#define MAX_REASONS 8

struct totals {
    unsigned long passed, failed, skipped, excused;
    struct { const char *why; unsigned long n; } reasons[MAX_REASONS];
};

static void totals_excuse(struct totals *tot, const char *why)
{
    for (int k = 0; k < MAX_REASONS; k++) {
        if (!tot->reasons[k].why)
            tot->reasons[k].why = why;
        if (tot->reasons[k].why == why) {
            tot->reasons[k].n++;
            return;
        }
    }
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("conformance: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------ */
/* metadata.json: a small streaming JSON reader that reports every scalar
 * with the path of object keys leading to it.  Only what metadata.json
 * uses is supported (objects, arrays, strings, numbers, literals). */

#define JSON_DEPTH 8
#define JSON_KEY 32

struct meta_entry {
    char op[16];            /* "80" or "80.4" */
    char status[24];
    unsigned flags_mask;    /* 0xffff when the file gives none */
};

struct meta {
    struct meta_entry *e;
    int n, cap;
};

struct json {
    const char *p, *end;
    char path[JSON_DEPTH][JSON_KEY];
    int depth;
    struct meta *meta;
    const char *err;
};

static struct meta_entry *meta_get(struct meta *m, const char *op, bool add)
{
    for (int k = 0; k < m->n; k++)
        if (!strcmp(m->e[k].op, op))
            return &m->e[k];
    if (!add)
        return NULL;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->e = realloc(m->e, (size_t)m->cap * sizeof *m->e);
        if (!m->e)
            die("out of memory");
    }
    struct meta_entry *e = &m->e[m->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->op, sizeof e->op, "%s", op);
    e->flags_mask = 0xffff;
    return e;
}

/* opcodes.OP.FIELD or opcodes.OP.reg.R.FIELD */
static void json_scalar(struct json *j, const char *val)
{
    char op[16];
    const char *field;
    if (j->depth < 3 || strcmp(j->path[0], "opcodes"))
        return;
    if (j->depth == 3) {
        snprintf(op, sizeof op, "%.15s", j->path[1]);
        field = j->path[2];
    } else if (j->depth == 5 && !strcmp(j->path[2], "reg")) {
        snprintf(op, sizeof op, "%.6s.%.6s", j->path[1], j->path[3]);
        field = j->path[4];
    } else {
        return;
    }
    if (!strcmp(field, "status")) {
        struct meta_entry *e = meta_get(j->meta, op, true);
        snprintf(e->status, sizeof e->status, "%s", val);
    } else if (!strcmp(field, "flags-mask")) {
        meta_get(j->meta, op, true)->flags_mask = (unsigned)strtoul(val, NULL, 0) & 0xffff;
    }
}

static void json_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
                             *j->p == '\r'))
        j->p++;
}

/* Reads a string into buf (escapes kept simple: \x becomes x). */
static bool json_string(struct json *j, char *buf, size_t size)
{
    size_t n = 0;
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char ch = *j->p++;
        if (ch == '\\' && j->p < j->end)
            ch = *j->p++;
        if (n + 1 < size)
            buf[n++] = ch;
    }
    if (j->p >= j->end)
        return false;
    j->p++;
    buf[n] = 0;
    return true;
}

static bool json_value(struct json *j);

static bool json_object(struct json *j)
{
    j->p++;   /* { */
    json_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return true;
    }
    for (;;) {
        char key[JSON_KEY];
        json_ws(j);
        if (!json_string(j, key, sizeof key))
            return false;
        json_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return false;
        j->p++;
        if (j->depth >= JSON_DEPTH)
            return false;
        snprintf(j->path[j->depth], JSON_KEY, "%s", key);
        j->depth++;
        bool ok = json_value(j);
        j->depth--;
        if (!ok)
            return false;
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool json_array(struct json *j)
{
    j->p++;   /* [ */
    json_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return true;
    }
    for (;;) {
        if (!json_value(j))
            return false;
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool json_value(struct json *j)
{
    char buf[64];
    json_ws(j);
    if (j->p >= j->end)
        return false;
    switch (*j->p) {
    case '{':
        return json_object(j);
    case '[':
        return json_array(j);
    case '"':
        if (!json_string(j, buf, sizeof buf))
            return false;
        json_scalar(j, buf);
        return true;
    default: {
        size_t n = 0;
        while (j->p < j->end && !strchr(",}] \t\r\n", *j->p)) {
            if (n + 1 < sizeof buf)
                buf[n++] = *j->p;
            j->p++;
        }
        if (!n)
            return false;
        buf[n] = 0;
        json_scalar(j, buf);
        return true;
    }
    }
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf)
            die("out of memory");
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static void meta_load(struct meta *m, const char *dir)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/metadata.json", dir);
    char *text = read_file(path, &len);
    if (!text)
        die("%s: %s", path, strerror(errno));
    struct json j = { .p = text, .end = text + len, .meta = m };
    if (!json_value(&j))
        die("%s: malformed JSON near byte %ld", path, (long)(j.p - text));
    free(text);
}

/* ------------------------------------------------------------------ */
/* revocation_list.txt: SHA-1 hex strings, one per line, '#' comments.  It
 * sits beside metadata.json or one folder up. */

struct revoked {
    uint8_t (*h)[20];
    int n;
};

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static void revoked_load(struct revoked *r, const char *dir)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/revocation_list.txt", dir);
    char *text = read_file(path, &len);
    if (!text) {
        snprintf(path, sizeof path, "%s/../revocation_list.txt", dir);
        text = read_file(path, &len);
    }
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '#' || strlen(line) < 40)
            continue;
        uint8_t h[20];
        bool ok = true;
        for (int k = 0; k < 20 && ok; k++) {
            int hi = hexval(line[2 * k]), lo = hexval(line[2 * k + 1]);
            ok = hi >= 0 && lo >= 0;
            h[k] = (uint8_t)(hi << 4 | lo);
        }
        if (!ok)
            continue;
        r->h = realloc(r->h, (size_t)(r->n + 1) * sizeof *r->h);
        if (!r->h)
            die("out of memory");
        memcpy(r->h[r->n++], h, 20);
    }
    free(text);
}

static bool revoked_has(const struct revoked *r, const uint8_t *h)
{
    for (int k = 0; k < r->n; k++)
        if (!memcmp(r->h[k], h, 20))
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* MOO reader.  The whole decompressed file is kept in memory; a test
 * points into it. */

struct span {
    const uint8_t *p;
    uint32_t len;
};

struct moo_state {
    uint16_t mask;              /* registers present */
    uint16_t regs[NR_REGS];
    struct span ram;            /* count-less: len = entries * 5 */
    uint32_t nram;
};

struct moo_test {
    uint32_t idx;
    char name[96];
    uint8_t bytes[32];
    uint32_t nbytes;
    struct moo_state init, fina;
    bool has_excp;
    uint8_t excp_vec;
    uint32_t excp_flags_addr;
    uint8_t hash[20];
};

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Next chunk of [*p, end): its id and payload; false at the end or when
 * the chunk runs past `end` (then *bad is set). */
static bool moo_chunk(const uint8_t **p, const uint8_t *end, char id[5],
                      struct span *body, bool *bad)
{
    if (*p == end)
        return false;
    if (end - *p < 8) {
        *bad = true;
        return false;
    }
    memcpy(id, *p, 4);
    id[4] = 0;
    uint32_t len = le32(*p + 4);
    if ((uint64_t)(end - *p - 8) < len) {
        *bad = true;
        return false;
    }
    body->p = *p + 8;
    body->len = len;
    *p += 8 + (size_t)len;
    return true;
}

static const char *moo_state_parse(struct span s, struct moo_state *st)
{
    const uint8_t *p = s.p, *end = s.p + s.len;
    char id[5];
    struct span b;
    bool bad = false;
    memset(st, 0, sizeof *st);
    while (moo_chunk(&p, end, id, &b, &bad)) {
        if (!strcmp(id, "REGS")) {
            if (b.len < 2)
                return "short REGS";
            st->mask = le16(b.p) & ((1u << NR_REGS) - 1);
            uint32_t off = 2;
            for (int r = 0; r < NR_REGS; r++) {
                if (!(st->mask & (1u << r)))
                    continue;
                if (off + 2 > b.len)
                    return "short REGS";
                st->regs[r] = le16(b.p + off);
                off += 2;
            }
        } else if (!strcmp(id, "RAM ")) {
            if (b.len < 4)
                return "short RAM";
            st->nram = le32(b.p);
            if ((uint64_t)st->nram * 5 > b.len - 4)
                return "RAM entries past chunk";
            st->ram.p = b.p + 4;
            st->ram.len = st->nram * 5;
        }
        /* QUEU, RMSK and anything newer: not needed here */
    }
    return bad ? "truncated chunk" : NULL;
}

static const char *moo_test_parse(struct span s, struct moo_test *t)
{
    const uint8_t *p, *end = s.p + s.len;
    char id[5];
    struct span b;
    bool bad = false, have_init = false, have_fina = false;
    memset(t, 0, sizeof *t);
    if (s.len < 4)
        return "short TEST";
    t->idx = le32(s.p);
    p = s.p + 4;
    while (moo_chunk(&p, end, id, &b, &bad)) {
        const char *err = NULL;
        if (!strcmp(id, "NAME") && b.len >= 4) {
            uint32_t n = le32(b.p);
            if (n > b.len - 4)
                return "NAME past chunk";
            snprintf(t->name, sizeof t->name, "%.*s", (int)n, (const char *)b.p + 4);
        } else if (!strcmp(id, "BYTS") && b.len >= 4) {
            uint32_t n = le32(b.p);
            if (n > b.len - 4)
                return "BYTS past chunk";
            t->nbytes = n < sizeof t->bytes ? n : sizeof t->bytes;
            memcpy(t->bytes, b.p + 4, t->nbytes);
        } else if (!strcmp(id, "INIT")) {
            err = moo_state_parse(b, &t->init);
            have_init = true;
        } else if (!strcmp(id, "FINA")) {
            err = moo_state_parse(b, &t->fina);
            have_fina = true;
        } else if (!strcmp(id, "EXCP") && b.len >= 5) {
            t->has_excp = true;
            t->excp_vec = b.p[0];
            t->excp_flags_addr = le32(b.p + 1);
        } else if (!strcmp(id, "HASH") && b.len >= 20) {
            memcpy(t->hash, b.p, 20);
        }
        if (err)
            return err;
    }
    if (bad)
        return "truncated chunk";
    if (!have_init || !have_fina)
        return "TEST without INIT or FINA";
    if ((t->init.mask & 0x3fff) != 0x3fff)
        return "INIT lacks registers";
    return NULL;
}

static uint8_t *gz_slurp(const char *path, size_t *len, const char **err)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        *err = strerror(errno ? errno : ENOENT);
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            die("out of memory");
        int got = gzread(f, buf + n, (unsigned)(cap - n));
        if (got < 0) {
            int zerr;
            *err = gzerror(f, &zerr);
            gzclose(f);
            free(buf);
            return NULL;
        }
        n += (size_t)got;
        if (got == 0)
            break;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    gzclose(f);
    *len = n;
    return buf;
}

/* ------------------------------------------------------------------ */
/* 286-versus-386 differences.  The recorded behaviour is right for a 286,
 * but tandem models a 386-or-later CPU, which is architecturally defined to
 * behave otherwise.  Each rule looks at the test's data only (never at our
 * result) and either skips the test or adjusts what is compared; a test a
 * rule applies to counts as excused when it passes with the adjustment (or
 * is skipped), and as failed otherwise. */

struct excuse {
    const char *why;
    bool skip;              /* cannot be compared at all */
    bool alias_ss;          /* vector 12 (#SS) delivered through vector 13 */
    uint16_t ignore_regs;   /* registers (1 << RG_x) not compared */
    uint32_t patch;         /* instruction bytes (1 << index) replaced ... */
    uint8_t patch_byte;     /* ... by this one */
};

static bool is_seg_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e;
}

static unsigned prefix_len(const struct moo_test *t)
{
    unsigned n = 0;
    while (n < t->nbytes && (is_seg_prefix(t->bytes[n]) || t->bytes[n] == 0xf0 ||
                             t->bytes[n] == 0xf2 || t->bytes[n] == 0xf3))
        n++;
    return n;
}

static bool has_prefix(const struct moo_test *t, uint8_t p)
{
    unsigned n = prefix_len(t);
    for (unsigned k = 0; k < n; k++)
        if (t->bytes[k] == p)
            return true;
    return false;
}

/* The last segment override wins; 0 when there is none. */
static uint8_t seg_override(const struct moo_test *t)
{
    unsigned n = prefix_len(t);
    uint8_t seg = 0;
    for (unsigned k = 0; k < n; k++)
        if (is_seg_prefix(t->bytes[k]))
            seg = t->bytes[k];
    return seg;
}

/* The instruction without its prefixes and without the HLT after it. */
static unsigned insn_len(const struct moo_test *t)
{
    unsigned n = t->nbytes;
    if (n > 1 && t->bytes[n - 1] == 0xf4)
        n--;
    return n;
}

/* Whether a 386 accepts LOCK on this instruction: the read-modify-write
 * forms with a memory destination (SDM vol. 2, LOCK). */
static bool lockable_386(const struct moo_test *t)
{
    unsigned n = prefix_len(t);
    if (n + 1 >= t->nbytes)
        return false;
    uint8_t op = t->bytes[n], modrm = t->bytes[n + 1];
    unsigned reg = (modrm >> 3) & 7;
    if ((modrm >> 6) == 3)
        return false;
    if (op < 0x40 && (op & 7) <= 1 && (op >> 3) != 7)   /* ALU r/m, r; not CMP */
        return true;
    if (op >= 0x80 && op <= 0x83)
        return reg != 7;                                 /* not CMP */
    if (op == 0x86 || op == 0x87)
        return true;
    if (op == 0xf6 || op == 0xf7)
        return reg == 2 || reg == 3;                     /* NOT, NEG */
    if (op == 0xfe || op == 0xff)
        return reg <= 1;                                 /* INC, DEC */
    return false;
}

static bool has_modrm(uint8_t op)
{
    return (op < 0x40 && (op & 7) < 4) || op == 0x62 || op == 0x69 ||
           op == 0x6b || (op >= 0x80 && op <= 0x8f) || op == 0xc0 ||
           op == 0xc1 || op == 0xc4 || op == 0xc5 || op == 0xc6 || op == 0xc7 ||
           (op >= 0xd0 && op <= 0xd3) || op == 0xf6 || op == 0xf7 ||
           op == 0xfe || op == 0xff;
}

/* A ModRM memory operand based on BP, whose default segment is SS. */
static bool bp_based(const struct moo_test *t)
{
    unsigned n = prefix_len(t);
    if (n + 1 >= t->nbytes || !has_modrm(t->bytes[n]))
        return false;
    uint8_t modrm = t->bytes[n + 1];
    unsigned mod = modrm >> 6, rm = modrm & 7;
    return mod != 3 && (rm == 2 || rm == 3 || (rm == 6 && mod != 0));
}

/* Whether the instruction touches the stack segment: an implicit stack
 * operation, a BP-based ModRM operand, or an SS: override. */
static bool uses_ss(const struct moo_test *t)
{
    unsigned n = prefix_len(t);
    if (n >= t->nbytes)
        return false;
    uint8_t op = t->bytes[n], seg = seg_override(t);
    if (seg == 0x36)
        return true;
    switch (op) {
    case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e:
    case 0x1f: case 0x60: case 0x61: case 0x68: case 0x6a: case 0x8f:
    case 0x9a: case 0x9c: case 0x9d: case 0xc2: case 0xc3: case 0xc8:
    case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce:
    case 0xcf: case 0xe8:
        return true;
    default:
        break;
    }
    if (op >= 0x50 && op <= 0x5f)
        return true;
    if (!has_modrm(op) || n + 1 >= t->nbytes)
        return false;
    unsigned reg = (t->bytes[n + 1] >> 3) & 7;
    if (op == 0xff && (reg == 2 || reg == 3 || reg == 6))
        return true;                        /* CALL, CALL FAR, PUSH */
    return !seg && bp_based(t);
}

static bool is_string_op(const struct moo_test *t)
{
    unsigned n = prefix_len(t);
    if (n >= t->nbytes)
        return false;
    uint8_t op = t->bytes[n];
    return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) ||
           (op >= 0xaa && op <= 0xaf);
}

static bool excuse_find(const struct moo_test *t, struct excuse *e)
{
    memset(e, 0, sizeof *e);
    unsigned n = prefix_len(t);
    uint8_t op = n < t->nbytes ? t->bytes[n] : 0;
    uint8_t modrm = n + 1 < t->nbytes ? t->bytes[n + 1] : 0;
    bool gp = t->has_excp && t->excp_vec == 13, ud = t->has_excp && t->excp_vec == 6;

    /* The 286 limits an instruction to 10 bytes and faults beyond that
     * (the recorded tests show #GP(13)); a 386 allows 15 (SDM vol. 3
     * 2.3.11 / vol. 2 2.3.11) and runs the instruction. */
    if (t->has_excp && insn_len(t) > 10) {
        e->why = "instruction over 10 bytes";
        e->skip = true;
        return true;
    }
    /* LOCK on an instruction that cannot be locked, or with a register
     * destination, is #UD on a 386 (SDM vol. 2, LOCK); the 286 runs it as
     * if LOCK were absent.  So the LOCK bytes are replaced by a segment
     * prefix that changes nothing (the last override again, else the
     * operand's default segment), and the rest is checked as usual. */
    if (has_prefix(t, 0xf0) && !lockable_386(t) && !ud) {
        e->why = "LOCK where a 386 raises #UD (run without it)";
        for (unsigned k = 0; k < n; k++)
            if (t->bytes[k] == 0xf0)
                e->patch |= 1u << k;
        e->patch_byte = seg_override(t);
        if (!e->patch_byte)
            e->patch_byte = bp_based(t) ? 0x36 : 0x3e;
    }
    /* MOV Sreg with reg 4/5 names FS/GS on a 386; the 286 has no such
     * registers and raises #UD. */
    if ((op == 0x8c || op == 0x8e) && ud && (((modrm >> 3) & 7) == 4 ||
                                             ((modrm >> 3) & 7) == 5)) {
        e->why = "MOV to/from FS/GS (#UD on the 286)";
        e->skip = true;
        return true;
    }
    /* A string instruction faulting on a word at offset 0xFFFF: the 286
     * has already stepped SI/DI (and CX under REP) when it raises #GP; a
     * 386 fault leaves them untouched so the instruction restarts (SDM
     * vol. 3 6.5, faults are restartable). */
    if (gp && is_string_op(t)) {
        e->why = e->why ? e->why : "string op fault: 286 steps SI/DI/CX first";
        e->ignore_regs = 1u << RG_SI | 1u << RG_DI | 1u << RG_CX;
        e->alias_ss = seg_override(t) == 0x36;
        return true;
    }
    /* Real mode: the 286 raises #GP(13) for any operand that wraps past
     * offset 0xFFFF, stack included; a 386 raises #SS(12) for SS-relative
     * ones (SDM vol. 2, "Real-Address Mode Exceptions").  Vector 12 is
     * routed to the recorded vector 13 handler, so all else is checked. */
    if (gp && uses_ss(t)) {
        e->why = e->why ? e->why : "stack wrap: #GP on the 286, #SS on a 386";
        e->alias_ss = true;
    }
    return e->why != NULL;
}

/* ------------------------------------------------------------------ */
/* The test machine: 16 MiB of flat RAM and nothing else. */

struct rig {
    uint8_t *ram;
    struct cpu *cpu;
    /* pages handed out for writing during the current test */
    uint32_t wpages[MAX_WPAGES];
    int nwpages;
    bool wpages_overflow;
    bool aliased;           /* IVT entry 12 was written by rig_alias_ss */
};

static uint8_t *rig_page_ptr(void *opaque, uint64_t gpa, bool write)
{
    struct rig *r = opaque;
    if (gpa >= RAM_SIZE)
        return NULL;
    uint32_t page = (uint32_t)(gpa >> 12);
    if (write) {
        int k;
        for (k = 0; k < r->nwpages && r->wpages[k] != page; k++)
            ;
        if (k == r->nwpages) {
            if (r->nwpages < MAX_WPAGES)
                r->wpages[r->nwpages++] = page;
            else
                r->wpages_overflow = true;
        }
    }
    return r->ram + ((uint32_t)gpa & ~0xfffu);
}

static uint64_t rig_mem_read(void *opaque, uint64_t gpa, unsigned size)
{
    (void)opaque;
    (void)gpa;
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void rig_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)gpa;
    (void)val;
    (void)size;
}

static uint32_t rig_io_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void rig_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)val;
    (void)size;
}

static void ram_put(struct rig *r, const struct span *ram, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t a = le32(ram->p + 5 * k);
        if (a < RAM_SIZE) {
            r->ram[a] = ram->p[5 * k + 4];
            cpu_invalidate_code(r->cpu, a, 1);
        }
    }
}

static void ram_clear(struct rig *r, const struct span *ram, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t a = le32(ram->p + 5 * k);
        if (a < RAM_SIZE && r->ram[a]) {
            r->ram[a] = 0;
            cpu_invalidate_code(r->cpu, a, 1);
        }
    }
}

/* Linear address of instruction byte k (the code starts at CS:IP). */
static uint32_t code_addr(const struct moo_test *t, unsigned k)
{
    return ((uint32_t)t->init.regs[RG_CS] << 4) + (uint16_t)(t->init.regs[RG_IP] + k);
}

/* Replace the instruction bytes the excuse names (see excuse_find). */
static void rig_patch(struct rig *r, const struct moo_test *t, const struct excuse *e)
{
    for (unsigned k = 0; k < 32; k++)
        if (e->patch & (1u << k)) {
            r->ram[code_addr(t, k)] = e->patch_byte;
            cpu_invalidate_code(r->cpu, code_addr(t, k), 1);
        }
}

static bool patched(const struct moo_test *t, const struct excuse *e, uint32_t a)
{
    for (unsigned k = 0; e && k < 32; k++)
        if ((e->patch & (1u << k)) && code_addr(t, k) == a)
            return true;
    return false;
}

/* Route vector 12 to vector 13's handler (see excuse_find). */
static void rig_alias_ss(struct rig *r)
{
    memcpy(r->ram + 12 * 4, r->ram + 13 * 4, 4);
    cpu_invalidate_code(r->cpu, 12 * 4, 4);
    r->aliased = true;
}

/* After a test: zero what the test wrote and what the CPU may have written. */
static void rig_clean(struct rig *r, const struct moo_test *t)
{
    ram_clear(r, &t->init.ram, t->init.nram);
    if (r->aliased) {
        memset(r->ram + 12 * 4, 0, 4);
        cpu_invalidate_code(r->cpu, 12 * 4, 4);
        r->aliased = false;
    }
    for (int k = 0; k < r->nwpages; k++) {
        memset(r->ram + ((size_t)r->wpages[k] << 12), 0, 4096);
        cpu_invalidate_code(r->cpu, (uint64_t)r->wpages[k] << 12, 4096);
    }
    if (r->wpages_overflow) {
        memset(r->ram, 0, RAM_SIZE);
        cpu_invalidate_code(r->cpu, 0, RAM_SIZE);
    }
    r->nwpages = 0;
    r->wpages_overflow = false;
}

static const enum x86_gpr gpr_of[NR_REGS] = {
    [RG_AX] = R_EAX, [RG_BX] = R_EBX, [RG_CX] = R_ECX, [RG_DX] = R_EDX,
    [RG_SP] = R_ESP, [RG_BP] = R_EBP, [RG_SI] = R_ESI, [RG_DI] = R_EDI,
};

static int sreg_of(int r)
{
    switch (r) {
    case RG_CS: return S_CS;
    case RG_SS: return S_SS;
    case RG_DS: return S_DS;
    case RG_ES: return S_ES;
    default: return -1;
    }
}

static uint16_t state_reg(const struct x86_state *s, int r)
{
    if (r == RG_IP)
        return (uint16_t)s->rip;
    if (r == RG_FLAGS)
        return (uint16_t)s->rflags;
    int sr = sreg_of(r);
    if (sr >= 0)
        return s->seg[sr].sel;
    return (uint16_t)s->gpr[gpr_of[r]];
}

static void rig_load(struct rig *r, const struct moo_test *t)
{
    cpu_reset(r->cpu);
    struct x86_state *s = cpu_state(r->cpu);
    const uint16_t *v = t->init.regs;
    for (int k = 0; k < NR_REGS; k++) {
        if (k == RG_IP || k == RG_FLAGS)
            continue;
        int sr = sreg_of(k);
        if (sr >= 0)
            x86_seg_load_real(&s->seg[sr], v[k]);   /* limit stays 0xffff */
        else
            s->gpr[gpr_of[k]] = v[k];
    }
    s->rip = v[RG_IP];
    s->rflags = (v[RG_FLAGS] & FLAGS_INIT_MASK) | 0x2;
    s->cr0 &= ~(uint64_t)CR0_PE;
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    cpu_state_changed(r->cpu);
    ram_put(r, &t->init.ram, t->init.nram);
}

/* ------------------------------------------------------------------ */
/* Running and comparing one test. */

#define MAX_RAM_DIFFS 8

struct diff {
    char text[2048];
    size_t len;
    unsigned ram_diffs;     /* RAM mismatches, only the first few shown */
};

static void diff_add(struct diff *d, const char *fmt, ...)
{
    va_list ap;
    if (d->len >= sizeof d->text - 1)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(d->text + d->len, sizeof d->text - d->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->len += (size_t)n;
    if (d->len > sizeof d->text - 1)
        d->len = sizeof d->text - 1;
}

/* Expected value of RAM byte `a` according to FINA, falling back to INIT
 * (a byte the instruction did not change is not listed in FINA). */
static bool ram_lookup(const struct span *ram, uint32_t n, uint32_t a, uint8_t *v)
{
    bool found = false;
    for (uint32_t k = 0; k < n; k++)
        if (le32(ram->p + 5 * k) == a) {
            *v = ram->p[5 * k + 4];
            found = true;   /* keep going: the last entry wins */
        }
    return found;
}

/* Where an exception or interrupt pushed FLAGS: SS:SP+4 of the final
 * state (the handler only runs HLT).  EXCP's own address is rounded down to
 * even when SP is odd (it is the bus address), so it is not used. */
static void flags_slot(const struct moo_test *t, uint32_t slot[2])
{
    uint16_t ss = (t->fina.mask & (1u << RG_SS)) ? t->fina.regs[RG_SS] : t->init.regs[RG_SS];
    uint16_t sp = (t->fina.mask & (1u << RG_SP)) ? t->fina.regs[RG_SP] : t->init.regs[RG_SP];
    slot[0] = ((uint32_t)ss << 4) + (uint16_t)(sp + 4);
    slot[1] = ((uint32_t)ss << 4) + (uint16_t)(sp + 5);
}

static uint8_t ram_mask(const struct moo_test *t, uint32_t a, unsigned fmask)
{
    if (!t->has_excp)
        return 0xff;
    uint32_t slot[2];
    flags_slot(t, slot);
    if (a == slot[0])
        return (uint8_t)fmask;
    if (a == slot[1])
        return (uint8_t)(fmask >> 8);
    return 0xff;
}

static bool check_byte(struct rig *r, const struct moo_test *t, uint32_t a,
                       uint8_t want, unsigned fmask, struct diff *d)
{
    uint8_t got = a < RAM_SIZE ? r->ram[a] : 0xff;
    uint8_t m = ram_mask(t, a, fmask);
    if ((got & m) == (want & m))
        return true;
    if (d->ram_diffs++ >= MAX_RAM_DIFFS)
        return false;
    diff_add(d, "    ram[%06x]: want %02x got %02x", a, want, got);
    if (m != 0xff)
        diff_add(d, " (mask %02x)", m);
    diff_add(d, "\n");
    return false;
}

/* Returns true when the test passes; else fills d. */
static bool run_test(struct rig *r, const struct moo_test *t, unsigned meta_mask,
                     const struct excuse *ex, struct diff *d)
{
    bool ok = true;
    rig_load(r, t);
    if (ex && ex->alias_ss)
        rig_alias_ss(r);
    if (ex && ex->patch)
        rig_patch(r, t, ex);
    uint64_t start = cpu_insn_count(r->cpu);
    enum cpu_stop why = CPU_STOP_BUDGET;
    while (cpu_insn_count(r->cpu) - start < MAX_INSNS) {
        why = cpu_run(r->cpu, RUN_SLICE);
        if (why != CPU_STOP_BUDGET)
            break;
    }
    if (why != CPU_STOP_HALT) {
        diff_add(d, "    %s\n", why == CPU_STOP_SHUTDOWN ? "shutdown (triple fault)"
                                 : why == CPU_STOP_BUDGET ? "no HLT"
                                                          : "stopped early");
        ok = false;
    }

    const struct x86_state *s = cpu_state(r->cpu);
    unsigned fmask = meta_mask & FLAGS_CMP_MASK;
    for (int k = 0; k < NR_REGS; k++) {
        uint16_t want = (t->fina.mask & (1u << k)) ? t->fina.regs[k] : t->init.regs[k];
        uint16_t got = state_reg(s, k);
        uint16_t m = k == RG_FLAGS ? (uint16_t)fmask : 0xffff;
        if ((want & m) == (got & m) || (ex && (ex->ignore_regs & (1u << k))))
            continue;
        ok = false;
        diff_add(d, "    %-5s: want %04x got %04x (was %04x)", reg_names[k], want, got,
                 t->init.regs[k]);
        if (k == RG_FLAGS)
            diff_add(d, " (mask %04x, differ %04x)", m, (want ^ got) & m);
        diff_add(d, "\n");
    }
    /* Every byte FINA lists, then every INIT byte it does not (unchanged). */
    for (uint32_t k = 0; k < t->fina.nram; k++) {
        const uint8_t *e = t->fina.ram.p + 5 * k;
        ok &= check_byte(r, t, le32(e), e[4], fmask, d);
    }
    for (uint32_t k = 0; k < t->init.nram; k++) {
        const uint8_t *e = t->init.ram.p + 5 * k;
        uint8_t dummy;
        if (ram_lookup(&t->fina.ram, t->fina.nram, le32(e), &dummy) ||
            patched(t, ex, le32(e)))
            continue;
        ok &= check_byte(r, t, le32(e), e[4], fmask, d);
    }
    if (d->ram_diffs > MAX_RAM_DIFFS)
        diff_add(d, "    ... and %u more RAM bytes\n", d->ram_diffs - MAX_RAM_DIFFS);
    if (!ok && t->has_excp)
        diff_add(d, "    (recorded exception %u, FLAGS pushed at %06x)\n",
                 t->excp_vec, t->excp_flags_addr);
    if (!ok && ex)
        diff_add(d, "    (adjusted: %s)\n", ex->why);
    rig_clean(r, t);
    return ok;
}

static void print_failure(const struct moo_test *t, const char *op,
                          const struct diff *d)
{
    printf("  FAIL %s #%u \"%s\" bytes", op, t->idx, t->name);
    for (uint32_t k = 0; k < t->nbytes; k++)
        printf(" %02x", t->bytes[k]);
    printf("\n%s", d->text);
}

/* Runs one opcode file; returns false on a file error. */
static bool run_file(struct rig *r, const struct opts *o, const struct meta *m,
                     const struct revoked *rv, const char *op, struct totals *tot)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.MOO.gz", o->dir, op);

    const struct meta_entry *me = meta_get((struct meta *)m, op, false);
    const char *status = me && me->status[0] ? me->status : "normal";
    unsigned meta_mask = me ? me->flags_mask : 0xffff;
    /* metadata.json gives C0 /r (shift by imm8) the masks of D0 /r (shift
     * by 1), but a count other than 1 leaves OF (and CF once the count
     * reaches the width) undefined (SDM vol. 2, SAL/SAR/SHL/SHR, RCL/ROL):
     * use the masks of the by-CL form, D2 /r, and likewise D3 /r for C1. */
    if ((!strncmp(op, "C0.", 3) || !strncmp(op, "C1.", 3)) && strlen(op) == 4) {
        char alt[8];
        snprintf(alt, sizeof alt, "%s.%c", op[1] == '0' ? "D2" : "D3", op[3]);
        const struct meta_entry *ae = meta_get((struct meta *)m, alt, false);
        if (ae)
            meta_mask &= ae->flags_mask;
    }
    bool skip = !strcmp(status, "prefix") || !strcmp(status, "undefined") ||
                !strcmp(status, "fpu");

    size_t len;
    const char *err = NULL;
    uint8_t *buf = gz_slurp(path, &len, &err);
    if (!buf) {
        printf("%-6s error: %s: %s\n", op, path, err);
        tot->failed++;
        return false;
    }

    const uint8_t *p = buf, *end = buf + len;
    char id[5];
    struct span b;
    bool bad = false, first_fail = true;
    unsigned long pass = 0, total = 0, excused = 0, skipped = 0;
    const char *file_err = NULL;
    if (len < 8 || memcmp(buf, "MOO ", 4))
        file_err = "not a MOO file";
    while (!file_err && moo_chunk(&p, end, id, &b, &bad)) {
        if (strcmp(id, "TEST"))
            continue;   /* MOO, META and unknown chunks */
        struct moo_test t;
        if ((file_err = moo_test_parse(b, &t)))
            break;
        if (skip || revoked_has(rv, t.hash)) {
            skipped++;
            continue;
        }
        struct excuse ex;
        bool has_ex = !o->no_excuses && excuse_find(&t, &ex);
        if (has_ex && ex.skip) {
            excused++;
            totals_excuse(tot, ex.why);
            continue;
        }
        struct diff d = { .len = 0, .ram_diffs = 0 };
        d.text[0] = 0;
        if (run_test(r, &t, meta_mask, has_ex ? &ex : NULL, &d)) {
            if (has_ex) {
                excused++;
                totals_excuse(tot, ex.why);
            } else {
                pass++;
                total++;
            }
            continue;
        }
        total++;
        if (o->verbose || (first_fail && !o->quiet)) {
            print_failure(&t, op, &d);
            first_fail = false;
        }
    }
    if (!file_err && bad)
        file_err = "truncated chunk";
    free(buf);

    tot->passed += pass;
    tot->failed += total - pass;
    tot->skipped += skipped + excused;
    tot->excused += excused;
    if (file_err) {
        printf("%-6s error: %s: %s\n", op, path, file_err);
        tot->failed++;
        return false;
    }
    if (skip && !o->quiet)
        printf("%-6s skipped (%s, %lu tests)\n", op, status, skipped);
    else if (!o->quiet || pass != total)
        printf("%-6s %lu/%lu  (excused %lu)%s%.0lu%s\n", op, pass, total, excused,
               skipped ? "  (revoked " : "", skipped, skipped ? ")" : "");
    return true;
}

/* ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "80.4", "80.4.MOO.gz" or "dir/80.4.MOO.gz" -> "80.4" */
static char *op_name(const char *arg)
{
    const char *base = strrchr(arg, '/');
    base = base ? base + 1 : arg;
    char *s = strdup(base);
    if (!s)
        die("out of memory");
    size_t n = strlen(s);
    if (n > 7 && !strcasecmp(s + n - 7, ".MOO.gz"))
        s[n - 7] = 0;
    else if (n > 4 && !strcasecmp(s + n - 4, ".MOO"))
        s[n - 4] = 0;
    for (char *q = s; *q; q++)
        if (*q >= 'a' && *q <= 'f')
            *q = (char)(*q - 'a' + 'A');
    return s;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: runner [-v] [-q] [-X] [-d DIR] [OPCODE...]\n"
               "  -v      print every failing test (default: the first per opcode)\n"
               "  -q      print only failing opcodes and the summary\n"
               "  -X      no excuses: run the 286-vs-386 exceptions as normal tests\n"
               "  -d DIR  test folder (default $CONFORMANCE_DIR or %s)\n"
               "  OPCODE  e.g. 00, 80.4 or F6.6.MOO.gz (default: every file)\n",
               DEFAULT_DIR);
}

int main(int argc, char **argv)
{
    struct opts o = { .dir = getenv("CONFORMANCE_DIR") };
    char **ops = calloc((size_t)argc + 1, sizeof *ops);
    int nops = 0;
    if (!ops)
        die("out of memory");
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "-v"))
            o.verbose = true;
        else if (!strcmp(argv[k], "-q"))
            o.quiet = true;
        else if (!strcmp(argv[k], "-X"))
            o.no_excuses = true;
        else if (!strcmp(argv[k], "-d") && k + 1 < argc)
            o.dir = argv[++k];
        else if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[k][0] == '-') {
            usage(stderr);
            return 2;
        } else
            ops[nops++] = op_name(argv[k]);
    }
    if (!o.dir || !o.dir[0])
        o.dir = DEFAULT_DIR;

    if (!nops) {
        DIR *dir = opendir(o.dir);
        if (!dir)
            die("%s: %s (set CONFORMANCE_DIR or use -d)", o.dir, strerror(errno));
        struct dirent *de;
        int cap = argc + 1;
        while ((de = readdir(dir))) {
            size_t n = strlen(de->d_name);
            if (n <= 7 || strcmp(de->d_name + n - 7, ".MOO.gz"))
                continue;
            if (nops == cap) {
                cap *= 2;
                ops = realloc(ops, (size_t)cap * sizeof *ops);
                if (!ops)
                    die("out of memory");
            }
            ops[nops++] = op_name(de->d_name);
        }
        closedir(dir);
        qsort(ops, (size_t)nops, sizeof *ops, cmp_str);
        if (!nops)
            die("%s: no .MOO.gz files", o.dir);
    }

    struct meta m = { 0 };
    struct revoked rv = { 0 };
    meta_load(&m, o.dir);
    revoked_load(&rv, o.dir);

    struct rig r = { 0 };
    r.ram = calloc(1, RAM_SIZE);
    if (!r.ram)
        die("out of memory");
    const struct cpu_bus bus = {
        .opaque = &r,
        .page_ptr = rig_page_ptr,
        .mem_read = rig_mem_read,
        .mem_write = rig_mem_write,
        .io_in = rig_io_in,
        .io_out = rig_io_out,
    };
    r.cpu = cpu_new(&bus, cpu_model_default(), NULL);
    if (!r.cpu)
        die("cannot create the CPU");

    struct totals tot = { 0 };
    bool file_errors = false;
    for (int k = 0; k < nops; k++)
        file_errors |= !run_file(&r, &o, &m, &rv, ops[k], &tot);

    if (tot.excused) {
        printf("excused (286-vs-386 differences, counted as skipped): %lu\n",
               tot.excused);
        for (int k = 0; k < MAX_REASONS && tot.reasons[k].why; k++)
            printf("  %6lu  %s\n", tot.reasons[k].n, tot.reasons[k].why);
    }
    printf("%lu passed, %lu failed, %lu skipped\n", tot.passed, tot.failed,
           tot.skipped);

    cpu_free(r.cpu);
    free(r.ram);
    for (int k = 0; k < nops; k++)
        free(ops[k]);
    free(ops);
    free(m.e);
    free(rv.h);
    return file_errors ? 2 : tot.failed ? 1 : 0;
}
