/* Segmentation and control transfers between code segments: descriptor
 * loads, far JMP/CALL/RET through code segments and call gates (with the
 * stack switch to an inner level), IRET (to outer levels and into
 * virtual-8086 mode), and interrupt/exception delivery through the IVT
 * (real mode) or the IDT (interrupt, trap and task gates, from protected
 * or virtual-8086 mode).  Task switches are in cpu/task.c. */
#include "cpu/interp.h"

#include "debug/log.h"

static void seg_ranges(struct cpu *c, int seg)
{
    const struct x86_seg *s = &c->s.seg[seg];
    struct seg_range *r = c->rng[seg];
    const struct seg_range none = { .lo = 1, .hi = 0 };
    if (!(c->s.cr0 & CR0_PE) || (c->s.rflags & F_VM)) {
        r[0] = r[1] = (struct seg_range){ .lo = 0, .hi = s->limit };
        return;
    }
    if (s->unusable || !s->present) {
        r[0] = r[1] = none;
        return;
    }
    if (s->type & 8) {                  /* code */
        r[0] = (s->type & 2) ? (struct seg_range){ .lo = 0, .hi = s->limit } : none;
        r[1] = none;
        return;
    }
    struct seg_range ok = { .lo = 0, .hi = s->limit };
    if (s->type & 4) {                  /* expand-down: above the limit */
        uint32_t top = s->db ? 0xffffffffu : 0xffffu;
        ok = s->limit >= top ? none : (struct seg_range){ .lo = s->limit + 1, .hi = top };
    }
    r[0] = ok;
    r[1] = (s->type & 2) ? ok : none;
}

void seg_update_ranges(struct cpu *c, int seg)
{
    seg_ranges(c, seg);
    for (int w = 0; w < 2; w++) {
        struct seg_range *r = &c->rng[seg][w];
        r->span = (int64_t)r->hi - r->lo;
    }
}

void cpu_mode_changed(struct cpu *c)
{
    c->ip_mask = c->s.seg[S_CS].db ? 0xffffffffu : 0xffffu;
}

void cpu_set_cpl(struct cpu *c, int cpl)
{
    if (c->cpl != cpl) {
        const bool pmc = pmc_on(c);
        if (pmc)
            pmc_sync(c);   /* count up to here at the old CPL */
        c->cpl = (uint8_t)cpl;
        if (pmc)
            pmc_sync(c);
        if (c->s.cr0 & CR0_PG)
            tlb_flush(c);   /* user/supervisor rights are cached in the TLB */
    }
}

/* ---- descriptors ---- */

bool desc_read(struct cpu *c, uint16_t sel, struct desc *d, uint32_t *addr)
{
    uint32_t base;
    if (sel & 4) {
        if (c->s.ldt.unusable || !c->s.ldt.present)
            return false;
        if ((uint32_t)(sel & ~7u) + 7 > c->s.ldt.limit)
            return false;
        base = (uint32_t)c->s.ldt.base;
    } else {
        if ((uint32_t)(sel & ~7u) + 7 > c->s.gdt.limit)
            return false;
        base = (uint32_t)c->s.gdt.base;
    }
    *addr = base + (sel & ~7u);
    d->lo = sys_read(c, *addr, 4);
    d->hi = sys_read(c, *addr + 4, 4);
    return true;
}

void desc_to_seg(const struct desc *d, uint16_t sel, struct x86_seg *s)
{
    s->sel = sel;
    s->base = (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000u);
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0xf0000);
    s->g = (d->hi >> 23) & 1;
    if (s->g)
        limit = (limit << 12) | 0xfff;
    s->limit = limit;
    s->type = (d->hi >> 8) & 0xf;
    s->s = (d->hi >> 12) & 1;
    s->dpl = (d->hi >> 13) & 3;
    s->present = (d->hi >> 15) & 1;
    s->avl = (d->hi >> 20) & 1;
    s->l = (d->hi >> 21) & 1;
    s->db = (d->hi >> 22) & 1;
    s->unusable = 0;
}

