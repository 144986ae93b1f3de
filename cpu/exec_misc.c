/* Port I/O, HLT, CLI/STI, CPUID, RDTSC, MSRs, descriptor-table and
 * control-register instructions. */
#include "cpu/exec.h"

#include "cpu/cpuid.h"
#include "debug/log.h"

/* IOPL and the TSS I/O permission bitmap (SDM vol. 1 19.5). */
bool io_allowed(struct cpu *c, uint16_t port, unsigned size)
{
    if (unlikely(c->dbg_io))
        dbg_check_io(c, port, size);   /* a trap after the instruction */
    if (!(c->s.cr0 & CR0_PE))
        return true;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    if (!(c->s.rflags & F_VM) && c->cpl <= iopl)
        return true;
    const struct x86_seg *tr = &c->s.tr;
    if (tr->unusable || (tr->type != 0x9 && tr->type != 0xb) || tr->limit < 0x67)
        return false;
    uint32_t base = sys_read(c, (uint32_t)tr->base + 0x66, 2);
    uint32_t byte = base + port / 8;
    if (byte + 1 > tr->limit)
        return false;
    uint32_t bits = sys_read(c, (uint32_t)tr->base + byte, 2);
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
    cpu_end_block(c);
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
    if (!if_allowed(c)) {
        if (vif_cli_sti(c, false))
            return;
        cpu_fault(c, EXC_GP, 0);
    }
    c->s.rflags &= ~F_IF;
}

