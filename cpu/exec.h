/* Instruction handlers, one per form, named op_form_size; the decoder picks
 * them.  Forms: rr (register dst = rm, src = reg), mr (memory dst, register
 * src), rm (register dst = reg, memory src), ri/mi (immediate src). */
#ifndef CPU_EXEC_H
#define CPU_EXEC_H

#include "cpu/interp.h"

#define HANDLER(name) void name(struct cpu *c, const struct insn *i)

/* Threaded twins (see thread_next): TWIN for handlers that cannot end
 * the block, TWIN_CHECKED for those that may (memory accesses).  flatten:
 * the handler's body is inlined into its twin, not called. */
struct insn_twin {
    insn_fn fn, threaded;
};
#define TWIN_ATTR static __attribute__((flatten)) void
#define TWIN(fn)                                                             \
    TWIN_ATTR fn##_thr(struct cpu *c, const struct insn *i)                  \
    {                                                                        \
        fn(c, i);                                                            \
        thread_next(c, i);                                                   \
    }
#define TWIN_CHECKED(fn)                                                     \
    TWIN_ATTR fn##_thr(struct cpu *c, const struct insn *i)                  \
    {                                                                        \
        fn(c, i);                                                            \
        thread_next_checked(c, i);                                           \
    }
/* A 32-bit memory form's twin with its fast path inline (a mem_host hit,
 * which cannot end the block: the code given uses the host pointer p) and
 * the plain
 * handler, reached by a tail call, for everything else: the fast path
 * then needs no stack frame. */
#define TWIN_MEM(fn, w, ...)                                                 \
    static __attribute__((noinline)) void fn##_slow(struct cpu *c,           \
                                                    const struct insn *i)    \
    {                                                                        \
        fn(c, i);                                                            \
        thread_next_checked(c, i);                                           \
    }                                                                        \
    static void fn##_thr(struct cpu *c, const struct insn *i)                \
    {                                                                        \
        void *p = mem_host(c, i->seg, w, insn_ea(c, i), 4);                  \
        if (unlikely(p == NULL)) {                                           \
            fn##_slow(c, i);                                                 \
            return;                                                          \
        }                                                                    \
        __VA_ARGS__                                                          \
        thread_next(c, i);                                                   \
    }
#define TWIN_ENTRY(fn) { fn, fn##_thr }
/* per file, ended by { NULL, NULL } */
extern const struct insn_twin arith_twins[], data_twins[], shift_twins[],
    branch_twins[];
/* The threaded twin of fn, or fn itself (cpu/threaded.c). */
insn_fn threaded_form(insn_fn fn);
HANDLER(exec_block_end);

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* [op][form][size index: 0=8, 1=16, 2=32] */
enum { F_RR, F_MR, F_RM, F_RI, F_MI, NR_FORMS };
extern const insn_fn alu_handlers[8][NR_FORMS][3];
extern const insn_fn mov_handlers[NR_FORMS][3];
extern const insn_fn test_handlers[NR_FORMS][3];
/* shifts by a non-zero immediate: [op][reg/mem][size], NULL for RCL/RCR */
extern const insn_fn shift_imm_handlers[8][2][3];
/* forms with dead flags (cpu/flags_live.c) */
extern const insn_fn alu_nf_handlers[8][2];
extern const insn_fn shift_nf_handlers[8];

