/* Private to the interpreter (the .c files of cpu/): the CPU structure, decoded
 * instructions and blocks, lazy flags, the software TLB and the inline
 * memory access paths.  Nothing outside cpu/ includes this. */
#ifndef CPU_INTERP_H
#define CPU_INTERP_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/state.h"

struct cpu_model;
struct logger;
struct cpu;
struct insn;

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

typedef void (*insn_fn)(struct cpu *c, const struct insn *i);

/* "No register" in an effective address: gpr[8] (R8, which this CPU
 * model without long mode does not have) is kept at zero, so that the
 * address is a plain sum (cpu_state_changed clears it). */
#define NO_REG 8

/* One decoded instruction.  Handlers are chosen at decode time per form
 * (operation, operand size, register or memory); the fields below are what
 * the handler needs, nothing is re-decoded at execution. */
struct insn {
    insn_fn fn;
    insn_fn fast;      /* fn, or a form that skips dead flags (flags_live.c);
                        * used only when the whole block runs */
    uint8_t len;
    uint8_t osize;     /* operand size in bytes: 1, 2, 4 */
    uint8_t asize;     /* address size: 2 or 4 */
    uint8_t seg;       /* segment of the memory operand (override applied) */
    uint8_t rep;       /* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE) */
    uint8_t mod;       /* ModRM mod (3 = register operand) */
    uint8_t reg;       /* ModRM reg: register number, or byte offset for 8-bit */
    uint8_t rm;        /* ModRM rm register (mod 3), same encoding as reg */
    uint8_t base, index, scale;   /* effective address; NO_REG if absent */
    uint8_t opc2;      /* secondary info: condition code, group op, ... */
    uint8_t lock;
    uint8_t ends;      /* control transfer: last instruction of a block */
    uint16_t op;       /* opcode: 0x00-0xff, 0x100-0x1ff for 0F xx */
    int16_t off;       /* EIP of the instruction minus its block's start
                        * (negative after a followed backward JMP) */
    uint8_t ea_shift;  /* 16 for 16-bit addresses, else 0 (insn_ea) */
    uint8_t idx;       /* position in its block */
    uint32_t disp;
    uint32_t imm;
    uint32_t imm2;     /* far pointer selector, ENTER level */
};

#define BLOCK_MAX_INSNS 32

/* A run of decoded instructions starting at one guest-physical address,
 * ending at a control transfer, a page end or BLOCK_MAX_INSNS.  Blocks never
 * span pages, so a write to a page drops exactly the blocks on that page. */
struct block {
    uint64_t phys;          /* guest-physical address of the first byte */
    uint32_t mode;          /* decode mode key (CS.D, ...) */
    uint16_t n;             /* instructions */
    uint16_t bytes;         /* bytes covered */
    uint32_t gen;           /* bumped when the slot is reused or invalidated */
    struct block *hash_next;
    struct block *page_next;
    /* insns[n] is the block-end sentinel (exec_block_end) that ends a
     * chain of threaded handlers */
    struct insn insns[BLOCK_MAX_INSNS + 1];
};

/* Lazy flags: the last flag-setting operation, its size and operands; the
 * arithmetic flags are computed only when read. */
enum lf_op {
    LF_NONE,     /* arithmetic flags are in eflags as they are */
    LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
    LF_EXPL,     /* SF/ZF/PF from res; CF/OF/AF explicit in aux */
    /* or'ed into any of the above but LF_NONE: a rotate came after it,
     * CF and OF are in rot, the other flags still those of op */
    LF_ROT = 0x100,
};

struct lazy_flags {
    uint32_t op;
    uint32_t bits;     /* operand width: 8, 16, 32 */
    uint32_t res, a, b;
    uint32_t aux;      /* carry in (ADC/SBB), old CF (INC/DEC), flags (EXPL) */
    uint32_t rot;      /* CF/OF of rotates (LF_ROT) */
};

