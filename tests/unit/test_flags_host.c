/* Interp's arithmetic flags against the host CPU.
 *
 * The same instruction bytes run twice: on interp (the CPU library over a
 * flat RAM bus, 32-bit flat protected mode, CPL 0, ending with HLT) and
 * natively on the host, called as a function from a small 64-bit stub.
 * Then the result registers and CF PF AF ZF SF OF are compared.
 *
 * The bytes mean the same in both modes: register-register ModRM forms, no
 * 0x40-0x4F opcode bytes (REX prefixes in 64-bit mode; INC/DEC use FF /0
 * and FF /1), no ESP, and EBP only at the end.  A sequence is
 *
 *     mov r32, imm32 for EAX ECX EDX EBX ESI EDI   (B8+r id)
 *     push imm32; popf                             (68 id 9D: the flags)
 *     1..6 instructions on EAX ECX EDX EBX ESI EDI and their 8/16-bit parts
 *     pushf; pop ebp                               (9C 5D: EFLAGS into EBP)
 *
 * followed by HLT on interp; on the host the stub around it saves RBX/RBP,
 * keeps the result block's address in R11 (never named by the bytes) and
 * stores EAX..EDI there afterwards.  In 64-bit mode `push imm32`/`popf`/
 * `pushf`/`pop` work on 8 bytes, which changes nothing that is compared.
 *
 * Flags the SDM leaves undefined (and register results that depend on
 * them, or that the SDM calls undefined) are tracked per instruction and
 * not compared; an instruction that defines a flag makes it compared again.
 * To know shift counts in CL and which way a condition went, the host also
 * runs every prefix of the sequence.
 *
 * Besides 32-bit forms, 8-bit (AL..BH, no REX so AH..BH mean
 * the same in 64-bit mode) and 16-bit (66 prefix) forms run too, and a few
 * more flag users: Jcc over an instruction (a side exit), JMP over never
 * run HLT bytes (followed by the decoder), LAHF/SAHF (when the host has
 * them in 64-bit mode), pushf; pop r, push; popf, BSF/BSR, XADD, CMPXCHG.
 * A quarter of the runs go in cpu_run slices of a few instructions (blocks
 * cut short), a quarter straddle a page boundary (two blocks).
 *
 * TANDEM_FLAGS_SEED (default 0x5eed0f1a65), TANDEM_FLAGS_COUNT (default
 * 20000) and TANDEM_FLAGS_ONLY=N (run and print only sequence N) steer the
 * random part; TANDEM_FLAGS_PRINT (default 8) caps the mismatches printed.
 * On a mismatch the sequence, the initial state, both results and the
 * first prefix of the sequence after which they differ are printed (the
 * prefix ends in pushf, which observes the flags: with dead-flag forms the
 * culprit may sit before the instruction named). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)

#include <cpuid.h>
#include <sys/mman.h>
#include <time.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"

#define RAM_SIZE 0x10000u
#define CODE_LO 0x1000u      /* code goes somewhere in 0x1000..0x2fff */
#define STACK_TOP 0x9000u
#define MAX_OPS 8             /* directed cases */
#define RAND_OPS 6            /* random sequences: 1..6 */
#define MAX_CODE 256
#define DEFAULT_SEED 0x5eed0f1a65ull
#define DEFAULT_COUNT 20000u

#define ALL F_ARITH
#define SZAP (F_SF | F_ZF | F_AF | F_PF)
#define R_FL R_EBP           /* the result slot that holds EFLAGS */

/* ---- the instructions ---- */

enum kind {
    K_ALU,       /* ADD..CMP r, r            sub: 0..7, form 0 rm-dst, 1 reg-dst */
    K_ALUI,      /* ADD..CMP r, imm          form 0 80/81, 1 83 ib, 2 AL/eAX short */
    K_TEST,      /* TEST r, r */
    K_TESTI,     /* TEST r, imm              form 0 F6/F7 /0, 2 A8/A9 */
    K_INCDEC,    /* sub 0 INC, 1 DEC */
    K_NEG,
    K_NOT,
    K_MUL1,      /* sub 4 MUL, 5 IMUL: one operand */
    K_IMUL2,     /* IMUL r, r */
    K_IMUL3,     /* IMUL r, r, imm           form 0 69, 1 6B */
    K_SHIFT,     /* sub: /n of C0/C1/D0/D1/D2/D3; cnt says which */
    K_SHXD,      /* sub 0 SHLD, 1 SHRD; cnt C_IMM or C_CL */
    K_BT,        /* sub 0 BT, 1 BTS, 2 BTR, 3 BTC */
    K_BSX,       /* sub 0 BSF, 1 BSR */
    K_XADD,
    K_CMPXCHG,
    K_FLAG,      /* sub 0 CMC, 1 CLC, 2 STC */
    K_SETCC,
    K_CMOV,
    K_LEA,       /* LEA dst, [src + disp8] */
    K_MOV,       /* form 0 88/89, 1 8A/8B */
    K_LAHF,
    K_SAHF,
    K_POPF,      /* push imm32; popf */
    K_PUSHF_POP, /* pushf; pop dst */
    K_JMP,       /* JMP over imm bytes of HLT: form 0 EB cb, 1 E9 cd */
    K_NKINDS
};

enum { C_IMM, C_ONE, C_CL };
enum { A_ADD, A_OR, A_ADC, A_SBB, A_AND, A_SUB, A_XOR, A_CMP };
enum { S_ROL, S_ROR, S_RCL, S_RCR, S_SHL, S_SHR, S_SAL, S_SAR };

struct op {
    uint8_t kind, w, sub, dst, src, cnt, cc, form;
    uint8_t jcc;       /* 1: a "Jcc jcc_cc, over this instruction" precedes it */
    uint8_t jcc_cc;
    uint32_t imm;
};

struct seq {
    uint32_t init[8];  /* initial EAX..EDI (ESP, EBP unused) */
    uint32_t flags;    /* initial EFLAGS: arithmetic bits and bit 1 */
    int n;
    struct op ops[MAX_OPS];
};

static const unsigned pool[6] = { R_EAX, R_ECX, R_EDX, R_EBX, R_ESI, R_EDI };

static const char *const n32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const n16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const n8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const sh_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const char *const cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                          "s", "ns", "p", "np", "l", "ge", "le", "g" };

static const char *rname(unsigned e, unsigned w)
{
    return w == 8 ? n8[e] : w == 16 ? n16[e] : n32[e];
}

/* ---- encoding ---- */

struct enc {
    uint8_t *b;
    size_t n;
};

static void e8(struct enc *e, uint32_t v)
{
    e->b[e->n++] = (uint8_t)v;
}

static void eimm(struct enc *e, uint32_t v, unsigned bytes)
{
    for (unsigned k = 0; k < bytes; k++)
        e8(e, v >> (8 * k));
}

static void eosz(struct enc *e, unsigned w)
{
    if (w == 16)
        e8(e, 0x66);
}

static uint8_t modrm(unsigned reg, unsigned rm)
{
    return (uint8_t)(0xc0 | reg << 3 | rm);
}

