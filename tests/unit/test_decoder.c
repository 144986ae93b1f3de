/* Unit tests of the interpreter's instruction decoder (cpu/decode.c):
 * lengths, effective-address fields, register encodings, LOCK checks and a
 * fuzz run.  Expected values come from the SDM vol. 2 encoding tables
 * (2-1/2-2 ModRM, 2-3 SIB, appendix A opcode maps), not from the decoder. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/exec.h"
#include "cpu/interp.h"

#define M16 false
#define M32 true

struct len_case {
    const uint8_t *b;
    int n;          /* bytes given (the whole instruction) */
    bool code32;
    int len;        /* expected length, hand-counted */
    const char *what;
};

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, \
                   (int)sizeof((const uint8_t[]){ __VA_ARGS__ })
#define L16(len, what, ...) { BYTES(__VA_ARGS__), M16, len, what }
#define L32(len, what, ...) { BYTES(__VA_ARGS__), M32, len, what }

static const struct len_case len_cases[] = {
    /* ---- 16-bit code ---- */
    L16(1, "nop", 0x90),
    L16(1, "inc ax", 0x40),
    L16(3, "mov ax,imm16", 0xb8, 0x34, 0x12),
    L16(6, "66 mov eax,imm32", 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12),
    L16(2, "mov al,imm8", 0xb0, 0x12),
    L16(2, "add al,imm8", 0x04, 0x12),
    L16(3, "add ax,imm16", 0x05, 0x34, 0x12),
    L16(6, "66 add eax,imm32", 0x66, 0x05, 0x78, 0x56, 0x34, 0x12),
    L16(2, "add ax,ax", 0x01, 0xc0),
    L16(2, "add [bx+si],ax", 0x01, 0x00),
    L16(4, "add [disp16],ax (mod0 rm6)", 0x01, 0x06, 0x34, 0x12),
    L16(3, "add [bx+d8],ax", 0x01, 0x47, 0x05),
    L16(4, "add [bx+d16],ax", 0x01, 0x87, 0x34, 0x12),
    L16(3, "add [bp+d8],ax", 0x01, 0x46, 0x00),
    L16(4, "67 add [esp],ax (SIB)", 0x67, 0x01, 0x04, 0x24),
    L16(7, "67 add [disp32],ax", 0x67, 0x01, 0x05, 0x78, 0x56, 0x34, 0x12),
    L16(5, "67 add [esp+d8],ax", 0x67, 0x01, 0x44, 0x24, 0x08),
    L16(8, "67 add [esp+d32],ax", 0x67, 0x01, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00),
    L16(8, "67 add [d32] via SIB base 5", 0x67, 0x01, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12),
    L16(4, "add ax,imm16 (81)", 0x81, 0xc0, 0x34, 0x12),
    L16(3, "add ax,imm8 (83)", 0x83, 0xc0, 0x12),
    L16(6, "add word [d16],imm16", 0x81, 0x06, 0x34, 0x12, 0x78, 0x56),
    L16(9, "66 add dword [d16],imm32", 0x66, 0x81, 0x06, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12),
    L16(5, "cmp byte [d16],imm8", 0x80, 0x3e, 0x34, 0x12, 0x05),
    L16(5, "mov byte [d16],imm8", 0xc6, 0x06, 0x34, 0x12, 0xaa),
    L16(6, "mov word [d16],imm16", 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56),
    L16(3, "test al,imm8 (f6 /0)", 0xf6, 0xc0, 0x12),
    L16(4, "test ax,imm16 (f7 /0)", 0xf7, 0xc0, 0x34, 0x12),
    L16(2, "not ax", 0xf7, 0xd0),
    L16(4, "div word [d16]", 0xf7, 0x36, 0x34, 0x12),
    L16(4, "imul ax,ax,imm16", 0x69, 0xc0, 0x34, 0x12),
    L16(3, "imul ax,ax,imm8", 0x6b, 0xc0, 0x12),
    L16(3, "push imm16", 0x68, 0x34, 0x12),
    L16(6, "66 push imm32", 0x66, 0x68, 0x78, 0x56, 0x34, 0x12),
    L16(2, "push imm8", 0x6a, 0x12),
    L16(3, "mov al,[moffs16]", 0xa0, 0x34, 0x12),
    L16(3, "mov [moffs16],ax", 0xa3, 0x34, 0x12),
    L16(6, "67 mov al,[moffs32]", 0x67, 0xa0, 0x78, 0x56, 0x34, 0x12),
    L16(7, "66 67 mov eax,[moffs32]", 0x66, 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12),
    L16(5, "call far ptr16:16", 0x9a, 0x34, 0x12, 0x00, 0xf0),
    L16(8, "66 call far ptr16:32", 0x66, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00),
    L16(5, "jmp far ptr16:16", 0xea, 0x34, 0x12, 0x00, 0xf0),
    L16(3, "call rel16", 0xe8, 0x34, 0x12),
    L16(6, "66 call rel32", 0x66, 0xe8, 0x78, 0x56, 0x34, 0x12),
    L16(3, "jmp rel16", 0xe9, 0x34, 0x12),
    L16(2, "jmp rel8", 0xeb, 0x12),
    L16(2, "jz rel8", 0x74, 0x12),
    L16(4, "jz rel16 (0f 84)", 0x0f, 0x84, 0x34, 0x12),
    L16(7, "66 jz rel32", 0x66, 0x0f, 0x84, 0x78, 0x56, 0x34, 0x12),
    L16(2, "loop rel8", 0xe2, 0xfe),
    L16(2, "jcxz rel8", 0xe3, 0xfe),
    L16(1, "ret", 0xc3),
    L16(3, "ret imm16", 0xc2, 0x04, 0x00),
    L16(3, "retf imm16", 0xca, 0x04, 0x00),
    L16(4, "enter imm16,imm8", 0xc8, 0x10, 0x00, 0x01),
    L16(2, "int imm8", 0xcd, 0x10),
    L16(1, "int3", 0xcc),
    L16(1, "iret", 0xcf),
    L16(2, "aam imm8", 0xd4, 0x0a),
    L16(2, "aad imm8", 0xd5, 0x0a),
    L16(2, "in al,imm8", 0xe4, 0x60),
    L16(2, "out imm8,al", 0xe6, 0x80),
    L16(1, "in al,dx", 0xec),
    L16(1, "out dx,ax", 0xef),
    L16(3, "shl ax,imm8", 0xc1, 0xe0, 0x04),
    L16(2, "shl ax,1", 0xd1, 0xe0),
    L16(2, "shl ax,cl", 0xd3, 0xe0),
    L16(5, "rol byte [d16],imm8", 0xc0, 0x06, 0x34, 0x12, 0x03),
    L16(3, "movzx ax,al", 0x0f, 0xb6, 0xc0),
    L16(5, "movzx ax,byte [d16]", 0x0f, 0xb6, 0x06, 0x34, 0x12),
    L16(5, "movsx ax,word [d16]", 0x0f, 0xbf, 0x06, 0x34, 0x12),
    L16(4, "shld ax,ax,imm8", 0x0f, 0xa4, 0xc0, 0x04),
    L16(3, "shld ax,ax,cl", 0x0f, 0xa5, 0xc0),
    L16(4, "bt ax,imm8", 0x0f, 0xba, 0xe0, 0x03),
    L16(6, "bts word [d16],imm8", 0x0f, 0xba, 0x2e, 0x34, 0x12, 0x03),
    L16(3, "mov eax,cr0", 0x0f, 0x20, 0xc0),
    L16(3, "mov cr0,eax", 0x0f, 0x22, 0xc0),
    L16(2, "cpuid", 0x0f, 0xa2),
    L16(2, "rdtsc", 0x0f, 0x31),
    L16(2, "bswap eax", 0x0f, 0xc8),
    L16(2, "ud2", 0x0f, 0x0b),
    L16(5, "lgdt [d16]", 0x0f, 0x01, 0x16, 0x34, 0x12),
    L16(8, "67 lgdt [d32]", 0x67, 0x0f, 0x01, 0x15, 0x78, 0x56, 0x34, 0x12),
    L16(4, "lidt [bx+si+d8]", 0x0f, 0x01, 0x58, 0x10),
    L16(3, "setz al", 0x0f, 0x94, 0xc0),
    L16(3, "cmovz ax,cx", 0x0f, 0x44, 0xc1),
    L16(3, "imul ax,cx", 0x0f, 0xaf, 0xc1),
    L16(5, "cmpxchg [d16],cx", 0x0f, 0xb1, 0x0e, 0x34, 0x12),
    L16(5, "cmpxchg8b [d16]", 0x0f, 0xc7, 0x0e, 0x34, 0x12),
    L16(5, "xadd [d16],cx", 0x0f, 0xc1, 0x0e, 0x34, 0x12),
    L16(5, "lss sp,[d16]", 0x0f, 0xb2, 0x26, 0x34, 0x12),
    L16(2, "push fs", 0x0f, 0xa0),
    L16(3, "nop [bx+si] (0f 1f)", 0x0f, 0x1f, 0x00),
    L16(3, "cs: mov ax,[bx]", 0x2e, 0x8b, 0x07),
    L16(2, "rep movsb", 0xf3, 0xa4),
    L16(3, "66 rep movsd", 0x66, 0xf3, 0xa5),
    L16(5, "lock inc word [d16]", 0xf0, 0xff, 0x06, 0x34, 0x12),
    L16(2, "mov ax,ds", 0x8c, 0xd8),
    L16(2, "mov ds,ax", 0x8e, 0xd8),
    L16(3, "lea ax,[bp-2]", 0x8d, 0x46, 0xfe),
    L16(4, "call [d16]", 0xff, 0x16, 0x34, 0x12),
    L16(2, "jmp ax", 0xff, 0xe0),
    L16(4, "jmp far [d16]", 0xff, 0x2e, 0x34, 0x12),
    L16(4, "bound ax,[d16]", 0x62, 0x06, 0x34, 0x12),
    L16(4, "les bx,[d16]", 0xc4, 0x1e, 0x34, 0x12),
    L16(4, "pop word [d16]", 0x8f, 0x06, 0x34, 0x12),
    L16(1, "xlat", 0xd7),
    L16(1, "pushf", 0x9c),
    L16(1, "cwd", 0x99),
    L16(1, "hlt", 0xf4),

    /* ---- 32-bit code ---- */
    L32(5, "mov eax,imm32", 0xb8, 0x78, 0x56, 0x34, 0x12),
    L32(4, "66 mov ax,imm16", 0x66, 0xb8, 0x34, 0x12),
    L32(2, "mov al,imm8", 0xb0, 0x12),
    L32(5, "add eax,imm32", 0x05, 0x78, 0x56, 0x34, 0x12),
    L32(4, "66 add ax,imm16", 0x66, 0x05, 0x34, 0x12),
    L32(2, "add [eax],eax", 0x01, 0x00),
    L32(3, "add [esp],eax", 0x01, 0x04, 0x24),
    L32(6, "add [disp32],eax", 0x01, 0x05, 0x78, 0x56, 0x34, 0x12),
    L32(3, "add [ebp+d8],eax", 0x01, 0x45, 0x08),
    L32(6, "add [ebp+d32],eax", 0x01, 0x85, 0x78, 0x56, 0x34, 0x12),
    L32(4, "add [ebp+ecx*4+d8],eax", 0x01, 0x44, 0x8d, 0x08),
    L32(7, "add [ecx*4+d32],eax (SIB base 5 mod0)", 0x01, 0x04, 0x8d, 0x78, 0x56, 0x34, 0x12),
    L32(11, "add dword [ebp+ecx*4+d32],imm32",
        0x81, 0x84, 0x8d, 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde),
    L32(5, "67 add [d16],eax", 0x67, 0x01, 0x06, 0x34, 0x12),
    L32(3, "67 add [bx+si],eax", 0x67, 0x01, 0x00),
    L32(4, "67 add [bp+d8],eax", 0x67, 0x01, 0x46, 0x10),
    L32(5, "mov eax,[moffs32]", 0xa1, 0x78, 0x56, 0x34, 0x12),
    L32(4, "67 mov eax,[moffs16]", 0x67, 0xa1, 0x34, 0x12),
    L32(5, "66 67 mov ax,[moffs16]", 0x66, 0x67, 0xa1, 0x34, 0x12),
    L32(5, "call rel32", 0xe8, 0x78, 0x56, 0x34, 0x12),
    L32(4, "66 call rel16", 0x66, 0xe8, 0x34, 0x12),
    L32(6, "jz rel32", 0x0f, 0x84, 0x78, 0x56, 0x34, 0x12),
    L32(7, "call far ptr16:32", 0x9a, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00),
    L32(6, "66 jmp far ptr16:16", 0x66, 0xea, 0x34, 0x12, 0x08, 0x00),
    L32(10, "mov dword [d32],imm32",
        0xc7, 0x05, 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde),
    L32(9, "66 mov word [d32],imm16", 0x66, 0xc7, 0x05, 0x78, 0x56, 0x34, 0x12, 0x34, 0x12),
    L32(6, "imul eax,eax,imm32", 0x69, 0xc0, 0x78, 0x56, 0x34, 0x12),
    L32(5, "imul eax,[esp+4],imm8", 0x6b, 0x44, 0x24, 0x04, 0x05),
    L32(5, "shl byte [esp+4],imm8", 0xc0, 0x64, 0x24, 0x04, 0x03),
    L32(5, "push imm32", 0x68, 0x78, 0x56, 0x34, 0x12),
    L32(4, "66 push imm16", 0x66, 0x68, 0x34, 0x12),
    L32(5, "es 66 67 rep stosw", 0x26, 0x66, 0x67, 0xf3, 0xab),
    L32(5, "nop dword [eax+eax*1+0] (5-byte nop)", 0x0f, 0x1f, 0x44, 0x00, 0x00),
    L32(7, "nop dword [eax+d32]", 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00),
    L32(9, "66 nop word [eax+eax*1+d32]",
        0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
    L32(8, "bt dword [d32],imm8", 0x0f, 0xba, 0x25, 0x78, 0x56, 0x34, 0x12, 0x05),
    L32(7, "lgdt [d32]", 0x0f, 0x01, 0x15, 0x78, 0x56, 0x34, 0x12),
    L32(3, "mov cr3,eax", 0x0f, 0x22, 0xd8),
    L32(3, "movzx eax,ah", 0x0f, 0xb6, 0xc4),
    L32(4, "movsx eax,byte [ecx+d8]", 0x0f, 0xbe, 0x41, 0x01),
    L32(3, "lea eax,[eax+ebx*8]", 0x8d, 0x04, 0xd8),
    L32(2, "in eax,imm8", 0xe5, 0x71),
    /* exactly 15 bytes: 4 prefixes + 11 */
    L32(15, "4 prefixes + 11-byte add",
        0x3e, 0x3e, 0x3e, 0x3e,
        0x81, 0x84, 0x8d, 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde),
    /* 14 prefixes + nop */
    L16(15, "14 prefixes + nop",
        0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
        0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90),
};

static int decode_padded(const uint8_t *b, int n, int pad, uint8_t fill,
                         bool code32, struct insn *i)
{
    uint8_t buf[64];
    memset(buf, fill, sizeof buf);
    memcpy(buf, b, (size_t)n);
    return decode_insn(buf, n + pad, code32, i);
}

START_TEST(test_lengths)
{
    for (size_t k = 0; k < sizeof len_cases / sizeof len_cases[0]; k++) {
        const struct len_case *t = &len_cases[k];
        struct insn i;
        ck_assert_msg(t->n == t->len, "table: '%s' has %d bytes, len %d",
                      t->what, t->n, t->len);
        /* exact bytes, then with trailing bytes that must not be eaten
         * (0xff and 0x00 as fill: both would change a ModRM/imm) */
        int got = decode_insn(t->b, t->n, t->code32, &i);
        ck_assert_msg(got == t->len, "%s (%s): length %d, want %d", t->what,
                      t->code32 ? "32" : "16", got, t->len);
        ck_assert_int_eq(i.len, t->len);
        ck_assert_ptr_nonnull(i.fn);
        got = decode_padded(t->b, t->n, 16, 0xff, t->code32, &i);
        ck_assert_msg(got == t->len, "%s padded ff: %d", t->what, got);
        got = decode_padded(t->b, t->n, 16, 0x00, t->code32, &i);
        ck_assert_msg(got == t->len, "%s padded 00: %d", t->what, got);
        ck_assert_msg(i.fn != exec_invalid, "%s decoded as invalid", t->what);
    }
}
END_TEST

START_TEST(test_truncated)
{
    /* every proper prefix of an instruction is "ran out": 0 */
    for (size_t k = 0; k < sizeof len_cases / sizeof len_cases[0]; k++) {
        const struct len_case *t = &len_cases[k];
        for (int max = 0; max < t->n; max++) {
            struct insn i;
            int got = decode_insn(t->b, max, t->code32, &i);
            ck_assert_msg(got == 0, "%s cut to %d bytes: returned %d", t->what,
                          max, got);
        }
    }
}
END_TEST

START_TEST(test_too_long)
{
    uint8_t b[32];
    struct insn i, ref;

    /* 15 prefixes then NOP = 16 bytes: #GP, length 15 (SDM vol. 2 2.3.11) */
    memset(b, 0x26, sizeof b);
    b[15] = 0x90;
    ck_assert_int_eq(decode_insn(b, 16, M16, &i), 15);
    ck_assert_int_eq(i.len, 15);
    ck_assert_ptr_nonnull(i.fn);
    ck_assert(i.fn != exec_nop && i.fn != exec_invalid);
    ck_assert(insn_ends_block(&i));
    ref = i;

    /* 20 prefixes, plenty of bytes given */
    b[15] = 0x26;
    b[20] = 0x90;
    ck_assert_int_eq(decode_insn(b, 21, M32, &i), 15);
    ck_assert(i.fn == ref.fn);
    /* all prefixes and nothing else in 32 bytes */
    ck_assert_int_eq(decode_insn(b, 32, M32, &i), 15);
    ck_assert(i.fn == ref.fn);

    /* 5 prefixes + 11-byte add = 16: too long although each part is fine */
    static const uint8_t add[11] = { 0x81, 0x84, 0x8d, 0x78, 0x56, 0x34, 0x12,
                                     0xef, 0xbe, 0xad, 0xde };
    memset(b, 0x3e, 5);
    memcpy(b + 5, add, sizeof add);
    ck_assert_int_eq(decode_insn(b, 16, M32, &i), 15);
    ck_assert(i.fn == ref.fn);
    ck_assert_int_eq(decode_insn(b, 15, M32, &i), 15);   /* runs out at 15 */
    ck_assert(i.fn == ref.fn);
    /* with only 14 bytes there is no telling yet: ran out */
    ck_assert_int_eq(decode_insn(b, 14, M32, &i), 0);

    /* mixed prefixes, 16 of them before an opcode */
    static const uint8_t mix[8] = { 0x66, 0x67, 0xf3, 0x2e, 0x64, 0xf2, 0x36, 0x65 };
    for (int k = 0; k < 16; k++)
        b[k] = mix[k % 8];
    b[16] = 0xa5;
    ck_assert_int_eq(decode_insn(b, 17, M16, &i), 15);
    ck_assert(i.fn == ref.fn);
}
END_TEST

/* ---- effective addresses ---- */

/* Effective address computed by the decoded fields against known register
 * values, masked to the address size (what insn_ea does, rewritten here). */
static const uint32_t ea_regs[8] = {
    0x10000001, 0x20000010, 0x30000100, 0x40001000,   /* eax ecx edx ebx */
    0x50010000, 0x60100000, 0x71000000, 0x80000003,   /* esp ebp esi edi */
};

static uint32_t ea_of(const struct insn *i)
{
    uint32_t ea = i->disp;
    if (i->base != NO_REG) {
        ck_assert_uint_lt(i->base, 8);
        ea += ea_regs[i->base];
    }
    if (i->index != NO_REG) {
        ck_assert_uint_lt(i->index, 8);
        ea += ea_regs[i->index] << i->scale;
    }
    return i->asize == 2 ? ea & 0xffff : ea;
}

struct ea_case {
    const uint8_t *b;
    int n;
    bool code32;
    uint32_t ea;       /* expected effective address with ea_regs */
    uint8_t seg;       /* expected segment */
    uint8_t asize;
    const char *what;
};

#define E16(ea, seg, what, ...) { BYTES(__VA_ARGS__), M16, ea, seg, 2, what }
#define E32(ea, seg, what, ...) { BYTES(__VA_ARGS__), M32, ea, seg, 4, what }
#define E16A32(ea, seg, what, ...) { BYTES(__VA_ARGS__), M16, ea, seg, 4, what }
#define E32A16(ea, seg, what, ...) { BYTES(__VA_ARGS__), M32, ea, seg, 2, what }

/* 16-bit parts: bx=1000 bp=0000 si=0000 di=0003 (low words of ea_regs) */
static const struct ea_case ea_cases[] = {
    /* mov ax, r/m16 (8b /r), SDM table 2-1 */
    E16(0x1000, S_DS, "[bx+si]", 0x8b, 0x00),
    E16(0x1003, S_DS, "[bx+di]", 0x8b, 0x01),
    E16(0x0000, S_SS, "[bp+si]", 0x8b, 0x02),
    E16(0x0003, S_SS, "[bp+di]", 0x8b, 0x03),
    E16(0x0000, S_DS, "[si]", 0x8b, 0x04),
    E16(0x0003, S_DS, "[di]", 0x8b, 0x05),
    E16(0x1234, S_DS, "[disp16]", 0x8b, 0x06, 0x34, 0x12),
    E16(0x1000, S_DS, "[bx]", 0x8b, 0x07),
    E16(0x1005, S_DS, "[bx+si+5]", 0x8b, 0x40, 0x05),
    E16(0xfffe, S_SS, "[bp-2]", 0x8b, 0x46, 0xfe),
    E16(0x0000, S_SS, "[bp+0]", 0x8b, 0x46, 0x00),
    E16(0x0ff0, S_DS, "[bx-16]", 0x8b, 0x47, 0xf0),
    E16(0x2003, S_DS, "[di+0x2000]", 0x8b, 0x85, 0x00, 0x20),
    E16(0x1002, S_SS, "[bp+si+0x1002]", 0x8b, 0x82, 0x02, 0x10),
    E16(0x0ffe, S_DS, "[bx+di+0xfffb] wraps", 0x8b, 0x81, 0xfb, 0xff),
    /* segment overrides */
    E16(0x0000, S_DS, "ds: [bp+0]", 0x3e, 0x8b, 0x46, 0x00),
    E16(0x0000, S_ES, "es: [bp+si]", 0x26, 0x8b, 0x02),
    E16(0x1000, S_CS, "cs: [bx]", 0x2e, 0x8b, 0x07),
    E16(0x1000, S_SS, "ss: [bx]", 0x36, 0x8b, 0x07),
    E16(0x1000, S_FS, "fs: [bx]", 0x64, 0x8b, 0x07),
    E16(0x1000, S_GS, "gs: [bx]", 0x65, 0x8b, 0x07),
    E16(0x1000, S_GS, "last override wins", 0x26, 0x65, 0x8b, 0x07),
    /* 67 in 16-bit code: 32-bit forms */
    E16A32(0x50010000, S_SS, "67 [esp]", 0x67, 0x8b, 0x04, 0x24),
    E16A32(0x40001000 + 0x71000000 * 2u, S_DS, "67 [ebx+esi*2]", 0x67, 0x8b, 0x04, 0x73),
    E16A32(0x12345678, S_DS, "67 [disp32]", 0x67, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
    E16A32(0x60100008, S_SS, "67 [ebp+8]", 0x67, 0x8b, 0x45, 0x08),

    /* 32-bit, SDM table 2-2 and 2-3 */
    E32(0x10000001, S_DS, "[eax]", 0x8b, 0x00),
    E32(0x40001000, S_DS, "[ebx]", 0x8b, 0x03),
    E32(0x50010000, S_SS, "[esp] (SIB 24)", 0x8b, 0x04, 0x24),
    E32(0x12345678, S_DS, "[disp32]", 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
    E32(0x71000000, S_DS, "[esi]", 0x8b, 0x06),
    E32(0x80000003, S_DS, "[edi]", 0x8b, 0x07),
    E32(0x60100008, S_SS, "[ebp+8]", 0x8b, 0x45, 0x08),
    E32(0x60100000 - 8, S_SS, "[ebp-8]", 0x8b, 0x45, 0xf8),
    E32(0x40001000 - 128, S_DS, "[ebx-128]", 0x8b, 0x43, 0x80),
    E32(0x60100000 + 0x12345678, S_SS, "[ebp+d32]", 0x8b, 0x85, 0x78, 0x56, 0x34, 0x12),
    E32(0x50010008, S_SS, "[esp+8]", 0x8b, 0x44, 0x24, 0x08),
    E32(0x60100000 + 0x20000010 * 4u + 8, S_SS, "[ebp+ecx*4+8]", 0x8b, 0x44, 0x8d, 0x08),
    E32(0x20000010 * 4u + 0x12345678, S_DS, "[ecx*4+d32] (SIB base 5, mod 0)",
        0x8b, 0x04, 0x8d, 0x78, 0x56, 0x34, 0x12),
    E32(0x50010000u + 0x60100000u, S_SS, "[esp+ebp] base esp", 0x8b, 0x04, 0x2c),
    E32(0x20000010u + 0x60100000u, S_DS, "[ecx+ebp] index ebp: DS", 0x8b, 0x04, 0x29),
    E32(0x12345678, S_DS, "[d32] via SIB no index (65)",
        0x8b, 0x04, 0x65, 0x78, 0x56, 0x34, 0x12),
    E32(0x60100000 * 8u + 0x12345678, S_DS, "[ebp*8+d32]: DS",
        0x8b, 0x04, 0xed, 0x78, 0x56, 0x34, 0x12),
    E32(0x71000000 + 0x40001000 * 8u + 0x100, S_DS, "[esi+ebx*8+0x100]",
        0x8b, 0x84, 0xde, 0x00, 0x01, 0x00, 0x00),
    E32(0x40001000, S_SS, "ss: [ebx]", 0x36, 0x8b, 0x03),
    E32(0x50010000, S_CS, "cs: [esp]", 0x2e, 0x8b, 0x04, 0x24),
    E32(0x60100010, S_DS, "ds: [ebp+16]", 0x3e, 0x8b, 0x45, 0x10),
    /* 67 in 32-bit code: 16-bit forms */
    E32A16(0x0003, S_SS, "67 [bp+di]", 0x67, 0x8b, 0x03),
    E32A16(0x1234, S_DS, "67 [disp16]", 0x67, 0x8b, 0x06, 0x34, 0x12),
};

START_TEST(test_effective_address)
{
    for (size_t k = 0; k < sizeof ea_cases / sizeof ea_cases[0]; k++) {
        const struct ea_case *t = &ea_cases[k];
        struct insn i;
        int got = decode_insn(t->b, t->n, t->code32, &i);
        ck_assert_msg(got == t->n, "%s: length %d, want %d", t->what, got, t->n);
        ck_assert_msg(i.mod != 3, "%s: not a memory operand", t->what);
        ck_assert_msg(i.asize == t->asize, "%s: asize %d", t->what, i.asize);
        ck_assert_msg(ea_of(&i) == t->ea, "%s: ea %#x, want %#x", t->what,
                      ea_of(&i), t->ea);
        ck_assert_msg(i.seg == t->seg, "%s: segment %d, want %d", t->what,
                      i.seg, t->seg);
        ck_assert_msg(i.reg == R_EAX, "%s: reg %d", t->what, i.reg);
    }
}
END_TEST

START_TEST(test_ea_fields)
{
    struct insn i;

    /* [ebp+ecx*4+8]: ModRM 44 (mod 1, rm 100), SIB 8d (ss 10, idx 001, base 101) */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x54, 0x8d, 0x08), M32, &i), 4);
    ck_assert_uint_eq(i.base, R_EBP);
    ck_assert_uint_eq(i.index, R_ECX);
    ck_assert_uint_eq(i.scale, 2);
    ck_assert_uint_eq(i.disp, 8);
    ck_assert_uint_eq(i.reg, R_EDX);
    ck_assert_uint_eq(i.seg, S_SS);
    ck_assert_uint_eq(i.mod, 1);

    /* [ecx*4+d32]: SIB base 101 with mod 0 means no base */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x1c, 0x8d, 0x78, 0x56, 0x34, 0x12),
                                 M32, &i), 7);
    ck_assert_uint_eq(i.base, NO_REG);
    ck_assert_uint_eq(i.index, R_ECX);
    ck_assert_uint_eq(i.scale, 2);
    ck_assert_uint_eq(i.disp, 0x12345678);
    ck_assert_uint_eq(i.reg, R_EBX);
    ck_assert_uint_eq(i.seg, S_DS);

    /* SIB index 100: no index, even with a scale */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x04, 0xe0), M32, &i), 3);
    ck_assert_uint_eq(i.base, R_EAX);
    ck_assert_uint_eq(i.index, NO_REG);

    /* [esp]: base esp, SS */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x3c, 0x24), M32, &i), 3);
    ck_assert_uint_eq(i.base, R_ESP);
    ck_assert_uint_eq(i.index, NO_REG);
    ck_assert_uint_eq(i.reg, R_EDI);
    ck_assert_uint_eq(i.seg, S_SS);

    /* [disp32] (mod 0 rm 101): no base, no index */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x0d, 0xef, 0xbe, 0xad, 0xde), M32, &i), 6);
    ck_assert_uint_eq(i.base, NO_REG);
    ck_assert_uint_eq(i.index, NO_REG);
    ck_assert_uint_eq(i.disp, 0xdeadbeef);
    ck_assert_uint_eq(i.reg, R_ECX);

    /* [bp+di-2] in 16-bit code */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0x73, 0xfe), M16, &i), 3);
    ck_assert_uint_eq(i.reg, R_ESI);
    ck_assert_uint_eq(i.seg, S_SS);
    ck_assert_uint_eq((uint16_t)i.disp, 0xfffe);
    ck_assert((i.base == R_EBP && i.index == R_EDI) ||
              (i.base == R_EDI && i.index == R_EBP));
    ck_assert_uint_eq(i.scale, 0);

    /* register operand: mod 3 */
    ck_assert_int_eq(decode_insn(BYTES(0x8b, 0xca), M32, &i), 2);   /* mov ecx, edx */
    ck_assert_uint_eq(i.mod, 3);
}
END_TEST