static void desc_set_accessed(struct cpu *c, struct desc *d, uint32_t addr)
{
    if (!(d->hi & 0x100)) {
        d->hi |= 0x100;
        sys_write(c, addr + 4, d->hi, 4);
    }
}

void seg_set(struct cpu *c, int seg, const struct x86_seg *s)
{
    c->s.seg[seg] = *s;
    seg_update_ranges(c, seg);
    if (seg == S_CS)
        cpu_mode_changed(c);
}

void seg_set_null(struct cpu *c, int seg, uint16_t sel)
{
    struct x86_seg *s = &c->s.seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->unusable = 1;
    s->present = 0;
    seg_update_ranges(c, seg);
}

/* Virtual-8086 segments have fixed rights: what VMX requires (0xF3). */
void seg_load_v86(struct cpu *c, int seg, uint16_t sel)
{
    struct x86_seg *s = &c->s.seg[seg];
    x86_seg_load_real(s, sel);
    s->limit = 0xffff;
    s->type = 3;
    s->s = 1;
    s->present = 1;
    s->dpl = 3;
    s->db = 0;
    s->g = 0;
    s->l = 0;
    s->avl = 0;
    s->unusable = 0;
    seg_update_ranges(c, seg);
    if (seg == S_CS)
        cpu_mode_changed(c);
}

void load_seg(struct cpu *c, int seg, uint16_t sel)
{
    if (!pmode(c)) {
        if (c->s.rflags & F_VM) {
            seg_load_v86(c, seg, sel);
            return;
        }
        x86_seg_load_real(&c->s.seg[seg], sel);
        seg_update_ranges(c, seg);
        return;
    }
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        if (seg == S_SS)
            cpu_fault(c, EXC_GP, 0);
        seg_set_null(c, seg, sel);
        return;
    }
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_GP, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    if (seg == S_SS) {
        if (rpl != c->cpl || s.dpl != c->cpl || !s.s || (s.type & 8) ||
            !(s.type & 2))
            cpu_fault(c, EXC_GP, sel & ~3u);
        if (!s.present)
            cpu_fault(c, EXC_SS, sel & ~3u);
    } else {
        /* data, or readable code; privilege unless conforming code */
        if (!s.s || ((s.type & 8) && !(s.type & 2)))
            cpu_fault(c, EXC_GP, sel & ~3u);
        bool conforming = (s.type & 0xc) == 0xc;
        if (!conforming && (rpl > s.dpl || c->cpl > s.dpl))
            cpu_fault(c, EXC_GP, sel & ~3u);
        if (!s.present)
            cpu_fault(c, EXC_NP, sel & ~3u);
    }
    desc_set_accessed(c, &d, addr);
    s.type |= 1;
    seg_set(c, seg, &s);
}

/* After a privilege drop, data segments the new CPL may not use become null. */
static void check_data_segs(struct cpu *c)
{
    static const int segs[] = { S_ES, S_DS, S_FS, S_GS };
    for (unsigned k = 0; k < 4; k++) {
        struct x86_seg *s = &c->s.seg[segs[k]];
        bool conforming = (s->type & 0xc) == 0xc;
        if (!s->unusable && s->s && !conforming && s->dpl < c->cpl)
            seg_set_null(c, segs[k], 0);
    }
}

void cpu_load_eflags(struct cpu *c, uint32_t val, uint32_t mask)
{
    uint32_t old = (uint32_t)c->s.rflags;
    cpu_set_eflags(c, val, mask);
    if ((old ^ (uint32_t)c->s.rflags) & F_VM) {
        for (int s = 0; s < 6; s++)
            seg_update_ranges(c, s);
        cpu_end_block(c);
    }
}

/* ---- stacks of segments not loaded yet ---- */

/* An offset range check against a descriptor (seg_update_ranges' rule). */
static bool seg_desc_ok(const struct x86_seg *s, uint32_t off, unsigned size)
{
    uint32_t lo = 0, hi = s->limit;
    if (s->type & 4) {
        uint32_t top = s->db ? 0xffffffffu : 0xffffu;
        if (s->limit >= top)
            return false;
        lo = s->limit + 1;
        hi = top;
    }
    uint32_t last = off + size - 1;
    return off >= lo && last <= hi && last >= off;
}