static void enc_inner(const struct op *o, struct enc *e)
{
    const unsigned w = o->w, v = w != 8;    /* v: the 16/32-bit opcode */
    switch (o->kind) {
    case K_ALU:
        eosz(e, w);
        if (o->form == 0) {
            e8(e, o->sub * 8u + v);
            e8(e, modrm(o->src, o->dst));
        } else {
            e8(e, o->sub * 8u + 2 + v);
            e8(e, modrm(o->dst, o->src));
        }
        break;
    case K_ALUI:
        eosz(e, w);
        if (o->form == 0) {
            e8(e, 0x80 + v);
            e8(e, modrm(o->sub, o->dst));
            eimm(e, o->imm, w / 8);
        } else if (o->form == 1) {
            e8(e, 0x83);
            e8(e, modrm(o->sub, o->dst));
            e8(e, o->imm);
        } else {
            e8(e, o->sub * 8u + 4 + v);
            eimm(e, o->imm, w / 8);
        }
        break;
    case K_TEST:
        eosz(e, w);
        e8(e, 0x84 + v);
        e8(e, modrm(o->src, o->dst));
        break;
    case K_TESTI:
        eosz(e, w);
        if (o->form == 0) {
            e8(e, 0xf6 + v);
            e8(e, modrm(0, o->dst));
        } else {
            e8(e, 0xa8 + v);
        }
        eimm(e, o->imm, w / 8);
        break;
    case K_INCDEC:
        eosz(e, w);
        e8(e, 0xfe + v);
        e8(e, modrm(o->sub, o->dst));
        break;
    case K_NEG:
    case K_NOT:
        eosz(e, w);
        e8(e, 0xf6 + v);
        e8(e, modrm(o->kind == K_NEG ? 3 : 2, o->dst));
        break;
    case K_MUL1:
        eosz(e, w);
        e8(e, 0xf6 + v);
        e8(e, modrm(o->sub, o->src));
        break;
    case K_IMUL2:
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, 0xaf);
        e8(e, modrm(o->dst, o->src));
        break;
    case K_IMUL3:
        eosz(e, w);
        e8(e, o->form ? 0x6b : 0x69);
        e8(e, modrm(o->dst, o->src));
        eimm(e, o->imm, o->form ? 1 : w / 8);
        break;
    case K_SHIFT:
        eosz(e, w);
        e8(e, (o->cnt == C_IMM ? 0xc0 : o->cnt == C_ONE ? 0xd0 : 0xd2) + v);
        e8(e, modrm(o->sub, o->dst));
        if (o->cnt == C_IMM)
            e8(e, o->imm);
        break;
    case K_SHXD:
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, (o->sub ? 0xac : 0xa4) + (o->cnt == C_CL));
        e8(e, modrm(o->src, o->dst));
        if (o->cnt == C_IMM)
            e8(e, o->imm);
        break;
    case K_BT: {
        static const uint8_t opc[4] = { 0xa3, 0xab, 0xb3, 0xbb };
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, opc[o->sub]);
        e8(e, modrm(o->src, o->dst));
        break;
    }
    case K_BSX:
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, 0xbc + o->sub);
        e8(e, modrm(o->dst, o->src));
        break;
    case K_XADD:
    case K_CMPXCHG:
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, (o->kind == K_XADD ? 0xc0 : 0xb0) + v);
        e8(e, modrm(o->src, o->dst));
        break;
    case K_FLAG: {
        static const uint8_t opc[3] = { 0xf5, 0xf8, 0xf9 };
        e8(e, opc[o->sub]);
        break;
    }
    case K_SETCC:
        e8(e, 0x0f);
        e8(e, 0x90 + o->cc);
        e8(e, modrm(0, o->dst));
        break;
    case K_CMOV:
        eosz(e, w);
        e8(e, 0x0f);
        e8(e, 0x40 + o->cc);
        e8(e, modrm(o->dst, o->src));
        break;
    case K_LEA:
        e8(e, 0x8d);
        e8(e, 0x40 | o->dst << 3 | o->src);
        e8(e, o->imm);
        break;
    case K_MOV:
        eosz(e, w);
        if (o->form == 0) {
            e8(e, 0x88 + v);
            e8(e, modrm(o->src, o->dst));
        } else {
            e8(e, 0x8a + v);
            e8(e, modrm(o->dst, o->src));
        }
        break;
    case K_LAHF:
        e8(e, 0x9f);
        break;
    case K_SAHF:
        e8(e, 0x9e);
        break;
    case K_POPF:
        e8(e, 0x68);
        eimm(e, o->imm, 4);
        e8(e, 0x9d);
        break;
    case K_PUSHF_POP:
        e8(e, 0x9c);
        e8(e, 0x58 + o->dst);
        break;
    case K_JMP:
        e8(e, o->form ? 0xe9 : 0xeb);
        eimm(e, o->imm, o->form ? 4 : 1);
        for (unsigned k = 0; k < o->imm; k++)
            e8(e, 0xf4);         /* never run: HLT would stop interp early */
        break;
    }
}

static size_t enc_op(const struct op *o, uint8_t *buf)
{
    struct enc e = { buf, 0 };
    if (o->jcc) {
        e.n = 2;
        enc_inner(o, &e);
        buf[0] = (uint8_t)(0x70 + o->jcc_cc);
        buf[1] = (uint8_t)(e.n - 2);
    } else {
        enc_inner(o, &e);
    }
    return e.n;
}

/* The bytes both sides run, up to and including "pushf; pop ebp": the
 * initial MOVs, push/popf, the first `nops` instructions.  off[k]: where
 * instruction k starts. */
static size_t build_common(const struct seq *s, int nops, uint8_t *buf, size_t *off)
{
    struct enc e = { buf, 0 };
    for (int k = 0; k < 6; k++) {
        e8(&e, 0xb8 + pool[k]);
        eimm(&e, s->init[pool[k]], 4);
    }
    e8(&e, 0x68);
    eimm(&e, s->flags, 4);
    e8(&e, 0x9d);
    for (int k = 0; k < nops; k++) {
        if (off)
            off[k] = e.n;
        e.n += enc_op(&s->ops[k], buf + e.n);
    }
    e8(&e, 0x9c);
    e8(&e, 0x5d);
    return e.n;
}

/* ---- printing ---- */

static int describe_inner(const struct op *o, char *b, size_t sz)
{
    const unsigned w = o->w;
    const char *d = rname(o->dst, w), *s = rname(o->src, w);
    switch (o->kind) {
    case K_ALU: return snprintf(b, sz, "%s %s, %s", alu_names[o->sub], d, s);
    case K_ALUI: return snprintf(b, sz, "%s %s, 0x%x%s", alu_names[o->sub], d, o->imm,
                                 o->form == 1 ? " (83 ib)" : o->form == 2 ? " (short)" : "");
    case K_TEST: return snprintf(b, sz, "test %s, %s", d, s);
    case K_TESTI: return snprintf(b, sz, "test %s, 0x%x", d, o->imm);
    case K_INCDEC: return snprintf(b, sz, "%s %s", o->sub ? "dec" : "inc", d);
    case K_NEG: return snprintf(b, sz, "neg %s", d);
    case K_NOT: return snprintf(b, sz, "not %s", d);
    case K_MUL1: return snprintf(b, sz, "%s %s", o->sub == 4 ? "mul" : "imul", s);
    case K_IMUL2: return snprintf(b, sz, "imul %s, %s", d, s);
    case K_IMUL3: return snprintf(b, sz, "imul %s, %s, 0x%x", d, s, o->imm);
    case K_SHIFT:
        if (o->cnt == C_IMM)
            return snprintf(b, sz, "%s %s, %u", sh_names[o->sub], d, o->imm);
        return snprintf(b, sz, "%s %s, %s", sh_names[o->sub], d, o->cnt == C_ONE ? "1" : "cl");
    case K_SHXD:
        if (o->cnt == C_IMM)
            return snprintf(b, sz, "%s %s, %s, %u", o->sub ? "shrd" : "shld", d, s, o->imm);
        return snprintf(b, sz, "%s %s, %s, cl", o->sub ? "shrd" : "shld", d, s);
    case K_BT: {
        static const char *const nm[4] = { "bt", "bts", "btr", "btc" };
        return snprintf(b, sz, "%s %s, %s", nm[o->sub], d, s);
    }
    case K_BSX: return snprintf(b, sz, "%s %s, %s", o->sub ? "bsr" : "bsf", d, s);
    case K_XADD: return snprintf(b, sz, "xadd %s, %s", d, s);
    case K_CMPXCHG: return snprintf(b, sz, "cmpxchg %s, %s", d, s);
    case K_FLAG: {
        static const char *const nm[3] = { "cmc", "clc", "stc" };
        return snprintf(b, sz, "%s", nm[o->sub]);
    }
    case K_SETCC: return snprintf(b, sz, "set%s %s", cc_names[o->cc], n8[o->dst]);
    case K_CMOV: return snprintf(b, sz, "cmov%s %s, %s", cc_names[o->cc], d, s);
    case K_LEA: return snprintf(b, sz, "lea %s, [%s%+d]", n32[o->dst], n32[o->src], (int8_t)o->imm);
    case K_MOV: return snprintf(b, sz, "mov %s, %s", d, s);
    case K_LAHF: return snprintf(b, sz, "lahf");
    case K_SAHF: return snprintf(b, sz, "sahf");
    case K_POPF: return snprintf(b, sz, "push 0x%x; popf", o->imm);
    case K_PUSHF_POP: return snprintf(b, sz, "pushf; pop %s", n32[o->dst]);
    case K_JMP: return snprintf(b, sz, "jmp%s $+%u (over hlt)", o->form ? " near" : "", o->imm);
    }
    return snprintf(b, sz, "?");
}

static void describe(const struct op *o, char *b, size_t sz)
{
    int n = 0;
    if (o->jcc)
        n = snprintf(b, sz, "j%s over: ", cc_names[o->jcc_cc]);
    describe_inner(o, b + n, sz - (size_t)n);
}

static void flag_names(uint32_t f, char *b, size_t sz)
{
    static const struct { uint32_t bit; const char *name; } t[] = {
        { F_CF, "CF" }, { F_PF, "PF" }, { F_AF, "AF" }, { F_ZF, "ZF" },
        { F_SF, "SF" }, { F_OF, "OF" },
    };
    size_t n = 0;
    b[0] = 0;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (f & t[k].bit)
            n += (size_t)snprintf(b + n, sz - n, "%s%s", n ? " " : "", t[k].name);
    if (!n)
        snprintf(b, sz, "-");
}

