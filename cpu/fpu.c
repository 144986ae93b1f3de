/* The x87 FPU: decoding of the D8-DF escape space into one handler per
 * form, and the bookkeeping every x87 instruction shares (#NM/#MF entry
 * checks, exception flags, stack faults, tags).  The instruction families
 * are in fpu_arith.c, fpu_ldst.c, fpu_math.c and fpu_ctrl.c; the
 * arithmetic itself in float80.c and fpu_trans.c. */
#include "cpu/fpu.h"

#include "cpu/decoder.h"
#include "cpu/fpu_priv.h"

/* ---- shared state helpers ---- */

void fpu_init(struct x86_fpu *f)
{
    f->fcw = FCW_INIT;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = 0;
    f->fdp = 0;
}

void fpu_set_top(struct x86_fpu *f, unsigned top)
{
    unsigned n = (top - fpu_top(f)) & 7;    /* new ST(k) = old ST(k + n) */
    if (n) {
        uint8_t t[8][16];
        memcpy(t, f->st, sizeof t);
        for (unsigned k = 0; k < 8; k++)
            memcpy(f->st[k], t[(k + n) & 7], 16);
    }
    f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | ((top & 7) << 11));
}

unsigned fpu_tag_of(const struct x86_fpu *f, unsigned k)
{
    if (fpu_empty(f, k))
        return 3;
    switch (f80_classify(fpu_get(f, k))) {
    case F80_ZERO: return 1;
    case F80_NORMAL: return 0;
    default: return 2;      /* denormal, infinity, NaN, unsupported */
    }
}

/* ---- exceptions ---- */

/* An unmasked exception is pending at a waiting instruction.  With CR0.NE
 * the processor raises #MF here, EIP at this instruction (SDM vol. 1
 * 8.7).  With NE=0 the PC signals FERR# to the board, which raises IRQ13
 * (MS-DOS compatibility, SDM vol. 1 appendix D); the instruction goes on
 * as if IGNNE# were asserted (as QEMU and Bochs do; a real CPU waits for
 * the interrupt first).  The interrupt comes between blocks: the block
 * ends here. */
void fpu_pending(struct cpu *c)
{
    if (c->s.cr0 & CR0_NE)
        cpu_fault(c, EXC_MF, NO_ERR);
    if (c->bus.ferr) {
        c->bus.ferr(c->bus.opaque);
        cpu_end_block(c);
    }
}

void fpu_fwait(struct cpu *c, const struct insn *i)
{
    (void)i;
    if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(c, EXC_NM, NO_ERR);
    if (c->s.fpu.fsw & FSW_ES)
        fpu_pending(c);
}

bool fpu_exc_slow(struct cpu *c, unsigned flags, bool store)
{
    struct x86_fpu *f = &c->s.fpu;
    uint16_t old = f->fsw;
    unsigned e = flags & (FSW_EXC | FSW_SF);
    unsigned unmasked = e & ~f->fcw & FSW_EXC;
    if (e & (FX_IE | FX_ZE))
        unmasked &= FX_IE | FX_ZE;
    if (unmasked)
        f->fsw |= FSW_ES | FSW_B;
    if (e & FX_IE) {
        f->fsw |= e & (FX_IE | FSW_SF);
        if (e & FSW_SF)
            f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (flags & FX_C1));
        return unmasked;
    }
    if (e & FX_ZE) {
        f->fsw |= FX_ZE;
        return unmasked;
    }
    if (e & FX_DE) {
        f->fsw |= FX_DE;
        if (unmasked & FX_DE)
            return true;
    }
    f->fsw |= (uint16_t)e;
    if (e & FX_PE)
        f->fsw |= flags & FX_C1;
    if (store && (unmasked & (FX_OE | FX_UE))) {
        /* nothing is stored; #P is not reported (unless it was already) */
        f->fsw = (uint16_t)((f->fsw & ~(FSW_C1 | FX_PE)) | (old & FX_PE));
        return true;
    }
    return false;
}

