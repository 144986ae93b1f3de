/* Unit tests of the x87 soft-float (cpu/float80.c, cpu/fpu_trans.c) and of
 * the x87 instructions through the interpreter on a flat RAM bus.
 *
 * Expected values are hand-derived from the SDM's rules (binary expansions
 * of 1/3, rounding-mode tables, the formats' bit layouts) or, for the
 * transcendentals, the correctly rounded values computed with mpmath at
 * 500 bits (noted as such); they were also compared with an Intel Xeon's
 * x87, which agrees on all of them. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/float80.h"
#include "cpu/fpu.h"
#include "cpu/interp.h"

#define F(se, sig) ((f80){ (sig), (se) })

static struct f80_env env(uint16_t fcw)
{
    return f80_env_of(fcw);
}

#define ck_f80(got, se_, sig_) do {                                          \
        f80 g_ = (got);                                                      \
        ck_assert_msg(g_.se == (se_) && g_.sig == (sig_),                     \
                      "got %04x:%016llx, want %04x:%016llx", g_.se,          \
                      (unsigned long long)g_.sig, (unsigned)(se_),           \
                      (unsigned long long)(sig_));                            \
    } while (0)

static const f80 ONE = F(0x3fff, 0x8000000000000000u);
static const f80 TWO = F(0x4000, 0x8000000000000000u);
static const f80 THREE = F(0x4000, 0xc000000000000000u);

/* ---- rounding: 1/3 = 0.010101...b, significand AAAA..., then 1010... ---- */

START_TEST(test_third_each_precision_and_mode)
{
    static const struct {
        uint16_t fcw;
        uint64_t sig;
        bool up;
    } cases[] = {
        { 0x037f, 0xaaaaaaaaaaaaaaabu, true },    /* pc64 nearest: 1010.. > half */
        { 0x077f, 0xaaaaaaaaaaaaaaaau, false },   /* pc64 down */
        { 0x0b7f, 0xaaaaaaaaaaaaaaabu, true },    /* pc64 up */
        { 0x0f7f, 0xaaaaaaaaaaaaaaaau, false },   /* pc64 chop */
        { 0x027f, 0xaaaaaaaaaaaaa800u, false },   /* pc53: next bits 0101.. < half */
        { 0x0a7f, 0xaaaaaaaaaaaab000u, true },    /* pc53 up */
        { 0x007f, 0xaaaaab0000000000u, true },    /* pc24: next bits 1010.. */
        { 0x047f, 0xaaaaaa0000000000u, false },   /* pc24 down */
        { 0x017f, 0xaaaaaaaaaaaaaaabu, true },    /* pc 01 (reserved) = 64 */
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct f80_env e = env(cases[k].fcw);
        f80 r = f80_div(&e, ONE, THREE);
        ck_f80(r, 0x3ffd, cases[k].sig);
        ck_assert_uint_eq(e.flags, FX_PE | (cases[k].up ? FX_C1 : 0));
    }
}
END_TEST