/* A stack being built before it is loaded: pushes check the limit (#SS
 * with the selector) and are supervisor writes (the new level is inner). */
struct new_stack {
    struct x86_seg seg;
    uint32_t sp;
};

static void new_stack_push(struct cpu *c, struct new_stack *ns, uint32_t v,
                           unsigned size)
{
    uint32_t mask = ns->seg.db ? 0xffffffffu : 0xffffu;
    uint32_t sp = (ns->sp - size) & mask;
    if (!seg_desc_ok(&ns->seg, sp, size))
        cpu_fault(c, EXC_SS, ns->seg.sel & ~3u);
    sys_write(c, (uint32_t)ns->seg.base + sp, v, size);
    ns->sp = (ns->sp & ~mask) | sp;
}

/* SS:ESP for privilege level dpl from the current TSS, the new stack
 * segment checked as CALL and INT require (#TS, #SS with its selector). */
static void tss_stack(struct cpu *c, unsigned dpl, struct new_stack *ns)
{
    const struct x86_seg *tr = &c->s.tr;
    uint16_t ss;
    uint32_t sp;
    if (tr->type & 8) {
        uint32_t off = 8 * dpl + 4;
        if (off + 7 > tr->limit)
            cpu_fault(c, EXC_TS, tr->sel & ~3u);
        sp = sys_read(c, (uint32_t)tr->base + off, 4);
        ss = (uint16_t)sys_read(c, (uint32_t)tr->base + off + 4, 2);
    } else {
        uint32_t off = 4 * dpl + 2;
        if (off + 3 > tr->limit)
            cpu_fault(c, EXC_TS, tr->sel & ~3u);
        sp = sys_read(c, (uint32_t)tr->base + off, 2);
        ss = (uint16_t)sys_read(c, (uint32_t)tr->base + off + 2, 2);
    }
    if ((ss & ~3u) == 0)
        cpu_fault(c, EXC_TS, 0);
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, ss, &d, &addr))
        cpu_fault(c, EXC_TS, ss & ~3u);
    desc_to_seg(&d, ss, &ns->seg);
    const struct x86_seg *s = &ns->seg;
    if ((ss & 3) != dpl || s->dpl != dpl || !s->s || (s->type & 8) ||
        !(s->type & 2))
        cpu_fault(c, EXC_TS, ss & ~3u);
    if (!s->present)
        cpu_fault(c, EXC_SS, ss & ~3u);
    desc_set_accessed(c, &d, addr);
    ns->seg.type |= 1;
    ns->sp = sp;
}

/* Commit a stack built with new_stack_push: SS (RPL = the new CPL), ESP. */
static void new_stack_load(struct cpu *c, struct new_stack *ns)
{
    seg_set(c, S_SS, &ns->seg);
    if (ns->seg.db)
        c->s.gpr[R_ESP] = ns->sp;
    else
        c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & ~0xffffull) | (ns->sp & 0xffff);
}

/* ---- far transfers ---- */