static void print_regs(const char *what, const uint32_t *r, uint32_t flags)
{
    char fl[40];
    flag_names(flags & ALL, fl, sizeof fl);
    printf("  %-8s eax=%08x ecx=%08x edx=%08x ebx=%08x esi=%08x edi=%08x eflags=%08x (%s)\n",
           what, r[R_EAX], r[R_ECX], r[R_EDX], r[R_EBX], r[R_ESI], r[R_EDI], flags, fl);
}

/* ---- which results are defined ---- */

struct defs {
    uint32_t ru[8];    /* undefined bits per register */
    uint32_t fu;       /* undefined arithmetic flags */
};

static void slot(unsigned e, unsigned w, unsigned *idx, uint32_t *m)
{
    if (w == 8 && e >= 4) {
        *idx = e - 4;
        *m = 0xff00;
    } else {
        *idx = e;
        *m = w == 8 ? 0xff : w == 16 ? 0xffff : 0xffffffffu;
    }
}

static bool ru_any(const struct defs *d, unsigned e, unsigned w)
{
    unsigned i;
    uint32_t m;
    slot(e, w, &i, &m);
    return d->ru[i] & m;
}

static void ru_set(struct defs *d, unsigned e, unsigned w, bool undef)
{
    unsigned i;
    uint32_t m;
    slot(e, w, &i, &m);
    d->ru[i] = undef ? d->ru[i] | m : d->ru[i] & ~m;
}

static uint32_t rval(const uint32_t *r, unsigned e, unsigned w)
{
    unsigned i;
    uint32_t m;
    slot(e, w, &i, &m);
    return (r[i] & m) >> (m == 0xff00 ? 8 : 0);
}

/* A register-to-register copy of w bits: the undefined bits go along. */
static void ru_copy(struct defs *d, unsigned dst, unsigned src, unsigned w)
{
    unsigned di, si;
    uint32_t dm, sm;
    slot(dst, w, &di, &dm);
    slot(src, w, &si, &sm);
    uint32_t u = d->ru[si] & sm;
    u = sm == 0xff00 ? u >> 8 : u;
    u = dm == 0xff00 ? u << 8 : u;
    d->ru[di] = (d->ru[di] & ~dm) | u;
}

/* The flags an instruction sets: all `touched` are undefined when an input
 * was; otherwise defined but for `undef`. */
static void set_flags(struct defs *d, uint32_t touched, bool in_undef, uint32_t undef)
{
    if (in_undef)
        d->fu |= touched;
    else
        d->fu = (d->fu & ~touched) | (undef & touched);
}

static uint32_t cond_flags(unsigned cc)
{
    static const uint32_t t[8] = { F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF,
                                   F_SF | F_OF, F_ZF | F_SF | F_OF };
    return t[cc >> 1];
}

static bool cond_eval(unsigned cc, uint32_t f)
{
    bool cf = f & F_CF, zf = f & F_ZF, sf = f & F_SF, of = f & F_OF, pf = f & F_PF, r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return r ^ (cc & 1);
}

/* The one register an instruction that a Jcc may skip writes, if any. */
static bool op_writes(const struct op *o, unsigned *e, unsigned *w)
{
    *e = o->dst;
    *w = o->w;
    switch (o->kind) {
    case K_ALU:
    case K_ALUI:
        return o->sub != A_CMP;
    case K_TEST: case K_TESTI: case K_FLAG: case K_SAHF: case K_POPF: case K_JMP:
        return false;
    case K_BT:
        return o->sub != 0;
    case K_SETCC:
        *w = 8;
        return true;
    case K_LEA:
    case K_PUSHF_POP:
        *w = 32;
        return true;
    case K_LAHF:
        *e = 4;      /* AH */
        *w = 8;
        return true;
    default:
        return true;
    }
}

/* Shift counts: the count and whether it is known.  r: the host's
 * registers before the instruction. */
static bool shift_count(const struct defs *d, const struct op *o, const uint32_t *r,
                        unsigned *count)
{
    if (o->cnt == C_IMM)
        *count = o->imm & 0xff;
    else if (o->cnt == C_ONE)
        *count = 1;
    else if (d->ru[R_ECX] & 0x1f)
        return false;
    else
        *count = r[R_ECX] & 0xff;
    return true;
}

/* Apply one instruction (without its Jcc) to the definedness.  r: the host
 * registers and r[R_FL] the host EFLAGS before it. */
static void apply_inner(struct defs *d, const struct op *o, const uint32_t *r)
{
    const unsigned w = o->w, dst = o->dst, src = o->src;
    bool u;
    unsigned count;
    switch (o->kind) {
    case K_ALU: {
        bool same = dst == src;
        u = false;
        if (!(same && (o->sub == A_SUB || o->sub == A_XOR || o->sub == A_CMP ||
                       o->sub == A_SBB)))
            u = ru_any(d, dst, w) || ru_any(d, src, w);
        if (o->sub == A_ADC || o->sub == A_SBB)
            u |= (d->fu & F_CF) != 0;
        if (o->sub != A_CMP)
            ru_set(d, dst, w, u);
        set_flags(d, ALL, u, (o->sub == A_OR || o->sub == A_AND || o->sub == A_XOR) ? F_AF : 0);
        break;
    }
    case K_ALUI:
        u = ru_any(d, dst, w);
        if (o->sub == A_ADC || o->sub == A_SBB)
            u |= (d->fu & F_CF) != 0;
        if (o->sub != A_CMP)
            ru_set(d, dst, w, u);
        set_flags(d, ALL, u, (o->sub == A_OR || o->sub == A_AND || o->sub == A_XOR) ? F_AF : 0);
        break;
    case K_TEST:
        set_flags(d, ALL, ru_any(d, dst, w) || ru_any(d, src, w), F_AF);
        break;
    case K_TESTI:
        set_flags(d, ALL, ru_any(d, dst, w), F_AF);
        break;
    case K_INCDEC:
        u = ru_any(d, dst, w);
        ru_set(d, dst, w, u);
        set_flags(d, ALL & ~F_CF, u, 0);
        break;
    case K_NEG:
        u = ru_any(d, dst, w);
        ru_set(d, dst, w, u);
        set_flags(d, ALL, u, 0);
        break;
    case K_NOT:
        ru_set(d, dst, w, ru_any(d, dst, w));
        break;
    case K_MUL1:
        u = ru_any(d, src, w) || ru_any(d, R_EAX, w);
        if (w == 8) {
            ru_set(d, R_EAX, 16, u);
        } else {
            ru_set(d, R_EAX, w, u);
            ru_set(d, R_EDX, w, u);
        }
        set_flags(d, ALL, u, SZAP);
        break;
    case K_IMUL2:
        u = ru_any(d, dst, w) || ru_any(d, src, w);
        ru_set(d, dst, w, u);
        set_flags(d, ALL, u, SZAP);
        break;
    case K_IMUL3:
        u = ru_any(d, src, w);
        ru_set(d, dst, w, u);
        set_flags(d, ALL, u, SZAP);
        break;
    case K_SHIFT: {
        if (!shift_count(d, o, r, &count)) {
            ru_set(d, dst, w, true);
            d->fu |= ALL;
            break;
        }
        unsigned mc = count & 31;
        if (mc == 0)
            break;                       /* nothing changes, flags included */
        bool rot = o->sub < S_SHL;
        u = ru_any(d, dst, w);
        if (o->sub == S_RCL || o->sub == S_RCR)
            u |= (d->fu & F_CF) != 0;
        ru_set(d, dst, w, u);
        if (rot) {
            set_flags(d, F_CF | F_OF, u, mc == 1 ? 0 : F_OF);
        } else {
            uint32_t un = F_AF | (mc == 1 ? 0 : F_OF);
            /* SHL/SHR: CF is undefined for counts >= the operand size */
            if ((o->sub == S_SHL || o->sub == S_SHR) && mc >= w)
                un |= F_CF;
            set_flags(d, ALL, u, un);
        }
        break;
    }
    case K_SHXD: {
        if (!shift_count(d, o, r, &count)) {
            ru_set(d, dst, w, true);
            d->fu |= ALL;
            break;
        }
        unsigned mc = count & 31;
        if (mc == 0)
            break;
        if (mc > w) {                    /* "bad parameters": all undefined */
            ru_set(d, dst, w, true);
            d->fu |= ALL;
            break;
        }
        u = ru_any(d, dst, w) || ru_any(d, src, w);
        ru_set(d, dst, w, u);
        set_flags(d, ALL, u, F_AF | (mc == 1 ? 0 : F_OF));
        break;
    }
    case K_BT: {
        unsigned si;
        uint32_t sm;
        slot(src, w, &si, &sm);
        u = ru_any(d, dst, w) || (d->ru[si] & (w - 1));
        if (o->sub)
            ru_set(d, dst, w, u);
        set_flags(d, F_CF, u, 0);
        d->fu |= F_OF | F_SF | F_AF | F_PF;   /* ZF: unchanged */
        break;
    }
    case K_BSX:
        if (ru_any(d, src, w)) {
            ru_set(d, dst, w, true);
            d->fu |= ALL;
            break;
        }
        /* source 0: the destination is undefined (Intel keeps it, AMD says so) */
        ru_set(d, dst, w, rval(r, src, w) == 0);
        set_flags(d, ALL, false, ALL & ~F_ZF);
        break;
    case K_XADD: {
        bool ud = ru_any(d, dst, w);
        u = ud || ru_any(d, src, w);
        ru_set(d, src, w, ud);
        ru_set(d, dst, w, u);
        set_flags(d, ALL, u, 0);
        break;
    }
    case K_CMPXCHG:
        u = ru_any(d, R_EAX, w) || ru_any(d, dst, w) || ru_any(d, src, w);
        if (u) {
            ru_set(d, R_EAX, w, true);
            ru_set(d, dst, w, true);
        }
        set_flags(d, ALL, u, 0);
        break;
    case K_FLAG:
        if (o->sub)                       /* CLC/STC; CMC keeps CF's status */
            d->fu &= ~F_CF;
        break;
    case K_SETCC:
        ru_set(d, dst, 8, d->fu & cond_flags(o->cc));
        break;
    case K_CMOV:
        if (d->fu & cond_flags(o->cc))
            ru_set(d, dst, w, true);
        else if (cond_eval(o->cc, r[R_FL]))
            ru_copy(d, dst, src, w);
        break;
    case K_LEA:
        ru_set(d, dst, 32, ru_any(d, src, 32));
        break;
    case K_MOV:
        ru_copy(d, dst, src, w);
        break;
    case K_LAHF:
        /* AH = SF:ZF:0:AF:0:PF:1:CF */
        d->ru[R_EAX] = (d->ru[R_EAX] & ~0xff00u) | (d->fu & 0xd5u) << 8;
        break;
    case K_SAHF:
        d->fu = (d->fu & ~0xd5u) | ((d->ru[R_EAX] >> 8) & 0xd5u);
        break;
    case K_POPF:
        d->fu = 0;
        break;
    case K_PUSHF_POP:
        /* the host runs with IF=1, interp with IF=0; bits 16+ not compared */
        d->ru[dst] = d->fu | F_IF | 0xffff0000u;
        break;
    case K_JMP:
        break;
    }
}

