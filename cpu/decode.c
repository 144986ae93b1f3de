/* The instruction decoder: prefixes, opcode, ModRM/SIB, displacement and
 * immediates, and the choice of handler for the instruction's form.  It runs
 * once per instruction per block; execution never looks at bytes again. */
#include "cpu/exec.h"
#include "cpu/decoder.h"
#include "cpu/fpu.h"

#include <stdio.h>


uint32_t dec_fetch(struct dec *d, int n)
{
    if (d->p + n > d->max) {
        d->ok = false;
        d->p = d->max;
        return 0;
    }
    uint32_t v = 0;
    for (int k = 0; k < n; k++)
        v |= (uint32_t)d->b[d->p + k] << (8 * k);
    d->p += n;
    return v;
}

static uint32_t imm8s(struct dec *d)
{
    return (uint32_t)(int32_t)(int8_t)dec_fetch(d, 1);
}

static uint32_t immv(struct dec *d, const struct insn *i)
{
    return dec_fetch(d, i->osize == 2 ? 2 : 4);
}

/* rel for Jcc/JMP/CALL: sign-extended to 32 bits. */
static uint32_t relv(struct dec *d, const struct insn *i)
{
    return i->osize == 2 ? (uint32_t)(int32_t)(int16_t)dec_fetch(d, 2) : dec_fetch(d, 4);
}

static void modrm(struct dec *d, struct insn *i, bool force_reg)
{
    uint8_t m = (uint8_t)dec_fetch(d, 1);
    i->mod = m >> 6;
    d->modrm_reg = (m >> 3) & 7;
    d->modrm_rm = m & 7;
    i->reg = d->modrm_reg;
    i->rm = d->modrm_rm;
    i->base = i->index = NO_REG;
    i->scale = 0;
    i->disp = 0;
    if (force_reg)
        i->mod = 3;
    if (i->mod == 3)
        return;
    uint8_t def = S_DS;
    if (i->asize == 2) {
        static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, NO_REG, NO_REG, R_EBP, R_EBX };
        static const uint8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, NO_REG, NO_REG };
        i->base = base16[d->modrm_rm];
        i->index = index16[d->modrm_rm];
        if (i->mod == 0 && d->modrm_rm == 6) {
            i->base = NO_REG;
            i->disp = dec_fetch(d, 2);
        } else if (i->mod == 1) {
            i->disp = imm8s(d);
        } else if (i->mod == 2) {
            i->disp = dec_fetch(d, 2);
        }
        if (i->base == R_EBP)
            def = S_SS;
    } else {
        uint8_t rm = d->modrm_rm;
        if (rm == 4) {
            uint8_t sib = (uint8_t)dec_fetch(d, 1);
            i->scale = sib >> 6;
            i->index = ((sib >> 3) & 7) == 4 ? NO_REG : (sib >> 3) & 7;
            i->base = sib & 7;
            if (i->base == 5 && i->mod == 0) {
                i->base = NO_REG;
                i->disp = dec_fetch(d, 4);
            }
        } else if (rm == 5 && i->mod == 0) {
            i->disp = dec_fetch(d, 4);
        } else {
            i->base = rm;
        }
        if (i->mod == 1)
            i->disp = imm8s(d);
        else if (i->mod == 2)
            i->disp = dec_fetch(d, 4);
        if (i->base == R_ESP || i->base == R_EBP)
            def = S_SS;
    }
    if (i->seg == S_NONE)
        i->seg = def;
}

/* Fix up register fields once the operand size is known. */
static void size_E(struct insn *i, struct dec *d, unsigned sz)
{
    i->osize = (uint8_t)sz;
    if (i->mod == 3)
        i->rm = sz == 1 ? (uint8_t)reg8_off(d->modrm_rm) : d->modrm_rm;
    i->reg = sz == 1 ? (uint8_t)reg8_off(d->modrm_reg) : d->modrm_reg;
}

static unsigned size_idx(unsigned sz)
{
    return sz == 1 ? 0 : sz == 2 ? 1 : 2;
}


static HANDLER(exec_lock_ud)
{
    (void)i;
    cpu_fault(c, EXC_UD, NO_ERR);
}

static HANDLER(exec_icebp)
{
    (void)i;
    c->fault_depth = 1;
    c->exc_first = -1;
    cpu_deliver(c, EXC_DB, NO_ERR, false, cpu_next_eip(c));
    c->fault_depth = 0;
}