/* ---- sizes, immediates, fields ---- */

START_TEST(test_sizes)
{
    struct insn i;

    ck_assert_int_eq(decode_insn(BYTES(0x90), M16, &i), 1);
    ck_assert_uint_eq(i.osize, 2);
    ck_assert_uint_eq(i.asize, 2);
    ck_assert_int_eq(decode_insn(BYTES(0x90), M32, &i), 1);
    ck_assert_uint_eq(i.osize, 4);
    ck_assert_uint_eq(i.asize, 4);

    /* 66 and 67 select the other size; a repeated prefix does not toggle back */
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0x01, 0xc0), M16, &i), 3);
    ck_assert_uint_eq(i.osize, 4);
    ck_assert_uint_eq(i.asize, 2);
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0x66, 0x01, 0xc0), M16, &i), 4);
    ck_assert_uint_eq(i.osize, 4);
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0x01, 0xc0), M32, &i), 3);
    ck_assert_uint_eq(i.osize, 2);
    ck_assert_int_eq(decode_insn(BYTES(0x67, 0x01, 0x00), M16, &i), 3);
    ck_assert_uint_eq(i.asize, 4);
    ck_assert_uint_eq(i.osize, 2);
    ck_assert_int_eq(decode_insn(BYTES(0x67, 0x67, 0x01, 0x00), M32, &i), 4);
    ck_assert_uint_eq(i.asize, 2);
    /* byte forms are byte-sized whatever 66 says */
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0x00, 0xc0), M16, &i), 3);
    ck_assert_uint_eq(i.osize, 1);
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0xa4), M32, &i), 2);
    ck_assert_uint_eq(i.osize, 1);
    ck_assert_int_eq(decode_insn(BYTES(0xa5), M32, &i), 1);
    ck_assert_uint_eq(i.osize, 4);

    /* immediates and opcode numbers */
    ck_assert_int_eq(decode_insn(BYTES(0xb8, 0x34, 0x12), M16, &i), 3);
    ck_assert_uint_eq(i.imm, 0x1234);
    ck_assert_uint_eq(i.op, 0xb8);
    ck_assert_int_eq(decode_insn(BYTES(0x66, 0xb8, 0x78, 0x56, 0x34, 0x12), M16, &i), 6);
    ck_assert_uint_eq(i.imm, 0x12345678);
    ck_assert_uint_eq(i.osize, 4);
    ck_assert_int_eq(decode_insn(BYTES(0x83, 0xc0, 0x80), M32, &i), 3);
    ck_assert_uint_eq(i.imm, 0xffffff80);           /* sign-extended imm8 */
    ck_assert_int_eq(decode_insn(BYTES(0x83, 0xc0, 0xff), M16, &i), 3);
    ck_assert_uint_eq((uint16_t)i.imm, 0xffff);
    ck_assert_int_eq(decode_insn(BYTES(0x80, 0xc0, 0xff), M16, &i), 3);
    ck_assert_uint_eq((uint8_t)i.imm, 0xff);
    ck_assert_uint_eq(i.osize, 1);
    ck_assert_int_eq(decode_insn(BYTES(0x6a, 0xfe), M32, &i), 2);
    ck_assert_uint_eq(i.imm, 0xfffffffe);
    ck_assert_int_eq(decode_insn(BYTES(0xe8, 0xfb, 0xff, 0xff, 0xff), M32, &i), 5);
    ck_assert_uint_eq(i.imm, 0xfffffffb);
    ck_assert(insn_ends_block(&i));
    ck_assert_int_eq(decode_insn(BYTES(0xe8, 0xfe, 0xff), M16, &i), 3);
    ck_assert_int_eq((int16_t)i.imm, -2);
    ck_assert_int_eq(decode_insn(BYTES(0xeb, 0x80), M16, &i), 2);
    ck_assert_int_eq((int8_t)i.imm, -128);
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0x84, 0x00, 0x80), M16, &i), 4);
    ck_assert_uint_eq(i.op, 0x184);
    ck_assert_int_eq((int16_t)i.imm, -32768);
    ck_assert(!insn_ends_block(&i));   /* Jcc: a side exit, see jump_near */
    ck_assert_int_eq(decode_insn(BYTES(0x9a, 0x34, 0x12, 0x00, 0xf0), M16, &i), 5);
    ck_assert_uint_eq(i.imm, 0x1234);
    ck_assert_uint_eq(i.imm2, 0xf000);
    ck_assert_int_eq(decode_insn(BYTES(0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00), M32, &i), 7);
    ck_assert_uint_eq(i.imm, 0x12345678);
    ck_assert_uint_eq(i.imm2, 0x0008);
    ck_assert_int_eq(decode_insn(BYTES(0xc8, 0x10, 0x20, 0x03), M16, &i), 4);
    ck_assert_uint_eq(i.imm, 0x2010);
    ck_assert_uint_eq(i.imm2, 3);
    ck_assert_int_eq(decode_insn(BYTES(0xcd, 0x21), M16, &i), 2);
    ck_assert_uint_eq(i.imm, 0x21);

    /* moffs: the offset is the displacement, DS unless overridden */
    ck_assert_int_eq(decode_insn(BYTES(0xa1, 0x34, 0x12), M16, &i), 3);
    ck_assert_uint_eq(i.disp, 0x1234);
    ck_assert_uint_eq(i.seg, S_DS);
    ck_assert_uint_eq(i.osize, 2);
    ck_assert_int_eq(decode_insn(BYTES(0x26, 0xa1, 0x34, 0x12), M16, &i), 4);
    ck_assert_uint_eq(i.seg, S_ES);
    ck_assert_int_eq(decode_insn(BYTES(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12), M16, &i), 6);
    ck_assert_uint_eq(i.disp, 0x12345678);
    ck_assert_uint_eq(i.asize, 4);
    ck_assert_int_eq(decode_insn(BYTES(0x67, 0xa2, 0x34, 0x12), M32, &i), 4);
    ck_assert_uint_eq(i.disp, 0x1234);
    ck_assert_uint_eq(i.osize, 1);

    /* rep prefixes recorded */
    ck_assert_int_eq(decode_insn(BYTES(0xf3, 0xa4), M16, &i), 2);
    ck_assert_uint_eq(i.rep, 0xf3);
    ck_assert_int_eq(decode_insn(BYTES(0xf2, 0xae), M16, &i), 2);
    ck_assert_uint_eq(i.rep, 0xf2);
    ck_assert_int_eq(decode_insn(BYTES(0x90), M16, &i), 1);
    ck_assert_uint_eq(i.rep, 0);
    ck_assert(!insn_ends_block(&i));
}
END_TEST