static void apply(struct defs *d, const struct op *o, const uint32_t *r)
{
    if (o->jcc) {
        if (d->fu & cond_flags(o->jcc_cc)) {
            unsigned e, w;
            if (op_writes(o, &e, &w))
                ru_set(d, e, w, true);
            d->fu |= ALL;
            return;
        }
        if (cond_eval(o->jcc_cc, r[R_FL]))
            return;                       /* taken: skips the instruction */
    }
    apply_inner(d, o, r);
}

/* ---- the host side ---- */

struct host {
    uint8_t *mem;
    size_t size;
    bool rwx;
};

static bool host_open(struct host *h)
{
    h->size = 4096;
    h->mem = mmap(NULL, h->size, PROT_READ | PROT_WRITE | PROT_EXEC,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    h->rwx = h->mem != MAP_FAILED;
    if (!h->rwx)
        h->mem = mmap(NULL, h->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    return h->mem != MAP_FAILED;
}

static void host_close(struct host *h)
{
    munmap(h->mem, h->size);
}

/* Run the common bytes natively; out[] gets EAX..EDI, out[R_EBP] EFLAGS. */
static void host_run(struct host *h, const uint8_t *code, size_t n, uint32_t *out)
{
    static const uint8_t pro[] = {
        0x53,                    /* push rbx */
        0x55,                    /* push rbp */
        0x49, 0x89, 0xfb,        /* mov r11, rdi */
    };
    static const uint8_t epi[] = {
        0x41, 0x89, 0x03,        /* mov [r11], eax */
        0x41, 0x89, 0x4b, 0x04,  /* mov [r11+4], ecx */
        0x41, 0x89, 0x53, 0x08,  /* mov [r11+8], edx */
        0x41, 0x89, 0x5b, 0x0c,  /* mov [r11+12], ebx */
        0x41, 0x89, 0x6b, 0x14,  /* mov [r11+20], ebp */
        0x41, 0x89, 0x73, 0x18,  /* mov [r11+24], esi */
        0x41, 0x89, 0x7b, 0x1c,  /* mov [r11+28], edi */
        0x5d,                    /* pop rbp */
        0x5b,                    /* pop rbx */
        0xc3,                    /* ret */
    };
    ck_assert(sizeof pro + n + sizeof epi <= h->size);
    if (!h->rwx)
        ck_assert_int_eq(mprotect(h->mem, h->size, PROT_READ | PROT_WRITE), 0);
    memcpy(h->mem, pro, sizeof pro);
    memcpy(h->mem + sizeof pro, code, n);
    memcpy(h->mem + sizeof pro + n, epi, sizeof epi);
    if (!h->rwx)
        ck_assert_int_eq(mprotect(h->mem, h->size, PROT_READ | PROT_EXEC), 0);
    __builtin___clear_cache((char *)h->mem, (char *)h->mem + sizeof pro + n + sizeof epi);
    void (*fn)(uint32_t *) = (void (*)(uint32_t *))(uintptr_t)h->mem;
    memset(out, 0, 8 * sizeof *out);
    fn(out);
}

static bool host_has_lahf(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & 1);
}

/* ---- the interp side ---- */

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

static void flat_seg(struct x86_seg *s, uint16_t sel, bool code)
{
    memset(s, 0, sizeof *s);
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->type = code ? 0xb : 0x3;
    s->s = 1;
    s->present = 1;
    s->db = 1;
    s->g = 1;
}

static void put_desc(uint8_t *p, uint8_t access)
{
    /* base 0, limit 0xfffff, G=1, D/B=1 */
    const uint8_t d[8] = { 0xff, 0xff, 0, 0, 0, access, 0xcf, 0 };
    memcpy(p, d, 8);
}

/* 32-bit flat protected mode at CPL 0; an empty IDT, so that any exception
 * ends in a shutdown (reported as such). */
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
    put_desc(f->ram + 0x108, 0x9b);
    put_desc(f->ram + 0x110, 0x93);
    struct x86_state *s = cpu_state(f->c);
    s->cr0 = CR0_PE | CR0_ET | CR0_NE;
    s->gdt.base = 0x100;
    s->gdt.limit = 0x17;
    s->idt.base = 0x200;
    s->idt.limit = 0;
    flat_seg(&s->seg[S_CS], 0x08, true);
    for (int k = 0; k < 6; k++)
        if (k != S_CS)
            flat_seg(&s->seg[k], 0x10, false);
    s->rflags = 0x2;
    s->gpr[R_ESP] = STACK_TOP;
    s->rip = CODE_LO;
    cpu_state_changed(f->c);
    return f;
}

static void flat_free(struct flat *f)
{
    cpu_free(f->c);
    free(f->ram);
    free(f);
}

/* Run common bytes + HLT at `addr`, in one cpu_run or (split > 0) in
 * slices of 1..split instructions.  Returns NULL when it halted where it
 * should, else what went wrong. */
static const char *interp_run(struct flat **fp, const uint8_t *code, size_t n,
                              uint32_t addr, unsigned split, uint64_t *rng_state,
                              uint32_t *out)
{
    struct flat *f = *fp;
    static char why[160];
    memcpy(f->ram + addr, code, n);
    f->ram[addr + n] = 0xf4;                      /* hlt */
    cpu_invalidate_code(f->c, addr, n + 1);
    struct x86_state *s = cpu_state(f->c);
    s->rip = addr;
    s->gpr[R_ESP] = STACK_TOP;
    s->gpr[R_EBP] = 0;
    s->rflags = 0x2;
    s->ev.halted = false;
    cpu_state_changed(f->c);
    enum cpu_stop st;
    int slices = 0;
    do {
        uint64_t budget = 1000;
        if (split) {
            *rng_state = *rng_state * 6364136223846793005ull + 1442695040888963407ull;
            budget = 1 + (*rng_state >> 33) % split;
        }
        st = cpu_run(f->c, budget);
    } while (st == CPU_STOP_BUDGET && split && ++slices < 1000);
    s = cpu_state(f->c);
    for (int k = 0; k < 8; k++)
        out[k] = (uint32_t)s->gpr[k];
    const char *err = NULL;
    if (st != CPU_STOP_HALT) {
        snprintf(why, sizeof why, "cpu_run stopped with %d (not HLT) at EIP %08x", (int)st,
                 (uint32_t)s->rip);
        err = why;
    } else if (s->rip != addr + n + 1 || s->gpr[R_ESP] != STACK_TOP) {
        snprintf(why, sizeof why, "halted at EIP %08x ESP %08x, expected %08x %08x",
                 (uint32_t)s->rip, (uint32_t)s->gpr[R_ESP], addr + (uint32_t)n + 1, STACK_TOP);
        err = why;
    }
    if (err && st == CPU_STOP_SHUTDOWN) {
        /* a shutdown sticks: start over with a fresh CPU */
        flat_free(f);
        *fp = flat_new();
    }
    return err;
}

