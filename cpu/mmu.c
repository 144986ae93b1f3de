/* Linear-to-physical translation, the software TLB and the slow memory
 * paths: segment faults, page walks (32-bit with PSE, PAE with NX), the A20
 * mask, page-crossing and MMIO accesses, writes into pages that hold
 * decoded code, and the implicit supervisor accesses of descriptor tables. */
#include "cpu/interp.h"

#define EFER_NXE (1u << 11)

/* #PF error code bits */
#define PF_P    0x01
#define PF_W    0x02
#define PF_U    0x04
#define PF_RSVD 0x08
#define PF_ID   0x10

/* No CPUID leaf 80000008h: MAXPHYADDR is 36 (SDM vol. 3 4.1.4). */
#define PHYS_MASK 0x0000000ffffff000ull
/* PAE entries: bits 62:36 must be 0, bit 63 too unless EFER.NXE. */
#define PAE_RSVD  0x7ffffff000000000ull
#define PAE_NX    0x8000000000000000ull
#define PAE_2M_RSVD 0x1fe000ull
/* PDPTE: bits 2:1, 8:5 and 63:36 */
#define PDPTE_RSVD 0xfffffff0000001e6ull
/* 32-bit paging, 4 MiB page: bits 20:13 are PA 39:32; above MAXPHYADDR
 * (bits 20:17) and bit 21 are reserved. */
#define PDE4M_RSVD 0x003e0000u

void tlb_flush(struct cpu *c)
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < TLB_SIZE; i++)
            c->tlb[k][i].tag = TLB_INVALID;
    for (unsigned i = 0; i < sizeof c->jc / sizeof c->jc[0]; i++)
        c->jc[i].b = NULL;
    c->tlb_large = false;
}

void tlb_flush_nonglobal(struct cpu *c)
{
    if (!(c->s.cr4 & CR4_PGE)) {
        tlb_flush(c);
        return;
    }
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < TLB_SIZE; i++)
            if (!(c->tlb[k][i].flags & TLBF_GLOBAL))
                c->tlb[k][i].tag = TLB_INVALID;
    /* the jump cache does not know which pages are global: all of it */
    for (unsigned i = 0; i < sizeof c->jc / sizeof c->jc[0]; i++)
        c->jc[i].b = NULL;
}

void tlb_invlpg(struct cpu *c, uint32_t lin)
{
    uint32_t lo = lin & ~0xfffu, size = 0x1000;
    for (int k = 0; k < 3; k++) {
        struct tlb_entry *e = &c->tlb[k][(lin >> 12) & (TLB_SIZE - 1)];
        if (e->tag == lo) {
            if (e->flags & TLBF_LARGE) {
                size = (c->s.cr4 & CR4_PAE) ? 0x200000u : 0x400000u;
                lo = lin & ~(size - 1);
            }
            e->tag = TLB_INVALID;
        }
    }
    if (c->tlb_large) {
        /* the other 4 KiB pieces of a large page may sit in other slots */
        uint32_t lsize = (c->s.cr4 & CR4_PAE) ? 0x200000u : 0x400000u;
        uint32_t llo = lin & ~(lsize - 1);
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < TLB_SIZE; i++) {
                struct tlb_entry *e = &c->tlb[k][i];
                if ((e->flags & TLBF_LARGE) && e->tag != TLB_INVALID &&
                    (uint32_t)e->tag - llo < lsize)
                    e->tag = TLB_INVALID;
            }
        lo = llo;
        size = lsize;
    }
    for (unsigned i = 0; i < sizeof c->jc / sizeof c->jc[0]; i++)
        if (c->jc[i].b && c->jc[i].lin - lo < size)
            c->jc[i].b = NULL;
}

__attribute__((noreturn)) void seg_fault(struct cpu *c, int seg)
{
    cpu_fault(c, seg == S_SS ? EXC_SS : EXC_GP, 0);
}

