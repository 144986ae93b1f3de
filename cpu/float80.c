/* The x87 double-extended soft-float: rounding, the basic operations,
 * conversions, comparison and the remainder/scale/extract helpers.  Wide
 * intermediate results are exact (128-bit products and quotients, integer
 * square roots) and rounded once. */
#include "cpu/float80.h"

#include <stddef.h>

typedef f80_u128 u128;

static inline int clz64(uint64_t v) { return v ? __builtin_clzll(v) : 64; }

static inline int clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + clz64((uint64_t)v);
}

/* Shift right, OR-ing every bit shifted out into bit 0 (sticky). */
static inline u128 shr_jam(u128 v, int n)
{
    if (n <= 0)
        return v;
    if (n >= 128)
        return v != 0;
    return (v >> n) | ((v << (128 - n)) != 0);
}

/* A finite nonzero value as sign, unbiased exponent and a normalized
 * significand: value = sig * 2^(exp - 63). */
struct unp {
    bool sign;
    int32_t exp;
    uint64_t sig;
};

static struct unp unpack(f80 a)
{
    struct unp u;
    int32_t e = a.se & 0x7fff;
    uint64_t s = a.sig;
    if (e == 0)
        e = 1;                 /* denormals and pseudo-denormals */
    int z = clz64(s);
    u.sign = a.se >> 15;
    u.sig = s << z;
    u.exp = e - z - F80_BIAS;
    return u;
}

/* ---- rounding ---- */

static bool round_up(unsigned rc, bool sign, bool odd, u128 rem, u128 half)
{
    if (!rem)
        return false;
    switch (rc) {
    case RC_NEAREST: return rem > half || (rem == half && odd);
    case RC_DOWN: return sign;
    case RC_UP: return !sign;
    default: return false;
    }
}

enum { R_NORMAL, R_DENORMAL, R_ZERO, R_INF };

struct rres {
    int kind;
    int32_t exp;        /* R_NORMAL: value = sig * 2^(exp - 63); R_DENORMAL: emin */
    uint64_t sig;       /* the kept bits at the top of 64 */
};

/* Round (-1)^sign * sig * 2^(exp-127) to p bits within [emin, emax]
 * (unbiased exponents of normalized values); `adj` is the exponent bias
 * applied to unmasked over/underflow results. */
static struct rres round_core(struct f80_env *env, bool sign, int32_t exp,
                              u128 sig, int p, int32_t emin, int32_t emax,
                              int32_t adj)
{
    struct rres r;
    const int drop = 128 - p;
    const u128 lowmask = ((u128)1 << drop) - 1;
    const u128 half = (u128)1 << (drop - 1);
    const u128 top = (u128)1 << p;      /* kept value that overflows p bits */
    unsigned rc = env->rc;
    bool tiny = false;

    if (exp < emin) {
        tiny = true;
        if (exp == emin - 1) {
            /* tininess after rounding: would the unbounded result reach 2^emin? */
            u128 kept = sig >> drop;
            if (kept == top - 1 && round_up(rc, sign, true, sig & lowmask, half))
                tiny = false;
        }
        if (tiny && !(env->masks & FX_UE)) {
            /* unmasked: a normal result with the exponent biased up; out
             * of reach even of the bias (FSCALE), a zero (as hardware) */
            if (exp + adj < emin) {
                env->flags = (uint16_t)((env->flags & ~FX_C1) | FX_UE | FX_PE);
                r.kind = R_ZERO;
                r.exp = 0;
                r.sig = 0;
                return r;
            }
            env->flags |= FX_UE;
            exp += adj;
            tiny = false;
        } else if (tiny) {
            sig = shr_jam(sig, emin - exp);
            exp = emin;
        }
    }
    u128 rem = sig & lowmask;
    u128 kept = sig >> drop;
    if (rem) {
        env->flags |= FX_PE;
        if (tiny)
            env->flags |= FX_UE;        /* masked: tiny and inexact */
    }
    if (round_up(rc, sign, (bool)(kept & 1), rem, half)) {
        env->flags |= FX_C1;
        kept++;
        if (kept == top) {
            kept >>= 1;
            exp++;
        }
    }
    if (exp > emax) {
        if (!(env->masks & FX_OE) && exp - adj <= emax) {
            env->flags |= FX_OE;
            exp -= adj;
        } else {
            env->flags |= FX_OE | FX_PE;
            /* unmasked beyond the bias: infinity whatever the rounding */
            bool to_inf = rc == RC_NEAREST || (rc == RC_UP && !sign) ||
                          (rc == RC_DOWN && sign) || !(env->masks & FX_OE);
            if (to_inf) {
                env->flags |= FX_C1;
                r.kind = R_INF;
                r.exp = 0;
                r.sig = 1ull << 63;
                return r;
            }
            env->flags &= ~FX_C1;
            exp = emax;
            kept = top - 1;
        }
    }
    r.sig = (uint64_t)(kept << (64 - p));
    r.exp = exp;
    if (!kept)
        r.kind = R_ZERO;
    else if (!(r.sig >> 63))
        r.kind = R_DENORMAL;
    else
        r.kind = R_NORMAL;
    return r;
}