/* ---- comparing ---- */

/* Bits where interp and the host differ although both are defined. */
static bool differs(const uint32_t *a, const uint32_t *b, const struct defs *d,
                    uint32_t *regdiff, uint32_t *flagdiff)
{
    bool any = false;
    for (int k = 0; k < 6; k++) {
        unsigned r = pool[k];
        regdiff[r] = (a[r] ^ b[r]) & ~d->ru[r];
        any |= regdiff[r] != 0;
    }
    *flagdiff = (a[R_FL] ^ b[R_FL]) & ALL & ~d->fu;
    return any || *flagdiff;
}

struct ctx {
    struct host h;
    struct flat *f;
    bool lahf;
    unsigned failures, printed, print_max;
    /* coverage: how often each flag was defined at the end */
    unsigned long defined_flag[12], sequences, ops;
};

/* Everything about one sequence: returns true when interp agrees. */
static bool check_seq(struct ctx *cx, const struct seq *s, const char *name, uint32_t addr,
                      unsigned split, uint64_t run_seed, bool verbose)
{
    uint8_t code[MAX_CODE];
    size_t off[MAX_OPS];
    uint32_t hs[MAX_OPS + 1][8];
    struct defs ds[MAX_OPS + 1];

    /* the host after every prefix: counts in CL and conditions come from it */
    for (int k = 0; k <= s->n; k++) {
        size_t n = build_common(s, k, code, NULL);
        host_run(&cx->h, code, n, hs[k]);
    }
    memset(&ds[0], 0, sizeof ds[0]);
    for (int k = 0; k < s->n; k++) {
        ds[k + 1] = ds[k];
        apply(&ds[k + 1], &s->ops[k], hs[k]);
    }
    const struct defs *d = &ds[s->n];

    size_t n = build_common(s, s->n, code, off);
    uint32_t ir[8];
    uint64_t rs = run_seed;
    const char *err = interp_run(&cx->f, code, n, addr, split, &rs, ir);
    uint32_t regdiff[8] = { 0 }, flagdiff = 0;
    /* the popf of the initial flags: the host must read them back as set */
    bool harness_bad = (hs[0][R_FL] & (ALL | 2)) != s->flags;
    bool bad = err || harness_bad || differs(ir, hs[s->n], d, regdiff, &flagdiff);

    cx->sequences++;
    cx->ops += (unsigned long)s->n;
    for (int b = 0; b < 12; b++)
        if ((ALL & (1u << b)) && !(d->fu & (1u << b)))
            cx->defined_flag[b]++;

    if (!bad && !verbose)
        return true;
    if (bad)
        cx->failures++;
    if (bad && ++cx->printed > cx->print_max)
        return false;

    char buf[96], fl[40];
    printf("flags_host: %s%s (code at %08x, %s", bad ? "MISMATCH in " : "", name,
           addr, split ? "run in slices of 1.." : "run in one cpu_run");
    if (split)
        printf("%u", split);
    printf(")\n");
    print_regs("initial", s->init, s->flags);
    for (int k = 0; k < s->n; k++) {
        size_t len = enc_op(&s->ops[k], (uint8_t *)buf);
        char hex[64];
        size_t hn = 0;
        for (size_t j = 0; j < len; j++)
            hn += (size_t)snprintf(hex + hn, sizeof hex - hn, "%02x ", (uint8_t)buf[j]);
        char text[96];
        describe(&s->ops[k], text, sizeof text);
        printf("    [%d] %-24s %s\n", k, hex, text);
    }
    printf("  bytes:");
    for (size_t j = 0; j < n; j++)
        printf(" %02x", code[j]);
    printf(" f4\n");
    print_regs("interp", ir, ir[R_FL]);
    print_regs("host", hs[s->n], hs[s->n][R_FL]);
    flag_names(d->fu, fl, sizeof fl);
    printf("  not compared: flags %s; register bits eax %08x ecx %08x edx %08x ebx %08x "
           "esi %08x edi %08x\n", fl, d->ru[R_EAX], d->ru[R_ECX], d->ru[R_EDX], d->ru[R_EBX],
           d->ru[R_ESI], d->ru[R_EDI]);
    if (!bad)
        return true;
    if (err)
        printf("  interp: %s\n", err);
    if (harness_bad)
        printf("  harness: the host read back eflags %08x after popf of %08x\n",
               hs[0][R_FL], s->flags);
    flag_names(flagdiff, fl, sizeof fl);
    printf("  differ: flags %s", fl);
    for (int k = 0; k < 6; k++)
        if (regdiff[pool[k]])
            printf("; %s bits %08x", n32[pool[k]], regdiff[pool[k]]);
    printf("\n");
    /* the first instruction after which they differ (each prefix in one run) */
    for (int k = 1; k <= s->n; k++) {
        uint32_t pr[8], rd[8], fd;
        size_t pn = build_common(s, k, code, NULL);
        uint64_t rs2 = run_seed;
        const char *e2 = interp_run(&cx->f, code, pn, addr, 0, &rs2, pr);
        if (e2 || differs(pr, hs[k], &ds[k], rd, &fd)) {
            describe(&s->ops[k - 1], buf, sizeof buf);
            flag_names(fd, fl, sizeof fl);
            printf("  first difference after [%d] %s: flags %s%s%s\n", k - 1, buf, fl,
                   e2 ? "; " : "", e2 ? e2 : "");
            print_regs("interp", pr, pr[R_FL]);
            print_regs("host", hs[k], hs[k][R_FL]);
            break;
        }
        if (k == s->n)
            printf("  every prefix agrees when run in one cpu_run\n");
    }
    fflush(stdout);
    return false;
}

static uint64_t env_u64(const char *name, uint64_t def);

static void ctx_open(struct ctx *cx)
{
    memset(cx, 0, sizeof *cx);
    ck_assert_msg(host_open(&cx->h), "mmap of the host code page failed");
    cx->f = flat_new();
    cx->lahf = host_has_lahf();
    cx->print_max = (unsigned)env_u64("TANDEM_FLAGS_PRINT", 8);
}

static void ctx_close(struct ctx *cx)
{
    flat_free(cx->f);
    host_close(&cx->h);
}

/* ---- random sequences ---- */

static uint64_t rnd64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *x, uint32_t n)
{
    return (uint32_t)(rnd64(x) % n);
}

static bool chance(uint64_t *x, unsigned percent)
{
    return rnd(x, 100) < percent;
}

static uint32_t interesting(uint64_t *x)
{
    static const uint32_t table[] = {
        0, 1, 2, 3, 7, 8, 9, 0xf, 0x10, 0x11, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0x81, 0xff,
        0x100, 0x7fff, 0x8000, 0x8001, 0xffff, 0x10000, 0x7fffffff, 0x80000000u,
        0x80000001u, 0xffffffffu, 0xfffffffeu, 0x0f0f0f0f, 0xf0f0f0f0u, 0x55555555,
        0xaaaaaaaau, 0x7ffffff0, 0x00ff00ff, 0xff00ff00u, 0x8000ffffu, 0x7fff8000,
    };
    static const uint8_t bytes[] = { 0, 1, 0x7f, 0x80, 0x81, 0xff, 0x0f, 0x10, 0xf0, 0x08 };
    switch (rnd(x, 10)) {
    case 0: case 1: case 2:
        return table[rnd(x, sizeof table / sizeof table[0])];
    case 3:
        return rnd(x, 40);
    case 4:
        return (uint32_t)-(int32_t)rnd(x, 20);
    case 5: {
        uint32_t b = 1u << rnd(x, 32);
        return chance(x, 50) ? b : b - 1;
    }
    case 6: {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++)
            v |= (uint32_t)(chance(x, 70) ? bytes[rnd(x, sizeof bytes)] : rnd(x, 256)) << (8 * k);
        return v;
    }
    default:
        return (uint32_t)rnd64(x);
    }
}

static unsigned any_reg(uint64_t *x, unsigned w)
{
    return w == 8 ? rnd(x, 8) : pool[rnd(x, 6)];
}

