/* The machine core: guest RAM, the physical memory map, port and MMIO
 * dispatch, IRQ lines, the virtual clock and timers, run-loop requests.
 *
 * The memory map is kept twice: the regions as added (RAM, the ROM/MMIO
 * list, which may not overlap one another, and the chipset's shadow
 * windows), and a flat view, sorted and non-overlapping, in which ROM and
 * MMIO punch holes into RAM except where a shadow window shows the RAM.
 * The flat view is what lookups search and what engines map into KVM memory
 * slots; it is rebuilt on every change (changes are rare, lookups happen all
 * the time), and the engine's map hook is told. */
#define _GNU_SOURCE
#include "hw/machine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096u
#define PCI_HOLE_START 0xe0000000ull   /* i440FX: RAM below 4 GiB ends here */
#define RAM_ABOVE_4G 0x100000000ull
#define UNMAPPED_LOG_MAX 16            /* then stop logging unmapped access */
#define TIMERS_PER_RUN_MAX 10000       /* bound on callbacks per run_timers */

/* flat_src codes for flat entries that are not a ROM/MMIO region */
#define FLAT_RAM (-1)          /* RAM */
#define FLAT_RAM_RO (-2)       /* RAM shown read-only (SHADOW_RO) */
#define FLAT_WO_HOLE (-3)      /* nothing to read; writes go to RAM */
#define MACHINE_MAX_SHADOW 32

struct shadow_win {
    uint64_t gpa, size;
    enum shadow_mode mode;
};

struct src_region {             /* a ROM or MMIO region as added */
    struct mem_region r;
    size_t map_size;            /* ROM host mapping length */
    bool write_logged;          /* ROM: one "write ignored" message */
};

struct pio_handler {
    pio_read_fn rd;
    pio_write_fn wr;
    void *opaque;
    char *name;
};

struct timer {
    struct machine *m;
    timer_cb cb;
    void *opaque;
    int64_t deadline;
    bool armed;
};

enum poll_kind { POLL_STREAM, POLL_FILE, POLL_NULLDEV };

struct poll_entry {
    int fd;
    void (*fn)(void *opaque);
    void *opaque;
    enum poll_kind kind;
    bool dead;                  /* at end of input: no longer polled */
    short revents;              /* from the last ppoll */
};

struct reset_entry {
    void (*fn)(void *opaque);
    void *opaque;
};

struct machine {
    uint64_t ram_size;
    uint8_t *ram;
    size_t ram_map;
    struct mem_region ram_regions[2];
    int nr_ram;

    struct src_region src[MACHINE_MAX_REGIONS];   /* sorted by gpa */
    int nr_src;
    struct mem_region flat[MACHINE_MAX_REGIONS];
    int flat_src[MACHINE_MAX_REGIONS];            /* src index or FLAT_* */
    uint8_t *flat_wr[MACHINE_MAX_REGIONS];        /* writes go here instead */
    int nr_flat;
    unsigned unmapped_logged;
    bool ro_write_logged;

    struct shadow_win shadow[MACHINE_MAX_SHADOW]; /* sorted by gpa */
    int nr_shadow;
    void (*map_hook)(void *opaque, uint64_t gpa, uint64_t len);
    void *map_hook_opaque;
    void (*a20_hook)(void *opaque, bool on);
    void *a20_hook_opaque;

    uint16_t port_table[65536];                   /* handler index + 1 */
    uint64_t port_logged[65536 / 64];
    struct pio_handler *pio;
    int nr_pio, cap_pio;

    void (*ram_hook)(void *opaque, uint64_t gpa, uint64_t len);
    void *ram_hook_opaque;

    const struct intc_ops *intc;
    void *intc_opaque;
    volatile bool intr_level;    /* see machine_intr_hint */
    bool intc_signals;
    void (*kick)(void *opaque);
    void *kick_opaque;
    void (*ferr)(void *opaque);
    void *ferr_opaque;
    bool ferr_logged;

    int64_t (*clock)(void *opaque);
    void *clock_opaque;
    int64_t start_ns;

    struct timer **armed;       /* sorted by deadline, FIFO among equals */
    int nr_armed, cap_armed;
    struct timer **timers;      /* all, so machine_free can release them */
    int nr_timers, cap_timers;

    enum machine_request req;
    int exit_status;

    struct reset_entry *resets;
    int nr_resets, cap_resets;
    struct poll_entry *polls;
    int nr_polls, cap_polls;
    struct pollfd *pfds;
    int cap_pfds;

    struct logger log;
};

/* Grow a dynamic array to hold at least `need` elements. */
static int grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t size_ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* ---- Creation ---- */

struct machine *machine_new(uint64_t ram_size, char *err, size_t errlen)
{
    struct machine *m;

