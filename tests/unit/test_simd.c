/* Unit tests of MMX/SSE/SSE2 (cpu/simd*.c) on the interpreter CPU used as a
 * library over a flat RAM bus, in real mode (SSE works there once
 * CR4.OSFXSR is set).  Each program is a few instructions followed by HLT;
 * every exception vector leads to a stub that records the vector.  The
 * expected values follow the SDM (vol. 1 ch. 4, 10, 11; vol. 2 per
 * instruction), worked out by hand, not taken from the implementation. */
#include <check.h>
#include <fenv.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"

#define RAM_SIZE (1u << 20)
#define CODE 0x7c00
#define VEC_AT 0x4f0     /* the stubs store the vector here */
#define NO_EXC 0xff

#define MX_DEFAULT 0x1f80u
#define IE 0x01u
#define DE 0x02u
#define ZE 0x04u
#define OE 0x08u
#define UE 0x10u
#define PE 0x20u
#define DAZ 0x40u
#define FZ 0x8000u
#define RC(n) ((uint32_t)(n) << 13)

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
    struct flat *f = opaque;
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= (uint64_t)(gpa + k < RAM_SIZE ? f->ram[gpa + k] : 0xff) << (8 * k);
    return v;
}

static void flat_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    struct flat *f = opaque;
    for (unsigned k = 0; k < size; k++)
        if (gpa + k < RAM_SIZE)
            f->ram[gpa + k] = (uint8_t)(val >> (8 * k));
}

static uint32_t flat_io_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0xffffffffu;
}

static void flat_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)val;
    (void)size;
}

static struct x86_state *st(struct flat *f)
{
    return cpu_state(f->c);
}

/* Real mode, segments 0, SP 0x7000, SSE enabled (CR4.OSFXSR|OSXMMEXCPT),
 * MXCSR at its reset value; vector v's handler at 0x500 + 8v stores v at
 * VEC_AT and halts. */
static struct flat *flat_new(void)
{
    struct flat *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->ram = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(f->ram);
    const struct cpu_bus bus = {
        .opaque = f,
        .page_ptr = flat_page_ptr,
        .mem_read = flat_mem_read,
        .mem_write = flat_mem_write,
        .io_in = flat_io_in,
        .io_out = flat_io_out,
    };
    f->c = cpu_new(&bus, cpu_model_default(), NULL);
    ck_assert_ptr_nonnull(f->c);
    cpu_reset(f->c);
    for (int v = 0; v < 32; v++) {
        uint8_t *p = f->ram + 0x500 + 8 * v;
        p[0] = 0xc6; p[1] = 0x06; p[2] = VEC_AT & 0xff; p[3] = VEC_AT >> 8;
        p[4] = (uint8_t)v;
        p[5] = 0xf4;   /* hlt */
        f->ram[v * 4] = (uint8_t)(0x500 + 8 * v);
        f->ram[v * 4 + 1] = (uint8_t)((0x500 + 8 * v) >> 8);
        f->ram[v * 4 + 2] = 0;
        f->ram[v * 4 + 3] = 0;
    }
    struct x86_state *s = st(f);
    for (int k = 0; k < 6; k++)
        x86_seg_load_real(&s->seg[k], 0);
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    s->cr0 = CR0_ET | CR0_NE;
    s->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
    s->fpu.fcw = 0x37f;
    s->fpu.mxcsr = MX_DEFAULT;
    cpu_state_changed(f->c);
    return f;
}

static void flat_free(struct flat *f)
{
    cpu_free(f->c);
    free(f->ram);
    free(f);
}

/* Run `code` + HLT at 0:7C00; returns the exception vector or NO_EXC. */
static int run(struct flat *f, const uint8_t *code, size_t n)
{
    memcpy(f->ram + CODE, code, n);
    f->ram[CODE + n] = 0xf4;
    cpu_invalidate_code(f->c, CODE, n + 1);
    f->ram[VEC_AT] = NO_EXC;
    struct x86_state *s = st(f);
    s->rip = CODE;
    s->gpr[R_ESP] = 0x7000;
    s->rflags = 0x2;
    s->ev.halted = false;
    cpu_state_changed(f->c);
    cpu_run(f->c, 1000);
    return f->ram[VEC_AT];
}
#define RUN(f, p) run(f, p, sizeof p)

/* IP pushed by the exception: the faulting instruction's offset */
static uint32_t fault_ip(struct flat *f)
{
    return f->ram[0x6ffa] | (uint32_t)f->ram[0x6ffb] << 8;
}

static void setx(struct flat *f, int r, uint32_t a, uint32_t b, uint32_t c,
                 uint32_t d)
{
    uint32_t v[4] = { a, b, c, d };
    memcpy(st(f)->fpu.xmm[r], v, 16);
}
static void setxq(struct flat *f, int r, uint64_t lo, uint64_t hi)
{
    uint64_t v[2] = { lo, hi };
    memcpy(st(f)->fpu.xmm[r], v, 16);
}
static uint32_t xd(struct flat *f, int r, int k)
{
    uint32_t v;
    memcpy(&v, st(f)->fpu.xmm[r] + 4 * k, 4);
    return v;
}
static uint64_t xq(struct flat *f, int r, int k)
{
    uint64_t v;
    memcpy(&v, st(f)->fpu.xmm[r] + 8 * k, 8);
    return v;
}
static void setmm(struct flat *f, int r, uint64_t v)   /* with TOP = 0 */
{
    memcpy(st(f)->fpu.st[r], &v, 8);
}
static uint64_t mm(struct flat *f, int r)
{
    uint64_t v;
    memcpy(&v, st(f)->fpu.st[r], 8);
    return v;
}
static void put32(struct flat *f, uint32_t a, uint32_t v)
{
    memcpy(f->ram + a, &v, 4);
}
static uint32_t get32(struct flat *f, uint32_t a)
{
    uint32_t v;
    memcpy(&v, f->ram + a, 4);
    return v;
}
static uint64_t get64(struct flat *f, uint32_t a)
{
    uint64_t v;
    memcpy(&v, f->ram + a, 8);
    return v;
}
static uint32_t mxcsr(struct flat *f)
{
    return st(f)->fpu.mxcsr;
}
static void set_mxcsr(struct flat *f, uint32_t v)
{
    st(f)->fpu.mxcsr = v;
}

#define F_ONE 0x3f800000u
#define F_TWO 0x40000000u
#define F_THREE 0x40400000u
#define F_HALF 0x3f000000u
#define F_QNAN 0x7fc00000u
#define F_INDEF 0xffc00000u
#define F_INF 0x7f800000u
#define D_ONE 0x3ff0000000000000ull
#define D_INDEF 0xfff8000000000000ull

/* ==== NaN rules ==== */

/* CLFLUSH: advertised (CPUID.1 EDX bit 19, a 64-byte line in EBX bits
 * 15:8), no exception on RAM, #GP past the segment limit, the memory
 * untouched. */
