/* The interpreter's run loop: look up (or decode) the block at CS:EIP, run
 * its handlers, take interrupts between blocks, and unwind faults to the
 * instruction boundary with longjmp. */
#include "cpu/interp.h"

#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpuid.h"
#include "debug/log.h"

int block_cache_init(struct cpu *c);
void block_cache_free(struct cpu *c);
void block_reclaim(struct cpu *c);
struct block *block_lookup(struct cpu *c, struct block *scratch);

struct cpu *cpu_new(const struct cpu_bus *bus, const struct cpu_model *model,
                    struct logger *log)
{
    struct cpu *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->bus = *bus;
    c->model = model;
    c->log = log;
    c->trace = log_enabled(log, LOG_EXEC | LOG_CPU);
    if (block_cache_init(c) < 0) {
        block_cache_free(c);
        free(c);
        return NULL;
    }
    cpu_reset(c);
    return c;
}

void cpu_free(struct cpu *c)
{
    if (!c)
        return;
    block_cache_free(c);
    free(c);
}

void cpu_reset(struct cpu *c)
{
    x86_state_reset(&c->s, c->model->signature);
    c->halted = false;
    c->shutdown = false;
    c->shadow = 0;
    cpu_state_changed(c);
}

struct x86_state *cpu_state(struct cpu *c)
{
    c->s.rip = c->eip;
    c->s.rflags = cpu_get_eflags(c);
    c->lf.op = LF_NONE;
    c->s.ev.halted = c->halted;
    c->s.ev.interrupt_shadow = c->shadow;
    c->s.tsc = c->tsc_offset + c->icount;
    return &c->s;
}

void cpu_state_changed(struct cpu *c)
{
    c->eip = (uint32_t)c->s.rip;
    c->lf.op = LF_NONE;
    c->halted = c->s.ev.halted;
    c->shadow = c->s.ev.interrupt_shadow;
    c->tsc_offset = c->s.tsc - c->icount;
    if (c->s.rflags & F_VM)
        c->cpl = 3;
    else if (c->s.cr0 & CR0_PE)
        c->cpl = c->s.seg[S_SS].dpl;
    else
        c->cpl = 0;
    for (int s = 0; s < 6; s++)
        seg_update_ranges(c, s);
    cpu_mode_changed(c);
    tlb_flush(c);
}

void cpu_request_stop(struct cpu *c)
{
    c->stop_request = true;
    c->stop_block = true;
}

uint64_t cpu_insn_count(const struct cpu *c)
{
    return c->icount;
}

void cpu_set_debug(struct cpu *c, bool single_step, const uint64_t *bps,
                   int nbps)
{
    c->single_step = single_step;
    c->nbps = nbps > 4 ? 4 : nbps;
    for (int k = 0; k < c->nbps; k++)
        c->bps[k] = bps[k];
}

/* ---- stack ---- */

void cpu_set_sp(struct cpu *c, uint32_t sp)
{
    if (c->s.seg[S_SS].db)
        c->s.gpr[R_ESP] = sp;
    else
        c->s.gpr[R_ESP] = (c->s.gpr[R_ESP] & ~0xffffull) | (sp & 0xffff);
}

void cpu_push(struct cpu *c, uint32_t v, unsigned size)
{
    uint32_t sp = ((uint32_t)c->s.gpr[R_ESP] - size) & sp_mask(c);
    mem_write(c, S_SS, sp, v, size);
    cpu_set_sp(c, sp);
}

uint32_t cpu_pop(struct cpu *c, unsigned size)
{
    uint32_t sp = (uint32_t)c->s.gpr[R_ESP] & sp_mask(c);
    uint32_t v = mem_read(c, S_SS, sp, size);
    cpu_set_sp(c, sp + size);
    return v;
}

void cpu_stack_probe(struct cpu *c, unsigned count, unsigned size)
{
    uint32_t sp = (uint32_t)c->s.gpr[R_ESP];
    for (unsigned k = 1; k <= count; k++)
        mem_probe_write(c, S_SS, (sp - k * size) & sp_mask(c), size);
}

uint32_t cpu_stack_peek(struct cpu *c, unsigned off, unsigned size)
{
    uint32_t sp = ((uint32_t)c->s.gpr[R_ESP] + off) & sp_mask(c);
    return mem_read(c, S_SS, sp, size);
}

/* ---- faults ---- */