static unsigned pick_width(uint64_t *x, bool b8, bool b16)
{
    unsigned r = rnd(x, 100);
    if (b8 && r < 25)
        return 8;
    if (b16 && r >= 25 && r < 42)
        return 16;
    return 32;
}

static uint32_t imm_for(uint64_t *x, unsigned w)
{
    uint32_t v = interesting(x);
    return w == 32 ? v : v & ((1u << w) - 1);
}

static uint8_t shift_imm(uint64_t *x, unsigned w)
{
    static const uint8_t edge[] = { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 255 };
    unsigned r = rnd(x, 100);
    if (r < 45)
        return (uint8_t)rnd(x, 4);
    if (r < 75)
        return (uint8_t)rnd(x, 32);
    if (r < 85)
        return (uint8_t)(w - 1 + rnd(x, 3));
    if (r < 95)
        return edge[rnd(x, sizeof edge)];
    return (uint8_t)rnd(x, 256);
}

/* weights per kind */
static const uint8_t weights[K_NKINDS] = {
    [K_ALU] = 20, [K_ALUI] = 10, [K_TEST] = 3, [K_TESTI] = 2, [K_INCDEC] = 8, [K_NEG] = 3,
    [K_NOT] = 2, [K_MUL1] = 2, [K_IMUL2] = 3, [K_IMUL3] = 2, [K_SHIFT] = 16, [K_SHXD] = 5,
    [K_BT] = 4, [K_BSX] = 1, [K_XADD] = 1, [K_CMPXCHG] = 1, [K_FLAG] = 5, [K_SETCC] = 7,
    [K_CMOV] = 4, [K_LEA] = 2, [K_MOV] = 2, [K_LAHF] = 2, [K_SAHF] = 2, [K_POPF] = 1,
    [K_PUSHF_POP] = 2, [K_JMP] = 2,
};

static void gen_op(uint64_t *x, struct op *o, bool lahf)
{
    unsigned total = 0, k;
    for (k = 0; k < K_NKINDS; k++)
        total += weights[k];
    do {
        unsigned r = rnd(x, total);
        for (k = 0; r >= weights[k]; k++)
            r -= weights[k];
    } while (!lahf && (k == K_LAHF || k == K_SAHF));

    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)k;
    o->w = 32;
    switch (k) {
    case K_ALU:
        o->w = (uint8_t)pick_width(x, true, true);
        o->sub = (uint8_t)rnd(x, 8);
        o->form = (uint8_t)rnd(x, 2);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = chance(x, 10) ? o->dst : (uint8_t)any_reg(x, o->w);
        break;
    case K_ALUI:
        o->w = (uint8_t)pick_width(x, true, true);
        o->sub = (uint8_t)rnd(x, 8);
        o->dst = (uint8_t)(chance(x, 25) ? 0 : any_reg(x, o->w));
        o->form = (uint8_t)(o->dst == 0 && chance(x, 50) ? 2
                            : o->w != 8 && chance(x, 40) ? 1 : 0);
        o->imm = imm_for(x, o->w);
        if (o->form == 1) {
            uint32_t v = (uint32_t)(int32_t)(int8_t)o->imm;
            o->imm = o->w == 16 ? v & 0xffff : v;
        }
        break;
    case K_TEST:
        o->w = (uint8_t)pick_width(x, true, true);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = chance(x, 30) ? o->dst : (uint8_t)any_reg(x, o->w);
        break;
    case K_TESTI:
        o->w = (uint8_t)pick_width(x, true, true);
        o->dst = (uint8_t)(chance(x, 30) ? 0 : any_reg(x, o->w));
        o->form = (uint8_t)(o->dst == 0 && chance(x, 50) ? 2 : 0);
        o->imm = imm_for(x, o->w);
        break;
    case K_INCDEC:
        o->w = (uint8_t)pick_width(x, true, true);
        o->sub = (uint8_t)rnd(x, 2);
        o->dst = (uint8_t)any_reg(x, o->w);
        break;
    case K_NEG:
    case K_NOT:
        o->w = (uint8_t)pick_width(x, true, true);
        o->dst = (uint8_t)any_reg(x, o->w);
        break;
    case K_MUL1:
        o->w = (uint8_t)pick_width(x, true, true);
        o->sub = (uint8_t)(4 + rnd(x, 2));
        o->src = (uint8_t)any_reg(x, o->w);
        o->dst = 0;
        break;
    case K_IMUL2:
        o->w = (uint8_t)pick_width(x, false, true);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_IMUL3:
        o->w = (uint8_t)pick_width(x, false, true);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        o->form = (uint8_t)rnd(x, 2);
        o->imm = o->form ? (uint8_t)interesting(x) : imm_for(x, o->w);
        break;
    case K_SHIFT: {
        static const uint8_t subs[7] = { S_ROL, S_ROR, S_RCL, S_RCR, S_SHL, S_SHR, S_SAR };
        o->w = (uint8_t)pick_width(x, true, true);
        o->sub = subs[rnd(x, 7)];
        o->dst = (uint8_t)any_reg(x, o->w);
        unsigned r = rnd(x, 100);
        o->cnt = r < 55 ? C_IMM : r < 80 ? C_ONE : C_CL;
        if (o->cnt == C_IMM)
            o->imm = shift_imm(x, o->w);
        break;
    }
    case K_SHXD:
        o->w = (uint8_t)pick_width(x, false, true);
        o->sub = (uint8_t)rnd(x, 2);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        o->cnt = chance(x, 70) ? C_IMM : C_CL;
        if (o->cnt == C_IMM)
            o->imm = shift_imm(x, o->w);
        break;
    case K_BT:
        o->w = (uint8_t)pick_width(x, false, true);
        o->sub = (uint8_t)rnd(x, 4);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_BSX:
        o->w = (uint8_t)pick_width(x, false, true);
        o->sub = (uint8_t)rnd(x, 2);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_XADD:
    case K_CMPXCHG:
        o->w = (uint8_t)pick_width(x, true, true);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_FLAG:
        o->sub = (uint8_t)rnd(x, 3);
        break;
    case K_SETCC:
        o->w = 8;
        o->cc = (uint8_t)rnd(x, 16);
        o->dst = (uint8_t)rnd(x, 8);
        break;
    case K_CMOV:
        o->w = (uint8_t)pick_width(x, false, true);
        o->cc = (uint8_t)rnd(x, 16);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_LEA:
        o->dst = (uint8_t)any_reg(x, 32);
        o->src = (uint8_t)any_reg(x, 32);
        o->imm = (uint8_t)interesting(x);
        break;
    case K_MOV:
        o->w = (uint8_t)pick_width(x, true, true);
        o->form = (uint8_t)rnd(x, 2);
        o->dst = (uint8_t)any_reg(x, o->w);
        o->src = (uint8_t)any_reg(x, o->w);
        break;
    case K_LAHF:
        o->w = 8;
        o->dst = 4;
        break;
    case K_SAHF:
        break;
    case K_POPF:
        o->imm = (uint32_t)rnd(x, 0x10000) & (ALL | 2);
        o->imm |= 2;
        break;
    case K_PUSHF_POP:
        o->dst = (uint8_t)any_reg(x, 32);
        break;
    case K_JMP:
        o->form = (uint8_t)chance(x, 30);
        o->imm = rnd(x, 4);
        break;
    }
    /* now and then behind a Jcc that may skip it (a side exit) */
    if (k != K_MUL1 && k != K_XADD && k != K_CMPXCHG && k != K_POPF && k != K_PUSHF_POP &&
        chance(x, 8)) {
        o->jcc = 1;
        o->jcc_cc = (uint8_t)rnd(x, 16);
    }
}

