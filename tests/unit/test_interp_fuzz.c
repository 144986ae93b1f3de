/* Fuzz test of the interpreter CPU (cpu/) used as a library: random
 * instruction bytes run in every mode (real, unreal, 16- and 32-bit
 * protected mode at ring 0 and ring 3, 2-level and PAE paging, virtual-8086
 * mode with and without VME) against a bus whose guest pages each sit
 * between host guard pages.  Every vector leads to a HLT stub; after each
 * halt the host enters the mode again further on in the same code page
 * (a "stream" is one such entry).  Checked: every run returns within its
 * instruction budget with an architecturally sane state; every exception
 * the CPU raises is an architectural vector with the right error code (and
 * pushes one exactly then, where the frame can be told); I/O honours IOPL
 * and the TSS bitmap and ports nobody claims read as ones; the CPU writes
 * guest RAM only through the bus; and a stream run in slices with a state
 * round trip in between ends as it does run straight.  Devices kick the
 * CPU, DMA over its code and switch A20 from inside OUT; code modifies
 * itself through its data, its stack and stores aimed at what runs next.
 *
 * Deterministic (fixed seeds).  A failure names the mode, page and seed;
 * to look closer: TANDEM_FUZZ_ONLY=mode:page replays one code page with a
 * dump (CK_RUN_CASE=fuzz or split), TANDEM_FUZZ_LOG=1 adds the CPU's log,
 * TANDEM_FUZZ_PARANOID=1 checks memory after every run, and
 * TANDEM_FUZZ_SPLIT_BUDGET=n bisects a split difference; for longer runs
 * TANDEM_FUZZ_SCALE=n (n times the pages) and TANDEM_FUZZ_SEED=n. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/interp.h"   /* c->cpl and c->s, read in the bus hooks */
#include "cpu/state.h"
#include "debug/log.h"

/* ck_assert_* reports every passing check to the Check parent (a write
 * each): far too slow for checks made millions of times. */
#define CHECK(cond, ...)                 \
    do {                                 \
        if (!(cond))                     \
            ck_abort_msg(__VA_ARGS__);   \
    } while (0)

#define PAGE 4096u
#define NPAGES 512u                  /* 2 MiB of guest-physical space */
#define PHYS_END (NPAGES * PAGE)
#define MMIO_LO 0xa0000u             /* no host page: reads a pattern */
#define ROM_LO 0xc0000u              /* read-only on the host too */
#define ROM_HI 0x100000u

/* Guest layout.  The protected-mode tables sit at 1.5 MiB, out of reach of
 * virtual-8086 code and of the ring-3 segments (base 64K, limit 1M). */
#define RSTUB 0x0800u                /* real mode: IVT n -> 0000:0800+2n */
#define CODE 0x10000u                /* two pages of random code */
#define CODE_LEN 0x2000u
#define DATA 0x20000u                /* 64 KiB of random data and selectors */
#define DATA_LEN 0x10000u
#define USTACK 0x40000u              /* ring-3 stack top */
#define SYS 0x180000u
#define STUB (SYS + 0x0000)          /* IDT n -> STUB+2n: HLT */
#define GATE_STUB (STUB + 0x200)     /* call gate target */
#define GDT (SYS + 0x1000)
#define IDT (SYS + 0x2000)
#define TSS1 (SYS + 0x3000)          /* with redirection and I/O bitmaps */
#define TSS1_LIMIT 0x2088u
#define IOMAP 0x88u
#define TSS2 (SYS + 0x5100)          /* #DF task */
#define TSS16 (SYS + 0x5180)
#define LDT (SYS + 0x5200)
#define PD32 (SYS + 0x6000)
#define PT32 (SYS + 0x7000)
#define PDPT (SYS + 0x8000)
#define PDPAE (SYS + 0x9000)
#define PTPAE (SYS + 0xa000)
#define KSTACK (SYS + 0xf000)        /* ring-0 stack top (ESP0) */
#define ALIAS32 0x400000u            /* 4 MiB page -> physical 0 */
#define ALIASPAE 0x200000u           /* 2 MiB page -> physical 0 */

/* GDT selectors */
enum {
    SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE3 = 0x18, SEL_DATA3 = 0x20,
    SEL_TSS1 = 0x28, SEL_TSS2 = 0x30, SEL_CODE16 = 0x38, SEL_DATA16 = 0x40,
    SEL_STACK16 = 0x48, SEL_LDT = 0x50, SEL_CGATE = 0x58, SEL_FCODE3 = 0x60,
    SEL_FDATA3 = 0x68, SEL_CONF0 = 0x70, SEL_EDOWN3 = 0x78, SEL_DATA1 = 0x80,
    SEL_RODATA0 = 0x88, SEL_CODE3_16 = 0x90, SEL_NP = 0x98, SEL_TSS16 = 0xa0,
    SEL_TGATE = 0xa8, SEL_HCODE16 = 0xb0, SEL_DATA2 = 0xb8, SEL_CDATA16 = 0xc0,
    GDT_LIMIT = 0xc7,
};

static const uint16_t valid_sels[] = {
    SEL_CODE0, SEL_DATA0, SEL_CODE3 | 3, SEL_DATA3 | 3, SEL_TSS1, SEL_TSS2,
    SEL_CODE16, SEL_DATA16, SEL_STACK16, SEL_LDT, SEL_CGATE | 3,
    SEL_FCODE3 | 3, SEL_FDATA3 | 3, SEL_CONF0, SEL_EDOWN3 | 3, SEL_DATA1 | 1,
    SEL_RODATA0, SEL_CODE3_16 | 3, SEL_NP | 3, SEL_TSS16, SEL_TGATE | 3,
    SEL_HCODE16, SEL_DATA2 | 2, SEL_CDATA16, 0x04 | 3, 0x0c | 3, 0x14, 0x1c, 0,
};
#define NSELS (sizeof valid_sels / sizeof valid_sels[0])

/* ---- modes ---- */

enum kind { K_REAL, K_UNREAL, K_PM16, K_PM32, K_V86 };
enum paging { PG_NONE, PG_32, PG_PAE, PG_ANY };

struct mode {
    const char *name;
    enum kind kind;
    int ring;
    enum paging paging;   /* PG_ANY: a third without, the rest 2-level or PAE */
    bool vme;
    unsigned pages;       /* code pages; up to MAX_ENTRIES streams each */
};

enum { M_REAL, M_UNREAL, M_PM16, M_PM32, M_RING3, M_PG0, M_PG3, M_PAE0,
       M_PAE3, M_V86, M_VME, NMODES };

static const struct mode modes[NMODES] = {
    [M_REAL] =   { "real",         K_REAL,   0, PG_NONE, false, 3000 },
    [M_UNREAL] = { "unreal",       K_UNREAL, 0, PG_NONE, false, 2000 },
    [M_PM16] =   { "pm16-ring0",   K_PM16,   0, PG_NONE, false, 2500 },
    [M_PM32] =   { "pm32-ring0",   K_PM32,   0, PG_NONE, false, 3000 },
    [M_RING3] =  { "pm32-ring3",   K_PM32,   3, PG_NONE, false, 3000 },
    [M_PG0] =    { "paging-ring0", K_PM32,   0, PG_32,   false, 2500 },
    [M_PG3] =    { "paging-ring3", K_PM32,   3, PG_32,   false, 3000 },
    [M_PAE0] =   { "pae-ring0",    K_PM32,   0, PG_PAE,  false, 2500 },
    [M_PAE3] =   { "pae-ring3",    K_PM32,   3, PG_PAE,  false, 3000 },
    [M_V86] =    { "v86",          K_V86,    3, PG_ANY,  false, 3000 },
    [M_VME] =    { "v86-vme",      K_V86,    3, PG_ANY,  true,  3000 },
};

/* ---- deterministic random numbers (splitmix64) ---- */

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned rn(uint64_t *s, unsigned n)   /* 0 .. n-1 */
{
    return (unsigned)(rnd(s) % n);
}

static bool chance(uint64_t *s, unsigned percent)
{
    return rn(s, 100) < percent;
}

/* ---- the fuzz machine ---- */

struct stats {
    uint64_t pages, streams, runs, insns, halts, stubs, shutdowns, budget_ends;
    uint64_t cut, kicks, dmas, a20s, debug_stops;
    uint64_t ios, irqs, frames, faults[32], vectors[257];
    double max_run_s, max_page_s;
    unsigned slowest_page;
};

struct fuzz {
    uint8_t *map;          /* guard, page 0, guard, page 1, ... guard */
    size_t map_len;
    uint8_t *pristine;     /* the mode's initial image of all pages */
    uint8_t dirty[NPAGES];
    uint8_t stored[NPAGES]; /* pages given out for guest stores (page_ptr) */
    struct cpu *c;
    const struct mode *m;
    enum paging pg;        /* this page's paging */
    struct logger log;
    FILE *logf;
    char *logbuf;
    size_t logcap;
    char unimp[64][80];    /* distinct "unimplemented opcode" lines */
    int nunimp;
    uint64_t irq_rng;
    unsigned irq_rate;     /* 0: no interrupts, else 1 in irq_rate polls */
    bool irq_pending;
    int irq_vec, last_ack;
    uint64_t work;         /* bus calls this page (see WORK_LIMIT) */
    bool devices;          /* OUT kicks the CPU, DMAs into code, flips A20 */
    uint8_t acks[64];      /* vectors acknowledged during the run, in order */
    unsigned nacks, nacks_seen;
    uint32_t cr3;          /* the CR3 the stream started with */
    uint16_t entry_cs;     /* CS the stream's code runs in, and its base */
    uint32_t entry_cs_base;
    char where[160];       /* the stream being run, for messages */
    bool verbose;          /* TANDEM_FUZZ_LOG: copy the CPU's log to stderr */
    bool plain;            /* harness tests: no random stack, TF, AC or DRs */
    bool paranoid;         /* TANDEM_FUZZ_PARANOID: verify memory every run */
    const uint8_t *code;   /* the page's code as written (verify_clean) */
    bool nodebug;          /* no TF or breakpoints (split runs) */
    uint64_t split_budget; /* instructions per split stream */
    unsigned run_faults;   /* exceptions logged during the last run */
    struct stats st;
};

static uint8_t *gpage(struct fuzz *f, uint64_t pn)
{
    return f->map + (2 * pn + 1) * PAGE;
}

static bool is_ram(uint64_t gpa)
{
    return gpa < PHYS_END && (gpa < MMIO_LO || gpa >= ROM_HI);
}

static bool is_rom(uint64_t gpa)
{
    return gpa >= ROM_LO && gpa < ROM_HI;
}

static uint8_t *gptr(struct fuzz *f, uint32_t gpa)
{
    return gpage(f, gpa / PAGE) + gpa % PAGE;
}

/* Guest-physical copies, page by page (each page has its own guards). */
static void gwrite(struct fuzz *f, uint32_t gpa, const void *src, size_t len)
{
    const uint8_t *p = src;
    while (len) {
        size_t n = PAGE - gpa % PAGE;
        if (n > len)
            n = len;
        if (p)
            memcpy(gptr(f, gpa), p, n);
        else
            memset(gptr(f, gpa), 0, n);
        gpa += (uint32_t)n;
        p = p ? p + n : NULL;
        len -= n;
    }
}

static uint8_t gbyte(struct fuzz *f, uint32_t gpa)
{
    return *gptr(f, gpa);
}

/* A device-like pattern for the MMIO hole (code fetched from it too). */
static uint8_t mmio_byte(uint64_t gpa)
{
    return (uint8_t)((gpa * 0x9e3779b1u) >> 13);
}