START_TEST(test_reg8)
{
    struct insn i;

    /* 8-bit registers: AL CL DL BL AH CH DH BH = 0..7; the decoder gives
     * their byte offsets in the little-endian gpr array. */
    static const uint8_t off[8] = { 0, 8, 16, 24, 1, 9, 17, 25 };
    for (int r = 0; r < 8; r++) {
        /* mov r8, imm8 (b0+r) */
        uint8_t b[2] = { (uint8_t)(0xb0 + r), 0x5a };
        ck_assert_int_eq(decode_insn(b, 2, M16, &i), 2);
        ck_assert_uint_eq(i.mod, 3);
        ck_assert_msg(i.rm == off[r], "b0+%d: rm %d", r, i.rm);
        ck_assert_uint_eq(i.osize, 1);
        ck_assert_uint_eq(i.imm, 0x5a);
    }

    /* mov al, ah (88 /r: r/m8 <- r8): ModRM e0 = mod 3, reg 4 (AH), rm 0 (AL) */
    ck_assert_int_eq(decode_insn(BYTES(0x88, 0xe0), M16, &i), 2);
    ck_assert_uint_eq(i.rm, 0);   /* destination AL */
    ck_assert_uint_eq(i.reg, 1);  /* source AH */
    /* mov al, ah (8a /r: r8 <- r/m8): ModRM c4 = reg 0 (AL), rm 4 (AH);
     * forms are normalised to dst = rm, src = reg */
    ck_assert_int_eq(decode_insn(BYTES(0x8a, 0xc4), M16, &i), 2);
    ck_assert_uint_eq(i.rm, 0);
    ck_assert_uint_eq(i.reg, 1);
    /* xchg bl, ah: 86 e3 (reg 4 AH, rm 3 BL) */
    ck_assert_int_eq(decode_insn(BYTES(0x86, 0xe3), M32, &i), 2);
    ck_assert_uint_eq(i.rm, 24);
    ck_assert_uint_eq(i.reg, 1);
    /* movzx di, ah: 0f b6 fc (reg 7 = DI, full register; rm 4 = AH) */
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0xb6, 0xfc), M16, &i), 3);
    ck_assert_uint_eq(i.rm, 1);
    ck_assert_uint_eq(i.reg, R_EDI);
    ck_assert_uint_eq(i.osize, 2);
    /* movsx ebp, bh: 0f be ef (reg 5 = EBP, rm 7 = BH) */
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0xbe, 0xef), M32, &i), 3);
    ck_assert_uint_eq(i.rm, 25);
    ck_assert_uint_eq(i.reg, R_EBP);
    ck_assert_uint_eq(i.osize, 4);
    /* setz bh: 0f 94 c7 */
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0x94, 0xc7), M32, &i), 3);
    ck_assert_uint_eq(i.rm, 25);
    /* add ch, dh: 00 f5 (reg 6 DH, rm 5 CH) */
    ck_assert_int_eq(decode_insn(BYTES(0x00, 0xf5), M16, &i), 2);
    ck_assert_uint_eq(i.rm, 9);
    ck_assert_uint_eq(i.reg, 17);
    /* 16-bit registers are plain numbers: mov bp, si = 89 f5 */
    ck_assert_int_eq(decode_insn(BYTES(0x89, 0xf5), M16, &i), 2);
    ck_assert_uint_eq(i.rm, R_EBP);
    ck_assert_uint_eq(i.reg, R_ESI);
    /* mov sp, imm: bc */
    ck_assert_int_eq(decode_insn(BYTES(0xbc, 0x00, 0x80), M16, &i), 3);
    ck_assert_uint_eq(i.rm, R_ESP);
}
END_TEST

