/* SSE/SSE2 floating point: packed and scalar arithmetic, min/max, square
 * root, reciprocal estimates, compares (CMPccPS/SS/PD/SD, [U]COMISS/SD)
 * and the conversions (CVT*), under MXCSR: rounding control, DAZ, FTZ,
 * sticky flags and masked/unmasked exceptions.
 *
 * IEEE arithmetic is the host's (float/double, rounding set through
 * <fenv.h>, overflow/underflow/inexact read back from it), which is exact
 * on an IEEE host; what x86 defines differently is done here by hand: NaN
 * propagation (first operand's NaN, SNaN quieted), the negative "indefinite"
 * QNaN for invalid operations, the denormal-operand flag, DAZ, FTZ, the
 * integer indefinite 0x80000000, and the priority of the exceptions (an
 * unmasked invalid/denormal/divide-by-zero in any lane stops the
 * instruction before overflow/underflow/precision are looked at).
 * Host values cross volatile variables so that the compiler keeps every
 * operation between the rounding-mode switch and the flag read. */
#include <fenv.h>
#include <float.h>
#include <math.h>

#include "cpu/simd.h"

#if FLT_EVAL_METHOD != 0
#error "simd_fp.c needs float/double evaluated in their own precision (SSE2 math)"
#endif

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---- IEEE formats, w = 32 or 64, values as bits ---- */
ALWAYS_INLINE uint64_t f_sign(int w) { return w == 32 ? 0x80000000u : 1ull << 63; }
ALWAYS_INLINE uint64_t f_exp(int w) { return w == 32 ? 0x7f800000u : 0x7ffull << 52; }
ALWAYS_INLINE uint64_t f_mant(int w) { return w == 32 ? 0x7fffffu : (1ull << 52) - 1; }
ALWAYS_INLINE uint64_t f_qbit(int w) { return w == 32 ? 0x400000u : 1ull << 51; }
ALWAYS_INLINE uint64_t f_indef(int w) { return w == 32 ? 0xffc00000u : 0xfff8ull << 48; }
ALWAYS_INLINE uint64_t f_ones(int w) { return w == 32 ? 0xffffffffu : ~0ull; }
ALWAYS_INLINE bool f_isnan(int w, uint64_t a) { return (a & ~f_sign(w)) > f_exp(w); }
ALWAYS_INLINE bool f_issnan(int w, uint64_t a) { return f_isnan(w, a) && !(a & f_qbit(w)); }
ALWAYS_INLINE bool f_isinf(int w, uint64_t a) { return (a & ~f_sign(w)) == f_exp(w); }
ALWAYS_INLINE bool f_iszero(int w, uint64_t a) { return !(a & ~f_sign(w)); }
ALWAYS_INLINE bool f_isden(int w, uint64_t a) { return !(a & f_exp(w)) && (a & f_mant(w)); }
ALWAYS_INLINE bool f_neg(int w, uint64_t a) { return a & f_sign(w); }

ALWAYS_INLINE float f32v(uint64_t a)
{
    uint32_t b = (uint32_t)a;
    float f;
    memcpy(&f, &b, 4);
    return f;
}
ALWAYS_INLINE uint64_t f32b(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}
ALWAYS_INLINE double f64v(uint64_t a)
{
    double d;
    memcpy(&d, &a, 8);
    return d;
}
ALWAYS_INLINE uint64_t f64b(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}
/* the value as a double (exact for both formats) */
ALWAYS_INLINE double f_val(int w, uint64_t a)
{
    return w == 32 ? (double)f32v(a) : f64v(a);
}

/* ---- one instruction's MXCSR context ---- */
struct fpst {
    uint32_t mx;     /* MXCSR at the start */
    uint32_t fl;     /* exception flags found so far (MX_IE..MX_PE) */
    bool host;       /* host arithmetic used: rounding set, flags to read */
};

static void fp_begin(struct fpst *e, const struct cpu *c, bool host)
{
    e->mx = c->s.fpu.mxcsr;
    e->fl = 0;
    e->host = host;
    if (!host)
        return;
    feclearexcept(FE_ALL_EXCEPT);
    switch ((e->mx >> 13) & 3) {
    case 1: fesetround(FE_DOWNWARD); break;
    case 2: fesetround(FE_UPWARD); break;
    case 3: fesetround(FE_TOWARDZERO); break;
    }
}