void fpu_underflow(struct cpu *c, int dst, int pops)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_exc(c, FX_IE | FX_SF, false);
    if (!(f->fcw & FX_IE))
        return;
    if (dst >= 0)
        fpu_set(f, (unsigned)dst, f80_indefinite());
    while (pops-- > 0)
        fpu_pop(f);
}

void fpu_overflow(struct cpu *c)
{
    struct x86_fpu *f = &c->s.fpu;
    fpu_exc(c, FX_IE | FX_SF | FX_C1, false);
    if (!(f->fcw & FX_IE))
        return;
    fpu_push(f);
    fpu_set(f, 0, f80_indefinite());
}

/* An undefined encoding in the escape space: #UD even with CR0.EM/TS, as
 * #UD ranks before #NM among decode faults (SDM vol. 3 6.9; Bochs). */
HANDLER(fpu_ud)
{
    exec_invalid(c, i);
}

/* ---- decoding ---- */

static const insn_fn mem_forms[8][8] = {
    /* D8 */ { fpu_add_m32, fpu_mul_m32, fpu_fcom_m32, fpu_fcomp_m32,
               fpu_sub_m32, fpu_subr_m32, fpu_div_m32, fpu_divr_m32 },
    /* D9: /1 is undefined */
    { fpu_fld_m32, fpu_ud, fpu_fst_m32, fpu_fstp_m32,
      fpu_fldenv, fpu_fldcw, fpu_fnstenv, fpu_fnstcw },
    /* DA */ { fpu_add_i32, fpu_mul_i32, fpu_ficom_i32, fpu_ficomp_i32,
               fpu_sub_i32, fpu_subr_i32, fpu_div_i32, fpu_divr_i32 },
    /* DB: /1 is FISTTP (SSE3, not advertised) */
    { fpu_fild_i32, fpu_ud, fpu_fist_i32, fpu_fistp_i32,
      fpu_ud, fpu_fld_m80, fpu_ud, fpu_fstp_m80 },
    /* DC */ { fpu_add_m64, fpu_mul_m64, fpu_fcom_m64, fpu_fcomp_m64,
               fpu_sub_m64, fpu_subr_m64, fpu_div_m64, fpu_divr_m64 },
    /* DD */ { fpu_fld_m64, fpu_ud, fpu_fst_m64, fpu_fstp_m64,
               fpu_frstor, fpu_ud, fpu_fnsave, fpu_fnstsw_m },
    /* DE */ { fpu_add_i16, fpu_mul_i16, fpu_ficom_i16, fpu_ficomp_i16,
               fpu_sub_i16, fpu_subr_i16, fpu_div_i16, fpu_divr_i16 },
    /* DF */ { fpu_fild_i16, fpu_ud, fpu_fist_i16, fpu_fistp_i16,
               fpu_fbld, fpu_fild_i64, fpu_fbstp, fpu_fistp_i64 },
};

/* D8: ST(0) = ST(0) op ST(i).  DC/DE: ST(i) = ST(0) op ST(i) in the same
 * sense (reg 4 is ST(0) - ST(i) whatever the destination: DC E0+i is
 * Intel's FSUBR ST(i), ST(0)).  Reg 2/3 of DC and reg 2 of DE are the
 * reserved FCOM/FCOMP aliases that hardware executes. */
static const insn_fn d8_forms[8] = {
    fpu_add_st0, fpu_mul_st0, fpu_fcom, fpu_fcomp,
    fpu_sub_st0, fpu_subr_st0, fpu_div_st0, fpu_divr_st0,
};
static const insn_fn dc_forms[8] = {
    fpu_add_sti, fpu_mul_sti, fpu_fcom, fpu_fcomp,
    fpu_sub_sti, fpu_subr_sti, fpu_div_sti, fpu_divr_sti,
};
static const insn_fn de_forms[8] = {
    fpu_add_p, fpu_mul_p, fpu_fcomp, NULL,
    fpu_sub_p, fpu_subr_p, fpu_div_p, fpu_divr_p,
};