f80 f80_round_pack(struct f80_env *env, bool sign, int32_t exp, u128 sig,
                   int prec)
{
    if (prec == 64 && exp >= 1 - F80_BIAS && exp < F80_BIAS) {
        /* the common case: full precision, no over/underflow possible */
        uint64_t hi = (uint64_t)(sig >> 64), lo = (uint64_t)sig;
        if (lo) {
            bool inc;
            env->flags |= FX_PE;
            switch (env->rc) {
            case RC_NEAREST:
                inc = lo > (1ull << 63) || (lo == (1ull << 63) && (hi & 1));
                break;
            case RC_DOWN: inc = sign; break;
            case RC_UP: inc = !sign; break;
            default: inc = false; break;
            }
            if (inc) {
                env->flags |= FX_C1;
                if (!++hi) {
                    hi = 1ull << 63;
                    exp++;
                }
            }
        }
        return f80_make(sign, (unsigned)(exp + F80_BIAS), hi);
    }
    struct rres r = round_core(env, sign, exp, sig, prec, 1 - F80_BIAS,
                               F80_BIAS, 0x6000);
    switch (r.kind) {
    case R_ZERO: return f80_zero(sign);
    case R_INF: return f80_inf(sign);
    case R_DENORMAL: return f80_make(sign, 0, r.sig);
    default: return f80_make(sign, (unsigned)(r.exp + F80_BIAS), r.sig);
    }
}

/* An exact finite value given as a u64 magnitude times 2^exp2. */
static f80 pack_u64(struct f80_env *env, bool sign, uint64_t mag, int32_t exp2)
{
    if (!mag)
        return f80_zero(sign);
    int z = clz64(mag);
    return f80_round_pack(env, sign, exp2 + 63 - z, (u128)(mag << z) << 64, 64);
}

/* ---- NaNs and operand screening ---- */

static f80 quiet(f80 a)
{
    a.sig |= 1ull << 62;
    return a;
}

/* A pseudo-denormal passed through is written back with exponent 1, the
 * same value in normal encoding (hardware). */
static f80 canon(f80 a)
{
    if (!(a.se & 0x7fff) && (a.sig >> 63))
        a.se |= 1;
    return a;
}

static bool is_nan(enum f80_class c) { return c == F80_QNAN || c == F80_SNAN; }

f80 f80_propagate_nan(struct f80_env *env, f80 a, const f80 *b)
{
    enum f80_class ca = f80_classify(a);
    enum f80_class cb = b ? f80_classify(*b) : F80_ZERO;
    if (ca == F80_SNAN || cb == F80_SNAN)
        env->flags |= FX_IE;
    if (!b || !is_nan(cb))
        return quiet(a);
    if (!is_nan(ca))
        return quiet(*b);
    if (ca != cb)                        /* one quiet, one signaling */
        return ca == F80_QNAN ? a : *b;
    /* both of a kind: the larger significand; a tie takes the positive one */
    uint64_t sa = a.sig << 1, sb = b->sig << 1;
    if (sa != sb)
        return quiet(sa > sb ? a : *b);
    return quiet(a.se < b->se ? a : *b);
}

