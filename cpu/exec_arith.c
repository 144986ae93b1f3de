/* Integer arithmetic: the eight ALU operations in every form, INC/DEC,
 * NOT/NEG, multiply and divide, sign extension, BCD adjust, XADD/CMPXCHG. */
#include "cpu/exec.h"

/* The result of an ALU operation; flags are set separately so that a
 * faulting memory write leaves them untouched. */
static inline uint32_t alu_res(struct cpu *c, int op, uint32_t a, uint32_t b,
                               uint32_t *cin)
{
    switch (op) {
    case ALU_ADD: return a + b;
    case ALU_OR: return a | b;
    case ALU_ADC: *cin = lf_cf(c); return a + b + *cin;
    case ALU_SBB: *cin = lf_cf(c); return a - b - *cin;
    case ALU_AND: return a & b;
    case ALU_SUB: case ALU_CMP: return a - b;
    default: return a ^ b;
    }
}

static inline void alu_flags(struct cpu *c, int op, uint32_t a, uint32_t b,
                             uint32_t r, uint32_t cin, unsigned bits)
{
    static const uint8_t lfop[8] = { LF_ADD, LF_LOGIC, LF_ADC, LF_SBB,
                                     LF_LOGIC, LF_SUB, LF_LOGIC, LF_SUB };
    lf_set(c, lfop[op], bits, r, a, b);
    c->lf.aux = cin;
}

#define ALU_FORMS(op, sz)                                                    \
    static void alu##op##_rr##sz(struct cpu *c, const struct insn *i)        \
    {                                                                        \
        uint32_t a = get_reg(c, i->rm, sz), b = get_reg(c, i->reg, sz), ci = 0;\
        uint32_t r = alu_res(c, op, a, b, &ci);                              \
        if (op != ALU_CMP) set_reg(c, i->rm, r, sz);                         \
        alu_flags(c, op, a, b, r, ci, sz * 8);                               \
    }                                                                        \
    static void alu##op##_mr##sz(struct cpu *c, const struct insn *i)        \
    {                                                                        \
        uint32_t ea = insn_ea(c, i);                                         \
        uint32_t a = mem_read(c, i->seg, ea, sz), b = get_reg(c, i->reg, sz);\
        uint32_t ci = 0, r = alu_res(c, op, a, b, &ci);                      \
        if (op != ALU_CMP) mem_write(c, i->seg, ea, r, sz);                  \
        alu_flags(c, op, a, b, r, ci, sz * 8);                               \
    }                                                                        \
    static void alu##op##_rm##sz(struct cpu *c, const struct insn *i)        \
    {                                                                        \
        uint32_t b = mem_read(c, i->seg, insn_ea(c, i), sz);                 \
        uint32_t a = get_reg(c, i->reg, sz), ci = 0;                         \
        uint32_t r = alu_res(c, op, a, b, &ci);                              \
        if (op != ALU_CMP) set_reg(c, i->reg, r, sz);                        \
        alu_flags(c, op, a, b, r, ci, sz * 8);                               \
    }                                                                        \
    static void alu##op##_ri##sz(struct cpu *c, const struct insn *i)        \
    {                                                                        \
        uint32_t a = get_reg(c, i->rm, sz), b = i->imm, ci = 0;              \
        uint32_t r = alu_res(c, op, a, b, &ci);                              \
        if (op != ALU_CMP) set_reg(c, i->rm, r, sz);                         \
        alu_flags(c, op, a, b, r, ci, sz * 8);                               \
    }                                                                        \
    static void alu##op##_mi##sz(struct cpu *c, const struct insn *i)        \
    {                                                                        \
        uint32_t ea = insn_ea(c, i);                                         \
        uint32_t a = mem_read(c, i->seg, ea, sz), b = i->imm, ci = 0;        \
        uint32_t r = alu_res(c, op, a, b, &ci);                              \
        if (op != ALU_CMP) mem_write(c, i->seg, ea, r, sz);                  \
        alu_flags(c, op, a, b, r, ci, sz * 8);                               \
    }
#define ALU_OP(op) ALU_FORMS(op, 1) ALU_FORMS(op, 2) ALU_FORMS(op, 4)
ALU_OP(0) ALU_OP(1) ALU_OP(2) ALU_OP(3) ALU_OP(4) ALU_OP(5) ALU_OP(6) ALU_OP(7)