static HANDLER(exec_too_long)
{
    (void)i;
    cpu_fault(c, EXC_GP, 0);
}

static bool has_modrm1(unsigned op)
{
    if (op < 0x40)
        return (op & 7) < 4;
    switch (op) {
    case 0x62: case 0x63: case 0x69: case 0x6b:
    case 0xc0: case 0xc1: case 0xc4: case 0xc5: case 0xc6: case 0xc7:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
    case 0xf6: case 0xf7: case 0xfe: case 0xff:
        return true;
    }
    return (op >= 0x80 && op <= 0x8f) || (op >= 0xd8 && op <= 0xdf);
}

static bool has_modrm2(unsigned op)
{
    if (is_simd_op(op))
        return op != 0x77;   /* EMMS */
    if (op <= 0x03 || (op >= 0x19 && op <= 0x1f) || (op >= 0x20 && op <= 0x23))
        return true;
    if ((op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f))
        return true;
    switch (op) {
    case 0xa3: case 0xa4: case 0xa5: case 0xab: case 0xac: case 0xad: case 0xaf:
    case 0xc0: case 0xc1: case 0xc7:
        return true;
    }
    return op >= 0xb0 && op <= 0xbf && op != 0xb8 && op != 0xb9;
}

/* Handler for the ALU/MOV/TEST tables by form. */
static insn_fn form_fn(const insn_fn tab[NR_FORMS][3], struct insn *i, bool dst_reg,
                       bool imm)
{
    int form;
    if (imm)
        form = i->mod == 3 ? F_RI : F_MI;
    else if (i->mod == 3)
        form = F_RR;
    else
        form = dst_reg ? F_RM : F_MR;
    return tab[form][size_idx(i->osize)];
}

static void decode_0f(struct dec *d, struct insn *i, unsigned op, bool *lockable)
{
    if (is_simd_op(op)) {
        simd_decode(d, i, op);
        return;
    }
    switch (op) {
    case 0x02: size_E(i, d, i->osize); i->fn = exec_lar; break;
    case 0x03: size_E(i, d, i->osize); i->fn = exec_lsl; break;
    case 0x34: i->fn = exec_sysenter; i->ends = 1; break;
    case 0x35: i->fn = exec_sysexit; i->ends = 1; break;
    case 0x00: i->opc2 = d->modrm_reg; size_E(i, d, i->osize); i->fn = exec_grp6; break;
    case 0x01: i->opc2 = d->modrm_reg; size_E(i, d, i->osize); i->fn = exec_grp7;
        i->ends = 1; break;
    case 0x06: i->fn = exec_clts; break;
    case 0x08: case 0x09: i->fn = exec_wbinvd; break;
    case 0x0b: i->fn = exec_ud2; i->ends = 1; break;
    /* NOP Ev; 0F 19-1E are the reserved hint NOPs that P6 and later
     * execute as NOP Ev too (MPX and CET rely on it) */
    case 0x19 ... 0x1f: size_E(i, d, i->osize); i->fn = exec_nop; break;
    case 0x20: case 0x22: i->opc2 = op == 0x22; i->fn = exec_mov_cr; i->ends = op == 0x22; break;
    case 0x21: case 0x23: i->opc2 = op == 0x23; i->fn = exec_mov_dr; break;
    case 0x30: i->fn = exec_wrmsr; break;
    case 0x31: i->fn = exec_rdtsc; break;
    case 0x32: i->fn = exec_rdmsr; break;
    case 0x33: i->fn = exec_rdpmc; break;
    case 0xa2: i->fn = exec_cpuid; break;
    case 0xa0: case 0xa8: i->opc2 = op == 0xa0 ? S_FS : S_GS; i->fn = exec_push_sreg; break;
    case 0xa1: case 0xa9: i->opc2 = op == 0xa1 ? S_FS : S_GS; i->fn = exec_pop_sreg; break;
    case 0xa3: case 0xab: case 0xb3: case 0xbb:
        size_E(i, d, i->osize);
        i->opc2 = (uint8_t)((op >> 3) & 3);
        i->fn = exec_bt;
        *lockable = op != 0xa3;
        break;
    case 0xba:
        if (d->modrm_reg < 4) { i->fn = exec_invalid; break; }
        size_E(i, d, i->osize);
        i->opc2 = d->modrm_reg - 4;
        i->imm = dec_fetch(d, 1);
        i->imm2 = 1;
        i->fn = exec_bt;
        *lockable = i->opc2 != 0;
        break;
    case 0xa4: case 0xac: size_E(i, d, i->osize); i->imm = dec_fetch(d, 1);
        i->fn = op == 0xa4 ? exec_shld : exec_shrd; break;
    case 0xa5: case 0xad: size_E(i, d, i->osize); i->imm2 = 1;
        i->fn = op == 0xa5 ? exec_shld : exec_shrd; break;
    case 0xaf: size_E(i, d, i->osize); i->fn = exec_imul2; break;
    case 0xb0: case 0xb1: size_E(i, d, op == 0xb0 ? 1 : i->osize); i->fn = exec_cmpxchg;
        *lockable = true; break;
    case 0xb2: case 0xb4: case 0xb5:
        size_E(i, d, i->osize);
        i->opc2 = op == 0xb2 ? S_SS : op == 0xb4 ? S_FS : S_GS;
        i->fn = exec_lseg;
        break;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
        unsigned src = (op & 1) ? 2 : 1;
        unsigned dst = i->osize;
        size_E(i, d, src);
        i->osize = (uint8_t)dst;
        i->reg = d->modrm_reg;
        i->opc2 = (uint8_t)src;
        i->fn = op < 0xb8 ? exec_movzx : exec_movsx;
        break;
    }
    case 0xbc: size_E(i, d, i->osize); i->fn = exec_bsf; break;
    case 0xbd: size_E(i, d, i->osize); i->fn = exec_bsr; break;
    case 0xc0: case 0xc1: size_E(i, d, op == 0xc0 ? 1 : i->osize); i->fn = exec_xadd;
        *lockable = true; break;
    case 0xc7:
        if (d->modrm_reg != 1) { i->fn = exec_invalid; break; }
        i->fn = exec_cmpxchg8b;
        *lockable = true;
        break;
    default:
        if (op >= 0x40 && op <= 0x4f) {
            size_E(i, d, i->osize);
            i->opc2 = op & 15;
            i->fn = exec_cmovcc;
        } else if (op >= 0x80 && op <= 0x8f) {
            i->opc2 = op & 15;
            i->imm = relv(d, i);
            i->fn = jcc_handlers[op & 15];   /* a side exit: see jump_near */
        } else if (op >= 0x90 && op <= 0x9f) {
            size_E(i, d, 1);
            i->opc2 = op & 15;
            i->fn = exec_setcc;
        } else if (op >= 0xc8 && op <= 0xcf) {
            i->rm = op & 7;
            i->fn = exec_bswap;
        } else {
            i->fn = exec_invalid;
            i->ends = 1;
        }
    }
}