HANDLER(exec_sti)
{
    (void)i;
    if (!if_allowed(c)) {
        if (vif_cli_sti(c, true))
            return;
        cpu_fault(c, EXC_GP, 0);
    }
    if (!(c->s.rflags & F_IF)) {
        c->s.rflags |= F_IF;
        c->shadow = 1;          /* one more instruction before interrupts */
        cpu_end_block(c);
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

/* Instructions completed so far, the running one not included. */
static uint64_t insns_now(const struct cpu *c)
{
    return c->icount +
           (uint64_t)(c->cur_insn && c->cur_block ? c->cur_insn - c->cur_block->insns : 0);
}

/* The time-stamp counter follows retired instructions: deterministic. */
static uint64_t tsc_now(const struct cpu *c)
{
    return c->tsc_offset + insns_now(c);
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
#define MSR_EFER 0xc0000080u
/* IA32_BIOS_SIGN_ID: the microcode revision (EDX) that CPUID loads; a P6
 * has it, and Linux reads it on every Intel family 6 part.  No microcode
 * is loaded, so it reads 0; writes (0, before CPUID) are accepted. */
#define MSR_BIOS_SIGN_ID 0x8b
#define EFER_NXE (1u << 11)
/* P6 performance monitoring (SDM vol. 3 appendix, P6 family): two event
 * selectors and two 40-bit counters; EN in PerfEvtSel0 enables both. */
#define MSR_PERFCTR0 0xc1
#define MSR_PERFCTR1 0xc2
#define MSR_PERFEVTSEL0 0x186
#define MSR_PERFEVTSEL1 0x187
#define PERFEVTSEL_USR (1u << 16)
#define PERFEVTSEL_OS (1u << 17)
#define PERFEVTSEL_INT (1u << 20)
#define PERFCTR_MASK 0xffffffffffull
#define EVENT_INST_RETIRED 0xc0
#define EVENT_CPU_CLK_UNHALTED 0x79

void pmc_sync(struct cpu *c)
{
    const uint64_t now = insns_now(c);
    for (int n = 0; n < 2; n++)
        if (c->pmc_counting & (1u << n))
            c->perfctr[n] = (c->perfctr[n] + now - c->pmc_since) & PERFCTR_MASK;
    c->pmc_since = now;
    c->pmc_counting = 0;
    if (!pmc_on(c))
        return;
    const uint64_t ring = c->cpl == 0 ? PERFEVTSEL_OS : PERFEVTSEL_USR;
    for (int n = 0; n < 2; n++) {
        const unsigned ev = c->perfevtsel[n] & 0xff;
        if ((ev == EVENT_INST_RETIRED || ev == EVENT_CPU_CLK_UNHALTED) &&
            (c->perfevtsel[n] & ring))
            c->pmc_counting |= (uint8_t)(1u << n);
    }
}

/* RDPMC: counter ECX (0 or 1) in EDX:EAX.  Outside CPL 0 only with
 * CR4.PCE; any other ECX is #GP(0). */
HANDLER(exec_rdpmc)
{
    (void)i;
    uint32_t n = (uint32_t)c->s.gpr[R_ECX];
    if ((c->cpl != 0 && !(c->s.cr4 & CR4_PCE)) || n > 1)
        cpu_fault(c, EXC_GP, 0);
    pmc_sync(c);
    c->s.gpr[R_EAX] = (uint32_t)c->perfctr[n];
    c->s.gpr[R_EDX] = (uint32_t)(c->perfctr[n] >> 32);
}

static void perfevtsel_write(struct cpu *c, unsigned n, uint64_t v)
{
    pmc_sync(c);
    c->perfevtsel[n] = v;
    pmc_sync(c);
    if (!pmc_on(c) || c->pmc_logged ||
        !log_enabled(c->log, LOG_UNIMP))
        return;
    for (int k = 0; k < 2; k++) {
        const unsigned ev = c->perfevtsel[k] & 0xff;
        if ((ev != EVENT_INST_RETIRED && ev != EVENT_CPU_CLK_UNHALTED) ||
            (c->perfevtsel[k] & PERFEVTSEL_INT)) {
            c->pmc_logged = true;
            log_printf(c->log, "performance counter %d: event 0x%02x%s: only "
                       "0xc0 and 0x79 count, no overflow interrupt\n", k, ev,
                       (c->perfevtsel[k] & PERFEVTSEL_INT) ? " with INT" : "");
            return;
        }
    }
}

/* Only the MSRs of the advertised model exist; others #GP, as hardware. */
HANDLER(exec_rdmsr)
{
    (void)i;
    need_cpl0(c);
    uint32_t msr = (uint32_t)c->s.gpr[R_ECX];
    uint64_t v;
    switch (msr) {
    case MSR_TSC: v = tsc_now(c); break;
    case MSR_BIOS_SIGN_ID: v = 0; break;
    case MSR_SYSENTER_CS: v = c->s.sysenter_cs; break;
    case MSR_SYSENTER_ESP: v = c->s.sysenter_esp; break;
    case MSR_SYSENTER_EIP: v = c->s.sysenter_eip; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1:
        pmc_sync(c);
        v = c->perfctr[msr - MSR_PERFCTR0];
        break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1:
        v = c->perfevtsel[msr - MSR_PERFEVTSEL0];
        break;
    case MSR_EFER:
        if (!(c->model->ext1_edx & CPUID_EXT_NX))
            goto bad;
        v = c->s.efer;
        break;
    default:
    bad:
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
    case MSR_BIOS_SIGN_ID: break;
    case MSR_SYSENTER_CS: c->s.sysenter_cs = v & 0xffff; break;
    case MSR_SYSENTER_ESP: c->s.sysenter_esp = v; break;
    case MSR_SYSENTER_EIP: c->s.sysenter_eip = v; break;
    case MSR_PERFCTR0: case MSR_PERFCTR1:
        /* the low 32 bits, sign-extended to the counter's 40 */
        pmc_sync(c);
        c->perfctr[msr - MSR_PERFCTR0] = (uint64_t)(int64_t)(int32_t)v & PERFCTR_MASK;
        break;
    case MSR_PERFEVTSEL0: case MSR_PERFEVTSEL1:
        if (v >> 32)
            goto bad;   /* reserved */
        perfevtsel_write(c, msr - MSR_PERFEVTSEL0, v);
        break;
    case MSR_EFER:
        /* only NXE exists without long mode and SYSCALL */
        if (!(c->model->ext1_edx & CPUID_EXT_NX) || (v & ~(uint64_t)EFER_NXE))
            goto bad;
        if ((c->s.efer ^ v) & EFER_NXE)
            tlb_flush(c);
        c->s.efer = v;
        break;
    default:
    bad:
        if (log_enabled(c->log, LOG_UNIMP))
            log_printf(c->log, "wrmsr 0x%x: no such MSR (#GP)\n", msr);
        cpu_fault(c, EXC_GP, 0);
    }
}

/* CR0 bits that exist; the others are reserved, read as 0 and ignore
 * writes (as KVM and the hardware do). */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
                     CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

static void set_cr0(struct cpu *c, uint32_t v)
{
    v = (v | CR0_ET) & CR0_DEFINED;
    if ((v & CR0_PG) && !(v & CR0_PE))
        cpu_fault(c, EXC_GP, 0);
    if ((v & CR0_NW) && !(v & CR0_CD))
        cpu_fault(c, EXC_GP, 0);
    uint32_t old = (uint32_t)c->s.cr0;
    /* turning on PAE paging loads the PDPTEs, or #GP with nothing changed */
    if ((v & CR0_PG) && !(old & CR0_PG) && (c->s.cr4 & CR4_PAE) &&
        !mmu_load_pdptes(c, (uint32_t)c->s.cr3, true))
        cpu_fault(c, EXC_GP, 0);
    c->s.cr0 = v;
    if ((old ^ v) & (CR0_PE | CR0_PG | CR0_WP)) {
        for (int s = 0; s < 6; s++)
            seg_update_ranges(c, s);
        tlb_flush(c);
        cpu_end_block(c);
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
        tlb_invlpg(c, (uint32_t)c->s.seg[i->seg].base + ea);
        break;
    }
}

/* CR4 bits the CPU model has (the rest are reserved: #GP). */
static uint32_t cr4_valid(const struct cpu *c)
{
    uint32_t f = c->model->leaf1_edx, m = 0;
    if (f & CPUID_VME) m |= CR4_VME | CR4_PVI;
    if (f & CPUID_TSC) m |= CR4_TSD;
    if (f & CPUID_DE) m |= CR4_DE;
    if (f & CPUID_PSE) m |= CR4_PSE;
    if (f & CPUID_PAE) m |= CR4_PAE;
    if (f & CPUID_PGE) m |= CR4_PGE;
    if ((c->model->signature >> 8 & 0xf) >= 6) m |= CR4_PCE;   /* P6: RDPMC */
    if (f & CPUID_FXSR) m |= CR4_OSFXSR;
    if (f & CPUID_SSE) m |= CR4_OSXMMEXCPT;
    return m;
}

static void set_cr4(struct cpu *c, uint32_t v)
{
    if (v & ~cr4_valid(c))
        cpu_fault(c, EXC_GP, 0);
    uint32_t old = (uint32_t)c->s.cr4;
    /* a change that leaves PAE paging on reloads the PDPTEs */
    if ((c->s.cr0 & CR0_PG) && (v & CR4_PAE) &&
        ((old ^ v) & (CR4_PAE | CR4_PGE | CR4_PSE)) &&
        !mmu_load_pdptes(c, (uint32_t)c->s.cr3, true))
        cpu_fault(c, EXC_GP, 0);
    c->s.cr4 = v;
    if ((old ^ v) & (CR4_PAE | CR4_PGE | CR4_PSE))
        tlb_flush(c);
    if ((old ^ v) & CR4_DE)
        dbg_update(c);
    cpu_end_block(c);
}

/* 0F 20/22: MOV r32, CRn / MOV CRn, r32 (opc2 bit 0: to CR). */
HANDLER(exec_mov_cr)
{
    unsigned cr = i->reg;   /* raw reg field */
    bool to_cr = i->opc2 & 1;
    if (cr == 1 || cr > 4)
        cpu_fault(c, EXC_UD, NO_ERR);
    need_cpl0(c);           /* CPL 3 in virtual-8086 mode */
    if (!to_cr) {
        uint64_t v = cr == 0 ? c->s.cr0 : cr == 2 ? c->s.cr2 : cr == 3 ? c->s.cr3 : c->s.cr4;
        c->s.gpr[i->rm] = (uint32_t)v;
        return;
    }
    uint32_t v = (uint32_t)c->s.gpr[i->rm];
    switch (cr) {
    case 0: set_cr0(c, v); break;
    case 2: c->s.cr2 = v; break;
    case 3:
        if ((c->s.cr0 & CR0_PG) && (c->s.cr4 & CR4_PAE) &&
            !mmu_load_pdptes(c, v, true))
            cpu_fault(c, EXC_GP, 0);
        c->s.cr3 = v;
        if (c->s.cr0 & CR0_PG)
            tlb_flush_nonglobal(c);
        break;
    case 4: set_cr4(c, v); break;
    }
}

/* 0F 21/23: debug registers (DR4/DR5 alias DR6/DR7 unless CR4.DE). */
HANDLER(exec_mov_dr)
{
    need_cpl0(c);
    if (c->s.dr[7] & 0x2000)
        dbg_fault(c, DR6_BD);   /* general detect: a fault before the move */
    unsigned dr = i->reg;
    if (dr == 4 || dr == 5) {
        if (c->s.cr4 & CR4_DE)
            cpu_fault(c, EXC_UD, NO_ERR);
        dr += 2;
    }
    if (!(i->opc2 & 1)) {
        c->s.gpr[i->rm] = (uint32_t)c->s.dr[dr];
        return;
    }
    uint32_t v = (uint32_t)c->s.gpr[i->rm];
    if (dr == 6) {
        c->s.dr[6] = (v & 0xe00fu) | 0xffff0ff0u;   /* fixed bits read as such */
    } else if (dr == 7) {
        c->s.dr[7] = (v & 0xffff23ffu) | 0x400u;
        dbg_update(c);
    } else {
        c->s.dr[dr] = v;
        dbg_update(c);
    }
    cpu_end_block(c);   /* breakpoints may now apply to this block */
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

/* A selector's descriptor as LAR/LSL/VERR/VERW see it: false (ZF=0) if
 * null, beyond its table or not visible at CPL/RPL (conforming code is
 * visible at any level).  types: bitmask of the system types accepted. */
static bool desc_visible(struct cpu *c, uint16_t sel, uint32_t types,
                         struct desc *d)
{
    uint32_t addr;
    if ((sel & ~3u) == 0 || !desc_read(c, sel, d, &addr))
        return false;
    unsigned type = (d->hi >> 8) & 0xf, dpl = (d->hi >> 13) & 3;
    bool s = d->hi & 0x1000;
    if (!s && !(types & (1u << type)))
        return false;
    if (s && (type & 0xc) == 0xc)
        return true;
    return dpl >= c->cpl && dpl >= (sel & 3u);
}

static uint16_t sel_operand(struct cpu *c, const struct insn *i)
{
    return (uint16_t)(i->mod == 3 ? get_reg(c, i->rm, 2)
                                  : mem_read(c, i->seg, insn_ea(c, i), 2));
}

static void set_zf(struct cpu *c, bool z)
{
    cpu_set_eflags(c, z ? F_ZF : 0, F_ZF);
}

/* LAR: TSSs, LDT, call and task gates (not interrupt/trap gates).  Bits
 * 19:16 (the limit's top) are copied as AMD documents and Intel parts and
 * Bochs do; the SDM leaves them undefined. */
HANDLER(exec_lar)
{
    if (!pmode(c))
        cpu_fault(c, EXC_UD, NO_ERR);
    struct desc d;
    bool ok = desc_visible(c, sel_operand(c, i), 0x1a3e, &d);
    if (ok)
        set_reg(c, i->reg, d.hi & (i->osize == 4 ? 0x00ffff00u : 0xff00u), i->osize);
    set_zf(c, ok);
}

/* LSL: the byte-granular limit; TSSs and the LDT only among system types. */
HANDLER(exec_lsl)
{
    if (!pmode(c))
        cpu_fault(c, EXC_UD, NO_ERR);
    struct desc d;
    bool ok = desc_visible(c, sel_operand(c, i), 0x0a0e, &d);
    if (ok) {
        uint32_t limit = (d.lo & 0xffff) | (d.hi & 0xf0000);
        if (d.hi & 0x800000)
            limit = (limit << 12) | 0xfff;
        set_reg(c, i->reg, limit, i->osize);
    }
    set_zf(c, ok);
}

/* VERR/VERW: readable (data, readable code) / writable (data) segment. */
static void verr_verw(struct cpu *c, const struct insn *i, bool w)
{
    struct desc d;
    bool ok = desc_visible(c, sel_operand(c, i), 0, &d) && (d.hi & 0x1000);
    if (ok) {
        unsigned type = (d.hi >> 8) & 0xf;
        ok = w ? !(type & 8) && (type & 2) : !(type & 8) || (type & 2);
    }
    set_zf(c, ok);
}

/* 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW. */
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
    if (op == 4 || op == 5) {
        verr_verw(c, i, op == 5);
        return;
    }
    if (op != 2 && op != 3)
        exec_invalid(c, i);
    need_cpl0(c);
    uint16_t sel = sel_operand(c, i);
    struct x86_seg *dst = op == 2 ? &c->s.ldt : &c->s.tr;
    if ((sel & ~3u) == 0) {
        if (op == 3)
            cpu_fault(c, EXC_GP, 0);
        dst->sel = sel;
        dst->unusable = 1;
        dst->present = 0;
        return;
    }
    if ((sel & 4) || (uint32_t)(sel & ~7u) + 7 > c->s.gdt.limit)
        cpu_fault(c, EXC_GP, sel & ~3u);
    uint32_t addr = (uint32_t)c->s.gdt.base + (sel & ~7u);
    uint32_t lo = sys_read(c, addr, 4), hi = sys_read(c, addr + 4, 4);
    unsigned type = (hi >> 8) & 0x1f;
    bool ok = op == 2 ? type == 0x02 : (type == 0x01 || type == 0x09);
    if (!ok)
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!(hi & 0x8000))
        cpu_fault(c, EXC_NP, sel & ~3u);
    if (op == 3) {   /* mark the TSS busy */
        hi |= 0x200;
        sys_write(c, addr + 4, hi, 4);
    }
    dst->sel = sel;
    dst->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
    dst->g = (hi >> 23) & 1;
    dst->limit = dst->g ? (limit << 12) | 0xfff : limit;
    dst->type = (hi >> 8) & 0xf;
    dst->s = 0;
    dst->dpl = (hi >> 13) & 3;
    dst->present = 1;
    dst->unusable = 0;
}

/* A flat 4 GiB segment at privilege dpl, as SYSENTER/SYSEXIT load them. */
static void flat_seg(struct cpu *c, int seg, uint16_t sel, unsigned dpl)
{
    struct x86_seg s = {
        .base = 0, .limit = 0xffffffffu, .sel = sel,
        .type = seg == S_CS ? 0xb : 0x3, .s = 1, .dpl = (uint8_t)dpl,
        .present = 1, .db = 1, .g = 1,
    };
    seg_set(c, seg, &s);
}

HANDLER(exec_sysenter)
{
    (void)i;
    uint16_t cs = (uint16_t)c->s.sysenter_cs;
    if (!(c->s.cr0 & CR0_PE) || (cs & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    cpu_load_eflags(c, 0, F_VM | F_IF | F_RF);
    cpu_set_cpl(c, 0);
    flat_seg(c, S_CS, cs & ~3u, 0);
    flat_seg(c, S_SS, (uint16_t)((cs & ~3u) + 8), 0);
    c->s.gpr[R_ESP] = (uint32_t)c->s.sysenter_esp;
    cpu_set_next_eip(c, (uint32_t)c->s.sysenter_eip);
    cpu_end_block(c);
}

HANDLER(exec_sysexit)
{
    (void)i;
    uint16_t cs = (uint16_t)c->s.sysenter_cs;
    if (!pmode(c) || c->cpl != 0 || (cs & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    cpu_set_cpl(c, 3);
    flat_seg(c, S_CS, (uint16_t)((cs & ~3u) + 16) | 3, 3);
    flat_seg(c, S_SS, (uint16_t)((cs & ~3u) + 24) | 3, 3);
    c->s.gpr[R_ESP] = (uint32_t)c->s.gpr[R_ECX];
    cpu_set_next_eip(c, (uint32_t)c->s.gpr[R_EDX]);
    cpu_end_block(c);
}
