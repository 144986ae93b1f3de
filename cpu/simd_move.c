/* MMX/SSE/SSE2 data movement: MOVD/MOVQ, the aligned, unaligned, scalar,
 * half and non-temporal moves, MOVQ2DQ/MOVDQ2Q, masked stores, shuffles
 * (SHUFPS/PD, PSHUFW/D/HW/LW), PINSRW/PEXTRW and the sign-mask moves. */
#include "cpu/simd.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---- 128-bit moves ---- */

/* MOVUPS/MOVUPD/MOVDQU and MOVAPS/MOVAPD/MOVDQA xmm, xmm/m128 */
static HANDLER(mov_x_ld_r)
{
    sse_check(c);
    union v128 v;
    xmm_get(c, i->rm, &v);
    xmm_put(c, i->reg, &v);
}
static HANDLER(movu_x_ld_m)
{
    sse_check(c);
    union v128 v;
    load_m(c, i, &v, 16);
    xmm_put(c, i->reg, &v);
}
static HANDLER(mova_x_ld_m)
{
    sse_check(c);
    union v128 v;
    load_m128a(c, i, &v);
    xmm_put(c, i->reg, &v);
}
/* the store forms: xmm/m128, xmm */
static HANDLER(mov_x_st_r)
{
    sse_check(c);
    union v128 v;
    xmm_get(c, i->reg, &v);
    xmm_put(c, i->rm, &v);
}
static HANDLER(movu_x_st_m)
{
    sse_check(c);
    store_m(c, i, c->s.fpu.xmm[i->reg], 16);
}
static HANDLER(mova_x_st_m)
{
    sse_check(c);
    store_m128a(c, i, c->s.fpu.xmm[i->reg]);
}

/* ---- scalar and half moves (lane n of `size` bytes) ---- */

/* MOVSS/MOVSD xmm, xmm: the low lane only */
ALWAYS_INLINE void mov_lane_rr(struct cpu *c, unsigned dst, unsigned src,
                               unsigned doff, unsigned soff, unsigned size)
{
    sse_check(c);
    memmove(c->s.fpu.xmm[dst] + doff, c->s.fpu.xmm[src] + soff, size);
}
static HANDLER(movss_ld_r) { mov_lane_rr(c, i->reg, i->rm, 0, 0, 4); }
static HANDLER(movsd_ld_r) { mov_lane_rr(c, i->reg, i->rm, 0, 0, 8); }
static HANDLER(movss_st_r) { mov_lane_rr(c, i->rm, i->reg, 0, 0, 4); }
static HANDLER(movsd_st_r) { mov_lane_rr(c, i->rm, i->reg, 0, 0, 8); }
static HANDLER(movhlps) { mov_lane_rr(c, i->reg, i->rm, 0, 8, 8); }
static HANDLER(movlhps) { mov_lane_rr(c, i->reg, i->rm, 8, 0, 8); }

/* MOVSS/MOVSD/MOVQ xmm, m32/m64: the upper lanes are zeroed */
ALWAYS_INLINE void mov_zext_m(struct cpu *c, const struct insn *i,
                              unsigned size)
{
    sse_check(c);
    union v128 v;
    load_m(c, i, &v, size);
    xmm_put(c, i->reg, &v);
}
static HANDLER(movss_ld_m) { mov_zext_m(c, i, 4); }
static HANDLER(movsd_ld_m) { mov_zext_m(c, i, 8); }

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD xmm, m64: one half, the other kept */
ALWAYS_INLINE void mov_half_ld(struct cpu *c, const struct insn *i,
                               unsigned off)
{
    sse_check(c);
    uint8_t b[8];
    simd_read(c, i->seg, insn_ea(c, i), b, 8);
    memcpy(c->s.fpu.xmm[i->reg] + off, b, 8);
}
static HANDLER(movlp_ld) { mov_half_ld(c, i, 0); }
static HANDLER(movhp_ld) { mov_half_ld(c, i, 8); }

/* MOVSS/MOVSD/MOVLPS/MOVHPS/MOVQ m, xmm: a part of the register */
ALWAYS_INLINE void mov_part_st(struct cpu *c, const struct insn *i,
                               unsigned off, unsigned size)
{
    sse_check(c);
    store_m(c, i, c->s.fpu.xmm[i->reg] + off, size);
}
static HANDLER(movss_st_m) { mov_part_st(c, i, 0, 4); }
static HANDLER(movq_x_st_m) { mov_part_st(c, i, 0, 8); }
static HANDLER(movhp_st) { mov_part_st(c, i, 8, 8); }

/* MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6) */
static HANDLER(movq_x_ld_r)
{
    sse_check(c);
    union v128 v = { .q = { 0, 0 } };
    memcpy(&v.q[0], c->s.fpu.xmm[i->rm], 8);
    xmm_put(c, i->reg, &v);
}
static HANDLER(movq_x_st_r)
{
    sse_check(c);
    union v128 v = { .q = { 0, 0 } };
    memcpy(&v.q[0], c->s.fpu.xmm[i->reg], 8);
    xmm_put(c, i->rm, &v);
}

/* ---- MOVD / MOVQ with MMX registers ---- */

static HANDLER(movd_mm_ld)
{
    mmx_check(c);
    uint32_t v = i->mod == 3 ? (uint32_t)c->s.gpr[i->rm]
                             : mem_read(c, i->seg, insn_ea(c, i), 4);
    mmx_enter(c);
    mmx_put(c, i->reg, v);
}
static HANDLER(movd_mm_st)
{
    mmx_check(c);
    uint32_t v = (uint32_t)mmx_get(c, i->reg);
    if (i->mod == 3)
        c->s.gpr[i->rm] = v;
    else
        mem_write(c, i->seg, insn_ea(c, i), v, 4);
    mmx_enter(c);
}
static HANDLER(movd_x_ld)
{
    sse_check(c);
    uint32_t v = i->mod == 3 ? (uint32_t)c->s.gpr[i->rm]
                             : mem_read(c, i->seg, insn_ea(c, i), 4);
    union v128 x = { .d = { v, 0, 0, 0 } };
    xmm_put(c, i->reg, &x);
}
static HANDLER(movd_x_st)
{
    sse_check(c);
    uint32_t v;
    memcpy(&v, c->s.fpu.xmm[i->reg], 4);
    if (i->mod == 3)
        c->s.gpr[i->rm] = v;
    else
        mem_write(c, i->seg, insn_ea(c, i), v, 4);
}

static HANDLER(movq_mm_ld)
{
    mmx_check(c);
    uint64_t v;
    if (i->mod == 3)
        v = mmx_get(c, i->rm);
    else
        simd_read(c, i->seg, insn_ea(c, i), &v, 8);
    mmx_enter(c);
    mmx_put(c, i->reg, v);
}
/* MOVQ mm/m64, mm and MOVNTQ m64, mm */
static HANDLER(movq_mm_st)
{
    mmx_check(c);
    uint64_t v = mmx_get(c, i->reg);
    if (i->mod != 3)
        simd_write(c, i->seg, insn_ea(c, i), &v, 8);
    mmx_enter(c);
    if (i->mod == 3)
        mmx_put(c, i->rm, v);
}

/* MOVQ2DQ xmm, mm / MOVDQ2Q mm, xmm: SSE2 instructions that also make the
 * x87-to-MMX transition (and take a pending x87 exception). */
static HANDLER(movq2dq)
{
    sse_check(c);
    mmx_check(c);
    union v128 v = { .q = { mmx_get(c, i->rm), 0 } };
    mmx_enter(c);
    xmm_put(c, i->reg, &v);
}
static HANDLER(movdq2q)
{
    sse_check(c);
    mmx_check(c);
    uint64_t v;
    memcpy(&v, c->s.fpu.xmm[i->rm], 8);
    mmx_enter(c);
    mmx_put(c, i->reg, v);
}

/* MOVNTI m32, r32: a general-purpose instruction (no CR0/CR4 checks). */
static HANDLER(movnti)
{
    mem_write(c, i->seg, insn_ea(c, i), (uint32_t)c->s.gpr[i->reg], 4);
}

/* ---- masked stores to DS:[E]DI (segment override allowed) ---- */

ALWAYS_INLINE void maskmov(struct cpu *c, const struct insn *i,
                           const uint8_t *data, const uint8_t *mask,
                           unsigned n)
{
    uint32_t ea = (uint32_t)c->s.gpr[R_EDI];
    if (i->asize == 2)
        ea &= 0xffff;
    /* the whole operand is checked, as the hardware may fault on it */
    mem_probe_write(c, i->seg, ea, n);
    for (unsigned k = 0; k < n; k++)
        if (mask[k] & 0x80)
            mem_write(c, i->seg, ea + k, data[k], 1);
}
static HANDLER(maskmovq)
{
    mmx_check(c);
    uint64_t d = mmx_get(c, i->reg), m = mmx_get(c, i->rm);
    uint8_t db[8], mb[8];
    memcpy(db, &d, 8);
    memcpy(mb, &m, 8);
    maskmov(c, i, db, mb, 8);
    mmx_enter(c);
}
static HANDLER(maskmovdqu)
{
    sse_check(c);
    maskmov(c, i, c->s.fpu.xmm[i->reg], c->s.fpu.xmm[i->rm], 16);
}