/* ---- LOCK and invalid encodings ---- */

struct lock_case {
    const uint8_t *b;
    int n;
    bool ud;
    const char *what;
};

#define LK(ud, what, ...) { BYTES(__VA_ARGS__), ud, what }

/* SDM vol. 2 LOCK: only ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B DEC INC NEG
 * NOT OR SBB SUB XOR XADD XCHG with a memory destination; else #UD. */
static const struct lock_case lock_cases[] = {
    LK(false, "lock add [d16],ax", 0xf0, 0x01, 0x06, 0x34, 0x12),
    LK(false, "lock or byte [d16],imm8", 0xf0, 0x80, 0x0e, 0x34, 0x12, 0x01),
    LK(false, "lock xor byte [d16],imm8", 0xf0, 0x80, 0x36, 0x34, 0x12, 0x01),
    LK(false, "lock sbb [d16],imm8 (83)", 0xf0, 0x83, 0x1e, 0x34, 0x12, 0x01),
    LK(false, "lock inc word [d16]", 0xf0, 0xff, 0x06, 0x34, 0x12),
    LK(false, "lock dec byte [d16]", 0xf0, 0xfe, 0x0e, 0x34, 0x12),
    LK(false, "lock not word [d16]", 0xf0, 0xf7, 0x16, 0x34, 0x12),
    LK(false, "lock neg word [d16]", 0xf0, 0xf7, 0x1e, 0x34, 0x12),
    LK(false, "lock xchg [d16],ax", 0xf0, 0x87, 0x06, 0x34, 0x12),
    LK(false, "lock cmpxchg [d16],cx", 0xf0, 0x0f, 0xb1, 0x0e, 0x34, 0x12),
    LK(false, "lock cmpxchg8b [d16]", 0xf0, 0x0f, 0xc7, 0x0e, 0x34, 0x12),
    LK(false, "lock xadd [d16],cx", 0xf0, 0x0f, 0xc1, 0x0e, 0x34, 0x12),
    LK(false, "lock btc [d16],ax", 0xf0, 0x0f, 0xbb, 0x06, 0x34, 0x12),
    LK(false, "lock bts [d16],imm8", 0xf0, 0x0f, 0xba, 0x2e, 0x34, 0x12, 0x03),
    LK(true, "lock nop", 0xf0, 0x90),
    LK(true, "lock add ax,ax (register dst)", 0xf0, 0x01, 0xc0),
    LK(true, "lock add ax,[d16] (register dst)", 0xf0, 0x03, 0x06, 0x34, 0x12),
    LK(true, "lock inc ax (40)", 0xf0, 0x40),
    LK(true, "lock inc ax (ff /0 mod 3)", 0xf0, 0xff, 0xc0),
    LK(true, "lock xchg ax,cx (87 mod 3)", 0xf0, 0x87, 0xc8),
    LK(true, "lock mov [d16],ax", 0xf0, 0x89, 0x06, 0x34, 0x12),
    LK(true, "lock cmp [d16],ax", 0xf0, 0x39, 0x06, 0x34, 0x12),
    LK(true, "lock cmp byte [d16],imm8", 0xf0, 0x80, 0x3e, 0x34, 0x12, 0x01),
    LK(true, "lock test [d16],ax", 0xf0, 0x85, 0x06, 0x34, 0x12),
    LK(true, "lock bt [d16],ax", 0xf0, 0x0f, 0xa3, 0x06, 0x34, 0x12),
    LK(true, "lock bt [d16],imm8", 0xf0, 0x0f, 0xba, 0x26, 0x34, 0x12, 0x03),
    LK(true, "lock mul word [d16]", 0xf0, 0xf7, 0x26, 0x34, 0x12),
    LK(true, "lock push word [d16]", 0xf0, 0xff, 0x36, 0x34, 0x12),
};