static void decode_1(struct dec *d, struct insn *i, unsigned op, bool *lockable)
{
    if (op < 0x40 && (op & 7) < 6) {   /* the ALU block */
        unsigned alu = op >> 3, form = op & 7;
        if (form < 4) {
            size_E(i, d, (form & 1) ? i->osize : 1);
            bool dst_reg = form & 2;
            if (i->mod == 3 && dst_reg) {   /* normalise: dst in rm */
                uint8_t t = i->rm; i->rm = i->reg; i->reg = t;
            }
            i->fn = form_fn(alu_handlers[alu], i, dst_reg, false);
            *lockable = !dst_reg && alu != ALU_CMP;
        } else {
            i->osize = form == 4 ? 1 : i->osize;
            i->mod = 3;
            i->rm = R_EAX;
            i->imm = form == 4 ? dec_fetch(d, 1) : immv(d, i);
            i->fn = alu_handlers[alu][F_RI][size_idx(i->osize)];
        }
        return;
    }
    switch (op) {
    case 0x06: case 0x0e: case 0x16: case 0x1e:
        i->opc2 = (uint8_t)(op >> 3); i->fn = exec_push_sreg; break;
    case 0x07: case 0x17: case 0x1f:
        i->opc2 = (uint8_t)(op >> 3); i->fn = exec_pop_sreg; break;
    case 0x27: i->fn = exec_daa; break;
    case 0x2f: i->fn = exec_das; break;
    case 0x37: i->fn = exec_aaa; break;
    case 0x3f: i->fn = exec_aas; break;
    case 0x60: i->fn = exec_pusha; break;
    case 0x61: i->fn = exec_popa; break;
    case 0x62: size_E(i, d, i->osize); i->fn = exec_bound; break;
    case 0x63: size_E(i, d, 2); i->fn = exec_arpl; break;
    case 0x68: i->imm = immv(d, i); i->fn = exec_push_imm; break;
    case 0x6a: i->imm = imm8s(d); i->fn = exec_push_imm; break;
    case 0x69: size_E(i, d, i->osize); i->imm = immv(d, i); i->fn = exec_imul3; break;
    case 0x6b: size_E(i, d, i->osize); i->imm = imm8s(d); i->fn = exec_imul3; break;
    case 0x6c: case 0x6d: i->osize = op & 1 ? i->osize : 1; i->fn = exec_ins; break;
    case 0x6e: case 0x6f: i->osize = op & 1 ? i->osize : 1; i->fn = exec_outs; break;
    case 0x80: case 0x81: case 0x82: case 0x83: {
        size_E(i, d, op == 0x81 || op == 0x83 ? i->osize : 1);
        i->imm = op == 0x81 ? immv(d, i) : op == 0x83 ? imm8s(d) : dec_fetch(d, 1);
        i->fn = form_fn(alu_handlers[d->modrm_reg], i, false, true);
        *lockable = d->modrm_reg != ALU_CMP;
        break;
    }
    case 0x84: case 0x85:
        size_E(i, d, op & 1 ? i->osize : 1);
        i->fn = form_fn(test_handlers, i, false, false);
        break;
    case 0x86: case 0x87:
        size_E(i, d, op & 1 ? i->osize : 1); i->fn = exec_xchg; *lockable = true; break;
    case 0x88: case 0x89: case 0x8a: case 0x8b: {
        size_E(i, d, op & 1 ? i->osize : 1);
        bool dst_reg = op & 2;
        if (i->mod == 3 && dst_reg) {
            uint8_t t = i->rm; i->rm = i->reg; i->reg = t;
        }
        i->fn = form_fn(mov_handlers, i, dst_reg, false);
        break;
    }
    case 0x8c:
        if (d->modrm_reg > 5) { i->fn = exec_invalid; break; }
        size_E(i, d, i->osize); i->opc2 = d->modrm_reg; i->fn = exec_mov_sreg_store; break;
    case 0x8d: size_E(i, d, i->osize); i->fn = exec_lea; break;
    case 0x8e:
        if (d->modrm_reg > 5 || d->modrm_reg == S_CS) { i->fn = exec_invalid; break; }
        size_E(i, d, 2); i->opc2 = d->modrm_reg; i->fn = exec_mov_sreg_load; break;
    case 0x8f:
        if (d->modrm_reg) { i->fn = exec_invalid; break; }
        size_E(i, d, i->osize); i->fn = exec_pop_E; break;
    case 0x90: i->fn = exec_nop; break;
    case 0x98: i->fn = exec_cbw; break;
    case 0x99: i->fn = exec_cwd; break;
    case 0x9a: i->imm = immv(d, i); i->imm2 = dec_fetch(d, 2); i->fn = exec_call_far; i->ends = 1; break;
    case 0x9b: i->fn = fpu_fwait; break;
    case 0x9c: i->fn = exec_pushf; break;
    case 0x9d: i->fn = exec_popf; i->ends = 1; break;
    case 0x9e: i->fn = exec_sahf; break;
    case 0x9f: i->fn = exec_lahf; break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        i->osize = op & 1 ? i->osize : 1;
        i->disp = dec_fetch(d, i->asize);
        if (i->seg == S_NONE) i->seg = S_DS;
        i->fn = op & 2 ? exec_mov_moffs_store : exec_mov_moffs_load;
        break;
    case 0xa4: case 0xa5: i->osize = op & 1 ? i->osize : 1; i->fn = exec_movs; break;
    case 0xa6: case 0xa7: i->osize = op & 1 ? i->osize : 1; i->fn = exec_cmps; break;
    case 0xa8: case 0xa9:
        i->osize = op & 1 ? i->osize : 1;
        i->mod = 3; i->rm = R_EAX;
        i->imm = op & 1 ? immv(d, i) : dec_fetch(d, 1);
        i->fn = test_handlers[F_RI][size_idx(i->osize)];
        break;
    case 0xaa: case 0xab: i->osize = op & 1 ? i->osize : 1; i->fn = exec_stos; break;
    case 0xac: case 0xad: i->osize = op & 1 ? i->osize : 1; i->fn = exec_lods; break;
    case 0xae: case 0xaf: i->osize = op & 1 ? i->osize : 1; i->fn = exec_scas; break;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        size_E(i, d, op & 1 ? i->osize : 1);
        i->opc2 = d->modrm_reg;
        if (op <= 0xc1) i->imm = dec_fetch(d, 1);
        else if (op <= 0xd1) i->imm = 1;
        else i->imm2 = 1;
        i->fn = exec_shift;
        if (!i->imm2 && (i->imm & 31) &&
            shift_imm_handlers[i->opc2][i->mod != 3][size_idx(i->osize)])
            i->fn = shift_imm_handlers[i->opc2][i->mod != 3][size_idx(i->osize)];
        break;
    case 0xc2: i->imm = dec_fetch(d, 2); i->fn = exec_ret; i->ends = 1; break;
    case 0xc3: i->fn = exec_ret; i->ends = 1; break;
    case 0xc4: case 0xc5:
        size_E(i, d, i->osize); i->opc2 = op == 0xc4 ? S_ES : S_DS; i->fn = exec_lseg; break;
    case 0xc6: case 0xc7:
        if (d->modrm_reg) { i->fn = exec_invalid; break; }
        size_E(i, d, op & 1 ? i->osize : 1);
        i->imm = op & 1 ? immv(d, i) : dec_fetch(d, 1);
        i->fn = form_fn(mov_handlers, i, false, true);
        break;
    case 0xc8: i->imm = dec_fetch(d, 2); i->imm2 = dec_fetch(d, 1); i->fn = exec_enter; break;
    case 0xc9: i->fn = exec_leave; break;
    case 0xca: i->imm = dec_fetch(d, 2); i->fn = exec_retf; i->ends = 1; break;
    case 0xcb: i->fn = exec_retf; i->ends = 1; break;
    case 0xcc: i->fn = exec_int3; i->ends = 1; break;
    case 0xcd: i->imm = dec_fetch(d, 1); i->fn = exec_int; i->ends = 1; break;
    case 0xce: i->fn = exec_into; i->ends = 1; break;
    case 0xcf: i->fn = exec_iret; i->ends = 1; break;
    case 0xd4: i->imm = dec_fetch(d, 1); i->fn = exec_aam; break;
    case 0xd5: i->imm = dec_fetch(d, 1); i->fn = exec_aad; break;
    case 0xd6: i->fn = exec_salc; break;
    case 0xd7: if (i->seg == S_NONE) i->seg = S_DS; i->fn = exec_xlat; break;
    case 0xe0: case 0xe1: case 0xe2:
        i->imm = imm8s(d); i->opc2 = op & 3; i->fn = exec_loop; break;
    case 0xe3: i->imm = imm8s(d); i->fn = exec_jcxz; break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
        i->osize = op & 1 ? i->osize : 1;
        i->imm = dec_fetch(d, 1); i->imm2 = 1;
        i->fn = op & 2 ? exec_out : exec_in;
        break;
    case 0xec: case 0xed: case 0xee: case 0xef:
        i->osize = op & 1 ? i->osize : 1;
        i->fn = op & 2 ? exec_out : exec_in;
        break;
    case 0xe8: i->imm = relv(d, i); i->fn = exec_call_rel; i->ends = 1; break;
    case 0xe9: i->imm = relv(d, i); i->fn = exec_jmp_rel; i->ends = 1; break;
    case 0xea: i->imm = immv(d, i); i->imm2 = dec_fetch(d, 2); i->fn = exec_jmp_far; i->ends = 1; break;
    case 0xeb: i->imm = imm8s(d); i->fn = exec_jmp_rel; i->ends = 1; break;
    case 0xf1: i->fn = exec_icebp; i->ends = 1; break;
    case 0xf4: i->fn = exec_hlt; i->ends = 1; break;
    case 0xf5: i->opc2 = 2; i->fn = exec_flagop; break;
    case 0xf8: i->opc2 = 0; i->fn = exec_flagop; break;
    case 0xf9: i->opc2 = 1; i->fn = exec_flagop; break;
    case 0xfc: i->opc2 = 3; i->fn = exec_flagop; break;
    case 0xfd: i->opc2 = 4; i->fn = exec_flagop; break;
    case 0xfa: i->fn = exec_cli; break;
    case 0xfb: i->fn = exec_sti; i->ends = 1; break;
    case 0xf6: case 0xf7: {
        size_E(i, d, op & 1 ? i->osize : 1);
        switch (d->modrm_reg) {
        case 0: case 1:
            i->imm = op & 1 ? immv(d, i) : dec_fetch(d, 1);
            i->fn = form_fn(test_handlers, i, false, true);
            break;
        case 2: i->fn = exec_not; *lockable = true; break;
        case 3: i->fn = exec_neg; *lockable = true; break;
        case 4: i->fn = exec_mul; break;
        case 5: i->fn = exec_imul1; break;
        case 6: i->fn = exec_div; break;
        default: i->fn = exec_idiv; break;
        }
        break;
    }
    case 0xfe:
        if (d->modrm_reg > 1) { i->fn = exec_invalid; i->ends = 1; break; }
        size_E(i, d, 1);
        i->fn = d->modrm_reg ? exec_dec : exec_inc;
        *lockable = true;
        break;
    case 0xff:
        size_E(i, d, i->osize);
        switch (d->modrm_reg) {
        case 0: i->fn = exec_inc; *lockable = true; break;
        case 1: i->fn = exec_dec; *lockable = true; break;
        case 2: i->fn = exec_call_E; i->ends = 1; break;
        case 3: i->fn = exec_call_far_E; i->ends = 1; break;
        case 4: i->fn = exec_jmp_E; i->ends = 1; break;
        case 5: i->fn = exec_jmp_far_E; i->ends = 1; break;
        case 6: i->fn = exec_push_E; break;
        default: i->fn = exec_invalid; i->ends = 1; break;
        }
        break;
    default:
        if (op >= 0x40 && op <= 0x4f) {
            i->mod = 3; i->rm = op & 7;
            i->fn = op < 0x48 ? exec_inc : exec_dec;
        } else if (op >= 0x50 && op <= 0x57) {
            i->rm = op & 7; i->fn = exec_push_reg;
        } else if (op >= 0x58 && op <= 0x5f) {
            i->rm = op & 7; i->fn = exec_pop_reg;
        } else if (op >= 0x70 && op <= 0x7f) {
            i->imm = imm8s(d); i->opc2 = op & 15; i->fn = jcc_handlers[op & 15];
        } else if (op >= 0x91 && op <= 0x97) {
            i->mod = 3; i->rm = op & 7; i->reg = R_EAX; i->fn = exec_xchg;
        } else if (op >= 0xb0 && op <= 0xb7) {
            i->osize = 1; i->mod = 3; i->rm = (uint8_t)reg8_off(op & 7);
            i->imm = dec_fetch(d, 1);
            i->fn = mov_handlers[F_RI][0];
        } else if (op >= 0xb8 && op <= 0xbf) {
            i->mod = 3; i->rm = op & 7; i->imm = immv(d, i);
            i->fn = mov_handlers[F_RI][size_idx(i->osize)];
        } else if (op >= 0xd8 && op <= 0xdf) {
            fpu_decode(d, i, op);
        } else {
            i->fn = exec_invalid;
            i->ends = 1;
        }
    }
}

