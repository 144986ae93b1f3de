/* x87 arithmetic and comparison: FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR in their
 * register, pop and memory (real and integer) forms; FCOM/FCOMP/FCOMPP,
 * FUCOM(P)(P), FICOM(P), FCOMI(P)/FUCOMI(P), FTST, FXAM; FCMOVcc.  Each
 * form is its own handler: the operation is a compile-time constant of an
 * inlined body. */
#include "cpu/fpu_priv.h"

enum { OP_ADD, OP_MUL, OP_SUB, OP_SUBR, OP_DIV, OP_DIVR };
enum { M_F32, M_F64, M_I16, M_I32 };

static inline __attribute__((always_inline)) f80
arith(struct f80_env *e, int op, f80 a, f80 b)
{
    switch (op) {
    case OP_ADD: return f80_add(e, a, b);
    case OP_MUL: return f80_mul(e, a, b);
    case OP_SUB: return f80_sub(e, a, b);
    case OP_SUBR: return f80_sub(e, b, a);
    case OP_DIV: return f80_div(e, a, b);
    default: return f80_div(e, b, a);
    }
}

/* ST(0) op ST(i) into ST(0) or ST(i) (then popped for the P forms). */
static inline __attribute__((always_inline)) void
arith_reg(struct cpu *c, const struct insn *i, int op, bool to_sti, bool pop)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    unsigned k = i->rm, dst = to_sti ? k : 0;
    if (unlikely(fpu_empty(f, 0) || fpu_empty(f, k))) {
        fpu_underflow(c, (int)dst, pop);
        return;
    }
    struct f80_env e = f80_env_of(f->fcw);
    f80 r = arith(&e, op, fpu_get(f, 0), fpu_get(f, k));
    if (unlikely(e.flags) && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, dst, r);
    if (pop)
        fpu_pop(f);
}

/* The memory operand, converted exactly; *den: a denormal real. */
static inline __attribute__((always_inline)) f80
mem_operand(struct cpu *c, const struct insn *i, int mt, uint32_t ea, bool *den)
{
    *den = false;
    switch (mt) {
    case M_F32: return f80_from_f32(mem_read(c, i->seg, ea, 4), den);
    case M_F64: return f80_from_f64(fpu_read64(c, i->seg, ea), den);
    case M_I16: return f80_from_i64((int16_t)mem_read(c, i->seg, ea, 2));
    default: return f80_from_i64((int32_t)mem_read(c, i->seg, ea, 4));
    }
}

static inline bool is_nan(f80 a)
{
    enum f80_class k = f80_classify(a);
    return k == F80_QNAN || k == F80_SNAN;
}

static inline __attribute__((always_inline)) void
arith_mem(struct cpu *c, const struct insn *i, int op, int mt)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    bool den;
    f80 b = mem_operand(c, i, mt, ea, &den);
    fpu_note_mem(c, i, ea);
    f->fsw &= ~FSW_C1;
    if (unlikely(fpu_empty(f, 0))) {
        fpu_underflow(c, 0, 0);
        return;
    }
    struct f80_env e = f80_env_of(f->fcw);
    f80 a = fpu_get(f, 0);
    if (unlikely(den) && !is_nan(a))    /* a QNaN operand outranks #D */
        e.flags |= FX_DE;
    f80 r = arith(&e, op, a, b);
    if (unlikely(e.flags) && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, 0, r);
}