/* Common screening of two operands: unsupported encodings and NaNs decide
 * the result (true); otherwise a denormal operand raises #D. */
static bool screen2(struct f80_env *env, f80 a, enum f80_class ca, f80 b,
                    enum f80_class cb, f80 *res)
{
    if (ca == F80_UNSUPPORTED || cb == F80_UNSUPPORTED) {
        env->flags |= FX_IE;
        *res = f80_indefinite();
        return true;
    }
    if (is_nan(ca) || is_nan(cb)) {
        *res = f80_propagate_nan(env, is_nan(ca) ? a : b,
                                 is_nan(ca) && is_nan(cb) ? &b : NULL);
        return true;
    }
    if (ca == F80_DENORMAL || cb == F80_DENORMAL)
        env->flags |= FX_DE;
    return false;
}

static bool screen1(struct f80_env *env, f80 a, enum f80_class ca, f80 *res)
{
    if (ca == F80_UNSUPPORTED) {
        env->flags |= FX_IE;
        *res = f80_indefinite();
        return true;
    }
    if (is_nan(ca)) {
        *res = f80_propagate_nan(env, a, NULL);
        return true;
    }
    if (ca == F80_DENORMAL)
        env->flags |= FX_DE;
    return false;
}

/* an invalid operation takes precedence over #D (SDM 4.9.2) */
static f80 invalid(struct f80_env *env)
{
    env->flags = (uint16_t)((env->flags & ~FX_DE) | FX_IE);
    return f80_indefinite();
}

/* ---- add, subtract ---- */

/* Both operands normal (biased exponent 1..7FFE, integer bit set): the
 * common case, with nothing to screen or normalize. */
static inline bool both_normal(f80 a, f80 b)
{
    return (unsigned)((a.se & 0x7fff) - 1) < 0x7ffe &&
           (unsigned)((b.se & 0x7fff) - 1) < 0x7ffe && (a.sig & b.sig) >> 63;
}

static f80 addsub(struct f80_env *env, f80 a, f80 b, bool negb)
{
    if (__builtin_expect(both_normal(a, b), 1)) {
        bool sa = f80_sign(a), sb = f80_sign(b) ^ negb;
        int32_t ea = a.se & 0x7fff, eb = b.se & 0x7fff;
        uint64_t ma = a.sig, mb = b.sig;
        if (ea < eb || (ea == eb && ma < mb)) {
            int32_t te = ea; ea = eb; eb = te;
            uint64_t tm = ma; ma = mb; mb = tm;
            bool ts = sa; sa = sb; sb = ts;
        }
        u128 A = (u128)ma << 63;
        u128 B = shr_jam((u128)mb << 63, ea - eb);
        u128 S;
        if (sa == sb) {
            S = A + B;
        } else {
            S = A - B;
            if (!S)
                return f80_zero(env->rc == RC_DOWN);
        }
        int z = clz128(S);
        return f80_round_pack(env, sa, ea - F80_BIAS + 1 - z, S << z, env->prec);
    }
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    f80 res;
    if (screen2(env, a, ca, b, cb, &res))
        return res;
    bool sa = f80_sign(a), sb = f80_sign(b) ^ negb;
    if (ca == F80_INF || cb == F80_INF) {
        if (ca == F80_INF && cb == F80_INF && sa != sb)
            return invalid(env);
        return f80_inf(ca == F80_INF ? sa : sb);
    }
    if (ca == F80_ZERO && cb == F80_ZERO)
        return f80_zero(sa == sb ? sa : env->rc == RC_DOWN);
    if (ca == F80_ZERO || cb == F80_ZERO) {
        /* x + 0: x rounded to the precision (a denormal stays one) */
        struct unp u = unpack(ca == F80_ZERO ? b : a);
        return f80_round_pack(env, ca == F80_ZERO ? sb : sa, u.exp,
                              (u128)u.sig << 64, env->prec);
    }
    struct unp ua = unpack(a), ub = unpack(b);
    ua.sign = sa;
    ub.sign = sb;
    if (ua.exp < ub.exp || (ua.exp == ub.exp && ua.sig < ub.sig)) {
        struct unp t = ua;
        ua = ub;
        ub = t;
    }
    u128 A = (u128)ua.sig << 63;
    u128 B = shr_jam((u128)ub.sig << 63, ua.exp - ub.exp);
    int32_t e = ua.exp + 1;
    u128 S;
    if (ua.sign == ub.sign) {
        S = A + B;
    } else {
        S = A - B;
        if (!S)
            return f80_zero(env->rc == RC_DOWN);
    }
    int z = clz128(S);
    return f80_round_pack(env, ua.sign, e - z, S << z, env->prec);
}