START_TEST(test_clflush)
{
    struct flat *f = flat_new();
    static const uint8_t ok[] = {
        0x66, 0xb8, 1, 0, 0, 0,     /* mov eax, 1 */
        0x0f, 0xa2,                 /* cpuid */
        0x0f, 0xae, 0x3e, 0x00, 0x10,   /* clflush [0x1000] */
    };
    f->ram[0x1000] = 0x5a;
    ck_assert_int_eq(RUN(f, ok), NO_EXC);
    ck_assert_uint_eq(st(f)->gpr[R_EDX] & (1u << 19), 1u << 19);
    ck_assert_uint_eq((st(f)->gpr[R_EBX] >> 8) & 0xff, 8);
    ck_assert_uint_eq(f->ram[0x1000], 0x5a);
    static const uint8_t past_limit[] = {
        0x0f, 0xae, 0x3e, 0xff, 0xff,   /* clflush [0xffff]: fine */
        0x67, 0x0f, 0xae, 0x3d, 0x00, 0x00, 0x01, 0x00,   /* clflush [dword 0x10000]: #GP */
    };
    ck_assert_int_eq(RUN(f, past_limit), 13);
    ck_assert_uint_eq(fault_ip(f), 0x7c05);
    flat_free(f);
}
END_TEST

START_TEST(test_nan_propagation)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* addps xmm0, xmm1 */ 0x0f, 0x58, 0xc1 };
    /* lane 0: QNaN + SNaN -> first operand; 1: SNaN + 1 -> first, quieted;
     * 2: 1 + QNaN -> second; 3: -inf + inf -> indefinite */
    setx(f, 0, 0x7fc00001, 0x7f800001, F_ONE, 0xff800000);
    setx(f, 1, 0x7f800002, F_ONE, 0xffc00003, F_INF);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x7fc00001);
    ck_assert_uint_eq(xd(f, 0, 1), 0x7fc00001);
    ck_assert_uint_eq(xd(f, 0, 2), 0xffc00003);
    ck_assert_uint_eq(xd(f, 0, 3), F_INDEF);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);

    /* 1 + QNaN: no exception at all */
    static const uint8_t p2[] = { /* addss xmm0, xmm1 */ 0xf3, 0x0f, 0x58, 0xc1 };
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 0, F_ONE, 5, 6, 7);
    setx(f, 1, 0x7fc12345, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x7fc12345);
    ck_assert_uint_eq(xd(f, 0, 1), 5);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);

    /* double: 0 * inf -> indefinite; SNaN second -> quieted second */
    static const uint8_t p3[] = { /* mulpd xmm2, xmm3 */ 0x66, 0x0f, 0x59, 0xd3 };
    setxq(f, 2, 0, D_ONE);
    setxq(f, 3, 0x7ff0000000000000ull, 0xfff0000000000001ull);
    ck_assert_int_eq(RUN(f, p3), NO_EXC);
    ck_assert_uint_eq(xq(f, 2, 0), D_INDEF);
    ck_assert_uint_eq(xq(f, 2, 1), 0xfff8000000000001ull);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);
    flat_free(f);
}
END_TEST

START_TEST(test_minmax_nan_zero)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* minps xmm0, xmm1 */ 0x0f, 0x5d, 0xc1 };
    setx(f, 0, F_QNAN, F_ONE, 0x00000000, 0x80000000);
    setx(f, 1, F_TWO, 0x7f800001, 0x80000000, 0x00000000);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    /* a NaN in either: the source as it is (an SNaN stays signalling);
     * +0/-0: the source */
    ck_assert_uint_eq(xd(f, 0, 0), F_TWO);
    ck_assert_uint_eq(xd(f, 0, 1), 0x7f800001);
    ck_assert_uint_eq(xd(f, 0, 2), 0x80000000);
    ck_assert_uint_eq(xd(f, 0, 3), 0x00000000);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);

    static const uint8_t p2[] = { /* maxsd xmm0, xmm1 */ 0xf2, 0x0f, 0x5f, 0xc1 };
    set_mxcsr(f, MX_DEFAULT);
    setxq(f, 0, 0x4000000000000000ull, 7);
    setxq(f, 1, D_ONE, 9);
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq(xq(f, 0, 0), 0x4000000000000000ull);
    ck_assert_uint_eq(xq(f, 0, 1), 7);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);
    flat_free(f);
}
END_TEST

START_TEST(test_sqrt)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* sqrtps xmm0, xmm1 */ 0x0f, 0x51, 0xc1 };
    setx(f, 1, 0x40800000 /* 4 */, 0x80000000 /* -0 */, 0xbf800000 /* -1 */,
         F_TWO);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), F_TWO);
    ck_assert_uint_eq(xd(f, 0, 1), 0x80000000);
    ck_assert_uint_eq(xd(f, 0, 2), F_INDEF);
    ck_assert_uint_eq(xd(f, 0, 3), 0x3fb504f3);   /* sqrt 2, rounded to nearest */
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE | PE);
    flat_free(f);
}
END_TEST

/* ==== rounding control ==== */

START_TEST(test_rounding_modes)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* divss xmm0, xmm1; divss xmm2, xmm1; subsd xmm3, xmm3 */ 0xf3, 0x0f, 0x5e, 0xc1, 0xf3, 0x0f, 0x5e, 0xd1, 0xf2, 0x0f, 0x5c, 0xdb };
    static const uint32_t pos[4] = { 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaaa };
    static const uint32_t neg[4] = { 0xbeaaaaab, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaaa };
    for (int rc = 0; rc < 4; rc++) {
        set_mxcsr(f, MX_DEFAULT | RC(rc));
        setx(f, 0, F_ONE, 0, 0, 0);
        setx(f, 1, F_THREE, 0, 0, 0);
        setx(f, 2, 0xbf800000, 0, 0, 0);
        setxq(f, 3, D_ONE, 0);
        ck_assert_int_eq(RUN(f, p), NO_EXC);
        ck_assert_uint_eq(xd(f, 0, 0), pos[rc]);
        ck_assert_uint_eq(xd(f, 2, 0), neg[rc]);
        /* x - x is -0 rounding down, +0 otherwise */
        ck_assert_uint_eq(xq(f, 3, 0), rc == 1 ? 0x8000000000000000ull : 0);
        ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | RC(rc) | PE);
        ck_assert_int_eq(fegetround(), FE_TONEAREST);   /* host mode restored */
    }
    flat_free(f);
}
END_TEST

START_TEST(test_overflow_rounding)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* mulss xmm0, xmm1 */ 0xf3, 0x0f, 0x59, 0xc1 };
    /* FLT_MAX * 2: inf in RN/RU, FLT_MAX in RD/RZ; OE and PE */
    static const uint32_t want[4] = { F_INF, 0x7f7fffff, F_INF, 0x7f7fffff };
    for (int rc = 0; rc < 4; rc++) {
        set_mxcsr(f, MX_DEFAULT | RC(rc));
        setx(f, 0, 0x7f7fffff, 0, 0, 0);
        setx(f, 1, F_TWO, 0, 0, 0);
        ck_assert_int_eq(RUN(f, p), NO_EXC);
        ck_assert_uint_eq(xd(f, 0, 0), want[rc]);
        ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | RC(rc) | OE | PE);
    }
    flat_free(f);
}
END_TEST

/* ==== conversions ==== */

