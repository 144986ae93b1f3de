/* Data movement: MOV in its forms, segment-register moves, MOVZX/MOVSX,
 * LEA, XCHG, XLAT, LAHF/SAHF, the flag instructions, PUSH/POP and their
 * relatives, ENTER/LEAVE, and the far-pointer loads (LDS, LES, ...). */
#include "cpu/exec.h"

#define MOV_FORMS(sz)                                                        \
    static void mov_rr##sz(struct cpu *c, const struct insn *i)              \
    {                                                                        \
        set_reg(c, i->rm, get_reg(c, i->reg, sz), sz);                       \
    }                                                                        \
    static void mov_mr##sz(struct cpu *c, const struct insn *i)              \
    {                                                                        \
        mem_write(c, i->seg, insn_ea(c, i), get_reg(c, i->reg, sz), sz);     \
    }                                                                        \
    static void mov_rm##sz(struct cpu *c, const struct insn *i)              \
    {                                                                        \
        set_reg(c, i->reg, mem_read(c, i->seg, insn_ea(c, i), sz), sz);      \
    }                                                                        \
    static void mov_ri##sz(struct cpu *c, const struct insn *i)              \
    {                                                                        \
        set_reg(c, i->rm, i->imm, sz);                                       \
    }                                                                        \
    static void mov_mi##sz(struct cpu *c, const struct insn *i)              \
    {                                                                        \
        mem_write(c, i->seg, insn_ea(c, i), i->imm, sz);                     \
    }
MOV_FORMS(1) MOV_FORMS(2) MOV_FORMS(4)
const insn_fn mov_handlers[NR_FORMS][3] = {
    { mov_rr1, mov_rr2, mov_rr4 }, { mov_mr1, mov_mr2, mov_mr4 },
    { mov_rm1, mov_rm2, mov_rm4 }, { mov_ri1, mov_ri2, mov_ri4 },
    { mov_mi1, mov_mi2, mov_mi4 },
};

/* A0-A3: the offset is the displacement, no ModRM. */
HANDLER(exec_mov_moffs_load)
{
    set_reg(c, R_EAX, mem_read(c, i->seg, i->disp, i->osize), i->osize);
}

HANDLER(exec_mov_moffs_store)
{
    mem_write(c, i->seg, i->disp, get_reg(c, R_EAX, i->osize), i->osize);
}

/* 8C: MOV Ev, Sreg (a register destination takes the zero-extended
 * selector with a 32-bit operand size; memory is always 16 bits). */
HANDLER(exec_mov_sreg_store)
{
    uint16_t sel = c->s.seg[i->opc2].sel;
    if (i->mod == 3)
        set_reg(c, i->rm, sel, i->osize);
    else
        mem_write(c, i->seg, insn_ea(c, i), sel, 2);
}

HANDLER(exec_mov_sreg_load)
{
    uint16_t sel = (uint16_t)(i->mod == 3 ? get_reg(c, i->rm, 2)
                                          : mem_read(c, i->seg, insn_ea(c, i), 2));
    load_seg(c, i->opc2, sel);
    if (i->opc2 == S_SS) {
        c->shadow = 2;          /* no interrupt or #DB trap before the next */
        cpu_end_block(c);   /* instruction has run */
    }
}

/* opc2 holds the source size (1 or 2); rm is encoded for that size. */
static uint32_t ext_src(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return get_reg(c, i->rm, i->opc2);
    return mem_read(c, i->seg, insn_ea(c, i), i->opc2);
}

HANDLER(exec_movzx)
{
    set_reg(c, i->reg, ext_src(c, i), i->osize);
}

HANDLER(exec_movsx)
{
    uint32_t v = ext_src(c, i);
    v = i->opc2 == 1 ? (uint32_t)(int8_t)v : (uint32_t)(int16_t)v;
    set_reg(c, i->reg, v, i->osize);
}

HANDLER(exec_lea)
{
    if (i->mod == 3)
        cpu_fault(c, EXC_UD, NO_ERR);
    set_reg(c, i->reg, insn_ea(c, i), i->osize);
}

