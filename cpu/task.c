/* Hardware task switches (SDM vol. 3 ch. 8): JMP/CALL to a TSS or a task
 * gate, INT and exceptions through a task gate, IRET with NT=1; 16- and
 * 32-bit TSS formats, busy bits, the back-link, CR3 and LDT loads, and the
 * #TS/#NP/#SS faults of the new task's segments. */
#include "cpu/interp.h"

/* 32-bit TSS offsets */
#define T32_CR3 0x1c
#define T32_EIP 0x20
#define T32_EFLAGS 0x24
#define T32_EAX 0x28
#define T32_ES 0x48
#define T32_LDT 0x60
#define T32_TRAP 0x64
/* 16-bit TSS offsets */
#define T16_IP 0x0e
#define T16_FLAGS 0x10
#define T16_AX 0x12
#define T16_ES 0x22
#define T16_LDT 0x2a

void task_far_transfer(struct cpu *c, uint16_t sel, struct desc *d,
                       uint32_t daddr, bool call)
{
    unsigned type = (d->hi >> 8) & 0xf;
    unsigned dpl = (d->hi >> 13) & 3;
    if (dpl < c->cpl || dpl < (sel & 3u))
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!(d->hi & 0x8000))
        cpu_fault(c, EXC_NP, sel & ~3u);
    enum task_reason why = call ? TASK_CALL : TASK_JMP;
    if (type != 0x5) {
        task_switch(c, sel, d, daddr, why, cpu_next_eip(c), NO_ERR);
        return;
    }
    task_through_gate(c, d->lo, why, cpu_next_eip(c), NO_ERR);
}

void task_through_gate(struct cpu *c, uint32_t gate_lo, enum task_reason why,
                       uint32_t ret_eip, int err)
{
    uint16_t tsel = (uint16_t)(gate_lo >> 16);
    struct desc td;
    uint32_t taddr;
    if ((tsel & 4) || !desc_read(c, tsel, &td, &taddr))
        cpu_fault(c, EXC_GP, tsel & ~3u);
    unsigned tt = (td.hi >> 8) & 0x1f;
    if (tt != 0x1 && tt != 0x9)
        cpu_fault(c, EXC_GP, tsel & ~3u);
    if (!(td.hi & 0x8000))
        cpu_fault(c, EXC_NP, tsel & ~3u);
    task_switch(c, tsel, &td, taddr, why, ret_eip, err);
}

void task_return(struct cpu *c)
{
    uint16_t link = (uint16_t)sys_read(c, (uint32_t)c->s.tr.base, 2);
    struct desc d;
    uint32_t addr;
    if ((link & 4) || !desc_read(c, link, &d, &addr))
        cpu_fault(c, EXC_TS, link & ~3u);
    unsigned type = (d.hi >> 8) & 0x1f;
    if (type != 0x3 && type != 0xb)
        cpu_fault(c, EXC_TS, link & ~3u);
    if (!(d.hi & 0x8000))
        cpu_fault(c, EXC_NP, link & ~3u);
    task_switch(c, link, &d, addr, TASK_IRET, cpu_next_eip(c), NO_ERR);
}

/* A supervisor read check of [lin, lin+len): faults before the commit. */
static void probe_read(struct cpu *c, uint32_t lin, unsigned len)
{
    sys_read(c, lin, 1);
    sys_read(c, lin + len - 1, 1);
}

/* The state of the new task, read in full before anything changes. */
struct tss_image {
    uint32_t eip, eflags, cr3, gpr[8];
    uint16_t sel[6], ldt;
    bool trap;
};

static void tss_read(struct cpu *c, uint32_t base, bool t32, struct tss_image *t)
{
    if (t32) {
        t->cr3 = sys_read(c, base + T32_CR3, 4);
        t->eip = sys_read(c, base + T32_EIP, 4);
        t->eflags = sys_read(c, base + T32_EFLAGS, 4);
        for (int r = 0; r < 8; r++)
            t->gpr[r] = sys_read(c, base + T32_EAX + 4 * r, 4);
        for (int s = 0; s < 6; s++)
            t->sel[s] = (uint16_t)sys_read(c, base + T32_ES + 4 * s, 2);
        t->ldt = (uint16_t)sys_read(c, base + T32_LDT, 2);
        t->trap = sys_read(c, base + T32_TRAP, 2) & 1;
        return;
    }
    /* 16-bit TSS: the upper halves of the registers read as ones, FS and
     * GS are null, there is no CR3 (as Bochs and QEMU do) */
    t->cr3 = (uint32_t)c->s.cr3;
    t->eip = sys_read(c, base + T16_IP, 2);
    t->eflags = sys_read(c, base + T16_FLAGS, 2);
    for (int r = 0; r < 8; r++)
        t->gpr[r] = 0xffff0000u | sys_read(c, base + T16_AX + 2 * r, 2);
    for (int s = 0; s < 4; s++)
        t->sel[s] = (uint16_t)sys_read(c, base + T16_ES + 2 * s, 2);
    t->sel[S_FS] = t->sel[S_GS] = 0;
    t->ldt = (uint16_t)sys_read(c, base + T16_LDT, 2);
    t->trap = false;
}