START_TEST(test_cvt_to_int)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* cvtss2si eax, xmm0; cvtss2si ebx, xmm1; cvttss2si ecx, xmm1 */ 0xf3, 0x0f, 0x2d, 0xc0, 0xf3, 0x0f, 0x2d, 0xd9, 0xf3, 0x0f, 0x2c, 0xc9 };
    static const int32_t want_pos[4] = { 2, 2, 3, 2 };      /* 2.5 */
    static const int32_t want_neg[4] = { -4, -4, -3, -3 };  /* -3.5 */
    for (int rc = 0; rc < 4; rc++) {
        set_mxcsr(f, MX_DEFAULT | RC(rc));
        setx(f, 0, 0x40200000 /* 2.5 */, 0, 0, 0);
        setx(f, 1, 0xc0600000 /* -3.5 */, 0, 0, 0);
        ck_assert_int_eq(RUN(f, p), NO_EXC);
        ck_assert_int_eq((int32_t)st(f)->gpr[R_EAX], want_pos[rc]);
        ck_assert_int_eq((int32_t)st(f)->gpr[R_EBX], want_neg[rc]);
        ck_assert_int_eq((int32_t)st(f)->gpr[R_ECX], -3);
        ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | RC(rc) | PE);
    }

    /* out of range and NaN: integer indefinite with IE; -2^31 exact is fine */
    static const uint8_t p2[] = { /* cvttss2si eax, xmm0; cvtss2si ebx, xmm1; cvtsd2si ecx, xmm2; cvttsd2si edx, xmm3 */ 0xf3, 0x0f, 0x2c, 0xc0, 0xf3, 0x0f, 0x2d, 0xd9, 0xf2, 0x0f, 0x2d, 0xca, 0xf2, 0x0f, 0x2c, 0xd3 };
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 0, 0x501502f9 /* 1e10 */, 0, 0, 0);
    setx(f, 1, 0xcf000000 /* -2^31 */, 0, 0, 0);
    setxq(f, 2, 0x41dfffffffe00000ull /* 2147483647.5 */, 0);
    setxq(f, 3, 0x7ff8000000000000ull, 0);
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq((uint32_t)st(f)->gpr[R_EAX], 0x80000000u);
    ck_assert_uint_eq((uint32_t)st(f)->gpr[R_EBX], 0x80000000u);
    ck_assert_uint_eq((uint32_t)st(f)->gpr[R_ECX], 0x80000000u);   /* rounds to 2^31 */
    ck_assert_uint_eq((uint32_t)st(f)->gpr[R_EDX], 0x80000000u);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);

    /* packed: CVTPS2DQ with RN ties to even; CVTTPD2DQ zeroes the top */
    static const uint8_t p3[] = { /* cvtps2dq xmm0, xmm1; cvttpd2dq xmm2, xmm3 */ 0x66, 0x0f, 0x5b, 0xc1, 0x66, 0x0f, 0xe6, 0xd3 };
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 1, 0x3f000000 /* .5 */, 0x3fc00000 /* 1.5 */, 0xc0200000 /* -2.5 */,
         0x7f800000);
    setxq(f, 3, 0xc00c000000000000ull /* -3.5 */, 0x4059000000000000ull /* 100 */);
    setx(f, 2, 1, 2, 3, 4);
    ck_assert_int_eq(RUN(f, p3), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0);
    ck_assert_uint_eq(xd(f, 0, 1), 2);
    ck_assert_uint_eq(xd(f, 0, 2), (uint32_t)-2);
    ck_assert_uint_eq(xd(f, 0, 3), 0x80000000u);
    ck_assert_uint_eq(xd(f, 2, 0), (uint32_t)-3);
    ck_assert_uint_eq(xd(f, 2, 1), 100);
    ck_assert_uint_eq(xq(f, 2, 1), 0);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE | PE);
    flat_free(f);
}
END_TEST

START_TEST(test_cvt_from_int)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* cvtsi2ss xmm0, eax; cvtsi2sd xmm1, eax */ 0xf3, 0x0f, 0x2a, 0xc0, 0xf2, 0x0f, 0x2a, 0xc8 };
    /* 0x7fffffff is not a float: 2^31 to nearest/up, 2^31 - 128 down/zero */
    static const uint32_t want[4] = { 0x4f000000, 0x4effffff, 0x4f000000, 0x4effffff };
    for (int rc = 0; rc < 4; rc++) {
        set_mxcsr(f, MX_DEFAULT | RC(rc));
        st(f)->gpr[R_EAX] = 0x7fffffff;
        setx(f, 0, 0, 11, 12, 13);
        setxq(f, 1, 0, 14);
        ck_assert_int_eq(RUN(f, p), NO_EXC);
        ck_assert_uint_eq(xd(f, 0, 0), want[rc]);
        ck_assert_uint_eq(xd(f, 0, 1), 11);
        ck_assert_uint_eq(xq(f, 1, 0), 0x41dfffffffc00000ull);
        ck_assert_uint_eq(xq(f, 1, 1), 14);
        ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | RC(rc) | PE);
    }
    flat_free(f);
}
END_TEST

START_TEST(test_cvt_float_double)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* cvtps2pd xmm0, xmm1 */ 0x0f, 0x5a, 0xc1 };
    setx(f, 1, 0x7f800001 /* SNaN */, 0xffc00123 /* -QNaN */, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xq(f, 0, 0), 0x7ff8000020000000ull);
    ck_assert_uint_eq(xq(f, 0, 1), 0xfff8002460000000ull);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);

    static const uint8_t p2[] = { /* cvtpd2ps xmm2, xmm3; cvtsd2ss xmm4, xmm5 */ 0x66, 0x0f, 0x5a, 0xd3, 0xf2, 0x0f, 0x5a, 0xe5 };
    set_mxcsr(f, MX_DEFAULT);
    /* a QNaN keeps the top of its payload; 1e300 overflows to inf */
    setxq(f, 3, 0xfff923456789abcdull, 0x7e37e43c8800759cull /* 1e300 */);
    setx(f, 2, 1, 2, 3, 4);
    setxq(f, 5, 0x3fb999999999999aull /* 0.1 */, 0);
    setx(f, 4, 0, 21, 22, 23);
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq(xd(f, 2, 0), 0xffc91a2bu);
    ck_assert_uint_eq(xd(f, 2, 1), F_INF);
    ck_assert_uint_eq(xq(f, 2, 1), 0);
    ck_assert_uint_eq(xd(f, 4, 0), 0x3dcccccd);
    ck_assert_uint_eq(xd(f, 4, 1), 21);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | OE | PE);
    flat_free(f);
}
END_TEST

/* ==== denormals: DE, DAZ, FTZ, underflow ==== */