static __attribute__((noreturn)) void page_fault(struct cpu *c, uint32_t lin,
                                                 int kind, bool user, int bits)
{
    int err = bits | (kind == TLB_WRITE ? PF_W : 0) | (user ? PF_U : 0);
    if (kind == TLB_EXEC && (c->s.cr4 & CR4_PAE) && (c->s.efer & EFER_NXE))
        err |= PF_ID;
    c->s.cr2 = lin;
    cpu_fault(c, EXC_PF, err);
}

static uint32_t phys_rd32(struct cpu *c, uint64_t pa)
{
    return (uint32_t)c->bus.mem_read(c->bus.opaque, pa & c->a20_mask, 4);
}

static uint64_t phys_rd64(struct cpu *c, uint64_t pa)
{
    return phys_rd32(c, pa) | (uint64_t)phys_rd32(c, pa + 4) << 32;
}

static void phys_wr32(struct cpu *c, uint64_t pa, uint32_t v)
{
    c->bus.mem_write(c->bus.opaque, pa & c->a20_mask, v, 4);
}

bool mmu_load_pdptes(struct cpu *c, uint32_t cr3, bool check)
{
    uint64_t e[4];
    for (int k = 0; k < 4; k++) {
        e[k] = phys_rd64(c, (cr3 & ~0x1fu) + 8u * k);
        if (check && (e[k] & 1) && (e[k] & PDPTE_RSVD))
            return false;
    }
    memcpy(c->pdpte, e, sizeof e);
    return true;
}

/* Rights of the walk so far, checked at the leaf. */
static void check_rights(struct cpu *c, uint32_t lin, int kind, bool user,
                         bool u_ok, bool w_ok, bool nx)
{
    bool wp = user || (c->s.cr0 & CR0_WP);
    if ((user && !u_ok) || (kind == TLB_WRITE && wp && !w_ok) ||
        (kind == TLB_EXEC && nx))
        page_fault(c, lin, kind, user, PF_P);
}

/* A and D bits, set as hardware does once the access is known to succeed;
 * D only in the leaf and only by a write. */
static void set_ad(struct cpu *c, uint64_t addr, uint32_t entry, bool leaf,
                   bool w)
{
    uint32_t n = entry | 0x20 | (leaf && w ? 0x40 : 0);
    if (n != entry)
        phys_wr32(c, addr, n);
}

static uint64_t walk32(struct cpu *c, uint32_t lin, int kind, bool user,
                       uint32_t *tflags)
{
    bool w = kind == TLB_WRITE;
    bool pge = c->s.cr4 & CR4_PGE;
    uint64_t pde_a = (c->s.cr3 & 0xfffff000u) + ((lin >> 22) << 2);
    uint32_t pde = phys_rd32(c, pde_a);
    if (!(pde & 1))
        page_fault(c, lin, kind, user, 0);
    if ((pde & 0x80) && (c->s.cr4 & CR4_PSE)) {
        if (pde & PDE4M_RSVD)
            page_fault(c, lin, kind, user, PF_P | PF_RSVD);
        check_rights(c, lin, kind, user, pde & 4, pde & 2, false);
        set_ad(c, pde_a, pde, true, w);
        *tflags = TLBF_LARGE | (pge && (pde & 0x100) ? TLBF_GLOBAL : 0);
        return (pde & 0xffc00000u) | ((uint64_t)(pde & 0x1e000) << 19) |
               (lin & 0x3ff000u);
    }
    uint64_t pte_a = (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2);
    uint32_t pte = phys_rd32(c, pte_a);
    if (!(pte & 1))
        page_fault(c, lin, kind, user, 0);
    check_rights(c, lin, kind, user, pde & pte & 4, pde & pte & 2, false);
    set_ad(c, pde_a, pde, false, w);
    set_ad(c, pte_a, pte, true, w);
    *tflags = pge && (pte & 0x100) ? TLBF_GLOBAL : 0;
    return pte & 0xfffff000u;
}

