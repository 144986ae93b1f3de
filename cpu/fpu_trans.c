/* x87 transcendentals and constants: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN,
 * FCOS, FSINCOS, FPTAN and the FLDx constants.
 *
 * Results are computed in a private 128-bit-significand format ("wide":
 * truncating arithmetic with a sticky bit, so each step is within one unit
 * of 2^-127 and never crosses a 128-bit representable value) and rounded
 * once to 64 bits with the caller's rounding mode.  Trigonometric arguments
 * are reduced modulo pi/2 exactly with a 257-bit pi/2, not with the 66-bit
 * pi of Intel's hardware, so results near multiples of pi are the true ones.
 * Portable C: no host floating point. */
#include "cpu/float80.h"

#include <stddef.h>

typedef f80_u128 u128;

/* value = (-1)^neg * sig * 2^(exp - 127); sig has bit 127 set, or is 0 */
typedef struct wide {
    bool neg;
    int32_t exp;
    u128 sig;
} wide;

#define W(neg, exp, hi, lo) { neg, exp, ((u128)(hi) << 64) | (lo) }

/* Constants rounded to 128 bits (mpmath, 600-bit working precision). */
static const wide K_LN2 = W(false, -1, 0xb17217f7d1cf79abu, 0xc9e3b39803f2f6afu);
static const wide K_LOG2E = W(false, 0, 0xb8aa3b295c17f0bbu, 0xbe87fed0691d3e89u);
static const wide K_PI = W(false, 1, 0xc90fdaa22168c234u, 0xc4c6628b80dc1cd1u);
static const wide K_PIO2 = W(false, 0, 0xc90fdaa22168c234u, 0xc4c6628b80dc1cd1u);
static const wide K_PIO4 = W(false, -1, 0xc90fdaa22168c234u, 0xc4c6628b80dc1cd1u);
static const wide K_3PIO4 = W(false, 1, 0x96cbe3f9990e91a7u, 0x9394c9e8a0a5159du);
static const wide K_2OPI = W(false, -1, 0xa2f9836e4e441529u, 0xfc2757d1f534ddc1u);
static const wide K_L2T = W(false, 1, 0xd49a784bcd1b8afeu, 0x492bf6ff4dafdb4du);
static const wide K_LG2 = W(false, -2, 0x9a209a84fbcff798u, 0x8f8959ac0b7c9178u);
static const wide K_ONE = W(false, 0, 0x8000000000000000u, 0);
static const wide K_TWO = W(false, 1, 0x8000000000000000u, 0);

/* atan(k/16), k = 0..16 */
static const wide ATAN_TAB[17] = {
    W(false, 0, 0, 0),
    W(false, -5, 0xffaaddb967ef4e36u, 0xcb2792dc0e2e0d51u),
    W(false, -4, 0xfeadd4d5617b6e32u, 0xc897989f3e888ef8u),
    W(false, -3, 0xbdcbda5e72d81134u, 0x7b0b4f881c9c7488u),
    W(false, -3, 0xfadbafc96406eb15u, 0x6dc79ef5f7a217e6u),
    W(false, -2, 0x9b13b9b83f5e5e69u, 0xc5abb498d27af328u),
    W(false, -2, 0xb7b0ca0f26f78473u, 0x8aa32122dcfe4483u),
    W(false, -2, 0xd327761e611fe5b6u, 0x427c95e9001e7136u),
    W(false, -2, 0xed63382b0dda7b45u, 0x6fe445ecbc3a8d03u),
    W(false, -1, 0x832bf4a6d9867e2au, 0x4b6a09cb61a515c1u),
    W(false, -1, 0x8f005d5ef7f59f9bu, 0x5c835e1665c43748u),
    W(false, -1, 0x9a2f80e671bdda20u, 0x4226f8e2204ff3bdu),
    W(false, -1, 0xa4bc7d1934f70924u, 0x19a87f2a457dac9fu),
    W(false, -1, 0xaeac4c38b4d8c080u, 0x14725e2f3e52070au),
    W(false, -1, 0xb8053e2bc2319e73u, 0xcb2da55210a4443du),
    W(false, -1, 0xc0ce85b8ac526640u, 0x89dd62c46e92fa25u),
    W(false, -1, 0xc90fdaa22168c234u, 0xc4c6628b80dc1cd1u),
};