/* Frequent 32-bit forms get handlers without run-time size and operand
 * tests; the generic handlers stay for everything else. */
static void specialize(struct insn *i)
{
    static const struct { insn_fn from, to; } reg32[] = {
        { exec_inc, exec_inc_r4 }, { exec_dec, exec_dec_r4 },
        { exec_not, exec_not_r4 }, { exec_neg, exec_neg_r4 },
        { exec_imul2, exec_imul2_r4 }, { exec_imul3, exec_imul3_r4 },
    };
    if (i->osize != 4)
        return;
    if (i->mod == 3) {
        for (size_t k = 0; k < sizeof reg32 / sizeof reg32[0]; k++)
            if (i->fn == reg32[k].from) {
                i->fn = reg32[k].to;
                return;
            }
    } else if (i->fn == exec_lea && i->asize == 4 && i->base != NO_REG) {
        i->fn = i->index == NO_REG ? exec_lea_b4 : exec_lea_bi4;
    }
    static const insn_fn ext[2][2][2] = {   /* [sx][mem][word] */
        { { exec_movzx_rb4, exec_movzx_rw4 }, { exec_movzx_mb4, exec_movzx_mw4 } },
        { { exec_movsx_rb4, exec_movsx_rw4 }, { exec_movsx_mb4, exec_movsx_mw4 } },
    };
    if (i->fn == exec_movzx || i->fn == exec_movsx)
        i->fn = ext[i->fn == exec_movsx][i->mod != 3][i->opc2 == 2];
}