static uint64_t walk_pae(struct cpu *c, uint32_t lin, int kind, bool user,
                         uint32_t *tflags)
{
    bool w = kind == TLB_WRITE;
    bool pge = c->s.cr4 & CR4_PGE;
    uint64_t rsvd = PAE_RSVD | ((c->s.efer & EFER_NXE) ? 0 : PAE_NX);
    uint64_t pdpte = c->pdpte[lin >> 30];
    if (!(pdpte & 1))
        page_fault(c, lin, kind, user, 0);
    uint64_t pde_a = (pdpte & PHYS_MASK) + (((lin >> 21) & 0x1ff) << 3);
    uint64_t pde = phys_rd64(c, pde_a);
    if (!(pde & 1))
        page_fault(c, lin, kind, user, 0);
    if (pde & rsvd)
        page_fault(c, lin, kind, user, PF_P | PF_RSVD);
    if (pde & 0x80) {
        if (pde & PAE_2M_RSVD)
            page_fault(c, lin, kind, user, PF_P | PF_RSVD);
        check_rights(c, lin, kind, user, pde & 4, pde & 2, pde & PAE_NX);
        set_ad(c, pde_a, (uint32_t)pde, true, w);
        *tflags = TLBF_LARGE | (pge && (pde & 0x100) ? TLBF_GLOBAL : 0);
        return (pde & PHYS_MASK & ~0x1fffffull) | (lin & 0x1ff000u);
    }
    uint64_t pte_a = (pde & PHYS_MASK) + (((lin >> 12) & 0x1ff) << 3);
    uint64_t pte = phys_rd64(c, pte_a);
    if (!(pte & 1))
        page_fault(c, lin, kind, user, 0);
    if (pte & rsvd)
        page_fault(c, lin, kind, user, PF_P | PF_RSVD);
    check_rights(c, lin, kind, user, pde & pte & 4, pde & pte & 2,
                 (pde | pte) & PAE_NX);
    set_ad(c, pde_a, (uint32_t)pde, false, w);
    set_ad(c, pte_a, (uint32_t)pte, true, w);
    *tflags = pge && (pte & 0x100) ? TLBF_GLOBAL : 0;
    return pte & PHYS_MASK;
}

/* Linear address -> physical page, with the faults of the access (CR2 is
 * lin).  kind: TLB_READ/WRITE/EXEC; user: a CPL 3 access (not an implicit
 * supervisor one).  A write walk sets D, so a TLB write entry never needs
 * to. */
static uint64_t translate(struct cpu *c, uint32_t lin, int kind, bool user,
                          uint32_t *tflags)
{
    *tflags = 0;
    if (!(c->s.cr0 & CR0_PG))
        return (lin & ~0xfffu) & c->a20_mask;
    uint64_t pa = (c->s.cr4 & CR4_PAE) ? walk_pae(c, lin, kind, user, tflags)
                                        : walk32(c, lin, kind, user, tflags);
    return pa & c->a20_mask;
}

static bool page_has_code(const struct cpu *c, uint64_t phys_page)
{
    return phys_page < (1ull << 32) && c->page_blocks[phys_page >> 12];
}

/* Translate and, for RAM/ROM, install a TLB entry.  Returns the host
 * pointer for `lin` or NULL (then *phys is where to go on the bus). */
static uint8_t *tlb_fill(struct cpu *c, uint32_t lin, int kind, uint64_t *phys)
{
    uint32_t tf;
    uint64_t pa = translate(c, lin, kind, c->cpl == 3, &tf);
    *phys = pa | (lin & 0xfff);
    uint8_t *host = c->bus.page_ptr(c->bus.opaque, pa, kind == TLB_WRITE);
    if (!host)
        return NULL;
    if (kind == TLB_WRITE && page_has_code(c, pa))
        code_page_written(c, pa);   /* drop the code; the page is data now */
    /* a page with a data breakpoint keeps taking the slow path */
    if (unlikely(c->dbg_data) && kind != TLB_EXEC) {
        uint32_t pg = lin & ~0xfffu;
        for (int n = 0; n < 4; n++) {
            uint32_t d7 = (uint32_t)c->s.dr[7];
            if (((d7 >> (2 * n)) & 3) && ((d7 >> (16 + 4 * n)) & 1) &&
                ((uint32_t)c->s.dr[n] & ~7u) - pg < 0x1000)
                return host + (lin & 0xfff);
        }
    }
    struct tlb_entry *e = &c->tlb[kind][(lin >> 12) & (TLB_SIZE - 1)];
    e->tag = lin & ~0xfffu;
    e->addend = (uintptr_t)host - (lin & ~0xfffu);
    e->phys = pa;
    e->flags = tf;
    if (tf & TLBF_LARGE)
        c->tlb_large = true;
    return host + (lin & 0xfff);
}