/* exec_arith.c */
HANDLER(exec_inc); HANDLER(exec_dec); HANDLER(exec_not); HANDLER(exec_neg);
HANDLER(exec_mul); HANDLER(exec_imul1); HANDLER(exec_div); HANDLER(exec_idiv);
HANDLER(exec_imul2); HANDLER(exec_imul3);
HANDLER(exec_inc_r4); HANDLER(exec_dec_r4); HANDLER(exec_not_r4);
HANDLER(exec_neg_r4); HANDLER(exec_imul2_r4); HANDLER(exec_imul3_r4);
HANDLER(exec_neg_r4_nf); HANDLER(exec_imul2_r4_nf); HANDLER(exec_imul3_r4_nf);
HANDLER(exec_cbw); HANDLER(exec_cwd);
HANDLER(exec_daa); HANDLER(exec_das); HANDLER(exec_aaa); HANDLER(exec_aas);
HANDLER(exec_aam); HANDLER(exec_aad);
HANDLER(exec_xadd); HANDLER(exec_cmpxchg); HANDLER(exec_cmpxchg8b);
/* exec_shift.c */
HANDLER(exec_shift); HANDLER(exec_shld); HANDLER(exec_shrd);
/* exec_bit.c */
HANDLER(exec_bt); HANDLER(exec_bsf); HANDLER(exec_bsr); HANDLER(exec_bswap);
HANDLER(exec_setcc); HANDLER(exec_cmovcc);
/* exec_data.c */
HANDLER(exec_mov_moffs_load); HANDLER(exec_mov_moffs_store);
HANDLER(exec_mov_sreg_store); HANDLER(exec_mov_sreg_load);
HANDLER(exec_movzx); HANDLER(exec_movsx); HANDLER(exec_lea);
HANDLER(exec_lea_b4); HANDLER(exec_lea_bi4);
HANDLER(exec_movzx_rb4); HANDLER(exec_movzx_rw4); HANDLER(exec_movzx_mb4);
HANDLER(exec_movzx_mw4); HANDLER(exec_movsx_rb4); HANDLER(exec_movsx_rw4);
HANDLER(exec_movsx_mb4); HANDLER(exec_movsx_mw4);
HANDLER(exec_xchg); HANDLER(exec_xlat); HANDLER(exec_lahf); HANDLER(exec_sahf);
HANDLER(exec_flagop);
HANDLER(exec_push_reg); HANDLER(exec_pop_reg); HANDLER(exec_push_imm);
HANDLER(exec_push_E); HANDLER(exec_pop_E);
HANDLER(exec_push_sreg); HANDLER(exec_pop_sreg);
HANDLER(exec_pusha); HANDLER(exec_popa); HANDLER(exec_pushf); HANDLER(exec_popf);
HANDLER(exec_enter); HANDLER(exec_leave); HANDLER(exec_lseg);
HANDLER(exec_nop);
/* exec_branch.c */
HANDLER(exec_jmp_rel); HANDLER(exec_call_rel);
extern const insn_fn jcc_handlers[16];   /* Jcc by condition code */
HANDLER(exec_jmp_E); HANDLER(exec_call_E); HANDLER(exec_ret); HANDLER(exec_jmp_far);
HANDLER(exec_call_far); HANDLER(exec_jmp_far_E); HANDLER(exec_call_far_E);
HANDLER(exec_retf); HANDLER(exec_iret); HANDLER(exec_loop); HANDLER(exec_jcxz);
HANDLER(exec_int); HANDLER(exec_int3); HANDLER(exec_into); HANDLER(exec_bound);
/* exec_string.c */
HANDLER(exec_movs); HANDLER(exec_cmps); HANDLER(exec_stos); HANDLER(exec_lods);
HANDLER(exec_scas); HANDLER(exec_ins); HANDLER(exec_outs);
/* exec_misc.c */
HANDLER(exec_in); HANDLER(exec_out); HANDLER(exec_hlt); HANDLER(exec_cli);
HANDLER(exec_sti); HANDLER(exec_cpuid); HANDLER(exec_rdtsc); HANDLER(exec_rdmsr);
HANDLER(exec_wrmsr); HANDLER(exec_rdpmc); HANDLER(exec_grp7); HANDLER(exec_mov_cr); HANDLER(exec_mov_dr);
HANDLER(exec_clts); HANDLER(exec_wbinvd); HANDLER(exec_ud2); HANDLER(exec_grp6);
HANDLER(exec_salc); HANDLER(exec_arpl);
HANDLER(exec_lar); HANDLER(exec_lsl); HANDLER(exec_sysenter); HANDLER(exec_sysexit);

#endif