/* Software TLB: linear page -> host pointer for RAM/ROM, per access kind. */
#define TLB_SIZE 256
enum { TLB_READ, TLB_WRITE, TLB_EXEC };
struct tlb_entry {
    uint64_t tag;        /* linear page address, or TLB_INVALID */
    uintptr_t addend;    /* host address = linear + addend */
    uint64_t phys;       /* guest-physical page (code-write tracking) */
    uint32_t flags;      /* TLBF_*: what INVLPG and CR3 writes need */
    uint32_t pad;
};
#define TLB_INVALID 1u   /* never a page-aligned address */
#define TLBF_GLOBAL 1u   /* G=1 with CR4.PGE: survives a CR3 write */
#define TLBF_LARGE  2u   /* from a 4 MiB / 2 MiB page: INVLPG drops it all */

/* A segment's valid offset range per access kind: an access of size n at
 * offset o is allowed iff lo <= o && o + n - 1 <= hi.  Expand-down and
 * "no access" (lo > hi) fall out of the same two compares. */
struct seg_range {
    uint32_t lo, hi;
    int64_t span;   /* hi - lo, negative for "no access" (seg_ok) */
};

struct cpu {
    struct x86_state s;
    struct lazy_flags lf;
    /* EIP.  Between blocks: the current EIP (s.rip mirrors it after a run).
     * While a block runs it stays at the block's first instruction and is
     * not updated per instruction: cpu_cur_eip()/cpu_next_eip() give the
     * running instruction's own addresses, and a control transfer sets
     * next_eip through cpu_set_next_eip() (jumped says it did). */
    uint32_t eip;
    uint32_t next_eip;
    bool jumped;
    uint32_t ip_mask;      /* 0xffff for 16-bit code, 0xffffffff for 32-bit */
    uint8_t cpl;
    /* The run loop goes on while the next instruction lies below this;
     * cpu_end_block() clears it (end the block after this instruction). */
    const struct insn *run_end;
    /* The rare work between blocks, all zero in a plain run: the run
     * loop tests them together as one word (attn). */
    union {
        struct {
            bool stop_request;     /* cpu_request_stop() */
            bool halted;
            uint8_t shadow;        /* interrupt shadow after STI / MOV SS */
            bool dbg_any;          /* single_step | trace | dbg_exec | nbps:
                                    * all debugger work */
            bool reclaim;          /* dead_list is not empty */
            uint8_t attn_spare[3]; /* zero: attn reads all eight bytes */
        };
        uint64_t attn;
    };
    bool shutdown;
    bool delivered;        /* an event was delivered during this instruction */
    bool stepped;          /* an instruction completed in this cpu_run */
    bool single_step;
    bool trace;            /* -d exec/cpu: one instruction at a time */
    int nbps;
    uint64_t bps[4];
    bool debug_hit;

    /* debug registers (DR7 decoded by dbg_update) */
    bool dbg_exec;         /* an instruction breakpoint is enabled */
    bool dbg_data;         /* a data breakpoint is enabled */
    bool dbg_io;           /* an I/O breakpoint is enabled (CR4.DE) */
    bool rf_keep;          /* IRET/task switch loaded RF: keep it */
    uint32_t dbg_pending;  /* DR6 bits of a #DB trap due after this insn */

    uint8_t ext;           /* EXT bit for error codes: delivering a hardware event */
    uint64_t a20_mask;     /* physical address mask: ~(1 << 20) with A20 off */
    uint64_t pdpte[4];     /* PAE: loaded on CR3 writes and paging changes */
    bool tlb_large;        /* some TLB entry came from a large page */

    struct seg_range rng[6][2];   /* [seg][0 read, 1 write] */

    struct tlb_entry tlb[3][TLB_SIZE];

    uint64_t icount;
    uint64_t icount_end;   /* the run's budget ends here (run_blocks) */
    unsigned chain_left;   /* blocks block_chain may still enter */
    const struct insn *cur_insn;
    struct block *cur_block;
    jmp_buf fault_jmp;
    int fault_depth;       /* nonzero while delivering an event */
    int exc_first;         /* vector being delivered (-1: external interrupt) */
    int exc_vec, exc_err;  /* the fault being unwound */