START_TEST(test_sqrt2_and_exact_sqrt)
{
    struct f80_env e = env(0x037f);
    ck_f80(f80_sqrt(&e, TWO), 0x3fff, 0xb504f333f9de6484u);   /* sqrt2 = B504F333F9DE6484 597D.. */
    ck_assert_uint_eq(e.flags, FX_PE);
    e = env(0x0b7f);
    ck_f80(f80_sqrt(&e, TWO), 0x3fff, 0xb504f333f9de6485u);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1);
    e = env(0x037f);
    ck_f80(f80_sqrt(&e, F(0x4002, 0x9000000000000000u)), 0x4000, 0xc000000000000000u); /* 9 -> 3 */
    ck_assert_uint_eq(e.flags, 0);
    e = env(0x037f);
    ck_f80(f80_sqrt(&e, F(0x8000, 0)), 0x8000, 0);      /* sqrt(-0) = -0 */
    ck_f80(f80_sqrt(&e, F(0xbfff, 0x8000000000000000u)), 0xffff, 0xc000000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

START_TEST(test_add_sub_signs_and_cancellation)
{
    struct f80_env e = env(0x037f);
    ck_f80(f80_sub(&e, ONE, ONE), 0x0000, 0);                /* +0 in nearest */
    e = env(0x077f);
    ck_f80(f80_sub(&e, ONE, ONE), 0x8000, 0);                /* -0 rounding down */
    e = env(0x037f);
    ck_f80(f80_add(&e, F(0x8000, 0), F(0x0000, 0)), 0x0000, 0);
    ck_f80(f80_add(&e, F(0x8000, 0), F(0x8000, 0)), 0x8000, 0);
    /* 1 + 2^-64: the tie rounds to even (1), 1 + 3*2^-65 rounds up */
    ck_f80(f80_add(&e, ONE, F(0x3fbf, 0x8000000000000000u)), 0x3fff, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_PE);
    e = env(0x037f);
    ck_f80(f80_add(&e, ONE, F(0x3fbf, 0xc000000000000000u)), 0x3fff, 0x8000000000000001u);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1);
    /* exact cancellation keeps every bit: (1+2^-63) - 1 = 2^-63 */
    e = env(0x037f);
    ck_f80(f80_sub(&e, F(0x3fff, 0x8000000000000001u), ONE), 0x3fc0, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, 0);
    /* inf - inf: invalid, the QNaN indefinite */
    e = env(0x037f);
    ck_f80(f80_sub(&e, F(0x7fff, 0x8000000000000000u), F(0x7fff, 0x8000000000000000u)),
           0xffff, 0xc000000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

START_TEST(test_mul_div_specials)
{
    struct f80_env e = env(0x037f);
    ck_f80(f80_div(&e, ONE, F(0x8000, 0)), 0xffff, 0x8000000000000000u);  /* 1/-0 */
    ck_assert_uint_eq(e.flags, FX_ZE);
    e = env(0x037f);
    ck_f80(f80_div(&e, F(0, 0), F(0, 0)), 0xffff, 0xc000000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
    e = env(0x037f);
    ck_f80(f80_mul(&e, F(0x7fff, 0x8000000000000000u), F(0x8000, 0)), 0xffff, 0xc000000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
    /* a denormal over zero: #Z alone (hardware: #D is not reported) */
    e = env(0x037f);
    f80_div(&e, F(0x0000, 3), F(0, 0));
    ck_assert_uint_eq(e.flags, FX_ZE);
}
END_TEST

/* ---- denormals, pseudo-denormals, unsupported encodings ---- */

START_TEST(test_denormals_and_unsupported)
{
    struct f80_env e = env(0x037f);
    /* denormal * 1: exact, #D only */
    ck_f80(f80_mul(&e, F(0x0000, 3), ONE), 0x0000, 3);
    ck_assert_uint_eq(e.flags, FX_DE);
    /* a pseudo-denormal is a denormal operand (value 2^-16382) */
    e = env(0x037f);
    ck_f80(f80_mul(&e, F(0x0000, 0x8000000000000000u), TWO), 0x0002, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_DE);
    /* unnormal, pseudo-infinity, pseudo-NaN: invalid */
    static const f80 bad[] = {
        F(0x3fff, 0x4000000000000000u), F(0x7fff, 0), F(0x7fff, 0x4000000000000001u),
    };
    for (unsigned k = 0; k < 3; k++) {
        e = env(0x037f);
        ck_f80(f80_add(&e, bad[k], ONE), 0xffff, 0xc000000000000000u);
        ck_assert_uint_eq(e.flags, FX_IE);
    }
    /* masked underflow: 2^-16382 * (1 + 2^-63) / 4 is tiny and inexact */
    e = env(0x037f);
    f80 r = f80_div(&e, F(0x0001, 0x8000000000000001u), F(0x4001, 0x8000000000000000u));
    ck_f80(r, 0x0000, 0x2000000000000000u);
    ck_assert_uint_eq(e.flags, FX_UE | FX_PE);
    /* tiny but exact: no #U */
    e = env(0x037f);
    ck_f80(f80_div(&e, F(0x0001, 0x8000000000000000u), TWO), 0x0000, 0x4000000000000000u);
    ck_assert_uint_eq(e.flags, 0);
    /* tininess after rounding: 2^-16382 - 2^-16445 at pc24 rounds to
     * 2^-16382, not tiny: #P only (before rounding it would be #U) */
    e = env(0x007f);
    ck_f80(f80_add(&e, F(0x0001, 0x8000000000000000u), F(0x8000, 1)), 0x0001, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1 | FX_DE);
    /* unmasked underflow: exponent biased up by 24576 */
    e = env(0x036f);
    ck_f80(f80_mul(&e, F(0x18ef, 0x8000000000000000u), F(0x18ef, 0x8000000000000000u)),
           0x51df, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_UE);
}
END_TEST

START_TEST(test_overflow_by_mode)
{
    const f80 big = F(0x670f, 0x8000000000000000u);   /* 2^10000 */
    struct f80_env e = env(0x037f);
    ck_f80(f80_mul(&e, big, big), 0x7fff, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_OE | FX_PE | FX_C1);
    e = env(0x0f7f);
    ck_f80(f80_mul(&e, big, big), 0x7ffe, 0xffffffffffffffffu);
    ck_assert_uint_eq(e.flags, FX_OE | FX_PE);
    e = env(0x0c7f);                                   /* chop, pc24: largest 24-bit */
    ck_f80(f80_mul(&e, big, big), 0x7ffe, 0xffffff0000000000u);
    e = env(0x0377);                                   /* unmasked: biased down */
    ck_f80(f80_mul(&e, big, big), 0x2e1f, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_OE);
}
END_TEST

/* ---- NaN propagation (SDM vol. 1 table 4-7) ---- */

START_TEST(test_nan_propagation)
{
    const f80 q1 = F(0x7fff, 0xc000000000000001u), q2 = F(0xffff, 0xd000000000000000u);
    const f80 s1 = F(0x7fff, 0xa000000000000000u), s2 = F(0xffff, 0xb000000000000000u);
    struct f80_env e = env(0x037f);
    ck_f80(f80_add(&e, q1, ONE), 0x7fff, 0xc000000000000001u);
    ck_assert_uint_eq(e.flags, 0);
    ck_f80(f80_add(&e, q1, q2), 0xffff, 0xd000000000000000u);   /* larger significand */
    ck_f80(f80_mul(&e, s1, q2), 0xffff, 0xd000000000000000u);   /* the QNaN */
    ck_assert_uint_eq(e.flags, FX_IE);
    e = env(0x037f);
    ck_f80(f80_sub(&e, s1, s2), 0xffff, 0xf000000000000000u);   /* larger, quieted */
    ck_f80(f80_add(&e, ONE, s1), 0x7fff, 0xe000000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

/* ---- integer, BCD and IEEE conversions ---- */

START_TEST(test_int_conversions)
{
    const f80 p25 = F(0x4000, 0xa000000000000000u), m25 = F(0xc000, 0xa000000000000000u);
    struct f80_env e = env(0x037f);
    ck_assert_int_eq(f80_to_int(&e, p25, 16), 2);            /* ties to even */
    ck_assert_int_eq(f80_to_int(&e, m25, 16), -2);
    ck_assert_int_eq(f80_to_int(&e, F(0x4000, 0xe000000000000000u), 16), 4);  /* 3.5 */
    e = env(0x077f);
    ck_assert_int_eq(f80_to_int(&e, m25, 32), -3);
    e = env(0x0b7f);
    ck_assert_int_eq(f80_to_int(&e, p25, 32), 3);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1);
    e = env(0x0f7f);
    ck_assert_int_eq(f80_to_int(&e, m25, 64), -2);
    ck_assert_uint_eq(e.flags, FX_PE);
    /* range: -32768 fits, 32767.5 rounds to 32768 which does not */
    e = env(0x037f);
    ck_assert_int_eq(f80_to_int(&e, f80_from_i64(-32768), 16), -32768);
    ck_assert_uint_eq(e.flags, 0);
    ck_assert_int_eq(f80_to_int(&e, F(0x400d, 0xffff000000000000u), 16), -32768);
    ck_assert_uint_eq(e.flags, FX_IE);
    e = env(0x037f);
    ck_assert_int_eq(f80_to_int(&e, F(0x403e, 0x8000000000000000u), 64), INT64_MIN);
    ck_assert_uint_eq(e.flags, FX_IE);
    e = env(0x037f);
    ck_assert_int_eq(f80_to_int(&e, F(0xc03e, 0x8000000000000000u), 64), INT64_MIN);
    ck_assert_uint_eq(e.flags, 0);
    ck_f80(f80_from_i64(INT64_MIN), 0xc03e, 0x8000000000000000u);
    ck_f80(f80_from_i64(-5), 0xc001, 0xa000000000000000u);
    ck_f80(f80_from_i64(0), 0, 0);
}
END_TEST

START_TEST(test_bcd)
{
    static const uint8_t in[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80 };
    uint8_t out[10];
    f80 v = f80_from_bcd(in);                 /* -123456789012345678 */
    ck_assert(f80_sign(v));
    struct f80_env e = env(0x037f);
    f80_to_bcd(&e, v, out);
    ck_assert_mem_eq(out, in, 10);
    ck_assert_uint_eq(e.flags, 0);
    f80_to_bcd(&e, F(0x4005, 0xf700000000000000u), out);    /* 123.5 -> 124 */
    static const uint8_t r124[10] = { 0x24, 0x01 };
    ck_assert_mem_eq(out, r124, 10);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1);
    e = env(0x037f);
    f80_to_bcd(&e, f80_from_i64(1000000000000000000ll), out);
    static const uint8_t indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    ck_assert_mem_eq(out, indef, 10);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

START_TEST(test_ieee_conversions)
{
    bool den;
    ck_f80(f80_from_f32(0x3fc00000u, &den), 0x3fff, 0xc000000000000000u);
    ck_assert(!den);
    ck_f80(f80_from_f32(0x00000001u, &den), 0x3f6a, 0x8000000000000000u);   /* 2^-149 */
    ck_assert(den);
    ck_f80(f80_from_f64(0x8000000000000001u, &den), 0xbbcd, 0x8000000000000000u);
    ck_assert(den);
    ck_f80(f80_from_f32(0x7fa00000u, &den), 0x7fff, 0xa000000000000000u);   /* SNaN kept */
    struct f80_env e = env(0x037f);
    f80 third = f80_div(&e, ONE, THREE);
    e = env(0x037f);
    ck_assert_uint_eq(f80_to_f32(&e, third), 0x3eaaaaabu);
    ck_assert_uint_eq(e.flags, FX_PE | FX_C1);
    e = env(0x077f);
    ck_assert_uint_eq(f80_to_f64(&e, third), 0x3fd5555555555555u);
    e = env(0x037f);
    ck_assert_uint_eq(f80_to_f32(&e, F(0x670f, 0x8000000000000000u)), 0x7f800000u);
    ck_assert_uint_eq(e.flags, FX_OE | FX_PE | FX_C1);
    e = env(0x037f);   /* 2^-149 * 1.5 -> nearest even denormal 2^-148 */
    ck_assert_uint_eq(f80_to_f32(&e, F(0x3f6a, 0xc000000000000000u)), 0x00000002u);
    ck_assert_uint_eq(e.flags, FX_UE | FX_PE | FX_C1);
    e = env(0x037f);
    ck_assert_uint_eq(f80_to_f64(&e, F(0x7fff, 0xa000000000000000u)), 0x7ffc000000000000u);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

/* ---- compare, FPREM, FSCALE, FXTRACT, FRNDINT ---- */

START_TEST(test_compare)
{
    struct f80_env e = env(0x037f);
    ck_assert_int_eq(f80_compare(&e, THREE, TWO, false), F80_GT);
    ck_assert_int_eq(f80_compare(&e, F(0x8000, 0), F(0, 0), false), F80_EQ);
    ck_assert_int_eq(f80_compare(&e, F(0xffff, 0x8000000000000000u), TWO, false), F80_LT);
    ck_assert_uint_eq(e.flags, 0);
    ck_assert_int_eq(f80_compare(&e, F(0x7fff, 0xc000000000000000u), TWO, true), F80_UN);
    ck_assert_uint_eq(e.flags, 0);               /* FUCOM: a QNaN is quiet */
    ck_assert_int_eq(f80_compare(&e, F(0x7fff, 0xc000000000000000u), TWO, false), F80_UN);
    ck_assert_uint_eq(e.flags, FX_IE);
}
END_TEST

START_TEST(test_prem)
{
    const f80 a17 = f80_from_i64(17), a5 = f80_from_i64(5);
    f80 r;
    uint64_t q;
    struct f80_env e = env(0x037f);
    ck_assert_int_eq(f80_prem(&e, a17, a5, false, &r, &q), 0);
    ck_f80(r, 0x4000, 0x8000000000000000u);       /* 2 */
    ck_assert_uint_eq(q & 7, 3);
    /* FPREM1 of 7.5 by 5: quotient 1.5 rounds to even 2, remainder -2.5 */
    ck_assert_int_eq(f80_prem(&e, F(0x4001, 0xf000000000000000u), a5, true, &r, &q), 0);
    ck_f80(r, 0xc000, 0xa000000000000000u);
    ck_assert_uint_eq(q & 7, 2);
    /* 2^70 rem 3: partial first (C2), then 1 */
    f80 x = F(0x4045, 0x8000000000000000u);
    int steps = 0;
    while (f80_prem(&e, x, THREE, false, &x, &q) == 1)
        steps++;
    ck_assert_int_ge(steps, 1);
    ck_f80(x, 0x3fff, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, 0);
}
END_TEST

START_TEST(test_scale_xtract_rndint)
{
    struct f80_env e = env(0x037f);
    ck_f80(f80_scale(&e, THREE, F(0xc000, 0xa000000000000000u)), 0x3ffe, 0xc000000000000000u);
    ck_f80(f80_scale(&e, ONE, f80_from_i64(-16445)), 0x0000, 1);   /* smallest denormal */
    ck_assert_uint_eq(e.flags, 0);
    f80 ex, sig;
    f80_xtract(&e, F(0xbffd, 0x8000000000000000u), &ex, &sig);      /* -0.25 */
    ck_f80(ex, 0xc000, 0x8000000000000000u);
    ck_f80(sig, 0xbfff, 0x8000000000000000u);
    f80_xtract(&e, F(0x8000, 0), &ex, &sig);
    ck_f80(ex, 0xffff, 0x8000000000000000u);
    ck_assert_uint_eq(e.flags, FX_ZE);
    e = env(0x0b7f);
    ck_f80(f80_round_int(&e, F(0x3ffd, 0x8000000000000000u)), 0x3fff, 0x8000000000000000u);
    e = env(0x037f);
    ck_f80(f80_round_int(&e, F(0xbffd, 0x8000000000000000u)), 0x8000, 0);
    e = env(0x007f);    /* precision control does not apply to FRNDINT */
    ck_f80(f80_round_int(&e, F(0x4027, 0x8000000000c00000u)), 0x4027, 0x8000000001000000u);
}
END_TEST

/* ---- transcendentals: correctly rounded values (mpmath) ---- */

START_TEST(test_transcendentals)
{
    struct f80_env e = env(0x037f);
    f80 s, c, t;
    ck_f80(f80_f2xm1(&e, F(0x3ffe, 0x8000000000000000u)), 0x3ffd, 0xd413cccfe7799211u);
    ck_f80(f80_yl2x(&e, THREE, ONE), 0x3fff, 0xcae00d1cfdeb43d0u);          /* log2 3 */
    ck_f80(f80_yl2x(&e, f80_from_i64(10), ONE), 0x4000, 0xd49a784bcd1b8afeu);
    ck_f80(f80_atan2(&e, F(0x3ffe, 0x8000000000000000u), ONE), 0x3ffd, 0xed63382b0dda7b45u);
    ck_f80(f80_atan2(&e, ONE, F(0xbfff, 0x8000000000000000u)), 0x4000, 0x96cbe3f9990e91a8u);
    ck_assert(f80_trig(&e, ONE, &s, &c, &t));
    ck_f80(s, 0x3ffe, 0xd76aa47848677021u);
    ck_f80(t, 0x3fff, 0xc75922e5f71d2dc5u);
    /* an argument 3.8e-8 from 1234567890123 * pi/2: the reduction keeps
     * the 64 bits of the tiny cosine */
    ck_assert(f80_trig(&e, F(0x4027, 0xe1c24b41941124a0u), &s, &c, NULL));
    ck_f80(s, 0xbffe, 0xffffffffffffcc07u);
    ck_f80(c, 0x3fe6, 0xa31fc8655a6766b3u);
    /* out of range: nothing computed */
    ck_assert(!f80_trig(&e, F(0x403e, 0x8000000000000000u), &s, NULL, NULL));
    /* the constants follow the rounding mode */
    ck_f80(f80_constant(&e, FK_PI), 0x4000, 0xc90fdaa22168c235u);
    ck_f80(f80_constant(&e, FK_LN2), 0x3ffe, 0xb17217f7d1cf79acu);
    e = env(0x077f);
    ck_f80(f80_constant(&e, FK_PI), 0x4000, 0xc90fdaa22168c234u);
    e = env(0x0b7f);
    ck_f80(f80_constant(&e, FK_L2T), 0x4000, 0xd49a784bcd1b8affu);
    ck_assert_uint_eq(e.flags, 0);
}
END_TEST

/* ---- instructions through the interpreter ---- */

#define RAM_SIZE (1u << 20)

struct flat {
    uint8_t *ram;
    struct cpu *c;
};

static uint8_t *flat_page_ptr(void *opaque, uint64_t gpa, bool write)
{
    struct flat *f = opaque;
    (void)write;
    return gpa < RAM_SIZE ? f->ram + (gpa & ~0xfffull) : NULL;
}

static uint64_t flat_mem_read(void *opaque, uint64_t gpa, unsigned size)
{
    (void)opaque;
    (void)gpa;
    (void)size;
    return ~0ull;
}

static void flat_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)gpa;
    (void)val;
    (void)size;
}

static uint32_t flat_io_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0;
}

static void flat_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)val;
    (void)size;
}

static struct flat *flat_new(void)
{
    struct flat *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->ram = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(f->ram);
    const struct cpu_bus bus = {
        .opaque = f, .page_ptr = flat_page_ptr, .mem_read = flat_mem_read,
        .mem_write = flat_mem_write, .io_in = flat_io_in, .io_out = flat_io_out,
    };
    f->c = cpu_new(&bus, cpu_model_default(), NULL);
    ck_assert_ptr_nonnull(f->c);
    return f;
}

static void flat_free(struct flat *f)
{
    cpu_free(f->c);
    free(f->ram);
    free(f);
}

/* Run a real-mode program at 0:7C00 to its HLT; IVT vectors 7 and 16 lead
 * to a HLT with AX = the vector, every other vector to a plain HLT. */
static struct x86_state *run16(struct flat *f, const uint8_t *prog, size_t n,
                               uint32_t cr0_bits)
{
    static const uint8_t h7[] = { 0xb8, 0x07, 0x00, 0xf4 };     /* mov ax,7; hlt */
    static const uint8_t h16[] = { 0xb8, 0x10, 0x00, 0xf4 };
    memcpy(f->ram + 0x500, h7, sizeof h7);
    memcpy(f->ram + 0x510, h16, sizeof h16);
    f->ram[0x520] = 0xf4;
    for (int v = 0; v < 256; v++) {
        unsigned off = v == 7 ? 0x500 : v == 16 ? 0x510 : 0x520;
        f->ram[v * 4] = (uint8_t)off;
        f->ram[v * 4 + 1] = (uint8_t)(off >> 8);
        f->ram[v * 4 + 2] = f->ram[v * 4 + 3] = 0;
    }
    memcpy(f->ram + 0x7c00, prog, n);
    cpu_invalidate_code(f->c, 0, RAM_SIZE);
    struct x86_state *s = cpu_state(f->c);
    for (int k = 0; k < 6; k++)
        x86_seg_load_real(&s->seg[k], 0);
    s->rip = 0x7c00;
    s->gpr[R_ESP] = 0x7000;
    s->gpr[R_EAX] = 0;
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    s->rflags = 0x2;
    s->cr0 = (s->cr0 & ~0x2eull) | cr0_bits;
    s->ev.halted = false;
    cpu_state_changed(f->c);
    cpu_run(f->c, 10000);
    return cpu_state(f->c);
}


START_TEST(test_program_sum_and_store)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xdb, 0xe3,                     /* fninit */
        0xd9, 0xe8,                     /* fld1 */
        0xd9, 0xeb,                     /* fldpi */
        0xde, 0xc1,                     /* faddp */
        0xdd, 0x1e, 0x00, 0x01,         /* fstp qword [0x100] */
        0xdf, 0xe0,                     /* fnstsw ax */
        0xf4,
    };
    struct x86_state *s = run16(f, prog, sizeof prog, CR0_NE);
    uint64_t v;
    memcpy(&v, f->ram + 0x100, 8);
    ck_assert_uint_eq(v, 0x401090fdaa22168cu);   /* 1 + pi as a double (RN) */
    ck_assert_uint_eq(s->gpr[R_EAX] & 0xffff, 0x0020);   /* PE, TOP 0 */
    ck_assert_uint_eq(s->fpu.ftw, 0);
    flat_free(f);
}
END_TEST

