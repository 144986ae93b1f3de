/* Linear-to-physical translation, the software TLB and the slow memory
 * paths: segment faults, page walks, page-crossing and MMIO accesses, and
 * writes into pages that hold decoded code. */
#include "cpu/interp.h"

void tlb_flush(struct cpu *c)
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < TLB_SIZE; i++)
            c->tlb[k][i].tag = TLB_INVALID;
    for (unsigned i = 0; i < sizeof c->jc / sizeof c->jc[0]; i++)
        c->jc[i].b = NULL;
}

__attribute__((noreturn)) void seg_fault(struct cpu *c, int seg)
{
    cpu_fault(c, seg == S_SS ? EXC_SS : EXC_GP, 0);
}

static __attribute__((noreturn)) void page_fault(struct cpu *c, uint32_t lin,
                                                 int err)
{
    c->s.cr2 = lin;
    cpu_fault(c, EXC_PF, err);
}

/* 2-level and PSE page walk (PAE arrives with the full CPU).  Sets A and D
 * bits as hardware does.  kind: TLB_READ/WRITE/EXEC; user: CPL 3 access. */
static uint64_t translate(struct cpu *c, uint32_t lin, int kind, bool user,
                          bool *writable)
{
    *writable = true;
    if (!(c->s.cr0 & CR0_PG))
        return lin;
    bool w = kind == TLB_WRITE;
    int err = (w ? 2 : 0) | (user ? 4 : 0);
    uint64_t pde_a = (c->s.cr3 & 0xfffff000u) + ((lin >> 22) << 2);
    uint32_t pde = (uint32_t)c->bus.mem_read(c->bus.opaque, pde_a, 4);
    if (!(pde & 1))
        page_fault(c, lin, err);
    bool wp = (c->s.cr0 & CR0_WP) || user;
    if ((pde & 0x80) && (c->s.cr4 & CR4_PSE)) {
        if ((user && !(pde & 4)) || (w && wp && !(pde & 2)))
            page_fault(c, lin, err | 1);
        uint32_t npde = pde | 0x20 | (w ? 0x40 : 0);
        if (npde != pde)
            c->bus.mem_write(c->bus.opaque, pde_a, npde, 4);
        *writable = (pde & 2) || !wp;
        if (!w && !(pde & 0x40))
            *writable = false;  /* keep D exact: next write walks again */
        return (pde & 0xffc00000u) | (lin & 0x3ff000u);
    }
    uint64_t pte_a = (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2);
    uint32_t pte = (uint32_t)c->bus.mem_read(c->bus.opaque, pte_a, 4);
    if (!(pte & 1))
        page_fault(c, lin, err);
    bool uok = (pde & 4) && (pte & 4);
    bool wok = (pde & 2) && (pte & 2);
    if ((user && !uok) || (w && wp && !wok))
        page_fault(c, lin, err | 1);
    if (!(pde & 0x20))
        c->bus.mem_write(c->bus.opaque, pde_a, pde | 0x20, 4);
    uint32_t npte = pte | 0x20 | (w ? 0x40 : 0);
    if (npte != pte)
        c->bus.mem_write(c->bus.opaque, pte_a, npte, 4);
    *writable = wok || !wp;
    if (!w && !(pte & 0x40))
        *writable = false;
    return pte & 0xfffff000u;
}

static bool page_has_code(const struct cpu *c, uint64_t phys_page)
{
    return phys_page < (1ull << 32) && c->page_blocks[phys_page >> 12];
}

/* Translate and, for RAM/ROM, install a TLB entry.  Returns the host
 * pointer for `lin` or NULL (then *phys is where to go on the bus). */
static uint8_t *tlb_fill(struct cpu *c, uint32_t lin, int kind, uint64_t *phys)
{
    bool writable;
    bool user = c->cpl == 3;
    uint64_t pa = translate(c, lin & ~0xfffu, kind, user, &writable);
    *phys = pa | (lin & 0xfff);
    uint8_t *host = c->bus.page_ptr(c->bus.opaque, pa, kind == TLB_WRITE);
    if (!host)
        return NULL;
    bool cache = true;
    if (kind == TLB_WRITE && page_has_code(c, pa)) {
        code_page_written(c, pa);   /* drop the code; the page is data now */
    }
    if (kind == TLB_READ && !writable) {
        /* fine: read entry */
    }
    if (cache) {
        struct tlb_entry *e = &c->tlb[kind][(lin >> 12) & (TLB_SIZE - 1)];
        e->tag = lin & ~0xfffu;
        e->addend = (uintptr_t)host - (lin & ~0xfffu);
        e->phys = pa;
    }
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

uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size)
{
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
    if ((lin & 0xfff) + size <= 0x1000) {
        lin_write_page(c, lin, val, size);
        return;
    }
    /* Both pages must be writable before any byte is written. */
    uint64_t phys;
    bool writable;
    if (c->s.cr0 & CR0_PG) {
        translate(c, lin, TLB_WRITE, c->cpl == 3, &writable);
        translate(c, (lin + size - 1) & ~0xfffu, TLB_WRITE, c->cpl == 3,
                  &writable);
    }
    (void)phys;
    for (unsigned k = 0; k < size; k++)
        lin_write_page(c, lin + k, (val >> (8 * k)) & 0xff, 1);
}

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
        bool writable;
        uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
        translate(c, lin, TLB_WRITE, c->cpl == 3, &writable);
        translate(c, lin + size - 1, TLB_WRITE, c->cpl == 3, &writable);
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