START_TEST(test_denormals)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* mulss xmm0, xmm1 */ 0xf3, 0x0f, 0x59, 0xc1 };
    /* denormal * 2: DE, exact normal result */
    setx(f, 0, 0x00400000, 0, 0, 0);
    setx(f, 1, F_TWO, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x00800000);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | DE);
    /* DAZ: the denormal is +0; no DE */
    set_mxcsr(f, MX_DEFAULT | DAZ);
    setx(f, 0, 0x00400000, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | DAZ);
    /* FLT_MIN / 2: an exact denormal result, no flag with UE masked */
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 0, 0x80800000, 0, 0, 0);
    setx(f, 1, F_HALF, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x80400000);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);
    /* FTZ: the tiny result becomes -0 with UE and PE */
    set_mxcsr(f, MX_DEFAULT | FZ);
    setx(f, 0, 0x80800000, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x80000000);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | FZ | UE | PE);
    /* inexact tiny: UE and PE (ties to even gives 0x00400000) */
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 0, 0x00800001, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 0x00400000);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | UE | PE);
    /* UE unmasked: an exact tiny result is an underflow; #XM, no result */
    set_mxcsr(f, MX_DEFAULT & ~0x800u);
    setx(f, 0, 0x80800000, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), 19);
    ck_assert_uint_eq(fault_ip(f), CODE);
    ck_assert_uint_eq(xd(f, 0, 0), 0x80800000);
    ck_assert_uint_eq(mxcsr(f), (MX_DEFAULT & ~0x800u) | UE);
    flat_free(f);
}
END_TEST

/* ==== unmasked exceptions ==== */

START_TEST(test_unmasked_overflow_precision)
{
    /* OE unmasked: PE only when the significand itself had to round */
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* mulss xmm0, xmm1 */ 0xf3, 0x0f, 0x59, 0xc1 };
    const uint32_t om_unmasked = MX_DEFAULT & ~0x400u;
    set_mxcsr(f, om_unmasked);
    setx(f, 0, 0x7f7fffff, 0, 0, 0);
    setx(f, 1, F_TWO, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), 19);
    ck_assert_uint_eq(mxcsr(f), om_unmasked | OE);
    ck_assert_uint_eq(xd(f, 0, 0), 0x7f7fffff);
    set_mxcsr(f, om_unmasked);
    setx(f, 1, 0x3fc00000 /* 1.5 */, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p), 19);
    ck_assert_uint_eq(mxcsr(f), om_unmasked | OE | PE);
    static const uint8_t pa[] = { /* addpd xmm2, xmm3 */ 0x66, 0x0f, 0x58, 0xd3 };
    set_mxcsr(f, om_unmasked);
    setxq(f, 2, 0x7fefffffffffffffull, D_ONE);
    setxq(f, 3, 0x7fefffffffffffffull, D_ONE);
    ck_assert_int_eq(RUN(f, pa), 19);
    ck_assert_uint_eq(mxcsr(f), om_unmasked | OE);
    static const uint8_t pc[] = { /* cvtsd2ss xmm4, xmm5 */ 0xf2, 0x0f, 0x5a, 0xe5 };
    set_mxcsr(f, om_unmasked);
    setxq(f, 5, 0x4c70000000000000ull /* 2^200 */, 0);
    ck_assert_int_eq(RUN(f, pc), 19);
    ck_assert_uint_eq(mxcsr(f), om_unmasked | OE);
    set_mxcsr(f, om_unmasked);
    setxq(f, 5, 0x7e37e43c8800759cull /* 1e300 */, 0);
    ck_assert_int_eq(RUN(f, pc), 19);
    ck_assert_uint_eq(mxcsr(f), om_unmasked | OE | PE);
    /* masked: the overflowed result is inexact */
    set_mxcsr(f, MX_DEFAULT);
    ck_assert_int_eq(RUN(f, pa), NO_EXC);
    ck_assert_uint_eq(xq(f, 2, 0), 0x7ff0000000000000ull);
    ck_assert_uint_eq(xq(f, 2, 1), 0x4000000000000000ull);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | OE | PE);
    flat_free(f);
}
END_TEST

START_TEST(test_unmasked)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* divps xmm0, xmm1 */ 0x0f, 0x5e, 0xc1 };
    /* ZE unmasked: #XM with CR4.OSXMMEXCPT, #UD without; dest untouched */
    set_mxcsr(f, MX_DEFAULT & ~0x200u);
    setx(f, 0, F_ONE, F_ONE, F_ONE, F_ONE);
    setx(f, 1, 0, F_ONE, F_ONE, F_THREE);
    ck_assert_int_eq(RUN(f, p), 19);
    ck_assert_uint_eq(xd(f, 0, 0), F_ONE);
    ck_assert_uint_eq(xd(f, 0, 3), F_ONE);
    /* the pre-computation exception wins: no PE from 1/3 in lane 3 */
    ck_assert_uint_eq(mxcsr(f), (MX_DEFAULT & ~0x200u) | ZE);
    st(f)->cr4 = CR4_OSFXSR;
    set_mxcsr(f, MX_DEFAULT & ~0x200u);
    ck_assert_int_eq(RUN(f, p), 6);
    ck_assert_uint_eq(mxcsr(f), (MX_DEFAULT & ~0x200u) | ZE);
    /* masked ZE and an unmasked PE: both flags, #XM */
    st(f)->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
    set_mxcsr(f, MX_DEFAULT & ~0x1000u);
    ck_assert_int_eq(RUN(f, p), 19);
    ck_assert_uint_eq(xd(f, 0, 0), F_ONE);
    ck_assert_uint_eq(mxcsr(f), (MX_DEFAULT & ~0x1000u) | ZE | PE);
    /* all masked: results and both flags */
    set_mxcsr(f, MX_DEFAULT);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), F_INF);
    ck_assert_uint_eq(xd(f, 0, 3), 0x3eaaaaab);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | ZE | PE);
    /* flags already set do not fault by themselves */
    set_mxcsr(f, (MX_DEFAULT & ~0x1f80u) | 0x3f);
    static const uint8_t p2[] = { /* addss xmm2, xmm2 */ 0xf3, 0x0f, 0x58, 0xd2 };
    setx(f, 2, F_ONE, 0, 0, 0);
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq(xd(f, 2, 0), F_TWO);
    flat_free(f);
}
END_TEST

/* ==== compares ==== */