static void real_far_jump(struct cpu *c, uint16_t sel, uint32_t eip,
                          unsigned osize, bool call)
{
    if (call) {
        /* both pushes must fit before anything changes */
        cpu_stack_probe(c, 2, osize);
        cpu_push(c, c->s.seg[S_CS].sel, osize);
        cpu_push(c, cpu_next_eip(c), osize);
    }
    if (eip > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    load_seg(c, S_CS, sel);
    cpu_mode_changed(c);
    cpu_set_next_eip(c, eip);
    cpu_end_block(c);   /* the decode mode may have changed */
}

/* Load CS with a checked code descriptor at privilege cpl (its RPL). */
static void load_cs(struct cpu *c, struct desc *d, uint32_t addr, uint16_t sel,
                    unsigned cpl)
{
    struct x86_seg s;
    desc_to_seg(d, sel, &s);
    desc_set_accessed(c, d, addr);
    s.type |= 1;
    s.sel = (uint16_t)((sel & ~3u) | cpl);
    seg_set(c, S_CS, &s);
    cpu_end_block(c);
}

/* Call gate: DPL/RPL were checked by the caller. */
static void call_gate(struct cpu *c, uint16_t gsel, const struct desc *g,
                      bool call)
{
    (void)gsel;
    bool g32 = ((g->hi >> 8) & 0xf) == 0xc;
    unsigned gsize = g32 ? 4 : 2;
    unsigned params = g->hi & 0x1f;
    uint16_t tsel = (uint16_t)(g->lo >> 16);
    uint32_t teip = (g->lo & 0xffff) | (g32 ? (g->hi & 0xffff0000u) : 0);
    if ((tsel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    struct desc td;
    uint32_t taddr;
    if (!desc_read(c, tsel, &td, &taddr))
        cpu_fault(c, EXC_GP, tsel & ~3u);
    struct x86_seg ts;
    desc_to_seg(&td, tsel, &ts);
    bool conforming = ts.type & 4;
    if (!ts.s || !(ts.type & 8) || ts.dpl > c->cpl ||
        (!call && !conforming && ts.dpl != c->cpl))
        cpu_fault(c, EXC_GP, tsel & ~3u);
    if (!ts.present)
        cpu_fault(c, EXC_NP, tsel & ~3u);
    uint16_t old_cs = c->s.seg[S_CS].sel;
    if (call && !conforming && ts.dpl < c->cpl) {
        /* to an inner level: the TSS stack, with the parameters copied */
        struct new_stack ns;
        tss_stack(c, ts.dpl, &ns);
        if (teip > ts.limit)
            cpu_fault(c, EXC_GP, 0);
        uint32_t arg[32];
        for (unsigned k = 0; k < params; k++)
            arg[k] = cpu_stack_peek(c, k * gsize, gsize);
        new_stack_push(c, &ns, c->s.seg[S_SS].sel, gsize);
        new_stack_push(c, &ns, (uint32_t)c->s.gpr[R_ESP], gsize);
        for (unsigned k = params; k-- > 0;)
            new_stack_push(c, &ns, arg[k], gsize);
        new_stack_push(c, &ns, old_cs, gsize);
        new_stack_push(c, &ns, cpu_next_eip(c), gsize);
        cpu_set_cpl(c, ts.dpl);
        ns.seg.sel = (uint16_t)((ns.seg.sel & ~3u) | ts.dpl);
        new_stack_load(c, &ns);
        load_cs(c, &td, taddr, tsel, ts.dpl);
        cpu_set_next_eip(c, teip);
        return;
    }
    if (call) {
        cpu_stack_probe(c, 2, gsize);
        if (teip > ts.limit)
            cpu_fault(c, EXC_GP, 0);
        cpu_push(c, old_cs, gsize);
        cpu_push(c, cpu_next_eip(c), gsize);
    } else if (teip > ts.limit) {
        cpu_fault(c, EXC_GP, 0);
    }
    load_cs(c, &td, taddr, tsel, c->cpl);
    cpu_set_next_eip(c, teip);
}

void cpu_far_jump(struct cpu *c, uint16_t sel, uint32_t eip, unsigned osize,
                  bool call)
{
    if (!pmode(c)) {
        real_far_jump(c, sel, eip, osize, call);
        return;
    }
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_GP, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    unsigned rpl = sel & 3;
    if (s.s) {
        if (!(s.type & 8))
            cpu_fault(c, EXC_GP, sel & ~3u);
        bool conforming = s.type & 4;
        if (conforming ? s.dpl > c->cpl : (rpl > c->cpl || s.dpl != c->cpl))
            cpu_fault(c, EXC_GP, sel & ~3u);
        if (!s.present)
            cpu_fault(c, EXC_NP, sel & ~3u);
        if (call) {
            cpu_stack_probe(c, 2, osize);
            if (eip > s.limit)
                cpu_fault(c, EXC_GP, 0);
            cpu_push(c, c->s.seg[S_CS].sel, osize);
            cpu_push(c, cpu_next_eip(c), osize);
        } else if (eip > s.limit) {
            cpu_fault(c, EXC_GP, 0);
        }
        load_cs(c, &d, addr, sel, c->cpl);
        cpu_set_next_eip(c, eip);
        return;
    }
    switch (s.type) {
    case 0x1: case 0x9:     /* available TSS */
    case 0x5:               /* task gate */
        task_far_transfer(c, sel, &d, addr, call);
        return;
    case 0x4: case 0xc:     /* call gate */
        if (s.dpl < c->cpl || s.dpl < rpl)
            cpu_fault(c, EXC_GP, sel & ~3u);
        if (!s.present)
            cpu_fault(c, EXC_NP, sel & ~3u);
        call_gate(c, sel, &d, call);
        return;
    default:                /* busy TSS, LDT, interrupt/trap gates */
        cpu_fault(c, EXC_GP, sel & ~3u);
    }
}

/* EFLAGS bits an IRET may change at the current CPL (SDM IRET). */
static uint32_t iret_mask(const struct cpu *c, unsigned osize)
{
    uint32_t m = F_ARITH | F_TF | F_DF | F_NT;
    if (osize == 4)
        m |= F_RF | F_AC | F_ID;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    if (c->cpl <= iopl)
        m |= F_IF;
    if (c->cpl == 0) {
        m |= F_IOPL;
        if (osize == 4)
            m |= F_VIF | F_VIP;
    }
    return osize == 2 ? m & 0xffff : m;
}

static void iret_set_flags(struct cpu *c, uint32_t fl, uint32_t mask)
{
    cpu_load_eflags(c, fl, mask);
    if (mask & fl & F_RF)
        c->rf_keep = true;
}

/* IRET from CPL 0 with VM=1 in the popped EFLAGS (32-bit frame only). */
static void iret_to_v86(struct cpu *c, uint32_t eip, uint16_t cs, uint32_t fl)
{
    uint32_t esp = cpu_stack_peek(c, 12, 4);
    uint16_t sel[6];
    sel[S_SS] = (uint16_t)cpu_stack_peek(c, 16, 4);
    sel[S_ES] = (uint16_t)cpu_stack_peek(c, 20, 4);
    sel[S_DS] = (uint16_t)cpu_stack_peek(c, 24, 4);
    sel[S_FS] = (uint16_t)cpu_stack_peek(c, 28, 4);
    sel[S_GS] = (uint16_t)cpu_stack_peek(c, 32, 4);
    sel[S_CS] = cs;
    iret_set_flags(c, fl, 0x3f7fd5);   /* every EFLAGS bit */
    for (int s = 0; s < 6; s++)
        seg_load_v86(c, s, sel[s]);
    c->s.gpr[R_ESP] = esp;
    cpu_set_cpl(c, 3);
    cpu_set_next_eip(c, eip & 0xffff);
    cpu_end_block(c);
}

void cpu_far_return(struct cpu *c, unsigned osize, uint16_t extra, bool iret)
{
    unsigned sz = osize;
    if (iret && (c->s.rflags & F_VM)) {
        v86_iret(c, sz);
        return;
    }
    uint32_t eip = cpu_stack_peek(c, 0, sz);
    uint16_t sel = (uint16_t)cpu_stack_peek(c, sz, 2);
    unsigned popped = (iret ? 3 : 2) * sz;

    if (!pmode(c)) {   /* real mode, and RETF in virtual-8086 mode */
        uint32_t fl = iret ? cpu_stack_peek(c, 2 * sz, sz) : 0;
        if (eip > c->s.seg[S_CS].limit)
            cpu_fault(c, EXC_GP, 0);
        load_seg(c, S_CS, sel);
        cpu_mode_changed(c);
        cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + popped + extra);
        if (iret)
            iret_set_flags(c, fl, iret_mask(c, sz));
        cpu_set_next_eip(c, eip);
        cpu_end_block(c);
        return;
    }
    if (iret && (c->s.rflags & F_NT)) {
        task_return(c);
        return;
    }
    uint32_t fl = iret ? cpu_stack_peek(c, 2 * sz, sz) : 0;
    if (iret && sz == 4 && (fl & F_VM) && c->cpl == 0) {
        iret_to_v86(c, eip, sel, fl);
        return;
    }
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_GP, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    unsigned rpl = sel & 3;
    if (!s.s || !(s.type & 8) || rpl < c->cpl ||
        ((s.type & 4) ? s.dpl > rpl : s.dpl != rpl))
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!s.present)
        cpu_fault(c, EXC_NP, sel & ~3u);
    uint32_t mask = iret_mask(c, sz);   /* privilege of the old CPL */
    if (rpl == c->cpl) {
        if (eip > s.limit)
            cpu_fault(c, EXC_GP, 0);
        load_cs(c, &d, addr, sel, rpl);
        cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + popped + extra);
    } else {
        /* return to an outer level: the outer SS:ESP follow on the stack */
        uint32_t nsp = cpu_stack_peek(c, popped + extra, sz);
        uint16_t nss = (uint16_t)cpu_stack_peek(c, popped + extra + sz, 2);
        if ((nss & ~3u) == 0)
            cpu_fault(c, EXC_GP, 0);
        struct desc sd;
        uint32_t saddr;
        if (!desc_read(c, nss, &sd, &saddr))
            cpu_fault(c, EXC_GP, nss & ~3u);
        struct x86_seg ss;
        desc_to_seg(&sd, nss, &ss);
        if ((nss & 3) != rpl || ss.dpl != rpl || !ss.s || (ss.type & 8) ||
            !(ss.type & 2))
            cpu_fault(c, EXC_GP, nss & ~3u);
        if (!ss.present)
            cpu_fault(c, EXC_SS, nss & ~3u);
        if (eip > s.limit)
            cpu_fault(c, EXC_GP, 0);
        desc_set_accessed(c, &sd, saddr);
        ss.type |= 1;
        cpu_set_cpl(c, rpl);
        load_cs(c, &d, addr, sel, rpl);
        seg_set(c, S_SS, &ss);
        cpu_set_sp(c, nsp + (iret ? 0 : extra));
        check_data_segs(c);
    }
    if (iret)
        iret_set_flags(c, fl, mask);
    cpu_set_next_eip(c, eip);
    cpu_end_block(c);
}

