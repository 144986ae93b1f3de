/* MMX, SSE and SSE2: what the cpu/simd*.c files share (private to them).
 *
 * Register conventions, agreed with the x87 FPU through struct x86_fpu:
 *  - st[k] holds ST(k) (FXSAVE order, relative to TOP = FSW bits 11-13);
 *    MMX register MMn is physical register Rn, i.e. st[(n - TOP) & 7], its
 *    low 64 bits.  An MMX instruction sets TOP = 0 (rotating st[] so that
 *    st[n] is MMn), marks every register valid (abridged ftw = 0xff) and
 *    writes 0xFFFF into bits 64-79 of the register it writes.  EMMS empties
 *    the tag word (ftw = 0).
 *  - xmm[n] is XMMn, little-endian lanes; mxcsr is MXCSR.
 *  - fip/fdp hold the 32-bit FXSAVE fields as stored at bytes 8-15 and
 *    16-23: offset in bits 0-31, selector in bits 32-47. */
#ifndef CPU_SIMD_H
#define CPU_SIMD_H

#include "cpu/exec.h"

#define EXC_XM 19

/* MXCSR */
#define MX_IE  0x0001u
#define MX_DE  0x0002u
#define MX_ZE  0x0004u
#define MX_OE  0x0008u
#define MX_UE  0x0010u
#define MX_PE  0x0020u
#define MX_DAZ 0x0040u
#define MX_IM  0x0080u   /* masks: flag << 7 */
#define MX_OM  0x0400u
#define MX_UM  0x0800u
#define MX_RC  0x6000u
#define MX_FZ  0x8000u
#define MXCSR_MASK 0xffffu   /* writable bits (DAZ included) */

#define FSW_ES 0x0080u       /* x87 error summary: an unmasked x87 exception */

/* One XMM (or, in the low half, MMX) value.  Reading another member than
 * the one written reinterprets the bytes, as C11 allows for unions. */
union v128 {
    uint8_t b[16];
    int8_t sb[16];
    uint16_t w[8];
    int16_t sw[8];
    uint32_t d[4];
    int32_t sd[4];
    uint64_t q[2];
    int64_t sq[2];
};

/* Mandatory prefix of an instruction: which table column. */
enum { P_NONE, P_66, P_F3, P_F2 };

/* The register form and the memory form of one opcode/prefix; NULL: #UD. */
struct sform {
    insn_fn r, m;
};

/* ---- exception checks, before anything else the instruction does ---- */
__attribute__((noreturn)) void simd_fault_sse(struct cpu *c);
void simd_fault_mmx(struct cpu *c);

/* SSE/SSE2 on XMM registers: #UD with CR0.EM or CR4.OSFXSR clear, #NM
 * with CR0.TS. */
static inline void sse_check(struct cpu *c)
{
    if (unlikely((c->s.cr0 & (CR0_EM | CR0_TS)) || !(c->s.cr4 & CR4_OSFXSR)))
        simd_fault_sse(c);
}

/* MMX (and the SSE integer instructions on MMX registers): #UD with
 * CR0.EM, #NM with CR0.TS, #MF for a pending x87 exception (CR0.NE=1). */
static inline void mmx_check(struct cpu *c)
{
    if (unlikely((c->s.cr0 & (CR0_EM | CR0_TS)) || (c->s.fpu.fsw & FSW_ES)))
        simd_fault_mmx(c);
}

/* ---- registers ---- */
static inline void xmm_get(const struct cpu *c, unsigned r, union v128 *v)
{
    memcpy(v, c->s.fpu.xmm[r], 16);
}
static inline void xmm_put(struct cpu *c, unsigned r, const union v128 *v)
{
    memcpy(c->s.fpu.xmm[r], v, 16);
}

/* MMn by physical number, whatever TOP is. */
static inline uint64_t mmx_get(const struct cpu *c, unsigned r)
{
    unsigned top = (c->s.fpu.fsw >> 11) & 7;
    uint64_t v;
    memcpy(&v, c->s.fpu.st[(r - top) & 7], 8);
    return v;
}

/* The x87-to-MMX transition: TOP = 0, all tags valid.  Done by every MMX
 * instruction once its operands are read, before mmx_put. */
void simd_mmx_rotate(struct cpu *c);
static inline void mmx_enter(struct cpu *c)
{
    if (unlikely(c->s.fpu.fsw & 0x3800))
        simd_mmx_rotate(c);
    c->s.fpu.ftw = 0xff;
}

/* Write MMn (after mmx_enter: TOP is 0). */
static inline void mmx_put(struct cpu *c, unsigned r, uint64_t v)
{
    uint8_t *p = c->s.fpu.st[r];
    memcpy(p, &v, 8);
    p[8] = p[9] = 0xff;
}

/* ---- memory ---- */
/* size bytes at seg:off; faults before anything is written. */
void simd_read(struct cpu *c, int seg, uint32_t off, void *dst, unsigned size);
void simd_write(struct cpu *c, int seg, uint32_t off, const void *src,
                unsigned size);

/* #GP(0) unless the operand's linear address is 16-byte aligned. */
static inline void simd_align16(struct cpu *c, int seg, uint32_t off)
{
    if (unlikely(((uint32_t)c->s.seg[seg].base + off) & 15))
        cpu_fault(c, EXC_GP, 0);
}

/* The instruction's memory operand (ModRM), `size` bytes; the rest of *v
 * is zeroed.  The aligned forms check 16-byte alignment first. */
static inline void load_m(struct cpu *c, const struct insn *i, union v128 *v,
                          unsigned size)
{
    memset(v, 0, sizeof *v);
    simd_read(c, i->seg, insn_ea(c, i), v, size);
}
static inline void load_m128a(struct cpu *c, const struct insn *i,
                              union v128 *v)
{
    uint32_t ea = insn_ea(c, i);
    simd_align16(c, i->seg, ea);
    simd_read(c, i->seg, ea, v, 16);
}
static inline void store_m(struct cpu *c, const struct insn *i,
                           const void *src, unsigned size)
{
    simd_write(c, i->seg, insn_ea(c, i), src, size);
}
static inline void store_m128a(struct cpu *c, const struct insn *i,
                               const void *src)
{
    uint32_t ea = insn_ea(c, i);
    simd_align16(c, i->seg, ea);
    simd_write(c, i->seg, ea, src, 16);
}

/* ---- the families' decode tables: NULL when op/prefix is not theirs ---- */
const struct sform *simd_int_form(unsigned op, unsigned pfx);
const struct sform *simd_move_form(unsigned op, unsigned pfx);
const struct sform *simd_fp_form(unsigned op, unsigned pfx);
/* 0F 71-73 (shift by immediate): ModRM reg field sub-op, register form. */
insn_fn simd_shift_imm_fn(unsigned op, unsigned sub, bool xmm);

#endif