static void gen_seq(uint64_t *x, struct seq *s, bool lahf)
{
    memset(s, 0, sizeof *s);
    for (int k = 0; k < 6; k++)
        s->init[pool[k]] = interesting(x);
    s->flags = (uint32_t)rnd64(x) & ALL;
    if (chance(x, 10))
        s->flags = chance(x, 50) ? ALL : 0;
    s->flags |= 2;
    s->n = 1 + (int)rnd(x, RAND_OPS);
    for (int k = 0; k < s->n; k++)
        gen_op(x, &s->ops[k], lahf);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    uint64_t r = strtoull(v, &end, 0);
    return *end ? def : r;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A code address: anywhere in the page, and often so that the sequence
 * straddles the page boundary at 0x2000 (two blocks, or a scratch block). */
static uint32_t code_addr(uint64_t *x, const struct seq *s)
{
    uint8_t code[MAX_CODE];
    size_t n = build_common(s, s->n, code, NULL);
    if (chance(x, 25))
        return 0x2000 - 1 - rnd(x, (uint32_t)n + 1);
    return CODE_LO + rnd(x, 0x1000 - (uint32_t)n - 1);
}

START_TEST(test_random_sequences)
{
    struct ctx cx;
    ctx_open(&cx);
    const uint64_t seed = env_u64("TANDEM_FLAGS_SEED", DEFAULT_SEED);
    const uint64_t count = env_u64("TANDEM_FLAGS_COUNT", DEFAULT_COUNT);
    const char *only_s = getenv("TANDEM_FLAGS_ONLY");
    const bool only = only_s && *only_s;
    const uint64_t only_n = env_u64("TANDEM_FLAGS_ONLY", 0);
    double t0 = now_s();
    if (!cx.lahf)
        printf("flags_host: the host has no LAHF/SAHF in 64-bit mode: not generated\n");
    for (uint64_t i = only ? only_n : 0; i < (only ? only_n + 1 : count); i++) {
        uint64_t x = seed ^ (i * 0xd1b54a32d192ed03ull);
        struct seq s;
        gen_seq(&x, &s, cx.lahf);
        uint32_t addr = code_addr(&x, &s);
        unsigned split = chance(&x, 25) ? 1 + rnd(&x, 6) : 0;
        char name[160];
        snprintf(name, sizeof name, "random sequence %llu (TANDEM_FLAGS_SEED=0x%llx "
                 "TANDEM_FLAGS_ONLY=%llu)", (unsigned long long)i, (unsigned long long)seed,
                 (unsigned long long)i);
        check_seq(&cx, &s, name, addr, split, rnd64(&x), only);
    }
    double t = now_s() - t0;
    printf("flags_host: %lu random sequences (%lu instructions), seed 0x%llx, %.2f s; "
           "defined at the end: CF %lu PF %lu AF %lu ZF %lu SF %lu OF %lu; %u mismatches\n",
           cx.sequences, cx.ops, (unsigned long long)seed, t, cx.defined_flag[0],
           cx.defined_flag[2], cx.defined_flag[4], cx.defined_flag[6], cx.defined_flag[7],
           cx.defined_flag[11], cx.failures);
    fflush(stdout);
    unsigned failures = cx.failures;
    ctx_close(&cx);
    ck_assert_msg(failures == 0,
                  "interp disagrees with the host CPU in %u of the random sequences "
                  "(details above)", failures);
}
END_TEST

/* ---- directed cases ---- */

static struct op A(unsigned sub, unsigned w, unsigned dst, unsigned src)
{
    return (struct op){ .kind = K_ALU, .w = (uint8_t)w, .sub = (uint8_t)sub,
                        .dst = (uint8_t)dst, .src = (uint8_t)src };
}

static struct op AI(unsigned sub, unsigned w, unsigned dst, uint32_t imm)
{
    return (struct op){ .kind = K_ALUI, .w = (uint8_t)w, .sub = (uint8_t)sub,
                        .dst = (uint8_t)dst, .imm = imm };
}

static struct op SH(unsigned sub, unsigned w, unsigned dst, unsigned cnt, uint32_t imm)
{
    return (struct op){ .kind = K_SHIFT, .w = (uint8_t)w, .sub = (uint8_t)sub,
                        .dst = (uint8_t)dst, .cnt = (uint8_t)cnt, .imm = imm };
}

static struct op ID(unsigned dec, unsigned w, unsigned dst)
{
    return (struct op){ .kind = K_INCDEC, .w = (uint8_t)w, .sub = (uint8_t)dec,
                        .dst = (uint8_t)dst };
}

static struct op SET(unsigned cc, unsigned dst8)
{
    return (struct op){ .kind = K_SETCC, .w = 8, .cc = (uint8_t)cc, .dst = (uint8_t)dst8 };
}

static struct op K(unsigned kind, unsigned sub, unsigned w, unsigned dst, unsigned src)
{
    return (struct op){ .kind = (uint8_t)kind, .sub = (uint8_t)sub, .w = (uint8_t)w,
                        .dst = (uint8_t)dst, .src = (uint8_t)src };
}

static struct op JCC(unsigned cc, struct op o)
{
    o.jcc = 1;
    o.jcc_cc = (uint8_t)cc;
    return o;
}

enum { AL = 0, CL, DL, BL, AH, CH, DH, BH };
enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP,
       CC_L, CC_GE, CC_LE, CC_G };

struct directed {
    const char *name;
    uint32_t eax, ecx, edx, ebx, esi, edi, flags;
    int n;
    struct op ops[MAX_OPS];
};

static void directed_cases(struct directed *t, int *nt)
{
    int n = 0;
#define D(nm, a, c, d_, b, si, di, fl, ...)                                              \
    do {                                                                                \
        t[n] = (struct directed){ .name = nm, .eax = a, .ecx = c, .edx = d_, .ebx = b,  \
                                  .esi = si, .edi = di, .flags = fl,                    \
                                  .ops = { __VA_ARGS__ } };                             \
        t[n].n = (int)(sizeof((struct op[]){ __VA_ARGS__ }) / sizeof(struct op));       \
        n++;                                                                            \
    } while (0)
    D("add overflow, rol 1, adc", 0x7fffffff, 0x80000001, 5, 1, 0xfffffffb, 0, 0x2,
      A(A_ADD, 32, R_EAX, R_EBX), SH(S_ROL, 32, R_ECX, C_ONE, 0),
      A(A_ADC, 32, R_EDX, R_ESI), SET(CC_O, BL), SET(CC_S, BH));
    D("sub borrow, inc keeps CF, setb", 1, 0xffffffff, 0, 2, 0, 0, 0x2,
      A(A_SUB, 32, R_EAX, R_EBX), ID(0, 32, R_ECX), SET(CC_B, DL), SET(CC_E, DH),
      SET(CC_BE, BL), SET(CC_L, BH));
    D("dec keeps CF, jb over inc", 0x10, 0x80000000, 0, 0x20, 0, 0, 0x2,
      A(A_CMP, 32, R_EAX, R_EBX), ID(1, 32, R_ECX), JCC(CC_B, ID(0, 32, R_EDX)),
      SET(CC_O, BL), SET(CC_A, BH));
    D("rol then rcr", 0x12345678, 0, 0x80000001, 0, 0, 0, 0x2 | F_CF,
      SH(S_ROL, 32, R_EDX, C_ONE, 0), SH(S_RCR, 32, R_EDX, C_ONE, 0), SET(CC_B, AL),
      SET(CC_O, AH), SH(S_RCR, 32, R_EDX, C_IMM, 3), SET(CC_B, CL));
    D("sub, rol keeps ZF SF PF AF from sub", 5, 0xf0000000, 0, 5, 0, 0, 0x2,
      A(A_SUB, 32, R_EAX, R_EBX), SH(S_ROL, 32, R_ECX, C_IMM, 3), SET(CC_E, DL),
      SET(CC_S, DH), SET(CC_P, BL), SET(CC_B, BH));
    D("add then rol 0 changes nothing", 0xffffffff, 0x80000000, 0, 1, 0, 0, 0x2,
      A(A_ADD, 32, R_EAX, R_EBX), SH(S_ROL, 32, R_ECX, C_IMM, 0), SET(CC_B, DL),
      SET(CC_E, DH), SH(S_RCL, 32, R_ECX, C_IMM, 32), SET(CC_O, BL));
    D("rol by cl 0 and cl 32", 0x80000000, 0, 0, 0x80000000, 0, 0, 0x2 | F_OF,
      A(A_ADD, 32, R_EAX, R_EBX), SH(S_ROL, 32, R_EDX, C_CL, 0), SET(CC_O, BL),
      AI(A_OR, 32, R_ECX, 32), SH(S_ROR, 32, R_EAX, C_CL, 0), SET(CC_B, BH));
    D("8-bit add overflow, rol ah 8, sbb", 0x807f, 0x11, 0x22, 0x01, 0, 0, 0x2,
      A(A_ADD, 8, AL, BL), SH(S_ROL, 8, AH, C_IMM, 8), A(A_SBB, 8, CL, DL),
      SET(CC_O, BL), SET(CC_L, BH));
    D("16-bit add overflow, rcl 17, setc", 0x7fff, 0x1234, 0, 1, 0, 0, 0x2,
      A(A_ADD, 16, R_EAX, R_EBX), SH(S_RCL, 16, R_ECX, C_IMM, 17), SET(CC_B, DL),
      SH(S_RCL, 16, R_ECX, C_IMM, 9), SET(CC_B, DH));
    D("inc, then rcl and rcr by 1 take the CF from before inc", 0xffffffff, 0x40000000,
      0x00000001, 0, 0, 0, 0x2 | F_CF,
      ID(0, 32, R_EAX), SH(S_RCL, 32, R_ECX, C_ONE, 0), SET(CC_O, BL),
      ID(1, 32, R_EAX), SH(S_RCR, 32, R_EDX, C_ONE, 0), SET(CC_O, BH));
    D("shl 0 keeps flags, setl", 3, 0x12345678, 0, 5, 0, 0, 0x2,
      A(A_SUB, 32, R_EAX, R_EBX), SH(S_SHL, 32, R_ECX, C_IMM, 0), SET(CC_L, DL),
      SH(S_SAR, 32, R_ECX, C_IMM, 32), SET(CC_B, DH), SET(CC_E, BL));
    D("neg 0 and neg 0x80000000", 0, 0x80000000, 0, 0, 0, 0, 0x2 | F_CF,
      K(K_NEG, 0, 32, R_EAX, 0), SET(CC_B, DL), K(K_NEG, 0, 32, R_ECX, 0), SET(CC_O, DH),
      SET(CC_B, BL));
    D("bt, bts, setc; ZF kept", 0x0, 0x80000000, 31, 0, 0, 0, 0x2,
      K(K_TEST, 0, 32, R_EAX, R_EAX), K(K_BT, 0, 32, R_ECX, R_EDX), SET(CC_B, BL),
      SET(CC_E, BH), K(K_BT, 1, 32, R_EAX, R_EDX), SET(CC_B, AH));
    D("shld by 1 overflow, shrd", 0x40000000, 0x80000000, 0, 1, 0, 0, 0x2,
      ((struct op){ .kind = K_SHXD, .w = 32, .sub = 0, .dst = R_EAX, .src = R_ECX,
                    .cnt = C_IMM, .imm = 1 }),
      SET(CC_O, DL), SET(CC_B, DH),
      ((struct op){ .kind = K_SHXD, .w = 32, .sub = 1, .dst = R_EBX, .src = R_ECX,
                    .cnt = C_IMM, .imm = 1 }),
      SET(CC_O, DL), SET(CC_S, DH));
    D("cmc after rol, clc then rcl, stc then rcr", 0x80000000, 1, 0, 0, 0, 0, 0x2,
      SH(S_ROL, 32, R_EAX, C_ONE, 0), K(K_FLAG, 0, 0, 0, 0), SET(CC_B, DL),
      K(K_FLAG, 1, 0, 0, 0), SH(S_RCL, 32, R_ECX, C_ONE, 0),
      K(K_FLAG, 2, 0, 0, 0));
    D("imul overflow then rol keeps CF/OF status", 0x10000, 0x10000, 0, 0, 0, 0, 0x2,
      K(K_IMUL2, 0, 32, R_EAX, R_ECX), SET(CC_B, DL), SET(CC_O, DH),
      SH(S_ROL, 32, R_EBX, C_IMM, 0), SET(CC_B, BL));
    D("sub, rol, pushf; pop", 1, 0x80000000, 0, 2, 0, 0, 0x2,
      A(A_SUB, 32, R_EAX, R_EBX), SH(S_ROL, 32, R_ECX, C_ONE, 0),
      K(K_PUSHF_POP, 0, 32, R_EDX, 0), SH(S_ROR, 32, R_ECX, C_IMM, 2),
      K(K_PUSHF_POP, 0, 32, R_ESI, 0));
    D("sahf then inc then lahf", 0x00d500, 0, 0, 0x7f, 0, 0, 0x2 | F_OF,
      K(K_SAHF, 0, 0, 0, 0), ID(0, 8, BL), K(K_LAHF, 0, 8, 4, 0), SET(CC_O, CL),
      SET(CC_B, CH));
    D("xor r,r then adc, sbb r,r", 0x1234, 5, 0xffffffff, 1, 0, 0, 0x2 | F_CF,
      A(A_XOR, 32, R_EAX, R_EAX), A(A_ADD, 32, R_EDX, R_EBX), A(A_SBB, 32, R_ECX, R_ECX),
      A(A_ADC, 32, R_EAX, R_EAX), SET(CC_P, BL));
    D("cmp then each jcc-style condition", 0x80000000, 0, 0, 1, 0, 0, 0x2,
      A(A_CMP, 32, R_EAX, R_EBX), SET(CC_O, CL), SET(CC_L, CH), SET(CC_LE, DL),
      SET(CC_A, DH), SET(CC_P, BL), SET(CC_S, BH));
#undef D
    *nt = n;
}

