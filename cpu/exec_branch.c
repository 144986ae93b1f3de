/* Control transfers: Jcc, JMP/CALL/RET near and far, LOOP/JCXZ, INT n,
 * INT3, INTO, IRET, BOUND. */
#include "cpu/exec.h"

/* A near jump: the target is truncated by the operand size, not the code
 * size (SDM JMP/Jcc/LOOP: 66 EB in 32-bit code wraps to 16 bits; 66 E9
 * in 16-bit code may reach past 64K and so #GP at the usual limit).
 * Conditional jumps do not end their block (the decoder goes on along the
 * fall-through path): taken, they leave it here. */
static inline void jump_near(struct cpu *c, uint32_t target, unsigned osize)
{
    target &= 0xffffffffu >> (32 - 8 * osize);
    if (unlikely(target > c->s.seg[S_CS].limit))
        cpu_fault(c, EXC_GP, 0);
    cpu_set_next_eip(c, target);
    cpu_end_block(c);
}

/* One Jcc handler per condition, the condition inlined. */
#define JCC_FORM(cc)                                                         \
    static void exec_jcc##cc(struct cpu *c, const struct insn *i)            \
    {                                                                        \
        if (cpu_cond_inline(c, cc))                                          \
            jump_near(c, insn_next_eip(c, i) + i->imm, i->osize);            \
    }
JCC_FORM(0) JCC_FORM(1) JCC_FORM(2) JCC_FORM(3) JCC_FORM(4) JCC_FORM(5)
JCC_FORM(6) JCC_FORM(7) JCC_FORM(8) JCC_FORM(9) JCC_FORM(10) JCC_FORM(11)
JCC_FORM(12) JCC_FORM(13) JCC_FORM(14) JCC_FORM(15)

/* A taken Jcc's twin: on into the target block where block_chain_next
 * can, else the target for the run loop. */
static inline void jcc_taken(struct cpu *c, const struct insn *i)
{
    uint32_t t = insn_next_eip(c, i) + i->imm;
    if (i->osize == 2)
        t &= 0xffff;
    if (unlikely(t > c->s.seg[S_CS].limit))
        cpu_fault(c, EXC_GP, 0);
    const struct insn *n = block_chain_next(c, i, t);
    if (n) {
        n->fast(c, n);
        return;
    }
    cpu_set_next_eip(c, t);
    cpu_end_block(c);
}

/* Threaded twins (see thread_next in interp.h): a Jcc not taken goes on
 * with the next instruction, a taken one leaves the block (for the next
 * one directly where block_chain can).  A condition cpu_cond_fast does not
 * take goes to the plain handler by a tail call, so the common path needs
 * no stack frame. */
#define JCC_TWIN(cc)                                                         \
    static __attribute__((noinline)) void exec_jcc##cc##_slow(               \
        struct cpu *c, const struct insn *i)                                 \
    {                                                                        \
        exec_jcc##cc(c, i);                                                  \
        if (c->jumped)                                                       \
            block_chain(c, i, c->next_eip);                                  \
        else                                                                 \
            thread_next(c, i);                                               \
    }                                                                        \
    static void exec_jcc##cc##_thr(struct cpu *c, const struct insn *i)     \
    {                                                                        \
        const int taken = cpu_cond_fast(c, cc);                              \
        if (unlikely(taken < 0)) {                                           \
            exec_jcc##cc##_slow(c, i);                                       \
            return;                                                          \
        }                                                                    \
        if (taken) {                                                         \
            jcc_taken(c, i);                                                 \
            return;                                                          \
        }                                                                    \
        thread_next(c, i);                                                   \
    }
JCC_TWIN(0) JCC_TWIN(1) JCC_TWIN(2) JCC_TWIN(3) JCC_TWIN(4) JCC_TWIN(5)
JCC_TWIN(6) JCC_TWIN(7) JCC_TWIN(8) JCC_TWIN(9) JCC_TWIN(10) JCC_TWIN(11)
JCC_TWIN(12) JCC_TWIN(13) JCC_TWIN(14) JCC_TWIN(15)