/* floor(pi/2 * 2^256), little-endian 64-bit limbs, for argument reduction */
static const uint64_t PIO2_FIX[5] = {
    0x04177d4c76273644u, 0x52049c1114cf98e8u, 0x898cc51701b839a2u,
    0x921fb54442d18469u, 0x0000000000000001u,
};

/* ---- wide arithmetic ---- */

static inline int clz64(uint64_t v) { return v ? __builtin_clzll(v) : 64; }

static inline int clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + clz64((uint64_t)v);
}

static wide w_zero(void)
{
    wide z = { false, 0, 0 };
    return z;
}

static wide w_neg(wide a)
{
    a.neg = !a.neg;
    return a;
}

static wide w_abs(wide a)
{
    a.neg = false;
    return a;
}

static wide w_ldexp(wide a, int32_t n)
{
    a.exp += n;
    return a;
}

static wide w_from_f80(f80 a)
{
    wide w = { f80_sign(a), 0, 0 };
    int32_t e = a.se & 0x7fff;
    uint64_t s = a.sig;
    if (!s)
        return w;
    if (e == 0)
        e = 1;
    int z = clz64(s);
    w.exp = e - z - F80_BIAS;
    w.sig = (u128)(s << z) << 64;
    return w;
}

static wide w_from_int(int64_t v)
{
    wide w = { v < 0, 0, 0 };
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (!m)
        return w;
    int z = clz64(m);
    w.exp = 63 - z;
    w.sig = (u128)(m << z) << 64;
    return w;
}

static int w_cmp_abs(wide a, wide b)
{
    if (!a.sig || !b.sig)
        return (a.sig != 0) - (b.sig != 0);
    if (a.exp != b.exp)
        return a.exp < b.exp ? -1 : 1;
    return a.sig < b.sig ? -1 : a.sig > b.sig;
}

/* Sum in 256 bits, truncated to 128 with sticky. */
static wide w_add(wide a, wide b)
{
    if (!b.sig)
        return a;
    if (!a.sig)
        return b;
    if (w_cmp_abs(a, b) < 0) {
        wide t = a;
        a = b;
        b = t;
    }
    int32_t d = a.exp - b.exp;
    u128 bh, bl;
    if (d == 0) {
        bh = b.sig;
        bl = 0;
    } else if (d < 128) {
        bh = b.sig >> d;
        bl = b.sig << (128 - d);
    } else if (d == 128) {
        bh = 0;
        bl = b.sig;
    } else if (d < 256) {
        bh = 0;
        bl = (b.sig >> (d - 128)) | ((b.sig << (256 - d)) != 0);
    } else {
        bh = 0;
        bl = 1;
    }
    u128 rh, rl;
    int32_t e = a.exp;
    if (a.neg == b.neg) {
        rl = bl;
        rh = a.sig + bh;
        if (rh < a.sig) {               /* carry out of bit 127 */
            rl = (rl >> 1) | (rh << 127) | (rl & 1);
            rh = (rh >> 1) | ((u128)1 << 127);
            e++;
        }
    } else {
        rl = (u128)0 - bl;
        rh = a.sig - bh - (bl != 0);
        if (!rh && !rl)
            return w_zero();
        int z = rh ? clz128(rh) : 128 + clz128(rl);
        if (z >= 128) {
            rh = rl << (z - 128);
            rl = 0;
        } else if (z > 0) {
            rh = (rh << z) | (rl >> (128 - z));
            rl <<= z;
        }
        e -= z;
    }
    wide r = { a.neg, e, rh | (rl != 0) };
    return r;
}

