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
    c->dbg_any = c->trace;
    c->a20_mask = ~0ull;
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
    memset(c->perfevtsel, 0, sizeof c->perfevtsel);
    memset(c->perfctr, 0, sizeof c->perfctr);
    c->pmc_counting = 0;
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
    pmc_sync(c);   /* what counted so far, at the old CPL */
    c->eip = (uint32_t)c->s.rip;
    c->s.gpr[NO_REG] = 0;   /* no R8 here: the zero register of insn_ea */
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
    /* PAE: the PDPTE registers are not in x86_state; read them again (as
     * KVM_SET_SREGS does), unchecked: the state is taken as it is */
    if ((c->s.cr0 & CR0_PG) && (c->s.cr4 & CR4_PAE))
        mmu_load_pdptes(c, (uint32_t)c->s.cr3, false);
    c->dbg_pending = 0;
    c->ext = 0;
    dbg_update(c);   /* also flushes the TLB */
    pmc_sync(c);     /* the counters follow the new CPL */
}

void cpu_flush_translations(struct cpu *c)
{
    tlb_flush(c);
}

void cpu_request_stop(struct cpu *c)
{
    c->stop_request = true;
    cpu_end_block(c);
}

uint64_t cpu_insn_count(const struct cpu *c)
{
    return c->icount;
}

static void dbg_any_update(struct cpu *c)
{
    c->dbg_any = c->single_step || c->trace || c->dbg_exec || c->nbps != 0;
}

void cpu_set_debug(struct cpu *c, bool single_step, const uint64_t *bps,
                   int nbps)
{
    c->single_step = single_step;
    c->nbps = nbps > 4 ? 4 : nbps;
    for (int k = 0; k < c->nbps; k++)
        c->bps[k] = bps[k];
    dbg_any_update(c);
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
    /* EXT: the fault arose while delivering a hardware event (the
     * page-fault and double-fault error codes have no such bit) */
    if (err != NO_ERR && vec != EXC_PF && vec != EXC_DF)
        err = (err & ~1) | c->ext;
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
                   cpu_cur_eip(c));
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
           (!c->bus.intr_hint || *c->bus.intr_hint) &&
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

/* ---- debug registers (SDM vol. 3 ch. 18) ---- */

static bool dr_enabled(uint32_t d7, int n)
{
    return (d7 >> (2 * n)) & 3;
}

static unsigned dr_rw(uint32_t d7, int n)
{
    return (d7 >> (16 + 4 * n)) & 3;
}

static unsigned dr_len(uint32_t d7, int n)
{
    static const unsigned len[4] = { 1, 2, 8, 4 };
    return len[(d7 >> (18 + 4 * n)) & 3];
}

void dbg_update(struct cpu *c)
{
    uint32_t d7 = (uint32_t)c->s.dr[7];
    c->dbg_exec = c->dbg_data = c->dbg_io = false;
    for (int n = 0; n < 4; n++) {
        if (!dr_enabled(d7, n))
            continue;
        switch (dr_rw(d7, n)) {
        case 0: c->dbg_exec = true; break;
        case 2: c->dbg_io = c->dbg_io || (c->s.cr4 & CR4_DE); break;
        default: c->dbg_data = true; break;
        }
    }
    dbg_any_update(c);
    tlb_flush(c);   /* watched pages must leave the TLB fast path */
}

/* Breakpoints (bits 0-3) whose range [a, a+len) meets [lin, lin+size). */
static uint32_t dr_match(const struct cpu *c, uint32_t lin, unsigned size,
                         unsigned rw_want)
{
    uint32_t d7 = (uint32_t)c->s.dr[7], hit = 0;
    for (int n = 0; n < 4; n++) {
        if (!dr_enabled(d7, n))
            continue;
        unsigned rw = dr_rw(d7, n);
        if (rw == 0 || (rw_want == 2) != (rw == 2) || (rw_want == 3 && rw == 1))
            continue;
        unsigned len = rw_want == 0 ? 1 : dr_len(d7, n);
        uint64_t a = (uint32_t)c->s.dr[n] & ~(len - 1);
        if (a < (uint64_t)lin + size && (uint64_t)lin < a + len)
            hit |= 1u << n;
    }
    return hit;
}

/* rw_want: 1 write, 3 read (RW=11 only), 2 I/O */
void dbg_check_data(struct cpu *c, uint32_t lin, unsigned size, bool write)
{
    uint32_t hit = dr_match(c, lin, size, write ? 1 : 3);
    if (hit) {
        c->dbg_pending |= hit;
        cpu_end_block(c);
    }
}