    if (ram_size == 0) {
        snprintf(err, errlen, "RAM size must not be zero");
        return NULL;
    }
    if (ram_size > (1ull << 46)) {
        snprintf(err, errlen, "RAM size %llu bytes is too large",
                 (unsigned long long)ram_size);
        return NULL;
    }
    ram_size = (ram_size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);

    m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->ram_map = ram_size;
    m->ram = mmap(NULL, m->ram_map, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %llu bytes of guest RAM: %s",
                 (unsigned long long)ram_size, strerror(errno));
        free(m);
        return NULL;
    }
    m->ram_size = ram_size;

    uint64_t below = ram_size < PCI_HOLE_START ? ram_size : PCI_HOLE_START;
    m->ram_regions[0] = (struct mem_region){
        .gpa = 0, .size = below, .kind = MEM_RAM, .host = m->ram,
        .name = "ram-below-4g",
    };
    m->nr_ram = 1;
    if (ram_size > below) {
        m->ram_regions[1] = (struct mem_region){
            .gpa = RAM_ABOVE_4G, .size = ram_size - below, .kind = MEM_RAM,
            .host = m->ram + below, .name = "ram-above-4g",
        };
        m->nr_ram = 2;
    }
    for (int i = 0; i < m->nr_ram; i++) {
        m->flat[i] = m->ram_regions[i];
        m->flat_src[i] = FLAT_RAM;
    }
    m->nr_flat = m->nr_ram;
    m->start_ns = host_ns();
    return m;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nr_timers; i++)
        free(m->timers[i]);
    free(m->timers);
    free(m->armed);
    for (int i = 0; i < m->nr_src; i++) {
        if (m->src[i].r.kind == MEM_ROM)
            munmap(m->src[i].r.host, m->src[i].map_size);
        free((char *)m->src[i].r.name);
    }
    for (int i = 0; i < m->nr_pio; i++)
        free(m->pio[i].name);
    free(m->pio);
    free(m->resets);
    free(m->polls);
    free(m->pfds);
    munmap(m->ram, m->ram_map);
    free(m);
}

uint64_t machine_ram_size(const struct machine *m)
{
    return m->ram_size;
}

uint64_t machine_ram_below_4g(const struct machine *m)
{
    return m->ram_regions[0].size;
}

struct logger *machine_logger(struct machine *m)
{
    return &m->log;
}

/* ---- Memory map ---- */

static uint64_t region_end(const struct mem_region *r)   /* inclusive */
{
    return r->gpa + r->size - 1;
}

static const struct mem_region *ram_at(const struct machine *m, uint64_t a)
{
    for (int i = 0; i < m->nr_ram; i++)
        if (a - m->ram_regions[i].gpa < m->ram_regions[i].size)
            return &m->ram_regions[i];
    return NULL;
}

static int src_at(const struct machine *m, uint64_t a)
{
    for (int s = 0; s < m->nr_src; s++)
        if (a - m->src[s].r.gpa < m->src[s].r.size)
            return s;
    return -1;
}