static wide w_sub(wide a, wide b) { return w_add(a, w_neg(b)); }

static wide w_mul(wide a, wide b)
{
    wide r = { a.neg != b.neg, a.exp + b.exp + 1, 0 };
    if (!a.sig || !b.sig)
        return r;
    uint64_t a1 = (uint64_t)(a.sig >> 64), a0 = (uint64_t)a.sig;
    uint64_t b1 = (uint64_t)(b.sig >> 64), b0 = (uint64_t)b.sig;
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1;
    u128 p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    u128 lo = (mid << 64) | (uint64_t)p00;
    if (!(hi >> 127)) {
        hi = (hi << 1) | (lo >> 127);
        lo <<= 1;
        r.exp--;
    }
    r.sig = hi | (lo != 0);
    return r;
}

/* Restoring division: 128 quotient bits, sticky remainder. */
static wide w_div(wide a, wide b)
{
    wide r = { a.neg != b.neg, a.exp - b.exp, 0 };
    if (!a.sig)
        return r;
    u128 n = a.sig, d = b.sig, q = 0;
    bool carry = false;
    int bits = 128;
    if (n < d)
        bits = 129;                     /* first quotient bit is 0: one more */
    for (int k = 0; k < bits; k++) {
        bool ge = carry || n >= d;
        q = (q << 1) | ge;
        if (ge)
            n -= d;
        carry = n >> 127;
        n <<= 1;
    }
    if (bits == 129)
        r.exp--;
    r.sig = q | (n != 0 || carry);
    return r;
}

static wide w_div_small(wide a, uint32_t m)
{
    if (!a.sig)
        return a;
    u128 q = a.sig / m, rem = a.sig % m;
    int s = clz128(q);
    u128 rs = rem << s;
    q = (q << s) | (rs / m);
    a.sig = q | (rs % m != 0);
    a.exp -= s;
    return a;
}

/* Round to an f80 at 64 bits.  `exact`: the wide value is the exact result;
 * otherwise the result is known irrational and always inexact. */
static f80 w_round(struct f80_env *env, wide v, bool exact)
{
    if (!v.sig)
        return f80_zero(v.neg);
    if (!exact && !(uint64_t)v.sig)
        env->flags |= FX_PE;
    return f80_round_pack(env, v.neg, v.exp, v.sig, 64);
}

/* A computed transcendental result that happens to be exact: the hardware
 * still reports #P (its algorithms do not know), and for a logarithm of an
 * argument below 1 also C1 (measured on Intel: FYL2X of 2^-100 or 0.5). */
static f80 w_round_exact(struct f80_env *env, wide v, bool c1)
{
    f80 r = w_round(env, v, true);
    env->flags |= FX_PE | (c1 ? FX_C1 : 0);
    return r;
}

/* stop a series after the first term that no longer reaches the 128-bit
 * sum: added all the same, its sticky bit puts the sum on the right side
 * of the neighbouring 128-bit values (the rest of the tail is smaller) */
static bool negligible(wide term, wide sum)
{
    return !term.sig || (sum.sig && term.exp < sum.exp - 130);
}

/* ---- kernels ---- */

/* sum s^(2k+1)/(2k+1), alternating when `alt` (atan) or not (atanh) */
static wide odd_series(wide s, bool alt)
{
    wide s2 = w_mul(s, s), p = s, sum = s;
    for (uint32_t k = 3; k < 400; k += 2) {
        p = w_mul(p, s2);
        if (alt)
            p = w_neg(p);
        wide t = w_div_small(p, k);
        bool last = negligible(t, sum);
        sum = w_add(sum, t);
        if (last)
            break;
    }
    return sum;
}

