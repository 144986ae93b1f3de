/* Segmentation and control transfers between code segments: descriptor
 * loads, far JMP/CALL/RET, IRET, and interrupt/exception delivery through
 * the IVT (real mode) or the IDT (protected mode). */
#include "cpu/interp.h"

#include "debug/log.h"

void seg_update_ranges(struct cpu *c, int seg)
{
    const struct x86_seg *s = &c->s.seg[seg];
    struct seg_range *r = c->rng[seg];
    const struct seg_range none = { 1, 0 };
    if (!(c->s.cr0 & CR0_PE) || (c->s.rflags & F_VM)) {
        r[0] = r[1] = (struct seg_range){ 0, s->limit };
        return;
    }
    if (s->unusable || !s->present) {
        r[0] = r[1] = none;
        return;
    }
    if (s->type & 8) {                  /* code */
        r[0] = (s->type & 2) ? (struct seg_range){ 0, s->limit } : none;
        r[1] = none;
        return;
    }
    struct seg_range ok = { 0, s->limit };
    if (s->type & 4)                    /* expand-down */
        ok = (struct seg_range){ s->limit + 1, s->db ? 0xffffffffu : 0xffffu };
    r[0] = ok;
    r[1] = (s->type & 2) ? ok : none;
}

void cpu_mode_changed(struct cpu *c)
{
    c->ip_mask = c->s.seg[S_CS].db ? 0xffffffffu : 0xffffu;
}

static void set_cpl(struct cpu *c, int cpl)
{
    if (c->cpl != cpl) {
        c->cpl = (uint8_t)cpl;
        if (c->s.cr0 & CR0_PG)
            tlb_flush(c);   /* user/supervisor rights are cached in the TLB */
    }
}

/* ---- descriptors ---- */

struct desc {
    uint32_t lo, hi;
};

/* Read the descriptor for sel; false if beyond the table limit. */
static bool desc_read(struct cpu *c, uint16_t sel, struct desc *d,
                      uint32_t *addr)
{
    const struct x86_dtable *t;
    struct x86_dtable ldt;
    if (sel & 4) {
        if (c->s.ldt.unusable || !c->s.ldt.present)
            return false;
        ldt.base = c->s.ldt.base;
        ldt.limit = (uint16_t)(c->s.ldt.limit > 0xffff ? 0xffff : c->s.ldt.limit);
        t = &ldt;
        if ((uint32_t)(sel & ~7u) + 7 > c->s.ldt.limit)
            return false;
    } else {
        t = &c->s.gdt;
        if ((uint32_t)(sel & ~7u) + 7 > t->limit)
            return false;
    }
    *addr = (uint32_t)t->base + (sel & ~7u);
    d->lo = lin_read(c, *addr, 4);
    d->hi = lin_read(c, *addr + 4, 4);
    return true;
}

static void desc_to_seg(const struct desc *d, uint16_t sel, struct x86_seg *s)
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
        lin_write(c, addr + 4, d->hi, 4);
    }
}

static void seg_set(struct cpu *c, int seg, const struct x86_seg *s)
{
    c->s.seg[seg] = *s;
    seg_update_ranges(c, seg);
    if (seg == S_CS)
        cpu_mode_changed(c);
}

void load_seg(struct cpu *c, int seg, uint16_t sel)
{
    if (!pmode(c)) {
        struct x86_seg *s = &c->s.seg[seg];
        x86_seg_load_real(s, sel);
        if (c->s.rflags & F_VM) {       /* virtual-8086: fixed rights */
            s->limit = 0xffff;
            s->type = seg == S_CS ? 0xb : 0x3;
            s->s = 1;
            s->present = 1;
            s->dpl = 3;
            s->db = 0;
            s->unusable = 0;
        }
        seg_update_ranges(c, seg);
        if (seg == S_SS)
            c->shadow = 2;
        return;
    }
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        if (seg == S_SS)
            cpu_fault(c, EXC_GP, 0);
        struct x86_seg *s = &c->s.seg[seg];
        s->sel = sel;
        s->unusable = 1;
        s->present = 0;
        seg_update_ranges(c, seg);
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
        c->shadow = 2;
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
        if (!s->unusable && (!(s->type & 8) || !conforming) && s->dpl < c->cpl) {
            s->sel = 0;
            s->unusable = 1;
            s->present = 0;
            seg_update_ranges(c, segs[k]);
        }
    }
}

