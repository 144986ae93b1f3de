/* MMX, SSE and SSE2: the decoder of their opcode space, the exception
 * checks, memory access and the MMX/x87 register aliasing they share, and
 * the state instructions (EMMS, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, fences,
 * prefetch hints).  The instructions themselves are in simd_int.c (packed
 * integer), simd_move.c (moves, shuffles, conversions of layout) and
 * simd_fp.c (floating point). */
#include "cpu/decoder.h"
#include "cpu/simd.h"

/* ---- exception checks ---- */

void simd_fault_sse(struct cpu *c)
{
    if ((c->s.cr0 & CR0_EM) || !(c->s.cr4 & CR4_OSFXSR))
        cpu_fault(c, EXC_UD, NO_ERR);
    cpu_fault(c, EXC_NM, NO_ERR);
}

void simd_fault_mmx(struct cpu *c)
{
    if (c->s.cr0 & CR0_EM)
        cpu_fault(c, EXC_UD, NO_ERR);
    if (c->s.cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, NO_ERR);
    /* A pending x87 exception: #MF in native mode.  With CR0.NE=0 the
     * error was signalled through FERR#/IRQ13 by the x87 side. */
    if ((c->s.fpu.fsw & FSW_ES) && (c->s.cr0 & CR0_NE))
        cpu_fault(c, EXC_MF, NO_ERR);
}

void simd_mmx_rotate(struct cpu *c)
{
    struct x86_fpu *f = &c->s.fpu;
    unsigned top = (f->fsw >> 11) & 7;
    uint8_t phys[8][16];
    for (unsigned n = 0; n < 8; n++)
        memcpy(phys[n], f->st[(n - top) & 7], 16);
    memcpy(f->st, phys, sizeof phys);
    f->fsw &= ~0x3800;
}

/* ---- memory: whole operands, no partial writes ---- */