#define ALU_ROW(op)                                                          \
    { { alu##op##_rr1, alu##op##_rr2, alu##op##_rr4 },                       \
      { alu##op##_mr1, alu##op##_mr2, alu##op##_mr4 },                       \
      { alu##op##_rm1, alu##op##_rm2, alu##op##_rm4 },                       \
      { alu##op##_ri1, alu##op##_ri2, alu##op##_ri4 },                       \
      { alu##op##_mi1, alu##op##_mi2, alu##op##_mi4 } }
const insn_fn alu_handlers[8][NR_FORMS][3] = {
    ALU_ROW(0), ALU_ROW(1), ALU_ROW(2), ALU_ROW(3),
    ALU_ROW(4), ALU_ROW(5), ALU_ROW(6), ALU_ROW(7),
};

/* TEST: AND without writing back (rm form unused: TEST is symmetric). */
#define TEST_FORMS(sz)                                                       \
    static void test_rr##sz(struct cpu *c, const struct insn *i)             \
    {                                                                        \
        lf_set(c, LF_LOGIC, sz * 8, get_reg(c, i->rm, sz) & get_reg(c, i->reg, sz), 0, 0);\
    }                                                                        \
    static void test_mr##sz(struct cpu *c, const struct insn *i)             \
    {                                                                        \
        uint32_t a = mem_read(c, i->seg, insn_ea(c, i), sz);                 \
        lf_set(c, LF_LOGIC, sz * 8, a & get_reg(c, i->reg, sz), 0, 0);       \
    }                                                                        \
    static void test_ri##sz(struct cpu *c, const struct insn *i)             \
    {                                                                        \
        lf_set(c, LF_LOGIC, sz * 8, get_reg(c, i->rm, sz) & i->imm, 0, 0);   \
    }                                                                        \
    static void test_mi##sz(struct cpu *c, const struct insn *i)             \
    {                                                                        \
        uint32_t a = mem_read(c, i->seg, insn_ea(c, i), sz);                 \
        lf_set(c, LF_LOGIC, sz * 8, a & i->imm, 0, 0);                       \
    }
TEST_FORMS(1) TEST_FORMS(2) TEST_FORMS(4)
const insn_fn test_handlers[NR_FORMS][3] = {
    { test_rr1, test_rr2, test_rr4 }, { test_mr1, test_mr2, test_mr4 },
    { test_mr1, test_mr2, test_mr4 }, { test_ri1, test_ri2, test_ri4 },
    { test_mi1, test_mi2, test_mi4 },
};

HANDLER(exec_inc)
{
    unsigned sz = i->osize;
    bool cf = lf_cf(c);
    uint32_t a = get_E(c, i), r = a + 1;
    set_E(c, i, r);
    lf_set(c, LF_INC, sz * 8, r, a, 1);
    c->lf.aux = cf;
}

HANDLER(exec_dec)
{
    unsigned sz = i->osize;
    bool cf = lf_cf(c);
    uint32_t a = get_E(c, i), r = a - 1;
    set_E(c, i, r);
    lf_set(c, LF_DEC, sz * 8, r, a, 1);
    c->lf.aux = cf;
}

HANDLER(exec_not)
{
    set_E(c, i, ~get_E(c, i));
}

HANDLER(exec_neg)
{
    uint32_t b = get_E(c, i), r = 0 - b;
    set_E(c, i, r);
    lf_set(c, LF_SUB, i->osize * 8, r, 0, b);
}

static inline uint32_t size_mask(unsigned sz)
{
    return sz == 4 ? 0xffffffffu : (1u << (sz * 8)) - 1;
}

static inline int32_t sext(uint32_t v, unsigned sz)
{
    return sz == 1 ? (int8_t)v : sz == 2 ? (int16_t)v : (int32_t)v;
}

/* MUL/IMUL one-operand: AX = AL*src, DX:AX = AX*src, EDX:EAX = EAX*src.
 * SF/ZF/PF follow the low half as Intel CPUs do (architecturally undefined). */
HANDLER(exec_mul)
{
    unsigned sz = i->osize;
    uint64_t r = (uint64_t)get_reg(c, R_EAX, sz == 1 ? 1 : sz) * get_E(c, i);
    bool hi;
    if (sz == 1) {
        set_reg(c, R_EAX, (uint32_t)r, 2);
        hi = (r >> 8) != 0;
    } else {
        set_reg(c, R_EAX, (uint32_t)r, sz);
        set_reg(c, R_EDX, (uint32_t)(r >> (sz * 8)), sz);
        hi = (r >> (sz * 8)) != 0;
    }
    lf_expl(c, sz * 8, (uint32_t)r, hi ? F_CF | F_OF : 0);
}

HANDLER(exec_imul1)
{
    unsigned sz = i->osize;
    int64_t r = (int64_t)sext(get_reg(c, R_EAX, sz), sz) * sext(get_E(c, i), sz);
    bool ovf = r != sext((uint32_t)r, sz);
    if (sz == 1) {
        set_reg(c, R_EAX, (uint32_t)r, 2);
    } else {
        set_reg(c, R_EAX, (uint32_t)r, sz);
        set_reg(c, R_EDX, (uint32_t)((uint64_t)r >> (sz * 8)), sz);
    }
    lf_expl(c, sz * 8, (uint32_t)r, ovf ? F_CF | F_OF : 0);
}

static void imul_to_reg(struct cpu *c, const struct insn *i, uint32_t a,
                        uint32_t b)
{
    unsigned sz = i->osize;
    int64_t r = (int64_t)sext(a, sz) * sext(b, sz);
    bool ovf = r != sext((uint32_t)r, sz);
    set_reg(c, i->reg, (uint32_t)r, sz);
    lf_expl(c, sz * 8, (uint32_t)r, ovf ? F_CF | F_OF : 0);
}

HANDLER(exec_imul2)   /* 0F AF: Gv = Gv * Ev */
{
    imul_to_reg(c, i, get_reg(c, i->reg, i->osize), get_E(c, i));
}

HANDLER(exec_imul3)   /* 69/6B: Gv = Ev * imm */
{
    imul_to_reg(c, i, get_E(c, i), i->imm);
}

HANDLER(exec_div)
{
    unsigned sz = i->osize;
    uint64_t d = get_E(c, i);
    if (d == 0)
        cpu_fault(c, EXC_DE, NO_ERR);
    uint64_t n;
    if (sz == 1)
        n = get_reg(c, R_EAX, 2);
    else
        n = ((uint64_t)get_reg(c, R_EDX, sz) << (sz * 8)) | get_reg(c, R_EAX, sz);
    uint64_t q = n / d, r = n % d;
    if (q > size_mask(sz))
        cpu_fault(c, EXC_DE, NO_ERR);
    if (sz == 1) {
        set_reg(c, R_EAX, (uint32_t)((r << 8) | q), 2);
    } else {
        set_reg(c, R_EAX, (uint32_t)q, sz);
        set_reg(c, R_EDX, (uint32_t)r, sz);
    }
}

HANDLER(exec_idiv)
{
    unsigned sz = i->osize;
    int64_t d = sext(get_E(c, i), sz);
    if (d == 0)
        cpu_fault(c, EXC_DE, NO_ERR);
    int64_t n;
    if (sz == 1)
        n = (int16_t)get_reg(c, R_EAX, 2);
    else if (sz == 2)
        n = (int32_t)((get_reg(c, R_EDX, 2) << 16) | get_reg(c, R_EAX, 2));
    else
        n = (int64_t)(((uint64_t)get_reg(c, R_EDX, 4) << 32) | get_reg(c, R_EAX, 4));
    if (n == INT64_MIN && d == -1)
        cpu_fault(c, EXC_DE, NO_ERR);
    int64_t q = n / d, r = n % d;
    if (q != sext((uint32_t)q, sz))
        cpu_fault(c, EXC_DE, NO_ERR);
    if (sz == 1) {
        set_reg(c, R_EAX, (uint32_t)(((r & 0xff) << 8) | (q & 0xff)), 2);
    } else {
        set_reg(c, R_EAX, (uint32_t)q, sz);
        set_reg(c, R_EDX, (uint32_t)r, sz);
    }
}

HANDLER(exec_cbw)   /* CBW / CWDE */
{
    if (i->osize == 2)
        set_reg(c, R_EAX, (uint32_t)(int8_t)get_reg(c, R_EAX, 1), 2);
    else
        set_reg(c, R_EAX, (uint32_t)(int16_t)get_reg(c, R_EAX, 2), 4);
}

HANDLER(exec_cwd)   /* CWD / CDQ */
{
    unsigned sz = i->osize;
    uint32_t sign = get_reg(c, R_EAX, sz) >> (sz * 8 - 1);
    set_reg(c, R_EDX, sign ? 0xffffffffu : 0, sz);
}

/* ---- BCD (results and flags as the SDM's pseudo-code) ---- */

static void bcd_flags(struct cpu *c, uint32_t al, bool cf, bool af, bool of)
{
    lf_expl(c, 8, al, (cf ? F_CF : 0) | (af ? F_AF : 0) | (of ? F_OF : 0));
}

HANDLER(exec_daa)
{
    (void)i;
    uint32_t f = lf_arith(c);
    uint8_t al = (uint8_t)get_reg(c, 0, 1), old = al;
    bool cf = f & F_CF, af = false;
    if ((al & 0xf) > 9 || (f & F_AF)) {
        al += 6;
        af = true;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        cf = true;
    } else {
        cf = false;
    }
    *reg8p(c, 0) = al;
    bcd_flags(c, al, cf, af, false);
}

HANDLER(exec_das)
{
    (void)i;
    uint32_t f = lf_arith(c);
    uint8_t al = (uint8_t)get_reg(c, 0, 1), old = al;
    bool cf = false, af = false;
    if ((al & 0xf) > 9 || (f & F_AF)) {
        cf = (f & F_CF) || al < 6;
        al -= 6;
        af = true;
    }
    if (old > 0x99 || (f & F_CF)) {
        al -= 0x60;
        cf = true;
    }
    *reg8p(c, 0) = al;
    bcd_flags(c, al, cf, af, false);
}

HANDLER(exec_aaa)
{
    (void)i;
    uint32_t f = lf_arith(c);
    uint16_t ax = (uint16_t)get_reg(c, R_EAX, 2);
    bool adj = (ax & 0xf) > 9 || (f & F_AF);
    if (adj)
        ax = (uint16_t)(ax + 0x106);
    ax &= 0xff0f;
    set_reg(c, R_EAX, ax, 2);
    bcd_flags(c, ax & 0xff, adj, adj, false);
}

HANDLER(exec_aas)
{
    (void)i;
    uint32_t f = lf_arith(c);
    uint16_t ax = (uint16_t)get_reg(c, R_EAX, 2);
    bool adj = (ax & 0xf) > 9 || (f & F_AF);
    if (adj) {
        ax = (uint16_t)(ax - 6);
        ax = (uint16_t)(ax - 0x100);
    }
    ax &= 0xff0f;
    set_reg(c, R_EAX, ax, 2);
    bcd_flags(c, ax & 0xff, adj, adj, false);
}

HANDLER(exec_aam)
{
    uint8_t base = (uint8_t)i->imm, al = (uint8_t)get_reg(c, 0, 1);
    if (base == 0)
        cpu_fault(c, EXC_DE, NO_ERR);
    uint8_t ah = al / base;
    al = al % base;
    set_reg(c, R_EAX, ((uint32_t)ah << 8) | al, 2);
    lf_set(c, LF_LOGIC, 8, al, 0, 0);
}

HANDLER(exec_aad)
{
    uint8_t base = (uint8_t)i->imm;
    uint16_t ax = (uint16_t)get_reg(c, R_EAX, 2);
    uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * base);
    set_reg(c, R_EAX, al, 2);
    lf_set(c, LF_LOGIC, 8, al, 0, 0);
}

HANDLER(exec_xadd)
{
    unsigned sz = i->osize;
    uint32_t a = get_E(c, i), b = get_reg(c, i->reg, sz), r = a + b;
    if (i->mod == 3) {
        /* SRC <- DEST, then DEST <- sum: XADD r, r leaves the sum */
        set_reg(c, i->reg, a, sz);
        set_E(c, i, r);
    } else {
        set_E(c, i, r);   /* may fault: the register only after it */
        set_reg(c, i->reg, a, sz);
    }
    lf_set(c, LF_ADD, sz * 8, r, a, b);
}

HANDLER(exec_cmpxchg)
{
    unsigned sz = i->osize;
    uint32_t d = get_E(c, i), acc = get_reg(c, R_EAX, sz);
    if (acc == d) {
        set_E(c, i, get_reg(c, i->reg, sz));
    } else {
        set_E(c, i, d);   /* the destination is always written */
        set_reg(c, R_EAX, d, sz);
    }
    lf_set(c, LF_SUB, sz * 8, acc - d, acc, d);
}

HANDLER(exec_cmpxchg8b)
{
    if (i->mod == 3)
        cpu_fault(c, EXC_UD, NO_ERR);
    uint32_t ea = insn_ea(c, i);
    uint32_t lo = mem_read(c, i->seg, ea, 4), hi = mem_read(c, i->seg, ea + 4, 4);
    uint32_t f = cpu_get_eflags(c) & ~F_ZF;
    if (lo == (uint32_t)c->s.gpr[R_EAX] && hi == (uint32_t)c->s.gpr[R_EDX]) {
        mem_probe_write(c, i->seg, ea, 8);
        mem_write(c, i->seg, ea, (uint32_t)c->s.gpr[R_EBX], 4);
        mem_write(c, i->seg, ea + 4, (uint32_t)c->s.gpr[R_ECX], 4);
        f |= F_ZF;
    } else {
        mem_probe_write(c, i->seg, ea, 8);
        mem_write(c, i->seg, ea, lo, 4);
        mem_write(c, i->seg, ea + 4, hi, 4);
        c->s.gpr[R_EAX] = lo;
        c->s.gpr[R_EDX] = hi;
    }
    cpu_set_eflags(c, f, F_ZF);
}

/* 32-bit register forms of the above, frequent in integer code: no size
 * or operand-kind tests at run time (decode_insn picks them). */
HANDLER(exec_inc_r4)
{
    bool cf = lf_cf(c);
    uint32_t a = (uint32_t)c->s.gpr[i->rm];
    c->s.gpr[i->rm] = a + 1;
    lf_set(c, LF_INC, 32, a + 1, a, 1);
    c->lf.aux = cf;
}

HANDLER(exec_dec_r4)
{
    bool cf = lf_cf(c);
    uint32_t a = (uint32_t)c->s.gpr[i->rm];
    c->s.gpr[i->rm] = a - 1;
    lf_set(c, LF_DEC, 32, a - 1, a, 1);
    c->lf.aux = cf;
}

HANDLER(exec_not_r4)
{
    c->s.gpr[i->rm] = (uint32_t)~c->s.gpr[i->rm];
}

HANDLER(exec_neg_r4)
{
    uint32_t b = (uint32_t)c->s.gpr[i->rm];
    c->s.gpr[i->rm] = 0 - b;
    lf_set(c, LF_SUB, 32, 0 - b, 0, b);
}

static inline void imul_r4(struct cpu *c, const struct insn *i, uint32_t a,
                           uint32_t b)
{
    int64_t r = (int64_t)(int32_t)a * (int32_t)b;
    c->s.gpr[i->reg] = (uint32_t)r;
    lf_expl(c, 32, (uint32_t)r, r != (int32_t)r ? F_CF | F_OF : 0);
}

HANDLER(exec_imul2_r4)
{
    imul_r4(c, i, (uint32_t)c->s.gpr[i->reg], (uint32_t)c->s.gpr[i->rm]);
}

HANDLER(exec_imul3_r4)
{
    imul_r4(c, i, (uint32_t)c->s.gpr[i->rm], i->imm);
}

/* Forms for instructions whose flags are dead: overwritten later in the
 * block before anything can read them (cpu/flags_live.c picks these). */
#define ALU_NF(op, OPER)                                                     \
    static void alu##op##_rr4_nf(struct cpu *c, const struct insn *i)       \
    {                                                                        \
        c->s.gpr[i->rm] = (uint32_t)c->s.gpr[i->rm] OPER (uint32_t)c->s.gpr[i->reg];\
    }                                                                        \
    static void alu##op##_ri4_nf(struct cpu *c, const struct insn *i)       \
    {                                                                        \
        c->s.gpr[i->rm] = (uint32_t)c->s.gpr[i->rm] OPER i->imm;             \
    }
ALU_NF(0, +) ALU_NF(1, |) ALU_NF(4, &) ALU_NF(5, -) ALU_NF(6, ^)

/* [op][0 rr, 1 ri], 32-bit; NULL where the flags are read (ADC, SBB) */
const insn_fn alu_nf_handlers[8][2] = {
    [ALU_ADD] = { alu0_rr4_nf, alu0_ri4_nf },
    [ALU_OR] = { alu1_rr4_nf, alu1_ri4_nf },
    [ALU_AND] = { alu4_rr4_nf, alu4_ri4_nf },
    [ALU_SUB] = { alu5_rr4_nf, alu5_ri4_nf },
    [ALU_XOR] = { alu6_rr4_nf, alu6_ri4_nf },
    [ALU_CMP] = { exec_nop, exec_nop },   /* only flags: nothing left */
};

HANDLER(exec_neg_r4_nf)
{
    c->s.gpr[i->rm] = (uint32_t)(0 - c->s.gpr[i->rm]);
}

HANDLER(exec_imul2_r4_nf)
{
    c->s.gpr[i->reg] = (uint32_t)c->s.gpr[i->reg] * (uint32_t)c->s.gpr[i->rm];
}

HANDLER(exec_imul3_r4_nf)
{
    c->s.gpr[i->reg] = (uint32_t)c->s.gpr[i->rm] * i->imm;
}

/* Threaded twins of the frequent forms (see thread_next in interp.h). */
#define ALU_TWINS(op)                                                        \
    TWIN(alu##op##_rr1) TWIN(alu##op##_ri1) TWIN_CHECKED(alu##op##_mi4)      \
    TWIN_CHECKED(alu##op##_rm1) TWIN_CHECKED(alu##op##_mi1)
#define ALU_REG4_TWINS(op) TWIN(alu##op##_rr4) TWIN(alu##op##_ri4)
ALU_REG4_TWINS(0) ALU_REG4_TWINS(1) ALU_REG4_TWINS(4) ALU_REG4_TWINS(5)
ALU_REG4_TWINS(6) ALU_REG4_TWINS(7)
/* ADC/SBB r32: the carry-in straight from the lazy flags, or the plain
 * handler by a tail call where it takes lf_arith (no stack frame on the
 * common path) */
#define CARRY_TWIN(op, form, SRC)                                            \
    static __attribute__((noinline)) void alu##op##_##form##4_slow(          \
        struct cpu *c, const struct insn *i)                                 \
    {                                                                        \
        alu##op##_##form##4(c, i);                                           \
        thread_next(c, i);                                                   \
    }                                                                        \
    static void alu##op##_##form##4_thr(struct cpu *c, const struct insn *i) \
    {                                                                        \
        const int cf = lf_cf_fast(c);                                        \
        if (unlikely(cf < 0)) {                                              \
            alu##op##_##form##4_slow(c, i);                                  \
            return;                                                          \
        }                                                                    \
        const uint32_t a = (uint32_t)c->s.gpr[i->rm], b = (SRC);             \
        const uint32_t r = op == ALU_ADC ? a + b + cf : a - b - cf;          \
        c->s.gpr[i->rm] = r;                                                 \
        alu_flags(c, op, a, b, r, (uint32_t)cf, 32);                         \
        thread_next(c, i);                                                   \
    }
CARRY_TWIN(2, rr, (uint32_t)c->s.gpr[i->reg]) CARRY_TWIN(2, ri, i->imm)
CARRY_TWIN(3, rr, (uint32_t)c->s.gpr[i->reg]) CARRY_TWIN(3, ri, i->imm)
/* register destination, memory source: the fast path inline, except for
 * ADC/SBB (their carry-in may need lf_arith) */
#define ALU_RM4_FAST(op)                                                     \
    TWIN_MEM(alu##op##_rm4, TLB_READ, {                                      \
        uint32_t b, ci = 0;                                                  \
        memcpy(&b, p, 4);                                                    \
        const uint32_t a = (uint32_t)c->s.gpr[i->reg];                       \
        const uint32_t r = alu_res(c, op, a, b, &ci);                        \
        if (op != ALU_CMP)                                                   \
            c->s.gpr[i->reg] = r;                                            \
        alu_flags(c, op, a, b, r, ci, 32);                                   \
    })
ALU_RM4_FAST(0) ALU_RM4_FAST(1) ALU_RM4_FAST(4) ALU_RM4_FAST(5)
ALU_RM4_FAST(6) ALU_RM4_FAST(7)
TWIN_CHECKED(alu2_rm4) TWIN_CHECKED(alu3_rm4)
/* memory destination: CMP only reads */
TWIN_MEM(alu7_mr4, TLB_READ, {
    uint32_t a;
    memcpy(&a, p, 4);
    const uint32_t b = (uint32_t)c->s.gpr[i->reg];
    alu_flags(c, ALU_CMP, a, b, a - b, 0, 32);
})
TWIN_CHECKED(alu0_mr4) TWIN_CHECKED(alu1_mr4) TWIN_CHECKED(alu2_mr4)
TWIN_CHECKED(alu3_mr4) TWIN_CHECKED(alu4_mr4) TWIN_CHECKED(alu5_mr4)
TWIN_CHECKED(alu6_mr4)
#define ALU_TWIN_ENTRIES(op)                                                 \
    TWIN_ENTRY(alu##op##_rr4), TWIN_ENTRY(alu##op##_ri4),                    \
    TWIN_ENTRY(alu##op##_rr1), TWIN_ENTRY(alu##op##_ri1),                    \
    TWIN_ENTRY(alu##op##_rm4), TWIN_ENTRY(alu##op##_mr4),                    \
    TWIN_ENTRY(alu##op##_mi4), TWIN_ENTRY(alu##op##_rm1),                    \
    TWIN_ENTRY(alu##op##_mi1)
ALU_TWINS(0) ALU_TWINS(1) ALU_TWINS(2) ALU_TWINS(3)
ALU_TWINS(4) ALU_TWINS(5) ALU_TWINS(6) ALU_TWINS(7)
#define ALU_NF_TWINS(op) TWIN(alu##op##_rr4_nf) TWIN(alu##op##_ri4_nf)
ALU_NF_TWINS(0) ALU_NF_TWINS(1) ALU_NF_TWINS(4) ALU_NF_TWINS(5) ALU_NF_TWINS(6)
TWIN(test_rr4) TWIN(test_ri4) TWIN(test_rr1) TWIN(test_ri1)
TWIN_CHECKED(test_mr4) TWIN_CHECKED(test_mi4) TWIN_CHECKED(test_mi1)
TWIN(exec_inc_r4) TWIN(exec_dec_r4) TWIN(exec_not_r4) TWIN(exec_neg_r4)
TWIN(exec_imul2_r4) TWIN(exec_imul3_r4) TWIN(exec_neg_r4_nf)
TWIN(exec_imul2_r4_nf) TWIN(exec_imul3_r4_nf)

const struct insn_twin arith_twins[] = {
    ALU_TWIN_ENTRIES(0), ALU_TWIN_ENTRIES(1), ALU_TWIN_ENTRIES(2),
    ALU_TWIN_ENTRIES(3), ALU_TWIN_ENTRIES(4), ALU_TWIN_ENTRIES(5),
    ALU_TWIN_ENTRIES(6), ALU_TWIN_ENTRIES(7),
    TWIN_ENTRY(alu0_rr4_nf), TWIN_ENTRY(alu0_ri4_nf),
    TWIN_ENTRY(alu1_rr4_nf), TWIN_ENTRY(alu1_ri4_nf),
    TWIN_ENTRY(alu4_rr4_nf), TWIN_ENTRY(alu4_ri4_nf),
    TWIN_ENTRY(alu5_rr4_nf), TWIN_ENTRY(alu5_ri4_nf),
    TWIN_ENTRY(alu6_rr4_nf), TWIN_ENTRY(alu6_ri4_nf),
    TWIN_ENTRY(test_rr4), TWIN_ENTRY(test_ri4), TWIN_ENTRY(test_rr1),
    TWIN_ENTRY(test_ri1), TWIN_ENTRY(test_mr4), TWIN_ENTRY(test_mi4),
    TWIN_ENTRY(test_mi1),
    TWIN_ENTRY(exec_inc_r4), TWIN_ENTRY(exec_dec_r4), TWIN_ENTRY(exec_not_r4),
    TWIN_ENTRY(exec_neg_r4), TWIN_ENTRY(exec_imul2_r4),
    TWIN_ENTRY(exec_imul3_r4), TWIN_ENTRY(exec_neg_r4_nf),
    TWIN_ENTRY(exec_imul2_r4_nf), TWIN_ENTRY(exec_imul3_r4_nf),
    { NULL, NULL },
};
