/* x87 data transfer: FLD/FILD/FBLD, FST/FSTP/FIST/FISTP/FBSTP, the
 * constants, FXCH, FFREE(P), FINCSTP/FDECSTP.
 *
 * A store computes its value first and writes memory before it touches
 * the FPU state, so that a fault (#GP/#SS/#PF) leaves the instruction
 * restartable. */
#include "cpu/fpu_priv.h"

/* ---- loads ---- */

/* Push v, after the stack-overflow check (ST(7), about to become ST(0),
 * must be empty).  flags: exceptions of the conversion. */
static void push_value(struct cpu *c, f80 v, unsigned flags)
{
    struct x86_fpu *f = &c->s.fpu;
    f->fsw &= ~FSW_C1;
    if (unlikely(!fpu_empty(f, 7))) {
        fpu_overflow(c);
        return;
    }
    if (unlikely(flags) && fpu_exc(c, flags, false))
        return;
    fpu_push(f);
    fpu_set(f, 0, v);
}

/* A real from memory: an SNaN is #IA (pushed quieted), a denormal #D,
 * which does not stop the load even unmasked (measured on Intel, as
 * Bochs; arithmetic with such an operand is not performed). */
static void push_real(struct cpu *c, f80 v, bool den)
{
    struct x86_fpu *f = &c->s.fpu;
    if (f80_classify(v) == F80_SNAN) {
        v.sig |= 1ull << 62;
        push_value(c, v, FX_IE);
        return;
    }
    if (!den) {
        push_value(c, v, 0);
        return;
    }
    f->fsw &= ~FSW_C1;
    if (unlikely(!fpu_empty(f, 7))) {
        fpu_overflow(c);
        return;
    }
    fpu_exc(c, FX_DE, false);
    fpu_push(f);
    fpu_set(f, 0, v);
}

HANDLER(fpu_fld_m32)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    bool den;
    f80 v = f80_from_f32(mem_read(c, i->seg, ea, 4), &den);
    fpu_note_mem(c, i, ea);
    push_real(c, v, den);
}

HANDLER(fpu_fld_m64)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    bool den;
    f80 v = f80_from_f64(fpu_read64(c, i->seg, ea), &den);
    fpu_note_mem(c, i, ea);
    push_real(c, v, den);
}

/* m80 is loaded as it is: no #IA for an SNaN, no #D (SDM FLD). */
HANDLER(fpu_fld_m80)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    f80 v = fpu_read80(c, i->seg, ea);
    fpu_note_mem(c, i, ea);
    push_value(c, v, 0);
}

HANDLER(fpu_fild_i16)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    int16_t v = (int16_t)mem_read(c, i->seg, ea, 2);
    fpu_note_mem(c, i, ea);
    push_value(c, f80_from_i64(v), 0);
}

HANDLER(fpu_fild_i32)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    int32_t v = (int32_t)mem_read(c, i->seg, ea, 4);
    fpu_note_mem(c, i, ea);
    push_value(c, f80_from_i64(v), 0);
}

HANDLER(fpu_fild_i64)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    int64_t v = (int64_t)fpu_read64(c, i->seg, ea);
    fpu_note_mem(c, i, ea);
    push_value(c, f80_from_i64(v), 0);
}

HANDLER(fpu_fbld)
{
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    uint8_t bcd[10];
    uint64_t lo = fpu_read64(c, i->seg, ea);
    uint16_t hi = (uint16_t)mem_read(c, i->seg, ea + 8, 2);
    memcpy(bcd, &lo, 8);
    memcpy(bcd + 8, &hi, 2);
    fpu_note_mem(c, i, ea);
    push_value(c, f80_from_bcd(bcd), 0);
}

HANDLER(fpu_fld_sti)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    if (fpu_empty(f, i->rm) && fpu_empty(f, 7)) {
        /* the source is empty: #IS underflow; masked, the indefinite */
        f->fsw &= ~FSW_C1;
        if (fpu_exc(c, FX_IE | FX_SF, false))
            return;
        fpu_push(f);
        fpu_set(f, 0, f80_indefinite());
        return;
    }
    push_value(c, fpu_get(f, i->rm), 0);
}

static void push_const(struct cpu *c, const struct insn *i, f80 v)
{
    fpu_enter(c);
    fpu_note(c, i);
    push_value(c, v, 0);
}

/* Rounded with RC, no #P and C1 = 0 (SDM 8.3.8 and FLDPI). */
static f80 rounded_const(struct cpu *c, enum f80_const k)
{
    struct f80_env e = f80_env_of(c->s.fpu.fcw);
    return f80_constant(&e, k);
}

HANDLER(fpu_fld1) { push_const(c, i, f80_one()); }
HANDLER(fpu_fldz) { push_const(c, i, f80_zero(false)); }
HANDLER(fpu_fldl2t) { push_const(c, i, rounded_const(c, FK_L2T)); }
HANDLER(fpu_fldl2e) { push_const(c, i, rounded_const(c, FK_L2E)); }
HANDLER(fpu_fldpi) { push_const(c, i, rounded_const(c, FK_PI)); }
HANDLER(fpu_fldlg2) { push_const(c, i, rounded_const(c, FK_LG2)); }
HANDLER(fpu_fldln2) { push_const(c, i, rounded_const(c, FK_LN2)); }