    /* block cache */
    struct block *blocks;          /* pool */
    unsigned nblocks, next_free;
    struct block *free_list;
    struct block *dead_list;       /* invalidated, freed at a block boundary */
    struct block scratch;          /* uncached one-instruction blocks */
    struct block **hash;           /* by physical address + mode */
    struct block **page_blocks;    /* per 4 KiB physical page below 4 GiB */
    /* linear CS:EIP -> block, in front of the TLB and the hash; flushed
     * with the TLB, entries checked against the block's generation */
    struct jump_cache {
        uint32_t lin;
        uint32_t mode;
        uint32_t gen;
        struct block *b;
    } jc[4096];
    uint64_t cr3_seen;

    struct cpu_bus bus;
    const struct cpu_model *model;
    struct logger *log;
    uint64_t tsc_offset;
    uint32_t unimp_logged[16];     /* opcodes (0x000-0x1ff) already logged */
    /* P6 performance counters: PerfEvtSel0/1 and PerfCtr0/1 (40 bits).
     * Events 0xC0 (instructions retired) and 0x79 (unhalted cycles, one
     * per instruction in interp's clock) count, as USR/OS select; a
     * counting counter is perfctr + (instructions now - pmc_since).  Other
     * events hold their value (logged once); see pmc_sync. */
    uint64_t perfevtsel[2], perfctr[2];
    uint64_t pmc_since;    /* instruction count at the last pmc_sync */
    uint8_t pmc_counting;  /* bit n: counter n counts now */
    bool pmc_logged;
};

static inline void cpu_end_block(struct cpu *c)
{
    c->run_end = NULL;
}

/* ---- threaded dispatch ----
 * When a whole block runs, the frequent handlers do not return to the run
 * loop: their threaded twins (insn.fast, cpu/threaded.c) run the next
 * instruction's fast form themselves, as a tail call.  A twin that may
 * end the block (a taken Jcc, a data breakpoint or a code write in a
 * memory access) returns instead; the block's sentinel insns[n] returns.
 * c->cur_insn always names the instruction running, for faults. */
static inline void thread_next(struct cpu *c, const struct insn *i)
{
    const struct insn *n = i + 1;
    c->cur_insn = n;
    n->fast(c, n);
}

/* The same after an instruction that may have ended the block. */
static inline void thread_next_checked(struct cpu *c, const struct insn *i)
{
    if (likely(c->run_end != NULL))
        thread_next(c, i);
}

/* ---- decoded blocks (cpu/block.c) ----
 * The run loop finds the next block through the jump cache (keyed by the
 * linear CS:EIP) inline; a miss goes to block_lookup. */
static inline unsigned jc_index(uint32_t lin)
{
    return (lin ^ (lin >> 12)) & 4095;
}

static inline struct block *jc_probe(const struct cpu *c,
                                     const struct jump_cache *jc,
                                     uint32_t lin, uint32_t mode, uint32_t eip)
{
    struct block *b = jc->b;
    /* an invalidated or reused block has a new generation */
    if (b && jc->lin == lin && jc->mode == mode && jc->gen == b->gen &&
        (uint64_t)eip + b->bytes - 1 <= c->s.seg[S_CS].limit)
        return b;
    return NULL;
}

struct block *block_lookup(struct cpu *c, struct block *scratch);
/* Pick insn.fast for each instruction of a decoded block. */
void block_flags_liveness(struct block *b);

static inline struct block *block_find(struct cpu *c, struct block *scratch)
{
    uint32_t lin = (uint32_t)c->s.seg[S_CS].base + c->eip;
    struct block *b = jc_probe(c, &c->jc[jc_index(lin)], lin,
                               c->s.seg[S_CS].db, c->eip);
    return __builtin_expect(b != NULL, 1) ? b : block_lookup(c, scratch);
}

/* Block chaining: at the end of a block that ran whole, a threaded handler
 * (a taken Jcc, a near JMP/CALL/RET, the sentinel) goes on with the block
 * at eip itself when the run loop would have nothing else to do in
 * between: no stop, debug or interrupt work (attn, TF/RF, a maskable
 * interrupt possibly pending), the next block in the jump cache and within
 * the budget.  block_chain_next() does the loop's bookkeeping (instruction
 * count, EIP, the block's run state) and gives the instruction to run, or
 * NULL (nothing changed); the caller runs it as a tail call.  chain_left
 * bounds the chain where the compiler makes no tail calls. */