START_TEST(test_nm_and_mf)
{
    struct flat *f = flat_new();
    static const uint8_t nm[] = { 0xd9, 0xe8, 0xf4 };              /* fld1 */
    struct x86_state *s = run16(f, nm, sizeof nm, CR0_TS);
    ck_assert_uint_eq(s->gpr[R_EAX] & 0xffff, 7);
    static const uint8_t mf[] = {
        0xdb, 0xe3,                     /* fninit */
        0xc7, 0x06, 0x00, 0x01, 0x7b, 0x03,   /* mov word [0x100], 0x037b */
        0xd9, 0x2e, 0x00, 0x01,         /* fldcw [0x100]: #Z unmasked */
        0xd9, 0xe8, 0xd9, 0xee,         /* fld1; fldz */
        0xde, 0xf9,                     /* fdivp: 1/0, pending */
        0xdd, 0x3e, 0x02, 0x01,         /* fnstsw [0x102]: no wait */
        0xd9, 0xe8,                     /* fld1: #MF here */
        0xf4,
    };
    s = run16(f, mf, sizeof mf, CR0_NE);
    ck_assert_uint_eq(s->gpr[R_EAX] & 0xffff, 16);
    ck_assert_uint_eq(f->ram[0x102] | f->ram[0x103] << 8, 0xb084);
    ck_assert_uint_eq(s->fpu.fop, 0x6f9);                 /* de f9 */
    ck_assert_uint_eq((uint32_t)s->fpu.fip, 0x7c10);      /* the fdivp */
    /* NE=0: no #MF, the instruction proceeds (FERR# to the board) */
    s = run16(f, mf, sizeof mf, 0);
    ck_assert_uint_eq(s->gpr[R_EAX] & 0xffff, 0);
    flat_free(f);
}
END_TEST