HANDLER(exec_xchg)
{
    unsigned sz = i->osize;
    uint32_t a = get_E(c, i), b = get_reg(c, i->reg, sz);
    set_E(c, i, b);
    set_reg(c, i->reg, a, sz);
}

HANDLER(exec_xlat)
{
    uint32_t off = (uint32_t)c->s.gpr[R_EBX] + get_reg(c, 0, 1);
    if (i->asize == 2)
        off &= 0xffff;
    *reg8p(c, 0) = (uint8_t)mem_read(c, i->seg, off, 1);
}

HANDLER(exec_lahf)
{
    (void)i;
    *reg8p(c, reg8_off(4)) = (uint8_t)cpu_get_eflags(c);   /* AH */
}

HANDLER(exec_sahf)
{
    (void)i;
    cpu_set_eflags(c, *reg8p(c, reg8_off(4)), F_CF | F_PF | F_AF | F_ZF | F_SF);
}

/* opc2: 0 CLC, 1 STC, 2 CMC, 3 CLD, 4 STD */
HANDLER(exec_flagop)
{
    uint32_t f = cpu_get_eflags(c);
    switch (i->opc2) {
    case 0: f &= ~F_CF; break;
    case 1: f |= F_CF; break;
    case 2: f ^= F_CF; break;
    case 3: f &= ~F_DF; break;
    default: f |= F_DF; break;
    }
    cpu_set_eflags(c, f, F_CF | F_DF);
}

HANDLER(exec_nop)
{
    (void)c;
    (void)i;
}

/* ---- stack ---- */

HANDLER(exec_push_reg)
{
    cpu_push(c, get_reg(c, i->rm, i->osize), i->osize);
}

HANDLER(exec_pop_reg)
{
    uint32_t v = cpu_stack_peek(c, 0, i->osize);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + i->osize);
    set_reg(c, i->rm, v, i->osize);   /* POP ESP takes the popped value */
}

HANDLER(exec_push_imm)
{
    cpu_push(c, i->imm, i->osize);
}

HANDLER(exec_push_E)
{
    cpu_push(c, get_E(c, i), i->osize);
}

/* POP Ev: the address is computed with ESP already incremented. */
HANDLER(exec_pop_E)
{
    unsigned sz = i->osize;
    uint32_t v = cpu_stack_peek(c, 0, sz);
    if (i->mod == 3) {
        cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + sz);
        set_reg(c, i->rm, v, sz);
        return;
    }
    uint64_t old = c->s.gpr[R_ESP];
    cpu_set_sp(c, (uint32_t)old + sz);
    uint32_t ea = insn_ea(c, i);
    c->s.gpr[R_ESP] = old;
    mem_write(c, i->seg, ea, v, sz);
    cpu_set_sp(c, (uint32_t)old + sz);
}

/* A segment register push with a 32-bit operand size writes 16 bits and
 * moves ESP by 4, as recent Intel processors do. */
HANDLER(exec_push_sreg)
{
    uint16_t sel = c->s.seg[i->opc2].sel;
    if (i->osize == 4) {
        uint32_t sp = ((uint32_t)c->s.gpr[R_ESP] - 4) & sp_mask(c);
        mem_write(c, S_SS, sp, sel, 2);
        cpu_set_sp(c, sp);
    } else {
        cpu_push(c, sel, 2);
    }
}

HANDLER(exec_pop_sreg)
{
    uint16_t sel = (uint16_t)cpu_stack_peek(c, 0, 2);
    load_seg(c, i->opc2, sel);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + i->osize);
    if (i->opc2 == S_SS) {
        c->shadow = 2;
        cpu_end_block(c);
    }
}

HANDLER(exec_pusha)
{
    unsigned sz = i->osize;
    cpu_stack_probe(c, 8, sz);
    uint32_t old = get_reg(c, R_ESP, sz);
    for (int r = R_EAX; r <= R_EDI; r++)
        cpu_push(c, r == R_ESP ? old : get_reg(c, (unsigned)r, sz), sz);
}