static void tss_save(struct cpu *c, uint32_t base, bool t32, uint32_t eip,
                     uint32_t eflags)
{
    if (t32) {
        sys_write(c, base + T32_EIP, eip, 4);
        sys_write(c, base + T32_EFLAGS, eflags, 4);
        for (int r = 0; r < 8; r++)
            sys_write(c, base + T32_EAX + 4 * r, (uint32_t)c->s.gpr[r], 4);
        for (int s = 0; s < 6; s++)
            sys_write(c, base + T32_ES + 4 * s, c->s.seg[s].sel, 2);
        return;
    }
    sys_write(c, base + T16_IP, eip, 2);
    sys_write(c, base + T16_FLAGS, eflags, 2);
    for (int r = 0; r < 8; r++)
        sys_write(c, base + T16_AX + 2 * r, (uint32_t)c->s.gpr[r], 2);
    for (int s = 0; s < 4; s++)
        sys_write(c, base + T16_ES + 2 * s, c->s.seg[s].sel, 2);
}

/* Segment loads of the new task, after the commit point: faults here are
 * raised in the context of the new task (SDM table 8-1). */
static void task_load_ldt(struct cpu *c, uint16_t sel)
{
    struct x86_seg *l = &c->s.ldt;
    l->sel = sel;
    l->unusable = 1;
    l->present = 0;
    if ((sel & ~3u) == 0)
        return;
    struct desc d;
    uint32_t addr;
    if ((sel & 4) || !desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (((d.hi >> 8) & 0x1f) != 0x2 || !(d.hi & 0x8000))
        cpu_fault(c, EXC_TS, sel & ~3u);
    desc_to_seg(&d, sel, l);
}

static void task_load_ss(struct cpu *c, uint16_t sel, unsigned cpl)
{
    struct desc d;
    uint32_t addr;
    if ((sel & ~3u) == 0 || !desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_TS, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    if (!s.s || (s.type & 8) || !(s.type & 2))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!s.present)
        cpu_fault(c, EXC_SS, sel & ~3u);
    if (s.dpl != cpl || (sel & 3u) != cpl)
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!(d.hi & 0x100)) {
        d.hi |= 0x100;
        sys_write(c, addr + 4, d.hi, 4);
    }
    s.type |= 1;
    seg_set(c, S_SS, &s);
}

static void task_load_data(struct cpu *c, int seg, uint16_t sel, unsigned cpl)
{
    if ((sel & ~3u) == 0)
        return;   /* null: stays unusable */
    struct desc d;
    uint32_t addr;
    if (!desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_TS, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    if (!s.s || ((s.type & 8) && !(s.type & 2)))
        cpu_fault(c, EXC_TS, sel & ~3u);
    bool conforming = (s.type & 0xc) == 0xc;
    if (!conforming && ((sel & 3u) > s.dpl || cpl > s.dpl))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!s.present)
        cpu_fault(c, EXC_NP, sel & ~3u);
    if (!(d.hi & 0x100)) {
        d.hi |= 0x100;
        sys_write(c, addr + 4, d.hi, 4);
    }
    s.type |= 1;
    seg_set(c, seg, &s);
}

static void task_load_cs(struct cpu *c, uint16_t sel)
{
    struct desc d;
    uint32_t addr;
    if ((sel & ~3u) == 0 || !desc_read(c, sel, &d, &addr))
        cpu_fault(c, EXC_TS, sel & ~3u);
    struct x86_seg s;
    desc_to_seg(&d, sel, &s);
    unsigned rpl = sel & 3u;
    if (!s.s || !(s.type & 8) || ((s.type & 4) ? s.dpl > rpl : s.dpl != rpl))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!s.present)
        cpu_fault(c, EXC_NP, sel & ~3u);
    if (!(d.hi & 0x100)) {
        d.hi |= 0x100;
        sys_write(c, addr + 4, d.hi, 4);
    }
    s.type |= 1;
    seg_set(c, S_CS, &s);
}