/* log2(v), v > 0; *exact when v is a power of two */
static wide w_log2(wide v, bool *exact)
{
    /* v = m * 2^e, m in [1/sqrt2, sqrt2) */
    int32_t e = v.exp;
    wide m = { false, 0, v.sig };
    static const u128 SQRT2 = ((u128)0xb504f333f9de6484u << 64) | 0x597d89b3754abe9fu;
    if (m.sig > SQRT2) {
        m.exp = -1;
        e++;
    }
    *exact = m.sig == (u128)1 << 127 && m.exp == 0;
    wide ew = w_from_int(e);
    if (*exact)
        return ew;
    wide s = w_div(w_sub(m, K_ONE), w_add(m, K_ONE));
    wide ln = w_ldexp(odd_series(s, false), 1);
    return w_add(ew, w_mul(ln, K_LOG2E));
}

/* atan(t), 0 <= t <= 1: atan(c) + atan((t - c) / (1 + t c)), c = k/16 */
static wide w_atan01(wide t)
{
    unsigned k = 0;
    if (t.exp >= -5) {
        /* k = round(16 t) */
        u128 t32 = t.sig >> (127 - (t.exp + 5));
        k = (unsigned)((t32 + 1) >> 1);
    }
    if (k > 16)
        k = 16;
    wide u = t;
    if (k) {
        wide c = w_ldexp(w_from_int(k), -4);
        u = w_div(w_sub(t, c), w_add(K_ONE, w_mul(t, c)));
    }
    wide a = odd_series(u, true);
    return k ? w_add(ATAN_TAB[k], a) : a;
}

static wide w_sin_kernel(wide r)
{
    wide r2 = w_mul(r, r), term = r, sum = r;
    for (uint32_t n = 1; n < 200; n += 2) {
        term = w_neg(w_div_small(w_mul(term, r2), (n + 1) * (n + 2)));
        bool last = negligible(term, sum);
        sum = w_add(sum, term);
        if (last)
            break;
    }
    return sum;
}

static wide w_cos_kernel(wide r)
{
    wide r2 = w_mul(r, r), term = K_ONE, sum = K_ONE;
    for (uint32_t n = 0; n < 200; n += 2) {
        term = w_neg(w_div_small(w_mul(term, r2), (n + 1) * (n + 2)));
        bool last = negligible(term, sum);
        sum = w_add(sum, term);
        if (last)
            break;
    }
    return sum;
}

/* 64 bits of a little-endian limb array starting at bit `pos` (may be < 0) */
static uint64_t bits_at(const uint64_t *d, int n, int pos)
{
    if (pos <= -64)
        return 0;
    if (pos < 0)
        return d[0] << -pos;
    int w = pos / 64, s = pos % 64;
    uint64_t lo = w < n ? d[w] : 0, hi = w + 1 < n ? d[w + 1] : 0;
    return s ? (lo >> s) | (hi << (64 - s)) : lo;
}

/* |x| = M * 2^E (E in [-64, -1], |x| >= 1/2): r = |x| - k*pi/2, in 384-bit
 * fixed point with 256 fraction bits; *quad = k mod 4. */
static wide reduce_pio2(uint64_t M, int E, unsigned *quad)
{
    wide x = { false, E + 63, (u128)M << 64 };
    wide t = w_mul(x, K_2OPI);
    uint64_t k = 0;
    if (t.exp >= -1) {
        u128 t2 = t.sig >> (126 - t.exp);      /* floor(2t) */
        k = (uint64_t)((t2 + 1) >> 1);
    }
    *quad = (unsigned)(k & 3);
    if (!k)
        return x;
    uint64_t X[6] = { 0 }, P[6], D[6];
    int sh = 256 + E;
    X[sh / 64] |= M << (sh % 64);
    if (sh % 64)
        X[sh / 64 + 1] |= M >> (64 - sh % 64);
    u128 carry = 0;
    for (int j = 0; j < 5; j++) {
        u128 p = (u128)PIO2_FIX[j] * k + carry;
        P[j] = (uint64_t)p;
        carry = p >> 64;
    }
    P[5] = (uint64_t)carry;
    uint64_t borrow = 0;
    for (int j = 0; j < 6; j++) {
        u128 s = (u128)X[j] - P[j] - borrow;
        D[j] = (uint64_t)s;
        borrow = (uint64_t)(s >> 64) & 1;
    }
    bool neg = borrow;
    if (neg) {
        uint64_t c = 1;
        for (int j = 0; j < 6; j++) {
            u128 s = (u128)(uint64_t)~D[j] + c;
            D[j] = (uint64_t)s;
            c = (uint64_t)(s >> 64);
        }
    }
    int j = 5;
    while (j > 0 && !D[j])
        j--;
    if (!D[j])
        return w_zero();
    int T = 64 * j + 63 - clz64(D[j]);
    int lo = T - 127;
    u128 sig = ((u128)bits_at(D, 6, lo + 64) << 64) | bits_at(D, 6, lo);
    bool sticky = false;
    for (int b = 0; b < 6 && 64 * b < lo; b++) {
        uint64_t v = D[b];
        if (64 * b + 64 > lo)
            v &= (1ull << (lo - 64 * b)) - 1;
        sticky |= v != 0;
    }
    wide r = { neg, T - 256, sig | sticky };
    return r;
}