/* ---- stores ---- */

enum { S_F32, S_F64, S_F80, S_I16, S_I32, S_I64, S_BCD };

static inline __attribute__((always_inline)) void
store(struct cpu *c, const struct insn *i, int kind, bool pop)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    uint32_t ea = insn_ea(c, i);
    bool empty = fpu_empty(f, 0);
    struct f80_env e = f80_env_of(f->fcw);
    f80 a = empty ? f80_indefinite() : fpu_get(f, 0);
    unsigned flags = empty ? FX_IE | FX_SF : 0;
    /* the value; an empty ST(0) stores the indefinite of the format */
    uint64_t v = 0;
    uint8_t bcd[10];
    switch (kind) {
    case S_F32: v = f80_to_f32(&e, a); break;
    case S_F64: v = f80_to_f64(&e, a); break;
    case S_F80: break;
    case S_I16: v = (uint64_t)f80_to_int(&e, a, 16); break;
    case S_I32: v = (uint64_t)f80_to_int(&e, a, 32); break;
    case S_I64: v = (uint64_t)f80_to_int(&e, a, 64); break;
    default: f80_to_bcd(&e, a, bcd); break;
    }
    if (!empty)
        flags = e.flags;
    bool blocked = flags && fpu_blocked(f->fcw, flags, true);
    if (!blocked) {
        switch (kind) {
        case S_F32: mem_write(c, i->seg, ea, (uint32_t)v, 4); break;
        case S_F64: case S_I64: fpu_write64(c, i->seg, ea, v); break;
        case S_F80: fpu_write80(c, i->seg, ea, a); break;
        case S_I16: mem_write(c, i->seg, ea, (uint16_t)v, 2); break;
        case S_I32: mem_write(c, i->seg, ea, (uint32_t)v, 4); break;
        default: {
            uint64_t lo;
            uint16_t hi;
            memcpy(&lo, bcd, 8);
            memcpy(&hi, bcd + 8, 2);
            fpu_probe_write(c, i->seg, ea, 10);
            mem_write(c, i->seg, ea, (uint32_t)lo, 4);
            mem_write(c, i->seg, ea + 4, (uint32_t)(lo >> 32), 4);
            mem_write(c, i->seg, ea + 8, hi, 2);
            break;
        }
        }
    }
    fpu_note_mem(c, i, ea);
    f->fsw &= ~FSW_C1;
    if (flags && fpu_exc(c, flags, true))
        return;
    if (pop)
        fpu_pop(f);
}

HANDLER(fpu_fst_m32) { store(c, i, S_F32, false); }
HANDLER(fpu_fstp_m32) { store(c, i, S_F32, true); }
HANDLER(fpu_fst_m64) { store(c, i, S_F64, false); }
HANDLER(fpu_fstp_m64) { store(c, i, S_F64, true); }
HANDLER(fpu_fstp_m80) { store(c, i, S_F80, true); }
HANDLER(fpu_fist_i16) { store(c, i, S_I16, false); }
HANDLER(fpu_fistp_i16) { store(c, i, S_I16, true); }
HANDLER(fpu_fist_i32) { store(c, i, S_I32, false); }
HANDLER(fpu_fistp_i32) { store(c, i, S_I32, true); }
HANDLER(fpu_fistp_i64) { store(c, i, S_I64, true); }
HANDLER(fpu_fbstp) { store(c, i, S_BCD, true); }

/* FST/FSTP ST(i): a plain copy, no exception but the stack fault. */
static void store_reg(struct cpu *c, const struct insn *i, bool pop)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    if (fpu_empty(f, 0)) {
        fpu_underflow(c, i->rm, pop);
        return;
    }
    fpu_set(f, i->rm, fpu_get(f, 0));
    if (pop)
        fpu_pop(f);
}

HANDLER(fpu_fst_sti) { store_reg(c, i, false); }
HANDLER(fpu_fstp_sti) { store_reg(c, i, true); }

/* ---- register stack ---- */

HANDLER(fpu_fxch)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    unsigned k = i->rm;
    f80 a = fpu_get(f, 0), b = fpu_get(f, k);
    bool e0 = fpu_empty(f, 0), ek = fpu_empty(f, k);
    if (e0 || ek) {
        /* masked: the empty ones count as the indefinite, then exchange */
        if (fpu_exc(c, FX_IE | FX_SF, false))
            return;
        if (e0)
            a = f80_indefinite();
        if (ek)
            b = f80_indefinite();
    }
    fpu_set(f, 0, b);
    fpu_set(f, k, a);
}

HANDLER(fpu_ffree)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->ftw &= (uint8_t)~(1u << ((fpu_top(f) + i->rm) & 7));
}

HANDLER(fpu_ffreep)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->ftw &= (uint8_t)~(1u << ((fpu_top(f) + i->rm) & 7));
    fpu_pop(f);
}

HANDLER(fpu_fincstp)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    fpu_set_top(f, fpu_top(f) + 1);
}

HANDLER(fpu_fdecstp)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_enter(c);
    fpu_note(c, i);
    f->fsw &= ~FSW_C1;
    fpu_set_top(f, fpu_top(f) - 1);
}