void task_switch(struct cpu *c, uint16_t sel, struct desc *d, uint32_t daddr,
                 enum task_reason why, uint32_t ret_eip, int err)
{
    struct x86_seg nt;
    desc_to_seg(d, sel, &nt);
    bool n32 = nt.type & 8;
    if (nt.limit < (n32 ? 0x67u : 0x2bu))
        cpu_fault(c, EXC_TS, sel & ~3u);
    struct x86_seg *ot = &c->s.tr;
    bool o32 = ot->type & 8;
    if (ot->limit < (o32 ? 0x5fu : 0x29u))
        cpu_fault(c, EXC_TS, ot->sel & ~3u);
    uint32_t nbase = (uint32_t)nt.base, obase = (uint32_t)ot->base;
    bool nest = why == TASK_CALL || why == TASK_INT;

    /* Everything that can fault before the commit point: reads of the
     * new TSS, writability of the old TSS and of the new link field. */
    probe_read(c, nbase, n32 ? 0x68 : 0x2c);
    if (o32)
        sys_probe_write(c, obase + T32_EIP, T32_LDT - T32_EIP);
    else
        sys_probe_write(c, obase + T16_IP, T16_LDT - T16_IP);
    if (nest)
        sys_probe_write(c, nbase, 2);
    struct tss_image t;
    tss_read(c, nbase, n32, &t);

    uint32_t oflags = cpu_get_eflags(c);
    if (why == TASK_JMP || why == TASK_IRET) {
        /* the old task is no longer busy */
        uint32_t a = (uint32_t)c->s.gdt.base + (ot->sel & ~7u) + 4;
        sys_write(c, a, sys_read(c, a, 4) & ~0x200u, 4);
        if (why == TASK_IRET)
            oflags &= ~F_NT;
    }
    tss_save(c, obase, o32, ret_eip, oflags);
    if (nest)
        sys_write(c, nbase, ot->sel, 2);   /* back-link */
    if (why != TASK_IRET) {
        d->hi |= 0x200;
        sys_write(c, daddr + 4, d->hi, 4);
    }

    /* ---- commit point ---- */
    nt.type |= 2;
    c->s.tr = nt;
    c->s.cr0 |= CR0_TS;
    c->s.dr[7] &= ~(uint64_t)0x155;   /* local breakpoints end with the task */
    dbg_update(c);
    if (nest)
        t.eflags |= F_NT;
    for (int r = 0; r < 8; r++)
        c->s.gpr[r] = t.gpr[r];
    cpu_set_eip_now(c, t.eip);
    cpu_load_eflags(c, t.eflags, 0x3f7fd5);
    c->rf_keep = t.eflags & F_RF;
    c->delivered = true;   /* no single-step trap from the old context */
    for (int s = 0; s < 6; s++)
        seg_set_null(c, s, t.sel[s]);
    cpu_end_block(c);
    if (n32 && (c->s.cr0 & CR0_PG)) {
        c->s.cr3 = t.cr3;
        if ((c->s.cr4 & CR4_PAE) && !mmu_load_pdptes(c, t.cr3, true)) {
            memset(c->pdpte, 0, sizeof c->pdpte);
            tlb_flush(c);
            cpu_fault(c, EXC_TS, 0);
        }
        tlb_flush_nonglobal(c);
    }
    bool v86 = c->s.rflags & F_VM;
    unsigned cpl = v86 ? 3 : t.sel[S_CS] & 3u;
    cpu_set_cpl(c, cpl);
    task_load_ldt(c, t.ldt);
    if (v86) {
        for (int s = 0; s < 6; s++)
            seg_load_v86(c, s, t.sel[s]);
    } else {
        task_load_ss(c, t.sel[S_SS], cpl);
        task_load_data(c, S_DS, t.sel[S_DS], cpl);
        task_load_data(c, S_ES, t.sel[S_ES], cpl);
        task_load_data(c, S_FS, t.sel[S_FS], cpl);
        task_load_data(c, S_GS, t.sel[S_GS], cpl);
        task_load_cs(c, t.sel[S_CS]);
    }
    if (err != NO_ERR) {
        cpu_push(c, (uint32_t)err, n32 ? 4 : 2);
        cpu_set_next_eip(c, cpu_cur_eip(c));
    }
    if (cpu_cur_eip(c) > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    if (t.trap)
        c->dbg_pending |= DR6_BT;
}
