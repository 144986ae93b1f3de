/* x87 operations on the stack top: FCHS, FABS, FSQRT, FRNDINT, FSCALE,
 * FXTRACT, FPREM, FPREM1 and the transcendentals F2XM1, FYL2X, FYL2XP1,
 * FPATAN, FPTAN, FSIN, FCOS, FSINCOS.  Only FSQRT is under precision
 * control (SDM vol. 1 8.1.5.2); the others round at 64 bits. */
#include "cpu/fpu_priv.h"

/* The common frame of a one-operand instruction on ST(0): entry checks,
 * FIP, C1 (and `clear`) cleared; false (handled) if ST(0) is empty. */
static bool unary_enter_cc(struct cpu *c, const struct insn *i, uint16_t clear)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= (uint16_t)~(FSW_C1 | clear);
    if (fpu_empty(f, 0)) {
        fpu_underflow(c, 0, 0);
        return false;
    }
    return true;
}

/* ST(0) and ST(1) both needed; an empty one: the indefinite goes to
 * ST(dst) and `pops` pops follow (masked). */
static bool unary_enter(struct cpu *c, const struct insn *i)
{
    return unary_enter_cc(c, i, 0);
}

static bool binary_enter(struct cpu *c, const struct insn *i, int dst, int pops)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
        fpu_underflow(c, dst, pops);
        return false;
    }
    return true;
}

static f80 st0_64(struct cpu *c, struct f80_env *e)
{
    *e = f80_env_of(c->s.fpu.fcw);
    e->prec = 64;
    return fpu_get(&c->s.fpu, 0);
}

HANDLER(fpu_fchs)
{
    if (!unary_enter(c, i))
        return;
    f80 a = fpu_get(&c->s.fpu, 0);
    a.se ^= 0x8000;
    fpu_set(&c->s.fpu, 0, a);
}

HANDLER(fpu_fabs)
{
    if (!unary_enter(c, i))
        return;
    f80 a = fpu_get(&c->s.fpu, 0);
    a.se &= 0x7fff;
    fpu_set(&c->s.fpu, 0, a);
}

HANDLER(fpu_fsqrt)
{
    if (!unary_enter(c, i))
        return;
    struct f80_env e = f80_env_of(c->s.fpu.fcw);
    f80 r = f80_sqrt(&e, fpu_get(&c->s.fpu, 0));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(&c->s.fpu, 0, r);
}

HANDLER(fpu_frndint)
{
    if (!unary_enter(c, i))
        return;
    struct f80_env e;
    f80 r = f80_round_int(&e, st0_64(c, &e));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(&c->s.fpu, 0, r);
}

HANDLER(fpu_f2xm1)
{
    if (!unary_enter(c, i))
        return;
    struct f80_env e;
    f80 r = f80_f2xm1(&e, st0_64(c, &e));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(&c->s.fpu, 0, r);
}

HANDLER(fpu_fscale)
{
    struct x86_fpu *f = &c->s.fpu;
    if (!binary_enter(c, i, 0, 0))
        return;
    struct f80_env e;
    f80 r = f80_scale(&e, st0_64(c, &e), fpu_get(f, 1));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, 0, r);
}

/* FPREM/FPREM1: C2 = 1 while the reduction is partial (C0 C3 C1 then 0,
 * as Bochs); complete, C0 = Q2, C3 = Q1, C1 = Q0 of the quotient. */
static void prem(struct cpu *c, const struct insn *i, bool ieee)
{
    struct x86_fpu *f = &c->s.fpu;
    if (!binary_enter(c, i, 0, 0))
        return;
    struct f80_env e;
    f80 r;
    uint64_t q;
    int k = f80_prem(&e, st0_64(c, &e), fpu_get(f, 1), ieee, &r, &q);
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    if (k >= 0) {
        uint16_t cc = k ? FSW_C2 : (uint16_t)(((q & 1) ? FSW_C1 : 0) |
                                              ((q & 2) ? FSW_C3 : 0) |
                                              ((q & 4) ? FSW_C0 : 0));
        f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
    }
    fpu_set(f, 0, r);
}

