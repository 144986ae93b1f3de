/* Private to the decoder and the instruction families that decode their
 * own opcode space (x87 in cpu/fpu*.c, MMX/SSE in cpu/simd*.c). */
#ifndef CPU_DECODER_H
#define CPU_DECODER_H

#include "cpu/interp.h"

/* The bytes being decoded. */
struct dec {
    const uint8_t *b;
    int p, max;
    bool ok;                       /* false once the bytes ran out */
    uint8_t modrm_reg, modrm_rm;   /* raw 3-bit ModRM fields */
};

/* Next n bytes, little-endian; sets d->ok = false past the end. */
uint32_t dec_fetch(struct dec *d, int n);

/* x87 escape D8-DF: the ModRM (and its address) is already decoded into i
 * (i->mod, i->reg/rm raw, EA fields); sets i->fn and anything it needs. */
void fpu_decode(struct dec *d, struct insn *i, unsigned op);

/* Two-byte opcodes that belong to MMX/SSE/SSE2 (and FXSAVE, fences,
 * prefetch), decoded by simd_decode with the ModRM already parsed (except
 * 0F 77, EMMS).  Mandatory prefixes are in i->rep (F2/F3) and i->osize
 * (2 with a 66 prefix in 32-bit code).  May fetch an imm8 with dec_fetch. */
static inline bool is_simd_op(unsigned op)
{
    return (op >= 0x10 && op <= 0x18) || (op >= 0x28 && op <= 0x2f) ||
           (op >= 0x50 && op <= 0x7f) || op == 0xae ||
           (op >= 0xc2 && op <= 0xc6) || (op >= 0xd0 && op <= 0xfe);
}
void simd_decode(struct dec *d, struct insn *i, unsigned op);

#endif