/* FWAIT (9B) is dispatched to fpu_fwait by the decoder: driven directly. */
START_TEST(test_fwait)
{
    struct flat *f = flat_new();
    struct cpu *c = f->c;
    c->s.cr0 = CR0_NE | CR0_ET;
    c->s.fpu.fsw = 0;
    if (setjmp(c->fault_jmp) == 0) {
        fpu_fwait(c, NULL);              /* nothing pending: no fault */
    } else {
        ck_abort_msg("fwait faulted");
    }
    c->s.fpu.fsw = 0x8084;              /* #Z pending */
    volatile int vec = -1;
    if (setjmp(c->fault_jmp) == 0)
        fpu_fwait(c, NULL);
    else
        vec = c->exc_vec;
    ck_assert_int_eq(vec, EXC_MF);
    c->s.cr0 |= CR0_MP | CR0_TS;        /* #NM outranks it */
    vec = -1;
    if (setjmp(c->fault_jmp) == 0)
        fpu_fwait(c, NULL);
    else
        vec = c->exc_vec;
    ck_assert_int_eq(vec, EXC_NM);
    flat_free(f);
}
END_TEST

/* Random x87 instruction streams (escapes with random ModRM, displacements
 * and data, random control words loaded from the random RAM) in real
 * mode, with CR0.NE, EM and TS varied: nothing may crash or hang.  Each
 * instruction sits in an 8-byte slot: a fault handler resumes at the next
 * slot, #MF clears the exceptions and retries.  Data segments are at
 * 0x10000 so that the stores cannot rewrite the IVT or the handlers. */