/* Merge the host's overflow/underflow/inexact; an unmasked exception sets
 * the flags and raises #XM (#UD without CR4.OSXMMEXCPT) with the
 * destination untouched; pre-computation exceptions (IE/DE/ZE) win. */
static void fp_end(struct cpu *c, struct fpst *e)
{
    uint32_t fl = e->fl;
    if (e->host) {
        int h = fetestexcept(FE_OVERFLOW | FE_UNDERFLOW | FE_INEXACT);
        if ((e->mx >> 13) & 3)
            fesetround(FE_TONEAREST);
        fl |= (h & FE_OVERFLOW ? MX_OE : 0) | (h & FE_UNDERFLOW ? MX_UE : 0) |
              (h & FE_INEXACT ? MX_PE : 0);
    }
    uint32_t unmasked = fl & ~(e->mx >> 7) & 0x3f;
    if (unlikely(unmasked)) {
        if (unmasked & (MX_IE | MX_DE | MX_ZE))
            fl &= MX_IE | MX_DE | MX_ZE;
        c->s.fpu.mxcsr |= fl;
        cpu_fault(c, (c->s.cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, NO_ERR);
    }
    c->s.fpu.mxcsr |= fl;
}

ALWAYS_INLINE uint64_t f_daz(const struct fpst *e, int w, uint64_t a)
{
    if ((e->mx & MX_DAZ) && f_isden(w, a))
        return a & f_sign(w);
    return a;
}

ALWAYS_INLINE uint64_t f_quiet(int w, uint64_t a)
{
    return a | f_qbit(w);
}

/* A computed result: a denormal is tiny even when exact (UE when unmasked);
 * with UE masked and FTZ it becomes a signed zero, with UE and PE. */
ALWAYS_INLINE uint64_t f_post(struct fpst *e, int w, uint64_t r)
{
    if (unlikely(f_isden(w, r))) {
        if (!(e->mx & MX_UM))
            e->fl |= MX_UE;
        else if (e->mx & MX_FZ) {
            e->fl |= MX_UE | MX_PE;
            r &= f_sign(w);
        }
    }
    return r;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MIN, OP_MAX, OP_SQRT, OP_CMP };

static uint64_t host32(int op, uint64_t a, uint64_t b)
{
    volatile float x = f32v(a), y = f32v(b);
    volatile float r;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    default: r = sqrtf(y); break;
    }
    return f32b(r);
}

static uint64_t host64(int op, uint64_t a, uint64_t b)
{
    volatile double x = f64v(a), y = f64v(b);
    volatile double r;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    default: r = sqrt(y); break;
    }
    return f64b(r);
}

/* Does the exact a op b fit the format's significand, the exponent range
 * being unbounded?  With overflow unmasked, PE reports only that rounding
 * (as for the x87, SDM vol. 1 4.9.1.4): operands are scaled into range by
 * powers of two first. */
static bool exact_significand(int w, int op, uint64_t a, uint64_t b)
{
    int ea, eb, h;
    if (w == 32) {
        float fa = f32v(a), fb = f32v(b);
        volatile float x, y, r;
        if (op == OP_MUL || op == OP_DIV) {
            x = frexpf(fa, &ea);
            y = frexpf(fb, &eb);
        } else {
            frexpf(fa, &ea);
            frexpf(fb, &eb);
            int e = ea > eb ? ea : eb;
            x = ldexpf(fa, -e);
            y = ldexpf(fb, -e);
            if (ldexpf(x, e) != fa || ldexpf(y, e) != fb)
                return false;   /* an operand far below the other's ulp */
        }
        feclearexcept(FE_INEXACT);
        r = op == OP_MUL ? x * y : op == OP_DIV ? x / y : op == OP_ADD ? x + y : x - y;
        (void)r;
    } else {
        double da = f64v(a), db = f64v(b);
        volatile double x, y, r;
        if (op == OP_MUL || op == OP_DIV) {
            x = frexp(da, &ea);
            y = frexp(db, &eb);
        } else {
            frexp(da, &ea);
            frexp(db, &eb);
            int e = ea > eb ? ea : eb;
            x = ldexp(da, -e);
            y = ldexp(db, -e);
            if (ldexp(x, e) != da || ldexp(y, e) != db)
                return false;
        }
        feclearexcept(FE_INEXACT);
        r = op == OP_MUL ? x * y : op == OP_DIV ? x / y : op == OP_ADD ? x + y : x - y;
        (void)r;
    }
    h = fetestexcept(FE_INEXACT);
    feclearexcept(FE_ALL_EXCEPT);
    return !h;
}