/* ---- far transfers ---- */

static void real_far_jump(struct cpu *c, uint16_t sel, uint32_t eip,
                          unsigned osize, bool call)
{
    if (call) {
        /* both pushes must fit before anything changes */
        cpu_stack_probe(c, 2, osize);
        cpu_push(c, c->s.seg[S_CS].sel, osize);
        cpu_push(c, c->next_eip, osize);
    }
    if (eip > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    load_seg(c, S_CS, sel);
    cpu_mode_changed(c);
    c->next_eip = eip;
    c->stop_block = true;   /* the decode mode may have changed */
}

/* Load CS for a transfer to a code segment at the current privilege. */
static void load_cs_same(struct cpu *c, struct desc *d, uint32_t addr,
                         uint16_t sel, uint32_t eip)
{
    struct x86_seg s;
    desc_to_seg(d, sel, &s);
    if (eip > s.limit)
        cpu_fault(c, EXC_GP, 0);
    desc_set_accessed(c, d, addr);
    s.type |= 1;
    s.sel = (uint16_t)((sel & ~3u) | c->cpl);
    seg_set(c, S_CS, &s);
    c->next_eip = eip;
    c->stop_block = true;
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
    if (s.s && (s.type & 8)) {
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
            cpu_push(c, c->next_eip, osize);
        }
        load_cs_same(c, &d, addr, sel, eip);
        return;
    }
    if (!s.s && (s.type == 4 || s.type == 0xc)) {
        /* call gate to the same privilege level */
        if (s.dpl < c->cpl || s.dpl < rpl)
            cpu_fault(c, EXC_GP, sel & ~3u);
        if (!s.present)
            cpu_fault(c, EXC_NP, sel & ~3u);
        uint16_t tsel = (uint16_t)(d.lo >> 16);
        uint32_t teip = (d.lo & 0xffff) | (s.type == 0xc ? (d.hi & 0xffff0000u) : 0);
        unsigned gsize = s.type == 0xc ? 4 : 2;
        struct desc td;
        uint32_t taddr;
        if ((tsel & ~3u) == 0 || !desc_read(c, tsel, &td, &taddr))
            cpu_fault(c, EXC_GP, tsel & ~3u);
        struct x86_seg ts;
        desc_to_seg(&td, tsel, &ts);
        if (!ts.s || !(ts.type & 8) || ts.dpl > c->cpl)
            cpu_fault(c, EXC_GP, tsel & ~3u);
        if (!ts.present)
            cpu_fault(c, EXC_NP, tsel & ~3u);
        if (call && !(ts.type & 4) && ts.dpl < c->cpl) {
            if (log_enabled(c->log, LOG_UNIMP))
                log_printf(c->log, "call gate to inner privilege not implemented\n");
            cpu_fault(c, EXC_GP, sel & ~3u);
        }
        if (call) {
            cpu_push(c, c->s.seg[S_CS].sel, gsize);
            cpu_push(c, c->next_eip, gsize);
        }
        load_cs_same(c, &td, taddr, tsel, teip);
        return;
    }
    if (log_enabled(c->log, LOG_UNIMP))
        log_printf(c->log, "far %s through system descriptor type %u not "
                   "implemented\n", call ? "call" : "jmp", s.type);
    cpu_fault(c, EXC_GP, sel & ~3u);
}

static uint32_t eflags_writable(const struct cpu *c, unsigned osize)
{
    uint32_t m = F_ARITH | F_TF | F_DF | F_NT;
    if (osize == 4)
        m |= F_AC | F_ID;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    if (c->cpl == 0)
        m |= F_IOPL;
    if (c->cpl <= iopl)
        m |= F_IF;
    return m;
}