HANDLER(exec_popa)
{
    unsigned sz = i->osize;
    uint32_t v[8];
    for (int k = 0; k < 8; k++)
        v[k] = cpu_stack_peek(c, (unsigned)k * sz, sz);
    for (int r = R_EDI, k = 0; r >= R_EAX; r--, k++)
        if (r != R_ESP)
            set_reg(c, (unsigned)r, v[k], sz);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + 8 * sz);
}

HANDLER(exec_pushf)
{
    if ((c->s.rflags & F_VM) && ((c->s.rflags >> 12) & 3) < 3) {
        v86_pushf(c, i->osize);   /* VME, or #GP */
        return;
    }
    cpu_push(c, cpu_get_eflags(c) & ~(F_VM | F_RF), i->osize);
}

HANDLER(exec_popf)
{
    unsigned sz = i->osize;
    unsigned iopl = (c->s.rflags >> 12) & 3;
    if ((c->s.rflags & F_VM) && iopl < 3) {
        v86_popf(c, sz);          /* VME, or #GP */
        cpu_end_block(c);
        return;
    }
    uint32_t v = cpu_pop(c, sz);
    uint32_t mask = F_ARITH | F_TF | F_DF | F_NT;
    if (sz == 4)
        mask |= F_AC | F_ID;
    if (c->cpl == 0 && !(c->s.rflags & F_VM))
        mask |= F_IOPL;
    if (c->cpl <= iopl)
        mask |= F_IF;
    cpu_set_eflags(c, v, mask);
    cpu_end_block(c);   /* IF or TF may now allow an event */
}

HANDLER(exec_enter)
{
    unsigned sz = i->osize;
    unsigned level = i->imm2 & 31;
    uint32_t frame = (uint32_t)c->s.gpr[R_ESP] - sz;
    uint32_t m = sp_mask(c);
    uint32_t bp = get_reg(c, R_EBP, c->s.seg[S_SS].db ? 4 : 2);
    mem_probe_write(c, S_SS, frame & m, sz);
    cpu_push(c, get_reg(c, R_EBP, sz), sz);
    for (unsigned k = 1; k < level; k++) {
        bp -= sz;
        cpu_push(c, mem_read(c, S_SS, bp & m, sz), sz);
    }
    if (level)
        cpu_push(c, frame, sz);
    uint32_t nsp = (uint32_t)c->s.gpr[R_ESP] - i->imm;
    mem_probe_write(c, S_SS, nsp & m, 1);
    set_reg(c, R_EBP, frame & m, c->s.seg[S_SS].db ? 4 : sz);
    cpu_set_sp(c, nsp);
}

HANDLER(exec_leave)
{
    unsigned sz = i->osize;
    uint32_t bp = (uint32_t)c->s.gpr[R_EBP] & sp_mask(c);
    uint32_t v = mem_read(c, S_SS, bp, sz);
    cpu_set_sp(c, bp + sz);
    set_reg(c, R_EBP, v, sz);
}

/* LDS/LES/LSS/LFS/LGS: opc2 is the segment. */
HANDLER(exec_lseg)
{
    if (i->mod == 3)
        cpu_fault(c, EXC_UD, NO_ERR);
    uint32_t ea = insn_ea(c, i);
    uint32_t off = mem_read(c, i->seg, ea, i->osize);
    uint32_t ea2 = ea + i->osize;
    if (i->asize == 2)
        ea2 &= 0xffff;
    uint16_t sel = (uint16_t)mem_read(c, i->seg, ea2, 2);
    load_seg(c, i->opc2, sel);
    set_reg(c, i->reg, off, i->osize);
}

/* LEA r32 with a 32-bit address: base + displacement, and base + scaled
 * index + displacement (decode_insn picks them). */
HANDLER(exec_lea_b4)
{
    c->s.gpr[i->reg] = (uint32_t)c->s.gpr[i->base] + i->disp;
}

HANDLER(exec_lea_bi4)
{
    c->s.gpr[i->reg] = (uint32_t)c->s.gpr[i->base] +
                       ((uint32_t)c->s.gpr[i->index] << i->scale) + i->disp;
}

/* MOVZX/MOVSX to a 32-bit register, one handler per source kind and size
 * (decode_insn picks them): constant-size reads, no run-time tests. */