START_TEST(test_fuzz_x87)
{
    static const uint8_t skip[] = {
        0x58, 0x05, 0x08, 0x00, 0x24, 0xf8, 0x50, 0xcf,  /* pop ax; add ax,8; and al,f8; push ax; iret */
    };
    static const uint8_t mf[] = { 0xdb, 0xe2, 0xcf };   /* fnclex; iret */
    struct flat *f = flat_new();
    uint64_t seed = 0x9e3779b97f4a7c15u;
    uint64_t before = cpu_insn_count(f->c);
    for (int run = 0; run < 200; run++) {
        for (unsigned k = 0x10000; k < 0x20000; k += 8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            memcpy(f->ram + k, &seed, 8);
        }
        memcpy(f->ram + 0x600, skip, sizeof skip);
        memcpy(f->ram + 0x610, mf, sizeof mf);
        for (int v = 0; v < 256; v++) {
            unsigned off = v == 16 ? 0x610 : 0x600;
            f->ram[v * 4] = (uint8_t)off;
            f->ram[v * 4 + 1] = (uint8_t)(off >> 8);
            f->ram[v * 4 + 2] = f->ram[v * 4 + 3] = 0;
        }
        uint8_t *prog = f->ram + 0x7c00;
        unsigned slots = 256;
        for (unsigned k = 0; k < slots; k++) {
            uint8_t *q = prog + 8 * k;
            memset(q, 0x90, 8);
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if (k == 0 && run % 3) {        /* FNINIT: exceptions masked */
                q[0] = 0xdb;
                q[1] = 0xe3;
                continue;
            }
            q[0] = (uint8_t)(0xd8 + (seed & 7));
            q[1] = (uint8_t)(seed >> 8);
            q[2] = (uint8_t)(seed >> 16);
            q[3] = (uint8_t)(seed >> 24);
        }
        prog[8 * slots] = 0xf4;
        cpu_invalidate_code(f->c, 0, 0x10000);
        struct x86_state *st = cpu_state(f->c);
        for (int k = 0; k < 6; k++)
            x86_seg_load_real(&st->seg[k], k == S_CS ? 0 : 0x1000);
        st->rip = 0x7c00;
        st->gpr[R_ESP] = 0x7000;
        st->idt.base = 0;
        st->idt.limit = 0x3ff;
        st->rflags = 0x2;
        st->cr0 = (st->cr0 & ~0x2eull) | (run & 1 ? CR0_NE : 0) |
                  (run % 17 == 0 ? CR0_EM : 0) | (run % 13 == 0 ? CR0_TS | CR0_MP : 0);
        st->ev.halted = false;
        cpu_state_changed(f->c);
        cpu_run(f->c, 20000);
    }
    /* most slots ran: the fuzz reached deep into the instruction set */
    ck_assert_uint_gt(cpu_insn_count(f->c) - before, 200 * 256);
    flat_free(f);
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("fpu");
    TCase *tc = tcase_create("float80");
    tcase_add_test(tc, test_third_each_precision_and_mode);
    tcase_add_test(tc, test_sqrt2_and_exact_sqrt);
    tcase_add_test(tc, test_add_sub_signs_and_cancellation);
    tcase_add_test(tc, test_mul_div_specials);
    tcase_add_test(tc, test_denormals_and_unsupported);
    tcase_add_test(tc, test_overflow_by_mode);
    tcase_add_test(tc, test_nan_propagation);
    tcase_add_test(tc, test_int_conversions);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_ieee_conversions);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_prem);
    tcase_add_test(tc, test_scale_xtract_rndint);
    tcase_add_test(tc, test_transcendentals);
    suite_add_tcase(s, tc);
    TCase *ti = tcase_create("insn");
    tcase_add_test(ti, test_program_sum_and_store);
    tcase_add_test(ti, test_nm_and_mf);
    tcase_add_test(ti, test_fwait);
    tcase_add_test(ti, test_fuzz_x87);
    tcase_set_timeout(ti, 60);
    suite_add_tcase(s, ti);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fpu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