static inline const struct insn *block_chain_next(struct cpu *c,
                                                  const struct insn *last,
                                                  uint32_t eip)
{
    if (unlikely(c->attn | c->dbg_pending) ||
        (c->s.rflags & (F_TF | F_RF)) || c->chain_left == 0)
        return NULL;
    if ((c->s.rflags & F_IF) && c->bus.intr_pending &&
        (!c->bus.intr_hint || *c->bus.intr_hint))
        return NULL;
    eip &= c->ip_mask;
    const uint32_t lin = (uint32_t)c->s.seg[S_CS].base + eip;
    struct block *nb = jc_probe(c, &c->jc[jc_index(lin)], lin,
                                c->s.seg[S_CS].db, eip);
    const uint64_t icount = c->icount + last->idx + 1u;
    if (!nb || icount + nb->n > c->icount_end)
        return NULL;
    c->chain_left--;
    c->icount = icount;
    c->eip = eip;
    c->cur_block = nb;
    c->delivered = false;
    c->jumped = false;
    c->run_end = &nb->insns[nb->n];
    c->cur_insn = nb->insns;
    return nb->insns;
}

static inline void block_chain(struct cpu *c, const struct insn *last,
                               uint32_t eip)
{
    const struct insn *n = block_chain_next(c, last, eip);
    if (n)
        n->fast(c, n);
}

/* ---- faults ---- */
#define EXC_DE 0
#define EXC_DB 1
#define EXC_NMI 2
#define EXC_BP 3
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6
#define EXC_NM 7
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_MF 16
#define EXC_AC 17
#define NO_ERR (-1)

/* Raise an exception for the current instruction: unwinds to the run loop
 * with EIP at the faulting instruction. */
__attribute__((noreturn)) void cpu_fault(struct cpu *c, int vec, int err);
/* Deliver an interrupt/exception now (from the run loop or INT n). */
void cpu_deliver(struct cpu *c, int vec, int err, bool soft, uint32_t ret_eip);

/* ---- flags (cpu/flags.c) ---- */
uint32_t lf_arith(const struct cpu *c);          /* the six arithmetic flags */
bool cpu_cond(const struct cpu *c, unsigned cc); /* Jcc/SETcc/CMOVcc cc 0..15 */
bool cpu_cond_slow(const struct cpu *c, unsigned cc);
uint32_t cpu_get_eflags(const struct cpu *c);
/* Write EFLAGS bits selected by mask (arithmetic flags become eager). */
void cpu_set_eflags(struct cpu *c, uint32_t val, uint32_t mask);

static inline void lf_set(struct cpu *c, uint32_t op, uint32_t bits,
                          uint32_t res, uint32_t a, uint32_t b)
{
    c->lf.op = op;
    c->lf.bits = bits;
    c->lf.res = res;
    c->lf.a = a;
    c->lf.b = b;
}

/* CF alone (ADC/SBB/INC/DEC/RCL...): the common cases straight from the
 * lazy operands, -1 where it takes lf_arith. */
static inline int lf_cf_fast(const struct cpu *c)
{
    const struct lazy_flags *l = &c->lf;
    const unsigned sh = (32 - l->bits) & 31;
    switch (l->op) {
    case LF_NONE: return !!(c->s.rflags & F_CF);
    case LF_ADD: return (l->res << sh) < (l->a << sh);
    case LF_SUB: return (l->a << sh) < (l->b << sh);
    case LF_LOGIC: return 0;
    case LF_EXPL: return !!(l->aux & F_CF);
    default: return -1;
    }
}

static inline bool lf_cf(const struct cpu *c)
{
    const int cf = lf_cf_fast(c);
    return cf >= 0 ? cf : !!(lf_arith(c) & F_CF);
}

/* Rotates: CF and OF from the operation, the other arithmetic flags as
 * they were (still lazy). */