f80 f80_add(struct f80_env *env, f80 a, f80 b) { return addsub(env, a, b, false); }
f80 f80_sub(struct f80_env *env, f80 a, f80 b) { return addsub(env, a, b, true); }

/* ---- multiply, divide, square root ---- */

f80 f80_mul(struct f80_env *env, f80 a, f80 b)
{
    if (__builtin_expect(both_normal(a, b), 1)) {
        u128 P = (u128)a.sig * b.sig;
        int32_t e = (a.se & 0x7fff) + (b.se & 0x7fff) - 2 * F80_BIAS + 1;
        if (!(P >> 127)) {
            P <<= 1;
            e--;
        }
        return f80_round_pack(env, f80_sign(a) ^ f80_sign(b), e, P, env->prec);
    }
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    f80 res;
    if (screen2(env, a, ca, b, cb, &res))
        return res;
    bool sign = f80_sign(a) ^ f80_sign(b);
    if (ca == F80_INF || cb == F80_INF) {
        if (ca == F80_ZERO || cb == F80_ZERO)
            return invalid(env);
        return f80_inf(sign);
    }
    if (ca == F80_ZERO || cb == F80_ZERO)
        return f80_zero(sign);
    struct unp ua = unpack(a), ub = unpack(b);
    u128 P = (u128)ua.sig * ub.sig;
    int32_t e = ua.exp + ub.exp + 1;
    if (!(P >> 127)) {
        P <<= 1;
        e--;
    }
    return f80_round_pack(env, sign, e, P, env->prec);
}

f80 f80_div(struct f80_env *env, f80 a, f80 b)
{
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    f80 res;
    if (screen2(env, a, ca, b, cb, &res))
        return res;
    bool sign = f80_sign(a) ^ f80_sign(b);
    if (ca == F80_INF)
        return cb == F80_INF ? invalid(env) : f80_inf(sign);
    if (cb == F80_INF)
        return f80_zero(sign);
    if (cb == F80_ZERO) {
        if (ca == F80_ZERO)
            return invalid(env);
        /* as invalid, zero divide takes precedence over #D (hardware) */
        env->flags = (uint16_t)((env->flags & ~FX_DE) | FX_ZE);
        return f80_inf(sign);
    }
    if (ca == F80_ZERO)
        return f80_zero(sign);
    struct unp ua = unpack(a), ub = unpack(b);
    /* 127-128 quotient bits and a sticky remainder, in two long steps */
    u128 n1 = (u128)ua.sig << 63;
    uint64_t q1 = (uint64_t)(n1 / ub.sig), r1 = (uint64_t)(n1 % ub.sig);
    u128 n2 = (u128)r1 << 64;
    uint64_t q2 = (uint64_t)(n2 / ub.sig), r2 = (uint64_t)(n2 % ub.sig);
    u128 Q = ((u128)q1 << 64) | q2;
    int32_t e = ua.exp - ub.exp;
    if (!(Q >> 127)) {
        Q <<= 1;
        e--;
    }
    Q |= r2 != 0;
    return f80_round_pack(env, sign, e, Q, env->prec);
}

