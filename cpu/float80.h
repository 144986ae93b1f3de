/* A software x87 double-extended float: sign, 15-bit biased exponent and a
 * 64-bit significand with an explicit integer bit, exactly as the x87 holds
 * it.  Every operation rounds once, exactly, under an environment that
 * carries FCW's rounding and precision control and exception masks, and
 * reports the x87 exception flags.  No host floating point is used for any
 * result (the host may be anything with unsigned __int128).
 *
 * The x87-specific rules live here: unsupported encodings (unnormals,
 * pseudo-NaNs, pseudo-infinities) are invalid operands; pseudo-denormals
 * are accepted as denormals (SDM vol. 1 8.2.2); NaNs propagate by table 4-7;
 * tininess is detected after rounding; masked over/underflow give the IEEE
 * results and unmasked ones the exponent biased by 0x6000 (SDM 4.9.1.4-5). */
#ifndef CPU_FLOAT80_H
#define CPU_FLOAT80_H

#include <stdbool.h>
#include <stdint.h>

typedef unsigned __int128 f80_u128;

typedef struct f80 {
    uint64_t sig;       /* bit 63 is the integer bit */
    uint16_t se;        /* bit 15 sign, bits 14-0 biased exponent */
} f80;

#define F80_BIAS 16383
#define F80_EXP_MAX 0x7fff

/* Flags reported by the operations, at their FSW bit positions. */
#define FX_IE 0x0001    /* invalid operation */
#define FX_DE 0x0002    /* denormal operand */
#define FX_ZE 0x0004    /* zero divide */
#define FX_OE 0x0008    /* overflow */
#define FX_UE 0x0010    /* underflow */
#define FX_PE 0x0020    /* precision (inexact) */
#define FX_SF 0x0040    /* stack fault (set by the FPU layer, not here) */
#define FX_C1 0x0200    /* with PE: the result was rounded up in magnitude */

/* FCW.RC */
enum { RC_NEAREST, RC_DOWN, RC_UP, RC_ZERO };

struct f80_env {
    uint8_t rc;         /* RC_* */
    uint8_t prec;       /* significand bits for the PC-controlled ops: 24, 53, 64 */
    uint8_t masks;      /* FCW bits 0-5: masked exceptions */
    uint16_t flags;     /* out: FX_* accumulated */
};

/* The environment FCW describes.  PC 01 (reserved) behaves as 64 bits. */
static inline struct f80_env f80_env_of(uint16_t fcw)
{
    static const uint8_t pc[4] = { 24, 64, 53, 64 };
    struct f80_env e = { (uint8_t)((fcw >> 10) & 3), pc[(fcw >> 8) & 3],
                         (uint8_t)(fcw & 0x3f), 0 };
    return e;
}

enum f80_class {
    F80_ZERO, F80_DENORMAL, F80_NORMAL, F80_INF, F80_QNAN, F80_SNAN,
    F80_UNSUPPORTED,
};

static inline enum f80_class f80_classify(f80 a)
{
    unsigned e = a.se & 0x7fff;
    if (e == 0)
        return a.sig ? F80_DENORMAL : F80_ZERO;   /* incl. pseudo-denormals */
    if (!(a.sig >> 63))
        return F80_UNSUPPORTED;   /* unnormal, pseudo-NaN, pseudo-infinity */
    if (e == 0x7fff) {
        if (!(a.sig << 1))
            return F80_INF;
        return (a.sig >> 62) & 1 ? F80_QNAN : F80_SNAN;
    }
    return F80_NORMAL;
}

static inline bool f80_sign(f80 a) { return a.se >> 15; }
static inline f80 f80_make(bool sign, unsigned exp, uint64_t sig)
{
    f80 r = { sig, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff)) };
    return r;
}

/* The QNaN floating-point indefinite, FFFF C000000000000000. */
static inline f80 f80_indefinite(void) { return f80_make(true, 0x7fff, 3ull << 62); }
static inline f80 f80_zero(bool sign) { return f80_make(sign, 0, 0); }
static inline f80 f80_inf(bool sign) { return f80_make(sign, 0x7fff, 1ull << 63); }
static inline f80 f80_one(void) { return f80_make(false, F80_BIAS, 1ull << 63); }

