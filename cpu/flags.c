/* Lazy arithmetic flags: computed from the last operation when read. */
#include "cpu/interp.h"

static inline uint32_t parity(uint32_t v)
{
    return __builtin_parity(v & 0xff) ? 0 : F_PF;
}

uint32_t lf_arith(const struct cpu *c)
{
    const struct lazy_flags *l = &c->lf;
    if (l->op == LF_NONE)
        return (uint32_t)c->s.rflags & F_ARITH;
    const uint32_t op = l->op & ~(uint32_t)LF_ROT;
    uint32_t mask = l->bits == 32 ? 0xffffffffu : (1u << l->bits) - 1;
    uint32_t sign = 1u << (l->bits - 1);
    uint32_t res = l->res & mask, a = l->a & mask, b = l->b & mask;
    uint32_t f = parity(res);
    if (res == 0)
        f |= F_ZF;
    if (res & sign)
        f |= F_SF;
    switch (op) {
    case LF_ADD:
        if (res < a) f |= F_CF;
        goto add_of;
    case LF_ADC:
        if (l->aux ? res <= a : res < a) f |= F_CF;
    add_of:
        if ((a ^ res) & (b ^ res) & sign) f |= F_OF;
        f |= (a ^ b ^ res) & F_AF;
        break;
    case LF_SUB:
        if (a < b) f |= F_CF;
        goto sub_of;
    case LF_SBB:
        if (l->aux ? a <= b : a < b) f |= F_CF;
    sub_of:
        if ((a ^ b) & (a ^ res) & sign) f |= F_OF;
        f |= (a ^ b ^ res) & F_AF;
        break;
    case LF_LOGIC:
        break;
    case LF_INC:
        if (res == sign) f |= F_OF;
        f |= (a ^ res) & F_AF;      /* b == 1 */
        f |= l->aux & F_CF;
        break;
    case LF_DEC:
        if (res == sign - 1) f |= F_OF;
        f |= (a ^ res ^ 1) & F_AF;
        f |= l->aux & F_CF;
        break;
    case LF_EXPL:
        f |= l->aux & (F_CF | F_OF | F_AF);
        break;
    }
    if (l->op & LF_ROT)
        f = (f & ~(F_CF | F_OF)) | l->rot;
    return f;
}

/* The conditions cpu_cond_inline (cpu/interp.h) does not take straight
 * from the lazy operands: from the full arithmetic flags. */
bool cpu_cond_slow(const struct cpu *c, unsigned cc)
{
    bool r;
    uint32_t f = lf_arith(c);
    switch (cc >> 1) {
    case 0: r = f & F_OF; break;
    case 1: r = f & F_CF; break;
    case 2: r = f & F_ZF; break;
    case 3: r = f & (F_CF | F_ZF); break;
    case 4: r = f & F_SF; break;
    case 5: r = f & F_PF; break;
    case 6: r = !(f & F_SF) != !(f & F_OF); break;
    default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
    }
    return r ^ (cc & 1);
}

bool cpu_cond(const struct cpu *c, unsigned cc)
{
    return cpu_cond_inline(c, cc);
}

uint32_t cpu_get_eflags(const struct cpu *c)
{
    return ((uint32_t)c->s.rflags & ~F_ARITH) | lf_arith(c) | 0x2;
}

void cpu_set_eflags(struct cpu *c, uint32_t val, uint32_t mask)
{
    uint32_t cur = cpu_get_eflags(c);
    c->s.rflags = ((cur & ~mask) | (val & mask)) | 0x2;
    c->s.rflags &= ~(0x8u | 0x20u | 0x8000u | 0xffc00000u);
    c->lf.op = LF_NONE;
}
