/* x87 control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW (memory
 * and AX), FLDENV/FNSTENV and FRSTOR/FNSAVE in their 16- and 32-bit,
 * real-mode and protected-mode images (SDM vol. 1 figures 8-9 to 8-12),
 * FNOP, and FENI/FDISI/FSETPM (no-ops on a 387 and later).  The no-wait
 * forms do not check for pending exceptions; none of these but FNOP
 * records the last instruction pointer. */
#include "cpu/fpu_priv.h"

/* ES and B follow the unmasked exception flags (B mirrors ES on a 387+). */
static void update_es(struct x86_fpu *f)
{
    if (f->fsw & ~f->fcw & FSW_EXC)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

static uint16_t cw_load(uint32_t v)
{
    return (uint16_t)((v & 0x1f3f) | 0x40);   /* reserved bit 6 reads as 1 */
}

HANDLER(fpu_fninit)
{
    (void)i;
    fpu_check_nm(c);
    fpu_init(&c->s.fpu);
}

HANDLER(fpu_fnclex)
{
    (void)i;
    fpu_check_nm(c);
    c->s.fpu.fsw &= (uint16_t)~(0x00ff | FSW_B);
}

HANDLER(fpu_fldcw)
{
    fpu_enter(c);
    struct x86_fpu *f = &c->s.fpu;
    f->fcw = cw_load(mem_read(c, i->seg, insn_ea(c, i), 2));
    update_es(f);
}

HANDLER(fpu_fnstcw)
{
    fpu_check_nm(c);
    mem_write(c, i->seg, insn_ea(c, i), c->s.fpu.fcw, 2);
}

HANDLER(fpu_fnstsw_m)
{
    fpu_check_nm(c);
    mem_write(c, i->seg, insn_ea(c, i), c->s.fpu.fsw, 2);
}

HANDLER(fpu_fnstsw_ax)
{
    (void)i;
    fpu_check_nm(c);
    set_reg(c, R_EAX, c->s.fpu.fsw, 2);
}

HANDLER(fpu_fnop)
{
    fpu_enter(c);
    fpu_note(c, i);
}

HANDLER(fpu_legacy_nop)
{
    (void)i;
    fpu_check_nm(c);
}

/* ---- environment images ---- */

struct env {
    uint16_t fcw, fsw, ftw, fop;
    uint16_t fcs, fds;
    uint32_t fip, fdp;
};

static unsigned env_size(const struct insn *i)
{
    return i->osize == 4 ? 28 : 14;
}

/* The image as 7 fields of 2 or 4 bytes. */
static void env_encode(const struct cpu *c, const struct env *e, uint32_t w[7])
{
    if (pmode(c)) {
        w[0] = 0xffff0000u | e->fcw;
        w[1] = 0xffff0000u | e->fsw;
        w[2] = 0xffff0000u | e->ftw;
        w[3] = e->fip;
        w[4] = e->fcs | (uint32_t)e->fop << 16;
        w[5] = e->fdp;
        w[6] = 0xffff0000u | e->fds;
        return;
    }
    /* real and virtual-8086 mode: 20/32-bit linear pointers */
    uint32_t ip = ((uint32_t)e->fcs << 4) + e->fip;
    uint32_t dp = ((uint32_t)e->fds << 4) + e->fdp;
    w[0] = 0xffff0000u | e->fcw;
    w[1] = 0xffff0000u | e->fsw;
    w[2] = 0xffff0000u | e->ftw;
    w[3] = 0xffff0000u | (ip & 0xffff);
    w[4] = ((ip & 0xffff0000u) >> 4) | e->fop;
    w[5] = 0xffff0000u | (dp & 0xffff);
    w[6] = (dp & 0xffff0000u) >> 4;
}

static void env_decode(const struct cpu *c, const uint32_t w[7], bool o32,
                       struct env *e)
{
    e->fcw = (uint16_t)w[0];
    e->fsw = (uint16_t)w[1];
    e->ftw = (uint16_t)w[2];
    if (pmode(c)) {
        e->fip = o32 ? w[3] : (uint16_t)w[3];
        e->fcs = (uint16_t)w[4];
        e->fop = o32 ? (uint16_t)((w[4] >> 16) & 0x7ff) : 0;
        e->fdp = o32 ? w[5] : (uint16_t)w[5];
        e->fds = (uint16_t)w[6];
        return;
    }
    uint32_t hi_ip = o32 ? (w[4] & 0x0ffff000u) << 4 : (w[4] & 0xf000u) << 4;
    uint32_t hi_dp = o32 ? (w[6] & 0x0ffff000u) << 4 : (w[6] & 0xf000u) << 4;
    e->fip = hi_ip | (w[3] & 0xffff);
    e->fdp = hi_dp | (w[5] & 0xffff);
    e->fop = (uint16_t)(w[4] & 0x7ff);
    e->fcs = e->fds = 0;
}

static void env_get(const struct cpu *c, struct env *e)
{
    const struct x86_fpu *f = &c->s.fpu;
    e->fcw = f->fcw;
    e->fsw = f->fsw;
    e->fop = f->fop & 0x7ff;
    e->fip = (uint32_t)f->fip;
    e->fcs = (uint16_t)(f->fip >> 32);
    e->fdp = (uint32_t)f->fdp;
    e->fds = (uint16_t)(f->fdp >> 32);
    /* the full tag word, by physical register, from the contents */
    unsigned top = fpu_top(f);
    e->ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        e->ftw |= (uint16_t)(fpu_tag_of(f, (p - top) & 7) << (2 * p));
}

/* Only empty/non-empty of the loaded tag word is kept; the rest is
 * recomputed from the contents when stored (as the P6 does). */
static void env_set(struct cpu *c, const struct env *e)
{
    struct x86_fpu *f = &c->s.fpu;
    f->fcw = cw_load(e->fcw);
    fpu_set_top(f, (e->fsw >> 11) & 7);
    f->fsw = e->fsw;
    f->ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((e->ftw >> (2 * p)) & 3) != 3)
            f->ftw |= (uint8_t)(1u << p);
    f->fop = e->fop;
    f->fip = e->fip | (uint64_t)e->fcs << 32;
    f->fdp = e->fdp | (uint64_t)e->fds << 32;
    update_es(f);
}