static inline void lf_set_cf_of(struct cpu *c, uint32_t cf_of)
{
    if (c->lf.op == LF_NONE) {
        c->s.rflags = (c->s.rflags & ~(uint64_t)(F_CF | F_OF)) | cf_of;
    } else {
        c->lf.op |= LF_ROT;
        c->lf.rot = cf_of;
    }
}

/* CF/OF/AF given explicitly, SF/ZF/PF from res. */
static inline void lf_expl(struct cpu *c, uint32_t bits, uint32_t res,
                           uint32_t cf_of_af)
{
    c->lf.op = LF_EXPL;
    c->lf.bits = bits;
    c->lf.res = res;
    c->lf.aux = cf_of_af;
}

/* ---- registers ---- */
static inline uint8_t *reg8p(struct cpu *c, unsigned off)
{
    return (uint8_t *)c->s.gpr + off;
}
/* ModRM register number (0-7) to its byte offset in s.gpr for 8-bit use. */
static inline unsigned reg8_off(unsigned r)
{
    return (r & 3) * 8 + (r >> 2);
}
static inline uint32_t get_reg(struct cpu *c, unsigned r, unsigned size)
{
    if (size == 1)
        return *reg8p(c, r);
    if (size == 2)
        return (uint16_t)c->s.gpr[r];
    return (uint32_t)c->s.gpr[r];
}
static inline void set_reg(struct cpu *c, unsigned r, uint32_t v, unsigned size)
{
    if (size == 1)
        *reg8p(c, r) = (uint8_t)v;
    else if (size == 2)
        c->s.gpr[r] = (c->s.gpr[r] & ~(uint64_t)0xffff) | (uint16_t)v;
    else
        c->s.gpr[r] = v;
}

/* ---- memory (cpu/mmu.c holds the slow paths) ---- */
uint32_t mem_read_slow(struct cpu *c, int seg, uint32_t off, unsigned size);
void mem_write_slow(struct cpu *c, int seg, uint32_t off, uint32_t val,
                    unsigned size);
__attribute__((noreturn)) void seg_fault(struct cpu *c, int seg);
void tlb_flush(struct cpu *c);
/* CR3 write: drop everything but global entries (CR4.PGE). */
void tlb_flush_nonglobal(struct cpu *c);
/* INVLPG: the page holding lin (the whole large page if it is one). */
void tlb_invlpg(struct cpu *c, uint32_t lin);
/* PAE: read the four PDPTEs at CR3; with check, false (nothing loaded)
 * if a present one has reserved bits set. */
bool mmu_load_pdptes(struct cpu *c, uint32_t cr3, bool check);
/* Implicit supervisor accesses (descriptor tables, TSS, IDT): rights are
 * those of CPL 0 whatever the CPL. */
uint32_t sys_read(struct cpu *c, uint32_t lin, unsigned size);
void sys_write(struct cpu *c, uint32_t lin, uint32_t val, unsigned size);
/* Check that a supervisor write to [lin, lin+len) would not fault. */
void sys_probe_write(struct cpu *c, uint32_t lin, unsigned len);
/* One byte of an instruction fetch (page-crossing instructions): faults
 * as a fetch (NX, I/D in the #PF error code). */
uint8_t lin_fetch_byte(struct cpu *c, uint32_t lin);
/* Linear -> host pointer for a fetch of `len` bytes within one page, or NULL
 * (and *phys set) for code outside RAM/ROM.  Faults as an instruction fetch. */
const uint8_t *mmu_fetch_ptr(struct cpu *c, uint32_t lin, uint64_t *phys);
/* The page checks of a byte read at lin by the current CPL, without the
 * read (CLFLUSH): #PF if it would fault. */
void mmu_probe_read(struct cpu *c, uint32_t lin);
/* Linear read/write used by descriptor-table and TSS accesses (CPL 0). */
uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size);
void lin_write(struct cpu *c, uint32_t lin, uint32_t val, unsigned size);
/* Physical page written: drop decoded code on it. */
void code_page_written(struct cpu *c, uint64_t phys_page);

static inline bool seg_ok(const struct cpu *c, int seg, int w, uint32_t off,
                          unsigned size)
{
    /* lo <= off && off + size - 1 <= hi, in one compare: an offset below
     * lo wraps to 2^32 - (lo - off), beyond any span */
    const struct seg_range *r = &c->rng[seg][w];
    return (int64_t)(uint32_t)(off - r->lo) + (size - 1) <= r->span;
}