#define ARITH(name, OP) \
    HANDLER(fpu_##name##_st0) { arith_reg(c, i, OP, false, false); } \
    HANDLER(fpu_##name##_sti) { arith_reg(c, i, OP, true, false); } \
    HANDLER(fpu_##name##_p) { arith_reg(c, i, OP, true, true); } \
    HANDLER(fpu_##name##_m32) { arith_mem(c, i, OP, M_F32); } \
    HANDLER(fpu_##name##_m64) { arith_mem(c, i, OP, M_F64); } \
    HANDLER(fpu_##name##_i16) { arith_mem(c, i, OP, M_I16); } \
    HANDLER(fpu_##name##_i32) { arith_mem(c, i, OP, M_I32); }

ARITH(add, OP_ADD)
ARITH(mul, OP_MUL)
ARITH(sub, OP_SUB)
ARITH(subr, OP_SUBR)
ARITH(div, OP_DIV)
ARITH(divr, OP_DIVR)

/* ---- comparisons ---- */

static void set_cc(struct x86_fpu *f, enum f80_rel r)
{
    static const uint16_t cc[4] = {
        [F80_GT] = 0, [F80_LT] = FSW_C0, [F80_EQ] = FSW_C3,
        [F80_UN] = FSW_C3 | FSW_C2 | FSW_C0,
    };
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc[r]);
}

static void set_eflags(struct cpu *c, enum f80_rel r)
{
    static const uint32_t fl[4] = {
        [F80_GT] = 0, [F80_LT] = F_CF, [F80_EQ] = F_ZF,
        [F80_UN] = F_ZF | F_PF | F_CF,
    };
    cpu_set_eflags(c, fl[r], F_ARITH);
}

/* Compare ST(0) with b (valid unless `empty`), set C3/C2/C0 (or, for
 * FCOMI, ZF/PF/CF), then pop `pops` times; an unmasked #I/#D changes
 * nothing. */
static void compare(struct cpu *c, bool empty, f80 b, bool den, bool quiet,
                    bool to_eflags, int pops)
{
    struct x86_fpu *f = &c->s.fpu;
    f->fsw &= ~FSW_C1;
    enum f80_rel r;
    if (empty) {
        if (fpu_exc(c, FX_IE | FX_SF, false))
            return;
        r = F80_UN;
    } else {
        struct f80_env e = f80_env_of(f->fcw);
        f80 a = fpu_get(f, 0);
        if (den && !is_nan(a))
            e.flags |= FX_DE;
        r = f80_compare(&e, a, b, quiet);
        if (e.flags && fpu_exc(c, e.flags, false))
            return;
    }
    if (to_eflags)
        set_eflags(c, r);
    else
        set_cc(f, r);
    while (pops-- > 0)
        fpu_pop(f);
}

static inline __attribute__((always_inline)) void
com_reg(struct cpu *c, const struct insn *i, unsigned k, bool quiet,
        bool to_eflags, int pops)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    bool empty = fpu_empty(f, 0) || fpu_empty(f, k);
    compare(c, empty, empty ? f80_zero(false) : fpu_get(f, k), false, quiet,
            to_eflags, pops);
}

static inline __attribute__((always_inline)) void
com_mem(struct cpu *c, const struct insn *i, int mt, int pops)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    bool den;
    f80 b = mem_operand(c, i, mt, ea, &den);
    fpu_note_mem(c, i, ea);
    compare(c, fpu_empty(&c->s.fpu, 0), b, den, false, false, pops);
}

HANDLER(fpu_fcom) { com_reg(c, i, i->rm, false, false, 0); }
HANDLER(fpu_fcomp) { com_reg(c, i, i->rm, false, false, 1); }
HANDLER(fpu_fcompp) { com_reg(c, i, 1, false, false, 2); }
HANDLER(fpu_fucom) { com_reg(c, i, i->rm, true, false, 0); }
HANDLER(fpu_fucomp) { com_reg(c, i, i->rm, true, false, 1); }
HANDLER(fpu_fucompp) { com_reg(c, i, 1, true, false, 2); }
HANDLER(fpu_fcomi) { com_reg(c, i, i->rm, false, true, 0); }
HANDLER(fpu_fcomip) { com_reg(c, i, i->rm, false, true, 1); }
HANDLER(fpu_fucomi) { com_reg(c, i, i->rm, true, true, 0); }
HANDLER(fpu_fucomip) { com_reg(c, i, i->rm, true, true, 1); }
HANDLER(fpu_fcom_m32) { com_mem(c, i, M_F32, 0); }
HANDLER(fpu_fcomp_m32) { com_mem(c, i, M_F32, 1); }
HANDLER(fpu_fcom_m64) { com_mem(c, i, M_F64, 0); }
HANDLER(fpu_fcomp_m64) { com_mem(c, i, M_F64, 1); }
HANDLER(fpu_ficom_i16) { com_mem(c, i, M_I16, 0); }
HANDLER(fpu_ficomp_i16) { com_mem(c, i, M_I16, 1); }
HANDLER(fpu_ficom_i32) { com_mem(c, i, M_I32, 0); }
HANDLER(fpu_ficomp_i32) { com_mem(c, i, M_I32, 1); }

HANDLER(fpu_ftst)
{
    fpu_enter(c);
    fpu_note(c, i);
    compare(c, fpu_empty(&c->s.fpu, 0), f80_zero(false), false, false, false, 0);
}

/* FXAM: C1 is the sign, C3 C2 C0 the class (SDM vol. 2 FXAM table). */
HANDLER(fpu_fxam)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f80 a = fpu_get(f, 0);
    uint16_t cc = f80_sign(a) ? FSW_C1 : 0;
    if (fpu_empty(f, 0)) {
        cc |= FSW_C3 | FSW_C0;
    } else {
        switch (f80_classify(a)) {
        case F80_UNSUPPORTED: break;
        case F80_QNAN: case F80_SNAN: cc |= FSW_C0; break;
        case F80_NORMAL: cc |= FSW_C2; break;
        case F80_INF: cc |= FSW_C2 | FSW_C0; break;
        case F80_ZERO: cc |= FSW_C3; break;
        case F80_DENORMAL: cc |= FSW_C3 | FSW_C2; break;
        }
    }
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

/* FCMOVcc (P6): either register empty is a stack underflow whatever the
 * condition. */
HANDLER(fpu_fcmov)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    if (fpu_empty(f, 0) || fpu_empty(f, i->rm)) {
        f->fsw &= ~FSW_C1;
        fpu_underflow(c, 0, 0);
        return;
    }
    if (cpu_cond(c, i->opc2))
        fpu_set(f, 0, fpu_get(f, i->rm));
}