static uint8_t *fz_page_ptr(void *opaque, uint64_t gpa, bool write)
{
    struct fuzz *f = opaque;
    if (gpa >= PHYS_END || (!is_ram(gpa) && !is_rom(gpa)) ||
        (write && is_rom(gpa)))
        return NULL;
    if (write)
        f->dirty[gpa / PAGE] = f->stored[gpa / PAGE] = 1;
    return gpage(f, gpa / PAGE);
}

/* REP string instructions count one instruction per 4096 iterations, so a
 * budget bounds time only loosely through the slow (bus) paths: a page
 * that makes this many bus calls is stopped (deterministically). */
#define WORK_LIMIT 100000u
static void bus_work(struct fuzz *f)
{
    if (++f->work == WORK_LIMIT)
        cpu_request_stop(f->c);
}

static uint64_t fz_mem_read(void *opaque, uint64_t gpa, unsigned size)
{
    struct fuzz *f = opaque;
    bus_work(f);
    CHECK(size == 1 || size == 2 || size == 4 || size == 8,
                  "%s: mem_read size %u", f->where, size);
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++) {
        uint64_t a = gpa + k;
        uint8_t b = 0xff;
        if (is_ram(a) || is_rom(a))
            b = *gptr(f, (uint32_t)a);
        else if (a < ROM_LO && a >= MMIO_LO)
            b = mmio_byte(a);
        v |= (uint64_t)b << (8 * k);
    }
    return v;
}

static void fz_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    struct fuzz *f = opaque;
    bus_work(f);
    CHECK(size == 1 || size == 2 || size == 4 || size == 8,
                  "%s: mem_write size %u", f->where, size);
    bool ram = false;
    for (unsigned k = 0; k < size; k++) {
        uint64_t a = gpa + k;
        if (is_ram(a)) {
            *gptr(f, (uint32_t)a) = (uint8_t)(val >> (8 * k));
            f->dirty[a / PAGE] = 1;
            ram = true;
        }
    }
    if (ram)   /* as the board's RAM-write hook does */
        cpu_invalidate_code(f->c, gpa, size);
}

/* The TSS I/O permission check (SDM vol. 1 19.5.2), for the TSS this
 * harness set up: -1 when it cannot tell (another TSS, other tables). */
static int io_oracle(struct fuzz *f, uint16_t port, unsigned size)
{
    const struct cpu *c = f->c;
    if (!(c->s.cr0 & CR0_PE))
        return 1;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    bool vm = c->s.rflags & F_VM;
    if (!vm && c->cpl <= iopl)
        return 1;
    const struct x86_seg *tr = &c->s.tr;
    if (tr->base != TSS1 || tr->limit != TSS1_LIMIT ||
        ((c->s.cr0 & CR0_PG) && c->s.cr3 != f->cr3))
        return -1;
    uint32_t base = *gptr(f, TSS1 + 0x66) | (uint32_t)*gptr(f, TSS1 + 0x67) << 8;
    uint32_t byte = base + port / 8;
    if (byte + 1 > tr->limit)
        return 0;
    uint32_t bits = *gptr(f, TSS1 + byte) | (uint32_t)*gptr(f, TSS1 + byte + 1) << 8;
    return !(bits & (((1u << size) - 1) << (port & 7)));
}

static void io_access(struct fuzz *f, uint16_t port, unsigned size, bool out)
{
    CHECK(size == 1 || size == 2 || size == 4, "%s: I/O size %u",
                  f->where, size);
    int ok = io_oracle(f, port, size);
    CHECK(ok != 0, "%s: %s port %#x size %u at CPL %u IOPL %u%s "
                  "although the TSS bitmap forbids it", f->where,
                  out ? "OUT to" : "IN from", port, size, f->c->cpl,
                  (unsigned)(f->c->s.rflags >> 12) & 3,
                  (f->c->s.rflags & F_VM) ? " (v86)" : "");
    f->st.ios++;
    bus_work(f);
}

static uint32_t fz_io_in(void *opaque, uint16_t port, unsigned size)
{
    struct fuzz *f = opaque;
    io_access(f, port, size, false);
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;   /* open bus */
}

/* What devices do from inside an OUT: kick the CPU out of its run, DMA
 * over the code being executed, switch the A20 gate (port 0x92). */
static void fz_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    struct fuzz *f = opaque;
    (void)val;
    io_access(f, port, size, true);
    if (!f->devices)
        return;
    switch (rn(&f->irq_rng, 32)) {
    case 0:
        cpu_request_stop(f->c);
        f->st.kicks++;
        break;
    case 1: {
        uint32_t at = CODE + rn(&f->irq_rng, CODE_LEN - 16);
        for (unsigned k = 0; k < 16; k++) {
            *gptr(f, at + k) = (uint8_t)rnd(&f->irq_rng);
            f->dirty[(at + k) / PAGE] = 1;
        }
        cpu_invalidate_code(f->c, at, 16);
        f->st.dmas++;
        break;
    }
    case 2:
        if (f->m->kind <= K_UNREAL) {
            cpu_set_a20(f->c, rn(&f->irq_rng, 2));
            f->st.a20s++;
        }
        break;
    }
}

static bool fz_intr_pending(void *opaque)
{
    struct fuzz *f = opaque;
    if (!f->irq_rate)
        return false;
    if (!f->irq_pending && rn(&f->irq_rng, f->irq_rate) == 0) {
        static const uint8_t vecs[] = { 0x08, 0x0d, 0x0e, 0x20, 0x21, 0x28,
                                        0x70, 0x80, 0xff };
        f->irq_pending = true;
        f->irq_vec = rn(&f->irq_rng, 4) ? vecs[rn(&f->irq_rng, sizeof vecs)]
                                        : (int)rn(&f->irq_rng, 256);
    }
    return f->irq_pending;
}

static int fz_intr_ack(void *opaque)
{
    struct fuzz *f = opaque;
    CHECK(f->irq_pending, "%s: INTA with nothing pending", f->where);
    f->irq_pending = false;
    f->last_ack = f->irq_vec;
    if (f->nacks < sizeof f->acks)
        f->acks[f->nacks++] = (uint8_t)f->irq_vec;
    f->st.irqs++;
    return f->irq_vec;
}

static struct fuzz *fuzz_new(void)
{
    struct fuzz *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->map_len = (2 * NPAGES + 1) * PAGE;
    f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(f->map != MAP_FAILED);
    for (unsigned p = 0; p <= NPAGES; p++)
        ck_assert_int_eq(mprotect(f->map + 2 * p * PAGE, PAGE, PROT_NONE), 0);
    f->pristine = calloc(NPAGES, PAGE);
    ck_assert_ptr_nonnull(f->pristine);
    f->logcap = 1u << 20;
    f->logbuf = malloc(f->logcap);
    ck_assert_ptr_nonnull(f->logbuf);
    f->logf = fmemopen(f->logbuf, f->logcap, "w");
    ck_assert_ptr_nonnull(f->logf);
    f->log.f = f->logf;
    f->log.mask = LOG_INT | LOG_UNIMP;
    const struct cpu_bus bus = {
        .opaque = f,
        .page_ptr = fz_page_ptr,
        .mem_read = fz_mem_read,
        .mem_write = fz_mem_write,
        .io_in = fz_io_in,
        .io_out = fz_io_out,
        .intr_pending = fz_intr_pending,
        .intr_ack = fz_intr_ack,
    };
    f->verbose = getenv("TANDEM_FUZZ_LOG") != NULL;
    f->paranoid = getenv("TANDEM_FUZZ_PARANOID") != NULL;
    f->c = cpu_new(&bus, cpu_model_default(), &f->log);
    ck_assert_ptr_nonnull(f->c);
    return f;
}

static void fuzz_free(struct fuzz *f)
{
    cpu_free(f->c);
    fclose(f->logf);
    free(f->logbuf);
    free(f->pristine);
    munmap(f->map, f->map_len);
    free(f);
}

/* ---- building the mode's tables in the pristine image ---- */