/* floor(sqrt(n)) for n < 2^128, digit by digit; *rem = n - root^2. */
static uint64_t isqrt128(u128 n, u128 *rem)
{
    u128 root = 0, r = 0;
    for (int k = 63; k >= 0; k--) {
        r = (r << 2) | ((n >> (2 * k)) & 3);
        u128 t = (root << 2) | 1;
        root <<= 1;
        if (r >= t) {
            r -= t;
            root |= 1;
        }
    }
    *rem = r;
    return (uint64_t)root;
}

f80 f80_sqrt(struct f80_env *env, f80 a)
{
    enum f80_class ca = f80_classify(a);
    f80 res;
    if (screen1(env, a, ca, &res))
        return res;
    if (ca == F80_ZERO)
        return a;
    if (f80_sign(a))
        return invalid(env);
    if (ca == F80_INF)
        return a;
    struct unp u = unpack(a);
    /* value = sig * 2^(exp-63) = N * 2^(2h), N of 127 or 128 bits */
    int odd = (u.exp - 63) & 1;
    u128 N = (u128)u.sig << (odd ? 63 : 64);
    int32_t h = (u.exp - (odd ? 126 : 127)) / 2;
    u128 rem;
    uint64_t r = isqrt128(N, &rem);
    /* the next bit is 1 iff rem > r, and then more bits always follow */
    bool guard = rem > r;
    bool sticky = guard || rem != 0;
    u128 R = ((u128)r << 64) | ((u128)guard << 63) | sticky;
    return f80_round_pack(env, false, h + 63, R, env->prec);
}

/* ---- rounding to an integer ---- */

/* |value| rounded to an integer with rc: the magnitude (up to 2^64 + ...),
 * *inexact, *up (magnitude increased).  u: finite nonzero. */
static u128 round_mag(unsigned rc, const struct unp *u, bool *inexact, bool *up)
{
    u128 mag;
    uint64_t frac;    /* the fraction, binary point above bit 63 */
    bool sticky = false;
    if (u->exp >= 63) {
        *inexact = *up = false;
        if (u->exp >= 127)
            return ~(u128)0;          /* far out of any integer range */
        return (u128)u->sig << (u->exp - 63);
    }
    if (u->exp >= 0) {
        mag = u->sig >> (63 - u->exp);
        frac = u->exp == 63 ? 0 : u->sig << (u->exp + 1);
    } else {
        mag = 0;
        int sh = -u->exp - 1;        /* exp -1: frac = sig */
        if (sh >= 64) {
            frac = 0;
            sticky = true;
        } else {
            frac = u->sig >> sh;
            sticky = sh && (u->sig << (64 - sh)) != 0;
        }
    }
    *inexact = frac || sticky;
    bool inc;
    switch (rc) {
    case RC_NEAREST:
        inc = frac > (1ull << 63) || (frac == (1ull << 63) && (sticky || (mag & 1)));
        break;
    case RC_DOWN: inc = u->sign && *inexact; break;
    case RC_UP: inc = !u->sign && *inexact; break;
    default: inc = false; break;
    }
    *up = inc;
    return mag + inc;
}

f80 f80_round_int(struct f80_env *env, f80 a)
{
    enum f80_class ca = f80_classify(a);
    f80 res;
    if (screen1(env, a, ca, &res))
        return res;
    if (ca == F80_ZERO || ca == F80_INF)
        return a;
    struct unp u = unpack(a);
    if (u.exp >= 63)
        return a;
    bool inexact, up;
    u128 mag = round_mag(env->rc, &u, &inexact, &up);
    if (inexact)
        env->flags |= FX_PE | (up ? FX_C1 : 0);
    if (!mag)
        return f80_zero(u.sign);
    if (mag >> 64)
        return f80_make(u.sign, F80_BIAS + 64, 1ull << 63);
    int z = clz64((uint64_t)mag);
    return f80_make(u.sign, (unsigned)(F80_BIAS + 63 - z), (uint64_t)mag << z);
}

