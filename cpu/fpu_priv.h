/* Private to the x87 files (cpu/fpu*.c): register stack access on the
 * FXSAVE-form state, exception bookkeeping, and the instruction handlers
 * the decoder (cpu/fpu.c) picks.
 *
 * The state is c->s.fpu as FXSAVE lays it out: st[k] holds ST(k) (stack
 * order, so pushes and pops rotate the array), ftw is the abridged tag word
 * (bit p: physical register p is not empty), TOP lives in fsw.  fip and
 * fdp hold offset | selector << 32, as the 32-bit FXSAVE image reads when
 * taken as 64-bit words; fop holds the 11-bit opcode. */
#ifndef CPU_FPU_PRIV_H
#define CPU_FPU_PRIV_H

#include "cpu/exec.h"
#include "cpu/float80.h"

#define FSW_EXC 0x003f      /* IE DE ZE OE UE PE */
#define FSW_SF 0x0040
#define FSW_ES 0x0080
#define FSW_C0 0x0100
#define FSW_C1 0x0200
#define FSW_C2 0x0400
#define FSW_TOP 0x3800
#define FSW_C3 0x4000
#define FSW_B 0x8000
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

#define FCW_INIT 0x037f

static inline unsigned fpu_top(const struct x86_fpu *f)
{
    return (f->fsw >> 11) & 7;
}

static inline bool fpu_empty(const struct x86_fpu *f, unsigned k)
{
    return !((f->ftw >> ((fpu_top(f) + k) & 7)) & 1);
}

static inline f80 fpu_get(const struct x86_fpu *f, unsigned k)
{
    f80 r;
    memcpy(&r.sig, f->st[k], 8);
    memcpy(&r.se, f->st[k] + 8, 2);
    return r;
}

/* Write ST(k) and mark it valid. */
static inline void fpu_set(struct x86_fpu *f, unsigned k, f80 v)
{
    memcpy(f->st[k], &v.sig, 8);
    memcpy(f->st[k] + 8, &v.se, 2);
    f->ftw |= (uint8_t)(1u << ((fpu_top(f) + k) & 7));
}

/* Change TOP keeping the physical registers where they are: st[] follows. */
void fpu_set_top(struct x86_fpu *f, unsigned top);

static inline void fpu_push(struct x86_fpu *f)
{
    uint8_t t[16];
    memcpy(t, f->st[7], 16);
    memmove(f->st[1], f->st[0], 7 * 16);
    memcpy(f->st[0], t, 16);
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (((fpu_top(f) - 1) & 7) << 11));
}

static inline void fpu_pop(struct x86_fpu *f)
{
    uint8_t t[16];
    unsigned top = fpu_top(f);
    f->ftw &= (uint8_t)~(1u << top);
    memcpy(t, f->st[0], 16);
    memmove(f->st[0], f->st[1], 7 * 16);
    memcpy(f->st[7], t, 16);
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (((top + 1) & 7) << 11));
}

/* ---- entry checks ---- */

/* CR0.EM or CR0.TS: #NM for every x87 escape (SDM vol. 3 2.5, table 2-2). */
static inline void fpu_check_nm(struct cpu *c)
{
    if (unlikely(c->s.cr0 & (CR0_EM | CR0_TS)))
        cpu_fault(c, EXC_NM, NO_ERR);
}

/* A pending unmasked exception at a waiting instruction. */
void fpu_pending(struct cpu *c);

/* The checks of a waiting x87 instruction: #NM, then a pending #MF. */
static inline void fpu_enter(struct cpu *c)
{
    fpu_check_nm(c);
    if (unlikely(c->s.fpu.fsw & FSW_ES))
        fpu_pending(c);
}

/* Last instruction pointer and opcode (non-control instructions); the
 * decoder leaves the 11-bit FOP in i->imm. */
static inline void fpu_note(struct cpu *c, const struct insn *i)
{
    c->s.fpu.fop = (uint16_t)i->imm;
    c->s.fpu.fip = cpu_cur_eip(c) | (uint64_t)c->s.seg[S_CS].sel << 32;
}