/* D9 E0-FF by the low 5 bits */
static const insn_fn d9_e0[32] = {
    fpu_fchs, fpu_fabs, fpu_ud, fpu_ud, fpu_ftst, fpu_fxam, fpu_ud, fpu_ud,
    fpu_fld1, fpu_fldl2t, fpu_fldl2e, fpu_fldpi,
    fpu_fldlg2, fpu_fldln2, fpu_fldz, fpu_ud,
    fpu_f2xm1, fpu_fyl2x, fpu_fptan, fpu_fpatan,
    fpu_fxtract, fpu_fprem1, fpu_fdecstp, fpu_fincstp,
    fpu_fprem, fpu_fyl2xp1, fpu_fsqrt, fpu_fsincos,
    fpu_frndint, fpu_fscale, fpu_fsin, fpu_fcos,
};

static insn_fn decode_reg(unsigned op, unsigned reg, unsigned rm, struct insn *i)
{
    switch (op) {
    case 0xd8: return d8_forms[reg];
    case 0xdc: return dc_forms[reg];
    case 0xde:
        if (reg == 3)
            return rm == 1 ? fpu_fcompp : fpu_ud;
        return de_forms[reg];
    case 0xd9:
        switch (reg) {
        case 0: return fpu_fld_sti;
        case 1: return fpu_fxch;
        case 2: return rm == 0 ? fpu_fnop : fpu_ud;
        case 3: return fpu_fstp_sti;              /* reserved alias FSTP1 */
        default: return d9_e0[((reg - 4) << 3) | rm];
        }
    case 0xda:
    case 0xdb:
        if (reg < 4) {
            /* FCMOVcc: B, E, BE, U; DB negates (NB, NE, NBE, NU) */
            static const uint8_t cc[4] = { 0x2, 0x4, 0x6, 0xa };
            i->opc2 = (uint8_t)(cc[reg] | (op == 0xdb));
            return fpu_fcmov;
        }
        if (op == 0xda)
            return reg == 5 && rm == 1 ? fpu_fucompp : fpu_ud;
        switch (reg) {
        case 4:
            switch (rm) {
            case 0: case 1: case 4:
                return fpu_legacy_nop;            /* FENI, FDISI, FSETPM */
            case 2: return fpu_fnclex;
            case 3: return fpu_fninit;
            default: return fpu_ud;
            }
        case 5: return fpu_fucomi;
        case 6: return fpu_fcomi;
        default: return fpu_ud;
        }
    case 0xdd:
        switch (reg) {
        case 0: return fpu_ffree;
        case 1: return fpu_fxch;                  /* reserved alias FXCH4 */
        case 2: return fpu_fst_sti;
        case 3: return fpu_fstp_sti;
        case 4: return fpu_fucom;
        case 5: return fpu_fucomp;
        default: return fpu_ud;
        }
    default: /* 0xdf */
        switch (reg) {
        case 0: return fpu_ffreep;                /* FFREEP (reserved) */
        case 1: return fpu_fxch;                  /* FXCH7 */
        case 2: case 3: return fpu_fstp_sti;      /* FSTP8, FSTP9 */
        case 4: return rm == 0 ? fpu_fnstsw_ax : fpu_ud;
        case 5: return fpu_fucomip;
        case 6: return fpu_fcomip;
        default: return fpu_ud;
        }
    }
}

void fpu_decode(struct dec *d, struct insn *i, unsigned op)
{
    unsigned reg = d->modrm_reg, rm = d->modrm_rm;
    /* FOP: the low 3 bits of the escape and the ModRM byte */
    i->imm = ((op & 7) << 8) | ((unsigned)i->mod << 6) | (reg << 3) | rm;
    i->reg = (uint8_t)reg;
    i->rm = (uint8_t)rm;
    if (i->mod != 3)
        i->fn = mem_forms[op - 0xd8][reg];
    else
        i->fn = decode_reg(op, reg, rm, i);
}