START_TEST(test_lock)
{
    struct insn i, ref;

    ck_assert_int_eq(decode_insn(BYTES(0xf0, 0x90), M16, &ref), 2);
    ck_assert(ref.fn != exec_nop);
    ck_assert(insn_ends_block(&ref));
    for (size_t k = 0; k < sizeof lock_cases / sizeof lock_cases[0]; k++) {
        const struct lock_case *t = &lock_cases[k];
        struct insn plain;
        ck_assert_msg(decode_insn(t->b, t->n, M16, &i) == t->n, "%s: length",
                      t->what);
        /* the same instruction without LOCK */
        ck_assert_int_eq(decode_insn(t->b + 1, t->n - 1, M16, &plain), t->n - 1);
        ck_assert_msg(plain.fn != ref.fn, "%s: #UD without lock", t->what);
        if (t->ud) {
            ck_assert_msg(i.fn == ref.fn, "%s: want the #UD handler", t->what);
            ck_assert(insn_ends_block(&i));
        } else {
            ck_assert_msg(i.fn == plain.fn, "%s: want the plain handler",
                          t->what);
        }
    }
    /* handlers for the locked forms are the memory forms */
    ck_assert_int_eq(decode_insn(BYTES(0xf0, 0x01, 0x06, 0x34, 0x12), M16, &i), 5);
    ck_assert(i.fn == alu_handlers[ALU_ADD][F_MR][1]);
    ck_assert_uint_eq(i.lock, 1);
}
END_TEST