void cpu_far_return(struct cpu *c, unsigned osize, uint16_t extra, bool iret)
{
    unsigned sz = osize;
    uint32_t eip = cpu_stack_peek(c, 0, sz);
    uint16_t sel = (uint16_t)cpu_stack_peek(c, sz, 2);
    uint32_t fl = iret ? cpu_stack_peek(c, 2 * sz, sz) : 0;
    unsigned popped = (iret ? 3 : 2) * sz;

    if (!pmode(c)) {
        if (iret && (c->s.rflags & F_VM) && ((c->s.rflags >> 12) & 3) < 3)
            cpu_fault(c, EXC_GP, 0);
        if (eip > c->s.seg[S_CS].limit)
            cpu_fault(c, EXC_GP, 0);
        load_seg(c, S_CS, sel);
        cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + popped + extra);
        if (iret) {
            uint32_t mask = eflags_writable(c, sz);
            if (sz == 2)
                mask &= 0xffff;
            cpu_set_eflags(c, fl, mask);
        }
        c->next_eip = eip;
        c->stop_block = true;
        return;
    }
    if (iret && (c->s.rflags & F_NT)) {
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "IRET to a nested task not implemented\n");
        cpu_fault(c, EXC_GP, 0);
    }
    if (iret && sz == 4 && (fl & F_VM) && c->cpl == 0) {
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "IRET to virtual-8086 mode not implemented\n");
        cpu_fault(c, EXC_GP, 0);
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
    if (eip > s.limit)
        cpu_fault(c, EXC_GP, 0);
    uint32_t mask = eflags_writable(c, sz);
    if (rpl == c->cpl) {
        desc_set_accessed(c, &d, addr);
        s.type |= 1;
        seg_set(c, S_CS, &s);
        cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + popped + extra);
    } else {
        /* return to an outer level: the outer SS:ESP follow on the stack */
        uint32_t nsp = cpu_stack_peek(c, popped + extra, sz);
        uint16_t nss = (uint16_t)cpu_stack_peek(c, popped + extra + sz, 2);
        desc_set_accessed(c, &d, addr);
        s.type |= 1;
        int old_cpl = c->cpl;
        set_cpl(c, rpl);
        seg_set(c, S_CS, &s);
        c->cpl = (uint8_t)old_cpl;   /* SS checks are against the new CPL */
        set_cpl(c, rpl);
        load_seg(c, S_SS, nss);
        cpu_set_sp(c, nsp + (iret ? 0 : extra));
        check_data_segs(c);
    }
    if (iret) {
        if (sz == 2)
            mask &= 0xffff;
        /* privilege for IF/IOPL is that of the old CPL */
        cpu_set_eflags(c, fl, mask);
    }
    c->next_eip = eip;
    c->stop_block = true;
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
    c->eip = v & 0xffff;
    c->next_eip = c->eip;
}

static bool has_error_code(int vec)
{
    return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC;
}

