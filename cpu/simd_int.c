/* Packed integer arithmetic of MMX and SSE2: add/subtract (wrapping and
 * saturating), multiplies, compares, logic, pack/unpack, averages,
 * min/max, sums of absolute differences, and the shifts (by register,
 * memory or immediate, and the SSE2 byte shifts).  Each operation is
 * written once over a width of n bytes (8 for MMX, 16 for XMM) and
 * instantiated per register/memory form. */
#include "cpu/simd.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

typedef void pint_op(union v128 *d, const union v128 *s, unsigned n);

/* op MMreg, MMrm/m64 (msize: bytes read from memory, 4 for PUNPCKL*) */
ALWAYS_INLINE void pint_mm(struct cpu *c, const struct insn *i, pint_op *op,
                           bool mem, unsigned msize)
{
    mmx_check(c);
    union v128 d = { .q = { mmx_get(c, i->reg), 0 } }, s;
    if (mem)
        load_m(c, i, &s, msize);
    else
        s = (union v128){ .q = { mmx_get(c, i->rm), 0 } };
    op(&d, &s, 8);
    mmx_enter(c);
    mmx_put(c, i->reg, d.q[0]);
}

/* op XMMreg, XMMrm/m128 (aligned) */
ALWAYS_INLINE void pint_x(struct cpu *c, const struct insn *i, pint_op *op,
                          bool mem)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    if (mem)
        load_m128a(c, i, &s);
    else
        xmm_get(c, i->rm, &s);
    op(&d, &s, 16);
    xmm_put(c, i->reg, &d);
}