void dbg_check_io(struct cpu *c, uint16_t port, unsigned size)
{
    uint32_t hit = dr_match(c, port, size, 2);
    if (hit) {
        c->dbg_pending |= hit;
        cpu_end_block(c);
    }
}

/* Instruction breakpoints at this linear address. */
static uint32_t dbg_exec_hit(const struct cpu *c, uint32_t lin)
{
    uint32_t d7 = (uint32_t)c->s.dr[7], hit = 0;
    for (int n = 0; n < 4; n++)
        if (dr_enabled(d7, n) && dr_rw(d7, n) == 0 && (uint32_t)c->s.dr[n] == lin)
            hit |= 1u << n;
    return hit;
}

/* Instructions of b to run before one that starts on a breakpoint. */
static uint64_t dbg_exec_limit(const struct cpu *c, const struct block *b,
                               uint64_t n)
{
    uint32_t lin = (uint32_t)c->s.seg[S_CS].base + c->eip;
    uint32_t off = b->insns[0].len;
    for (uint64_t k = 1; k < n; k++) {
        if (dbg_exec_hit(c, lin + off))
            return k;
        off += b->insns[k].len;
    }
    return n;
}

/* DR6 on a #DB: B0-B3 and BT describe this event, BD and BS stay until
 * software clears them; GD is cleared so that the handler may use DRs. */
static void dbg_set_dr6(struct cpu *c, uint32_t bits)
{
    c->s.dr[6] = (c->s.dr[6] & ~(uint64_t)(0xf | DR6_BT)) | bits;
    c->s.dr[7] &= ~(uint64_t)0x2000;
}

__attribute__((noreturn)) void dbg_fault(struct cpu *c, uint32_t dr6_bits)
{
    dbg_set_dr6(c, dr6_bits);
    cpu_fault(c, EXC_DB, NO_ERR);
}

static void dbg_trap(struct cpu *c, uint32_t bits)
{
    c->dbg_pending = 0;
    dbg_set_dr6(c, bits);
    c->fault_depth = 1;
    c->exc_first = -1;
    cpu_deliver(c, EXC_DB, NO_ERR, false, c->eip);
    c->fault_depth = 0;
}

/* After an instruction begun with TF or RF set, or one that hit a data or
 * I/O breakpoint or switched to a task with the T bit. */
static void dbg_after_insn(struct cpu *c, uint32_t fl)
{
    /* RF lasts one instruction, unless that instruction loaded it */
    if ((fl & F_RF) && !c->rf_keep)
        c->s.rflags &= ~F_RF;
    uint32_t dbg = c->dbg_pending;
    if ((fl & F_TF) && !c->delivered)
        dbg |= DR6_BS;   /* single-step trap after an insn begun with TF=1 */
    /* MOV SS/POP SS hold debug traps until after the next instruction */
    if (dbg && c->shadow != 2)
        dbg_trap(c, dbg);
}

/* Blocks until the budget ends or something stops the run.  Kept out of
 * cpu_run so that setjmp there does not pin this loop's locals to memory;
 * a fault longjmps to cpu_run, which delivers it and calls this again.
 * c->stepped says whether an instruction has completed in this cpu_run. */
static enum cpu_stop run_blocks(struct cpu *c, const uint64_t end)
{
    enum cpu_stop why = CPU_STOP_BUDGET;

    for (;;) {
        if (unlikely(c->attn)) {
            if (c->reclaim)
                block_reclaim(c);
            if (c->stop_request) {
                c->stop_request = false;
                why = CPU_STOP_REQUEST;
                break;
            }
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
                if (c->dbg_pending & DR6_BT)
                    dbg_trap(c, c->dbg_pending);
            }
        }
        if (unlikely(c->halted)) {
            why = CPU_STOP_HALT;
            break;
        }
        if (c->icount >= end)
            break;
        /* debugger and debug-register work, all off in a normal run */
        const bool dbg = c->dbg_any;
        if (unlikely(dbg)) {
            if ((c->single_step && c->stepped) ||
                (c->nbps && !c->stepped && at_breakpoint(c))) {
                c->debug_hit = true;
                why = CPU_STOP_DEBUG;
                break;
            }
            /* instruction breakpoints: a fault before the instruction
             * runs, unless RF says the handler already saw it */
            if (c->dbg_exec && !(c->s.rflags & F_RF)) {
                uint32_t hit = dbg_exec_hit(c, (uint32_t)c->s.seg[S_CS].base + c->eip);
                if (hit)
                    dbg_fault(c, hit);
            }
        }

