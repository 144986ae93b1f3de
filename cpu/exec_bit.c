/* Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, BSWAP, SETcc, CMOVcc. */
#include "cpu/exec.h"

static void set_cf(struct cpu *c, bool cf)
{
    cpu_set_eflags(c, cf ? F_CF : 0, F_CF);
}

/* opc2: 0 BT, 1 BTS, 2 BTR, 3 BTC; imm2 set for the immediate form. */
HANDLER(exec_bt)
{
    unsigned sz = i->osize, bits = sz * 8;
    uint32_t off = i->imm2 ? i->imm : get_reg(c, i->reg, sz);
    uint32_t bit = off & (bits - 1);
    uint32_t v, ea = 0;
    if (i->mod == 3) {
        v = get_reg(c, i->rm, sz);
    } else {
        ea = insn_ea(c, i);
        if (!i->imm2) {   /* register bit offsets reach beyond the operand */
            int32_t soff = sz == 2 ? (int16_t)off : (int32_t)off;
            ea += (uint32_t)((soff >> (bits == 16 ? 4 : 5)) * (int32_t)sz);
            if (i->asize == 2)
                ea &= 0xffff;
        }
        v = mem_read(c, i->seg, ea, sz);
    }
    bool cf = (v >> bit) & 1;
    if (i->opc2) {
        uint32_t m = 1u << bit;
        v = i->opc2 == 1 ? v | m : i->opc2 == 2 ? v & ~m : v ^ m;
        if (i->mod == 3)
            set_reg(c, i->rm, v, sz);
        else
            mem_write(c, i->seg, ea, v, sz);
    }
    set_cf(c, cf);
}

HANDLER(exec_bsf)
{
    uint32_t v = get_E(c, i);
    if (v)
        set_reg(c, i->reg, (uint32_t)__builtin_ctz(v), i->osize);
    cpu_set_eflags(c, v ? 0 : F_ZF, F_ZF);
}

HANDLER(exec_bsr)
{
    uint32_t v = get_E(c, i);
    if (v)
        set_reg(c, i->reg, 31u - (uint32_t)__builtin_clz(v), i->osize);
    cpu_set_eflags(c, v ? 0 : F_ZF, F_ZF);
}

HANDLER(exec_bswap)
{
    c->s.gpr[i->rm] = __builtin_bswap32((uint32_t)c->s.gpr[i->rm]);
}

HANDLER(exec_setcc)
{
    set_E(c, i, cpu_cond(c, i->opc2));
}

HANDLER(exec_cmovcc)
{
    uint32_t v = get_E(c, i);
    if (cpu_cond(c, i->opc2))
        set_reg(c, i->reg, v, i->osize);
}