START_TEST(test_compares)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* movaps xmm2, xmm0; cmpeqps xmm2, xmm1 */ 0x0f, 0x28, 0xd0, 0x0f, 0xc2, 0xd1, 0x00 };
    setx(f, 0, F_ONE, F_QNAN, F_ONE, F_TWO);
    setx(f, 1, F_ONE, F_ONE, F_TWO, F_ONE);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 2, 0), 0xffffffffu);
    ck_assert_uint_eq(xd(f, 2, 1), 0);
    ck_assert_uint_eq(xd(f, 2, 2), 0);
    ck_assert_uint_eq(xd(f, 2, 3), 0);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);   /* EQ is quiet on QNaN */
    static const uint8_t p2[] = { /* movaps xmm2, xmm0; cmpnltps xmm2, xmm1 */ 0x0f, 0x28, 0xd0, 0x0f, 0xc2, 0xd1, 0x05 };
    ck_assert_int_eq(RUN(f, p2), NO_EXC);
    ck_assert_uint_eq(xd(f, 2, 0), 0xffffffffu);
    ck_assert_uint_eq(xd(f, 2, 1), 0xffffffffu);
    ck_assert_uint_eq(xd(f, 2, 2), 0);
    ck_assert_uint_eq(xd(f, 2, 3), 0xffffffffu);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);   /* NLT signals */

    /* COMISS/UCOMISS: ZF PF CF; OF SF AF cleared */
    static const uint8_t pc[] = { /* mov ax, 0x8d5; push ax; popf; comiss xmm0, xmm1; pushf; pop bx; ucomiss xmm1, xmm0; pushf; pop cx */ 0xb8, 0xd5, 0x08, 0x50, 0x9d, 0x0f, 0x2f, 0xc1, 0x9c, 0x5b, 0x0f, 0x2e, 0xc8, 0x9c, 0x59 };
    struct { uint32_t a, b, fa, fb; } cases[] = {
        { F_ONE, F_TWO, 0x01, 0x00 },
        { F_TWO, F_TWO, 0x40, 0x40 },
        { 0x80000000, 0, 0x40, 0x40 },
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        set_mxcsr(f, MX_DEFAULT);
        setx(f, 0, cases[k].a, 0, 0, 0);
        setx(f, 1, cases[k].b, 0, 0, 0);
        ck_assert_int_eq(RUN(f, pc), NO_EXC);
        ck_assert_uint_eq(st(f)->gpr[R_EBX] & 0x8d5, cases[k].fa);
        ck_assert_uint_eq(st(f)->gpr[R_ECX] & 0x8d5, cases[k].fb);
        ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);
    }
    /* a QNaN: unordered; COMISS signals invalid, UCOMISS does not */
    static const uint8_t pu[] = { /* ucomiss xmm0, xmm1; pushf; pop bx */ 0x0f, 0x2e, 0xc1, 0x9c, 0x5b };
    static const uint8_t pco[] = { /* comiss xmm0, xmm1; pushf; pop bx */ 0x0f, 0x2f, 0xc1, 0x9c, 0x5b };
    set_mxcsr(f, MX_DEFAULT);
    setx(f, 0, F_QNAN, 0, 0, 0);
    ck_assert_int_eq(RUN(f, pu), NO_EXC);
    ck_assert_uint_eq(st(f)->gpr[R_EBX] & 0x8d5, 0x45);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT);
    ck_assert_int_eq(RUN(f, pco), NO_EXC);
    ck_assert_uint_eq(st(f)->gpr[R_EBX] & 0x8d5, 0x45);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | IE);
    flat_free(f);
}
END_TEST

START_TEST(test_estimates)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* rcpps xmm0, xmm1; rsqrtps xmm2, xmm1 */ 0x0f, 0x53, 0xc1, 0x0f, 0x52, 0xd1 };
    set_mxcsr(f, MX_DEFAULT | RC(3));
    setx(f, 1, F_THREE, 0x00000001 /* denormal: as 0 */, 0x80000000, F_INF);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    /* within 1.5 * 2^-12 relative error of 1/3 and 1/sqrt(3) */
    float r, q;
    uint32_t b = xd(f, 0, 0);
    memcpy(&r, &b, 4);
    b = xd(f, 2, 0);
    memcpy(&q, &b, 4);
    ck_assert(r > 0.33325f && r < 0.33342f);
    ck_assert(q > 0.57721f && q < 0.57746f);
    ck_assert_uint_eq(xd(f, 0, 1), F_INF);
    ck_assert_uint_eq(xd(f, 0, 2), 0xff800000);
    ck_assert_uint_eq(xd(f, 0, 3), 0);
    ck_assert_uint_eq(xd(f, 2, 1), F_INF);
    ck_assert_uint_eq(xd(f, 2, 2), 0xff800000);
    ck_assert_uint_eq(xd(f, 2, 3), 0);
    ck_assert_uint_eq(mxcsr(f), MX_DEFAULT | RC(3));   /* no flags */
    flat_free(f);
}
END_TEST

/* ==== CR0/CR4 checks ==== */

START_TEST(test_control_register_checks)
{
    struct flat *f = flat_new();
    static const uint8_t sse[] = { /* addps xmm0, xmm1 */ 0x0f, 0x58, 0xc1 };
    static const uint8_t mmx[] = { /* paddb mm0, mm1 */ 0x0f, 0xfc, 0xc1 };
    static const uint8_t mmxext[] = { /* pavgb mm0, mm1 */ 0x0f, 0xe0, 0xc1 };
    static const uint8_t emms[] = { /* emms */ 0x0f, 0x77 };
    static const uint8_t fxsave[] = { /* fxsave [0x2000] */ 0x0f, 0xae, 0x06, 0x00, 0x20 };
    static const uint8_t ldmx[] = { /* ldmxcsr [0x2000] */ 0x0f, 0xae, 0x16, 0x00, 0x20 };
    static const uint8_t movnti[] = { /* movnti [0x2000], eax */ 0x0f, 0xc3, 0x06, 0x00, 0x20 };
    static const uint8_t fence[] = { /* lfence; mfence; sfence; prefetchnta [0x2000] */ 0x0f, 0xae, 0xe8, 0x0f, 0xae, 0xf0, 0x0f, 0xae, 0xf8, 0x0f, 0x18, 0x06, 0x00, 0x20 };
    put32(f, 0x2000, MX_DEFAULT);
    /* CR4.OSFXSR=0: SSE #UD; MMX and the SSE integer forms on MMX run */
    st(f)->cr4 = 0;
    ck_assert_int_eq(RUN(f, sse), 6);
    ck_assert_int_eq(RUN(f, ldmx), 6);
    ck_assert_int_eq(RUN(f, mmx), NO_EXC);
    ck_assert_int_eq(RUN(f, mmxext), NO_EXC);
    ck_assert_int_eq(RUN(f, fxsave), NO_EXC);
    /* CR0.TS: #NM for all of them */
    st(f)->cr4 = CR4_OSFXSR;
    st(f)->cr0 |= CR0_TS;
    ck_assert_int_eq(RUN(f, sse), 7);
    ck_assert_int_eq(RUN(f, mmx), 7);
    ck_assert_int_eq(RUN(f, emms), 7);
    ck_assert_int_eq(RUN(f, fxsave), 7);
    ck_assert_int_eq(RUN(f, movnti), NO_EXC);
    ck_assert_int_eq(RUN(f, fence), NO_EXC);
    /* CR0.EM: #UD for SSE and MMX, #NM for FXSAVE */
    st(f)->cr0 = (st(f)->cr0 & ~CR0_TS) | CR0_EM;
    ck_assert_int_eq(RUN(f, sse), 6);
    ck_assert_int_eq(RUN(f, mmx), 6);
    ck_assert_int_eq(RUN(f, emms), 6);
    ck_assert_int_eq(RUN(f, fxsave), 7);
    ck_assert_int_eq(RUN(f, fence), NO_EXC);
    /* a pending x87 exception: #MF for MMX (CR0.NE=1), not for SSE */
    st(f)->cr0 &= ~CR0_EM;
    st(f)->fpu.fsw = 0x8081;
    ck_assert_int_eq(RUN(f, mmx), 16);
    ck_assert_int_eq(RUN(f, sse), NO_EXC);
    flat_free(f);
}
END_TEST