        struct block *b = block_find(c, &c->scratch);
        uint64_t n = b->n;
        /* TF and RF (one instruction, then a trap / RF cleared) */
        const uint32_t fl = (uint32_t)c->s.rflags & (F_TF | F_RF);
        if (unlikely(fl | c->attn)) {
            bool one = c->trace || c->single_step || c->shadow || c->nbps || fl;
            if (one)
                n = 1;
            if (c->dbg_exec && n > 1)
                n = dbg_exec_limit(c, b, n);
            if (fl & F_RF)
                c->rf_keep = false;
            c->shadow = 0;
            if (c->trace)
                trace_insn(c, b->insns);   /* n is 1 when tracing */
        }
        if (unlikely(n > end - c->icount))
            n = end - c->icount;
        c->cur_block = b;
        const struct insn *i = b->insns;
        const struct insn *stop = i + n;
        c->delivered = false;
        /* events delivered and stop requests made between blocks touch
         * these; inside the block only its own instructions may (which
         * the dead-flag and followed-JMP forms rely on) */
        c->jumped = false;
        c->run_end = stop;
        /* EIP stays at the block start while it runs (struct cpu); the
         * forms with dead flags only when the whole block runs */
        if (likely(n == b->n)) {
            /* threaded handlers run on by themselves, into the following
             * blocks too (block_chain): cur_block and cur_insn name the
             * last one that ran when the chain returns */
            c->cur_insn = i;
            c->chain_left = 64;
            do {
                i->fast(c, i);
                i = c->cur_insn + 1;
                c->cur_insn = i;
            } while ((uintptr_t)i < (uintptr_t)c->run_end);
            b = c->cur_block;
        } else {
            do {
                c->cur_insn = i;
                i->fn(c, i);
                i++;
            } while ((uintptr_t)i < (uintptr_t)c->run_end);
        }
        c->icount += (uint64_t)(i - b->insns);
        c->cur_block = NULL;
        c->cur_insn = NULL;
        if (unlikely(dbg))
            c->stepped = true;
        if (unlikely(c->jumped)) {
            c->eip = c->next_eip & c->ip_mask;
        } else {
            c->eip = (c->eip + i[-1].off + i[-1].len) & c->ip_mask;
        }
        if (unlikely(fl | c->dbg_pending))
            dbg_after_insn(c, fl);
    }
    return why;
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t budget)
{
    const uint64_t end = c->icount + budget;
    c->icount_end = end;

    c->stop_request = false;
    c->stepped = false;
    if (c->shutdown)
        return CPU_STOP_SHUTDOWN;

    switch (setjmp(c->fault_jmp)) {
    case 0:
        break;
    case 1: {
        /* A fault unwound here: count what completed, deliver it at the
         * faulting instruction. */
        if (c->cur_block && c->cur_insn) {
            c->icount += (uint64_t)(c->cur_insn - c->cur_block->insns);
            c->eip = cpu_cur_eip(c);
        }
        c->jumped = false;
        /* The faulting instruction counts against the budget, so that a
         * storm of faults (a handler that faults at once) still ends the
         * slice and lets timers and requests run. */
        c->icount++;
        c->cur_block = NULL;
        c->cur_insn = NULL;
        c->dbg_pending = 0;   /* the instruction did not complete */
        c->rf_keep = false;
        int vec = c->exc_vec, err = c->exc_err;
        if (log_enabled(c->log, LOG_INT))
            log_printf(c->log, "exception %d err=%d at %04x:%08x\n", vec, err,
                       c->s.seg[S_CS].sel, c->eip);
        /* a fault-class exception saves RF=1 so that the faulting
         * instruction does not hit its own instruction breakpoint again */
        if (vec != EXC_DB)
            c->s.rflags |= F_RF;
        c->fault_depth = 1;
        c->exc_first = vec;
        cpu_deliver(c, vec, err, false, c->eip);
        c->fault_depth = 0;
        if (c->dbg_pending & DR6_BT)
            dbg_trap(c, c->dbg_pending);
        break;
    }
    default:
        if (c->cur_insn)
            c->eip = cpu_cur_eip(c);
        c->cur_block = NULL;
        c->cur_insn = NULL;
        c->jumped = false;
        c->fault_depth = 0;
        c->ext = 0;
        if (log_enabled(c->log, LOG_INT))
            log_printf(c->log, "triple fault at %04x:%08x\n",
                       c->s.seg[S_CS].sel, c->eip);
        return CPU_STOP_SHUTDOWN;
    }
    enum cpu_stop why = run_blocks(c, end);
    c->s.rip = c->eip;
    return why;
}