static void deliver_prot(struct cpu *c, int vec, int err, bool soft,
                         uint32_t ret_eip)
{
    int ext = soft ? 0 : 1;
    uint32_t ent = (uint32_t)vec * 8;
    if (ent + 7 > c->s.idt.limit)
        cpu_fault(c, EXC_GP, (int)ent + 2 + ext);
    struct desc g;
    g.lo = lin_read(c, (uint32_t)c->s.idt.base + ent, 4);
    g.hi = lin_read(c, (uint32_t)c->s.idt.base + ent + 4, 4);
    unsigned type = (g.hi >> 8) & 0x1f;   /* S bit included: must be 0 */
    unsigned gdpl = (g.hi >> 13) & 3;
    if (type != 0x6 && type != 0x7 && type != 0xe && type != 0xf) {
        if (type == 0x5 && log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "task gate in IDT (vector %d) not implemented\n", vec);
        cpu_fault(c, EXC_GP, (int)ent + 2 + ext);
    }
    if (soft && gdpl < c->cpl)
        cpu_fault(c, EXC_GP, (int)ent + 2);
    if (!(g.hi & 0x8000))
        cpu_fault(c, EXC_NP, (int)ent + 2 + ext);
    unsigned gsize = (type & 8) ? 4 : 2;
    uint16_t sel = (uint16_t)(g.lo >> 16);
    uint32_t eip = (g.lo & 0xffff) | (gsize == 4 ? (g.hi & 0xffff0000u) : 0);
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_GP, ext);
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_GP, (sel & ~3u) + ext);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    if (!s.s || !(s.type & 8) || s.dpl > c->cpl)
        cpu_fault(c, EXC_GP, (sel & ~3u) + ext);
    if (!s.present)
        cpu_fault(c, EXC_NP, (sel & ~3u) + ext);
    if (eip > s.limit)
        cpu_fault(c, EXC_GP, ext);
    uint32_t fl = cpu_get_eflags(c);
    uint16_t old_cs = c->s.seg[S_CS].sel;
    bool conforming = s.type & 4;
    if (!conforming && s.dpl < c->cpl) {
        /* inner privilege: new stack from the TSS */
        if (c->s.tr.unusable || !(c->s.tr.type == 0x9 || c->s.tr.type == 0xb)) {
            if (log_enabled(c->log, LOG_UNIMP))
                log_printf(c->log, "interrupt to inner privilege needs a 32-bit TSS\n");
            cpu_fault(c, EXC_TS, c->s.tr.sel & ~3u);
        }
        uint32_t tss = (uint32_t)c->s.tr.base + 4 + 8 * s.dpl;
        if (8u * s.dpl + 4 + 7 > c->s.tr.limit)
            cpu_fault(c, EXC_TS, c->s.tr.sel & ~3u);
        uint32_t nesp = lin_read(c, tss, 4);
        uint16_t nss = (uint16_t)lin_read(c, tss + 4, 2);
        uint16_t old_ss = c->s.seg[S_SS].sel;
        uint32_t old_esp = (uint32_t)c->s.gpr[R_ESP];
        int old_cpl = c->cpl;
        set_cpl(c, s.dpl);
        c->cpl = (uint8_t)s.dpl;
        load_seg(c, S_SS, nss);   /* faults here are #TS in hardware */
        (void)old_cpl;
        cpu_set_sp(c, nesp);
        cpu_push(c, old_ss, gsize);
        cpu_push(c, old_esp, gsize);
    }
    if (gsize == 2 || !has_error_code(vec) || soft || err == NO_ERR) {
        cpu_stack_probe(c, 3, gsize);
    }
    cpu_push(c, fl, gsize);
    cpu_push(c, old_cs, gsize);
    cpu_push(c, ret_eip, gsize);
    if (err != NO_ERR && !soft)
        cpu_push(c, (uint32_t)err, gsize);
    desc_set_accessed(c, &d, addr);
    s.type |= 1;
    s.sel = (uint16_t)((sel & ~3u) | c->cpl);
    seg_set(c, S_CS, &s);
    c->s.rflags &= ~(F_TF | F_NT | F_RF | F_VM);
    if (!(type & 1))
        c->s.rflags &= ~F_IF;     /* interrupt gate; trap gates leave IF */
    c->eip = eip;
    c->next_eip = eip;
}

void cpu_deliver(struct cpu *c, int vec, int err, bool soft, uint32_t ret_eip)
{
    if (c->s.rflags & F_VM) {
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "interrupts from virtual-8086 mode not implemented\n");
        c->shutdown = true;
        longjmp(c->fault_jmp, 2);
    }
    c->halted = false;
    c->delivered = true;
    if (c->s.cr0 & CR0_PE)
        deliver_prot(c, vec, has_error_code(vec) ? err : NO_ERR, soft, ret_eip);
    else
        deliver_real(c, vec, ret_eip);
    c->stop_block = true;
}