static void env_write(struct cpu *c, const struct insn *i, uint32_t ea)
{
    struct env e;
    uint32_t w[7];
    env_get(c, &e);
    env_encode(c, &e, w);
    unsigned n = i->osize == 4 ? 4 : 2;
    for (unsigned k = 0; k < 7; k++)
        mem_write(c, i->seg, ea + k * n, w[k], n);
}

static void env_read(struct cpu *c, const struct insn *i, uint32_t ea,
                     struct env *e)
{
    uint32_t w[7];
    unsigned n = i->osize == 4 ? 4 : 2;
    for (unsigned k = 0; k < 7; k++)
        w[k] = mem_read(c, i->seg, ea + k * n, n);
    env_decode(c, w, n == 4, e);
}

/* FNSTENV: store, then mask every exception (SDM FSTENV). */
HANDLER(fpu_fnstenv)
{
    fpu_check_nm(c);
    uint32_t ea = insn_ea(c, i);
    fpu_probe_write(c, i->seg, ea, env_size(i));
    env_write(c, i, ea);
    c->s.fpu.fcw |= FSW_EXC;
    c->s.fpu.fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

HANDLER(fpu_fldenv)
{
    fpu_enter(c);
    struct env e;
    env_read(c, i, insn_ea(c, i), &e);
    env_set(c, &e);
}

/* FNSAVE: the environment, ST(0)..ST(7) as 10-byte reals, then FNINIT. */
HANDLER(fpu_fnsave)
{
    fpu_check_nm(c);
    struct x86_fpu *f = &c->s.fpu;
    uint32_t ea = insn_ea(c, i);
    unsigned off = env_size(i);
    fpu_probe_write(c, i->seg, ea, off + 80);
    env_write(c, i, ea);
    for (unsigned k = 0; k < 8; k++)
        fpu_write80(c, i->seg, ea + off + 10 * k, fpu_get(f, k));
    fpu_init(f);
}

HANDLER(fpu_frstor)
{
    fpu_enter(c);
    struct x86_fpu *f = &c->s.fpu;
    uint32_t ea = insn_ea(c, i);
    unsigned off = env_size(i);
    struct env e;
    f80 r[8];
    env_read(c, i, ea, &e);
    for (unsigned k = 0; k < 8; k++)
        r[k] = fpu_read80(c, i->seg, ea + off + 10 * k);
    env_set(c, &e);
    uint8_t ftw = f->ftw;
    for (unsigned k = 0; k < 8; k++)
        fpu_set(f, k, r[k]);
    f->ftw = ftw;           /* fpu_set marked every register valid */
}