/* ---- operand screening shared by the instructions ---- */

static bool nan_or_unsup(struct f80_env *env, f80 a, const f80 *b, f80 *res)
{
    enum f80_class ca = f80_classify(a), cb = b ? f80_classify(*b) : F80_ZERO;
    if (ca == F80_UNSUPPORTED || cb == F80_UNSUPPORTED) {
        env->flags |= FX_IE;
        *res = f80_indefinite();
        return true;
    }
    bool na = ca == F80_QNAN || ca == F80_SNAN, nb = cb == F80_QNAN || cb == F80_SNAN;
    if (na || nb) {
        *res = f80_propagate_nan(env, na ? a : *b, na && nb ? b : NULL);
        return true;
    }
    if (ca == F80_DENORMAL || cb == F80_DENORMAL)
        env->flags |= FX_DE;
    return false;
}

/* an invalid operation takes precedence over #D (SDM 4.9.2) */
static f80 invalid(struct f80_env *env)
{
    env->flags = (uint16_t)((env->flags & ~FX_DE) | FX_IE);
    return f80_indefinite();
}

static f80 signed_const(struct f80_env *env, wide k, bool neg)
{
    k.neg = neg;
    return w_round(env, k, false);
}

/* ---- F2XM1 ---- */

f80 f80_f2xm1(struct f80_env *env, f80 x)
{
    f80 res;
    if (nan_or_unsup(env, x, NULL, &res))
        return res;
    enum f80_class c = f80_classify(x);
    bool neg = f80_sign(x);
    if (c == F80_ZERO)
        return x;
    if (c == F80_INF)
        return neg ? f80_make(true, F80_BIAS, 1ull << 63) : x;
    wide w = w_from_f80(x);
    if (w.exp == 0 && w.sig == (u128)1 << 127) {    /* +-1: exact, yet #P */
        env->flags |= FX_PE;
        return neg ? f80_make(true, F80_BIAS - 1, 1ull << 63) : f80_one();
    }
    if (w.exp >= 15) {                   /* outside the domain: the limits */
        if (!neg)
            return f80_round_pack(env, false, 1 << 20, (u128)1 << 127, 64);
        wide m1 = { true, -1, ~(u128)0 };   /* -(1 - tiny) */
        return w_round(env, m1, false);
    }
    wide t = w_mul(w, K_LN2);
    int32_t k = t.exp + 9 > 0 ? t.exp + 9 : 0;
    wide u = w_ldexp(t, -k);
    /* expm1(u) by its series, then expm1(2v) = expm1(v) * (expm1(v) + 2) */
    wide term = u, sum = u;
    for (uint32_t n = 2; n < 100; n++) {
        term = w_div_small(w_mul(term, u), n);
        bool last = negligible(term, sum);
        sum = w_add(sum, term);
        if (last)
            break;
    }
    for (int32_t j = 0; j < k; j++)
        sum = w_mul(sum, w_add(sum, K_TWO));
    return w_round(env, sum, false);
}