/* The host address of an access the fast path can make (inside the
 * segment's range, a TLB hit within one page), else NULL.  A hit never
 * touches MMIO, a page with decoded code (writes) or a page with a data
 * breakpoint: those have no TLB entry of that kind. */
static inline void *mem_host(struct cpu *c, int seg, int w, uint32_t off,
                             unsigned size)
{
    if (likely(seg_ok(c, seg, w, off, size))) {
        uint32_t lin = (uint32_t)c->s.seg[seg].base + off;
        const struct tlb_entry *e = &c->tlb[w][(lin >> 12) & (TLB_SIZE - 1)];
        if (likely(e->tag == (lin & ~0xfffu) && (lin & 0xfff) <= 0x1000 - size))
            return (void *)(e->addend + lin);
    }
    return NULL;
}

static inline uint32_t mem_read(struct cpu *c, int seg, uint32_t off,
                                unsigned size)
{
    const void *p = mem_host(c, seg, TLB_READ, off, size);
    if (likely(p != NULL)) {
        uint32_t v = 0;
        memcpy(&v, p, size);   /* little-endian host */
        return v;
    }
    return mem_read_slow(c, seg, off, size);
}

static inline void mem_write(struct cpu *c, int seg, uint32_t off, uint32_t val,
                             unsigned size)
{
    void *p = mem_host(c, seg, TLB_WRITE, off, size);
    if (likely(p != NULL))
        memcpy(p, &val, size);
    else
        mem_write_slow(c, seg, off, val, size);
}

/* Check that a write would succeed (for instructions that must not fault
 * half-way, e.g. before committing a register). */
void mem_probe_write(struct cpu *c, int seg, uint32_t off, unsigned size);

/* Effective address of a memory operand (segment offset). */
static inline uint32_t insn_ea(const struct cpu *c, const struct insn *i)
{
    uint32_t ea = i->disp + (uint32_t)c->s.gpr[i->base] +
                  ((uint32_t)c->s.gpr[i->index] << i->scale);
    return ea & (0xffffffffu >> i->ea_shift);
}

/* Operand E (ModRM rm) of the instruction's size, register or memory. */
static inline uint32_t get_E(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3)
        return get_reg(c, i->rm, i->osize);
    return mem_read(c, i->seg, insn_ea(c, i), i->osize);
}
static inline void set_E(struct cpu *c, const struct insn *i, uint32_t v)
{
    if (i->mod == 3)
        set_reg(c, i->rm, v, i->osize);
    else
        mem_write(c, i->seg, insn_ea(c, i), v, i->osize);
}

/* ---- stack ---- */
static inline uint32_t sp_mask(const struct cpu *c)
{
    return c->s.seg[S_SS].db ? 0xffffffffu : 0xffffu;
}
void cpu_push(struct cpu *c, uint32_t v, unsigned size);
uint32_t cpu_pop(struct cpu *c, unsigned size);
/* Read stack slot n (0 = top) without popping, for instructions that
 * must not change ESP before they can no longer fault. */
uint32_t cpu_stack_peek(struct cpu *c, unsigned off, unsigned size);
/* Check that `count` pushes of `size` bytes will not fault, slot by slot as
 * the pushes address them (a 16-bit stack wraps within the segment). */
void cpu_stack_probe(struct cpu *c, unsigned count, unsigned size);
void cpu_set_sp(struct cpu *c, uint32_t sp);

/* ---- debug registers (cpu/cpu.c) ---- */
#define DR6_BD 0x2000u
#define DR6_BS 0x4000u
#define DR6_BT 0x8000u
/* DR0-DR3/DR7 or CR4.DE changed: recompute what is armed, flush the TLB. */
void dbg_update(struct cpu *c);
/* Data breakpoints hit by an access (sets dbg_pending, ends the block). */
void dbg_check_data(struct cpu *c, uint32_t lin, unsigned size, bool write);
void dbg_check_io(struct cpu *c, uint16_t port, unsigned size);
/* Raise #DB as a fault now with these DR6 bits (GD, instruction bp). */
__attribute__((noreturn)) void dbg_fault(struct cpu *c, uint32_t dr6_bits);