/* ==== alignment and exact operand sizes ==== */

START_TEST(test_alignment_sizes)
{
    struct flat *f = flat_new();
    static const uint8_t movaps[] = { /* movaps xmm0, [0x1008] */ 0x0f, 0x28, 0x06, 0x08, 0x10 };
    static const uint8_t movups[] = { /* movups xmm0, [0x1008] */ 0x0f, 0x10, 0x06, 0x08, 0x10 };
    static const uint8_t addps[] = { /* nop; addps xmm0, [0x1008] */ 0x90, 0x0f, 0x58, 0x06, 0x08, 0x10 };
    static const uint8_t addss[] = { /* addss xmm0, [0x1001] */ 0xf3, 0x0f, 0x58, 0x06, 0x01, 0x10 };
    static const uint8_t movss_end[] = { /* movss xmm1, [0xfffc] */ 0xf3, 0x0f, 0x10, 0x0e, 0xfc, 0xff };
    static const uint8_t movsd_end[] = { /* movsd xmm1, [0xfffc] */ 0xf2, 0x0f, 0x10, 0x0e, 0xfc, 0xff };
    static const uint8_t movss_st[] = { /* movss [0xfffc], xmm1 */ 0xf3, 0x0f, 0x11, 0x0e, 0xfc, 0xff };
    static const uint8_t movq_st[] = { /* movq [0xfffc], mm1 */ 0x0f, 0x7f, 0x0e, 0xfc, 0xff };
    static const uint8_t bp_end[] = { /* mov bp, 0xfff8; movsd xmm1, [bp+4] */ 0xbd, 0xf8, 0xff, 0xf2, 0x0f, 0x10, 0x4e, 0x04 };
    static const uint8_t bp_mis[] = { /* mov bp, 0x6ff0; movaps xmm1, [bp+4] */ 0xbd, 0xf0, 0x6f, 0x0f, 0x28, 0x4e, 0x04 };
    static const uint8_t punpck[] = { /* punpcklbw mm0, [0xfffc] */ 0x0f, 0x60, 0x06, 0xfc, 0xff };
    static const uint8_t pinsrw[] = { /* pinsrw xmm2, [0xfffe], 7 */ 0x66, 0x0f, 0xc4, 0x16, 0xfe, 0xff, 0x07 };
    put32(f, 0x1008, F_ONE);
    setx(f, 0, 0, 0, 0, 0);
    ck_assert_int_eq(RUN(f, movaps), 13);
    ck_assert_int_eq(RUN(f, addps), 13);
    ck_assert_uint_eq(fault_ip(f), CODE + 1);
    ck_assert_int_eq(RUN(f, movups), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), F_ONE);
    f->ram[0x1001] = 0;
    put32(f, 0x1001, F_ONE);
    setx(f, 0, F_ONE, 0, 0, 0);
    ck_assert_int_eq(RUN(f, addss), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), F_TWO);
    /* 4 bytes at FFFC fit the 64 KiB segment, 8 do not */
    put32(f, 0xfffc, 0x12345678);
    setx(f, 1, 9, 9, 9, 9);
    ck_assert_int_eq(RUN(f, movss_end), NO_EXC);
    ck_assert_uint_eq(xd(f, 1, 0), 0x12345678);
    ck_assert_uint_eq(xd(f, 1, 1), 0);
    ck_assert_int_eq(RUN(f, movsd_end), 13);
    ck_assert_int_eq(RUN(f, movss_st), NO_EXC);
    ck_assert_int_eq(RUN(f, movq_st), 13);
    ck_assert_uint_eq(get32(f, 0xfffc), 0x12345678);   /* nothing written */
    ck_assert_int_eq(RUN(f, bp_end), 12);              /* SS: #SS */
    ck_assert_int_eq(RUN(f, bp_mis), 13);              /* misaligned: #GP */
    ck_assert_int_eq(RUN(f, punpck), NO_EXC);          /* m32 */
    ck_assert_int_eq(RUN(f, pinsrw), NO_EXC);          /* m16 */
    ck_assert_uint_eq(xd(f, 2, 3) >> 16, 0x1234);
    flat_free(f);
}
END_TEST

/* ==== MMX and the x87 register file ==== */

START_TEST(test_mmx_aliasing)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* movq mm2, mm0; paddd mm2, mm1 */ 0x0f, 0x6f, 0xd0, 0x0f, 0xfe, 0xd1 };
    /* TOP = 2: MM0 is physical R0 = ST(6), MM1 = R1 = ST(7) */
    st(f)->fpu.fsw = 2 << 11 | 0x0100;
    st(f)->fpu.ftw = 0x01;
    memcpy(st(f)->fpu.st[6], (uint8_t[10]){ 1, 0, 0, 0, 2, 0, 0, 0, 0x34, 0x12 }, 10);
    memcpy(st(f)->fpu.st[7], (uint8_t[10]){ 5, 0, 0, 0, 6, 0, 0, 0, 0x78, 0x56 }, 10);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(st(f)->fpu.fsw, 0x0100);   /* TOP = 0, the rest kept */
    ck_assert_uint_eq(st(f)->fpu.ftw, 0xff);
    ck_assert_uint_eq(mm(f, 0), 0x0000000200000001ull);
    ck_assert_uint_eq(st(f)->fpu.st[0][8], 0x34);   /* not written: kept */
    ck_assert_uint_eq(mm(f, 1), 0x0000000600000005ull);
    ck_assert_uint_eq(mm(f, 2), 0x0000000800000006ull);
    ck_assert_uint_eq(st(f)->fpu.st[2][8], 0xff);   /* written: exponent 1s */
    ck_assert_uint_eq(st(f)->fpu.st[2][9], 0xff);
    static const uint8_t e[] = { /* emms */ 0x0f, 0x77 };
    ck_assert_int_eq(RUN(f, e), NO_EXC);
    ck_assert_uint_eq(st(f)->fpu.ftw, 0);
    ck_assert_uint_eq(st(f)->fpu.fsw, 0x0100);
    flat_free(f);
}
END_TEST

START_TEST(test_mmx_integer)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* pmaddwd mm0, mm1; psadbw mm2, mm3; psraw mm4, 20; packsswb mm5, mm6; pmovmskb eax, mm5; pshufw mm7, mm6, 0x1b; pextrw ebx, mm7, 1 */ 0x0f, 0xf5, 0xc1, 0x0f, 0xf6, 0xd3, 0x0f, 0x71, 0xe4, 0x14, 0x0f, 0x63, 0xee, 0x0f, 0xd7, 0xc5, 0x0f, 0x70, 0xfe, 0x1b, 0x0f, 0xc5, 0xdf, 0x01 };
    setmm(f, 0, 0x80008000ffff7fffull);
    setmm(f, 1, 0x8000800000027fffull);
    setmm(f, 2, 0x0102030405060708ull);
    setmm(f, 3, 0x0807060504030201ull);
    setmm(f, 4, 0x80017fff0001ffffull);
    setmm(f, 5, 0x0080ff7f7fff8000ull);
    setmm(f, 6, 0x00010002fffe0100ull);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    /* -1*2 + 0x7fff^2; 0x8000*0x8000 twice wraps to 0x80000000 */
    ck_assert_uint_eq(mm(f, 0), 0x800000003ffeffffull);
    ck_assert_uint_eq(mm(f, 2), 32);
    ck_assert_uint_eq(mm(f, 4), 0xffff00000000ffffull);
    ck_assert_uint_eq(mm(f, 5), 0x0102fe7f7f807f80ull);
    ck_assert_uint_eq(st(f)->gpr[R_EAX], 0x25);
    ck_assert_uint_eq(mm(f, 7), 0x0100fffe00020001ull);
    ck_assert_uint_eq(st(f)->gpr[R_EBX], 2);
    flat_free(f);
}
END_TEST

