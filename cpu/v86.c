/* Virtual-8086 mode: the IOPL-sensitive instructions (INT n, IRET, PUSHF,
 * POPF; CLI/STI are in exec_misc.c) and the virtual-mode extensions of
 * CR4.VME: the interrupt redirection bitmap and the virtual interrupt flag
 * (SDM vol. 3 ch. 20).  Entry (IRET, task switch) and interrupts out of
 * virtual-8086 mode are in exec_system.c and task.c. */
#include "cpu/interp.h"

static unsigned iopl(const struct cpu *c)
{
    return (c->s.rflags >> 12) & 3;
}

/* VME: a clear bit in the redirection bitmap (the 32 bytes below the I/O
 * bitmap of a 32-bit TSS) sends INT n through the 8086 vector table. */
static bool vme_redirected(struct cpu *c, int vec)
{
    const struct x86_seg *tr = &c->s.tr;
    if (!(tr->type & 8) || tr->limit < 0x67)
        cpu_fault(c, EXC_GP, 0);
    uint32_t off = sys_read(c, (uint32_t)tr->base + 0x66, 2) - 32 + (unsigned)vec / 8;
    if (off > tr->limit)
        cpu_fault(c, EXC_GP, 0);
    return !(sys_read(c, (uint32_t)tr->base + off, 1) & (1u << (vec & 7)));
}

bool v86_soft_int(struct cpu *c, int vec)
{
    if ((c->s.cr4 & CR4_VME) && vme_redirected(c, vec)) {
        uint32_t fl = cpu_get_eflags(c) & 0xffff;
        if (iopl(c) < 3) {   /* the handler sees IOPL=3 and IF=VIF */
            fl |= F_IOPL;
            fl = (c->s.rflags & F_VIF) ? fl | F_IF : fl & ~F_IF;
        }
        uint32_t v = sys_read(c, (uint32_t)vec * 4, 4);
        cpu_stack_probe(c, 3, 2);
        cpu_push(c, fl, 2);
        cpu_push(c, c->s.seg[S_CS].sel, 2);
        cpu_push(c, cpu_next_eip(c), 2);
        seg_load_v86(c, S_CS, (uint16_t)(v >> 16));
        cpu_set_next_eip(c, v & 0xffff);
        c->s.rflags &= ~(uint64_t)(F_TF | F_RF | (iopl(c) == 3 ? F_IF : F_VIF));
        c->delivered = true;
        cpu_end_block(c);
        return true;
    }
    if (iopl(c) < 3)
        cpu_fault(c, EXC_GP, 0);
    return false;
}

void v86_iret(struct cpu *c, unsigned osize)
{
    bool vme = iopl(c) < 3;
    if (vme && (osize == 4 || !(c->s.cr4 & CR4_VME)))
        cpu_fault(c, EXC_GP, 0);   /* to the virtual-8086 monitor */
    uint32_t eip = cpu_stack_peek(c, 0, osize);
    uint16_t cs = (uint16_t)cpu_stack_peek(c, osize, 2);
    uint32_t fl = cpu_stack_peek(c, 2 * osize, osize);
    if (eip > 0xffff)
        cpu_fault(c, EXC_GP, 0);
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT;
    if (vme) {
        if ((fl & F_TF) || ((fl & F_IF) && (c->s.rflags & F_VIP)))
            cpu_fault(c, EXC_GP, 0);
        /* IF and IOPL stay; VIF takes the popped IF */
        mask |= F_VIF;
        fl = (fl & F_IF) ? fl | F_VIF : fl & ~F_VIF;
    } else {
        mask |= F_IF;
        if (osize == 4)
            mask |= F_RF | F_AC | F_ID;
    }
    seg_load_v86(c, S_CS, cs);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + 3 * osize);
    cpu_set_eflags(c, fl, mask);
    if (mask & fl & F_RF)
        c->rf_keep = true;
    cpu_set_next_eip(c, eip);
    cpu_end_block(c);
}

void v86_pushf(struct cpu *c, unsigned osize)
{
    if (osize == 4 || !(c->s.cr4 & CR4_VME))
        cpu_fault(c, EXC_GP, 0);
    uint32_t fl = (cpu_get_eflags(c) & 0xffff) | F_IOPL;
    fl = (c->s.rflags & F_VIF) ? fl | F_IF : fl & ~F_IF;
    cpu_push(c, fl, 2);
}

void v86_popf(struct cpu *c, unsigned osize)
{
    if (osize == 4 || !(c->s.cr4 & CR4_VME))
        cpu_fault(c, EXC_GP, 0);
    uint32_t fl = cpu_stack_peek(c, 0, 2);
    if ((fl & F_TF) || ((fl & F_IF) && (c->s.rflags & F_VIP)))
        cpu_fault(c, EXC_GP, 0);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + 2);
    fl = (fl & F_IF) ? fl | F_VIF : fl & ~F_VIF;
    cpu_set_eflags(c, fl, F_ARITH | F_TF | F_DF | F_NT | F_VIF);
}

/* CLI/STI at CPL 3 with IOPL < 3: with VME (virtual-8086) or PVI
 * (protected mode) they work on VIF; STI with VIP set faults so that the
 * monitor can deliver the pending interrupt. */
bool vif_cli_sti(struct cpu *c, bool sti)
{
    bool v86 = c->s.rflags & F_VM;
    if (!(c->s.cr4 & (v86 ? CR4_VME : CR4_PVI)) || c->cpl != 3)
        return false;
    if (!sti) {
        c->s.rflags &= ~(uint64_t)F_VIF;
        return true;
    }
    if (c->s.rflags & F_VIP)
        cpu_fault(c, EXC_GP, 0);
    c->s.rflags |= F_VIF;
    return true;
}