static uint8_t *pr(struct fuzz *f, uint32_t gpa)
{
    return f->pristine + gpa;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put_desc(uint8_t *p, uint32_t base, uint32_t limit, uint8_t access,
                     uint8_t flags)
{
    const uint8_t d[8] = {
        (uint8_t)limit, (uint8_t)(limit >> 8),
        (uint8_t)base, (uint8_t)(base >> 8), (uint8_t)(base >> 16),
        access, (uint8_t)(flags | ((limit >> 16) & 0xf)), (uint8_t)(base >> 24),
    };
    memcpy(p, d, 8);
}

static void put_gate(uint8_t *p, uint16_t sel, uint32_t off, uint8_t access)
{
    put16(p, (uint16_t)off);
    put16(p + 2, sel);
    p[4] = 0;
    p[5] = access;
    put16(p + 6, (uint16_t)(off >> 16));
}

/* The descriptor cache a load of `sel` from the pristine GDT/LDT gives. */
static struct x86_seg seg_of(struct fuzz *f, uint16_t sel)
{
    const uint8_t *d = pr(f, ((sel & 4) ? LDT : GDT) + (sel & ~7u));
    uint32_t lo, hi;
    memcpy(&lo, d, 4);
    memcpy(&hi, d + 4, 4);
    struct x86_seg s = { 0 };
    s.sel = sel;
    s.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
    s.g = (hi >> 23) & 1;
    s.limit = s.g ? (limit << 12) | 0xfff : limit;
    s.type = (hi >> 8) & 0xf;
    s.s = (hi >> 12) & 1;
    s.dpl = (hi >> 13) & 3;
    s.present = (hi >> 15) & 1;
    s.db = (hi >> 22) & 1;
    return s;
}

static void build_gdt(struct fuzz *f)
{
    uint8_t *g = pr(f, GDT);
    put_desc(g + SEL_CODE0, 0, 0xfffff, 0x9b, 0xc0);
    put_desc(g + SEL_DATA0, 0, 0xfffff, 0x93, 0xc0);
    put_desc(g + SEL_CODE3, CODE, 0xeffff, 0xfb, 0x40);
    put_desc(g + SEL_DATA3, CODE, 0xeffff, 0xf3, 0x40);
    put_desc(g + SEL_TSS1, TSS1, TSS1_LIMIT, 0x8b, 0x00);   /* busy: TR */
    put_desc(g + SEL_TSS2, TSS2, 0x67, 0x89, 0x00);
    put_desc(g + SEL_CODE16, CODE, 0xffff, 0x9b, 0x00);
    put_desc(g + SEL_DATA16, DATA, 0xffff, 0x93, 0x00);
    put_desc(g + SEL_STACK16, SYS, 0xffff, 0x93, 0x00);
    put_desc(g + SEL_LDT, LDT, 0x27, 0x82, 0x00);
    put_gate(g + SEL_CGATE, SEL_CODE0, GATE_STUB, 0xec);     /* DPL 3, 32-bit */
    put_desc(g + SEL_FCODE3, 0, 0xfffff, 0xfb, 0xc0);
    put_desc(g + SEL_FDATA3, 0, 0xfffff, 0xf3, 0xc0);
    put_desc(g + SEL_CONF0, 0, 0xfffff, 0x9f, 0xc0);         /* conforming */
    put_desc(g + SEL_EDOWN3, DATA, 0x0fff, 0xf7, 0x00);      /* expand-down */
    put_desc(g + SEL_DATA1, 0, 0xfffff, 0xb3, 0xc0);
    put_desc(g + SEL_RODATA0, 0, 0xfffff, 0x91, 0xc0);
    put_desc(g + SEL_CODE3_16, CODE, 0xffff, 0xfb, 0x00);
    put_desc(g + SEL_NP, DATA, 0xffff, 0x73, 0x00);          /* not present */
    put_desc(g + SEL_TSS16, TSS16, 0x2b, 0x81, 0x00);
    put_gate(g + SEL_TGATE, SEL_TSS2, 0, 0xe5);              /* task gate */
    put_desc(g + SEL_HCODE16, SYS, 0xffff, 0x9b, 0x00);
    put_desc(g + SEL_DATA2, 0, 0xfffff, 0xd3, 0xc0);
    put_desc(g + SEL_CDATA16, CODE, 0xffff, 0x93, 0x00);      /* over the code */
    uint8_t *l = pr(f, LDT);
    put_desc(l + 0x00, 0, 0xfffff, 0xf3, 0xc0);
    put_desc(l + 0x08, 0, 0xfffff, 0xfb, 0xc0);
    put_desc(l + 0x10, 0, 0xfffff, 0x93, 0xc0);
    put_desc(l + 0x18, 0, 0xfffff, 0x7b, 0xc0);              /* not present */
    put_desc(l + 0x20, TSS2, 0x67, 0x89, 0x00);              /* TSS in LDT */
}

/* 32-bit TSS image for a task that starts at `eip` in ring 0. */
static void build_tss32(struct fuzz *f, uint32_t at, uint32_t eip, uint32_t cr3)
{
    uint8_t *t = pr(f, at);
    put32(t + 0x04, KSTACK);
    put16(t + 0x08, SEL_DATA0);
    put32(t + 0x0c, KSTACK - 0x1000);
    put16(t + 0x10, SEL_DATA1 | 1);
    put32(t + 0x14, KSTACK - 0x2000);
    put16(t + 0x18, SEL_DATA2 | 2);
    put32(t + 0x1c, cr3);
    put32(t + 0x20, eip);
    put32(t + 0x24, 0x2);
    put32(t + 0x38, KSTACK - 0x3000);   /* ESP */
    for (int s = 0; s < 6; s++)
        put16(t + 0x48 + 4 * s, s == S_CS ? SEL_CODE0 : SEL_DATA0);
    put16(t + 0x60, 0);
}

static void build_idt(struct fuzz *f, uint64_t *r)
{
    bool g16 = f->m->kind == K_PM16;
    for (unsigned v = 0; v < 256; v++) {
        uint8_t *g = pr(f, IDT + 8 * v);
        unsigned dpl = (v == 3 || v == 4 || v >= 0x20) && chance(r, 70) ? 3 : 0;
        unsigned type = (g16 ? 0x6 : 0xe) | (chance(r, 30) ? 1 : 0);
        bool present = v < 0x20 || chance(r, 95);
        if (g16)
            put_gate(g, SEL_HCODE16, STUB + 2 * v - SYS,
                     (uint8_t)((present ? 0x80 : 0) | dpl << 5 | type));
        else
            put_gate(g, SEL_CODE0, STUB + 2 * v,
                     (uint8_t)((present ? 0x80 : 0) | dpl << 5 | type));
    }
    put_gate(pr(f, IDT + 8 * 8), SEL_TSS2, 0, 0x85);   /* #DF: task gate */
}

/* Page attributes: the system area supervisor, code and stacks user, the
 * data region and the rest mixed (not present, read-only, supervisor, NX). */
static uint64_t pte_for(uint32_t pa, uint64_t *r, bool nx_ok)
{
    uint64_t e = pa | 0x7;   /* P RW U */
    if (pa >= SYS && pa < SYS + 0x10000)
        e = pa | 0x3;
    else if (pa >= CODE && pa < CODE + CODE_LEN)
        e = pa | 0x7;
    else if (pa >= USTACK - 0x4000 && pa < USTACK)
        e = pa | 0x7;
    else if (pa < RSTUB + 0x1000)
        e = pa | 0x7;
    else {
        if (chance(r, 10))
            e &= ~1ull;
        if (chance(r, 25))
            e &= ~2ull;
        if (chance(r, 20))
            e &= ~4ull;
        if (nx_ok && chance(r, 20))
            e |= 1ull << 63;
    }
    if (chance(r, 15))
        e |= 0x100;   /* global */
    if (chance(r, 30))
        e |= 0x20;    /* accessed */
    return e;
}

static void build_paging(struct fuzz *f, uint64_t *r)
{
    /* 2-level: PDE 0 -> PT32 (0-4 MiB), PDE 1: 4 MiB page -> 0 */
    put32(pr(f, PD32), PT32 | 0x7);
    put32(pr(f, PD32 + 4), 0x00000083u | (chance(r, 50) ? 0x4 : 0));
    for (uint32_t p = 0; p < 1024; p++) {
        uint32_t pa = p * PAGE;
        uint32_t e = p < NPAGES ? (uint32_t)pte_for(pa, r, false) : 0;
        put32(pr(f, PT32 + 4 * p), e);
    }
    /* PAE: PDPTE 0 -> PDPAE; PDE 0 -> PTPAE (0-2 MiB), PDE 1: 2 MiB -> 0 */
    uint64_t e64 = PDPAE | 1;
    memcpy(pr(f, PDPT), &e64, 8);
    e64 = PTPAE | 0x7;
    memcpy(pr(f, PDPAE), &e64, 8);
    e64 = 0x83 | (chance(r, 50) ? 0x4 : 0);
    memcpy(pr(f, PDPAE + 8), &e64, 8);
    e64 = 0x40000000ull | 0x83 | (1ull << 63);   /* 4-6 MiB: NX, no RAM there */
    memcpy(pr(f, PDPAE + 16), &e64, 8);
    for (uint32_t p = 0; p < 512; p++) {
        e64 = pte_for(p * PAGE, r, true);
        memcpy(pr(f, PTPAE + 8 * p), &e64, 8);
    }
}

/* The initial image of the mode: tables, stubs, data, ROM. */
static void build_image(struct fuzz *f, uint64_t seed)
{
    uint64_t r = seed;
    memset(f->pristine, 0, NPAGES * PAGE);
    for (uint32_t a = 0; a < NPAGES * PAGE; a += 8) {
        uint64_t v = rnd(&r);
        memcpy(f->pristine + a, &v, 8);
    }
    /* real-mode IVT and stubs: HLT, or IRET for VME redirection in v86 */
    for (unsigned v = 0; v < 256; v++) {
        put16(pr(f, 4 * v), (uint16_t)(RSTUB + 2 * v));
        put16(pr(f, 4 * v + 2), 0);
        pr(f, RSTUB + 2 * v)[0] = f->m->kind == K_V86 ? 0xcf : 0xf4;
        pr(f, RSTUB + 2 * v)[1] = 0xf4;
    }
    /* data: random, every fourth word a selector worth loading */
    for (uint32_t a = DATA; a < DATA + DATA_LEN; a += 8)
        put16(pr(f, a), valid_sels[rn(&r, NSELS)]);
    memset(pr(f, SYS), 0, 0x10000);
    for (unsigned v = 0; v <= 256; v++) {
        pr(f, STUB + 2 * v)[0] = 0xf4;
        pr(f, STUB + 2 * v)[1] = 0xf4;
    }
    build_gdt(f);
    build_idt(f, &r);
    build_paging(f, &r);
    build_tss32(f, TSS1, STUB + 2 * 256, 0);
    /* interrupt redirection bitmap, I/O bitmap: random, mostly allowed */
    uint8_t *t = pr(f, TSS1);
    put16(t + 0x66, IOMAP);
    for (unsigned k = 0; k < 32; k++)
        t[0x68 + k] = (uint8_t)(rnd(&r) & rnd(&r));
    for (unsigned k = 0; k < 0x2000; k++)
        t[IOMAP + k] = (uint8_t)(rnd(&r) & rnd(&r) & rnd(&r));
    t[IOMAP + 0x2000] = 0xff;
    build_tss32(f, TSS2, STUB + 2 * 8, 0);
    uint8_t *t16 = pr(f, TSS16);
    put16(t16 + 0x02, (uint16_t)(KSTACK - SYS));
    put16(t16 + 0x04, SEL_STACK16);
    put16(t16 + 0x0e, (uint16_t)(2 * 8));
    put16(t16 + 0x10, 0x2);
    put16(t16 + 0x1a, (uint16_t)(KSTACK - SYS - 0x800));   /* SP */
    put16(t16 + 0x22, SEL_DATA0);
    put16(t16 + 0x24, SEL_HCODE16);
    put16(t16 + 0x26, SEL_STACK16);
    put16(t16 + 0x28, SEL_DATA0);
}

/* A task switch loads CR3 from the TSS: it must be this page's. */
static void set_task_cr3(struct fuzz *f, uint32_t cr3)
{
    put32(pr(f, TSS1 + 0x1c), cr3);
    put32(pr(f, TSS2 + 0x1c), cr3);
    put32(gptr(f, TSS1 + 0x1c), cr3);
    put32(gptr(f, TSS2 + 0x1c), cr3);
}

/* ---- guest memory between pages and streams ---- */

static void restore_page(struct fuzz *f, unsigned p)
{
    memcpy(gpage(f, p), f->pristine + p * PAGE, PAGE);
    cpu_invalidate_code(f->c, (uint64_t)p * PAGE, PAGE);
    f->dirty[p] = f->stored[p] = 0;
}

static void restore_all(struct fuzz *f)
{
    for (unsigned p = 0; p < NPAGES; p++) {
        if (is_rom((uint64_t)p * PAGE))
            ck_assert_int_eq(mprotect(gpage(f, p), PAGE, PROT_READ | PROT_WRITE), 0);
        if (is_ram((uint64_t)p * PAGE) || is_rom((uint64_t)p * PAGE))
            restore_page(f, p);
        if (is_rom((uint64_t)p * PAGE))
            ck_assert_int_eq(mprotect(gpage(f, p), PAGE, PROT_READ), 0);
    }
}

/* Restore what the CPU wrote, except (keep_code) the code pages. */
static void restore_dirty(struct fuzz *f, bool keep_code)
{
    for (unsigned p = 0; p < NPAGES; p++) {
        if (!f->dirty[p])
            continue;
        if (keep_code && p * PAGE >= CODE && p * PAGE < CODE + CODE_LEN)
            continue;
        restore_page(f, p);
    }
}

/* Every page the bus was not told about is as it was: the CPU wrote guest
 * RAM only through page_ptr(write) pages and mem_write. */
static void verify_clean(struct fuzz *f, const uint8_t *code)
{
    for (unsigned p = 0; p < NPAGES; p++) {
        uint32_t a = p * PAGE;
        if (f->dirty[p] || !(is_ram(a) || is_rom(a)))
            continue;
        const uint8_t *want = (a >= CODE && a < CODE + CODE_LEN)
                                  ? code + (a - CODE) : f->pristine + a;
        CHECK(!memcmp(gpage(f, p), want, PAGE),
                      "%s: guest page %#x changed without the bus seeing a "
                      "write to it", f->where, a);
    }
}

/* ---- random code ---- */

static const uint8_t prefixes[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36,
                                    0x3e, 0x26, 0x64, 0x65 };
static const uint8_t sys_ops[] = {
    0xcd, 0xcc, 0xce, 0xcf, 0xca, 0xcb, 0xc2, 0xc3, 0xea, 0x9a, 0x8e, 0x8c,
    0x9c, 0x9d, 0xfa, 0xfb, 0xf4, 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee,
    0xef, 0x6c, 0x6d, 0x6e, 0x6f, 0x07, 0x17, 0x1f, 0xc4, 0xc5, 0x62, 0x63,
    0xc8, 0xc9, 0xa4, 0xa5, 0xaa, 0xab, 0xf1, 0xd6, 0x60, 0x61, 0xff, 0xfe,
};
static const uint8_t sys_0f[] = {
    0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x09, 0x0b, 0x20, 0x21, 0x22, 0x23,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0xa0, 0xa1, 0xa8, 0xa9, 0xa2, 0xb2,
    0xb4, 0xb5, 0xc7, 0xae, 0x77, 0xff, 0xb9, 0x0d,
};

/* One instruction-like run of bytes: prefixes, an opcode from a family,
 * then ModRM and operand bytes (random; the decoder decides the length). */
static unsigned gen_insn(uint8_t *p, unsigned room, uint64_t *r)
{
    uint8_t b[16];
    unsigned n = 0;
    while (n < 4 && chance(r, 25))
        b[n++] = prefixes[rn(r, sizeof prefixes)];
    switch (rn(r, 10)) {
    case 0: case 1: case 2:
        b[n++] = (uint8_t)rnd(r);
        break;
    case 3:
        b[n++] = 0x0f;
        b[n++] = (uint8_t)rnd(r);
        break;
    case 4: case 5:
        b[n++] = sys_ops[rn(r, sizeof sys_ops)];
        break;
    case 6:
        b[n++] = 0x0f;
        b[n++] = sys_0f[rn(r, sizeof sys_0f)];
        break;
    case 7:
        b[n++] = (uint8_t)(0xd8 + rn(r, 8));   /* x87 */
        break;
    case 8:
        b[n++] = 0x0f;                          /* MMX/SSE/SSE2 */
        b[n++] = (uint8_t)(chance(r, 50) ? 0x10 + rn(r, 0x70)
                                         : 0xc2 + rn(r, 0x3e));
        break;
    default:
        b[n++] = (uint8_t)(0x80 + rn(r, 0x40));   /* group/mov/string */
        break;
    }
    /* ModRM: register forms half the time */
    b[n++] = chance(r, 50) ? (uint8_t)(0xc0 | rnd(r)) : (uint8_t)rnd(r);
    unsigned extra = rn(r, 7);
    while (extra-- && n < sizeof b)
        b[n++] = (uint8_t)rnd(r);
    if (n > room)
        n = room;
    memcpy(p, b, n);
    return n;
}

/* Fresh code where the stream will enter (the rest of the two pages is
 * the mode's fixed random bytes): plain random bytes or instruction-like. */
#define WINDOW 256u
static void gen_window(uint8_t *code, uint32_t off, bool insnish, uint64_t *r)
{
    unsigned len = CODE_LEN - off < WINDOW ? CODE_LEN - off : WINDOW;
    if (!insnish) {
        for (unsigned k = 0; k < len; k++)
            code[off + k] = (uint8_t)rnd(r);
        return;
    }
    for (unsigned k = 0; k < len;)
        k += gen_insn(code + off + k, len - k, r);
}

/* ---- entering a mode ---- */

struct entry {
    uint32_t code_base;    /* CS base: EIP = CODE - code_base + offset */
    uint32_t data_base;    /* DS base, for pointers in registers */
    bool code32;
};

static uint32_t rand_reg(uint64_t *r, const struct entry *e)
{
    switch (rn(r, 10)) {
    case 0: case 1:
        return (uint32_t)rnd(r);
    case 2: case 3:
        return rn(r, 0x100);
    case 4:
        return CODE - e->data_base + rn(r, CODE_LEN);        /* SMC */
    case 5: case 6:
        return DATA - e->data_base + rn(r, DATA_LEN);
    case 7:
        return valid_sels[rn(r, NSELS)];
    case 8:
        return rn(r, 2) ? 0 : 0xffffffffu;
    default:
        return rn(r, 0x10000);
    }
}

static void set_real_seg(struct x86_seg *s, uint16_t sel, bool code)
{
    memset(s, 0, sizeof *s);
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    s->limit = 0xffff;
    s->type = code ? 0xb : 0x3;
    s->s = 1;
    s->present = 1;
}

static void set_v86_seg(struct x86_seg *s, uint16_t sel)
{
    set_real_seg(s, sel, false);
    s->dpl = 3;
}

/* Set up the CPU for the stream's mode with fresh random registers and
 * EIP at `off` in the code pages; memory is left as it is. */
static void enter_mode(struct fuzz *f, uint64_t *r, uint32_t off, uint8_t *code,
                       bool first)
{
    const struct mode *m = f->m;
    struct x86_state *s = cpu_state(f->c);
    struct entry e = { 0, 0, true };
    bool ring3 = m->ring == 3;
    bool flat3 = ring3 && f->pg != PG_NONE;
    s->cr0 = CR0_ET | (chance(r, 50) ? CR0_NE : 0) | (chance(r, 30) ? CR0_MP : 0) |
             (chance(r, 10) ? CR0_EM : 0) | (chance(r, 10) ? CR0_TS : 0) |
             (chance(r, 30) ? CR0_AM : 0);
    s->cr4 = (chance(r, 60) ? CR4_OSFXSR : 0) | (chance(r, 50) ? CR4_OSXMMEXCPT : 0) |
             (chance(r, 10) ? CR4_TSD : 0) | (chance(r, 20) ? CR4_DE : 0);
    s->efer = 0;
    s->cr3 = 0;
    s->gdt = (struct x86_dtable){ GDT, GDT_LIMIT };
    s->idt = (struct x86_dtable){ IDT, 0x7ff };
    s->ldt = seg_of(f, SEL_LDT);
    s->tr = seg_of(f, SEL_TSS1);
    s->rflags = 0x2 | (chance(r, 50) ? F_IF : 0) | (chance(r, 10) ? F_DF : 0) |
                (rnd(r) & F_ARITH) | (chance(r, 2) ? F_TF : 0) |
                (chance(r, 20) ? F_AC : 0);
    if (m->kind == K_REAL || m->kind == K_UNREAL) {
        s->idt = (struct x86_dtable){ 0, 0x3ff };
        for (int k = 0; k < 6; k++)
            set_real_seg(&s->seg[k], k == S_CS ? CODE >> 4 : k == S_SS ? 0 : DATA >> 4,
                         k == S_CS);
        e.code_base = CODE;
        e.data_base = DATA;
        e.code32 = false;
        if (m->kind == K_UNREAL) {
            for (int k = 0; k < 6; k++) {
                if (k == S_CS || (k == S_SS && chance(r, 50)))
                    continue;
                s->seg[k].limit = 0xffffffffu;
                s->seg[k].g = 1;
            }
            if (chance(r, 20)) {   /* big code segment too */
                s->seg[S_CS].limit = 0xffffffffu;
                s->seg[S_CS].g = 1;
            }
        }
        s->gpr[R_ESP] = 0xf000;
    } else {
        s->cr0 |= CR0_PE;
        if (m->kind == K_PM16) {
            s->seg[S_CS] = seg_of(f, SEL_CODE16);
            for (int k = 0; k < 6; k++)
                if (k != S_CS)
                    s->seg[k] = seg_of(f, SEL_DATA16);
            s->seg[S_SS] = seg_of(f, SEL_STACK16);
            e.code_base = CODE;
            e.data_base = DATA;
            e.code32 = false;
            s->gpr[R_ESP] = KSTACK - SYS;
        } else if (m->kind == K_V86) {
            for (int k = 0; k < 6; k++)
                set_v86_seg(&s->seg[k], k == S_CS ? CODE >> 4 : k == S_SS ?
                            (USTACK - 0x10000) >> 4 : DATA >> 4);
            s->rflags |= F_VM | (chance(r, 50) ? F_IOPL : 0) |
                         (chance(r, 10) ? F_VIF : 0) | (chance(r, 5) ? F_VIP : 0);
            if (m->vme)
                s->cr4 |= CR4_VME | (chance(r, 50) ? CR4_PVI : 0);
            e.code_base = CODE;
            e.data_base = DATA;
            e.code32 = false;
            s->gpr[R_ESP] = 0xfffe;
        } else if (ring3) {
            uint16_t cs = flat3 ? SEL_FCODE3 : SEL_CODE3, ds = flat3 ? SEL_FDATA3 : SEL_DATA3;
            s->seg[S_CS] = seg_of(f, cs | 3);
            for (int k = 0; k < 6; k++)
                if (k != S_CS)
                    s->seg[k] = seg_of(f, ds | 3);
            e.code_base = flat3 ? 0 : CODE;
            e.data_base = e.code_base;
            s->gpr[R_ESP] = USTACK - e.data_base;
            if (chance(r, 20))
                s->rflags |= F_IOPL;
            if (chance(r, 20)) {
                s->cr4 |= CR4_PVI;
                s->rflags |= chance(r, 50) ? F_VIF : 0;
            }
        } else {
            s->seg[S_CS] = seg_of(f, SEL_CODE0);
            for (int k = 0; k < 6; k++)
                if (k != S_CS)
                    s->seg[k] = seg_of(f, SEL_DATA0);
            s->gpr[R_ESP] = KSTACK;
        }
        for (int k = 0; k < 6; k++)
            s->seg[k].type |= 1;   /* accessed, as a load leaves it */
        if (f->pg != PG_NONE) {
            s->cr0 |= CR0_PG | (chance(r, 50) ? CR0_WP : 0);
            s->cr4 |= CR4_PSE | (chance(r, 50) ? CR4_PGE : 0);
            if (f->pg == PG_PAE) {
                s->cr4 |= CR4_PAE;
                s->efer = chance(r, 80) ? 1u << 11 : 0;   /* NXE */
                s->cr3 = PDPT;
            } else {
                s->cr3 = PD32;
            }
            /* ring 0 sometimes runs its code through the large-page alias */
            if (!ring3 && m->kind == K_PM32 && chance(r, 20))
                e.code_base = f->pg == PG_PAE ? -ALIASPAE : -ALIAS32;
        }
    }
    if (!e.code32 && chance(r, 30)) {   /* DS over the code: 16-bit SMC */
        e.data_base = CODE;
        if (m->kind == K_PM16)
            s->seg[S_DS] = seg_of(f, SEL_CDATA16);
        else if (m->kind == K_V86)
            set_v86_seg(&s->seg[S_DS], CODE >> 4);
        else
            x86_seg_load_real(&s->seg[S_DS], CODE >> 4);
        s->seg[S_DS].type |= 1;
    }
    f->cr3 = (uint32_t)s->cr3;
    f->entry_cs = s->seg[S_CS].sel;
    f->entry_cs_base = (uint32_t)s->seg[S_CS].base;
    for (int k = 0; k < 8; k++)
        if (k != R_ESP)
            s->gpr[k] = rand_reg(r, &e) & (e.code32 || chance(r, 50) ? ~0u : 0xffffu);
    /* a huge ECX makes every REP string instruction run for millions of
     * iterations on one budget unit: rarely */
    if (s->gpr[R_ECX] > 0x10000 && !chance(r, 5))
        s->gpr[R_ECX] &= 0xffff;
    /* the stack sometimes in the code itself (pushes rewrite code) */
    if (f->plain) {
        ;
    } else if (chance(r, 10)) {
        if (m->kind == K_PM16)
            s->seg[S_SS] = seg_of(f, SEL_CDATA16);
        else if (m->kind == K_V86)
            set_v86_seg(&s->seg[S_SS], CODE >> 4);
        else if (!e.code32)
            x86_seg_load_real(&s->seg[S_SS], CODE >> 4);
        s->seg[S_SS].type |= 1;
        s->gpr[R_ESP] = CODE - (uint32_t)s->seg[S_SS].base + rn(r, CODE_LEN);
    } else if (chance(r, 3)) {
        s->gpr[R_ESP] = (uint32_t)rnd(r);
    }
    if (!e.code32)
        s->gpr[R_ESP] &= 0xffff;
    s->rip = CODE - e.code_base + off;
    s->dr[7] = 0;
    if (f->plain || f->nodebug)
        s->rflags &= ~(uint64_t)(F_TF | (f->plain ? F_AC : 0));
    else if (chance(r, 5)) {   /* breakpoints on code and data */
        for (int k = 0; k < 4; k++)
            s->dr[k] = chance(r, 50) ? CODE + rn(r, CODE_LEN) : DATA + rn(r, DATA_LEN);
        s->dr[7] = rnd(r) & 0xffff00ffu;
    }
    s->fpu.fcw = chance(r, 20) ? (uint16_t)(0x1040 | (rnd(r) & 0xf3f)) : 0x37f;
    s->fpu.mxcsr = chance(r, 20) ? (uint32_t)(rnd(r) & 0xffbf) : 0x1f80;
    s->ev.halted = false;
    s->ev.interrupt_shadow = 0;
    /* self-modifying prologue: stores into the bytes about to run */
    if (first && code && chance(r, 15)) {
        uint32_t at = off, ds = e.data_base;
        for (int n = rn(r, 4) + 1; n > 0 && at + 16 < CODE_LEN; n--) {
            uint32_t target = CODE - ds + at + rn(r, 24);
            uint8_t *p = code + at;
            if (e.code32 && s->seg[S_DS].db) {
                p[0] = 0xc6, p[1] = 0x05, put32(p + 2, target), p[6] = (uint8_t)rnd(r);
                at += 7;
            } else {
                p[0] = 0xc6, p[1] = 0x06, put16(p + 2, (uint16_t)target), p[4] = (uint8_t)rnd(r);
                at += 5;
            }
        }
    }
    cpu_state_changed(f->c);
}

/* ---- checks ---- */

static bool err_vector(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* The exception and interrupt lines of the LOG_INT log since the last call:
 * every exception the CPU raised is architectural, with an error code
 * exactly when the vector has one. */
static void check_log(struct fuzz *f)
{
    fflush(f->logf);
    long n = ftell(f->logf);
    if (n <= 0)
        return;
    if ((size_t)n >= f->logcap)
        n = (long)f->logcap - 1;
    f->logbuf[n] = 0;
    if (f->verbose)
        fputs(f->logbuf, stderr);
    for (char *line = f->logbuf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        int vec, err;
        unsigned ivec;
        if (sscanf(line, "exception %d err=%d", &vec, &err) == 2) {
            CHECK(vec >= 0 && vec < 32 && vec != 2 && vec != 9 &&
                          vec != 15 && vec < 20,
                          "%s: raised reserved vector %d (%s)", f->where, vec, line);
            CHECK(err_vector(vec) == (err != -1),
                          "%s: exception %d %s an error code (%s)", f->where, vec,
                          err == -1 ? "without" : "with", line);
            if (vec == 8 || vec == 17)
                CHECK(err == 0, "%s: %s", f->where, line);
            if (vec == 14)
                CHECK(!(err & ~0x1f), "%s: %s", f->where, line);
            if (vec >= 10 && vec <= 13)
                CHECK(err >= 0 && err <= 0xffff, "%s: %s", f->where, line);
            f->st.faults[vec]++;
            f->run_faults++;
        } else if (sscanf(line, "interrupt vector %x", &ivec) == 1) {
            if (f->nacks_seen < f->nacks) {
                CHECK(ivec == f->acks[f->nacks_seen], "%s: delivered vector %#x, "
                      "INTA gave %#x", f->where, ivec, f->acks[f->nacks_seen]);
                f->nacks_seen++;
            }
        } else if (!strncmp(line, "unimplemented", 13)) {
            bool seen = false;
            for (int k = 0; k < f->nunimp; k++)
                if (!strncmp(f->unimp[k], line, 28))
                    seen = true;
            if (!seen && f->nunimp < 64)
                snprintf(f->unimp[f->nunimp++], sizeof f->unimp[0], "%s", line);
        }
        line = nl ? nl + 1 : NULL;
    }
    rewind(f->logf);
}

static const uint32_t cr0_defined = 0xe005003fu;

static uint32_t cr4_allowed(void)
{
    uint32_t e = cpu_model_default()->leaf1_edx, m = 0;
    if (e & CPUID_VME) m |= CR4_VME | CR4_PVI;
    if (e & CPUID_TSC) m |= CR4_TSD;
    if (e & CPUID_DE) m |= CR4_DE;
    if (e & CPUID_PSE) m |= CR4_PSE;
    if (e & CPUID_PAE) m |= CR4_PAE;
    if (e & (1u << 7)) m |= 0x40;   /* MCE */
    if (e & CPUID_PGE) m |= CR4_PGE;
    m |= 0x100;                     /* PCE */
    if (e & CPUID_FXSR) m |= CR4_OSFXSR;
    if (e & CPUID_SSE) m |= CR4_OSXMMEXCPT;
    return m;
}

/* The state at an instruction boundary is one the architecture allows. */
static void check_state(struct fuzz *f)
{
    const struct cpu *c = f->c;
    const struct x86_state *s = cpu_state(f->c);
    const char *w = f->where;
    uint32_t fl = (uint32_t)s->rflags;
    CHECK((fl & 2) && !(fl & 0xffc08028u), "%s: EFLAGS %#x", w, fl);
    CHECK(s->cr0 & CR0_ET, "%s: CR0.ET clear (%#x)", w, (unsigned)s->cr0);
    CHECK(!(s->cr0 & ~(uint64_t)cr0_defined), "%s: CR0 %#x", w,
                  (unsigned)s->cr0);
    CHECK(!(s->cr0 & CR0_PG) || (s->cr0 & CR0_PE), "%s: CR0 PG without PE", w);
    CHECK(!(s->cr0 & CR0_NW) || (s->cr0 & CR0_CD), "%s: CR0 NW without CD", w);
    CHECK(!(s->cr4 & ~(uint64_t)cr4_allowed()), "%s: CR4 %#x", w,
                  (unsigned)s->cr4);
    CHECK(!(s->efer & ~(uint64_t)(1u << 11)), "%s: EFER %#llx", w,
                  (unsigned long long)s->efer);
    const struct x86_seg *cs = &s->seg[S_CS], *ss = &s->seg[S_SS];
    uint32_t eip = (uint32_t)s->rip;
    bool task_switched = s->tr.sel != SEL_TSS1;
    if (!cs->db)
        CHECK(eip <= 0xffff, "%s: 16-bit code with EIP %#x", w, eip);
    CHECK(task_switched || eip <= cs->limit || eip - 1 == cs->limit,
                  "%s: EIP %#x beyond the CS limit %#x", w, eip, cs->limit);
    if (!(s->cr0 & CR0_PE)) {
        CHECK(!(fl & F_VM), "%s: VM in real mode", w);
        CHECK(c->cpl == 0, "%s: CPL %u in real mode", w, c->cpl);
        return;
    }
    if (fl & F_VM) {
        CHECK(c->cpl == 3, "%s: CPL %u in v86 mode", w, c->cpl);
        for (int k = 0; k < 6; k++)
            CHECK(s->seg[k].base == (uint32_t)s->seg[k].sel << 4 &&
                          s->seg[k].limit == 0xffff,
                          "%s: v86 segment %d sel %#x base %#llx limit %#x", w, k,
                          s->seg[k].sel, (unsigned long long)s->seg[k].base,
                          s->seg[k].limit);
        return;
    }
    CHECK(cs->present && cs->s && (cs->type & 8),
                  "%s: CS %#x is not a present code segment (type %#x)", w,
                  cs->sel, cs->type);
    CHECK(ss->present && ss->s && !(ss->type & 8) && (ss->type & 2) &&
                  !ss->unusable, "%s: SS %#x is not a writable data segment "
                  "(type %#x)", w, ss->sel, ss->type);
    CHECK(c->cpl == ss->dpl && (ss->sel & 3) == c->cpl,
                  "%s: CPL %u but SS %#x DPL %u", w, c->cpl, ss->sel, ss->dpl);
    CHECK((cs->sel & 3) == c->cpl, "%s: CPL %u but CS %#x", w, c->cpl,
                  cs->sel);
    if (cs->type & 4)
        CHECK(cs->dpl <= c->cpl, "%s: conforming CS DPL %u > CPL %u", w,
                      cs->dpl, c->cpl);
    else
        CHECK(cs->dpl == c->cpl, "%s: CS DPL %u, CPL %u", w, cs->dpl, c->cpl);
}

/* Halted on a handler stub: which vector (or -1). */
static int stub_vector(struct fuzz *f)
{
    const struct x86_state *s = cpu_state(f->c);
    uint32_t lin = (uint32_t)(s->seg[S_CS].base + s->rip - 1);
    uint32_t base = (s->cr0 & CR0_PE) ? STUB : RSTUB;
    if (lin < base || lin > base + 2 * 256 || (lin - base) & 1)
        return -1;
    return (int)(lin - base) / 2;
}

/* Guest linear -> physical through this harness's own tables (identity
 * and the large-page alias); false when it cannot tell. */
static bool lin2phys(struct fuzz *f, uint32_t lin, uint32_t *pa)
{
    const struct cpu *c = f->c;
    if (c->s.cr0 & CR0_PG) {
        if (c->s.cr3 != f->cr3)
            return false;
        uint32_t alias = (c->s.cr4 & CR4_PAE) ? ALIASPAE : ALIAS32;
        if (lin - alias < PHYS_END)
            lin -= alias;
    }
    lin &= (uint32_t)c->a20_mask;
    if (!is_ram(lin))
        return false;   /* ROM and MMIO drop writes: no frame there */
    *pa = lin;
    return true;
}

static bool read_lin(struct fuzz *f, uint32_t lin, unsigned size, uint32_t *v)
{
    uint32_t pa;
    *v = 0;
    for (unsigned k = 0; k < size; k++) {
        if (!lin2phys(f, lin + k, &pa))
            return false;
        *v |= (uint32_t)gbyte(f, pa) << (8 * k);
    }
    return true;
}

/* The CPU halted on the stub of vector v, before the handler ran.  From a
 * ring-3 or v86 stream the frame sits at ESP0 and tells whether an error
 * code was pushed: exactly for the exceptions that have one, never for
 * INT n or an interrupt; a vector the CPU never raises (2, 9, 15, 20 and
 * up) must come from INT n or the interrupt line; EFLAGS in the frame is
 * well formed. */
static void check_event(struct fuzz *f, int v)
{
    const struct x86_state *s = &f->c->s;
    const char *w = f->where;
    bool pe = s->cr0 & CR0_PE;
    unsigned gs = 2;
    uint32_t gate_hi;
    /* ring-0 code may have rewritten the vector table, the descriptors or
     * the stubs themselves (a stack in the stub page does) */
    if (v > 255 || f->dirty[(pe ? IDT : 0) / PAGE] || f->dirty[GDT / PAGE] ||
        f->dirty[(pe ? STUB : RSTUB) / PAGE])
        return;
    if (pe) {
        if (s->idt.base != IDT || !read_lin(f, IDT + 8 * v + 4, 4, &gate_hi))
            return;
        gs = (gate_hi & 0x800) ? 4 : 2;
    } else if (s->idt.base != 0) {
        return;
    }
    uint32_t esp = (uint32_t)s->gpr[R_ESP];
    if (!s->seg[S_SS].db)
        esp &= 0xffff;
    int err = -1;            /* unknown */
    bool v86 = false;
    uint32_t esp0;
    /* ring-3 and v86 streams only enter ring 0 through events */
    if (f->m->ring == 3 && pe && gs == 4 && s->seg[S_SS].sel == SEL_DATA0 &&
        read_lin(f, TSS1 + 4, 4, &esp0) && esp0 == KSTACK && s->tr.base == TSS1) {
        switch (KSTACK - esp) {
        case 20: err = 0; break;
        case 24: err = 1; break;
        case 36: err = 0; v86 = true; break;
        case 40: err = 1; v86 = true; break;
        }
        /* the layout must fit (CS RPL 3, or VM in EFLAGS); if it does not,
         * an interrupt nested on the handler's first instruction (a trap
         * gate leaves IF set) made the depth a coincidence */
        uint32_t cs3 = 0, fl3 = 0;
        uint32_t top = KSTACK - (KSTACK - esp) + (err > 0 ? 4 : 0);
        if (err >= 0 && (!read_lin(f, top + 4, 2, &cs3) || !read_lin(f, top + 8, 4, &fl3) ||
                         (v86 ? !(fl3 & F_VM) : (cs3 & 3) != 3 || (fl3 & F_VM))))
            err = -1;
    }
    /* Only a stack switch proves the frame is an event's: at the same level
     * a far CALL, RET or IRET through the vector table reaches stubs too. */
    if (err < 0)
        return;
    uint32_t ssb = (uint32_t)s->seg[S_SS].base, mask = s->seg[S_SS].db ? ~0u : 0xffffu;
    uint32_t sp = esp + (err > 0 ? gs : 0);
    uint32_t eip, cs, fl;
    if (!read_lin(f, ssb + (sp & mask), gs, &eip) ||
        !read_lin(f, ssb + ((sp + gs) & mask), 2, &cs) ||
        !read_lin(f, ssb + ((sp + 2 * gs) & mask), gs, &fl))
        return;
    if (cs != f->entry_cs)
        return;              /* not from the stream's own code: a RET or IRET
                              * through the vector table can land on a stub */
    CHECK((fl & 2) && !(fl & 0xffc08028u), "%s: vector %d frame EFLAGS %#x", w, v, fl);
    uint32_t ret = f->entry_cs_base + eip, b1 = 0, b2 = 0;
    if (!read_lin(f, ret - 1, 1, &b1) || !read_lin(f, ret - 2, 1, &b2))
        return;
    bool soft = (b2 == 0xcd && b1 == (uint32_t)v) || (v == 3 && b1 == 0xcc) ||
                (v == 4 && b1 == 0xce) || (v == 1 && b1 == 0xf1);
    bool irq = v == f->last_ack;
    if (v == 2 || v == 9 || v == 15 || v >= 20)
        CHECK(soft || irq, "%s: vector %d delivered from %04x:%08x, neither "
              "INT n nor an interrupt", w, v, cs, eip);
    if (err == 1)
        CHECK(err_vector(v), "%s: vector %d pushed an error code", w, v);
    if (err == 0 && err_vector(v))
        CHECK(soft || irq, "%s: exception %d without an error code", w, v);
    f->st.frames++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define PAGE_BUDGET 1500
#define RUN_BUDGET 400
#define MAX_ENTRIES 8

/* One cpu_run with its checks; returns the stop reason. */
static enum cpu_stop run_checked(struct fuzz *f, uint64_t budget)
{
    uint64_t before = cpu_insn_count(f->c);
    f->run_faults = 0;
    f->nacks = f->nacks_seen = 0;
    double t0 = now_s();
    enum cpu_stop why = cpu_run(f->c, budget);
    double dt = now_s() - t0;
    uint64_t ran = cpu_insn_count(f->c) - before;
    if (dt > f->st.max_run_s)
        f->st.max_run_s = dt;
    f->st.runs++;
    f->st.insns += ran;
    check_log(f);
    /* Known (reported): cpu_run counts a fault raised while delivering an
     * event (a nested exception, or an interrupt whose gate faults) as one
     * more instruction, so a run may overshoot by one per such fault;
     * nothing else may. */
    uint64_t slack = f->run_faults;
    CHECK(ran <= budget + slack, "%s: ran %llu instructions on a budget of %llu",
          f->where, (unsigned long long)ran, (unsigned long long)budget);
    CHECK(why == CPU_STOP_BUDGET || why == CPU_STOP_HALT ||
          why == CPU_STOP_SHUTDOWN || why == CPU_STOP_REQUEST ||
          why == CPU_STOP_DEBUG, "%s: stop reason %d", f->where, why);
    if (why == CPU_STOP_BUDGET)
        CHECK(ran >= budget, "%s: stopped for the budget after %llu of %llu",
                      f->where, (unsigned long long)ran, (unsigned long long)budget);
    if (why != CPU_STOP_SHUTDOWN)
        check_state(f);
    if (f->paranoid && f->code)
        verify_clean(f, f->code);
    return why;
}

static void dump_entry(struct fuzz *f, uint32_t off)
{
    const struct x86_state *s = cpu_state(f->c);
    fprintf(stderr, "%s: CS:EIP %04x:%08x (base %#llx limit %#x) SS %04x (base "
            "%#llx) code page offset %#x\n", f->where, s->seg[S_CS].sel,
            (unsigned)s->rip, (unsigned long long)s->seg[S_CS].base,
            s->seg[S_CS].limit, s->seg[S_SS].sel,
            (unsigned long long)s->seg[S_SS].base, off);
    for (int k = 0; k < 8; k++)
        fprintf(stderr, "  r%d=%08x", k, (unsigned)s->gpr[k]);
    fprintf(stderr, "\n  eflags=%08x cr0=%08x cr2=%08x cr3=%08x cr4=%08x efer=%x\n  bytes:",
            (unsigned)s->rflags, (unsigned)s->cr0, (unsigned)s->cr2,
            (unsigned)s->cr3, (unsigned)s->cr4, (unsigned)s->efer);
    for (unsigned k = 0; k < 48 && off + k < CODE_LEN; k++)
        fprintf(stderr, " %02x", gbyte(f, CODE + off + k));
    fprintf(stderr, "\n");
}

/* One code page: fresh random code, up to MAX_ENTRIES streams into the mode
 * (after each HLT, on a stub or not) within PAGE_BUDGET instructions. */
static void run_page(struct fuzz *f, unsigned idx, uint64_t seed, bool verbose)
{
    uint64_t r = seed;
    uint8_t code[CODE_LEN];
    const struct mode *m = f->m;
    f->pg = m->paging == PG_ANY ? (rn(&r, 3) == 0 ? PG_NONE : rn(&r, 2) ? PG_32 : PG_PAE)
                                : m->paging;
    restore_dirty(f, false);
    uint32_t offs[MAX_ENTRIES];
    bool insnish = chance(&r, 60);
    memcpy(code, f->pristine + CODE, CODE_LEN);
    for (int k = 0; k < MAX_ENTRIES; k++) {
        offs[k] = rn(&r, CODE_LEN - 16);
        gen_window(code, offs[k], insnish, &r);
    }
    f->irq_rng = rnd(&r);
    f->irq_rate = chance(&r, 30) ? 64 + rn(&r, 512) : 0;
    f->irq_pending = false;
    f->last_ack = -1;
    f->work = 0;
    f->devices = chance(&r, 20);
    /* the debugger's single step and breakpoints, now and then */
    bool step = chance(&r, 3);
    uint64_t bps[2] = { CODE + rn(&r, CODE_LEN), CODE + rn(&r, CODE_LEN) };
    int nbps = chance(&r, 3) ? 2 : 0;
    cpu_set_debug(f->c, step, bps, nbps);
    cpu_reset(f->c);
    cpu_set_a20(f->c, !(m->kind <= K_UNREAL && chance(&r, 10)));
    uint32_t cr3 = f->pg == PG_PAE ? PDPT : f->pg == PG_32 ? PD32 : 0;
    set_task_cr3(f, cr3);
    uint64_t left = PAGE_BUDGET;
    f->code = code;
    for (int entry = 0; entry < MAX_ENTRIES && left; entry++) {
        uint32_t off = offs[entry];
        snprintf(f->where, sizeof f->where, "%s page %u (seed %#llx) stream %d",
                 m->name, idx, (unsigned long long)seed, entry);
        enter_mode(f, &r, off, entry == 0 ? code : NULL, entry == 0);
        f->st.streams++;
        if (entry == 0) {
            gwrite(f, CODE, code, CODE_LEN);
            cpu_invalidate_code(f->c, CODE, CODE_LEN);
        }
        if (verbose)
            dump_entry(f, off);
        while (left) {
            if (f->work >= WORK_LIMIT) {
                f->st.cut++;
                left = 0;
                break;
            }
            uint64_t b = left < RUN_BUDGET ? left : RUN_BUDGET;
            uint64_t before = cpu_insn_count(f->c);
            enum cpu_stop why = run_checked(f, b);
            uint64_t ran = cpu_insn_count(f->c) - before;
            left = ran >= left ? 0 : left - ran;
            if (why == CPU_STOP_DEBUG) {
                f->st.debug_stops++;
                if (ran == 0) {   /* on a breakpoint: step over it */
                    cpu_set_debug(f->c, false, NULL, 0);
                    why = run_checked(f, 1);
                    cpu_set_debug(f->c, step, bps, nbps);
                    left--;
                    if (why == CPU_STOP_BUDGET || why == CPU_STOP_REQUEST)
                        continue;
                }
            }
            if (why == CPU_STOP_BUDGET || why == CPU_STOP_REQUEST ||
                why == CPU_STOP_DEBUG)
                continue;
            if (why == CPU_STOP_SHUTDOWN) {
                f->st.shutdowns++;
                left = 0;
            } else {
                int v = stub_vector(f);
                f->st.halts++;
                if (v >= 0) {
                    f->st.stubs++;
                    f->st.vectors[v]++;
                }
                if (verbose) {
                    const struct x86_state *x = &f->c->s;
                    fprintf(stderr, "  halted, stub vector %d at %04x:%08x SS:ESP "
                            "%04x:%08x GDT/IDT written %d/%d\n", v, x->seg[S_CS].sel,
                            (unsigned)x->rip, x->seg[S_SS].sel,
                            (unsigned)x->gpr[R_ESP], f->dirty[GDT / PAGE],
                            f->dirty[IDT / PAGE]);
                }
                if (v >= 0)
                    check_event(f, v);
            }
            break;
        }
        if (!left)
            f->st.budget_ends++;
        /* the next entry: system structures as they were, code as it is */
        if (f->c->shutdown)
            cpu_reset(f->c);
        restore_dirty(f, true);
        set_task_cr3(f, cr3);
    }
    cpu_set_a20(f->c, true);
    cpu_set_debug(f->c, false, NULL, 0);
    if (idx % 256 == 0)
        verify_clean(f, code);
    f->code = NULL;
    f->st.pages++;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static uint64_t mode_seed(int mode)
{
    return env_u64("TANDEM_FUZZ_SEED", 0x7a4d3e11ull) * 0x100000001b3ull + (uint64_t)mode;
}

static struct fuzz *fuzz_for_mode(int mode)
{
    struct fuzz *f = fuzz_new();
    f->m = &modes[mode];
    build_image(f, mode_seed(mode) ^ 0x5bd1e995ull);
    restore_all(f);
    return f;
}

static void print_stats(struct fuzz *f, double secs)
{
    const struct stats *s = &f->st;
    fprintf(stderr, "fuzz %-12s %5llu code pages %6llu streams %6llu runs %8llu insns "
            "%6llu halts (%llu on stubs, %llu frames checked) %4llu triple faults "
            "%6llu I/O %4llu IRQs %.2fs (longest run %.1f ms, slowest page %u "
            "%.1f ms)\n  %llu pages cut for bus work, %llu kicks, %llu DMAs, "
            "%llu A20 switches, %llu debug stops\n  faults:", f->m->name,
            (unsigned long long)s->pages, (unsigned long long)s->streams,
            (unsigned long long)s->runs,
            (unsigned long long)s->insns, (unsigned long long)s->halts,
            (unsigned long long)s->stubs, (unsigned long long)s->frames,
            (unsigned long long)s->shutdowns,
            (unsigned long long)s->ios, (unsigned long long)s->irqs, secs,
            s->max_run_s * 1e3, s->slowest_page, s->max_page_s * 1e3,
            (unsigned long long)s->cut, (unsigned long long)s->kicks,
            (unsigned long long)s->dmas, (unsigned long long)s->a20s,
            (unsigned long long)s->debug_stops);
    for (int v = 0; v < 32; v++)
        if (s->faults[v])
            fprintf(stderr, " #%d:%llu", v, (unsigned long long)s->faults[v]);
    fprintf(stderr, "\n");
    for (int k = 0; k < f->nunimp; k++)
        fprintf(stderr, "  %s\n", f->unimp[k]);
}

/* TANDEM_FUZZ_ONLY=mode:page names one code page of this mode to replay. */
static bool only_page(int mode, unsigned *idx)
{
    const char *only = getenv("TANDEM_FUZZ_ONLY");
    const char *colon = only ? strchr(only, ':') : NULL;
    if (!colon || (size_t)(colon - only) != strlen(modes[mode].name) ||
        strncmp(only, modes[mode].name, (size_t)(colon - only)))
        return false;
    *idx = (unsigned)strtoul(colon + 1, NULL, 0);
    return true;
}

/* ---- split runs: the state round trip loses nothing ---- */

#define SAME(field, fmt)                                                    \
    CHECK(a->field == b->field, "%s: after a split run " #field " is " fmt \
          ", straight " fmt, w, (unsigned long long)b->field,              \
          (unsigned long long)a->field)

static void compare_seg(const char *w, const char *name, const struct x86_seg *a,
                        const struct x86_seg *b)
{
    CHECK(a->sel == b->sel && a->base == b->base && a->limit == b->limit &&
          a->type == b->type && a->s == b->s && a->dpl == b->dpl &&
          a->present == b->present && a->db == b->db && a->g == b->g &&
          a->unusable == b->unusable,
          "%s: after a split run %s is %04x base %llx limit %x type %x dpl %u "
          "p %u db %u unusable %u, straight %04x base %llx limit %x type %x "
          "dpl %u p %u db %u unusable %u", w, name, b->sel,
          (unsigned long long)b->base, b->limit, b->type, b->dpl, b->present,
          b->db, b->unusable, a->sel, (unsigned long long)a->base, a->limit,
          a->type, a->dpl, a->present, a->db, a->unusable);
}

static void compare_states(const char *w, const struct x86_state *a,
                           const struct x86_state *b)
{
    static const char *const sn[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int k = 0; k < 8; k++)
        CHECK(a->gpr[k] == b->gpr[k], "%s: after a split run register %d is "
              "%#llx, straight %#llx", w, k, (unsigned long long)b->gpr[k],
              (unsigned long long)a->gpr[k]);
    SAME(rip, "%#llx");
    SAME(rflags, "%#llx");
    for (int k = 0; k < 6; k++)
        compare_seg(w, sn[k], &a->seg[k], &b->seg[k]);
    compare_seg(w, "LDTR", &a->ldt, &b->ldt);
    compare_seg(w, "TR", &a->tr, &b->tr);
    SAME(gdt.base, "%#llx");
    SAME(gdt.limit, "%#llx");
    SAME(idt.base, "%#llx");
    SAME(idt.limit, "%#llx");
    SAME(cr0, "%#llx");
    SAME(cr2, "%#llx");
    SAME(cr3, "%#llx");
    SAME(cr4, "%#llx");
    SAME(efer, "%#llx");
    for (int k = 0; k < 8; k++)
        SAME(dr[k], "%#llx");
    SAME(tsc, "%llu");
    SAME(sysenter_cs, "%#llx");
    SAME(sysenter_esp, "%#llx");
    SAME(sysenter_eip, "%#llx");
    SAME(fpu.fcw, "%#llx");
    SAME(fpu.fsw, "%#llx");
    SAME(fpu.ftw, "%#llx");
    SAME(fpu.mxcsr, "%#llx");
    CHECK(!memcmp(a->fpu.st, b->fpu.st, sizeof a->fpu.st) &&
          !memcmp(a->fpu.xmm, b->fpu.xmm, sizeof a->fpu.xmm),
          "%s: after a split run the x87/SSE registers differ", w);
    SAME(ev.halted, "%llu");
    SAME(ev.interrupt_shadow, "%llu");
}

/* One code page on two machines: straight on a, in random slices on
 * b with cpu_state() + cpu_state_changed() between slices, as the kvm
 * engine and a debugger see the CPU.  No interrupts, TF or breakpoints:
 * those are taken at slice boundaries by design. */
static void run_split(struct fuzz *fa, struct fuzz *fb, unsigned idx, uint64_t seed)
{
    struct fuzz *fs[2] = { fa, fb };
    uint64_t rs[2];
    uint8_t code[2][CODE_LEN];
    uint32_t offs[MAX_ENTRIES];
    for (int k = 0; k < 2; k++) {
        struct fuzz *f = fs[k];
        uint64_t r = seed;
        f->pg = f->m->paging == PG_ANY ? (rn(&r, 3) == 0 ? PG_NONE : rn(&r, 2) ? PG_32 : PG_PAE)
                                       : f->m->paging;
        restore_dirty(f, false);
        memcpy(code[k], f->pristine + CODE, CODE_LEN);
        bool insnish = chance(&r, 60);
        for (int e = 0; e < MAX_ENTRIES; e++) {
            offs[e] = rn(&r, CODE_LEN - 16);
            gen_window(code[k], offs[e], insnish, &r);
        }
        f->irq_rate = 0;
        f->devices = false;
        f->work = 0;
        f->nodebug = true;
        cpu_reset(f->c);
        rs[k] = r;
    }
    uint64_t r = seed ^ 0xabcdef;
    for (int e = 0; e < MAX_ENTRIES; e++) {
        for (int k = 0; k < 2; k++) {
            struct fuzz *f = fs[k];
            uint32_t cr3 = f->pg == PG_PAE ? PDPT : f->pg == PG_32 ? PD32 : 0;
            if (f->c->shutdown)
                cpu_reset(f->c);
            restore_dirty(f, true);
            set_task_cr3(f, cr3);
            snprintf(f->where, sizeof f->where, "%s split page %u (seed %#llx) "
                     "stream %d", f->m->name, idx, (unsigned long long)seed, e);
            enter_mode(f, &rs[k], offs[e], e == 0 ? code[k] : NULL, e == 0);
            if (e == 0) {
                gwrite(f, CODE, code[k], CODE_LEN);
                cpu_invalidate_code(f->c, CODE, CODE_LEN);
            }
            if (f->verbose && k == 0)
                dump_entry(f, offs[e]);
        }
        const uint64_t n = fa->split_budget;
        uint64_t a0 = cpu_insn_count(fa->c), b0 = cpu_insn_count(fb->c);
        uint64_t cr4_in = fa->c->s.cr4, cr0_in = fa->c->s.cr0, efer_in = fa->c->s.efer;
        enum cpu_stop wa = run_checked(fa, n), wb = CPU_STOP_BUDGET;
        uint64_t done = 0;
        while (done < n && wb == CPU_STOP_BUDGET && fb->work < WORK_LIMIT) {
            uint64_t k = 1 + rn(&r, 24);
            if (k > n - done)
                k = n - done;
            uint64_t before = cpu_insn_count(fb->c);
            /* a device's kick between runs must change nothing */
            if (rn(&r, 2))
                cpu_request_stop(fb->c);
            wb = run_checked(fb, k);
            done += cpu_insn_count(fb->c) - before;
            cpu_state(fb->c);
            cpu_state_changed(fb->c);
        }
        if (fa->work >= WORK_LIMIT || fb->work >= WORK_LIMIT)
            return;   /* cut short: where each stopped is not comparable */
        const char *w = fb->where;
        /* The TLB is a cache that a state round trip empties: after the
         * guest stored into its page tables or changed CR3/CR4/paging, stale
         * entries (global ones survive CR3 writes) may legitimately differ. */
        bool tlb_visible = false;
        for (uint32_t a = PD32; a <= PTPAE; a += PAGE)
            tlb_visible |= fa->stored[a / PAGE] || fb->stored[a / PAGE];
        const struct x86_state *sa = &fa->c->s;
        tlb_visible |= sa->cr3 != fa->cr3 || ((sa->cr4 ^ cr4_in) & (CR4_PGE | CR4_PAE | CR4_PSE)) ||
                       ((sa->cr0 ^ cr0_in) & (CR0_PG | CR0_WP)) || sa->efer != efer_in;
        if (fa->verbose) {
            fprintf(stderr, "straight:\n");
            dump_entry(fa, 0);
            fprintf(stderr, "split:\n");
            dump_entry(fb, 0);
        }
        if (tlb_visible && fa->pg != PG_NONE) {
            fa->st.cut++;
            continue;
        }
        uint64_t ra = cpu_insn_count(fa->c) - a0, rb = cpu_insn_count(fb->c) - b0;
        CHECK(wa == wb, "%s: split run stopped with %d, straight with %d", w, wb, wa);
        CHECK(ra == rb, "%s: %llu instructions split, %llu straight", w,
              (unsigned long long)rb, (unsigned long long)ra);
        if (wa == CPU_STOP_SHUTDOWN)
            continue;
        compare_states(w, cpu_state(fa->c), cpu_state(fb->c));
        for (unsigned p = 0; p < NPAGES; p++)
            if ((fa->dirty[p] || fb->dirty[p]) && is_ram((uint64_t)p * PAGE))
                CHECK(!memcmp(gpage(fa, p), gpage(fb, p), PAGE),
                      "%s: after a split run guest page %#x differs", w, p * PAGE);
        fa->st.streams++;
    }
    fa->st.pages++;
}

START_TEST(test_fuzz_split)
{
    struct fuzz *fa = fuzz_for_mode(_i), *fb = fuzz_for_mode(_i);
    fa->split_budget = env_u64("TANDEM_FUZZ_SPLIT_BUDGET", 300);
    unsigned n = (unsigned)env_u64("TANDEM_FUZZ_SPLIT",
                                   300 * env_u64("TANDEM_FUZZ_SCALE", 1));
    uint64_t base = mode_seed(_i) ^ 0x5a5a5a5a5a5a5a5aull;
    unsigned first = 0, only;
    if (only_page(_i, &only)) {
        first = only;
        n = only + 1;
    } else if (getenv("TANDEM_FUZZ_ONLY")) {
        n = 0;
    }
    for (unsigned k = first; k < n; k++)
        run_split(fa, fb, k, base + k * 0x9e3779b97f4a7c15ull);
    fprintf(stderr, "split %-12s %5llu streams compared (%llu not: paging changed), "
            "%7llu instructions, %6llu slices\n", modes[_i].name,
            (unsigned long long)fa->st.streams, (unsigned long long)fa->st.cut,
            (unsigned long long)fa->st.insns, (unsigned long long)fb->st.runs);
    fuzz_free(fa);
    fuzz_free(fb);
}
END_TEST

START_TEST(test_fuzz_mode)
{
    struct fuzz *f = fuzz_for_mode(_i);
    unsigned n = (unsigned)env_u64("TANDEM_FUZZ_STREAMS",
                                   modes[_i].pages * env_u64("TANDEM_FUZZ_SCALE", 1));
    double t0 = now_s();
    uint64_t base = mode_seed(_i);
    unsigned idx;
    if (only_page(_i, &idx)) {
        run_page(f, idx, base + idx * 0x9e3779b97f4a7c15ull, true);
        fuzz_free(f);
        return;
    }
    if (getenv("TANDEM_FUZZ_ONLY")) {
        fuzz_free(f);
        return;
    }
    bool progress = getenv("TANDEM_FUZZ_PROGRESS") != NULL;
    for (unsigned k = 0; k < n; k++) {
        if (progress && k % 500 == 0)
            fprintf(stderr, "%s: page %u at %.2fs\n", modes[_i].name, k,
                    now_s() - t0);
        double t1 = now_s();
        run_page(f, k, base + k * 0x9e3779b97f4a7c15ull, false);
        if (now_s() - t1 > f->st.max_page_s) {
            f->st.max_page_s = now_s() - t1;
            f->st.slowest_page = k;
        }
    }
    restore_dirty(f, false);
    print_stats(f, now_s() - t0);
    /* the log parser still understands the CPU's LOG_INT lines */
    uint64_t faults = 0;
    for (int v = 0; v < 32; v++)
        faults += f->st.faults[v];
    CHECK(faults > 0, "%s: no exception lines parsed from the LOG_INT "
                  "log: has its format changed?", modes[_i].name);
    CHECK(f->st.stubs > 0, "%s: no event reached a handler", modes[_i].name);
    fuzz_free(f);
}
END_TEST

/* ---- the harness itself: each mode is entered as intended ---- */

/* UD2 at the start of the code: #UD reaches stub 6 at CPL 0, and from ring
 * 3 or v86 the frame sits at ESP0 with the old SS:ESP. */
START_TEST(test_harness_modes)
{
    struct fuzz *f = fuzz_for_mode(_i);
    const struct mode *m = f->m;
    uint64_t r = 1;
    f->plain = true;
    f->pg = m->paging == PG_ANY ? PG_32 : m->paging;
    cpu_reset(f->c);
    set_task_cr3(f, f->pg == PG_PAE ? PDPT : f->pg == PG_32 ? PD32 : 0);
    snprintf(f->where, sizeof f->where, "%s harness", m->name);
    const uint8_t ud2[2] = { 0x0f, 0x0b };
    memcpy(gptr(f, CODE + 0x100), ud2, 2);
    cpu_invalidate_code(f->c, CODE, CODE_LEN);
    enter_mode(f, &r, 0x100, NULL, false);
    struct x86_state *s = cpu_state(f->c);
    s->rflags &= ~(uint64_t)(F_TF | F_IF);
    s->dr[7] = 0;
    s->gpr[R_ESP] = m->kind == K_V86 ? 0xfff0 : s->gpr[R_ESP];
    cpu_state_changed(f->c);
    uint32_t old_cs = s->seg[S_CS].sel, old_ss = s->seg[S_SS].sel;
    uint32_t old_esp = (uint32_t)s->gpr[R_ESP], old_eip = (uint32_t)s->rip;
    ck_assert_int_eq(run_checked(f, 100), CPU_STOP_HALT);
    if (stub_vector(f) != 6)
        dump_entry(f, 0x100);
    ck_assert_int_eq(stub_vector(f), 6);
    s = cpu_state(f->c);
    ck_assert_uint_eq(f->c->cpl, 0);
    if (m->ring == 3) {
        uint32_t esp = (uint32_t)s->gpr[R_ESP];
        unsigned words = m->kind == K_V86 ? 9 : 5;
        ck_assert_uint_eq(esp, KSTACK - 4 * words);
        ck_assert_uint_eq(*(uint32_t *)gptr(f, esp), old_eip);
        ck_assert_uint_eq(*(uint32_t *)gptr(f, esp + 4), old_cs);
        ck_assert_uint_eq(*(uint32_t *)gptr(f, esp + 12), old_esp);
        ck_assert_uint_eq(*(uint32_t *)gptr(f, esp + 16), old_ss);
    }
    fuzz_free(f);
}
END_TEST

/* Ports nobody claims read as all ones, at every size. */
START_TEST(test_io_open_bus)
{
    struct fuzz *f = fuzz_for_mode(M_REAL);
    uint64_t r = 2;
    f->plain = true;
    f->pg = PG_NONE;
    cpu_reset(f->c);
    static const uint8_t prog[] = {
        0xba, 0x34, 0x12,             /* mov dx, 0x1234 */
        0x31, 0xc0,                   /* xor ax, ax */
        0xec,                         /* in al, dx */
        0x88, 0xc3,                   /* mov bl, al */
        0xed,                         /* in ax, dx */
        0x89, 0xc1,                   /* mov cx, ax */
        0x66, 0xed,                   /* in eax, dx */
        0x66, 0x89, 0xc6,             /* mov esi, eax */
        0x66, 0xef,                   /* out dx, eax */
        0xe6, 0x80,                   /* out 0x80, al */
        0xf4,                         /* hlt */
    };
    snprintf(f->where, sizeof f->where, "open bus");
    memcpy(gptr(f, CODE), prog, sizeof prog);
    cpu_invalidate_code(f->c, CODE, CODE_LEN);
    enter_mode(f, &r, 0, NULL, false);
    struct x86_state *s = cpu_state(f->c);
    s->rflags = 0x2;
    s->dr[7] = 0;
    cpu_state_changed(f->c);
    ck_assert_int_eq(run_checked(f, 100), CPU_STOP_HALT);
    s = cpu_state(f->c);
    ck_assert_uint_eq(s->gpr[R_EBX] & 0xff, 0xff);
    ck_assert_uint_eq(s->gpr[R_ECX] & 0xffff, 0xffff);
    ck_assert_uint_eq((uint32_t)s->gpr[R_ESI], 0xffffffffu);
    ck_assert_uint_eq(f->st.ios, 5);
    fuzz_free(f);
}
END_TEST

/* ---- regressions: byte sequences the fuzz found (minimised) ---- */

enum want { W_SANE, W_HALT_AT, W_STUB };

struct regression {
    const char *what;
    int mode;
    enum want want;
    uint32_t arg;          /* W_HALT_AT: linear address of the HLT; W_STUB: vector */
    const uint8_t *bytes;
    unsigned len;
};

#define REG(what, mode, want, arg, ...)                                     \
    { what, mode, want, arg, (const uint8_t[]){ __VA_ARGS__ },              \
      sizeof((const uint8_t[]){ __VA_ARGS__ }) }

static const struct regression regressions[] = {
    REG("harness: hlt", M_PM32, W_HALT_AT, CODE, 0xf4),
    /* cpu_cond_inline shifted by 32 - lf.bits with lf.bits 0 (no flag
     * writer since reset): UBSan, cpu/interp.h (reported) */
    REG("jno first after reset", M_PM32, W_HALT_AT, CODE + 2, 0x71, 0x00, 0xf4),
    /* MOV CR0 kept reserved bits 7, 9, 13 (KVM and hardware drop them) */
    REG("mov cr0 reserved bits", M_PM32, W_HALT_AT, CODE + 8,
        0xb8, 0xb1, 0x22, 0x00, 0x00, 0x0f, 0x22, 0xc0, 0xf4),
    /* 0F 19-1E are hint NOPs with a ModRM on P6 and later, not #UD */
    REG("hint nop 0f 19-1e", M_REAL, W_HALT_AT, CODE + 7,
        0x0f, 0x19, 0xc0, 0x0f, 0x1e, 0x04, 0x90, 0xf4),
    /* 66 E9 rel32 in 16-bit code: the target is not cut to 16 bits, so
     * 0x10000 is past the 64K limit: #GP(0) */
    REG("jmp rel32 in 16-bit code past the limit", M_REAL, W_STUB, 13,
        0x66, 0xe9, 0xfa, 0xff, 0x00, 0x00),
    /* 66 E9 rel16 in 32-bit code: EIP is cut to 16 bits (to 0x80c: a HLT
     * of the real-mode stubs) */
    REG("jmp rel16 in 32-bit code wraps", M_PM32, W_HALT_AT, RSTUB + 12,
        0x66, 0xe9, 0x08, 0x08),
    /* the same for Jcc rel16 (JNE, ZF is 0) */
    REG("jcc rel16 in 32-bit code wraps", M_PM32, W_HALT_AT, RSTUB + 12,
        0x66, 0x0f, 0x85, 0x07, 0x08),
};
#define NREGRESSIONS (int)(sizeof regressions / sizeof regressions[0])

/* The bytes at the start of the code pages (the rest zero), registers
 * zero, run under the same checks as the fuzz. */
START_TEST(test_regression)
{
    const struct regression *g = &regressions[_i];
    struct fuzz *f = fuzz_for_mode(g->mode);
    uint64_t r = 3;
    f->plain = true;
    f->pg = f->m->paging == PG_ANY ? PG_NONE : f->m->paging;
    cpu_reset(f->c);
    set_task_cr3(f, f->pg == PG_PAE ? PDPT : f->pg == PG_32 ? PD32 : 0);
    snprintf(f->where, sizeof f->where, "regression '%s' (%s)", g->what, f->m->name);
    gwrite(f, CODE, NULL, CODE_LEN);
    gwrite(f, CODE, g->bytes, g->len);
    cpu_invalidate_code(f->c, CODE, CODE_LEN);
    enter_mode(f, &r, 0, NULL, false);
    struct x86_state *s = cpu_state(f->c);
    for (int k = 0; k < 8; k++)
        if (k != R_ESP)
            s->gpr[k] = 0;
    s->rflags = 0x2 | (s->rflags & (F_VM | F_IOPL));
    s->dr[7] = 0;
    cpu_state_changed(f->c);
    enum cpu_stop why = run_checked(f, 1000);
    s = cpu_state(f->c);
    uint32_t at = (uint32_t)(s->seg[S_CS].base + s->rip - 1);
    if (g->want == W_HALT_AT)
        CHECK(why == CPU_STOP_HALT && at == g->arg, "%s: stop %d at %#x, want "
              "a HLT at %#x (stub vector %d)", f->where, why, at, g->arg,
              why == CPU_STOP_HALT ? stub_vector(f) : -1);
    if (g->want == W_STUB)
        CHECK(why == CPU_STOP_HALT && stub_vector(f) == (int)g->arg,
              "%s: stop %d at %#x (stub vector %d), want vector %u", f->where,
              why, at, why == CPU_STOP_HALT ? stub_vector(f) : -1, g->arg);
    if (why == CPU_STOP_HALT)
        run_checked(f, 1000);
    fuzz_free(f);
}
END_TEST

static Suite *fuzz_suite(void)
{
    Suite *s = suite_create("interp_fuzz");
    TCase *tc = tcase_create("harness");
    tcase_add_loop_test(tc, test_harness_modes, 0, NMODES);
    tcase_add_test(tc, test_io_open_bus);
    tcase_add_loop_test(tc, test_regression, 0, NREGRESSIONS);
    suite_add_tcase(s, tc);
    tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fuzz_mode, 0, NMODES);
    suite_add_tcase(s, tc);
    tc = tcase_create("split");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_fuzz_split, 0, NMODES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fuzz_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