/* ---- FYL2X, FYL2XP1 ---- */

/* y * log2(x) for x, y with no NaN/unsupported; handles the special cases
 * of the SDM's FYL2X table.  lt1: x < 1 (the sign of the logarithm). */
f80 f80_yl2x(struct f80_env *env, f80 x, f80 y)
{
    f80 res;
    if (nan_or_unsup(env, x, &y, &res))
        return res;
    enum f80_class cx = f80_classify(x), cy = f80_classify(y);
    bool sy = f80_sign(y);
    if (f80_sign(x) && cx != F80_ZERO)
        return invalid(env);                 /* log of a negative number */
    if (cx == F80_ZERO) {
        if (cy == F80_ZERO)
            return invalid(env);
        if (cy != F80_INF)
            env->flags |= FX_ZE;
        return f80_inf(!sy);
    }
    if (cx == F80_INF) {
        if (cy == F80_ZERO)
            return invalid(env);
        return f80_inf(sy);
    }
    wide wx = w_from_f80(x);
    bool one = wx.exp == 0 && wx.sig == (u128)1 << 127;
    bool lt1 = wx.exp < 0;
    if (cy == F80_INF) {
        if (one)
            return invalid(env);
        return f80_inf(sy ^ lt1);
    }
    if (cy == F80_ZERO || one)
        return f80_zero(sy ^ lt1);
    bool exact;
    wide l = w_log2(wx, &exact);
    wide r = w_mul(w_from_f80(y), l);
    return exact ? w_round_exact(env, r, lt1) : w_round(env, r, false);
}

f80 f80_yl2xp1(struct f80_env *env, f80 x, f80 y)
{
    f80 res;
    if (nan_or_unsup(env, x, &y, &res))
        return res;
    enum f80_class cx = f80_classify(x), cy = f80_classify(y);
    bool sx = f80_sign(x), sy = f80_sign(y);
    if (cx == F80_ZERO) {
        if (cy == F80_INF)
            return invalid(env);
        return f80_zero(sx ^ sy);
    }
    if (cx == F80_INF) {                 /* outside the domain */
        if (sx || cy == F80_ZERO)
            return invalid(env);
        return f80_inf(sy);
    }
    wide wx = w_from_f80(x);
    wide l;
    bool exact = false;
    if (wx.exp <= -2) {
        /* the documented domain: log(1+x) = 2 atanh(x / (2 + x)) */
        if (cy == F80_INF)
            return f80_inf(sy ^ sx);
        if (cy == F80_ZERO)
            return f80_zero(sy ^ sx);
        wide s = w_div(wx, w_add(K_TWO, wx));
        l = w_mul(w_ldexp(odd_series(s, false), 1), K_LOG2E);
    } else {
        wide v = w_add(K_ONE, wx);
        if (!v.sig) {                    /* x = -1: log2(0) */
            if (cy == F80_ZERO)
                return invalid(env);
            if (cy != F80_INF)
                env->flags |= FX_ZE;
            return f80_inf(!sy);
        }
        if (v.neg)
            return invalid(env);
        l = w_log2(v, &exact);
        bool lt1 = sx;
        if (cy == F80_INF)
            return l.sig ? f80_inf(sy ^ lt1) : invalid(env);
        if (cy == F80_ZERO)
            return f80_zero(sy ^ lt1);
    }
    wide r = w_mul(w_from_f80(y), l);
    return exact ? w_round_exact(env, r, sx) : w_round(env, r, false);
}

/* ---- FPATAN ---- */