int64_t f80_to_int(struct f80_env *env, f80 a, int bits)
{
    const int64_t indef = (int64_t)(~0ull << (bits - 1));   /* 100...0 */
    const uint64_t indef_u = (uint64_t)1 << (bits - 1);
    enum f80_class ca = f80_classify(a);
    if (ca == F80_ZERO)
        return 0;
    if (ca != F80_NORMAL && ca != F80_DENORMAL) {
        env->flags |= FX_IE;
        return indef;
    }
    struct unp u = unpack(a);
    bool inexact, up;
    u128 mag = round_mag(env->rc, &u, &inexact, &up);
    if (mag > (u.sign ? indef_u : indef_u - 1)) {
        env->flags |= FX_IE;
        return indef;
    }
    if (inexact)
        env->flags |= FX_PE | (up ? FX_C1 : 0);
    uint64_t m = (uint64_t)mag;
    return u.sign ? (int64_t)(0 - m) : (int64_t)m;
}

void f80_to_bcd(struct f80_env *env, f80 a, uint8_t bcd[10])
{
    static const uint64_t limit = 999999999999999999ull;
    enum f80_class ca = f80_classify(a);
    uint64_t m = 0;
    bool sign = f80_sign(a);
    if (ca != F80_ZERO) {
        bool bad = ca != F80_NORMAL && ca != F80_DENORMAL;
        u128 mag = 0;
        bool inexact = false, up = false;
        if (!bad) {
            struct unp u = unpack(a);
            mag = round_mag(env->rc, &u, &inexact, &up);
            bad = mag > limit;
        }
        if (bad) {
            env->flags |= FX_IE;
            for (int k = 0; k < 10; k++)
                bcd[k] = 0;
            bcd[9] = bcd[8] = 0xff;
            bcd[7] = 0xc0;
            return;
        }
        if (inexact)
            env->flags |= FX_PE | (up ? FX_C1 : 0);
        m = (uint64_t)mag;
    }
    for (int k = 0; k < 9; k++) {
        unsigned lo = (unsigned)(m % 10);
        m /= 10;
        unsigned hi = (unsigned)(m % 10);
        m /= 10;
        bcd[k] = (uint8_t)(hi << 4 | lo);
    }
    bcd[9] = sign ? 0x80 : 0;
}

/* ---- conversions in ---- */

f80 f80_from_i64(int64_t v)
{
    if (!v)
        return f80_zero(false);
    bool sign = v < 0;
    uint64_t m = sign ? 0 - (uint64_t)v : (uint64_t)v;
    int z = clz64(m);
    return f80_make(sign, (unsigned)(F80_BIAS + 63 - z), m << z);
}

/* A binary32/64 value with `fbits` fraction bits and exponent bias `bias`. */
static f80 from_ieee(bool sign, unsigned e, uint64_t frac, int fbits, int bias,
                     unsigned emax, bool *denormal)
{
    *denormal = false;
    if (e == emax) {
        if (!frac)
            return f80_inf(sign);
        return f80_make(sign, 0x7fff, (1ull << 63) | (frac << (63 - fbits)));
    }
    if (e == 0) {
        if (!frac)
            return f80_zero(sign);
        *denormal = true;
        int z = clz64(frac);
        /* value = frac * 2^(1 - bias - fbits); msb at 63 - z */
        int32_t exp = (63 - z) + 1 - bias - fbits;
        return f80_make(sign, (unsigned)(exp + F80_BIAS), frac << z);
    }
    return f80_make(sign, (unsigned)((int)e - bias + F80_BIAS),
                    (1ull << 63) | (frac << (63 - fbits)));
}

f80 f80_from_f32(uint32_t v, bool *denormal)
{
    return from_ieee(v >> 31, (v >> 23) & 0xff, v & 0x7fffff, 23, 127, 0xff,
                     denormal);
}

f80 f80_from_f64(uint64_t v, bool *denormal)
{
    return from_ieee(v >> 63, (v >> 52) & 0x7ff, v & ((1ull << 52) - 1), 52,
                     1023, 0x7ff, denormal);
}

f80 f80_from_bcd(const uint8_t bcd[10])
{
    uint64_t m = 0;
    for (int k = 8; k >= 0; k--)   /* invalid digits: undefined, computed as is */
        m = m * 100 + (bcd[k] >> 4) * 10 + (bcd[k] & 15);
    bool sign = bcd[9] & 0x80;
    if (!m)
        return f80_zero(sign);
    int z = clz64(m);
    return f80_make(sign, (unsigned)(F80_BIAS + 63 - z), m << z);
}