/* Round (-1)^sign * sig * 2^(exp - 127) (sig normalized: bit 127 set) to
 * `prec` significand bits in the extended exponent range, with the
 * environment's rounding mode, masked/unmasked overflow and underflow. */
f80 f80_round_pack(struct f80_env *env, bool sign, int32_t exp, f80_u128 sig,
                   int prec);

/* The NaN result of an operation with NaN operand(s) (SDM table 4-7); FX_IE
 * if one is signaling.  b may be NULL for one operand. */
f80 f80_propagate_nan(struct f80_env *env, f80 a, const f80 *b);

/* Arithmetic, rounded to env->prec bits (precision control applies). */
f80 f80_add(struct f80_env *env, f80 a, f80 b);
f80 f80_sub(struct f80_env *env, f80 a, f80 b);
f80 f80_mul(struct f80_env *env, f80 a, f80 b);
f80 f80_div(struct f80_env *env, f80 a, f80 b);
f80 f80_sqrt(struct f80_env *env, f80 a);

/* FRNDINT, FSCALE (a * 2^trunc(b)), FXTRACT (*exp, *sig). */
f80 f80_round_int(struct f80_env *env, f80 a);
f80 f80_scale(struct f80_env *env, f80 a, f80 b);
void f80_xtract(struct f80_env *env, f80 a, f80 *exp, f80 *sig);

/* FPREM (ieee false: quotient truncated) / FPREM1 (ieee: nearest even) of a
 * by b.  Returns 0 when the remainder is complete (*q: low quotient bits),
 * 1 when partial (C2), -1 when the result is a NaN/invalid response. */
int f80_prem(struct f80_env *env, f80 a, f80 b, bool ieee, f80 *r, uint64_t *q);

/* Comparison: FCOM (quiet false: any NaN is invalid) and FUCOM (quiet:
 * only SNaN).  Unsupported encodings are invalid for both. */
enum f80_rel { F80_GT, F80_LT, F80_EQ, F80_UN };
enum f80_rel f80_compare(struct f80_env *env, f80 a, f80 b, bool quiet);

/* Conversions.  Loads are exact; *denormal reports a denormal source
 * (#D for the caller).  NaNs keep their payload and signaling state. */
f80 f80_from_i64(int64_t v);
f80 f80_from_f32(uint32_t v, bool *denormal);
f80 f80_from_f64(uint64_t v, bool *denormal);
f80 f80_from_bcd(const uint8_t bcd[10]);
/* Stores round with env->rc to the destination format (env->prec unused). */
uint32_t f80_to_f32(struct f80_env *env, f80 a);
uint64_t f80_to_f64(struct f80_env *env, f80 a);
/* To a `bits`-wide signed integer (16, 32, 64), rounding with env->rc;
 * out of range or NaN: FX_IE and the integer indefinite (1 << (bits-1)). */
int64_t f80_to_int(struct f80_env *env, f80 a, int bits);
/* To 18-digit packed BCD; out of range: FX_IE and the BCD indefinite. */
void f80_to_bcd(struct f80_env *env, f80 a, uint8_t bcd[10]);

/* ---- transcendentals (cpu/fpu_trans.c), rounded to 64 bits ---- */
f80 f80_f2xm1(struct f80_env *env, f80 x);
f80 f80_yl2x(struct f80_env *env, f80 x, f80 y);        /* y * log2(x) */
f80 f80_yl2xp1(struct f80_env *env, f80 x, f80 y);      /* y * log2(x + 1) */
f80 f80_atan2(struct f80_env *env, f80 y, f80 x);       /* FPATAN */
/* FSIN/FCOS/FSINCOS/FPTAN: the results asked for (NULL: not wanted).
 * Returns false, computing nothing, when |x| >= 2^63 (C2 = 1). */
bool f80_trig(struct f80_env *env, f80 x, f80 *sin, f80 *cos, f80 *tan);

/* The FLDx constants, rounded with env->rc (no exception is reported). */
enum f80_const { FK_L2T, FK_L2E, FK_PI, FK_LG2, FK_LN2 };
f80 f80_constant(const struct f80_env *env, enum f80_const k);

#endif