START_TEST(test_sse2_integer)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* pmuludq xmm0, xmm1; pslldq xmm2, 3; psrldq xmm3, 16; psrlq xmm4, xmm5; pshufd xmm6, xmm7, 0x1b; pshufhw xmm7, xmm7, 0x1b */ 0x66, 0x0f, 0xf4, 0xc1, 0x66, 0x0f, 0x73, 0xfa, 0x03, 0x66, 0x0f, 0x73, 0xdb, 0x10, 0x66, 0x0f, 0xd3, 0xe5, 0x66, 0x0f, 0x70, 0xf7, 0x1b, 0xf3, 0x0f, 0x70, 0xff, 0x1b };
    setx(f, 0, 0xffffffff, 7, 3, 9);
    setx(f, 1, 0xffffffff, 8, 0x80000000, 10);
    setx(f, 2, 0x04030201, 0x08070605, 0x0c0b0a09, 0x100f0e0d);
    setx(f, 3, 1, 2, 3, 4);
    setx(f, 4, 5, 6, 7, 8);
    setxq(f, 5, 64, 0);
    setx(f, 7, 0x00020001, 0x00040003, 0x00060005, 0x00080007);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xq(f, 0, 0), 0xfffffffe00000001ull);
    ck_assert_uint_eq(xq(f, 0, 1), 0x0000000180000000ull);
    ck_assert_uint_eq(xd(f, 2, 0), 0x01000000);
    ck_assert_uint_eq(xd(f, 2, 1), 0x05040302);
    ck_assert_uint_eq(xd(f, 2, 3), 0x0d0c0b0a);
    ck_assert_uint_eq(xq(f, 3, 0) | xq(f, 3, 1), 0);
    ck_assert_uint_eq(xq(f, 4, 0) | xq(f, 4, 1), 0);
    ck_assert_uint_eq(xd(f, 6, 0), 0x00080007);
    ck_assert_uint_eq(xd(f, 6, 3), 0x00020001);
    ck_assert_uint_eq(xd(f, 7, 0), 0x00020001);
    ck_assert_uint_eq(xd(f, 7, 2), 0x00070008);
    ck_assert_uint_eq(xd(f, 7, 3), 0x00050006);
    flat_free(f);
}
END_TEST