int decode_insn(const uint8_t *bytes, int max, bool code32, struct insn *i)
{
    struct dec d = { .b = bytes, .max = max, .ok = true };
    memset(i, 0, sizeof *i);
    i->osize = code32 ? 4 : 2;
    i->asize = code32 ? 4 : 2;
    i->seg = S_NONE;
    i->base = i->index = NO_REG;
    unsigned op;
    for (;;) {
        if (d.p >= 15)
            goto too_long;
        if (d.p >= max)
            return 0;
        uint8_t b = bytes[d.p];
        if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
            i->seg = (b >> 3) & 3;
        else if (b == 0x64 || b == 0x65)
            i->seg = b == 0x64 ? S_FS : S_GS;
        else if (b == 0x66)
            i->osize = code32 ? 2 : 4;
        else if (b == 0x67)
            i->asize = code32 ? 2 : 4;
        else if (b == 0xf0)
            i->lock = 1;
        else if (b == 0xf2 || b == 0xf3)
            i->rep = b;
        else
            break;
        d.p++;
    }
    op = dec_fetch(&d, 1);
    if (op == 0x0f)
        op = 0x100 | dec_fetch(&d, 1);
    if (!d.ok)
        return 0;
    i->op = (uint16_t)op;
    bool lockable = false;
    if (op < 0x100) {
        if (has_modrm1(op))
            modrm(&d, i, false);
        if (d.ok)
            decode_1(&d, i, op, &lockable);
    } else {
        if (has_modrm2(op & 0xff))
            modrm(&d, i, (op & 0x1fc) == 0x120);
        if (d.ok)
            decode_0f(&d, i, op & 0xff, &lockable);
    }
    if (!d.ok) {
        if (max >= 15)   /* more than 15 bytes: #GP */
            goto too_long;
        return 0;
    }
    if (d.p > 15)
        goto too_long;
    if (i->seg == S_NONE)
        i->seg = S_DS;
    if (i->lock && (!lockable || i->mod == 3))
        i->fn = exec_lock_ud;
    if (i->fn == exec_invalid || i->fn == exec_lock_ud)
        i->ends = 1;
    i->ea_shift = i->asize == 2 ? 16 : 0;
    specialize(i);
    i->len = (uint8_t)d.p;
    return d.p;
too_long:
    i->fn = exec_too_long;
    i->ends = 1;
    i->len = 15;
    return 15;
}