/* Move the host's flags so far into e->fl and clear them. */
static void fp_collect(struct fpst *e)
{
    int h = fetestexcept(FE_OVERFLOW | FE_UNDERFLOW | FE_INEXACT);
    e->fl |= (h & FE_OVERFLOW ? MX_OE : 0) | (h & FE_UNDERFLOW ? MX_UE : 0) |
             (h & FE_INEXACT ? MX_PE : 0);
    feclearexcept(FE_ALL_EXCEPT);
}

/* One lane with overflow unmasked: its own host flags, PE per above. */
static uint64_t host_lane_om(struct fpst *e, int w, int op, uint64_t a,
                             uint64_t b)
{
    fp_collect(e);
    uint64_t r = w == 32 ? host32(op, a, b) : host64(op, a, b);
    if (fetestexcept(FE_OVERFLOW)) {
        feclearexcept(FE_ALL_EXCEPT);
        e->fl |= MX_OE | (exact_significand(w, op, a, b) ? 0 : MX_PE);
    } else {
        fp_collect(e);
    }
    return r;
}

/* ADD/SUB/MUL/DIV of one lane: a is the destination (first) operand. */
ALWAYS_INLINE uint64_t fp_arith(struct fpst *e, int w, int op, uint64_t a,
                                uint64_t b)
{
    a = f_daz(e, w, a);
    b = f_daz(e, w, b);
    if (f_isnan(w, a) || f_isnan(w, b)) {
        if (f_issnan(w, a) || f_issnan(w, b))
            e->fl |= MX_IE;
        return f_quiet(w, f_isnan(w, a) ? a : b);
    }
    bool ai = f_isinf(w, a), bi = f_isinf(w, b);
    bool az = f_iszero(w, a), bz = f_iszero(w, b);
    bool diff = f_neg(w, a) != f_neg(w, b);
    switch (op) {
    case OP_ADD:
        if (ai && bi && diff)
            goto invalid;
        break;
    case OP_SUB:
        if (ai && bi && !diff)
            goto invalid;
        break;
    case OP_MUL:
        if ((ai && bz) || (az && bi))
            goto invalid;
        break;
    case OP_DIV:
        if ((az && bz) || (ai && bi))
            goto invalid;
        if (bz && !ai) {   /* divide-by-zero outranks a denormal dividend */
            e->fl |= MX_ZE;
            return (diff ? f_sign(w) : 0) | f_exp(w);
        }
        break;
    }
    if (f_isden(w, a) || f_isden(w, b))
        e->fl |= MX_DE;
    if (unlikely(!(e->mx & MX_OM)))
        return f_post(e, w, host_lane_om(e, w, op, a, b));
    return f_post(e, w, w == 32 ? host32(op, a, b) : host64(op, a, b));
invalid:
    e->fl |= MX_IE;
    return f_indef(w);
}

ALWAYS_INLINE bool f_lt(int w, uint64_t a, uint64_t b)
{
    return w == 32 ? f32v(a) < f32v(b) : f64v(a) < f64v(b);
}
ALWAYS_INLINE bool f_eq(int w, uint64_t a, uint64_t b)
{
    return w == 32 ? f32v(a) == f32v(b) : f64v(a) == f64v(b);
}

/* MIN/MAX: any NaN (QNaN too) is invalid and, like equal values (+0/-0),
 * gives the second (source) operand as it is. */
ALWAYS_INLINE uint64_t fp_minmax(struct fpst *e, int w, bool max, uint64_t a,
                                 uint64_t b)
{
    a = f_daz(e, w, a);
    b = f_daz(e, w, b);
    if (f_isnan(w, a) || f_isnan(w, b)) {
        e->fl |= MX_IE;
        return b;
    }
    if (f_isden(w, a) || f_isden(w, b))
        e->fl |= MX_DE;
    return (max ? f_lt(w, b, a) : f_lt(w, a, b)) ? a : b;
}

ALWAYS_INLINE uint64_t fp_sqrt(struct fpst *e, int w, uint64_t a)
{
    a = f_daz(e, w, a);
    if (f_isnan(w, a)) {
        if (f_issnan(w, a))
            e->fl |= MX_IE;
        return f_quiet(w, a);
    }
    if (f_iszero(w, a))
        return a;
    if (f_neg(w, a)) {
        e->fl |= MX_IE;
        return f_indef(w);
    }
    if (f_isden(w, a))
        e->fl |= MX_DE;
    return w == 32 ? host32(OP_SQRT, 0, a) : host64(OP_SQRT, 0, a);
}

