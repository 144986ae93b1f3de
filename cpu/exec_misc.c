/* Port I/O, HLT, CLI/STI, CPUID, RDTSC, MSRs, descriptor-table and
 * control-register instructions. */
#include "cpu/exec.h"

#include "cpu/cpuid.h"
#include "debug/log.h"

/* IOPL and the TSS I/O permission bitmap (SDM vol. 1 19.5). */
bool io_allowed(struct cpu *c, uint16_t port, unsigned size)
{
    if (!(c->s.cr0 & CR0_PE))
        return true;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    if (!(c->s.rflags & F_VM) && c->cpl <= iopl)
        return true;
    const struct x86_seg *tr = &c->s.tr;
    if (tr->unusable || (tr->type != 0x9 && tr->type != 0xb) || tr->limit < 0x67)
        return false;
    uint32_t base = lin_read(c, (uint32_t)tr->base + 0x66, 2);
    uint32_t byte = base + port / 8;
    if (byte + 1 > tr->limit)
        return false;
    uint32_t bits = lin_read(c, (uint32_t)tr->base + byte, 2);
    uint32_t need = ((1u << size) - 1) << (port & 7);
    return (bits & need) == 0;
}

static void check_io(struct cpu *c, uint16_t port, unsigned size)
{
    if (!io_allowed(c, port, size))
        cpu_fault(c, EXC_GP, 0);
}

/* imm2 set: the port is the immediate, else DX. */
HANDLER(exec_in)
{
    uint16_t port = (uint16_t)(i->imm2 ? i->imm : c->s.gpr[R_EDX]);
    check_io(c, port, i->osize);
    set_reg(c, R_EAX, c->bus.io_in(c->bus.opaque, port, i->osize), i->osize);
}

HANDLER(exec_out)
{
    uint16_t port = (uint16_t)(i->imm2 ? i->imm : c->s.gpr[R_EDX]);
    check_io(c, port, i->osize);
    c->bus.io_out(c->bus.opaque, port, get_reg(c, R_EAX, i->osize), i->osize);
}

static void need_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

HANDLER(exec_hlt)
{
    (void)i;
    need_cpl0(c);
    c->halted = true;
    c->stop_block = true;
}

static bool if_allowed(const struct cpu *c)
{
    if (!(c->s.cr0 & CR0_PE))
        return true;
    return c->cpl <= ((c->s.rflags >> 12) & 3);
}

HANDLER(exec_cli)
{
    (void)i;
    if (!if_allowed(c))
        cpu_fault(c, EXC_GP, 0);
    c->s.rflags &= ~F_IF;
}

HANDLER(exec_sti)
{
    (void)i;
    if (!if_allowed(c))
        cpu_fault(c, EXC_GP, 0);
    if (!(c->s.rflags & F_IF)) {
        c->s.rflags |= F_IF;
        c->shadow = 1;          /* one more instruction before interrupts */
        c->stop_block = true;
    }
}

HANDLER(exec_salc)
{
    (void)i;
    *reg8p(c, 0) = lf_cf(c) ? 0xff : 0;
}

HANDLER(exec_cpuid)
{
    (void)i;
    uint32_t out[4];
    cpuid_query(c->model, (uint32_t)c->s.gpr[R_EAX], (uint32_t)c->s.gpr[R_ECX], out);
    c->s.gpr[R_EAX] = out[0];
    c->s.gpr[R_EBX] = out[1];
    c->s.gpr[R_ECX] = out[2];
    c->s.gpr[R_EDX] = out[3];
}

/* The time-stamp counter follows retired instructions: deterministic. */
static uint64_t tsc_now(const struct cpu *c)
{
    return c->tsc_offset + c->icount +
           (uint64_t)(c->cur_insn && c->cur_block ? c->cur_insn - c->cur_block->insns : 0);
}

HANDLER(exec_rdtsc)
{
    (void)i;
    if ((c->s.cr4 & CR4_TSD) && c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    uint64_t t = tsc_now(c);
    c->s.gpr[R_EAX] = (uint32_t)t;
    c->s.gpr[R_EDX] = (uint32_t)(t >> 32);
}

#define MSR_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

/* Only the MSRs of the advertised model exist; others #GP, as hardware. */
HANDLER(exec_rdmsr)
{
    (void)i;
    need_cpl0(c);
    uint32_t msr = (uint32_t)c->s.gpr[R_ECX];
    uint64_t v;
    switch (msr) {
    case MSR_TSC: v = tsc_now(c); break;
    case MSR_SYSENTER_CS: v = c->s.sysenter_cs; break;
    case MSR_SYSENTER_ESP: v = c->s.sysenter_esp; break;
    case MSR_SYSENTER_EIP: v = c->s.sysenter_eip; break;
    default:
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "rdmsr 0x%x: no such MSR (#GP)\n", msr);
        cpu_fault(c, EXC_GP, 0);
    }
    c->s.gpr[R_EAX] = (uint32_t)v;
    c->s.gpr[R_EDX] = (uint32_t)(v >> 32);
}

