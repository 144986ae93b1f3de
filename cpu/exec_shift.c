/* Shifts and rotates (group 2), SHLD and SHRD.  Flags as Intel processors
 * produce them; the SDM leaves OF undefined for counts above 1 and AF for
 * all shifts, which tests mask. */
#include "cpu/exec.h"

static uint32_t shift_count(struct cpu *c, const struct insn *i)
{
    return (i->imm2 ? (uint32_t)c->s.gpr[R_ECX] : i->imm) & 31;
}

HANDLER(exec_shift)
{
    unsigned sz = i->osize, bits = sz * 8;
    uint32_t mask = sz == 4 ? 0xffffffffu : (1u << bits) - 1;
    uint32_t msb = 1u << (bits - 1);
    uint32_t cnt = shift_count(c, i);
    uint32_t a = get_E(c, i) & mask, r;
    bool cf, of;
    if (cnt == 0)
        return;
    uint32_t f = 0;   /* old flags: only rotates need them */
    switch (i->opc2) {
    case 0: {   /* ROL */
        unsigned n = cnt % bits;
        r = n ? ((a << n) | (a >> (bits - n))) & mask : a;
        cf = r & 1;
        of = !!(r & msb) ^ cf;
        goto rotate;
    }
    case 1: {   /* ROR */
        unsigned n = cnt % bits;
        r = n ? ((a >> n) | (a << (bits - n))) & mask : a;
        cf = !!(r & msb);
        of = !!(r & msb) ^ !!(r & (msb >> 1));
        goto rotate;
    }
    case 2: {   /* RCL: rotate through CF, a (bits+1)-bit rotate */
        unsigned n = sz == 4 ? cnt : cnt % (bits + 1);
        f = lf_arith(c);
        uint64_t v = ((uint64_t)(f & F_CF) << bits) | a;
        for (unsigned k = 0; k < n; k++)
            v = ((v << 1) | (v >> bits)) & ((2ull << bits) - 1);
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        of = !!(r & msb) ^ cf;
        goto rotate;
    }
    case 3: {   /* RCR */
        unsigned n = sz == 4 ? cnt : cnt % (bits + 1);
        f = lf_arith(c);
        uint64_t v = ((uint64_t)(f & F_CF) << bits) | a;
        for (unsigned k = 0; k < n; k++)
            v = ((v >> 1) | ((v & 1) << bits)) & ((2ull << bits) - 1);
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        of = !!(r & msb) ^ !!(r & (msb >> 1));
        goto rotate;
    }
    case 4:
    case 6: {   /* SHL/SAL */
        uint64_t v = (uint64_t)a << cnt;
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        of = !!(r & msb) ^ cf;
        break;
    }
    case 5:     /* SHR */
        r = cnt >= 32 ? 0 : a >> cnt;
        cf = (a >> (cnt - 1)) & 1;
        of = !!(a & msb);
        break;
    default: {  /* SAR */
        int64_t s = sz == 1 ? (int8_t)a : sz == 2 ? (int16_t)a : (int32_t)a;
        r = (uint32_t)(s >> cnt) & mask;
        cf = (s >> (cnt - 1)) & 1;
        of = false;
        break;
    }
    }
    set_E(c, i, r);
    lf_expl(c, bits, r, (cf ? F_CF : 0) | (of ? F_OF : 0));
    return;
rotate:
    set_E(c, i, r);
    /* rotates leave SF, ZF, AF and PF alone */
    lf_set_cf_of(c, (cf ? F_CF : 0) | (of ? F_OF : 0));
}

/* Shifts and rotates by an immediate count (known non-zero at decode),
 * one handler per operation, size and operand kind: no run-time switch.
 * Same results and flags as exec_shift. */
#define SHIFT_BODY(op, sz)                                                   \
    const unsigned bits = sz * 8;                                            \
    const uint32_t mask = sz == 4 ? 0xffffffffu : (1u << bits) - 1;          \
    const uint32_t msb = 1u << (bits - 1);                                   \
    uint32_t cnt = i->imm & 31, r;                                           \
    bool cf, of;                                                             \
    a &= mask;                                                               \
    if (op == 0) {                                                           \
        unsigned n = cnt % bits;                                             \
        r = n ? ((a << n) | (a >> ((bits - n) & 31))) & mask : a;            \
        cf = r & 1;                                                          \
        of = !!(r & msb) ^ cf;                                               \
    } else if (op == 1) {                                                    \
        unsigned n = cnt % bits;                                             \
        r = n ? ((a >> n) | (a << ((bits - n) & 31))) & mask : a;            \
        cf = !!(r & msb);                                                    \
        of = !!(r & msb) ^ !!(r & (msb >> 1));                               \
    } else if (op == 4) {                                                    \
        uint64_t v = (uint64_t)a << cnt;                                     \
        r = (uint32_t)v & mask;                                              \
        cf = (v >> bits) & 1;                                                \
        of = !!(r & msb) ^ cf;                                               \
    } else if (op == 5) {                                                    \
        r = a >> cnt;                                                        \
        cf = (a >> (cnt - 1)) & 1;                                           \
        of = !!(a & msb);                                                    \
    } else {                                                                 \
        int64_t sa = sz == 1 ? (int8_t)a : sz == 2 ? (int16_t)a : (int32_t)a;\
        r = (uint32_t)(sa >> cnt) & mask;                                    \
        cf = (sa >> (cnt - 1)) & 1;                                          \
        of = false;                                                          \
    }

#define SHIFT_FLAGS(op, sz)                                                  \
    if (op <= 1)                                                             \
        lf_set_cf_of(c, (cf ? F_CF : 0) | (of ? F_OF : 0));                  \
    else                                                                     \
        lf_expl(c, sz * 8, r, (cf ? F_CF : 0) | (of ? F_OF : 0));