static const struct shadow_win *shadow_at(const struct machine *m, uint64_t a)
{
    for (int i = 0; i < m->nr_shadow; i++)
        if (a - m->shadow[i].gpa < m->shadow[i].size)
            return &m->shadow[i];
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Rebuild the flat view.  Every edge of a RAM, ROM/MMIO or shadow region
 * cuts the address space into pieces; each piece shows what the rules say
 * (shadowed RAM, else the ROM/MMIO region, else RAM, else nothing), and
 * neighbours showing the same thing contiguously are merged again. */
static int flat_rebuild(struct machine *m)
{
    uint64_t pts[2 * (2 + MACHINE_MAX_REGIONS + MACHINE_MAX_SHADOW)];
    struct mem_region out[MACHINE_MAX_REGIONS];
    int out_src[MACHINE_MAX_REGIONS];
    uint8_t *out_wr[MACHINE_MAX_REGIONS];
    int np = 0, n = 0;

    for (int i = 0; i < m->nr_ram; i++) {
        pts[np++] = m->ram_regions[i].gpa;
        pts[np++] = m->ram_regions[i].gpa + m->ram_regions[i].size;
    }
    for (int i = 0; i < m->nr_src; i++) {
        pts[np++] = m->src[i].r.gpa;
        pts[np++] = m->src[i].r.gpa + m->src[i].r.size;
    }
    for (int i = 0; i < m->nr_shadow; i++) {
        pts[np++] = m->shadow[i].gpa;
        pts[np++] = m->shadow[i].gpa + m->shadow[i].size;
    }
    qsort(pts, (size_t)np, sizeof pts[0], cmp_u64);

    for (int k = 0; k + 1 < np; k++) {
        uint64_t a = pts[k], b = pts[k + 1];
        if (a == b)
            continue;
        const struct mem_region *ram = ram_at(m, a);
        const struct shadow_win *w = shadow_at(m, a);
        int s = src_at(m, a);
        uint8_t *ram_host = ram ? ram->host + (a - ram->gpa) : NULL;
        struct mem_region piece;
        int code;
        uint8_t *wr = NULL;

        if (ram && w && (w->mode == SHADOW_RW || w->mode == SHADOW_RO)) {
            piece = *ram;
            piece.host = ram_host;
            piece.kind = w->mode == SHADOW_RO ? MEM_ROM : MEM_RAM;
            code = w->mode == SHADOW_RO ? FLAT_RAM_RO : FLAT_RAM;
        } else if (s >= 0) {
            const struct mem_region *r = &m->src[s].r;
            piece = *r;
            if (r->host)
                piece.host = r->host + (a - r->gpa);
            code = s;
            if (ram && w && w->mode == SHADOW_WO)
                wr = ram_host;
        } else if (ram && !w) {
            piece = *ram;
            piece.host = ram_host;
            code = FLAT_RAM;
        } else if (ram && w->mode == SHADOW_WO) {
            piece = (struct mem_region){ .kind = MEM_MMIO,
                                         .name = "shadow-write-only" };
            code = FLAT_WO_HOLE;
            wr = ram_host;
        } else {
            continue;   /* nothing answers here */
        }
        piece.gpa = a;
        piece.size = b - a;

        if (n > 0) {
            struct mem_region *p = &out[n - 1];
            bool host_ok = p->host ? piece.host == p->host + p->size
                                   : piece.host == NULL;
            bool wr_ok = out_wr[n - 1] ? wr == out_wr[n - 1] + p->size
                                       : wr == NULL;
            if (p->gpa + p->size == a && out_src[n - 1] == code &&
                p->kind == piece.kind && host_ok && wr_ok) {
                p->size += piece.size;
                continue;
            }
        }
        if (n == MACHINE_MAX_REGIONS)
            return -1;
        out[n] = piece;
        out_src[n] = code;
        out_wr[n] = wr;
        n++;
    }
    memcpy(m->flat, out, (size_t)n * sizeof out[0]);
    memcpy(m->flat_src, out_src, (size_t)n * sizeof out_src[0]);
    memcpy(m->flat_wr, out_wr, (size_t)n * sizeof out_wr[0]);
    m->nr_flat = n;
    return 0;
}

static void map_changed(struct machine *m, uint64_t gpa, uint64_t len)
{
    if (m->map_hook)
        m->map_hook(m->map_hook_opaque, gpa, len);
}

bool machine_set_a20(struct machine *m, bool on)
{
    if (!m->a20_hook)
        return false;
    m->a20_hook(m->a20_hook_opaque, on);
    return true;
}

void machine_set_a20_hook(struct machine *m,
                          void (*fn)(void *opaque, bool on), void *opaque)
{
    m->a20_hook = fn;
    m->a20_hook_opaque = opaque;
}

void machine_set_map_hook(struct machine *m,
                          void (*fn)(void *opaque, uint64_t gpa, uint64_t len),
                          void *opaque)
{
    m->map_hook = fn;
    m->map_hook_opaque = opaque;
}

/* Insert a ROM/MMIO region, refusing overlaps with other ROM/MMIO. */
static int src_insert(struct machine *m, const struct src_region *sr)
{
    const struct mem_region *r = &sr->r;
    int pos;

    /* the end (exclusive) must be representable */
    if (r->size == 0 || r->gpa + r->size <= r->gpa)
        return -1;
    if (m->nr_src == MACHINE_MAX_REGIONS)
        return -1;
    for (pos = 0; pos < m->nr_src && m->src[pos].r.gpa < r->gpa; pos++)
        ;
    if (pos > 0 && region_end(&m->src[pos - 1].r) >= r->gpa)
        return -1;
    if (pos < m->nr_src && m->src[pos].r.gpa <= region_end(r))
        return -1;

    memmove(&m->src[pos + 1], &m->src[pos],
            (size_t)(m->nr_src - pos) * sizeof m->src[0]);
    m->src[pos] = *sr;
    m->nr_src++;
    if (flat_rebuild(m) < 0) {
        memmove(&m->src[pos], &m->src[pos + 1],
                (size_t)(m->nr_src - pos - 1) * sizeof m->src[0]);
        m->nr_src--;
        flat_rebuild(m);
        return -1;
    }
    map_changed(m, r->gpa, r->size);
    return 0;
}

int machine_remove_region(struct machine *m, uint64_t gpa)
{
    int i;

    for (i = 0; i < m->nr_src && m->src[i].r.gpa != gpa; i++)
        ;
    if (i == m->nr_src)
        return -1;
    struct src_region sr = m->src[i];
    memmove(&m->src[i], &m->src[i + 1],
            (size_t)(m->nr_src - i - 1) * sizeof m->src[0]);
    m->nr_src--;
    /* Fewer edges can only merge pieces, so this cannot run out of room. */
    flat_rebuild(m);
    /* Engines drop their mappings before the ROM's memory goes away. */
    map_changed(m, sr.r.gpa, sr.r.size);
    if (sr.r.kind == MEM_ROM)
        munmap(sr.r.host, sr.map_size);
    free((char *)sr.r.name);
    return 0;
}

int machine_set_shadow(struct machine *m, uint64_t gpa, uint64_t size,
                       enum shadow_mode mode)
{
    int i;

    if (size == 0 || gpa + size <= gpa || (unsigned)mode > SHADOW_RW)
        return -1;
    for (i = 0; i < m->nr_shadow; i++) {
        struct shadow_win *w = &m->shadow[i];
        if (w->gpa == gpa && w->size == size) {
            if (w->mode == mode)
                return 0;
            enum shadow_mode old = w->mode;
            w->mode = mode;
            if (flat_rebuild(m) < 0) {
                w->mode = old;
                flat_rebuild(m);
                return -1;
            }
            map_changed(m, gpa, size);
            return 0;
        }
        if (gpa < w->gpa + w->size && w->gpa < gpa + size)
            return -1;
    }
    if (m->nr_shadow == MACHINE_MAX_SHADOW)
        return -1;
    for (i = 0; i < m->nr_shadow && m->shadow[i].gpa < gpa; i++)
        ;
    memmove(&m->shadow[i + 1], &m->shadow[i],
            (size_t)(m->nr_shadow - i) * sizeof m->shadow[0]);
    m->shadow[i] = (struct shadow_win){ gpa, size, mode };
    m->nr_shadow++;
    if (flat_rebuild(m) < 0) {
        memmove(&m->shadow[i], &m->shadow[i + 1],
                (size_t)(m->nr_shadow - i - 1) * sizeof m->shadow[0]);
        m->nr_shadow--;
        flat_rebuild(m);
        return -1;
    }
    map_changed(m, gpa, size);
    return 0;
}

int machine_add_rom(struct machine *m, uint64_t gpa, const void *data,
                    uint64_t size, const char *name)
{
    struct src_region sr = { 0 };

    if (size == 0 || size > (1ull << 32))
        return -1;
    sr.map_size = (size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    sr.r.host = mmap(NULL, sr.map_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sr.r.host == MAP_FAILED)
        return -1;
    if (data)
        memcpy(sr.r.host, data, size);
    sr.r.gpa = gpa;
    sr.r.size = size;
    sr.r.kind = MEM_ROM;
    sr.r.name = strdup(name ? name : "rom");
    if (!sr.r.name || src_insert(m, &sr) < 0) {
        munmap(sr.r.host, sr.map_size);
        free((char *)sr.r.name);
        return -1;
    }
    return 0;
}

int machine_add_mmio(struct machine *m, uint64_t gpa, uint64_t size,
                     mmio_read_fn rd, mmio_write_fn wr, void *opaque,
                     const char *name)
{
    struct src_region sr = { 0 };

    sr.r.gpa = gpa;
    sr.r.size = size;
    sr.r.kind = MEM_MMIO;
    sr.r.read = rd;
    sr.r.write = wr;
    sr.r.opaque = opaque;
    sr.r.name = strdup(name ? name : "mmio");
    if (!sr.r.name || src_insert(m, &sr) < 0) {
        free((char *)sr.r.name);
        return -1;
    }
    return 0;
}

int machine_regions(const struct machine *m, const struct mem_region **out)
{
    *out = m->flat;
    return m->nr_flat;
}

static int flat_index(const struct machine *m, uint64_t gpa)
{
    int lo = 0, hi = m->nr_flat - 1, found = -1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (m->flat[mid].gpa <= gpa) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    if (found >= 0 && gpa - m->flat[found].gpa < m->flat[found].size)
        return found;
    return -1;
}

const struct mem_region *machine_find_region(const struct machine *m,
                                             uint64_t gpa)
{
    int i = flat_index(m, gpa);
    return i < 0 ? NULL : &m->flat[i];
}

uint8_t *machine_gpa_ptr(struct machine *m, uint64_t gpa, bool write)
{
    int i = flat_index(m, gpa);

    if (i < 0)
        return NULL;
    const struct mem_region *r = &m->flat[i];
    if (r->kind == MEM_RAM || (r->kind == MEM_ROM && !write))
        return r->host + (gpa - r->gpa);
    return NULL;
}

void machine_set_ram_write_hook(struct machine *m,
                                void (*fn)(void *opaque, uint64_t gpa,
                                           uint64_t len),
                                void *opaque)
{
    m->ram_hook = fn;
    m->ram_hook_opaque = opaque;
}

/* ---- Port I/O ---- */

int machine_add_pio(struct machine *m, uint16_t port, unsigned count,
                    pio_read_fn rd, pio_write_fn wr, void *opaque,
                    const char *name)
{
    if (count == 0 || (unsigned)port + count > 65536)
        return -1;
    for (unsigned i = 0; i < count; i++)
        if (m->port_table[port + i])
            return -1;
    int idx;
    for (idx = 0; idx < m->nr_pio && m->pio[idx].name; idx++)
        ;   /* a slot freed by machine_remove_pio, or a new one */
    if (idx == 65535)
        return -1;   /* handler numbers must fit the port table */
    if (idx == m->nr_pio &&
        grow((void **)&m->pio, &m->cap_pio, m->nr_pio + 1, sizeof *m->pio))
        return -1;
    struct pio_handler *h = &m->pio[idx];
    h->name = strdup(name ? name : "pio");
    if (!h->name)
        return -1;
    h->rd = rd;
    h->wr = wr;
    h->opaque = opaque;
    if (idx == m->nr_pio)
        m->nr_pio++;
    for (unsigned i = 0; i < count; i++)
        m->port_table[port + i] = (uint16_t)(idx + 1);
    return 0;
}

void machine_remove_pio(struct machine *m, uint16_t port, unsigned count)
{
    uint16_t ids[8];
    int nids = 0;

    for (unsigned i = 0; i < count && port + i < 65536u; i++) {
        uint16_t h = m->port_table[port + i];
        if (!h)
            continue;
        m->port_table[port + i] = 0;
        bool known = false;
        for (int k = 0; k < nids && !known; k++)
            known = ids[k] == h;
        if (!known && nids < 8)
            ids[nids++] = h;
    }
    /* Free the handlers no port uses any more (one pass over the table). */
    for (unsigned p = 0; p < 65536 && nids; p++)
        for (int k = 0; k < nids; k++)
            if (m->port_table[p] == ids[k])
                ids[k--] = ids[--nids];
    for (int k = 0; k < nids; k++) {
        free(m->pio[ids[k] - 1].name);
        m->pio[ids[k] - 1] = (struct pio_handler){ 0 };
    }
}

static void pio_log_unassigned(struct machine *m, uint16_t port,
                               const char *what, unsigned size)
{
    uint64_t bit = 1ull << (port % 64);

    if (!log_enabled(&m->log, LOG_UNIMP) || (m->port_logged[port / 64] & bit))
        return;
    m->port_logged[port / 64] |= bit;
    log_printf(&m->log, "unassigned port 0x%x %s (size %u)\n", port, what,
               size);
}

uint32_t machine_pio_read(struct machine *m, uint16_t port, unsigned size)
{
    uint32_t ones = (uint32_t)size_ones(size > 4 ? 4 : size);
    uint16_t h = m->port_table[port];

    if (size != 1 && size != 2 && size != 4)
        return ones;
    if (!h) {
        pio_log_unassigned(m, port, "read", size);
        return ones;
    }
    const struct pio_handler *p = &m->pio[h - 1];
    if (!p->rd)
        return ones;
    return p->rd(p->opaque, port, size) & ones;
}

void machine_pio_write(struct machine *m, uint16_t port, uint32_t val,
                       unsigned size)
{
    uint16_t h = m->port_table[port];

    if (size != 1 && size != 2 && size != 4)
        return;
    if (!h) {
        pio_log_unassigned(m, port, "write", size);
        return;
    }
    const struct pio_handler *p = &m->pio[h - 1];
    if (p->wr)
        p->wr(p->opaque, port, val & (uint32_t)size_ones(size), size);
}

/* ---- Memory dispatch ---- */

static void log_unmapped(struct machine *m, uint64_t gpa, const char *what,
                         unsigned size)
{
    if (!log_enabled(&m->log, LOG_GUEST_ERRORS) ||
        m->unmapped_logged > UNMAPPED_LOG_MAX)
        return;
    if (m->unmapped_logged++ == UNMAPPED_LOG_MAX)
        log_printf(&m->log, "further unassigned memory accesses not logged\n");
    else
        log_printf(&m->log, "unassigned memory %s at 0x%llx (size %u)\n",
                   what, (unsigned long long)gpa, size);
}

static void ram_written(struct machine *m, uint64_t gpa, uint64_t len)
{
    if (m->ram_hook)
        m->ram_hook(m->ram_hook_opaque, gpa, len);
}

static bool size_is_pow2(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t machine_mem_read(struct machine *m, uint64_t gpa, unsigned size)
{
    int i;

    if (size == 0 || size > 8)
        return ~0ull;
    i = flat_index(m, gpa);
    if (i >= 0) {
        const struct mem_region *r = &m->flat[i];
        uint64_t off = gpa - r->gpa;
        if (size <= r->size - off) {
            if (r->kind != MEM_MMIO) {
                uint64_t v = 0;
                memcpy(&v, r->host + off, size);   /* little-endian host */
                return v;
            }
            if (size_is_pow2(size)) {
                if (m->flat_src[i] >= 0)   /* a piece of a split region */
                    off = gpa - m->src[m->flat_src[i]].r.gpa;
                return r->read ? r->read(r->opaque, off, size) &
                                 size_ones(size)
                               : size_ones(size);
            }
        }
    }
    if (size > 1) {   /* straddles regions (or odd size): byte by byte */
        uint64_t v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= machine_mem_read(m, gpa + b, 1) << (8 * b);
        return v;
    }
    log_unmapped(m, gpa, "read", size);
    return 0xff;
}

void machine_mem_write(struct machine *m, uint64_t gpa, uint64_t val,
                       unsigned size)
{
    int i;

    if (size == 0 || size > 8)
        return;
    i = flat_index(m, gpa);
    if (i >= 0) {
        const struct mem_region *r = &m->flat[i];
        uint64_t off = gpa - r->gpa;
        if (size <= r->size - off) {
            switch (r->kind) {
            case MEM_RAM:
                memcpy(r->host + off, &val, size);
                ram_written(m, gpa, size);
                return;
            case MEM_ROM: {
                if (m->flat_wr[i]) {   /* shadow RAM takes the write */
                    memcpy(m->flat_wr[i] + off, &val, size);
                    ram_written(m, gpa, size);
                    return;
                }
                bool *logged = m->flat_src[i] >= 0 ?
                               &m->src[m->flat_src[i]].write_logged :
                               &m->ro_write_logged;
                if (!*logged && log_enabled(&m->log, LOG_UNIMP)) {
                    *logged = true;
                    log_printf(&m->log, "write to ROM '%s' at 0x%llx "
                               "ignored\n", r->name, (unsigned long long)gpa);
                }
                return;
            }
            case MEM_MMIO:
                if (m->flat_wr[i]) {
                    memcpy(m->flat_wr[i] + off, &val, size);
                    ram_written(m, gpa, size);
                    return;
                }
                if (size_is_pow2(size)) {
                    if (m->flat_src[i] >= 0)
                        off = gpa - m->src[m->flat_src[i]].r.gpa;
                    if (r->write)
                        r->write(r->opaque, off, val & size_ones(size), size);
                    return;
                }
                break;
            }
        }
    }
    if (size > 1) {
        for (unsigned b = 0; b < size; b++)
            machine_mem_write(m, gpa + b, (val >> (8 * b)) & 0xff, 1);
        return;
    }
    log_unmapped(m, gpa, "write", size);
}

int machine_mem_rw(struct machine *m, uint64_t gpa, void *buf, size_t len,
                   bool is_write)
{
    uint8_t *p = buf;

    if (len == 0)
        return 0;
    if (gpa + (len - 1) < gpa)
        return -1;
    /* Check the whole range first so that a failure copies nothing. */
    for (uint64_t a = gpa, left = len; left;) {
        int i = flat_index(m, a);
        if (i < 0 || m->flat[i].kind == MEM_MMIO)
            return -1;
        uint64_t chunk = m->flat[i].size - (a - m->flat[i].gpa);
        if (chunk >= left)
            break;
        a += chunk;
        left -= chunk;
    }
    for (uint64_t a = gpa, left = len; left;) {
        const struct mem_region *r = &m->flat[flat_index(m, a)];
        uint64_t off = a - r->gpa;
        uint64_t chunk = r->size - off < left ? r->size - off : left;
        if (is_write) {
            memcpy(r->host + off, p, chunk);
            /* ROM too: the interpreter may have decoded code there. */
            ram_written(m, a, chunk);
        } else {
            memcpy(p, r->host + off, chunk);
        }
        p += chunk;
        a += chunk;
        left -= chunk;
    }
    return 0;
}

/* ---- Interrupts ---- */

void machine_set_intc(struct machine *m, const struct intc_ops *ops,
                      void *opaque)
{
    m->intc = ops;
    m->intc_opaque = opaque;
    m->intc_signals = false;
    m->intr_level = true;
}

void machine_intc_signals_level(struct machine *m, bool level)
{
    m->intc_signals = true;
    m->intr_level = level;
}

void machine_set_intr_level(struct machine *m, bool level)
{
    if (m->intc_signals)
        m->intr_level = level;
}

const volatile bool *machine_intr_hint(struct machine *m)
{
    return &m->intr_level;
}

void machine_set_irq(struct machine *m, int irq, int level)
{
    if (irq < 0 || irq >= MACHINE_NR_IRQS) {
        if (log_enabled(&m->log, LOG_GUEST_ERRORS))
            log_printf(&m->log, "IRQ line %d out of range ignored\n", irq);
        return;
    }
    if (!m->intc || !m->intc->set_irq)
        return;
    m->intc->set_irq(m->intc_opaque, irq, level);
    /* A running vCPU must notice the new INTR promptly. */
    if (level && machine_intr_pending(m))
        machine_kick(m);
}

bool machine_intr_pending(struct machine *m)
{
    return m->intc && m->intc->pending && m->intc->pending(m->intc_opaque);
}

int machine_intr_ack(struct machine *m)
{
    if (!m->intc || !m->intc->ack)
        return -1;
    return m->intc->ack(m->intc_opaque);
}

void machine_set_kick(struct machine *m, void (*fn)(void *opaque),
                      void *opaque)
{
    m->kick = fn;
    m->kick_opaque = opaque;
}

void machine_kick(struct machine *m)
{
    if (m->kick)
        m->kick(m->kick_opaque);
}

void machine_set_ferr_handler(struct machine *m, void (*fn)(void *opaque),
                              void *opaque)
{
    m->ferr = fn;
    m->ferr_opaque = opaque;
}

void machine_ferr(struct machine *m)
{
    if (m->ferr) {
        m->ferr(m->ferr_opaque);
    } else if (!m->ferr_logged && log_enabled(&m->log, LOG_UNIMP)) {
        m->ferr_logged = true;
        log_printf(&m->log, "x87 error with CR0.NE=0: this board has no "
                   "FERR# logic (IRQ13), ignored\n");
    }
}

/* ---- Clock and timers ---- */

int64_t machine_clock_ns(struct machine *m)
{
    if (m->clock)
        return m->clock(m->clock_opaque);
    return host_ns() - m->start_ns;
}

void machine_set_clock_source(struct machine *m,
                              int64_t (*fn)(void *opaque), void *opaque)
{
    m->clock = fn;
    m->clock_opaque = opaque;
}

struct timer *timer_new(struct machine *m, timer_cb cb, void *opaque)
{
    struct timer *t;

    if (grow((void **)&m->timers, &m->cap_timers, m->nr_timers + 1,
             sizeof *m->timers) ||
        grow((void **)&m->armed, &m->cap_armed, m->nr_timers + 1,
             sizeof *m->armed))
        return NULL;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->m = m;
    t->cb = cb;
    t->opaque = opaque;
    m->timers[m->nr_timers++] = t;
    return t;
}

static void timer_unlink(struct timer *t)
{
    struct machine *m = t->m;

    if (!t->armed)
        return;
    for (int i = 0; i < m->nr_armed; i++) {
        if (m->armed[i] == t) {
            memmove(&m->armed[i], &m->armed[i + 1],
                    (size_t)(m->nr_armed - i - 1) * sizeof m->armed[0]);
            m->nr_armed--;
            break;
        }
    }
    t->armed = false;
}

void timer_free(struct timer *t)
{
    if (!t)
        return;
    struct machine *m = t->m;
    timer_unlink(t);
    for (int i = 0; i < m->nr_timers; i++) {
        if (m->timers[i] == t) {
            m->timers[i] = m->timers[--m->nr_timers];
            break;
        }
    }
    free(t);
}

void timer_mod(struct timer *t, int64_t deadline_ns)
{
    struct machine *m;
    int pos;

    if (!t)
        return;
    m = t->m;
    timer_unlink(t);
    /* armed has room for every timer (grown in timer_new). */
    for (pos = m->nr_armed; pos > 0 && m->armed[pos - 1]->deadline > deadline_ns;
         pos--)
        ;
    memmove(&m->armed[pos + 1], &m->armed[pos],
            (size_t)(m->nr_armed - pos) * sizeof m->armed[0]);
    m->armed[pos] = t;
    m->nr_armed++;
    t->deadline = deadline_ns;
    t->armed = true;
}

void timer_del(struct timer *t)
{
    if (t)
        timer_unlink(t);
}

bool timer_pending(const struct timer *t)
{
    return t && t->armed;
}

int64_t machine_next_deadline(const struct machine *m)
{
    return m->nr_armed ? m->armed[0]->deadline : INT64_MAX;
}

void machine_run_timers(struct machine *m)
{
    if (!m->nr_armed)
        return;
    int64_t now = machine_clock_ns(m);
    /* Take the head each time: callbacks may arm, re-arm or free timers.
     * The bound stops a timer that keeps re-arming in the past from
     * starving the vCPU; the rest run on the next call. */
    for (int n = 0; n < TIMERS_PER_RUN_MAX && m->nr_armed &&
                    m->armed[0]->deadline <= now; n++) {
        struct timer *t = m->armed[0];
        timer_unlink(t);
        t->cb(t->opaque);
    }
}

/* ---- Requests ---- */

static int request_rank(enum machine_request r)
{
    switch (r) {
    case REQ_EXIT: return 3;
    case REQ_SHUTDOWN: return 2;
    case REQ_RESET: return 1;
    default: return 0;
    }
}

void machine_request(struct machine *m, enum machine_request r, int status)
{
    /* The first of the strongest request wins (exit > power-off > reset). */
    if (request_rank(r) > request_rank(m->req)) {
        m->req = r;
        m->exit_status = r == REQ_EXIT ? status : 0;
    }
    machine_kick(m);
}

enum machine_request machine_pending_request(const struct machine *m)
{
    return m->req;
}

int machine_exit_status(const struct machine *m)
{
    return m->exit_status;
}

void machine_clear_request(struct machine *m)
{
    m->req = REQ_NONE;
    m->exit_status = 0;
}

void machine_add_reset_handler(struct machine *m, void (*fn)(void *opaque),
                               void *opaque)
{
    if (grow((void **)&m->resets, &m->cap_resets, m->nr_resets + 1,
             sizeof *m->resets))
        return;
    m->resets[m->nr_resets++] = (struct reset_entry){ fn, opaque };
}

void machine_reset_devices(struct machine *m)
{
    for (int i = 0; i < m->nr_resets; i++)
        m->resets[i].fn(m->resets[i].opaque);
}

/* ---- Host input ---- */

void machine_add_poll(struct machine *m, int fd, void (*fn)(void *opaque),
                      void *opaque)
{
    struct stat st;
    enum poll_kind kind = POLL_STREAM;

    if (grow((void **)&m->polls, &m->cap_polls, m->nr_polls + 1,
             sizeof *m->polls))
        return;
    if (grow((void **)&m->pfds, &m->cap_pfds, m->nr_polls + 1,
             sizeof *m->pfds))
        return;
    /* Regular files and /dev/null are always "readable": poll() cannot tell
     * when they run dry, so they are retired at end of input instead. */
    if (fd >= 0 && fstat(fd, &st) == 0) {
        if (S_ISREG(st.st_mode))
            kind = POLL_FILE;
        else if (S_ISCHR(st.st_mode) && !isatty(fd))
            kind = POLL_NULLDEV;
    }
    m->polls[m->nr_polls++] = (struct poll_entry){
        .fd = fd, .fn = fn, .opaque = opaque, .kind = kind, .dead = fd < 0,
    };
}

/* Is a poll entry past the end of its input after its callback ran? */
static bool poll_exhausted(const struct poll_entry *p, short revents)
{
    int avail = 0;

    if (revents & POLLNVAL)
        return true;
    if ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))
        return true;
    switch (p->kind) {
    case POLL_FILE:
        return ioctl(p->fd, FIONREAD, &avail) < 0 || avail == 0;
    case POLL_NULLDEV:
        return true;
    default:
        return false;
    }
}

void machine_wait(struct machine *m, int64_t max_ns)
{
    int64_t timeout = max_ns < 0 ? 0 : max_ns;
    int64_t deadline = machine_next_deadline(m);
    int nfds = 0, ready = 0;

    if (deadline != INT64_MAX) {
        int64_t left = deadline - machine_clock_ns(m);
        if (left < timeout)
            timeout = left < 0 ? 0 : left;
    }
    for (int i = 0; i < m->nr_polls; i++) {
        if (m->polls[i].dead)
            continue;
        m->pfds[nfds++] = (struct pollfd){ .fd = m->polls[i].fd,
                                           .events = POLLIN };
    }
    if (nfds || timeout > 0) {
        struct timespec ts = { .tv_sec = timeout / 1000000000,
                               .tv_nsec = timeout % 1000000000 };
        ready = ppoll(m->pfds, (nfds_t)nfds, &ts, NULL);
    }
    if (ready > 0) {
        int total = m->nr_polls, k = 0;
        for (int i = 0; i < total; i++)
            m->polls[i].revents = m->polls[i].dead ? 0 : m->pfds[k++].revents;
        /* Callbacks may add entries (reallocating polls): index afresh. */
        for (int i = 0; i < total; i++) {
            short r = m->polls[i].revents;
            if (!r)
                continue;
            if (r & (POLLIN | POLLHUP | POLLERR))
                m->polls[i].fn(m->polls[i].opaque);
            if (poll_exhausted(&m->polls[i], r))
                m->polls[i].dead = true;
        }
    }
    machine_run_timers(m);
}