void simd_read(struct cpu *c, int seg, uint32_t off, void *dst, unsigned size)
{
    uint8_t *p = dst;
    if (unlikely(!seg_ok(c, seg, 0, off, size)))
        seg_fault(c, seg);
    uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
    const struct tlb_entry *e = &c->tlb[TLB_READ][(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(e->tag == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size)) {
        memcpy(p, (const uint8_t *)(e->addend + lin), size);
        return;
    }
    for (unsigned k = 0; k < size; k += 4) {
        unsigned n = size - k < 4 ? size - k : 4;
        uint32_t v = mem_read(c, seg, off + k, n);
        memcpy(p + k, &v, n);
    }
}

void simd_write(struct cpu *c, int seg, uint32_t off, const void *src,
                unsigned size)
{
    const uint8_t *p = src;
    if (likely(seg_ok(c, seg, 1, off, size))) {
        uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
        const struct tlb_entry *e =
            &c->tlb[TLB_WRITE][(lin >> 12) & (TLB_SIZE - 1)];
        if (likely(e->tag == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size)) {
            memcpy((uint8_t *)(e->addend + lin), p, size);
            return;
        }
    }
    mem_probe_write(c, seg, off, size);
    for (unsigned k = 0; k < size; k += 4) {
        unsigned n = size - k < 4 ? size - k : 4;
        uint32_t v = 0;
        memcpy(&v, p + k, n);
        mem_write(c, seg, off + k, v, n);
    }
}

/* ---- state instructions ---- */

static HANDLER(exec_emms)
{
    (void)i;
    mmx_check(c);
    c->s.fpu.ftw = 0;
}

static HANDLER(exec_hint_nop)
{
    (void)c;
    (void)i;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static uint32_t get16(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}
static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* FXSAVE/FXRSTOR are not SSE instructions: no OSFXSR check, and #NM (not
 * #UD) for CR0.EM.  The image is the 32-bit layout; XMM0-7 and MXCSR are
 * saved whatever CR4.OSFXSR says (Intel leaves it to the implementation). */
static void fx_check(struct cpu *c, const struct insn *i, uint32_t *ea)
{
    if (c->s.cr0 & (CR0_EM | CR0_TS))
        cpu_fault(c, EXC_NM, NO_ERR);
    *ea = insn_ea(c, i);
    simd_align16(c, i->seg, *ea);
}

#define FX_USED 288   /* bytes 288-511 are not written outside 64-bit mode */

static HANDLER(exec_fxsave)
{
    uint32_t ea;
    fx_check(c, i, &ea);
    mem_probe_write(c, i->seg, ea, 512);
    const struct x86_fpu *f = &c->s.fpu;
    uint8_t img[FX_USED];
    memset(img, 0, sizeof img);
    put16(img + 0, f->fcw);
    put16(img + 2, f->fsw);
    img[4] = f->ftw;
    put16(img + 6, f->fop & 0x7ff);
    put32(img + 8, (uint32_t)f->fip);
    put16(img + 12, (uint32_t)(f->fip >> 32));
    put32(img + 16, (uint32_t)f->fdp);
    put16(img + 20, (uint32_t)(f->fdp >> 32));
    put32(img + 24, f->mxcsr);
    put32(img + 28, MXCSR_MASK);
    for (int k = 0; k < 8; k++) {
        memcpy(img + 32 + 16 * k, f->st[k], 10);
        memcpy(img + 160 + 16 * k, f->xmm[k], 16);
    }
    simd_write(c, i->seg, ea, img, sizeof img);
}

static HANDLER(exec_fxrstor)
{
    uint32_t ea;
    fx_check(c, i, &ea);
    uint8_t img[FX_USED];
    simd_read(c, i->seg, ea, img, sizeof img);
    if (!seg_ok(c, i->seg, 0, ea, 512))   /* the whole image must be there */
        seg_fault(c, i->seg);
    uint32_t mx = get32(img + 24);
    if (mx & ~MXCSR_MASK)
        cpu_fault(c, EXC_GP, 0);
    struct x86_fpu *f = &c->s.fpu;
    f->fcw = (uint16_t)get16(img + 0);
    f->fsw = (uint16_t)get16(img + 2);
    f->ftw = img[4];
    f->fop = (uint16_t)(get16(img + 6) & 0x7ff);
    f->fip = get32(img + 8) | (uint64_t)get16(img + 12) << 32;
    f->fdp = get32(img + 16) | (uint64_t)get16(img + 20) << 32;
    f->mxcsr = mx;
    for (int k = 0; k < 8; k++) {
        memset(f->st[k], 0, 16);
        memcpy(f->st[k], img + 32 + 16 * k, 10);
        memcpy(f->xmm[k], img + 160 + 16 * k, 16);
    }
}

static HANDLER(exec_ldmxcsr)
{
    sse_check(c);
    uint32_t v = mem_read(c, i->seg, insn_ea(c, i), 4);
    if (v & ~MXCSR_MASK)
        cpu_fault(c, EXC_GP, 0);
    c->s.fpu.mxcsr = v;
}

static HANDLER(exec_stmxcsr)
{
    sse_check(c);
    mem_write(c, i->seg, insn_ea(c, i), c->s.fpu.mxcsr, 4);
}

/* LFENCE/MFENCE/SFENCE: the interpreter retires memory accesses in order. */
static HANDLER(exec_fence)
{
    (void)c;
    (void)i;
}

/* CLFLUSH m8: there is no cache to flush; what remains are the checks
 * of a byte load (SDM: segment and page faults as a read), except that an
 * execute-only code segment is allowed.  Nothing is read: MMIO is not
 * touched. */
static HANDLER(exec_clflush)
{
    const uint32_t off = insn_ea(c, i);
    const struct x86_seg *s = &c->s.seg[i->seg];
    const bool exec_only = pmode(c) && !s->unusable && s->present && s->s &&
                           (s->type & 8) && !(s->type & 2);
    if (exec_only ? off > s->limit : !seg_ok(c, i->seg, 0, off, 1))
        seg_fault(c, i->seg);
    mmu_probe_read(c, (uint32_t)s->base + off);
}

/* ---- decode ---- */

/* The mandatory-prefix column: F3/F2 (the last one given) win over 66. */
static unsigned prefix_column(const struct dec *d, const struct insn *i)
{
    if (i->rep == 0xf3)
        return P_F3;
    if (i->rep == 0xf2)
        return P_F2;
    for (int k = 0; k < d->max && k < 15 && d->b[k] != 0x0f; k++)
        if (d->b[k] == 0x66)
            return P_66;
    return P_NONE;
}

static insn_fn decode_grp15(struct insn *i, unsigned sub, unsigned pfx)
{
    if (pfx == P_F3 || pfx == P_F2)
        return NULL;
    if (i->mod == 3)
        return sub >= 5 ? exec_fence : NULL;
    switch (sub) {
    case 0: return exec_fxsave;
    case 1: return exec_fxrstor;
    case 2: return exec_ldmxcsr;
    case 3: return exec_stmxcsr;
    case 7: return exec_clflush;
    }
    return NULL;   /* the XSAVE family: not advertised */
}

void simd_decode(struct dec *d, struct insn *i, unsigned op)
{
    unsigned pfx = prefix_column(d, i);
    unsigned sub = d->modrm_reg;
    insn_fn fn = NULL;
    switch (op) {
    case 0x18:   /* PREFETCHh and the reserved hint NOPs of the group */
        fn = exec_hint_nop;
        break;
    case 0x77:
        fn = pfx == P_NONE ? exec_emms : NULL;
        break;
    case 0xae:
        fn = decode_grp15(i, sub, pfx);
        break;
    case 0x71: case 0x72: case 0x73:
        i->imm = dec_fetch(d, 1);
        if (i->mod == 3 && (pfx == P_NONE || pfx == P_66))
            fn = simd_shift_imm_fn(op, sub, pfx == P_66);
        break;
    default: {
        if (op == 0x70 || op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6)
            i->imm = dec_fetch(d, 1);
        const struct sform *f = simd_int_form(op, pfx);
        if (!f)
            f = simd_move_form(op, pfx);
        if (!f)
            f = simd_fp_form(op, pfx);
        if (f)
            fn = i->mod == 3 ? f->r : f->m;
        break;
    }
    }
    i->fn = fn ? fn : exec_invalid;
}