bool insn_ends_block(const struct insn *i)
{
    return i->ends;
}

/* Mnemonics for tracing, by opcode; groups are resolved by ModRM reg. */
static const char *const names1[256] = {
    "add", "add", "add", "add", "add", "add", "push es", "pop es",
    "or", "or", "or", "or", "or", "or", "push cs", "(0f)",
    "adc", "adc", "adc", "adc", "adc", "adc", "push ss", "pop ss",
    "sbb", "sbb", "sbb", "sbb", "sbb", "sbb", "push ds", "pop ds",
    "and", "and", "and", "and", "and", "and", "(es:)", "daa",
    "sub", "sub", "sub", "sub", "sub", "sub", "(cs:)", "das",
    "xor", "xor", "xor", "xor", "xor", "xor", "(ss:)", "aaa",
    "cmp", "cmp", "cmp", "cmp", "cmp", "cmp", "(ds:)", "aas",
    [0x40 ... 0x47] = "inc", [0x48 ... 0x4f] = "dec",
    [0x50 ... 0x57] = "push", [0x58 ... 0x5f] = "pop",
    "pusha", "popa", "bound", "arpl", "(fs:)", "(gs:)", "(o16/32)", "(a16/32)",
    "push", "imul", "push", "imul", "insb", "ins", "outsb", "outs",
    "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
    "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg",
    "grp1", "grp1", "grp1", "grp1", "test", "test", "xchg", "xchg",
    "mov", "mov", "mov", "mov", "mov sreg", "lea", "mov sreg", "pop",
    "nop", [0x91 ... 0x97] = "xchg",
    "cbw", "cwd", "call far", "fwait", "pushf", "popf", "sahf", "lahf",
    "mov", "mov", "mov", "mov", "movsb", "movs", "cmpsb", "cmps",
    "test", "test", "stosb", "stos", "lodsb", "lods", "scasb", "scas",
    [0xb0 ... 0xbf] = "mov",
    "grp2", "grp2", "ret", "ret", "les", "lds", "mov", "mov",
    "enter", "leave", "retf", "retf", "int3", "int", "into", "iret",
    "grp2", "grp2", "grp2", "grp2", "aam", "aad", "salc", "xlat",
    [0xd8 ... 0xdf] = "(x87)",
    "loopne", "loope", "loop", "jcxz", "in", "in", "out", "out",
    "call", "jmp", "jmp far", "jmp", "in", "in", "out", "out",
    "(lock)", "icebp", "(repne)", "(rep)", "hlt", "cmc", "grp3", "grp3",
    "clc", "stc", "cli", "sti", "cld", "std", "grp4", "grp5",
};