const insn_fn jcc_handlers[16] = {
    exec_jcc0, exec_jcc1, exec_jcc2, exec_jcc3, exec_jcc4, exec_jcc5,
    exec_jcc6, exec_jcc7, exec_jcc8, exec_jcc9, exec_jcc10, exec_jcc11,
    exec_jcc12, exec_jcc13, exec_jcc14, exec_jcc15,
};

HANDLER(exec_jmp_rel)
{
    jump_near(c, insn_next_eip(c, i) + i->imm, i->osize);
}

HANDLER(exec_call_rel)
{
    uint32_t target = (cpu_next_eip(c) + i->imm) & (i->osize == 2 ? 0xffff : 0xffffffffu);
    if (target > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    cpu_push(c, cpu_next_eip(c), i->osize);
    cpu_set_next_eip(c, target);
}

static uint32_t near_target(struct cpu *c, const struct insn *i)
{
    uint32_t t = get_E(c, i);
    return i->osize == 2 ? t & 0xffff : t;
}

HANDLER(exec_jmp_E)
{
    jump_near(c, near_target(c, i), i->osize);
}

HANDLER(exec_call_E)
{
    uint32_t t = near_target(c, i);
    if (t > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    cpu_push(c, cpu_next_eip(c), i->osize);
    cpu_set_next_eip(c, t);
}

/* RET / RET imm16 */
HANDLER(exec_ret)
{
    uint32_t t = cpu_stack_peek(c, 0, i->osize);
    if (i->osize == 2)
        t &= 0xffff;
    if (t > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    cpu_set_sp(c, (uint32_t)c->s.gpr[R_ESP] + i->osize + i->imm);
    cpu_set_next_eip(c, t);
}

HANDLER(exec_jmp_far)
{
    cpu_far_jump(c, (uint16_t)i->imm2, i->imm, i->osize, false);
}

HANDLER(exec_call_far)
{
    cpu_far_jump(c, (uint16_t)i->imm2, i->imm, i->osize, true);
}

static void far_ptr(struct cpu *c, const struct insn *i, uint16_t *sel,
                    uint32_t *off)
{
    if (i->mod == 3)
        cpu_fault(c, EXC_UD, NO_ERR);
    uint32_t ea = insn_ea(c, i);
    *off = mem_read(c, i->seg, ea, i->osize);
    uint32_t ea2 = ea + i->osize;
    if (i->asize == 2)
        ea2 &= 0xffff;
    *sel = (uint16_t)mem_read(c, i->seg, ea2, 2);
}

HANDLER(exec_jmp_far_E)
{
    uint16_t sel;
    uint32_t off;
    far_ptr(c, i, &sel, &off);
    cpu_far_jump(c, sel, off, i->osize, false);
}

HANDLER(exec_call_far_E)
{
    uint16_t sel;
    uint32_t off;
    far_ptr(c, i, &sel, &off);
    cpu_far_jump(c, sel, off, i->osize, true);
}

HANDLER(exec_retf)
{
    cpu_far_return(c, i->osize, (uint16_t)i->imm, false);
}

HANDLER(exec_iret)
{
    cpu_far_return(c, i->osize, 0, true);
}

/* LOOP/LOOPE/LOOPNE: opc2 0 LOOPNE, 1 LOOPE, 2 LOOP.  The counter is CX or
 * ECX by address size. */
HANDLER(exec_loop)
{
    uint32_t cx = i->asize == 2 ? (uint16_t)(c->s.gpr[R_ECX] - 1)
                                : (uint32_t)c->s.gpr[R_ECX] - 1;
    set_reg(c, R_ECX, cx, i->asize);
    bool take = cx != 0;
    if (i->opc2 == 0)
        take = take && !cpu_cond(c, 4);
    else if (i->opc2 == 1)
        take = take && cpu_cond(c, 4);
    if (take)
        jump_near(c, insn_next_eip(c, i) + i->imm, i->osize);
}

HANDLER(exec_jcxz)
{
    if (get_reg(c, R_ECX, i->asize) == 0)
        jump_near(c, insn_next_eip(c, i) + i->imm, i->osize);
}

static void soft_int(struct cpu *c, int vec)
{
    /* virtual-8086 mode: VME redirection, else #GP unless IOPL is 3 */
    if ((c->s.rflags & F_VM) && v86_soft_int(c, vec))
        return;
    c->fault_depth = 1;
    c->exc_first = -1;
    cpu_deliver(c, vec, NO_ERR, true, cpu_next_eip(c));
    c->fault_depth = 0;
}

HANDLER(exec_int)
{
    soft_int(c, (int)i->imm);
}

HANDLER(exec_int3)
{
    (void)i;
    c->fault_depth = 1;
    c->exc_first = -1;
    cpu_deliver(c, EXC_BP, NO_ERR, true, cpu_next_eip(c));
    c->fault_depth = 0;
}

HANDLER(exec_into)
{
    (void)i;
    if (cpu_cond(c, 0)) {
        c->fault_depth = 1;
        c->exc_first = -1;
        cpu_deliver(c, EXC_OF, NO_ERR, true, cpu_next_eip(c));
        c->fault_depth = 0;
    }
}

HANDLER(exec_bound)
{
    if (i->mod == 3)
        cpu_fault(c, EXC_UD, NO_ERR);
    unsigned sz = i->osize;
    uint32_t ea = insn_ea(c, i);
    int32_t lo, hi, v;
    uint32_t ea2 = ea + sz;
    if (i->asize == 2)
        ea2 &= 0xffff;
    if (sz == 2) {
        lo = (int16_t)mem_read(c, i->seg, ea, 2);
        hi = (int16_t)mem_read(c, i->seg, ea2, 2);
        v = (int16_t)get_reg(c, i->reg, 2);
    } else {
        lo = (int32_t)mem_read(c, i->seg, ea, 4);
        hi = (int32_t)mem_read(c, i->seg, ea2, 4);
        v = (int32_t)get_reg(c, i->reg, 4);
    }
    if (v < lo || v > hi)
        cpu_fault(c, EXC_BR, NO_ERR);
}

/* Near jumps, calls and returns at the end of a block go on into the
 * target block where they can (block_chain). */
#define TWIN_JUMP(fn)                                                        \
    static void fn##_thr(struct cpu *c, const struct insn *i)                \
    {                                                                        \
        fn(c, i);                                                            \
        if (c->jumped)                                                       \
            block_chain(c, i, c->next_eip);                                  \
    }
TWIN_JUMP(exec_jmp_rel) TWIN_JUMP(exec_call_rel) TWIN_JUMP(exec_ret)
TWIN_JUMP(exec_jmp_E) TWIN_JUMP(exec_call_E)

const struct insn_twin branch_twins[] = {
    TWIN_ENTRY(exec_jcc0), TWIN_ENTRY(exec_jcc1), TWIN_ENTRY(exec_jcc2),
    TWIN_ENTRY(exec_jcc3), TWIN_ENTRY(exec_jcc4), TWIN_ENTRY(exec_jcc5),
    TWIN_ENTRY(exec_jcc6), TWIN_ENTRY(exec_jcc7), TWIN_ENTRY(exec_jcc8),
    TWIN_ENTRY(exec_jcc9), TWIN_ENTRY(exec_jcc10), TWIN_ENTRY(exec_jcc11),
    TWIN_ENTRY(exec_jcc12), TWIN_ENTRY(exec_jcc13), TWIN_ENTRY(exec_jcc14),
    TWIN_ENTRY(exec_jcc15), TWIN_ENTRY(exec_jmp_rel), TWIN_ENTRY(exec_call_rel),
    TWIN_ENTRY(exec_ret), TWIN_ENTRY(exec_jmp_E), TWIN_ENTRY(exec_call_E),
    { NULL, NULL },
};