/* ---- conversions out ---- */

/* Round a finite nonzero f80 to an IEEE format; returns the encoding. */
static uint64_t to_ieee(struct f80_env *env, f80 a, int fbits, int bias)
{
    enum f80_class ca = f80_classify(a);
    bool sign = f80_sign(a);
    uint64_t s = (uint64_t)sign << (fbits + (fbits == 23 ? 8 : 11));
    uint64_t emaxf = fbits == 23 ? 0xff : 0x7ff;
    uint64_t qbit = 1ull << (fbits - 1);
    switch (ca) {
    case F80_UNSUPPORTED:
        env->flags |= FX_IE;
        return ((uint64_t)1 << (fbits + (fbits == 23 ? 8 : 11))) | (emaxf << fbits) | qbit;
    case F80_SNAN:
        env->flags |= FX_IE;
        /* fall through */
    case F80_QNAN:
        return s | (emaxf << fbits) | qbit | ((a.sig << 1) >> (64 - fbits));
    case F80_INF:
        return s | (emaxf << fbits);
    case F80_ZERO:
        return s;
    default:
        break;
    }
    struct unp u = unpack(a);
    int adj = fbits == 23 ? 192 : 1536;
    struct rres r = round_core(env, sign, u.exp, (u128)u.sig << 64, fbits + 1,
                               1 - bias, bias, adj);
    switch (r.kind) {
    case R_ZERO: return s;
    case R_INF: return s | (emaxf << fbits);
    case R_DENORMAL: return s | (r.sig >> (63 - fbits));
    default:
        return s | ((uint64_t)(r.exp + bias) << fbits) |
               ((r.sig >> (63 - fbits)) & ((1ull << fbits) - 1));
    }
}

uint32_t f80_to_f32(struct f80_env *env, f80 a) { return (uint32_t)to_ieee(env, a, 23, 127); }
uint64_t f80_to_f64(struct f80_env *env, f80 a) { return to_ieee(env, a, 52, 1023); }

/* ---- comparison ---- */

enum f80_rel f80_compare(struct f80_env *env, f80 a, f80 b, bool quiet)
{
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    if (ca == F80_UNSUPPORTED || cb == F80_UNSUPPORTED) {
        env->flags |= FX_IE;
        return F80_UN;
    }
    if (is_nan(ca) || is_nan(cb)) {
        if (!quiet || ca == F80_SNAN || cb == F80_SNAN)
            env->flags |= FX_IE;
        return F80_UN;
    }
    if (ca == F80_DENORMAL || cb == F80_DENORMAL)
        env->flags |= FX_DE;
    bool za = ca == F80_ZERO, zb = cb == F80_ZERO;
    if (za && zb)
        return F80_EQ;
    bool sa = f80_sign(a), sb = f80_sign(b);
    if (za)
        return sb ? F80_GT : F80_LT;
    if (zb)
        return sa ? F80_LT : F80_GT;
    if (sa != sb)
        return sa ? F80_LT : F80_GT;
    /* same sign: compare magnitudes (infinity has the top exponent) */
    int32_t ea = ca == F80_INF ? INT32_MAX : unpack(a).exp;
    int32_t eb = cb == F80_INF ? INT32_MAX : unpack(b).exp;
    uint64_t ma = ca == F80_INF ? 0 : unpack(a).sig;
    uint64_t mb = cb == F80_INF ? 0 : unpack(b).sig;
    int cmp = ea != eb ? (ea < eb ? -1 : 1) : ma != mb ? (ma < mb ? -1 : 1) : 0;
    if (!cmp)
        return F80_EQ;
    if (sa)
        cmp = -cmp;
    return cmp < 0 ? F80_LT : F80_GT;
}

/* ---- FSCALE, FXTRACT, FPREM ---- */

