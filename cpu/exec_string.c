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
                cpu_set_next_eip(c, cpu_cur_eip(c));   /* resume after pending events */    \
                cpu_end_block(c);                                        \
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

/* ---- REP MOVS/STOS fast path ----
 * Runs (forward with DF=0, backward with DF=1: Linux's decompressor moves
 * itself with STD; REP MOVSL) that stay inside one page of source and destination,
 * inside the segment limits and without address wrap are done on host
 * memory through the TLB.  Everything else (a TLB miss, MMIO, a page holding
 * decoded code, which never has a write entry) takes the exact per-element
 * path, which also fills the TLB for the next run. */

static uint8_t *tlb_host(struct cpu *c, int kind, uint32_t lin)
{
    const struct tlb_entry *e = &c->tlb[kind][(lin >> 12) & (TLB_SIZE - 1)];
    return e->tag == (lin & ~0xfffu) ? (uint8_t *)(e->addend + lin) : NULL;
}

/* Elements of `sz` bytes that fit from offset `off` of segment `seg` before
 * the page end, the segment limit or the address-size wrap. */
static uint32_t run_fits(const struct cpu *c, int seg, int w, uint32_t off,
                         unsigned sz, unsigned asize, uint32_t n)
{
    const struct seg_range *r = &c->rng[seg][w];
    uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
    uint32_t room = (0x1000 - (lin & 0xfff)) / sz;
    if (off < r->lo || off > r->hi)
        return 0;
    uint32_t seg_room = (r->hi - off) / sz + ((r->hi - off) % sz + 1 >= sz);
    uint32_t end = asize == 2 ? 0xffffu : 0xffffffffu;
    uint32_t wrap_room = (end - off) / sz + ((end - off) % sz + 1 >= sz);
    if (room > seg_room) room = seg_room;
    if (room > wrap_room) room = wrap_room;
    return n < room ? n : room;
}

/* The same going down (DF=1): elements at off, off - sz, ... that fit
 * above the page start, the segment's lowest offset and offset 0. */
static uint32_t run_fits_down(const struct cpu *c, int seg, int w,
                              uint32_t off, unsigned sz, uint32_t n)
{
    const struct seg_range *r = &c->rng[seg][w];
    uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
    if ((lin & 0xfff) + sz > 0x1000 || !seg_ok(c, seg, w, off, sz))
        return 0;
    uint32_t room = (lin & 0xfff) / sz + 1;
    uint32_t seg_room = (off - r->lo) / sz + 1;
    uint32_t wrap_room = off / sz + 1;
    if (room > seg_room) room = seg_room;
    if (room > wrap_room) room = wrap_room;
    return n < room ? n : room;
}

static uint32_t movs_run(struct cpu *c, const struct insn *i, uint32_t cnt)
{
    unsigned sz = i->osize, as = i->asize;
    bool down = c->s.rflags & F_DF;
    uint32_t si = areg(c, R_ESI, as), di = areg(c, R_EDI, as);
    uint32_t n;
    if (down) {
        n = run_fits_down(c, i->seg, 0, si, sz, cnt);
        n = run_fits_down(c, S_ES, 1, di, sz, n);
    } else {
        n = run_fits(c, i->seg, 0, si, sz, as, cnt);
        n = run_fits(c, S_ES, 1, di, sz, as, n);
    }
    if (n == 0)
        return 0;
    const uint8_t *src = tlb_host(c, TLB_READ, (uint32_t)c->s.seg[i->seg].base + si);
    uint8_t *dst = tlb_host(c, TLB_WRITE, (uint32_t)c->s.seg[S_ES].base + di);
    if (!src || !dst)
        return 0;
    size_t len = (size_t)n * sz;
    if (down) {
        /* the run is [off - len + sz, off + sz) on both sides */
        src -= len - sz;
        dst -= len - sz;
        if (dst >= src || dst + len <= src) {
            memmove(dst, src, len);
        } else {
            /* overlapping downward copy: element by element, high first */
            for (size_t k = len; k > 0; k -= sz)
                memcpy(dst + k - sz, src + k - sz, sz);
        }
        aadd(c, R_ESI, -(int32_t)len, as);
        aadd(c, R_EDI, -(int32_t)len, as);
    } else {
        if (dst <= src || dst >= src + len) {
            memmove(dst, src, len);
        } else {
            /* overlapping forward copy: element by element, as the CPU does */
            for (size_t k = 0; k < len; k += sz)
                memcpy(dst + k, src + k, sz);
        }
        aadd(c, R_ESI, (int32_t)len, as);
        aadd(c, R_EDI, (int32_t)len, as);
    }
    aadd(c, R_ECX, -(int32_t)n, as);
    return n;
}

static uint32_t stos_run(struct cpu *c, const struct insn *i, uint32_t cnt)
{
    unsigned sz = i->osize, as = i->asize;
    uint32_t di = areg(c, R_EDI, as);
    if (c->s.rflags & F_DF)
        return 0;   /* rare: the exact path */
    uint32_t n = run_fits(c, S_ES, 1, di, sz, as, cnt);
    if (n == 0)
        return 0;
    uint8_t *dst = tlb_host(c, TLB_WRITE, (uint32_t)c->s.seg[S_ES].base + di);
    if (!dst)
        return 0;
    uint32_t v = get_reg(c, R_EAX, sz);
    if (sz == 1) {
        memset(dst, (int)v, n);
    } else {
        for (uint32_t k = 0; k < n; k++)
            memcpy(dst + (size_t)k * sz, &v, sz);
    }
    aadd(c, R_EDI, (int32_t)(n * sz), as);
    aadd(c, R_ECX, -(int32_t)n, as);
    return n;
}

/* REP with a fast run where possible, else one exact element at a time;
 * yields after STR_CHUNK elements so that events are not held off. */
#define REP_FAST_LOOP(run, one)                                              \
    do {                                                                     \
        if (!i->rep) {                                                       \
            one(c, i);                                                       \
            return;                                                          \
        }                                                                    \
        uint32_t done = 0, cnt;                                              \
        while ((cnt = areg(c, R_ECX, i->asize)) != 0) {                      \
            if (done >= STR_CHUNK * 16) {                                    \
                cpu_set_next_eip(c, cpu_cur_eip(c));                                        \
                cpu_end_block(c);                                        \
                return;                                                      \
            }                                                                \
            uint32_t n = run(c, i, cnt);                                     \
            if (n == 0) {                                                    \
                one(c, i);                                                   \
                aadd(c, R_ECX, -1, i->asize);                                \
                n = 1;                                                       \
            }                                                                \
            done += n;                                                       \
        }                                                                    \
    } while (0)

HANDLER(exec_movs) { REP_FAST_LOOP(movs_run, movs_one); }
HANDLER(exec_stos) { REP_FAST_LOOP(stos_run, stos_one); }
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
