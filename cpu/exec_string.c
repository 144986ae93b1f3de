/* String instructions with REP/REPE/REPNE, both address sizes and segment
 * overrides on the source.  Each iteration commits its register updates, so
 * a fault leaves the registers at the iteration that faulted, and long
 * repeats yield every STR_CHUNK iterations so interrupts are not held off. */
#include "cpu/exec.h"

#define STR_CHUNK 4096

bool io_allowed(struct cpu *c, uint16_t port, unsigned size);

static inline uint32_t areg(const struct cpu *c, int r, unsigned asize)
{
    return asize == 2 ? (uint16_t)c->s.gpr[r] : (uint32_t)c->s.gpr[r];
}

static inline void aadd(struct cpu *c, int r, int32_t d, unsigned asize)
{
    set_reg(c, (unsigned)r, areg(c, r, asize) + (uint32_t)d, asize);
}

static inline int32_t step(const struct cpu *c, unsigned sz)
{
    return (c->s.rflags & F_DF) ? -(int32_t)sz : (int32_t)sz;
}

/* Runs `body` once, or under REP for (E)CX iterations.  body returns false
 * to end a REPE/REPNE early. */
#define STRING_LOOP(body_call)                                               \
    do {                                                                     \
        if (!i->rep) {                                                       \
            (void)body_call;                                                 \
            return;                                                          \
        }                                                                    \
        for (unsigned n = 0; areg(c, R_ECX, i->asize) != 0; n++) {           \
            if (n == STR_CHUNK) {                                            \
                c->next_eip = c->eip;   /* resume after pending events */    \
                c->stop_block = true;                                        \
                return;                                                      \
            }                                                                \
            bool more = body_call;                                           \
            aadd(c, R_ECX, -1, i->asize);                                    \
            if (!more)                                                       \
                return;                                                      \
        }                                                                    \
    } while (0)

static bool movs_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t v = mem_read(c, i->seg, areg(c, R_ESI, i->asize), sz);
    mem_write(c, S_ES, areg(c, R_EDI, i->asize), v, sz);
    aadd(c, R_ESI, step(c, sz), i->asize);
    aadd(c, R_EDI, step(c, sz), i->asize);
    return true;
}

static bool stos_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    mem_write(c, S_ES, areg(c, R_EDI, i->asize), get_reg(c, R_EAX, sz), sz);
    aadd(c, R_EDI, step(c, sz), i->asize);
    return true;
}

static bool lods_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    set_reg(c, R_EAX, mem_read(c, i->seg, areg(c, R_ESI, i->asize), sz), sz);
    aadd(c, R_ESI, step(c, sz), i->asize);
    return true;
}

/* REPE (F3) continues while equal, REPNE (F2) while not equal. */
static bool cmp_more(const struct cpu *c, const struct insn *i, uint32_t a,
                     uint32_t b)
{
    (void)c;
    return i->rep == 0xf3 ? a == b : a != b;
}

static bool cmps_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t a = mem_read(c, i->seg, areg(c, R_ESI, i->asize), sz);
    uint32_t b = mem_read(c, S_ES, areg(c, R_EDI, i->asize), sz);
    lf_set(c, LF_SUB, sz * 8, a - b, a, b);
    aadd(c, R_ESI, step(c, sz), i->asize);
    aadd(c, R_EDI, step(c, sz), i->asize);
    uint32_t m = sz == 4 ? 0xffffffffu : (1u << (sz * 8)) - 1;
    return cmp_more(c, i, a & m, b & m);
}

static bool scas_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t a = get_reg(c, R_EAX, sz);
    uint32_t b = mem_read(c, S_ES, areg(c, R_EDI, i->asize), sz);
    lf_set(c, LF_SUB, sz * 8, a - b, a, b);
    aadd(c, R_EDI, step(c, sz), i->asize);
    return cmp_more(c, i, a, b);
}

static bool ins_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint16_t port = (uint16_t)c->s.gpr[R_EDX];
    uint32_t di = areg(c, R_EDI, i->asize);
    mem_probe_write(c, S_ES, di, sz);
    uint32_t v = c->bus.io_in(c->bus.opaque, port, sz);
    mem_write(c, S_ES, di, v, sz);
    aadd(c, R_EDI, step(c, sz), i->asize);
    return true;
}

static bool outs_one(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint16_t port = (uint16_t)c->s.gpr[R_EDX];
    uint32_t v = mem_read(c, i->seg, areg(c, R_ESI, i->asize), sz);
    c->bus.io_out(c->bus.opaque, port, v, sz);
    aadd(c, R_ESI, step(c, sz), i->asize);
    return true;
}

HANDLER(exec_movs) { STRING_LOOP(movs_one(c, i)); }
HANDLER(exec_stos) { STRING_LOOP(stos_one(c, i)); }
HANDLER(exec_lods) { STRING_LOOP(lods_one(c, i)); }
HANDLER(exec_cmps) { STRING_LOOP(cmps_one(c, i)); }
HANDLER(exec_scas) { STRING_LOOP(scas_one(c, i)); }

HANDLER(exec_ins)
{
    if (!io_allowed(c, (uint16_t)c->s.gpr[R_EDX], i->osize))
        cpu_fault(c, EXC_GP, 0);
    STRING_LOOP(ins_one(c, i));
}

HANDLER(exec_outs)
{
    if (!io_allowed(c, (uint16_t)c->s.gpr[R_EDX], i->osize))
        cpu_fault(c, EXC_GP, 0);
    STRING_LOOP(outs_one(c, i));
}