HANDLER(exec_wrmsr)
{
    (void)i;
    need_cpl0(c);
    uint32_t msr = (uint32_t)c->s.gpr[R_ECX];
    uint64_t v = ((uint64_t)(uint32_t)c->s.gpr[R_EDX] << 32) | (uint32_t)c->s.gpr[R_EAX];
    switch (msr) {
    case MSR_TSC: c->tsc_offset = v - tsc_now(c) + c->tsc_offset; break;
    case MSR_SYSENTER_CS: c->s.sysenter_cs = v & 0xffff; break;
    case MSR_SYSENTER_ESP: c->s.sysenter_esp = v; break;
    case MSR_SYSENTER_EIP: c->s.sysenter_eip = v; break;
    default:
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "wrmsr 0x%x: no such MSR (#GP)\n", msr);
        cpu_fault(c, EXC_GP, 0);
    }
}

static void set_cr0(struct cpu *c, uint32_t v)
{
    v |= CR0_ET;
    if ((v & CR0_PG) && !(v & CR0_PE))
        cpu_fault(c, EXC_GP, 0);
    if ((v & CR0_NW) && !(v & CR0_CD))
        cpu_fault(c, EXC_GP, 0);
    uint32_t old = (uint32_t)c->s.cr0;
    c->s.cr0 = v;
    if ((old ^ v) & (CR0_PE | CR0_PG | CR0_WP)) {
        for (int s = 0; s < 6; s++)
            seg_update_ranges(c, s);
        tlb_flush(c);
        c->stop_block = true;
    }
}

/* 0F 01: opc2 is the ModRM reg field. */
HANDLER(exec_grp7)
{
    unsigned op = i->opc2;
    if (op == 4) {   /* SMSW: a register destination gets the operand size */
        if (i->mod == 3)
            set_reg(c, i->rm, (uint32_t)c->s.cr0, i->osize);
        else
            mem_write(c, i->seg, insn_ea(c, i), (uint32_t)c->s.cr0 & 0xffff, 2);
        return;
    }
    if (op == 6) {   /* LMSW: cannot clear PE */
        need_cpl0(c);
        uint32_t v = i->mod == 3 ? get_reg(c, i->rm, 2)
                                 : mem_read(c, i->seg, insn_ea(c, i), 2);
        uint32_t cr0 = (uint32_t)c->s.cr0;
        v = (v & 0xf) | (cr0 & CR0_PE);
        set_cr0(c, (cr0 & ~0xfu) | v);
        return;
    }
    if (i->mod == 3 || op == 5)
        exec_invalid(c, i);
    uint32_t ea = insn_ea(c, i);
    struct x86_dtable *t = (op & 1) ? &c->s.idt : &c->s.gdt;
    switch (op) {
    case 0:
    case 1: {        /* SGDT/SIDT */
        uint32_t base = (uint32_t)t->base;
        if (i->osize == 2)
            base &= 0x00ffffff;   /* not on a 386+; kept for 286 code */
        mem_probe_write(c, i->seg, ea, 6);
        mem_write(c, i->seg, ea, t->limit, 2);
        mem_write(c, i->seg, (ea + 2) & (i->asize == 2 ? 0xffff : 0xffffffffu), base, 4);
        break;
    }
    case 2:
    case 3: {        /* LGDT/LIDT */
        need_cpl0(c);
        uint16_t limit = (uint16_t)mem_read(c, i->seg, ea, 2);
        uint32_t base = mem_read(c, i->seg,
                                 (ea + 2) & (i->asize == 2 ? 0xffff : 0xffffffffu), 4);
        if (i->osize == 2)
            base &= 0x00ffffff;
        t->limit = limit;
        t->base = base;
        break;
    }
    case 7:          /* INVLPG */
        need_cpl0(c);
        tlb_flush(c);
        break;
    }
}

/* 0F 20/22: MOV r32, CRn / MOV CRn, r32 (opc2 bit 0: to CR). */
HANDLER(exec_mov_cr)
{
    need_cpl0(c);
    if (c->s.rflags & F_VM)
        cpu_fault(c, EXC_GP, 0);
    unsigned cr = i->reg;   /* raw reg field */
    bool to_cr = i->opc2 & 1;
    if (cr == 1 || cr > 4)
        cpu_fault(c, EXC_UD, NO_ERR);
    if (!to_cr) {
        uint64_t v = cr == 0 ? c->s.cr0 : cr == 2 ? c->s.cr2 : cr == 3 ? c->s.cr3 : c->s.cr4;
        c->s.gpr[i->rm] = (uint32_t)v;
        return;
    }
    uint32_t v = (uint32_t)c->s.gpr[i->rm];
    switch (cr) {
    case 0: set_cr0(c, v); break;
    case 2: c->s.cr2 = v; break;
    case 3: c->s.cr3 = v; tlb_flush(c); break;
    case 4:
        if (v & ~(uint32_t)(CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE))
            cpu_fault(c, EXC_GP, 0);
        c->s.cr4 = v;
        tlb_flush(c);
        break;
    }
}