f80 f80_scale(struct f80_env *env, f80 a, f80 b)
{
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    f80 res;
    if (screen2(env, a, ca, b, cb, &res))
        return res;
    bool sa = f80_sign(a);
    if (cb == F80_INF) {
        if (!f80_sign(b))
            return ca == F80_ZERO ? invalid(env) : f80_inf(sa);
        return ca == F80_INF ? invalid(env) : f80_zero(sa);
    }
    if (ca == F80_ZERO || ca == F80_INF || cb == F80_ZERO)
        return canon(a);        /* unchanged, even a denormal (hardware) */
    int32_t n = 0;
    struct unp ub = unpack(b);
    /* beyond +-2^17 every finite a over/underflows: clamp */
    if (ub.exp >= 17)
        n = 1 << 17;
    else if (ub.exp >= 0)
        n = (int32_t)(ub.sig >> (63 - ub.exp));
    if (ub.sign)
        n = -n;
    struct unp ua = unpack(a);
    return f80_round_pack(env, sa, ua.exp + n, (u128)ua.sig << 64, 64);
}

void f80_xtract(struct f80_env *env, f80 a, f80 *exp, f80 *sig)
{
    enum f80_class ca = f80_classify(a);
    f80 res;
    if (screen1(env, a, ca, &res)) {
        *exp = *sig = res;
        return;
    }
    if (ca == F80_ZERO) {
        env->flags |= FX_ZE;
        *exp = f80_inf(true);
        *sig = a;
        return;
    }
    if (ca == F80_INF) {
        *exp = f80_inf(false);
        *sig = a;
        return;
    }
    struct unp u = unpack(a);
    *exp = f80_from_i64(u.exp);
    *sig = f80_make(u.sign, F80_BIAS, u.sig);
}

int f80_prem(struct f80_env *env, f80 a, f80 b, bool ieee, f80 *r, uint64_t *q)
{
    enum f80_class ca = f80_classify(a), cb = f80_classify(b);
    *q = 0;
    if (screen2(env, a, ca, b, cb, r))
        return -1;
    if (ca == F80_INF || cb == F80_ZERO) {
        *r = invalid(env);
        return -1;
    }
    if (ca == F80_ZERO) {
        *r = a;
        return 0;
    }
    struct unp ua = unpack(a), ub = unpack(b);
    if (cb == F80_INF) {
        *r = canon(a);          /* as it is, even a denormal (hardware) */
        return 0;
    }
    int32_t d = ua.exp - ub.exp;
    bool sign = ua.sign;
    if (d >= 64) {
        /* partial: reduce the exponent by 32..63 (as Bochs; Intel's N is
         * implementation-specific) */
        int n = 32 + (d & 31);
        u128 A = (u128)ua.sig << n;
        uint64_t R = (uint64_t)(A % ub.sig);
        *r = pack_u64(env, sign, R, ua.exp - n - 63);
        if (!R)
            *r = f80_zero(sign);
        return 1;
    }
    if (d < 0) {
        if (ieee && d == -1 && ua.sig > ub.sig) {
            /* |a| > |b|/2: quotient 1, remainder |b| - |a| of opposite sign */
            *q = 1;
            u128 m = ((u128)ub.sig << 1) - ua.sig;   /* units of a's ulp */
            int z = clz128(m);
            *r = f80_round_pack(env, !sign, ua.exp + 64 - z, m << z, 64);
            return 0;
        }
        /* the dividend itself, through rounding: a denormal one meets
         * the underflow rules (biased when #U is unmasked) */
        *r = f80_round_pack(env, sign, ua.exp, (u128)ua.sig << 64, 64);
        return 0;
    }
    u128 A = (u128)ua.sig << d;
    uint64_t Q = (uint64_t)(A / ub.sig), R = (uint64_t)(A % ub.sig);
    if (ieee && ((u128)R * 2 > ub.sig || ((u128)R * 2 == ub.sig && (Q & 1)))) {
        R = ub.sig - R;
        Q++;
        sign = !sign;
    }
    *q = Q;
    if (!R)
        *r = f80_zero(ua.sign);
    else
        *r = pack_u64(env, sign, R, ub.exp - 63);
    return 0;
}