/* ---- segments and modes (cpu/exec_system.c) ---- */
void seg_update_ranges(struct cpu *c, int seg);
void cpu_mode_changed(struct cpu *c);   /* CR0/CS/SS changed: masks, cpl */
/* MOV/POP to a segment register, with protected-mode checks. */
void load_seg(struct cpu *c, int seg, uint16_t sel);
void cpu_far_jump(struct cpu *c, uint16_t sel, uint32_t eip, unsigned osize,
                  bool call);
void cpu_far_return(struct cpu *c, unsigned osize, uint16_t extra, bool iret);
/* Change CPL (flushes the TLB under paging: it caches user rights). */
void cpu_set_cpl(struct cpu *c, int cpl);
/* Performance counters (cpu/exec_misc.c): fold the instructions counted
 * since the last call into the counters that count, and decide again
 * which do (EN, event, USR/OS against CPL).  Called before and after
 * anything they depend on changes, and before they are read. */
void pmc_sync(struct cpu *c);
#define PERFEVTSEL_EN (1u << 22)
/* PerfEvtSel0.EN: the counters are on (CPL changes need pmc_sync). */
static inline bool pmc_on(const struct cpu *c)
{
    return c->perfevtsel[0] & PERFEVTSEL_EN;
}
/* A descriptor as stored in the GDT/LDT. */
struct desc {
    uint32_t lo, hi;
};
/* Read the descriptor for sel; false if beyond the table limit. */
bool desc_read(struct cpu *c, uint16_t sel, struct desc *d, uint32_t *addr);
void desc_to_seg(const struct desc *d, uint16_t sel, struct x86_seg *s);
/* Load a segment register with a descriptor already checked. */
void seg_set(struct cpu *c, int seg, const struct x86_seg *s);
/* Virtual-8086 segment: base sel*16, limit 64K, rights 0xF3. */
void seg_load_v86(struct cpu *c, int seg, uint16_t sel);
void seg_set_null(struct cpu *c, int seg, uint16_t sel);
/* EFLAGS change that may enter or leave virtual-8086 mode. */
void cpu_load_eflags(struct cpu *c, uint32_t val, uint32_t mask);