/* 0F 21/23: debug registers (DR4/DR5 alias DR6/DR7 unless CR4.DE). */
HANDLER(exec_mov_dr)
{
    need_cpl0(c);
    unsigned dr = i->reg;
    if (dr == 4 || dr == 5) {
        if (c->s.cr4 & CR4_DE)
            cpu_fault(c, EXC_UD, NO_ERR);
        dr += 2;
    }
    if (i->opc2 & 1)
        c->s.dr[dr] = (uint32_t)c->s.gpr[i->rm];
    else
        c->s.gpr[i->rm] = (uint32_t)c->s.dr[dr];
}

HANDLER(exec_clts)
{
    (void)i;
    need_cpl0(c);
    c->s.cr0 &= ~(uint64_t)CR0_TS;
}

HANDLER(exec_wbinvd)
{
    (void)i;
    need_cpl0(c);
}

HANDLER(exec_ud2)
{
    (void)i;
    cpu_fault(c, EXC_UD, NO_ERR);
}

HANDLER(exec_arpl)
{
    if (!pmode(c))
        cpu_fault(c, EXC_UD, NO_ERR);
    uint32_t d = get_E(c, i) & 0xffff, s = get_reg(c, i->reg, 2);
    uint32_t f = cpu_get_eflags(c) & ~F_ZF;
    if ((d & 3) < (s & 3)) {
        set_E(c, i, (d & ~3u) | (s & 3));
        f |= F_ZF;
    }
    cpu_set_eflags(c, f, F_ZF);
}

/* 0F 00: SLDT, STR, LLDT, LTR (VERR/VERW come with the full CPU). */
HANDLER(exec_grp6)
{
    if (!pmode(c))
        cpu_fault(c, EXC_UD, NO_ERR);
    unsigned op = i->opc2;
    if (op == 0 || op == 1) {
        uint16_t sel = op == 0 ? c->s.ldt.sel : c->s.tr.sel;
        if (i->mod == 3)
            set_reg(c, i->rm, sel, i->osize);
        else
            mem_write(c, i->seg, insn_ea(c, i), sel, 2);
        return;
    }
    if (op != 2 && op != 3)
        exec_invalid(c, i);
    need_cpl0(c);
    uint16_t sel = (uint16_t)(i->mod == 3 ? get_reg(c, i->rm, 2)
                                          : mem_read(c, i->seg, insn_ea(c, i), 2));
    struct x86_seg *dst = op == 2 ? &c->s.ldt : &c->s.tr;
    if ((sel & ~3u) == 0) {
        if (op == 3)
            cpu_fault(c, EXC_GP, 0);
        dst->sel = sel;
        dst->unusable = 1;
        return;
    }
    if ((sel & 4) || (uint32_t)(sel & ~7u) + 7 > c->s.gdt.limit)
        cpu_fault(c, EXC_GP, sel & ~3u);
    uint32_t addr = (uint32_t)c->s.gdt.base + (sel & ~7u);
    uint32_t lo = lin_read(c, addr, 4), hi = lin_read(c, addr + 4, 4);
    unsigned type = (hi >> 8) & 0x1f;
    bool ok = op == 2 ? type == 0x02 : (type == 0x01 || type == 0x09);
    if (!ok)
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!(hi & 0x8000))
        cpu_fault(c, EXC_NP, sel & ~3u);
    dst->sel = sel;
    dst->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
    dst->g = (hi >> 23) & 1;
    dst->limit = dst->g ? (limit << 12) | 0xfff : limit;
    dst->type = type & 0xf;
    dst->s = 0;
    dst->dpl = (hi >> 13) & 3;
    dst->present = 1;
    dst->unusable = 0;
    if (op == 3) {   /* mark the TSS busy */
        hi |= 0x200;
        lin_write(c, addr + 4, hi, 4);
        dst->type |= 2;
    }
}

/* LAR, LSL and SYSENTER/SYSEXIT arrive with the full protection model. */
HANDLER(exec_lar)
{
    exec_invalid(c, i);
}

HANDLER(exec_lsl)
{
    exec_invalid(c, i);
}

HANDLER(exec_sysenter)
{
    exec_invalid(c, i);
}

HANDLER(exec_sysexit)
{
    exec_invalid(c, i);
}