static inline void fpu_note_mem(struct cpu *c, const struct insn *i, uint32_t ea)
{
    fpu_note(c, i);
    c->s.fpu.fdp = ea | (uint64_t)c->s.seg[i->seg].sel << 32;
}

/* ---- exceptions ---- */

/* Whether an operation's flags forbid delivering its result: an unmasked
 * #I or #Z or #D leaves destination and TOP alone; with a memory
 * destination (`store`) so does an unmasked #O or #U. */
static inline bool fpu_blocked(uint16_t fcw, unsigned flags, bool store)
{
    unsigned unmasked = flags & ~fcw & FSW_EXC;
    if (flags & (FX_IE | FX_ZE))
        return unmasked & (FX_IE | FX_ZE);
    if (unmasked & FX_DE)
        return true;
    return store && (unmasked & (FX_OE | FX_UE));
}

/* Record the flags in FSW (SDM 8.5: with #I or #Z nothing else is
 * reported; C1 is the round-up bit with #P and the overflow bit with #IS;
 * an unmasked #O/#U on a store reports no #P and clears C1) and set ES/B
 * for an unmasked one.  C1 must have been cleared by the caller.  Returns
 * fpu_blocked(). */
bool fpu_exc_slow(struct cpu *c, unsigned flags, bool store);

static inline bool fpu_exc(struct cpu *c, unsigned flags, bool store)
{
    /* the common case: an inexact result with #P masked */
    if (likely(!(flags & ~(FX_PE | FX_C1)) && (c->s.fpu.fcw & FX_PE))) {
        c->s.fpu.fsw |= (uint16_t)flags;
        return false;
    }
    return fpu_exc_slow(c, flags, store);
}

/* Stack underflow (#IS, C1 = 0): masked, ST(dst) gets the indefinite
 * (dst < 0: nothing written) and `pops` pops follow. */
void fpu_underflow(struct cpu *c, int dst, int pops);
/* Stack overflow on a push (#IS, C1 = 1): masked, the indefinite is pushed. */
void fpu_overflow(struct cpu *c);

/* Initialise as FNINIT. */
void fpu_init(struct x86_fpu *f);

/* The full 2-bit tag of ST(k) from its contents (valid/zero/special/empty). */
unsigned fpu_tag_of(const struct x86_fpu *f, unsigned k);

/* ---- memory operands ---- */

static inline uint64_t fpu_read64(struct cpu *c, int seg, uint32_t ea)
{
    uint64_t lo = mem_read(c, seg, ea, 4);
    return lo | (uint64_t)mem_read(c, seg, ea + 4, 4) << 32;
}

static inline f80 fpu_read80(struct cpu *c, int seg, uint32_t ea)
{
    f80 v;
    v.sig = fpu_read64(c, seg, ea);
    v.se = (uint16_t)mem_read(c, seg, ea + 8, 2);
    return v;
}

/* A store of `size` bytes must not fault half-way: check it whole first
 * (only a page-crossing one needs the page walk). */
static inline void fpu_probe_write(struct cpu *c, int seg, uint32_t ea,
                                   unsigned size)
{
    if (unlikely(!seg_ok(c, seg, 1, ea, size)))
        seg_fault(c, seg);
    uint32_t lin = (uint32_t)c->s.seg[seg].base + ea;
    if ((lin & 0xfff) + size > 0x1000)
        mem_probe_write(c, seg, ea, size);
}

static inline void fpu_write64(struct cpu *c, int seg, uint32_t ea, uint64_t v)
{
    fpu_probe_write(c, seg, ea, 8);
    mem_write(c, seg, ea, (uint32_t)v, 4);
    mem_write(c, seg, ea + 4, (uint32_t)(v >> 32), 4);
}

static inline void fpu_write80(struct cpu *c, int seg, uint32_t ea, f80 v)
{
    fpu_probe_write(c, seg, ea, 10);
    mem_write(c, seg, ea, (uint32_t)v.sig, 4);
    mem_write(c, seg, ea + 4, (uint32_t)(v.sig >> 32), 4);
    mem_write(c, seg, ea + 8, v.se, 2);
}

/* ---- handlers (chosen per form by fpu_decode) ---- */