#define EXT_FORMS(name, conv)                                                \
    HANDLER(name##_rb4)                                                      \
    {                                                                        \
        c->s.gpr[i->reg] = (uint32_t)conv(*reg8p(c, i->rm));                 \
    }                                                                        \
    HANDLER(name##_rw4)                                                      \
    {                                                                        \
        c->s.gpr[i->reg] = (uint32_t)conv##16((uint16_t)c->s.gpr[i->rm]);    \
    }                                                                        \
    HANDLER(name##_mb4)                                                      \
    {                                                                        \
        c->s.gpr[i->reg] = (uint32_t)conv((uint8_t)mem_read(c, i->seg, insn_ea(c, i), 1));\
    }                                                                        \
    HANDLER(name##_mw4)                                                      \
    {                                                                        \
        c->s.gpr[i->reg] = (uint32_t)conv##16((uint16_t)mem_read(c, i->seg, insn_ea(c, i), 2));\
    }
#define ZX(v) (uint8_t)(v)
#define ZX16(v) (uint16_t)(v)
#define SX(v) (int8_t)(v)
#define SX16(v) (int16_t)(v)
EXT_FORMS(exec_movzx, ZX)
EXT_FORMS(exec_movsx, SX)

/* The end of a block's instructions (insns[n]): a chain of threaded
 * handlers goes on into the next block or returns to the run loop. */
HANDLER(exec_block_end)
{
    c->cur_insn = i - 1;
    block_chain(c, i - 1, c->eip + i[-1].off + i[-1].len);
}

/* Threaded twins of the frequent forms (see thread_next in interp.h). */
TWIN(mov_rr4) TWIN(mov_ri4) TWIN(mov_rr1) TWIN(mov_ri1)
TWIN_MEM(mov_rm4, TLB_READ, {
    uint32_t v;
    memcpy(&v, p, 4);
    c->s.gpr[i->reg] = v;
})
TWIN_MEM(mov_mr4, TLB_WRITE, {
    const uint32_t v = (uint32_t)c->s.gpr[i->reg];
    memcpy(p, &v, 4);
})
TWIN_CHECKED(mov_mi4)
TWIN_CHECKED(mov_rm1) TWIN_CHECKED(mov_mr1) TWIN_CHECKED(mov_mi1)
TWIN(exec_lea_b4) TWIN(exec_lea_bi4) TWIN(exec_nop)
TWIN(exec_movzx_rb4) TWIN(exec_movzx_rw4) TWIN(exec_movsx_rb4)
TWIN(exec_movsx_rw4) TWIN_CHECKED(exec_movzx_mb4) TWIN_CHECKED(exec_movzx_mw4)
TWIN_CHECKED(exec_movsx_mb4) TWIN_CHECKED(exec_movsx_mw4)
TWIN_CHECKED(exec_push_reg) TWIN_CHECKED(exec_pop_reg)
const struct insn_twin data_twins[] = {
    TWIN_ENTRY(mov_rr4), TWIN_ENTRY(mov_ri4), TWIN_ENTRY(mov_rr1),
    TWIN_ENTRY(mov_ri1), TWIN_ENTRY(mov_rm4), TWIN_ENTRY(mov_mr4),
    TWIN_ENTRY(mov_mi4), TWIN_ENTRY(mov_rm1), TWIN_ENTRY(mov_mr1),
    TWIN_ENTRY(mov_mi1), TWIN_ENTRY(exec_lea_b4), TWIN_ENTRY(exec_lea_bi4),
    TWIN_ENTRY(exec_nop), TWIN_ENTRY(exec_movzx_rb4),
    TWIN_ENTRY(exec_movzx_rw4), TWIN_ENTRY(exec_movsx_rb4),
    TWIN_ENTRY(exec_movsx_rw4), TWIN_ENTRY(exec_movzx_mb4),
    TWIN_ENTRY(exec_movzx_mw4), TWIN_ENTRY(exec_movsx_mb4),
    TWIN_ENTRY(exec_movsx_mw4), TWIN_ENTRY(exec_push_reg),
    TWIN_ENTRY(exec_pop_reg),
    { NULL, NULL },
};
