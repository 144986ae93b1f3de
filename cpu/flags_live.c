/* Dead-flag elimination inside a decoded block.  An instruction that sets
 * all six arithmetic flags does not need to record them (lazy flags cost
 * five stores) when a later instruction of the same block overwrites all
 * of them before anything can observe them.  Observers are conservative:
 * any instruction that reads flags, may fault, may end the block or is
 * simply not known here counts as one, and so does the block's end.  The
 * run loop uses these forms (insn.fast) only when it runs the whole block;
 * a block cut short (budget, single step, breakpoints) runs insn.fn, so
 * the flags are exact wherever execution can stop. */
#include "cpu/exec.h"

enum flag_use {
    FLAGS_OBSERVED,   /* reads flags, may fault or leave the block */
    FLAGS_KILLED,     /* writes all six, reads none, cannot fault */
    FLAGS_UNTOUCHED,  /* neither reads nor writes them, cannot fault */
};

/* What i does with the flags; for FLAGS_KILLED also the form that skips
 * recording them (NULL if there is none). */
static enum flag_use flag_use(const struct insn *i, insn_fn *nf)
{
    /* the handler names the form: these are register-only ones */
    const insn_fn fn = i->fn;
    *nf = NULL;
    for (int sz = 0; sz < 3; sz++) {
        for (int form = F_RR; form <= F_RI; form += F_RI - F_RR) {
            const int f = form == F_RR ? 0 : 1;
            if (fn == mov_handlers[form][sz])
                return FLAGS_UNTOUCHED;
            if (fn == test_handlers[form][sz]) {
                *nf = exec_nop;
                return FLAGS_KILLED;
            }
            for (int op = 0; op < 8; op++) {
                if (op == ALU_ADC || op == ALU_SBB || fn != alu_handlers[op][form][sz])
                    continue;
                *nf = sz == 2 || op == ALU_CMP ? alu_nf_handlers[op][f] : NULL;
                return FLAGS_KILLED;
            }
        }
        for (int op = 4; op < 8; op++)   /* SHL, SHR, SAL, SAR */
            if (fn == shift_imm_handlers[op][0][sz]) {
                *nf = sz == 2 ? shift_nf_handlers[op] : NULL;
                return FLAGS_KILLED;
            }
    }
    static const struct { insn_fn fn, nf; } killers[] = {
        { exec_neg_r4, exec_neg_r4_nf },
        { exec_imul2_r4, exec_imul2_r4_nf },
        { exec_imul3_r4, exec_imul3_r4_nf },
    };
    for (size_t k = 0; k < sizeof killers / sizeof killers[0]; k++)
        if (fn == killers[k].fn) {
            *nf = killers[k].nf;
            return FLAGS_KILLED;
        }
    if (fn == exec_jmp_rel && !i->ends) {   /* followed by the decoder */
        *nf = exec_nop;
        return FLAGS_UNTOUCHED;
    }
    if (fn == exec_not_r4 || fn == exec_bswap || fn == exec_nop ||
        fn == exec_lea_b4 || fn == exec_lea_bi4)
        return FLAGS_UNTOUCHED;
    return FLAGS_OBSERVED;
}

void block_flags_liveness(struct block *b)
{
    bool live = true;   /* are the flags wanted after insns[k]? */
    for (int k = b->n - 1; k >= 0; k--) {
        struct insn *i = &b->insns[k];
        insn_fn nf;
        i->fast = i->fn;
        switch (flag_use(i, &nf)) {
        case FLAGS_KILLED:
            if (!live && nf)
                i->fast = nf;
            live = false;
            break;
        case FLAGS_UNTOUCHED:
            if (nf)
                i->fast = nf;
            break;
        case FLAGS_OBSERVED:
            live = true;
            break;
        }
        i->fast = threaded_form(i->fast);
    }
    /* the sentinel that ends a chain of threaded handlers */
    b->insns[b->n] = (struct insn){ .fn = exec_block_end, .fast = exec_block_end };
}