/* fpu_arith.c: a = ST(0), b = ST(i) or the memory operand */
#define FPU_ARITH_FORMS(op) \
    HANDLER(fpu_##op##_st0); HANDLER(fpu_##op##_sti); HANDLER(fpu_##op##_p); \
    HANDLER(fpu_##op##_m32); HANDLER(fpu_##op##_m64); \
    HANDLER(fpu_##op##_i16); HANDLER(fpu_##op##_i32);
FPU_ARITH_FORMS(add)
FPU_ARITH_FORMS(mul)
FPU_ARITH_FORMS(sub)     /* a - b */
FPU_ARITH_FORMS(subr)    /* b - a */
FPU_ARITH_FORMS(div)     /* a / b */
FPU_ARITH_FORMS(divr)    /* b / a */
HANDLER(fpu_fcom); HANDLER(fpu_fcomp); HANDLER(fpu_fcompp);
HANDLER(fpu_fucom); HANDLER(fpu_fucomp); HANDLER(fpu_fucompp);
HANDLER(fpu_fcom_m32); HANDLER(fpu_fcomp_m32);
HANDLER(fpu_fcom_m64); HANDLER(fpu_fcomp_m64);
HANDLER(fpu_ficom_i16); HANDLER(fpu_ficomp_i16);
HANDLER(fpu_ficom_i32); HANDLER(fpu_ficomp_i32);
HANDLER(fpu_fcomi); HANDLER(fpu_fcomip); HANDLER(fpu_fucomi); HANDLER(fpu_fucomip);
HANDLER(fpu_ftst); HANDLER(fpu_fxam);
HANDLER(fpu_fcmov);      /* i->opc2: the cpu_cond() condition */

/* fpu_ldst.c */
HANDLER(fpu_fld_m32); HANDLER(fpu_fld_m64); HANDLER(fpu_fld_m80);
HANDLER(fpu_fild_i16); HANDLER(fpu_fild_i32); HANDLER(fpu_fild_i64);
HANDLER(fpu_fbld); HANDLER(fpu_fld_sti);
HANDLER(fpu_fst_m32); HANDLER(fpu_fstp_m32); HANDLER(fpu_fst_m64);
HANDLER(fpu_fstp_m64); HANDLER(fpu_fstp_m80);
HANDLER(fpu_fist_i16); HANDLER(fpu_fistp_i16); HANDLER(fpu_fist_i32);
HANDLER(fpu_fistp_i32); HANDLER(fpu_fistp_i64); HANDLER(fpu_fbstp);
HANDLER(fpu_fst_sti); HANDLER(fpu_fstp_sti);
HANDLER(fpu_fld1); HANDLER(fpu_fldl2t); HANDLER(fpu_fldl2e); HANDLER(fpu_fldpi);
HANDLER(fpu_fldlg2); HANDLER(fpu_fldln2); HANDLER(fpu_fldz);
HANDLER(fpu_fxch); HANDLER(fpu_ffree); HANDLER(fpu_ffreep);
HANDLER(fpu_fincstp); HANDLER(fpu_fdecstp);

/* fpu_math.c */
HANDLER(fpu_fchs); HANDLER(fpu_fabs); HANDLER(fpu_fsqrt); HANDLER(fpu_frndint);
HANDLER(fpu_fscale); HANDLER(fpu_fxtract); HANDLER(fpu_fprem); HANDLER(fpu_fprem1);
HANDLER(fpu_f2xm1); HANDLER(fpu_fyl2x); HANDLER(fpu_fyl2xp1); HANDLER(fpu_fpatan);
HANDLER(fpu_fptan); HANDLER(fpu_fsin); HANDLER(fpu_fcos); HANDLER(fpu_fsincos);

/* fpu_ctrl.c */
HANDLER(fpu_fninit); HANDLER(fpu_fnclex); HANDLER(fpu_fldcw); HANDLER(fpu_fnstcw);
HANDLER(fpu_fnstsw_m); HANDLER(fpu_fnstsw_ax); HANDLER(fpu_fldenv);
HANDLER(fpu_fnstenv); HANDLER(fpu_frstor); HANDLER(fpu_fnsave);
HANDLER(fpu_fnop); HANDLER(fpu_legacy_nop); HANDLER(fpu_ud);

#endif