/* ---- hardware task switch (cpu/task.c) ---- */
enum task_reason { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switch to the task of TSS selector sel (descriptor d already read and
 * checked by the caller as the reason requires); err >= 0 is pushed on
 * the new task's stack (exception through a task gate). */
void task_switch(struct cpu *c, uint16_t sel, struct desc *d, uint32_t daddr,
                 enum task_reason why, uint32_t ret_eip, int err);
/* CALL/JMP to a TSS descriptor or task gate. */
void task_far_transfer(struct cpu *c, uint16_t sel, struct desc *d,
                       uint32_t daddr, bool call);
/* IRET with NT=1. */
void task_return(struct cpu *c);
/* Through a task gate (descriptor low word `gate_lo`): the TSS it names
 * must be an available one in the GDT, then switch to it. */
void task_through_gate(struct cpu *c, uint32_t gate_lo, enum task_reason why,
                       uint32_t ret_eip, int err);

/* ---- virtual-8086 mode (cpu/v86.c) ---- */
/* INT n in virtual-8086 mode: true if handled (VME redirection). */
bool v86_soft_int(struct cpu *c, int vec);
/* IRET in virtual-8086 mode. */
void v86_iret(struct cpu *c, unsigned osize);
/* PUSHF/POPF in virtual-8086 mode with IOPL < 3 (VME or #GP). */
void v86_pushf(struct cpu *c, unsigned osize);
void v86_popf(struct cpu *c, unsigned osize);
/* CLI/STI that VME/PVI turn into VIF updates: true if done. */
bool vif_cli_sti(struct cpu *c, bool sti);
static inline bool pmode(const struct cpu *c)
{
    return (c->s.cr0 & CR0_PE) && !(c->s.rflags & F_VM);
}

/* A condition (cc 0..15, a constant where inlined) straight from the lazy
 * flags for the common cases: ZF/SF from any result, CF, the unsigned and
 * signed compares after SUB/CMP and after logic ops; -1 for the rest
 * (cpu_cond_slow). */
static inline int cpu_cond_fast(const struct cpu *c, unsigned cc)
{
    const struct lazy_flags *l = &c->lf;
    const unsigned sh = (32 - l->bits) & 31;   /* bits is 0 before any op */
    const bool inv = cc & 1;
    const uint32_t res = l->res << sh, a = l->a << sh, b = l->b << sh;
    switch (cc >> 1) {
    case 2:     /* Z */
        if (l->op != LF_NONE)
            return (res == 0) ^ inv;
        break;
    case 4:     /* S */
        if (l->op != LF_NONE)
            return ((int32_t)res < 0) ^ inv;
        break;
    case 1: {   /* B */
        const int cf = lf_cf_fast(c);
        if (cf >= 0)
            return cf ^ inv;
        break;
    }
    case 3:     /* BE */
        if (l->op == LF_SUB)
            return (a <= b) ^ inv;
        if (l->op == LF_LOGIC)
            return (res == 0) ^ inv;
        break;
    case 6:     /* L */
        if (l->op == LF_SUB)
            return ((int32_t)a < (int32_t)b) ^ inv;
        if (l->op == LF_LOGIC)
            return ((int32_t)res < 0) ^ inv;
        break;
    case 7:     /* LE */
        if (l->op == LF_SUB)
            return ((int32_t)a <= (int32_t)b) ^ inv;
        if (l->op == LF_LOGIC)
            return (res == 0 || (int32_t)res < 0) ^ inv;
        break;
    }
    return -1;
}

static inline bool cpu_cond_inline(const struct cpu *c, unsigned cc)
{
    const int r = cpu_cond_fast(c, cc);
    return r >= 0 ? r : cpu_cond_slow(c, cc);
}

/* ---- EIP inside a block (see struct cpu's eip) ---- */
/* The running instruction's EIP (between blocks: c->eip). */
static inline uint32_t cpu_cur_eip(const struct cpu *c)
{
    if (!c->cur_insn)
        return c->eip;
    return c->eip + c->cur_insn->off;   /* a block never wraps IP */
}
/* The EIP after instruction i of the running block (its return address),
 * not yet wrapped to 16 bits (the run loop masks it when it moves on). */
static inline uint32_t insn_next_eip(const struct cpu *c, const struct insn *i)
{
    return c->eip + i->off + i->len;
}
/* The same for the running instruction (between blocks: c->eip). */
static inline uint32_t cpu_next_eip(const struct cpu *c)
{
    return c->cur_insn ? insn_next_eip(c, c->cur_insn) : c->eip;
}
/* A control transfer: the block ends and continues at eip. */
static inline void cpu_set_next_eip(struct cpu *c, uint32_t eip)
{
    c->next_eip = eip;
    c->jumped = true;
}
/* Move to eip at once, so that a fault raised from here on (a task
 * switch's checks in the new task, an interrupt's delivery) reports it:
 * the block base is moved so that the running instruction sits at eip. */
static inline void cpu_set_eip_now(struct cpu *c, uint32_t eip)
{
    if (c->cur_insn) {
        c->eip = eip - c->cur_insn->off;
        cpu_set_next_eip(c, eip);
    } else {
        c->eip = c->next_eip = eip;
    }
}

/* ---- decode (cpu/decode.c) ---- */
/* Decode one instruction from `bytes` (at most `max`, and no further than
 * the code limit allows) in the given mode; returns its length, or 0 if the
 * bytes ran out (instruction continues past max).  Never fails otherwise:
 * an invalid opcode decodes to a #UD handler. */
int decode_insn(const uint8_t *bytes, int max, bool code32, struct insn *i);
bool insn_ends_block(const struct insn *i);
const char *insn_mnemonic(const struct insn *i);

/* ---- handler families ---- */
void exec_invalid(struct cpu *c, const struct insn *i);
void log_unimp_opcode(struct cpu *c, const struct insn *i);

#endif
