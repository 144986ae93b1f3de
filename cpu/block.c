/* The decoded-block cache.  Blocks are keyed by guest-physical address and
 * decode mode, never span a page, and hang off a per-page list so that a
 * write into a page drops exactly the blocks decoded from it. */
#include "cpu/exec.h"

#include <stdlib.h>

#define HASH_BITS 15
#define NR_BLOCKS 8192
#define NR_PAGES (1u << 20)        /* 4 GiB of 4 KiB pages */

static unsigned block_hash(uint64_t phys, uint32_t mode)
{
    uint64_t h = (phys ^ ((uint64_t)mode << 40)) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> (64 - HASH_BITS));
}

int block_cache_init(struct cpu *c)
{
    c->blocks = calloc(NR_BLOCKS, sizeof *c->blocks);
    c->hash = calloc(1u << HASH_BITS, sizeof *c->hash);
    c->page_blocks = calloc(NR_PAGES, sizeof *c->page_blocks);
    if (!c->blocks || !c->hash || !c->page_blocks)
        return -1;
    c->nblocks = NR_BLOCKS;
    return 0;
}

void block_cache_free(struct cpu *c)
{
    free(c->blocks);
    free(c->hash);
    free(c->page_blocks);
}

/* Forget every block (pool exhausted, or a wholesale flush). */
static void block_cache_flush(struct cpu *c)
{
    memset(c->hash, 0, (sizeof *c->hash) << HASH_BITS);
    memset(c->page_blocks, 0, NR_PAGES * sizeof *c->page_blocks);
    for (unsigned k = 0; k < c->nblocks; k++)
        c->blocks[k].gen++;   /* jump-cache entries to it go stale */
    c->free_list = NULL;
    c->dead_list = NULL;
    c->reclaim = false;
    c->next_free = 0;
    if (c->cur_block)
        cpu_end_block(c);
}

static void hash_remove(struct cpu *c, struct block *b)
{
    struct block **pp = &c->hash[block_hash(b->phys, b->mode)];
    while (*pp && *pp != b)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = b->hash_next;
}

void code_page_written(struct cpu *c, uint64_t phys_page)
{
    if (phys_page >= (1ull << 32))
        return;
    struct block **head = &c->page_blocks[phys_page >> 12];
    struct block *b = *head;
    *head = NULL;
    while (b) {
        struct block *next = b->page_next;
        hash_remove(c, b);
        b->gen++;   /* jump-cache entries to it go stale */
        if (b == c->cur_block)
            cpu_end_block(c);   /* self-modifying: leave it after this insn */
        b->page_next = c->dead_list;
        c->dead_list = b;
        c->reclaim = true;
        b = next;
    }
}

void cpu_invalidate_code(struct cpu *c, uint64_t gpa, uint64_t len)
{
    if (!len)
        return;
    for (uint64_t p = gpa & ~0xfffull; p < gpa + len; p += 0x1000)
        code_page_written(c, p);
}

/* Called between blocks: recycle what invalidation killed. */
void block_reclaim(struct cpu *c)
{
    while (c->dead_list) {
        struct block *b = c->dead_list;
        c->dead_list = b->page_next;
        b->hash_next = c->free_list;
        c->free_list = b;
    }
    c->reclaim = false;
}

static struct block *block_alloc(struct cpu *c)
{
    struct block *b;
    if (c->free_list) {
        b = c->free_list;
        c->free_list = b->hash_next;
        b->gen++;
        return b;
    }
    if (c->next_free == c->nblocks) {
        block_cache_flush(c);
        if (c->cur_block)   /* still executing: cannot reuse its memory yet */
            return NULL;
    }
    b = &c->blocks[c->next_free++];
    b->gen++;
    return b;
}


/* Drop TLB write entries for a page that now holds code, so that the next
 * write takes the slow path and invalidates. */
static void protect_code_page(struct cpu *c, uint64_t phys_page)
{
    for (int i = 0; i < TLB_SIZE; i++)
        if (c->tlb[TLB_WRITE][i].tag != TLB_INVALID &&
            c->tlb[TLB_WRITE][i].phys == phys_page)
            c->tlb[TLB_WRITE][i].tag = TLB_INVALID;
}

/* Where a JMP rel32 in 32-bit code lands, as an offset from the block
 * start, if decoding may simply go on there: the target lies in the same
 * page and within the code limit (the block's byte range covers it, so
 * the run loop's limit check keeps it valid).  16-bit code is left out:
 * its IP wraps at 64K relative to wherever the block is entered. */
static bool jmp_follow(const struct cpu *c, const struct insn *i, uint32_t lin,
                       int64_t next, uint32_t limit, int64_t *to)
{
    if (i->fn != exec_jmp_rel || i->osize != 4)
        return false;
    int64_t t = next + (int32_t)i->imm;
    int64_t pos = (int64_t)(lin & 0xfff) + t;
    int64_t eip = (int64_t)c->eip + t;
    if (pos < 0 || pos >= 0x1000 || eip < 0 || eip > limit)
        return false;
    *to = t;
    return true;
}

/* Decode a block at linear `lin` whose bytes are at host `p` (the rest of
 * the page), into b.  Stops at a control transfer, the page end or the
 * code-segment limit; conditional jumps are side exits, and a JMP in
 * 32-bit code to the same page is followed (it runs as a no-op when the
 * whole block runs, see cpu/flags_live.c).  An instruction that straddles
 * the page end is decoded from a bounce buffer into a one-instruction
 * uncached block. */