static const char *const grp_names[][8] = {
    { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" },           /* 1 */
    { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" },          /* 2 */
    { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" },      /* 3 */
    { "inc", "dec", "(bad)", "(bad)", "(bad)", "(bad)", "(bad)", "(bad)" },
    { "inc", "dec", "call", "call far", "jmp", "jmp far", "push", "(bad)" },
    { "sldt", "str", "lldt", "ltr", "verr", "verw", "(bad)", "(bad)" },  /* 0f 00 */
    { "sgdt", "sidt", "lgdt", "lidt", "smsw", "(bad)", "lmsw", "invlpg" },
};

static const char *name_0f(unsigned op)
{
    switch (op) {
    case 0x06: return "clts";
    case 0x08: return "invd";
    case 0x09: return "wbinvd";
    case 0x0b: return "ud2";
    case 0x19 ... 0x1f: return "nop";
    case 0x20: case 0x22: return "mov cr";
    case 0x21: case 0x23: return "mov dr";
    case 0x30: return "wrmsr";
    case 0x31: return "rdtsc";
    case 0x33: return "rdpmc";
    case 0x32: return "rdmsr";
    case 0xa0: case 0xa8: return "push";
    case 0xa1: case 0xa9: return "pop";
    case 0xa2: return "cpuid";
    case 0xa3: return "bt";
    case 0xa4: case 0xa5: return "shld";
    case 0xab: return "bts";
    case 0xac: case 0xad: return "shrd";
    case 0xaf: return "imul";
    case 0xb0: case 0xb1: return "cmpxchg";
    case 0xb2: return "lss";
    case 0xb3: return "btr";
    case 0xb4: return "lfs";
    case 0xb5: return "lgs";
    case 0xb6: case 0xb7: return "movzx";
    case 0xba: return "bt*";
    case 0xbb: return "btc";
    case 0xbc: return "bsf";
    case 0xbd: return "bsr";
    case 0xbe: case 0xbf: return "movsx";
    case 0xc0: case 0xc1: return "xadd";
    case 0xc7: return "cmpxchg8b";
    }
    if (op >= 0x40 && op <= 0x4f) return "cmovcc";
    if (op >= 0x80 && op <= 0x8f) return "jcc";
    if (op >= 0x90 && op <= 0x9f) return "setcc";
    if (op >= 0xc8 && op <= 0xcf) return "bswap";
    return "(0f ?)";
}

const char *insn_mnemonic(const struct insn *i)
{
    unsigned op = i->op;
    if (op >= 0x100) {
        if (op == 0x100 || op == 0x101)
            return grp_names[5 + (op & 1)][i->opc2 & 7];
        return name_0f(op & 0xff);
    }
    int g = -1;
    if (op >= 0x80 && op <= 0x83) g = 0;
    else if (op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3)) g = 1;
    else if (op == 0xf6 || op == 0xf7) g = 2;
    else if (op == 0xfe) g = 3;
    else if (op == 0xff) g = 4;
    if (g == 1)
        return grp_names[1][i->opc2 & 7];
    if (g >= 0) {
        /* the handler knows the reg field only through opc2 for group 2;
         * the others are recovered from the handler choice */
        if (i->fn == exec_inc) return "inc";
        if (i->fn == exec_dec) return "dec";
        if (i->fn == exec_not) return "not";
        if (i->fn == exec_neg) return "neg";
        if (i->fn == exec_mul) return "mul";
        if (i->fn == exec_imul1) return "imul";
        if (i->fn == exec_div) return "div";
        if (i->fn == exec_idiv) return "idiv";
        if (i->fn == exec_call_E) return "call";
        if (i->fn == exec_call_far_E) return "call far";
        if (i->fn == exec_jmp_E) return "jmp";
        if (i->fn == exec_jmp_far_E) return "jmp far";
        if (i->fn == exec_push_E) return "push";
        if (g == 0) {
            for (int a = 0; a < 8; a++)
                for (int f = 0; f < NR_FORMS; f++)
                    for (int z = 0; z < 3; z++)
                        if (alu_handlers[a][f][z] == i->fn)
                            return grp_names[0][a];
        }
        if (g == 2) return "test";
    }
    return names1[op] ? names1[op] : "(bad)";
}