START_TEST(test_invalid)
{
    struct insn i;

    /* undefined / reserved encodings decode to the #UD handler */
    ck_assert_int_eq(decode_insn(BYTES(0xff, 0xff), M16, &i), 2);   /* ff /7 */
    ck_assert(i.fn == exec_invalid);
    ck_assert_int_eq(decode_insn(BYTES(0xfe, 0xd0), M16, &i), 2);   /* fe /2 */
    ck_assert(i.fn == exec_invalid);
    ck_assert_int_eq(decode_insn(BYTES(0x8e, 0xc8), M16, &i), 2);   /* mov cs,ax */
    ck_assert(i.fn == exec_invalid);
    ck_assert_int_eq(decode_insn(BYTES(0x8e, 0xf0), M16, &i), 2);   /* sreg 6 */
    ck_assert(i.fn == exec_invalid);
    ck_assert_int_eq(decode_insn(BYTES(0x8c, 0xf8), M16, &i), 2);   /* sreg 7 */
    ck_assert(i.fn == exec_invalid);
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0xba, 0xc0, 0x01), M32, &i) > 0, 1);
    ck_assert(i.fn == exec_invalid);                                /* 0f ba /0 */
    ck_assert_int_eq(decode_insn(BYTES(0x8f, 0xc8), M32, &i), 2);   /* 8f /1 */
    ck_assert(i.fn == exec_invalid);
    /* BSWAP is 0f c8..cf only; 0f d0..ff are MMX/SSE (not advertised) and UD0 */
    for (int op = 0xd0; op <= 0xff; op++) {
        uint8_t b[8] = { 0x0f, (uint8_t)op, 0xc0, 0, 0, 0, 0, 0 };
        ck_assert_int_gt(decode_insn(b, sizeof b, M32, &i), 0);
        ck_assert_msg(i.fn != exec_bswap, "0f %02x decoded as bswap", op);
    }
    for (int op = 0xc8; op <= 0xcf; op++) {
        uint8_t b[2] = { 0x0f, (uint8_t)op };
        ck_assert_int_eq(decode_insn(b, 2, M32, &i), 2);
        ck_assert(i.fn == exec_bswap);
        ck_assert_uint_eq(i.rm, (unsigned)(op & 7));
    }
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0xff), M16, &i) > 0, 1);   /* UD0 */
    ck_assert(i.fn == exec_invalid);
    ck_assert(insn_ends_block(&i));
    /* ud2 is its own instruction, also raising #UD */
    ck_assert_int_eq(decode_insn(BYTES(0x0f, 0x0b), M16, &i), 2);
    ck_assert(i.fn == exec_ud2);
    ck_assert(insn_ends_block(&i));
}
END_TEST