/* ---- interrupt and exception delivery ---- */

static void deliver_real(struct cpu *c, int vec, uint32_t ret_eip)
{
    uint32_t ent = (uint32_t)vec * 4;
    if (ent + 3 > c->s.idt.limit)
        cpu_fault(c, EXC_GP, vec * 8 + 2);
    uint32_t v = lin_read(c, (uint32_t)c->s.idt.base + ent, 4);
    cpu_stack_probe(c, 3, 2);
    cpu_push(c, cpu_get_eflags(c), 2);
    cpu_push(c, c->s.seg[S_CS].sel, 2);
    cpu_push(c, ret_eip, 2);
    c->s.rflags &= ~(F_IF | F_TF | F_AC | F_RF);
    load_seg(c, S_CS, (uint16_t)(v >> 16));
    cpu_mode_changed(c);
    cpu_set_eip_now(c, v & 0xffff);
}

static bool has_error_code(int vec)
{
    return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC;
}

/* Through an IDT gate.  Error codes of faults raised here get EXT from
 * cpu_fault (c->ext is set for hardware events). */
static void deliver_prot(struct cpu *c, int vec, int err, bool soft,
                         uint32_t ret_eip)
{
    uint32_t ent = (uint32_t)vec * 8;
    if (ent + 7 > c->s.idt.limit)
        cpu_fault(c, EXC_GP, (int)ent + 2);
    struct desc g;
    g.lo = sys_read(c, (uint32_t)c->s.idt.base + ent, 4);
    g.hi = sys_read(c, (uint32_t)c->s.idt.base + ent + 4, 4);
    unsigned type = (g.hi >> 8) & 0x1f;   /* S bit included: must be 0 */
    unsigned gdpl = (g.hi >> 13) & 3;
    if (type != 0x5 && type != 0x6 && type != 0x7 && type != 0xe && type != 0xf)
        cpu_fault(c, EXC_GP, (int)ent + 2);
    if (soft && gdpl < c->cpl)
        cpu_fault(c, EXC_GP, (int)ent + 2);
    if (!(g.hi & 0x8000))
        cpu_fault(c, EXC_NP, (int)ent + 2);
    if (type == 0x5) {
        task_through_gate(c, g.lo, TASK_INT, ret_eip, err);
        return;
    }
    unsigned gsize = (type & 8) ? 4 : 2;
    uint16_t sel = (uint16_t)(g.lo >> 16);
    uint32_t eip = (g.lo & 0xffff) | (gsize == 4 ? (g.hi & 0xffff0000u) : 0);
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_GP, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    if (!s.s || !(s.type & 8) || s.dpl > c->cpl)
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!s.present)
        cpu_fault(c, EXC_NP, sel & ~3u);
    bool v86 = c->s.rflags & F_VM;
    bool inner = !(s.type & 4) && s.dpl < c->cpl;
    /* from virtual-8086 mode only to a ring-0, non-conforming handler */
    if (v86 && (!inner || s.dpl != 0))
        cpu_fault(c, EXC_GP, sel & ~3u);
    uint32_t fl = cpu_get_eflags(c);
    uint16_t old_cs = c->s.seg[S_CS].sel;
    bool push_err = err != NO_ERR;
    if (inner) {
        struct new_stack ns;
        tss_stack(c, s.dpl, &ns);
        if (eip > s.limit)
            cpu_fault(c, EXC_GP, 0);
        if (v86) {
            new_stack_push(c, &ns, c->s.seg[S_GS].sel, gsize);
            new_stack_push(c, &ns, c->s.seg[S_FS].sel, gsize);
            new_stack_push(c, &ns, c->s.seg[S_DS].sel, gsize);
            new_stack_push(c, &ns, c->s.seg[S_ES].sel, gsize);
        }
        new_stack_push(c, &ns, c->s.seg[S_SS].sel, gsize);
        new_stack_push(c, &ns, (uint32_t)c->s.gpr[R_ESP], gsize);
        new_stack_push(c, &ns, fl, gsize);
        new_stack_push(c, &ns, old_cs, gsize);
        new_stack_push(c, &ns, ret_eip, gsize);
        if (push_err)
            new_stack_push(c, &ns, (uint32_t)err, gsize);
        /* commit: VM off first, so that the loads below get protected-
         * mode ranges */
        c->s.rflags &= ~(F_TF | F_NT | F_RF | F_VM);
        cpu_set_cpl(c, s.dpl);
        ns.seg.sel = (uint16_t)((ns.seg.sel & ~3u) | s.dpl);
        new_stack_load(c, &ns);
        if (v86) {
            seg_set_null(c, S_ES, 0);
            seg_set_null(c, S_DS, 0);
            seg_set_null(c, S_FS, 0);
            seg_set_null(c, S_GS, 0);
        }
        load_cs(c, &d, addr, sel, s.dpl);
    } else {
        if (eip > s.limit)
            cpu_fault(c, EXC_GP, 0);
        cpu_stack_probe(c, push_err ? 4 : 3, gsize);
        cpu_push(c, fl, gsize);
        cpu_push(c, old_cs, gsize);
        cpu_push(c, ret_eip, gsize);
        if (push_err)
            cpu_push(c, (uint32_t)err, gsize);
        c->s.rflags &= ~(F_TF | F_NT | F_RF | F_VM);
        load_cs(c, &d, addr, sel, c->cpl);
    }
    if (!(type & 1))
        c->s.rflags &= ~F_IF;     /* interrupt gate; trap gates leave IF */
    cpu_set_eip_now(c, eip);
}

void cpu_deliver(struct cpu *c, int vec, int err, bool soft, uint32_t ret_eip)
{
    c->halted = false;
    c->delivered = true;
    c->dbg_pending = 0;   /* traps of the interrupted context are dropped */
    c->ext = !soft;
    if (c->s.cr0 & CR0_PE)
        deliver_prot(c, vec, has_error_code(vec) && !soft ? err : NO_ERR, soft,
                     ret_eip);
    else
        deliver_real(c, vec, ret_eip);
    c->ext = 0;
    cpu_end_block(c);
}