/* ---- shuffles ---- */

/* source operand of an XMM instruction, m128 aligned */
ALWAYS_INLINE void src_x(struct cpu *c, const struct insn *i, union v128 *s)
{
    if (i->mod == 3)
        xmm_get(c, i->rm, s);
    else
        load_m128a(c, i, s);
}

static HANDLER(shufps)
{
    sse_check(c);
    union v128 d, s, r;
    xmm_get(c, i->reg, &d);
    src_x(c, i, &s);
    unsigned m = i->imm;
    r.d[0] = d.d[m & 3];
    r.d[1] = d.d[(m >> 2) & 3];
    r.d[2] = s.d[(m >> 4) & 3];
    r.d[3] = s.d[(m >> 6) & 3];
    xmm_put(c, i->reg, &r);
}
static HANDLER(shufpd)
{
    sse_check(c);
    union v128 d, s, r;
    xmm_get(c, i->reg, &d);
    src_x(c, i, &s);
    r.q[0] = d.q[i->imm & 1];
    r.q[1] = s.q[(i->imm >> 1) & 1];
    xmm_put(c, i->reg, &r);
}

static HANDLER(pshufw)
{
    mmx_check(c);
    union v128 s, r;
    if (i->mod == 3)
        s.q[0] = mmx_get(c, i->rm);
    else
        load_m(c, i, &s, 8);
    for (unsigned k = 0; k < 4; k++)
        r.w[k] = s.w[(i->imm >> (2 * k)) & 3];
    mmx_enter(c);
    mmx_put(c, i->reg, r.q[0]);
}
static HANDLER(pshufd)
{
    sse_check(c);
    union v128 s, r;
    src_x(c, i, &s);
    for (unsigned k = 0; k < 4; k++)
        r.d[k] = s.d[(i->imm >> (2 * k)) & 3];
    xmm_put(c, i->reg, &r);
}
/* PSHUFLW (base 0) / PSHUFHW (base 4): one half shuffled, the other copied */
ALWAYS_INLINE void pshufxw(struct cpu *c, const struct insn *i, unsigned base)
{
    sse_check(c);
    union v128 s, r;
    src_x(c, i, &s);
    r = s;
    for (unsigned k = 0; k < 4; k++)
        r.w[base + k] = s.w[base + ((i->imm >> (2 * k)) & 3)];
    xmm_put(c, i->reg, &r);
}
static HANDLER(pshuflw) { pshufxw(c, i, 0); }
static HANDLER(pshufhw) { pshufxw(c, i, 4); }

/* ---- word insert/extract, sign masks ---- */

ALWAYS_INLINE uint16_t pinsrw_src(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return (uint16_t)c->s.gpr[i->rm];
    return (uint16_t)mem_read(c, i->seg, insn_ea(c, i), 2);
}
static HANDLER(pinsrw_mm)
{
    mmx_check(c);
    union v128 d = { .q = { mmx_get(c, i->reg), 0 } };
    d.w[i->imm & 3] = pinsrw_src(c, i);
    mmx_enter(c);
    mmx_put(c, i->reg, d.q[0]);
}
static HANDLER(pinsrw_x)
{
    sse_check(c);
    uint16_t w = pinsrw_src(c, i);
    memcpy(c->s.fpu.xmm[i->reg] + 2 * (i->imm & 7), &w, 2);
}
static HANDLER(pextrw_mm)
{
    mmx_check(c);
    union v128 s = { .q = { mmx_get(c, i->rm), 0 } };
    c->s.gpr[i->reg] = s.w[i->imm & 3];
    mmx_enter(c);
}
static HANDLER(pextrw_x)
{
    sse_check(c);
    uint16_t w;
    memcpy(&w, c->s.fpu.xmm[i->rm] + 2 * (i->imm & 7), 2);
    c->s.gpr[i->reg] = w;
}