START_TEST(test_maskmov)
{
    struct flat *f = flat_new();
    static const uint8_t p[] = { /* mov di, 0x3000; maskmovq mm0, mm1; mov di, 0x3010; maskmovdqu xmm0, xmm1 */ 0xbf, 0x00, 0x30, 0x0f, 0xf7, 0xc1, 0xbf, 0x10, 0x30, 0x66, 0x0f, 0xf7, 0xc1 };
    memset(f->ram + 0x3000, 0xee, 0x20);
    setmm(f, 0, 0x1122334455667788ull);
    setmm(f, 1, 0x80000000000000ffull);
    setxq(f, 0, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
    setxq(f, 1, 0x0000000000000080ull, 0x8000000000000000ull);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(get64(f, 0x3000), 0x11eeeeeeeeeeee88ull);
    ck_assert_uint_eq(get64(f, 0x3010), 0xeeeeeeeeeeeeee88ull);
    ck_assert_uint_eq(get64(f, 0x3018), 0x99eeeeeeeeeeeeeeull);
    flat_free(f);
}
END_TEST

/* ==== FXSAVE / FXRSTOR / LDMXCSR ==== */

START_TEST(test_fxsave_fxrstor)
{
    struct flat *f = flat_new();
    struct x86_fpu *x = &st(f)->fpu;
    x->fcw = 0x027f;
    x->fsw = 0x3800 | 0x41;
    x->ftw = 0x81;
    x->fop = 0x5d9;
    x->fip = 0x0008ull << 32 | 0x12345678;
    x->fdp = 0x0010ull << 32 | 0x9abcdef0;
    x->mxcsr = 0x9fc0;
    for (int k = 0; k < 8; k++) {
        for (int b = 0; b < 10; b++)
            x->st[k][b] = (uint8_t)(0x10 * k + b);
        for (int b = 0; b < 16; b++)
            x->xmm[k][b] = (uint8_t)(0x80 + 0x10 * k + b);
    }
    memset(f->ram + 0x2000, 0xaa, 512);
    static const uint8_t sv[] = { /* fxsave [0x2000] */ 0x0f, 0xae, 0x06, 0x00, 0x20 };
    ck_assert_int_eq(RUN(f, sv), NO_EXC);
    const uint8_t *m = f->ram + 0x2000;
    ck_assert_uint_eq(get32(f, 0x2000), 0x3841027f);
    ck_assert_uint_eq(get32(f, 0x2004), 0x05d90081);
    ck_assert_uint_eq(get64(f, 0x2008), 0x0000000812345678ull);
    ck_assert_uint_eq(get64(f, 0x2010), 0x000000109abcdef0ull);
    ck_assert_uint_eq(get32(f, 0x2018), 0x9fc0);
    ck_assert_uint_eq(get32(f, 0x201c), 0xffff);   /* MXCSR_MASK: DAZ valid */
    for (int k = 0; k < 8; k++) {
        ck_assert_int_eq(memcmp(m + 32 + 16 * k, x->st[k], 10), 0);
        ck_assert_uint_eq(m[32 + 16 * k + 10], 0);
        ck_assert_int_eq(memcmp(m + 160 + 16 * k, x->xmm[k], 16), 0);
    }
    ck_assert_uint_eq(m[288], 0xaa);   /* XMM8-15 and beyond: not written */
    ck_assert_uint_eq(m[511], 0xaa);

    /* FXRSTOR brings it all back */
    struct x86_fpu saved = *x;
    memset(x, 0, sizeof *x);
    static const uint8_t rs[] = { /* fxrstor [0x2000] */ 0x0f, 0xae, 0x0e, 0x00, 0x20 };
    ck_assert_int_eq(RUN(f, rs), NO_EXC);
    ck_assert_uint_eq(x->fcw, saved.fcw);
    ck_assert_uint_eq(x->fsw, saved.fsw);
    ck_assert_uint_eq(x->ftw, saved.ftw);
    ck_assert_uint_eq(x->fop, saved.fop);
    ck_assert_uint_eq(x->fip, saved.fip);
    ck_assert_uint_eq(x->fdp, saved.fdp);
    ck_assert_uint_eq(x->mxcsr, saved.mxcsr);
    ck_assert_int_eq(memcmp(x->st, saved.st, sizeof x->st), 0);
    ck_assert_int_eq(memcmp(x->xmm, saved.xmm, 8 * 16), 0);

    /* misaligned: #GP; a reserved MXCSR bit in the image: #GP, no change */
    static const uint8_t sv8[] = { /* fxsave [0x2008] */ 0x0f, 0xae, 0x06, 0x08, 0x20 };
    ck_assert_int_eq(RUN(f, sv8), 13);
    put32(f, 0x2018, 0x10000 | MX_DEFAULT);
    x->fcw = 0x37f;
    ck_assert_int_eq(RUN(f, rs), 13);
    ck_assert_uint_eq(x->fcw, 0x37f);
    ck_assert_uint_eq(x->mxcsr, saved.mxcsr);

    /* LDMXCSR: reserved bits #GP; STMXCSR stores it */
    static const uint8_t ld[] = { /* ldmxcsr [0x2100]; stmxcsr [0x2104] */ 0x0f, 0xae, 0x16, 0x00, 0x21, 0x0f, 0xae, 0x1e, 0x04, 0x21 };
    put32(f, 0x2100, 0x0000ffff);
    ck_assert_int_eq(RUN(f, ld), NO_EXC);
    ck_assert_uint_eq(x->mxcsr, 0xffff);
    ck_assert_uint_eq(get32(f, 0x2104), 0xffff);
    put32(f, 0x2100, 0x00020000);
    ck_assert_int_eq(RUN(f, ld), 13);
    ck_assert_uint_eq(x->mxcsr, 0xffff);
    flat_free(f);
}
END_TEST

/* ==== decoding: prefixes ==== */

START_TEST(test_prefixes)
{
    struct flat *f = flat_new();
    /* F3 wins over 66 (MOVSS); LOCK and an undefined prefix: #UD */
    static const uint8_t p[] = { /* db 0x66, 0xf3, 0x0f, 0x10, 0xc1 */ 0x66, 0xf3, 0x0f, 0x10, 0xc1 };
    static const uint8_t lock[] = { /* db 0xf0, 0x0f, 0x58, 0xc1 */ 0xf0, 0x0f, 0x58, 0xc1 };
    static const uint8_t f3mmx[] = { /* db 0xf3, 0x0f, 0xfc, 0xc1 */ 0xf3, 0x0f, 0xfc, 0xc1 };
    static const uint8_t movhlps66[] = { /* db 0x66, 0x0f, 0x12, 0xc1 */ 0x66, 0x0f, 0x12, 0xc1 };
    static const uint8_t a16[] = { /* mov bx, 0x1000; mov si, 0x10; movups xmm3, [bx+si+4] */ 0xbb, 0x00, 0x10, 0xbe, 0x10, 0x00, 0x0f, 0x10, 0x58, 0x04 };
    setx(f, 0, 1, 2, 3, 4);
    setx(f, 1, 5, 6, 7, 8);
    ck_assert_int_eq(RUN(f, p), NO_EXC);
    ck_assert_uint_eq(xd(f, 0, 0), 5);
    ck_assert_uint_eq(xd(f, 0, 1), 2);
    ck_assert_int_eq(RUN(f, lock), 6);
    ck_assert_int_eq(RUN(f, f3mmx), 6);
    ck_assert_int_eq(RUN(f, movhlps66), 6);
    put32(f, 0x1014, 0xabcdef01);
    ck_assert_int_eq(RUN(f, a16), NO_EXC);
    ck_assert_uint_eq(xd(f, 3, 0), 0xabcdef01);
    flat_free(f);
}
END_TEST

/* ==== random instructions of the SIMD opcode space: architectural
 * results or exceptions, never a crash (run it under the sanitizers) ==== */

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

START_TEST(test_random_simd_bytes)
{
    struct flat *f = flat_new();
    static const uint8_t prefixes[] = { 0x66, 0xf2, 0xf3, 0x67, 0x26, 0xf0 };
    uint32_t seed = 12345;
    for (int n = 0; n < 8000; n++) {
        uint8_t code[16];
        int len = 0;
        int npfx = lcg(&seed) % 3;
        for (int k = 0; k < npfx; k++)
            code[len++] = prefixes[lcg(&seed) % sizeof prefixes];
        code[len++] = 0x0f;
        static const uint8_t ranges[][2] = {
            { 0x10, 0x18 }, { 0x28, 0x2f }, { 0x50, 0x7f }, { 0xae, 0xae },
            { 0xc2, 0xc6 }, { 0xd0, 0xfe },
        };
        const uint8_t *r = ranges[lcg(&seed) % 6];
        code[len++] = (uint8_t)(r[0] + lcg(&seed) % (r[1] - r[0] + 1u));
        while (len < 15)
            code[len++] = (uint8_t)lcg(&seed);
        for (int k = 0; k < 8; k++) {
            setx(f, k, lcg(&seed) << 8 ^ lcg(&seed), lcg(&seed) << 8,
                 lcg(&seed) << 9 ^ lcg(&seed), lcg(&seed) << 7);
            setmm(f, k, (uint64_t)lcg(&seed) << 40 ^ lcg(&seed));
            st(f)->gpr[k] = lcg(&seed) & 0xffff;
        }
        st(f)->gpr[R_ESP] = 0x7000;
        set_mxcsr(f, lcg(&seed) & 0xffff);
        st(f)->fpu.fsw = lcg(&seed) & 0x3800;
        st(f)->cr4 = (lcg(&seed) & 3) ? CR4_OSFXSR | CR4_OSXMMEXCPT : 0;
        run(f, code, 15);
        ck_assert_int_eq(fegetround(), FE_TONEAREST);
    }
    flat_free(f);
}
END_TEST

static Suite *simd_suite(void)
{
    Suite *s = suite_create("simd");
    TCase *tc = tcase_create("simd");
    tcase_add_test(tc, test_clflush);
    tcase_add_test(tc, test_nan_propagation);
    tcase_add_test(tc, test_minmax_nan_zero);
    tcase_add_test(tc, test_sqrt);
    tcase_add_test(tc, test_rounding_modes);
    tcase_add_test(tc, test_overflow_rounding);
    tcase_add_test(tc, test_cvt_to_int);
    tcase_add_test(tc, test_cvt_from_int);
    tcase_add_test(tc, test_cvt_float_double);
    tcase_add_test(tc, test_denormals);
    tcase_add_test(tc, test_unmasked);
    tcase_add_test(tc, test_unmasked_overflow_precision);
    tcase_add_test(tc, test_compares);
    tcase_add_test(tc, test_estimates);
    tcase_add_test(tc, test_control_register_checks);
    tcase_add_test(tc, test_alignment_sizes);
    tcase_add_test(tc, test_mmx_aliasing);
    tcase_add_test(tc, test_mmx_integer);
    tcase_add_test(tc, test_sse2_integer);
    tcase_add_test(tc, test_maskmov);
    tcase_add_test(tc, test_fxsave_fxrstor);
    tcase_add_test(tc, test_prefixes);
    tcase_add_test(tc, test_random_simd_bytes);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(simd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