/* The CMPPS predicates 0-7: EQ LT LE UNORD NEQ NLT NLE ORD.  LT/LE and
 * their negations signal invalid on QNaN too; the others on SNaN only. */
ALWAYS_INLINE bool fp_cmp(struct fpst *e, int w, unsigned pred, uint64_t a,
                          uint64_t b)
{
    a = f_daz(e, w, a);
    b = f_daz(e, w, b);
    bool un = f_isnan(w, a) || f_isnan(w, b);
    if (un) {
        if (f_issnan(w, a) || f_issnan(w, b) || (pred & 3) == 1 || (pred & 3) == 2)
            e->fl |= MX_IE;
    } else if (f_isden(w, a) || f_isden(w, b)) {
        e->fl |= MX_DE;
    }
    bool lt = !un && f_lt(w, a, b), eq = !un && f_eq(w, a, b);
    switch (pred & 7) {
    case 0: return eq;
    case 1: return lt;
    case 2: return lt || eq;
    case 3: return un;
    case 4: return !eq;
    case 5: return !lt;
    case 6: return !(lt || eq);
    default: return !un;
    }
}

ALWAYS_INLINE uint64_t fp_lane(struct fpst *e, int w, int op, unsigned pred,
                               uint64_t a, uint64_t b)
{
    switch (op) {
    case OP_MIN: return fp_minmax(e, w, false, a, b);
    case OP_MAX: return fp_minmax(e, w, true, a, b);
    case OP_SQRT: return fp_sqrt(e, w, b);
    case OP_CMP: return fp_cmp(e, w, pred, a, b) ? f_ones(w) : 0;
    default: return fp_arith(e, w, op, a, b);
    }
}

/* ---- packed/scalar forms of the arithmetic, min/max, sqrt and compare ---- */
enum { T_PS, T_SS, T_PD, T_SD };

ALWAYS_INLINE void fp_binary(struct cpu *c, const struct insn *i, int op, int t,
                             bool mem)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    if (!mem)
        xmm_get(c, i->rm, &s);
    else if (t == T_PS || t == T_PD)
        load_m128a(c, i, &s);
    else
        load_m(c, i, &s, t == T_SS ? 4 : 8);
    unsigned pred = i->imm & 7;
    struct fpst e;
    fp_begin(&e, c, op <= OP_DIV || op == OP_SQRT);
    switch (t) {
    case T_PS:
        for (int k = 0; k < 4; k++)
            d.d[k] = (uint32_t)fp_lane(&e, 32, op, pred, d.d[k], s.d[k]);
        break;
    case T_SS:
        d.d[0] = (uint32_t)fp_lane(&e, 32, op, pred, d.d[0], s.d[0]);
        break;
    case T_PD:
        for (int k = 0; k < 2; k++)
            d.q[k] = fp_lane(&e, 64, op, pred, d.q[k], s.q[k]);
        break;
    default:
        d.q[0] = fp_lane(&e, 64, op, pred, d.q[0], s.q[0]);
        break;
    }
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}