/* ---- fuzz ---- */

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

START_TEST(test_fuzz)
{
    /* Random bytes, biased towards prefixes and 0f so that long and two-byte
     * forms are common; decoding must never crash or over-read. */
    static const uint8_t hot[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e,
                                   0x36, 0x3e, 0x64, 0x65, 0x0f };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int n = 0; n < 200000; n++) {
        uint8_t buf[24];
        for (size_t k = 0; k < sizeof buf; k++) {
            uint64_t r = xorshift64(&seed);
            buf[k] = (r & 0x300) == 0 ? hot[(r >> 16) % sizeof hot] : (uint8_t)r;
        }
        int max = (int)(xorshift64(&seed) % (sizeof buf + 1));
        bool code32 = n & 1;
        struct insn i;
        /* decode from a heap copy of exactly `max` bytes so that ASan sees
         * any read past what the decoder was given */
        uint8_t *p = malloc(max ? (size_t)max : 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, buf, (size_t)max);
        int len = decode_insn(p, max, code32, &i);
        /* plain checks: a ck_assert per case would cost a syscall each */
        const char *bad = NULL;
        if (len < 0 || len > 15)
            bad = "length out of 0..15";
        else if (len > 0) {
            struct insn again;
            if (len > max)
                bad = "length beyond the bytes given";
            else if (i.len != len || !i.fn)
                bad = "len field or handler";
            else if (!(i.osize == 1 || i.osize == 2 || i.osize == 4) ||
                     !(i.asize == 2 || i.asize == 4) || i.seg > S_GS)
                bad = "operand/address size or segment";
            else if (i.mod != 3 && ((i.base != NO_REG && i.base >= 8) ||
                                    (i.index != NO_REG && i.index >= 8) ||
                                    i.scale > 3))
                bad = "address fields";
            /* the same bytes cut to exactly its length decode the same */
            else if (decode_insn(p, len, code32, &again) != len ||
                     again.fn != i.fn)
                bad = "not the same when cut to its length";
        }
        if (bad) {
            char hex[3 * sizeof buf + 1] = "";
            for (int k = 0; k < max; k++)
                snprintf(hex + 3 * k, 4, "%02x ", p[k]);
            ck_abort_msg("fuzz case %d (%s-bit, max %d): %s: %s(len %d)", n,
                         code32 ? "32" : "16", max, bad, hex, len);
        }
        free(p);
    }
}
END_TEST

static Suite *decoder_suite(void)
{
    Suite *s = suite_create("decoder");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_effective_address);
    tcase_add_test(tc, test_ea_fields);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_reg8);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_invalid);
    tcase_add_test(tc, test_fuzz);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decoder_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