/* the top bit of every `es`-byte element of src, into a GPR */
ALWAYS_INLINE uint32_t sign_mask(const uint8_t *src, unsigned n, unsigned es)
{
    uint32_t m = 0;
    for (unsigned k = 0; k < n / es; k++)
        m |= (uint32_t)(src[k * es + es - 1] >> 7) << k;
    return m;
}
static HANDLER(pmovmskb_mm)
{
    mmx_check(c);
    uint64_t v = mmx_get(c, i->rm);
    uint8_t b[8];
    memcpy(b, &v, 8);
    c->s.gpr[i->reg] = sign_mask(b, 8, 1);
    mmx_enter(c);
}
static HANDLER(pmovmskb_x)
{
    sse_check(c);
    c->s.gpr[i->reg] = sign_mask(c->s.fpu.xmm[i->rm], 16, 1);
}
static HANDLER(movmskps)
{
    sse_check(c);
    c->s.gpr[i->reg] = sign_mask(c->s.fpu.xmm[i->rm], 16, 4);
}
static HANDLER(movmskpd)
{
    sse_check(c);
    c->s.gpr[i->reg] = sign_mask(c->s.fpu.xmm[i->rm], 16, 8);
}

/* ---- decode table: { register form, memory form } ---- */
#define XLD_U { mov_x_ld_r, movu_x_ld_m }
#define XLD_A { mov_x_ld_r, mova_x_ld_m }
#define XST_U { mov_x_st_r, movu_x_st_m }
#define XST_A { mov_x_st_r, mova_x_st_m }

static const struct sform move_forms[256][4] = {
    [0x10] = { [P_NONE] = XLD_U, [P_66] = XLD_U,
               [P_F3] = { movss_ld_r, movss_ld_m },
               [P_F2] = { movsd_ld_r, movsd_ld_m } },
    [0x11] = { [P_NONE] = XST_U, [P_66] = XST_U,
               [P_F3] = { movss_st_r, movss_st_m },
               [P_F2] = { movsd_st_r, movq_x_st_m } },
    [0x12] = { [P_NONE] = { movhlps, movlp_ld }, [P_66] = { NULL, movlp_ld } },
    [0x13] = { [P_NONE] = { NULL, movq_x_st_m }, [P_66] = { NULL, movq_x_st_m } },
    [0x16] = { [P_NONE] = { movlhps, movhp_ld }, [P_66] = { NULL, movhp_ld } },
    [0x17] = { [P_NONE] = { NULL, movhp_st }, [P_66] = { NULL, movhp_st } },
    [0x28] = { [P_NONE] = XLD_A, [P_66] = XLD_A },
    [0x29] = { [P_NONE] = XST_A, [P_66] = XST_A },
    [0x2b] = { [P_NONE] = { NULL, mova_x_st_m }, [P_66] = { NULL, mova_x_st_m } },
    [0x50] = { [P_NONE] = { movmskps, NULL }, [P_66] = { movmskpd, NULL } },
    [0x6e] = { [P_NONE] = { movd_mm_ld, movd_mm_ld },
               [P_66] = { movd_x_ld, movd_x_ld } },
    [0x6f] = { [P_NONE] = { movq_mm_ld, movq_mm_ld }, [P_66] = XLD_A,
               [P_F3] = XLD_U },
    [0x70] = { [P_NONE] = { pshufw, pshufw }, [P_66] = { pshufd, pshufd },
               [P_F3] = { pshufhw, pshufhw }, [P_F2] = { pshuflw, pshuflw } },
    [0x7e] = { [P_NONE] = { movd_mm_st, movd_mm_st },
               [P_66] = { movd_x_st, movd_x_st },
               [P_F3] = { movq_x_ld_r, movsd_ld_m } },
    [0x7f] = { [P_NONE] = { movq_mm_st, movq_mm_st }, [P_66] = XST_A,
               [P_F3] = XST_U },
    [0xc3] = { [P_NONE] = { NULL, movnti } },
    [0xc4] = { [P_NONE] = { pinsrw_mm, pinsrw_mm }, [P_66] = { pinsrw_x, pinsrw_x } },
    [0xc5] = { [P_NONE] = { pextrw_mm, NULL }, [P_66] = { pextrw_x, NULL } },
    [0xc6] = { [P_NONE] = { shufps, shufps }, [P_66] = { shufpd, shufpd } },
    [0xd6] = { [P_66] = { movq_x_st_r, movq_x_st_m }, [P_F3] = { movq2dq, NULL },
               [P_F2] = { movdq2q, NULL } },
    [0xd7] = { [P_NONE] = { pmovmskb_mm, NULL }, [P_66] = { pmovmskb_x, NULL } },
    [0xe7] = { [P_NONE] = { NULL, movq_mm_st }, [P_66] = { NULL, mova_x_st_m } },
    [0xf7] = { [P_NONE] = { maskmovq, NULL }, [P_66] = { maskmovdqu, NULL } },
};

const struct sform *simd_move_form(unsigned op, unsigned pfx)
{
    const struct sform *f = &move_forms[op & 0xff][pfx & 3];
    return f->r || f->m ? f : NULL;
}