START_TEST(test_directed)
{
    struct ctx cx;
    ctx_open(&cx);
    struct directed t[32];
    int nt;
    directed_cases(t, &nt);
    ck_assert_int_le(nt, 32);
    for (int i = 0; i < nt; i++) {
        struct seq s;
        memset(&s, 0, sizeof s);
        s.init[R_EAX] = t[i].eax;
        s.init[R_ECX] = t[i].ecx;
        s.init[R_EDX] = t[i].edx;
        s.init[R_EBX] = t[i].ebx;
        s.init[R_ESI] = t[i].esi;
        s.init[R_EDI] = t[i].edi;
        s.flags = t[i].flags | 2;
        s.n = t[i].n;
        ck_assert_int_le(s.n, MAX_OPS);
        memcpy(s.ops, t[i].ops, sizeof s.ops);
        uint8_t code[MAX_CODE];
        size_t n = build_common(&s, s.n, code, NULL);
        char name[128];
        snprintf(name, sizeof name, "directed case \"%s\"", t[i].name);
        /* in one run, in single steps, and straddling a page */
        check_seq(&cx, &s, name, 0x1100, 0, 1, false);
        check_seq(&cx, &s, name, 0x1100, 1, 1, false);
        check_seq(&cx, &s, name, 0x2000 - (uint32_t)n / 2, 3, 7, false);
    }
    unsigned failures = cx.failures;
    ctx_close(&cx);
    ck_assert_msg(failures == 0,
                  "interp disagrees with the host CPU in %u directed runs (details above)",
                  failures);
}
END_TEST

/* The harness itself, against flags worked out by hand: mov eax, 1;
 * add eax, 0x7fffffff gives 0x80000000 with OF SF AF PF (low byte 0: even
 * parity; 1 + 0xf carries out of bit 3), CF ZF clear. */
START_TEST(test_harness)
{
    struct ctx cx;
    ctx_open(&cx);
    struct seq s;
    memset(&s, 0, sizeof s);
    s.init[R_EAX] = 1;
    s.init[R_ECX] = 0xdeadbeef;
    s.init[R_EDI] = 0x12345678;
    s.flags = 2 | F_CF | F_ZF;
    s.n = 1;
    s.ops[0] = AI(A_ADD, 32, R_EAX, 0x7fffffff);
    uint8_t code[MAX_CODE];
    size_t n = build_common(&s, 1, code, NULL);
    uint32_t h[8], ir[8];
    host_run(&cx.h, code, n, h);
    ck_assert_uint_eq(h[R_EAX], 0x80000000u);
    ck_assert_uint_eq(h[R_ECX], 0xdeadbeefu);
    ck_assert_uint_eq(h[R_EDI], 0x12345678u);
    ck_assert_uint_eq(h[R_FL] & ALL, F_OF | F_SF | F_AF | F_PF);
    uint64_t rs = 0;
    const char *err = interp_run(&cx.f, code, n, 0x1000, 0, &rs, ir);
    ck_assert_msg(!err, "%s", err);
    ck_assert_uint_eq(ir[R_EAX], 0x80000000u);
    ck_assert_uint_eq(ir[R_ECX], 0xdeadbeefu);
    ck_assert_uint_eq(ir[R_FL] & ALL, F_OF | F_SF | F_AF | F_PF);
    /* the initial flags read back unchanged on both sides */
    n = build_common(&s, 0, code, NULL);
    host_run(&cx.h, code, n, h);
    ck_assert_uint_eq(h[R_FL] & (ALL | 2), 2 | F_CF | F_ZF);
    ck_assert_ptr_null(interp_run(&cx.f, code, n, 0x1ffe, 1, &rs, ir));
    ck_assert_uint_eq(ir[R_FL] & (ALL | 2), 2 | F_CF | F_ZF);
    ctx_close(&cx);
}
END_TEST

static Suite *flags_host_suite(void)
{
    Suite *s = suite_create("flags_host");
    TCase *tc = tcase_create("flags_host");
    tcase_add_test(tc, test_harness);
    tcase_add_test(tc, test_directed);
    tcase_add_test(tc, test_random_sequences);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

#else /* not x86-64 */

START_TEST(test_not_x86_64)
{
    printf("flags_host: skipped: not an x86-64 host\n");
}
END_TEST

static Suite *flags_host_suite(void)
{
    Suite *s = suite_create("flags_host");
    TCase *tc = tcase_create("flags_host");
    tcase_add_test(tc, test_not_x86_64);
    suite_add_tcase(s, tc);
    return s;
}

#endif

int main(void)
{
    SRunner *sr = srunner_create(flags_host_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