f80 f80_atan2(struct f80_env *env, f80 y, f80 x)
{
    f80 res;
    if (nan_or_unsup(env, y, &x, &res))
        return res;
    enum f80_class cx = f80_classify(x), cy = f80_classify(y);
    bool sx = f80_sign(x), sy = f80_sign(y);
    if (cy == F80_ZERO)
        return sx ? signed_const(env, K_PI, sy) : y;
    if (cy == F80_INF) {
        if (cx == F80_INF)
            return signed_const(env, sx ? K_3PIO4 : K_PIO4, sy);
        return signed_const(env, K_PIO2, sy);
    }
    if (cx == F80_ZERO)
        return signed_const(env, K_PIO2, sy);
    if (cx == F80_INF)
        return sx ? signed_const(env, K_PI, sy) : f80_zero(sy);
    wide ay = w_abs(w_from_f80(y)), ax = w_abs(w_from_f80(x));
    wide a;
    if (w_cmp_abs(ay, ax) <= 0) {
        wide t = w_div(ay, ax);
        if (!sx && t.exp <= -41) {
            /* atan(t) = t within the hardware's precision: Intel returns
             * the rounded quotient (measured), #P always */
            f80 q = f80_div(env, y, x);
            env->flags |= FX_PE;
            return q;
        }
        a = w_atan01(t);
    } else
        a = w_sub(K_PIO2, w_atan01(w_div(ax, ay)));
    if (sx)
        a = w_sub(K_PI, a);
    a.neg = sy;
    return w_round(env, a, false);
}

/* ---- FSIN, FCOS, FSINCOS, FPTAN ---- */

bool f80_trig(struct f80_env *env, f80 x, f80 *s, f80 *c, f80 *t)
{
    f80 res;
    enum f80_class cx = f80_classify(x);
    if (nan_or_unsup(env, x, NULL, &res) || cx == F80_INF) {
        if (cx == F80_INF)
            res = invalid(env);
        if (s)
            *s = res;
        if (c)
            *c = res;
        if (t)
            *t = res;
        return true;
    }
    if (cx == F80_ZERO) {
        if (s)
            *s = x;
        if (c)
            *c = f80_one();
        if (t)
            *t = x;
        return true;
    }
    wide w = w_from_f80(x);
    if (w.exp >= 63)
        return false;
    if (w.exp <= -69) {
        /* below 2^-68 the hardware returns x for sine and tangent and 1 for
         * cosine (measured on Intel; Bochs does the same below 2^-67):
         * #P, #U for a denormal x, C1 = 0 */
        f80 xr = x;
        if (cx == F80_DENORMAL && (s || t)) {     /* a tiny sine/tangent */
            if (env->masks & FX_UE)
                env->flags |= FX_UE;
            else
                xr = f80_round_pack(env, w.neg, w.exp, w.sig, 64);
        }
        env->flags |= FX_PE;
        if (s)
            *s = xr;
        if (t)
            *t = xr;
        if (c)
            *c = f80_one();
        return true;
    }
    bool neg = w.neg;
    unsigned quad = 0;
    wide r = w_abs(w);
    if (w.exp >= -1)
        r = reduce_pio2((uint64_t)(w.sig >> 64), w.exp - 63, &quad);
    wide sr = w_sin_kernel(r), cr = w_cos_kernel(r);
    wide sv, cv;
    switch (quad) {
    case 0: sv = sr; cv = cr; break;
    case 1: sv = cr; cv = w_neg(sr); break;
    case 2: sv = w_neg(sr); cv = w_neg(cr); break;
    default: sv = w_neg(cr); cv = sr; break;
    }
    if (neg)
        sv = w_neg(sv);
    if (s)
        *s = w_round(env, sv, false);
    if (c)
        *c = w_round(env, cv, false);
    if (t)
        *t = w_round(env, w_div(sv, cv), false);
    return true;
}

/* ---- constants ---- */

f80 f80_constant(const struct f80_env *env, enum f80_const k)
{
    static const wide *const tab[] = {
        [FK_L2T] = &K_L2T, [FK_L2E] = &K_LOG2E, [FK_PI] = &K_PI,
        [FK_LG2] = &K_LG2, [FK_LN2] = &K_LN2,
    };
    struct f80_env e = *env;
    e.masks = 0x3f;
    return f80_round_pack(&e, false, tab[k]->exp, tab[k]->sig, 64);
}