static void block_decode(struct cpu *c, struct block *b, const uint8_t *p,
                         uint32_t lin, bool code32)
{
    const int64_t avail = 0x1000 - (lin & 0xfff);
    /* 16-bit code wraps IP at 0xFFFF: a block never runs past it, even
     * when the cached CS limit is larger (unreal mode) */
    uint32_t limit = c->s.seg[S_CS].limit;
    if (!code32 && limit > 0xffff)
        limit = 0xffff;
    const int64_t limit_left = (int64_t)limit - c->eip;   /* bytes - 1 */
    int64_t off = 0, end = 0;   /* from the block start (may go below 0) */
    b->n = 0;
    while (b->n < BLOCK_MAX_INSNS) {
        struct insn *i = &b->insns[b->n];
        int64_t max = avail - off;
        if (max > 15)
            max = 15;
        if (limit_left + 1 < off + max) {
            /* The code limit cuts the fetch: fault if the insn needs more. */
            if (off > limit_left)
                break;
            max = limit_left + 1 - off;
        }
        int len = decode_insn(p + off, (int)max, code32, i);
        i->off = (int16_t)off;
        i->idx = (uint8_t)b->n;
        if (len == 0) {
            if (b->n > 0)
                break;
            if (max < 15 && off + max == avail && limit_left + 1 > max) {
                b->bytes = 0;   /* straddles the page: caller handles */
                return;
            }
            cpu_fault(c, EXC_GP, 0);   /* past the code-segment limit */
        }
        off += len;
        if (off > end)
            end = off;
        b->n++;
        int64_t to;
        if (code32 && b->n < BLOCK_MAX_INSNS &&
            jmp_follow(c, i, lin, off, limit, &to)) {
            i->ends = 0;   /* marks it as followed */
            off = to;
            continue;
        }
        if (insn_ends_block(i) || off >= avail)
            break;
    }
    if (b->n == 0)
        cpu_fault(c, EXC_GP, 0);
    /* nothing decoded at a followed JMP's target: it ends the block */
    struct insn *last = &b->insns[b->n - 1];
    if (last->fn == exec_jmp_rel)
        last->ends = 1;
    b->bytes = (uint16_t)end;
    block_flags_liveness(b);
}

/* The block to run at the current CS:EIP.  `scratch` receives uncached
 * blocks (MMIO code, page-straddling instructions). */
struct block *block_lookup(struct cpu *c, struct block *scratch)
{
    uint32_t lin = (uint32_t)c->s.seg[S_CS].base + c->eip;
    bool code32 = c->s.seg[S_CS].db;
    uint32_t mode = code32;
    uint64_t phys;
    struct jump_cache *jc = &c->jc[jc_index(lin)];
    struct block *hit = jc_probe(c, jc, lin, mode, c->eip);
    if (hit)
        return hit;
    if (c->eip > c->s.seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    const uint8_t *p = mmu_fetch_ptr(c, lin, &phys);
    if (p) {
        struct block *b = c->hash[block_hash(phys, mode)];
        for (; b; b = b->hash_next)
            if (b->phys == phys && b->mode == mode) {
                if ((uint64_t)c->eip + b->bytes - 1 <= c->s.seg[S_CS].limit) {
                    *jc = (struct jump_cache){ lin, mode, b->gen, b };
                    return b;
                }
                break;
            }
    }
    /* Fetch the bytes: straight from the page, or byte by byte (MMIO code,
     * instruction crossing into the next page). */
    uint8_t buf[16];
    if (p) {
        struct block *b = phys < (1ull << 32) ? block_alloc(c) : NULL;
        if (b) {
            block_decode(c, b, p, lin, code32);
            if (b->bytes) {
                b->phys = phys;
                b->mode = mode;
                unsigned h = block_hash(phys, mode);
                b->hash_next = c->hash[h];
                c->hash[h] = b;
                struct block **ph = &c->page_blocks[phys >> 12];
                if (!*ph)
                    protect_code_page(c, phys & ~0xfffull);
                b->page_next = *ph;
                *ph = b;
                *jc = (struct jump_cache){ lin, mode, b->gen, b };
                return b;
            }
            /* give it back */
            b->hash_next = c->free_list;
            c->free_list = b;
        }
    }
    /* Fetch only as many bytes as the instruction needs, so that a fault
     * on the following page is raised only when the instruction reaches it. */
    unsigned n = 15;
    if ((uint64_t)c->eip + n - 1 > c->s.seg[S_CS].limit)
        n = c->s.seg[S_CS].limit - c->eip + 1;
    int len = 0;
    for (unsigned k = 0; k < n && len == 0; k++) {
        buf[k] = (uint8_t)lin_read(c, lin + k, 1);
        len = decode_insn(buf, (int)k + 1, code32, &scratch->insns[0]);
    }
    if (len == 0)
        cpu_fault(c, EXC_GP, 0);
    scratch->insns[0].off = 0;
    /* the plain handler: it returns to the run loop (no twin, no chain) */
    scratch->insns[0].fast = scratch->insns[0].fn;
    scratch->n = 1;
    scratch->bytes = (uint16_t)len;
    return scratch;
}