#define PINT_X_FORMS(name)                                                   \
    static HANDLER(name##_x_r) { pint_x(c, i, name, false); }                \
    static HANDLER(name##_x_m) { pint_x(c, i, name, true); }
#define PINT_FORMS(name, msize)                                              \
    static HANDLER(name##_mm_r) { pint_mm(c, i, name, false, 8); }           \
    static HANDLER(name##_mm_m) { pint_mm(c, i, name, true, msize); }        \
    PINT_X_FORMS(name)

/* Lane-wise operation: `expr` computes lane k of d from d->F[k], s->F[k]. */
#define LANEWISE(name, F, esize, expr)                                       \
    ALWAYS_INLINE void name(union v128 *d, const union v128 *s, unsigned n)  \
    {                                                                        \
        for (unsigned k = 0; k < n / (esize); k++)                           \
            d->F[k] = (expr);                                                \
    }                                                                        \
    PINT_FORMS(name, 8)

static inline int32_t sat8(int32_t v)
{
    return v < -128 ? -128 : v > 127 ? 127 : v;
}
static inline int32_t sat16(int32_t v)
{
    return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}
static inline uint32_t satu8(int32_t v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint32_t)v;
}
static inline uint32_t satu16(int32_t v)
{
    return v < 0 ? 0 : v > 65535 ? 65535 : (uint32_t)v;
}

/* ---- add / subtract ---- */
LANEWISE(paddb, b, 1, (uint8_t)(d->b[k] + s->b[k]))
LANEWISE(paddw, w, 2, (uint16_t)(d->w[k] + s->w[k]))
LANEWISE(paddd, d, 4, d->d[k] + s->d[k])
LANEWISE(paddq, q, 8, d->q[k] + s->q[k])
LANEWISE(psubb, b, 1, (uint8_t)(d->b[k] - s->b[k]))
LANEWISE(psubw, w, 2, (uint16_t)(d->w[k] - s->w[k]))
LANEWISE(psubd, d, 4, d->d[k] - s->d[k])
LANEWISE(psubq, q, 8, d->q[k] - s->q[k])
LANEWISE(paddsb, sb, 1, (int8_t)sat8(d->sb[k] + s->sb[k]))
LANEWISE(paddsw, sw, 2, (int16_t)sat16(d->sw[k] + s->sw[k]))
LANEWISE(psubsb, sb, 1, (int8_t)sat8(d->sb[k] - s->sb[k]))
LANEWISE(psubsw, sw, 2, (int16_t)sat16(d->sw[k] - s->sw[k]))
LANEWISE(paddusb, b, 1, (uint8_t)satu8(d->b[k] + s->b[k]))
LANEWISE(paddusw, w, 2, (uint16_t)satu16(d->w[k] + s->w[k]))
LANEWISE(psubusb, b, 1, (uint8_t)satu8(d->b[k] - s->b[k]))
LANEWISE(psubusw, w, 2, (uint16_t)satu16(d->w[k] - s->w[k]))

/* ---- multiply ---- */
LANEWISE(pmullw, w, 2, (uint16_t)((uint32_t)d->w[k] * s->w[k]))
LANEWISE(pmulhw, w, 2, (uint16_t)(((int32_t)d->sw[k] * s->sw[k]) >> 16))
LANEWISE(pmulhuw, w, 2, (uint16_t)(((uint32_t)d->w[k] * s->w[k]) >> 16))
LANEWISE(pmuludq, q, 8, (uint64_t)d->d[2 * k] * s->d[2 * k])
/* the sum of two products wraps (0x8000 * 0x8000 * 2 = 0x80000000) */
LANEWISE(pmaddwd, d, 4,
         (uint32_t)((int32_t)d->sw[2 * k] * s->sw[2 * k]) +
         (uint32_t)((int32_t)d->sw[2 * k + 1] * s->sw[2 * k + 1]))

/* ---- compare ---- */
LANEWISE(pcmpeqb, b, 1, d->b[k] == s->b[k] ? 0xff : 0)
LANEWISE(pcmpeqw, w, 2, d->w[k] == s->w[k] ? 0xffff : 0)
LANEWISE(pcmpeqd, d, 4, d->d[k] == s->d[k] ? 0xffffffffu : 0)
LANEWISE(pcmpgtb, b, 1, d->sb[k] > s->sb[k] ? 0xff : 0)
LANEWISE(pcmpgtw, w, 2, d->sw[k] > s->sw[k] ? 0xffff : 0)
LANEWISE(pcmpgtd, d, 4, d->sd[k] > s->sd[k] ? 0xffffffffu : 0)

/* ---- logic (also ANDPS/ANDNPS/ORPS/XORPS and their PD forms) ---- */
LANEWISE(pand, q, 8, d->q[k] & s->q[k])
LANEWISE(pandn, q, 8, ~d->q[k] & s->q[k])
LANEWISE(por, q, 8, d->q[k] | s->q[k])
LANEWISE(pxor, q, 8, d->q[k] ^ s->q[k])

/* ---- average, min, max ---- */
LANEWISE(pavgb, b, 1, (uint8_t)((d->b[k] + s->b[k] + 1u) >> 1))
LANEWISE(pavgw, w, 2, (uint16_t)((d->w[k] + s->w[k] + 1u) >> 1))
LANEWISE(pminub, b, 1, d->b[k] < s->b[k] ? d->b[k] : s->b[k])
LANEWISE(pmaxub, b, 1, d->b[k] > s->b[k] ? d->b[k] : s->b[k])
LANEWISE(pminsw, sw, 2, d->sw[k] < s->sw[k] ? d->sw[k] : s->sw[k])
LANEWISE(pmaxsw, sw, 2, d->sw[k] > s->sw[k] ? d->sw[k] : s->sw[k])

/* PSADBW: per 8-byte group, the sum of |d - s| in the low word. */
ALWAYS_INLINE void psadbw(union v128 *d, const union v128 *s, unsigned n)
{
    for (unsigned g = 0; g < n / 8; g++) {
        uint32_t sum = 0;
        for (unsigned k = 8 * g; k < 8 * g + 8; k++)
            sum += d->b[k] > s->b[k] ? d->b[k] - s->b[k] : s->b[k] - d->b[k];
        d->q[g] = sum;
    }
}
PINT_FORMS(psadbw, 8)

/* ---- pack: d's elements form the low half of the result, s's the high ---- */
ALWAYS_INLINE void packsswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    unsigned h = n / 2;
    for (unsigned k = 0; k < h; k++) {
        r.sb[k] = (int8_t)sat8(d->sw[k]);
        r.sb[h + k] = (int8_t)sat8(s->sw[k]);
    }
    memcpy(d, &r, n);
}
PINT_FORMS(packsswb, 8)

ALWAYS_INLINE void packuswb(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    unsigned h = n / 2;
    for (unsigned k = 0; k < h; k++) {
        r.b[k] = (uint8_t)satu8(d->sw[k]);
        r.b[h + k] = (uint8_t)satu8(s->sw[k]);
    }
    memcpy(d, &r, n);
}
PINT_FORMS(packuswb, 8)

ALWAYS_INLINE void packssdw(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    unsigned h = n / 4;
    for (unsigned k = 0; k < h; k++) {
        r.sw[k] = (int16_t)sat16(d->sd[k]);
        r.sw[h + k] = (int16_t)sat16(s->sd[k]);
    }
    memcpy(d, &r, n);
}
PINT_FORMS(packssdw, 8)

/* ---- unpack: interleave elements of size es from the low (hi=0) or high
 * half of d and s.  The MMX low forms read only 32 bits of memory. ---- */
ALWAYS_INLINE void unpack(union v128 *d, const union v128 *s, unsigned n,
                          unsigned es, bool hi)
{
    union v128 r;
    unsigned base = hi ? n / 2 : 0;
    for (unsigned k = 0; k < n / 2 / es; k++) {
        memcpy(r.b + 2 * k * es, d->b + base + k * es, es);
        memcpy(r.b + (2 * k + 1) * es, s->b + base + k * es, es);
    }
    memcpy(d, &r, n);
}

#define UNPACK_OP(name, es, hi)                                              \
    ALWAYS_INLINE void name(union v128 *d, const union v128 *s, unsigned n)  \
    {                                                                        \
        unpack(d, s, n, es, hi);                                             \
    }
#define UNPACK(name, es, hi, msize) UNPACK_OP(name, es, hi) PINT_FORMS(name, msize)

UNPACK(punpcklbw, 1, false, 4)
UNPACK(punpcklwd, 2, false, 4)
UNPACK(punpckldq, 4, false, 4)
UNPACK(punpckhbw, 1, true, 8)
UNPACK(punpckhwd, 2, true, 8)
UNPACK(punpckhdq, 4, true, 8)
UNPACK_OP(punpcklqdq, 8, false) PINT_X_FORMS(punpcklqdq)
UNPACK_OP(punpckhqdq, 8, true) PINT_X_FORMS(punpckhqdq)

/* ---- shifts: the count is the low 64 bits of the source (or the imm8);
 * logical shifts past the width give 0, arithmetic ones the sign ---- */
#define SHIFT(name, F, bits, expr)                                           \
    ALWAYS_INLINE void name(union v128 *d, const union v128 *s, unsigned n)  \
    {                                                                        \
        uint64_t cnt = s->q[0];                                              \
        for (unsigned k = 0; k < n * 8 / (bits); k++)                        \
            d->F[k] = (expr);                                                \
    }                                                                        \
    PINT_FORMS(name, 8)

SHIFT(psrlw, w, 16, cnt > 15 ? 0 : (uint16_t)(d->w[k] >> cnt))
SHIFT(psrld, d, 32, cnt > 31 ? 0 : d->d[k] >> cnt)
SHIFT(psrlq, q, 64, cnt > 63 ? 0 : d->q[k] >> cnt)
SHIFT(psllw, w, 16, cnt > 15 ? 0 : (uint16_t)(d->w[k] << cnt))
SHIFT(pslld, d, 32, cnt > 31 ? 0 : d->d[k] << cnt)
SHIFT(psllq, q, 64, cnt > 63 ? 0 : d->q[k] << cnt)
SHIFT(psraw, sw, 16, (int16_t)(d->sw[k] >> (cnt > 15 ? 15 : cnt)))
SHIFT(psrad, sd, 32, d->sd[k] >> (cnt > 31 ? 31 : cnt))

/* PSRLDQ/PSLLDQ xmm, imm8: whole-register byte shifts (XMM only). */
ALWAYS_INLINE void psrldq(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    memset(&r, 0, sizeof r);
    uint64_t cnt = s->q[0];
    if (cnt < n)
        memcpy(r.b, d->b + cnt, n - cnt);
    memcpy(d, &r, n);
}
ALWAYS_INLINE void pslldq(union v128 *d, const union v128 *s, unsigned n)
{
    union v128 r;
    memset(&r, 0, sizeof r);
    uint64_t cnt = s->q[0];
    if (cnt < n)
        memcpy(r.b + cnt, d->b, n - cnt);
    memcpy(d, &r, n);
}

/* Shift by imm8: the register operand is ModRM rm. */
ALWAYS_INLINE void pshift_imm_mm(struct cpu *c, const struct insn *i,
                                 pint_op *op)
{
    mmx_check(c);
    union v128 d = { .q = { mmx_get(c, i->rm), 0 } };
    union v128 s = { .q = { i->imm & 0xff, 0 } };
    op(&d, &s, 8);
    mmx_enter(c);
    mmx_put(c, i->rm, d.q[0]);
}
ALWAYS_INLINE void pshift_imm_x(struct cpu *c, const struct insn *i,
                                pint_op *op)
{
    sse_check(c);
    union v128 d, s = { .q = { i->imm & 0xff, 0 } };
    xmm_get(c, i->rm, &d);
    op(&d, &s, 16);
    xmm_put(c, i->rm, &d);
}

#define SHIFT_IMM(name)                                                      \
    static HANDLER(name##_mm_i) { pshift_imm_mm(c, i, name); }               \
    static HANDLER(name##_x_i) { pshift_imm_x(c, i, name); }

SHIFT_IMM(psrlw)
SHIFT_IMM(psraw)
SHIFT_IMM(psllw)
SHIFT_IMM(psrld)
SHIFT_IMM(psrad)
SHIFT_IMM(pslld)
SHIFT_IMM(psrlq)
SHIFT_IMM(psllq)
static HANDLER(psrldq_x_i) { pshift_imm_x(c, i, psrldq); }
static HANDLER(pslldq_x_i) { pshift_imm_x(c, i, pslldq); }

insn_fn simd_shift_imm_fn(unsigned op, unsigned sub, bool xmm)
{
    /* [op - 0x71][sub][xmm] */
    static const insn_fn tab[3][8][2] = {
        [0] = { [2] = { psrlw_mm_i, psrlw_x_i }, [4] = { psraw_mm_i, psraw_x_i },
                [6] = { psllw_mm_i, psllw_x_i } },
        [1] = { [2] = { psrld_mm_i, psrld_x_i }, [4] = { psrad_mm_i, psrad_x_i },
                [6] = { pslld_mm_i, pslld_x_i } },
        [2] = { [2] = { psrlq_mm_i, psrlq_x_i }, [3] = { NULL, psrldq_x_i },
                [6] = { psllq_mm_i, psllq_x_i }, [7] = { NULL, pslldq_x_i } },
    };
    return tab[op - 0x71][sub & 7][xmm];
}

/* ---- decode table ---- */
#define MM(name) { name##_mm_r, name##_mm_m }
#define XM(name) { name##_x_r, name##_x_m }
#define BOTH(op, name) [op] = { [P_NONE] = MM(name), [P_66] = XM(name) }

static const struct sform int_forms[256][4] = {
    BOTH(0x60, punpcklbw), BOTH(0x61, punpcklwd), BOTH(0x62, punpckldq),
    BOTH(0x63, packsswb), BOTH(0x64, pcmpgtb), BOTH(0x65, pcmpgtw),
    BOTH(0x66, pcmpgtd), BOTH(0x67, packuswb), BOTH(0x68, punpckhbw),
    BOTH(0x69, punpckhwd), BOTH(0x6a, punpckhdq), BOTH(0x6b, packssdw),
    [0x6c] = { [P_66] = XM(punpcklqdq) },
    [0x6d] = { [P_66] = XM(punpckhqdq) },
    BOTH(0x74, pcmpeqb), BOTH(0x75, pcmpeqw), BOTH(0x76, pcmpeqd),
    /* UNPCKLPS/PD and UNPCKHPS/PD are the dword/qword interleaves */
    [0x14] = { [P_NONE] = XM(punpckldq), [P_66] = XM(punpcklqdq) },
    [0x15] = { [P_NONE] = XM(punpckhdq), [P_66] = XM(punpckhqdq) },
    /* ANDPS/ANDPD ... XORPS/XORPD: bitwise, no FP exceptions */
    [0x54] = { [P_NONE] = XM(pand), [P_66] = XM(pand) },
    [0x55] = { [P_NONE] = XM(pandn), [P_66] = XM(pandn) },
    [0x56] = { [P_NONE] = XM(por), [P_66] = XM(por) },
    [0x57] = { [P_NONE] = XM(pxor), [P_66] = XM(pxor) },
    BOTH(0xd1, psrlw), BOTH(0xd2, psrld), BOTH(0xd3, psrlq), BOTH(0xd4, paddq),
    BOTH(0xd5, pmullw), BOTH(0xd8, psubusb), BOTH(0xd9, psubusw),
    BOTH(0xda, pminub), BOTH(0xdb, pand), BOTH(0xdc, paddusb),
    BOTH(0xdd, paddusw), BOTH(0xde, pmaxub), BOTH(0xdf, pandn),
    BOTH(0xe0, pavgb), BOTH(0xe1, psraw), BOTH(0xe2, psrad), BOTH(0xe3, pavgw),
    BOTH(0xe4, pmulhuw), BOTH(0xe5, pmulhw), BOTH(0xe8, psubsb),
    BOTH(0xe9, psubsw), BOTH(0xea, pminsw), BOTH(0xeb, por), BOTH(0xec, paddsb),
    BOTH(0xed, paddsw), BOTH(0xee, pmaxsw), BOTH(0xef, pxor),
    BOTH(0xf1, psllw), BOTH(0xf2, pslld), BOTH(0xf3, psllq),
    BOTH(0xf4, pmuludq), BOTH(0xf5, pmaddwd), BOTH(0xf6, psadbw),
    BOTH(0xf8, psubb), BOTH(0xf9, psubw), BOTH(0xfa, psubd), BOTH(0xfb, psubq),
    BOTH(0xfc, paddb), BOTH(0xfd, paddw), BOTH(0xfe, paddd),
};

const struct sform *simd_int_form(unsigned op, unsigned pfx)
{
    const struct sform *f = &int_forms[op & 0xff][pfx & 3];
    return f->r || f->m ? f : NULL;
}