static bool contributory(int v)
{
    return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* A fault while an exception is being delivered escalates to #DF or, during
 * #DF delivery, to a triple fault (SDM vol. 3 6.15, table 6-5). */
__attribute__((noreturn)) void cpu_fault(struct cpu *c, int vec, int err)
{
    if (c->fault_depth > 0) {
        int first = c->exc_first;
        if (first == EXC_DF) {
            c->shutdown = true;
            longjmp(c->fault_jmp, 2);
        }
        if ((contributory(first) && contributory(vec)) ||
            (first == EXC_PF && (contributory(vec) || vec == EXC_PF))) {
            vec = EXC_DF;
            err = 0;
        }
    }
    c->exc_vec = vec;
    c->exc_err = err;
    longjmp(c->fault_jmp, 1);
}

void log_unimp_opcode(struct cpu *c, const struct insn *i)
{
    unsigned op = i->op & 0x1ff;
    if (c->unimp_logged[op >> 5] & (1u << (op & 31)))
        return;
    c->unimp_logged[op >> 5] |= 1u << (op & 31);
    if (log_enabled(c->log, LOG_UNIMP))
        log_printf(c->log, "unimplemented opcode %s%02x at %04x:%08x (#UD)\n",
                   op >= 0x100 ? "0f " : "", op & 0xff, c->s.seg[S_CS].sel,
                   c->eip);
}

void exec_invalid(struct cpu *c, const struct insn *i)
{
    log_unimp_opcode(c, i);
    cpu_fault(c, EXC_UD, NO_ERR);
}

/* ---- tracing ---- */

static void trace_insn(struct cpu *c, const struct insn *i)
{
    if (log_enabled(c->log, LOG_EXEC))
        log_printf(c->log, "%04x:%08x  %-8s (%u bytes)\n", c->s.seg[S_CS].sel,
                   c->eip, insn_mnemonic(i), i->len);
    if (log_enabled(c->log, LOG_CPU)) {
        const uint64_t *r = c->s.gpr;
        log_printf(c->log,
                   "  EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x "
                   "EBP=%08x ESP=%08x EFL=%08x\n"
                   "  ES=%04x CS=%04x SS=%04x DS=%04x FS=%04x GS=%04x CR0=%08x\n",
                   (uint32_t)r[R_EAX], (uint32_t)r[R_EBX], (uint32_t)r[R_ECX],
                   (uint32_t)r[R_EDX], (uint32_t)r[R_ESI], (uint32_t)r[R_EDI],
                   (uint32_t)r[R_EBP], (uint32_t)r[R_ESP], cpu_get_eflags(c),
                   c->s.seg[S_ES].sel, c->s.seg[S_CS].sel, c->s.seg[S_SS].sel,
                   c->s.seg[S_DS].sel, c->s.seg[S_FS].sel, c->s.seg[S_GS].sel,
                   (uint32_t)c->s.cr0);
    }
}

/* ---- the loop ---- */

static bool irq_ready(struct cpu *c)
{
    return (c->s.rflags & F_IF) && !c->shadow && c->bus.intr_pending &&
           c->bus.intr_pending(c->bus.opaque);
}

static bool at_breakpoint(const struct cpu *c)
{
    uint64_t lin = c->s.seg[S_CS].base + c->eip;
    for (int k = 0; k < c->nbps; k++)
        if (c->bps[k] == lin)
            return true;
    return false;
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t budget)
{
    struct block scratch;
    const uint64_t end = c->icount + budget;
    enum cpu_stop why = CPU_STOP_BUDGET;
    volatile bool stepped = false;

    c->stop_request = false;
    if (c->shutdown)
        return CPU_STOP_SHUTDOWN;

    switch (setjmp(c->fault_jmp)) {
    case 0:
        break;
    case 1: {
        /* A fault unwound here: count what completed, deliver it. */
        if (c->cur_block && c->cur_insn)
            c->icount += (uint64_t)(c->cur_insn - c->cur_block->insns);
        c->cur_block = NULL;
        c->cur_insn = NULL;
        c->stop_block = false;
        int vec = c->exc_vec, err = c->exc_err;
        if (log_enabled(c->log, LOG_INT))
            log_printf(c->log, "exception %d err=%d at %04x:%08x\n", vec, err,
                       c->s.seg[S_CS].sel, c->eip);
        c->fault_depth = 1;
        c->exc_first = vec;
        cpu_deliver(c, vec, err, false, c->eip);
        c->fault_depth = 0;
        break;
    }
    default:
        c->cur_block = NULL;
        c->fault_depth = 0;
        if (log_enabled(c->log, LOG_INT))
            log_printf(c->log, "triple fault at %04x:%08x\n",
                       c->s.seg[S_CS].sel, c->eip);
        return CPU_STOP_SHUTDOWN;
    }

    for (;;) {
        block_reclaim(c);
        if (c->stop_request) {
            c->stop_request = false;
            why = CPU_STOP_REQUEST;
            break;
        }
        if (irq_ready(c)) {
            int vec = c->bus.intr_ack(c->bus.opaque);
            c->halted = false;
            if (vec >= 0) {
                if (log_enabled(c->log, LOG_INT))
                    log_printf(c->log, "interrupt vector 0x%02x at %04x:%08x\n",
                               vec, c->s.seg[S_CS].sel, c->eip);
                c->fault_depth = 1;
                c->exc_first = -1;
                cpu_deliver(c, vec, NO_ERR, false, c->eip);
                c->fault_depth = 0;
            }
        }
        if (c->halted) {
            why = CPU_STOP_HALT;
            break;
        }
        if (c->icount >= end)
            break;
        if ((c->single_step && stepped) || (c->nbps && !stepped && at_breakpoint(c))) {
            c->debug_hit = true;
            why = CPU_STOP_DEBUG;
            break;
        }

        struct block *b = block_lookup(c, &scratch);
        uint64_t n = b->n;
        bool one = c->trace || c->single_step || c->shadow || c->nbps ||
                   (c->s.rflags & F_TF);
        if (one || n > end - c->icount)
            n = one ? 1 : end - c->icount;
        c->shadow = 0;
        c->cur_block = b;
        const struct insn *i = b->insns;
        const struct insn *stop = i + n;
        bool tf = c->s.rflags & F_TF;
        c->delivered = false;
        for (; i < stop; i++) {
            c->cur_insn = i;
            c->next_eip = c->eip + i->len;
            if (unlikely(c->trace))
                trace_insn(c, i);
            i->fn(c, i);
            c->eip = c->next_eip & c->ip_mask;
            if (unlikely(c->stop_block)) {
                c->stop_block = false;
                i++;
                break;
            }
        }
        c->icount += (uint64_t)(i - b->insns);
        c->cur_block = NULL;
        stepped = true;
        if (unlikely(tf) && !c->delivered) {
            /* single-step trap after an instruction that began with TF=1 */
            c->s.dr[6] |= 0x4000;   /* BS */
            c->fault_depth = 1;
            c->exc_first = -1;
            cpu_deliver(c, EXC_DB, NO_ERR, false, c->eip);
            c->fault_depth = 0;
        }
    }
    c->s.rip = c->eip;
    return why;
}