static uint32_t lin_read_page(struct cpu *c, uint32_t lin, unsigned size)
{
    const struct tlb_entry *e = &c->tlb[TLB_READ][(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t v = 0;
    if (e->tag == (lin & ~0xfffu)) {
        memcpy(&v, (const uint8_t *)(e->addend + lin), size);
        return v;
    }
    uint64_t phys;
    uint8_t *p = tlb_fill(c, lin, TLB_READ, &phys);
    if (p) {
        memcpy(&v, p, size);
        return v;
    }
    return (uint32_t)c->bus.mem_read(c->bus.opaque, phys, size);
}

void mmu_probe_read(struct cpu *c, uint32_t lin)
{
    uint32_t tf;
    translate(c, lin, TLB_READ, c->cpl == 3, &tf);
}

uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size)
{
    if (unlikely(c->dbg_data))
        dbg_check_data(c, lin, size, false);
    if ((lin & 0xfff) + size <= 0x1000)
        return lin_read_page(c, lin, size);
    uint32_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= lin_read_page(c, lin + k, 1) << (8 * k);
    return v;
}

static void lin_write_page(struct cpu *c, uint32_t lin, uint32_t val,
                           unsigned size)
{
    const struct tlb_entry *e = &c->tlb[TLB_WRITE][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag == (lin & ~0xfffu)) {
        memcpy((uint8_t *)(e->addend + lin), &val, size);
        return;
    }
    uint64_t phys;
    uint8_t *p = tlb_fill(c, lin, TLB_WRITE, &phys);
    if (p) {
        memcpy(p, &val, size);
        return;
    }
    c->bus.mem_write(c->bus.opaque, phys, val, size);
}

void lin_write(struct cpu *c, uint32_t lin, uint32_t val, unsigned size)
{
    if (unlikely(c->dbg_data))
        dbg_check_data(c, lin, size, true);
    if ((lin & 0xfff) + size <= 0x1000) {
        lin_write_page(c, lin, val, size);
        return;
    }
    /* Both pages must be writable before any byte is written. */
    if (c->s.cr0 & CR0_PG) {
        uint32_t tf;
        translate(c, lin, TLB_WRITE, c->cpl == 3, &tf);
        translate(c, (lin + size - 1) & ~0xfffu, TLB_WRITE, c->cpl == 3, &tf);
    }
    for (unsigned k = 0; k < size; k++)
        lin_write_page(c, lin + k, (val >> (8 * k)) & 0xff, 1);
}

/* ---- implicit supervisor accesses ----
 * At CPL 0-2 they are ordinary accesses.  At CPL 3 the TLB holds user
 * rights: a hit is good enough (user-accessible implies supervisor-
 * accessible), a miss walks as supervisor and installs nothing. */

static uint64_t sys_phys(struct cpu *c, uint32_t lin, int kind)
{
    uint32_t tf;
    return translate(c, lin, kind, false, &tf) | (lin & 0xfff);
}

static uint32_t sys_read_page(struct cpu *c, uint32_t lin, unsigned size)
{
    const struct tlb_entry *e = &c->tlb[TLB_READ][(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t v = 0;
    if (e->tag == (lin & ~0xfffu)) {
        memcpy(&v, (const uint8_t *)(e->addend + lin), size);
        return v;
    }
    return (uint32_t)c->bus.mem_read(c->bus.opaque, sys_phys(c, lin, TLB_READ), size);
}

uint32_t sys_read(struct cpu *c, uint32_t lin, unsigned size)
{
    if (likely(c->cpl != 3 || !(c->s.cr0 & CR0_PG)))
        return lin_read(c, lin, size);
    if ((lin & 0xfff) + size <= 0x1000)
        return sys_read_page(c, lin, size);
    uint32_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= sys_read_page(c, lin + k, 1) << (8 * k);
    return v;
}

void sys_probe_write(struct cpu *c, uint32_t lin, unsigned len)
{
    if (!(c->s.cr0 & CR0_PG) || len == 0)
        return;
    bool user = false;
    uint32_t tf;
    for (uint32_t p = lin & ~0xfffu;; p += 0x1000) {
        translate(c, p < lin ? lin : p, TLB_WRITE, user, &tf);
        if (p == ((lin + len - 1) & ~0xfffu))
            break;
    }
}

void sys_write(struct cpu *c, uint32_t lin, uint32_t val, unsigned size)
{
    if (likely(c->cpl != 3 || !(c->s.cr0 & CR0_PG))) {
        lin_write(c, lin, val, size);
        return;
    }
    sys_probe_write(c, lin, size);
    for (unsigned k = 0; k < size; k++) {
        uint32_t a = lin + k;
        const struct tlb_entry *e = &c->tlb[TLB_WRITE][(a >> 12) & (TLB_SIZE - 1)];
        uint8_t b = (uint8_t)(val >> (8 * k));
        if (e->tag == (a & ~0xfffu)) {
            *(uint8_t *)(e->addend + a) = b;
            continue;
        }
        uint64_t pa = sys_phys(c, a, TLB_WRITE);
        if (page_has_code(c, pa & ~0xfffull))
            code_page_written(c, pa & ~0xfffull);
        c->bus.mem_write(c->bus.opaque, pa, b, 1);
    }
}

uint8_t lin_fetch_byte(struct cpu *c, uint32_t lin)
{
    uint64_t phys;
    const uint8_t *p = mmu_fetch_ptr(c, lin, &phys);
    if (p)
        return *p;
    return (uint8_t)c->bus.mem_read(c->bus.opaque, phys, 1);
}

/* ---- segment-checked slow paths ---- */

uint32_t mem_read_slow(struct cpu *c, int seg, uint32_t off, unsigned size)
{
    if (!seg_ok(c, seg, 0, off, size))
        seg_fault(c, seg);
    return lin_read(c, (uint32_t)c->s.seg[seg].base + off, size);
}

void mem_write_slow(struct cpu *c, int seg, uint32_t off, uint32_t val,
                    unsigned size)
{
    if (!seg_ok(c, seg, 1, off, size))
        seg_fault(c, seg);
    lin_write(c, (uint32_t)c->s.seg[seg].base + off, val, size);
}

void mem_probe_write(struct cpu *c, int seg, uint32_t off, unsigned size)
{
    if (!seg_ok(c, seg, 1, off, size))
        seg_fault(c, seg);
    if (c->s.cr0 & CR0_PG) {
        uint32_t tf;
        uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
        translate(c, lin, TLB_WRITE, c->cpl == 3, &tf);
        if (((lin ^ (lin + size - 1)) & ~0xfffu) != 0)
            translate(c, (lin + size - 1) & ~0xfffu, TLB_WRITE, c->cpl == 3, &tf);
    }
}

const uint8_t *mmu_fetch_ptr(struct cpu *c, uint32_t lin, uint64_t *phys)
{
    const struct tlb_entry *e = &c->tlb[TLB_EXEC][(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag == (lin & ~0xfffu)) {
        *phys = e->phys | (lin & 0xfff);
        return (const uint8_t *)(e->addend + lin);
    }
    return tlb_fill(c, lin, TLB_EXEC, phys);
}

void cpu_set_a20(struct cpu *c, bool enabled)
{
    uint64_t m = enabled ? ~0ull : ~(1ull << 20);
    if (m == c->a20_mask)
        return;
    c->a20_mask = m;
    tlb_flush(c);
    cpu_end_block(c);   /* the code under CS:EIP may have moved */
}