#define SHIFT_IMM_FORMS(op, sz)                                              \
    static void shift##op##_ri##sz(struct cpu *c, const struct insn *i)      \
    {                                                                        \
        uint32_t a = get_reg(c, i->rm, sz);                                  \
        SHIFT_BODY(op, sz)                                                   \
        set_reg(c, i->rm, r, sz);                                            \
        SHIFT_FLAGS(op, sz)                                                  \
    }                                                                        \
    static void shift##op##_mi##sz(struct cpu *c, const struct insn *i)      \
    {                                                                        \
        uint32_t ea = insn_ea(c, i);                                         \
        uint32_t a = mem_read(c, i->seg, ea, sz);                            \
        SHIFT_BODY(op, sz)                                                   \
        mem_write(c, i->seg, ea, r, sz);                                     \
        SHIFT_FLAGS(op, sz)                                                  \
    }
#define SHIFT_IMM_OP(op) \
    SHIFT_IMM_FORMS(op, 1) SHIFT_IMM_FORMS(op, 2) SHIFT_IMM_FORMS(op, 4)
SHIFT_IMM_OP(0) SHIFT_IMM_OP(1) SHIFT_IMM_OP(4) SHIFT_IMM_OP(5) SHIFT_IMM_OP(7)

#define SHIFT_ROW(op)                                                        \
    { { shift##op##_ri1, shift##op##_ri2, shift##op##_ri4 },                 \
      { shift##op##_mi1, shift##op##_mi2, shift##op##_mi4 } }
/* [group-2 op][0 register, 1 memory][size index]; NULL: use exec_shift */
const insn_fn shift_imm_handlers[8][2][3] = {
    [0] = SHIFT_ROW(0), [1] = SHIFT_ROW(1), [4] = SHIFT_ROW(4),
    [5] = SHIFT_ROW(5), [6] = SHIFT_ROW(4), [7] = SHIFT_ROW(7),
};

/* SHL/SHR/SAR r32 by a non-zero immediate with dead flags (see
 * cpu/flags_live.c): [op], NULL for the rest. */
static void shift4_ri4_nf(struct cpu *c, const struct insn *i)
{
    c->s.gpr[i->rm] = (uint32_t)c->s.gpr[i->rm] << (i->imm & 31);
}
static void shift5_ri4_nf(struct cpu *c, const struct insn *i)
{
    c->s.gpr[i->rm] = (uint32_t)c->s.gpr[i->rm] >> (i->imm & 31);
}
static void shift7_ri4_nf(struct cpu *c, const struct insn *i)
{
    c->s.gpr[i->rm] = (uint32_t)((int32_t)c->s.gpr[i->rm] >> (i->imm & 31));
}
const insn_fn shift_nf_handlers[8] = {
    [4] = shift4_ri4_nf, [5] = shift5_ri4_nf, [6] = shift4_ri4_nf,
    [7] = shift7_ri4_nf,
};

static void double_shift(struct cpu *c, const struct insn *i, bool left)
{
    unsigned sz = i->osize, bits = sz * 8;
    uint32_t cnt = shift_count(c, i);
    if (cnt == 0)
        return;
    uint64_t d = get_E(c, i), s = get_reg(c, i->reg, sz), r;
    bool cf;
    if (left) {
        /* 16-bit counts above 16 use the 48-bit value d:s:d (Intel). */
        uint64_t v = sz == 2 ? (d << 32) | (s << 16) | d : (d << bits) | s;
        unsigned total = sz == 2 ? 48 : 64;
        uint64_t sh = v << cnt;
        r = (sh >> (total - bits)) & ((1ull << bits) - 1);
        cf = (v >> (total - cnt)) & 1;
    } else {
        /* counts above 16 for 16-bit operands are undefined */
        uint64_t full = (s << bits) | d;
        r = (full >> cnt) & ((1ull << bits) - 1);
        cf = (full >> (cnt - 1)) & 1;
    }
    uint32_t msb = 1u << (bits - 1);
    bool of = ((uint32_t)r ^ (uint32_t)d) & msb;
    set_E(c, i, (uint32_t)r);
    lf_expl(c, bits, (uint32_t)r, (cf ? F_CF : 0) | (of ? F_OF : 0));
}

HANDLER(exec_shld)
{
    double_shift(c, i, true);
}

HANDLER(exec_shrd)
{
    double_shift(c, i, false);
}

/* Threaded twins of the register forms (see thread_next in interp.h). */
#define SHIFT_TWINS(op) TWIN(shift##op##_ri4) TWIN(shift##op##_ri1)
SHIFT_TWINS(0) SHIFT_TWINS(1) SHIFT_TWINS(4) SHIFT_TWINS(5) SHIFT_TWINS(7)
TWIN(shift4_ri4_nf) TWIN(shift5_ri4_nf) TWIN(shift7_ri4_nf)
const struct insn_twin shift_twins[] = {
    TWIN_ENTRY(shift0_ri4), TWIN_ENTRY(shift1_ri4), TWIN_ENTRY(shift4_ri4),
    TWIN_ENTRY(shift5_ri4), TWIN_ENTRY(shift7_ri4), TWIN_ENTRY(shift0_ri1),
    TWIN_ENTRY(shift1_ri1), TWIN_ENTRY(shift4_ri1), TWIN_ENTRY(shift5_ri1),
    TWIN_ENTRY(shift7_ri1), TWIN_ENTRY(shift4_ri4_nf),
    TWIN_ENTRY(shift5_ri4_nf), TWIN_ENTRY(shift7_ri4_nf),
    { NULL, NULL },
};