#define FP_FORMS(name, op)                                                    \
    static HANDLER(name##ps_r) { fp_binary(c, i, op, T_PS, false); }          \
    static HANDLER(name##ps_m) { fp_binary(c, i, op, T_PS, true); }           \
    static HANDLER(name##ss_r) { fp_binary(c, i, op, T_SS, false); }          \
    static HANDLER(name##ss_m) { fp_binary(c, i, op, T_SS, true); }           \
    static HANDLER(name##pd_r) { fp_binary(c, i, op, T_PD, false); }          \
    static HANDLER(name##pd_m) { fp_binary(c, i, op, T_PD, true); }           \
    static HANDLER(name##sd_r) { fp_binary(c, i, op, T_SD, false); }          \
    static HANDLER(name##sd_m) { fp_binary(c, i, op, T_SD, true); }

FP_FORMS(add, OP_ADD)
FP_FORMS(sub, OP_SUB)
FP_FORMS(mul, OP_MUL)
FP_FORMS(div, OP_DIV)
FP_FORMS(min, OP_MIN)
FP_FORMS(max, OP_MAX)
FP_FORMS(sqrt, OP_SQRT)
FP_FORMS(cmp, OP_CMP)

/* ---- COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF, OF SF AF cleared ---- */
ALWAYS_INLINE void fp_comis(struct cpu *c, const struct insn *i, int w,
                            bool quiet)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    if (i->mod == 3)
        xmm_get(c, i->rm, &s);
    else
        load_m(c, i, &s, w / 8);
    uint64_t a = w == 32 ? d.d[0] : d.q[0], b = w == 32 ? s.d[0] : s.q[0];
    struct fpst e;
    fp_begin(&e, c, false);
    a = f_daz(&e, w, a);
    b = f_daz(&e, w, b);
    bool un = f_isnan(w, a) || f_isnan(w, b);
    if (un) {   /* COMIS signals invalid on any NaN, UCOMIS on SNaN */
        if (!quiet || f_issnan(w, a) || f_issnan(w, b))
            e.fl |= MX_IE;
    } else if (f_isden(w, a) || f_isden(w, b)) {
        e.fl |= MX_DE;
    }
    uint32_t fl = un ? F_ZF | F_PF | F_CF
                : f_lt(w, a, b) ? F_CF
                : f_eq(w, a, b) ? F_ZF : 0;
    fp_end(c, &e);
    cpu_set_eflags(c, fl, F_ARITH);
}
static HANDLER(ucomiss) { fp_comis(c, i, 32, true); }
static HANDLER(comiss) { fp_comis(c, i, 32, false); }
static HANDLER(ucomisd) { fp_comis(c, i, 64, true); }
static HANDLER(comisd) { fp_comis(c, i, 64, false); }

/* ---- RCPPS/RCPSS/RSQRTPS/RSQRTSS: estimates (here the correctly rounded
 * value, within the architected 1.5 * 2^-12 relative error); no flags,
 * no MXCSR dependence; denormal inputs count as zero, tiny reciprocals
 * become zero. ---- */
static uint32_t rcp_est(uint32_t a)
{
    uint32_t sign = a & 0x80000000u;
    if (f_isnan(32, a))
        return (uint32_t)f_quiet(32, a);
    if (!(a & 0x7f800000u))
        return sign | 0x7f800000u;
    if (f_isinf(32, a))
        return sign;
    uint32_t r = (uint32_t)f32b((float)(1.0 / (double)f32v(a)));
    return f_isden(32, r) ? sign : r;
}
static uint32_t rsqrt_est(uint32_t a)
{
    uint32_t sign = a & 0x80000000u;
    if (f_isnan(32, a))
        return (uint32_t)f_quiet(32, a);
    if (!(a & 0x7f800000u))
        return sign | 0x7f800000u;
    if (sign)
        return 0xffc00000u;
    if (f_isinf(32, a))
        return 0;
    return (uint32_t)f32b((float)(1.0 / sqrt((double)f32v(a))));
}

ALWAYS_INLINE void fp_estimate(struct cpu *c, const struct insn *i, bool rsqrt,
                               bool scalar)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    if (i->mod == 3)
        xmm_get(c, i->rm, &s);
    else if (scalar)
        load_m(c, i, &s, 4);
    else
        load_m128a(c, i, &s);
    for (int k = 0; k < (scalar ? 1 : 4); k++)
        d.d[k] = rsqrt ? rsqrt_est(s.d[k]) : rcp_est(s.d[k]);
    xmm_put(c, i->reg, &d);
}
static HANDLER(rcpps) { fp_estimate(c, i, false, false); }
static HANDLER(rcpss) { fp_estimate(c, i, false, true); }
static HANDLER(rsqrtps) { fp_estimate(c, i, true, false); }
static HANDLER(rsqrtss) { fp_estimate(c, i, true, true); }

/* ---- conversions ---- */

/* Round an exact double to an integral value per MXCSR.RC. */
static double round_rc(double x, unsigned rc)
{
    double t = trunc(x);
    double f = x - t;            /* exact: the fractional part */
    if (f == 0)
        return t;
    switch (rc) {
    case 0:
        if (fabs(f) > 0.5 || (fabs(f) == 0.5 && fmod(t, 2.0) != 0))
            t += x < 0 ? -1.0 : 1.0;
        break;
    case 1:
        if (x < 0)
            t -= 1.0;
        break;
    case 2:
        if (x > 0)
            t += 1.0;
        break;
    }
    return t;
}

/* float/double to int32: NaN and out-of-range give the integer indefinite
 * 0x80000000 with IE; inexact sets PE. */
ALWAYS_INLINE uint32_t cvt_f2i(struct fpst *e, int w, uint64_t a, bool trunc_)
{
    a = f_daz(e, w, a);
    if (f_isnan(w, a)) {
        e->fl |= MX_IE;
        return 0x80000000u;
    }
    double x = f_val(w, a);
    double t = trunc_ ? trunc(x) : round_rc(x, (e->mx >> 13) & 3);
    if (!(t >= -2147483648.0 && t <= 2147483647.0)) {
        e->fl |= MX_IE;
        return 0x80000000u;
    }
    if (t != x)
        e->fl |= MX_PE;
    return (uint32_t)(int32_t)t;
}

ALWAYS_INLINE uint32_t cvt_i2s(int32_t v)   /* rounds per the host mode */
{
    volatile double x = v;
    volatile float r = (float)x;
    return (uint32_t)f32b(r);
}

static uint64_t cvt_s2d(struct fpst *e, uint32_t a)
{
    a = (uint32_t)f_daz(e, 32, a);
    if (f_isnan(32, a)) {
        if (f_issnan(32, a))
            e->fl |= MX_IE;
        return (uint64_t)(a & 0x80000000u) << 32 | 0x7ff8ull << 48 |
               (uint64_t)(a & 0x7fffffu) << 29;
    }
    if (f_isden(32, a))
        e->fl |= MX_DE;
    return f64b((double)f32v(a));
}

static uint32_t cvt_d2s(struct fpst *e, uint64_t a)
{
    a = f_daz(e, 64, a);
    if (f_isnan(64, a)) {
        if (f_issnan(64, a))
            e->fl |= MX_IE;
        return (uint32_t)(a >> 32 & 0x80000000u) | 0x7fc00000u |
               (uint32_t)((a & f_mant(64)) >> 29);
    }
    if (f_isden(64, a))
        e->fl |= MX_DE;
    volatile double x = f64v(a);
    if (unlikely(!(e->mx & MX_OM))) {
        fp_collect(e);
        volatile float r = (float)x;
        if (fetestexcept(FE_OVERFLOW)) {   /* PE: the significand's rounding */
            feclearexcept(FE_ALL_EXCEPT);
            e->fl |= MX_OE | ((a & ((1u << 29) - 1)) ? MX_PE : 0);
        } else {
            fp_collect(e);
        }
        return (uint32_t)f_post(e, 32, f32b(r));
    }
    volatile float r = (float)x;
    return (uint32_t)f_post(e, 32, f32b(r));
}

/* source operand of `size` bytes (16: aligned m128) */
ALWAYS_INLINE void cvt_src(struct cpu *c, const struct insn *i, union v128 *s,
                           unsigned size)
{
    if (i->mod == 3)
        xmm_get(c, i->rm, s);
    else if (size == 16)
        load_m128a(c, i, s);
    else
        load_m(c, i, s, size);
}

/* CVTPI2PS xmm, mm/m64; CVTPI2PD xmm, mm/m64: an MMX register source makes
 * the x87-to-MMX transition, a memory source does not. */
ALWAYS_INLINE void cvtpi_src(struct cpu *c, const struct insn *i, union v128 *s)
{
    if (i->mod == 3) {
        mmx_check(c);
        *s = (union v128){ .q = { mmx_get(c, i->rm), 0 } };
        mmx_enter(c);
    } else {
        load_m(c, i, s, 8);
    }
}
static HANDLER(cvtpi2ps)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    cvtpi_src(c, i, &s);
    struct fpst e;
    fp_begin(&e, c, true);
    d.d[0] = cvt_i2s(s.sd[0]);
    d.d[1] = cvt_i2s(s.sd[1]);
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
static HANDLER(cvtpi2pd)
{
    sse_check(c);
    union v128 d, s;
    cvtpi_src(c, i, &s);
    d.q[0] = f64b(s.sd[0]);
    d.q[1] = f64b(s.sd[1]);
    xmm_put(c, i->reg, &d);
}

ALWAYS_INLINE int32_t gpr_or_m32(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return (int32_t)c->s.gpr[i->rm];
    return (int32_t)mem_read(c, i->seg, insn_ea(c, i), 4);
}
static HANDLER(cvtsi2ss)
{
    sse_check(c);
    int32_t v = gpr_or_m32(c, i);
    struct fpst e;
    fp_begin(&e, c, true);
    uint32_t r = cvt_i2s(v);
    fp_end(c, &e);
    memcpy(c->s.fpu.xmm[i->reg], &r, 4);
}
static HANDLER(cvtsi2sd)
{
    sse_check(c);
    uint64_t r = f64b(gpr_or_m32(c, i));
    memcpy(c->s.fpu.xmm[i->reg], &r, 8);
}

/* CVT[T]PS2PI mm, xmm/m64 and CVT[T]PD2PI mm, xmm/m128 */
ALWAYS_INLINE void cvt2pi(struct cpu *c, const struct insn *i, int w, bool tr)
{
    sse_check(c);
    mmx_check(c);
    union v128 s;
    cvt_src(c, i, &s, w == 32 ? 8 : 16);
    struct fpst e;
    fp_begin(&e, c, false);
    union v128 r;
    for (int k = 0; k < 2; k++)
        r.d[k] = cvt_f2i(&e, w, w == 32 ? s.d[k] : s.q[k], tr);
    fp_end(c, &e);
    mmx_enter(c);
    mmx_put(c, i->reg, r.q[0]);
}
static HANDLER(cvtps2pi) { cvt2pi(c, i, 32, false); }
static HANDLER(cvttps2pi) { cvt2pi(c, i, 32, true); }
static HANDLER(cvtpd2pi) { cvt2pi(c, i, 64, false); }
static HANDLER(cvttpd2pi) { cvt2pi(c, i, 64, true); }

/* CVT[T]SS2SI / CVT[T]SD2SI r32, xmm/m32|m64 */
ALWAYS_INLINE void cvt2si(struct cpu *c, const struct insn *i, int w, bool tr)
{
    sse_check(c);
    union v128 s;
    cvt_src(c, i, &s, w / 8);
    struct fpst e;
    fp_begin(&e, c, false);
    uint32_t r = cvt_f2i(&e, w, w == 32 ? s.d[0] : s.q[0], tr);
    fp_end(c, &e);
    c->s.gpr[i->reg] = r;
}
static HANDLER(cvtss2si) { cvt2si(c, i, 32, false); }
static HANDLER(cvttss2si) { cvt2si(c, i, 32, true); }
static HANDLER(cvtsd2si) { cvt2si(c, i, 64, false); }
static HANDLER(cvttsd2si) { cvt2si(c, i, 64, true); }

/* CVTPS2PD xmm, xmm/m64; CVTSS2SD xmm, xmm/m32 (upper half kept) */
ALWAYS_INLINE void cvt_s2d_form(struct cpu *c, const struct insn *i, bool scalar)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    cvt_src(c, i, &s, scalar ? 4 : 8);
    struct fpst e;
    fp_begin(&e, c, false);
    uint64_t lo = cvt_s2d(&e, s.d[0]);
    if (!scalar)
        d.q[1] = cvt_s2d(&e, s.d[1]);
    d.q[0] = lo;
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
static HANDLER(cvtps2pd) { cvt_s2d_form(c, i, false); }
static HANDLER(cvtss2sd) { cvt_s2d_form(c, i, true); }

/* CVTPD2PS xmm, xmm/m128 (upper half zeroed); CVTSD2SS xmm, xmm/m64 */
ALWAYS_INLINE void cvt_d2s_form(struct cpu *c, const struct insn *i, bool scalar)
{
    sse_check(c);
    union v128 d, s;
    xmm_get(c, i->reg, &d);
    cvt_src(c, i, &s, scalar ? 8 : 16);
    struct fpst e;
    fp_begin(&e, c, true);
    d.d[0] = cvt_d2s(&e, s.q[0]);
    if (!scalar) {
        d.d[1] = cvt_d2s(&e, s.q[1]);
        d.q[1] = 0;
    }
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
static HANDLER(cvtpd2ps) { cvt_d2s_form(c, i, false); }
static HANDLER(cvtsd2ss) { cvt_d2s_form(c, i, true); }

/* CVTDQ2PS xmm, xmm/m128 */
static HANDLER(cvtdq2ps)
{
    sse_check(c);
    union v128 s, d;
    cvt_src(c, i, &s, 16);
    struct fpst e;
    fp_begin(&e, c, true);
    for (int k = 0; k < 4; k++)
        d.d[k] = cvt_i2s(s.sd[k]);
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
/* CVT[T]PS2DQ xmm, xmm/m128 */
ALWAYS_INLINE void cvtps2dq_form(struct cpu *c, const struct insn *i, bool tr)
{
    sse_check(c);
    union v128 s, d;
    cvt_src(c, i, &s, 16);
    struct fpst e;
    fp_begin(&e, c, false);
    for (int k = 0; k < 4; k++)
        d.d[k] = cvt_f2i(&e, 32, s.d[k], tr);
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
static HANDLER(cvtps2dq) { cvtps2dq_form(c, i, false); }
static HANDLER(cvttps2dq) { cvtps2dq_form(c, i, true); }
/* CVT[T]PD2DQ xmm, xmm/m128: upper half zeroed */
ALWAYS_INLINE void cvtpd2dq_form(struct cpu *c, const struct insn *i, bool tr)
{
    sse_check(c);
    union v128 s, d = { .q = { 0, 0 } };
    cvt_src(c, i, &s, 16);
    struct fpst e;
    fp_begin(&e, c, false);
    for (int k = 0; k < 2; k++)
        d.d[k] = cvt_f2i(&e, 64, s.q[k], tr);
    fp_end(c, &e);
    xmm_put(c, i->reg, &d);
}
static HANDLER(cvtpd2dq) { cvtpd2dq_form(c, i, false); }
static HANDLER(cvttpd2dq) { cvtpd2dq_form(c, i, true); }
/* CVTDQ2PD xmm, xmm/m64: exact */
static HANDLER(cvtdq2pd)
{
    sse_check(c);
    union v128 s, d;
    cvt_src(c, i, &s, 8);
    d.q[0] = f64b(s.sd[0]);
    d.q[1] = f64b(s.sd[1]);
    xmm_put(c, i->reg, &d);
}

/* ---- decode table ---- */
#define RM(fn) { fn, fn }
#define FP_ROW(name)                                                          \
    { [P_NONE] = { name##ps_r, name##ps_m }, [P_66] = { name##pd_r, name##pd_m }, \
      [P_F3] = { name##ss_r, name##ss_m }, [P_F2] = { name##sd_r, name##sd_m } }

static const struct sform fp_forms[256][4] = {
    [0x2a] = { [P_NONE] = RM(cvtpi2ps), [P_66] = RM(cvtpi2pd),
               [P_F3] = RM(cvtsi2ss), [P_F2] = RM(cvtsi2sd) },
    [0x2c] = { [P_NONE] = RM(cvttps2pi), [P_66] = RM(cvttpd2pi),
               [P_F3] = RM(cvttss2si), [P_F2] = RM(cvttsd2si) },
    [0x2d] = { [P_NONE] = RM(cvtps2pi), [P_66] = RM(cvtpd2pi),
               [P_F3] = RM(cvtss2si), [P_F2] = RM(cvtsd2si) },
    [0x2e] = { [P_NONE] = RM(ucomiss), [P_66] = RM(ucomisd) },
    [0x2f] = { [P_NONE] = RM(comiss), [P_66] = RM(comisd) },
    [0x51] = FP_ROW(sqrt),
    [0x52] = { [P_NONE] = RM(rsqrtps), [P_F3] = RM(rsqrtss) },
    [0x53] = { [P_NONE] = RM(rcpps), [P_F3] = RM(rcpss) },
    [0x58] = FP_ROW(add),
    [0x59] = FP_ROW(mul),
    [0x5a] = { [P_NONE] = RM(cvtps2pd), [P_66] = RM(cvtpd2ps),
               [P_F3] = RM(cvtss2sd), [P_F2] = RM(cvtsd2ss) },
    [0x5b] = { [P_NONE] = RM(cvtdq2ps), [P_66] = RM(cvtps2dq),
               [P_F3] = RM(cvttps2dq) },
    [0x5c] = FP_ROW(sub),
    [0x5d] = FP_ROW(min),
    [0x5e] = FP_ROW(div),
    [0x5f] = FP_ROW(max),
    [0xc2] = FP_ROW(cmp),
    [0xe6] = { [P_66] = RM(cvttpd2dq), [P_F3] = RM(cvtdq2pd),
               [P_F2] = RM(cvtpd2dq) },
};

const struct sform *simd_fp_form(unsigned op, unsigned pfx)
{
    const struct sform *f = &fp_forms[op & 0xff][pfx & 3];
    return f->r || f->m ? f : NULL;
}