HANDLER(fpu_fprem) { prem(c, i, false); }
HANDLER(fpu_fprem1) { prem(c, i, true); }

/* ST(1) = f(ST(0), ST(1)), then pop. */
HANDLER(fpu_fyl2x)
{
    struct x86_fpu *f = &c->s.fpu;
    if (!binary_enter(c, i, 1, 1))
        return;
    struct f80_env e;
    f80 r = f80_yl2x(&e, st0_64(c, &e), fpu_get(f, 1));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, 1, r);
    fpu_pop(f);
}

HANDLER(fpu_fyl2xp1)
{
    struct x86_fpu *f = &c->s.fpu;
    if (!binary_enter(c, i, 1, 1))
        return;
    struct f80_env e;
    f80 r = f80_yl2xp1(&e, st0_64(c, &e), fpu_get(f, 1));
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, 1, r);
    fpu_pop(f);
}

HANDLER(fpu_fpatan)
{
    struct x86_fpu *f = &c->s.fpu;
    if (!binary_enter(c, i, 1, 1))
        return;
    struct f80_env e;
    f80 x = st0_64(c, &e);
    f80 r = f80_atan2(&e, fpu_get(f, 1), x);
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(f, 1, r);
    fpu_pop(f);
}

/* The two-result instructions (FXTRACT, FPTAN, FSINCOS) replace ST(0) and
 * push: ST(0) empty is an underflow, ST(7) full an overflow; masked, both
 * results are the indefinite. */
static bool push2_enter(struct cpu *c, const struct insn *i, bool clear_c2)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= (uint16_t)~(FSW_C1 | (clear_c2 ? FSW_C2 : 0));
    bool under = fpu_empty(f, 0);
    if (under || !fpu_empty(f, 7)) {
        if (fpu_exc(c, FX_IE | FX_SF | (under ? 0 : FX_C1), false))
            return false;
        fpu_set(f, 0, f80_indefinite());
        fpu_push(f);
        fpu_set(f, 0, f80_indefinite());
        return false;
    }
    return true;
}

static void replace_push(struct cpu *c, f80 st1, f80 st0)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_set(f, 0, st1);
    fpu_push(f);
    fpu_set(f, 0, st0);
}

HANDLER(fpu_fxtract)
{
    if (!push2_enter(c, i, false))
        return;
    struct f80_env e;
    f80 ex, sig;
    f80_xtract(&e, st0_64(c, &e), &ex, &sig);
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    replace_push(c, ex, sig);
}

/* Out of range (|x| >= 2^63): C2 = 1 and nothing else changes. */
HANDLER(fpu_fptan)
{
    if (!push2_enter(c, i, true))
        return;
    struct f80_env e;
    f80 t;
    if (!f80_trig(&e, st0_64(c, &e), NULL, NULL, &t)) {
        c->s.fpu.fsw |= FSW_C2;
        return;
    }
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    enum f80_class k = f80_classify(t);
    /* a NaN result goes to both registers (SDM FPTAN: NaN in, NaN out) */
    replace_push(c, t, k == F80_QNAN || k == F80_SNAN ? t : f80_one());
}

HANDLER(fpu_fsincos)
{
    if (!push2_enter(c, i, true))
        return;
    struct f80_env e;
    f80 s, co;
    if (!f80_trig(&e, st0_64(c, &e), &s, &co, NULL)) {
        c->s.fpu.fsw |= FSW_C2;
        return;
    }
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    replace_push(c, s, co);
}

static void sin_or_cos(struct cpu *c, const struct insn *i, bool cos)
{
    if (!unary_enter_cc(c, i, FSW_C2))
        return;
    struct f80_env e;
    f80 r;
    if (!f80_trig(&e, st0_64(c, &e), cos ? NULL : &r, cos ? &r : NULL, NULL)) {
        c->s.fpu.fsw |= FSW_C2;
        return;
    }
    if (e.flags && fpu_exc(c, e.flags, false))
        return;
    fpu_set(&c->s.fpu, 0, r);
}

HANDLER(fpu_fsin) { sin_or_cos(c, i, false); }
HANDLER(fpu_fcos) { sin_or_cos(c, i, true); }
