/* Page walks of the interpreter CPU used as a library (cpu/cpu.h) over a
 * flat RAM bus: 32-bit paging with 4 KiB and 4 MiB pages, PAE with 2 MiB
 * pages and the PDPTE registers, execute-disable, global pages across CR3
 * writes, INVLPG of one page, CR0.WP, the #PF error code and CR2, and the
 * A20 mask.  Programs are hand-assembled 32-bit code that ends in HLT;
 * the #PF/#GP handlers leave the vector in AL, the error code in EBX and
 * CR2 in ECX.  Expected values follow the SDM (vol. 3 ch. 4). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"

#define RAM_SIZE (16u << 20)
#define IDT 0x1000u
#define HANDLERS 0x2000u
#define CODE 0x3000u
#define STACK 0x8000u

struct flat {
    uint8_t *ram;
    struct cpu *c;
};

static uint8_t *flat_page_ptr(void *opaque, uint64_t gpa, bool write)
{
    struct flat *f = opaque;
    (void)write;
    return gpa < RAM_SIZE ? f->ram + (gpa & ~0xfffull) : NULL;
}

static uint64_t flat_mem_read(void *opaque, uint64_t gpa, unsigned size)
{
    struct flat *f = opaque;
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= (uint64_t)(gpa + k < RAM_SIZE ? f->ram[gpa + k] : 0xff) << (8 * k);
    return v;
}

static void flat_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    struct flat *f = opaque;
    for (unsigned k = 0; k < size; k++)
        if (gpa + k < RAM_SIZE)
            f->ram[gpa + k] = (uint8_t)(val >> (8 * k));
}

static uint32_t flat_io_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0xffffffffu;
}

static void flat_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)val;
    (void)size;
}

static void wr32(struct flat *f, uint32_t a, uint32_t v)
{
    memcpy(f->ram + a, &v, 4);
}

static void wr64(struct flat *f, uint32_t a, uint64_t v)
{
    memcpy(f->ram + a, &v, 8);
}

static uint32_t rd32(struct flat *f, uint32_t a)
{
    uint32_t v;
    memcpy(&v, f->ram + a, 4);
    return v;
}

static void put(struct flat *f, uint32_t a, const uint8_t *b, size_t n)
{
    memcpy(f->ram + a, b, n);
    cpu_invalidate_code(f->c, a, n);
}

static struct x86_state *st(struct flat *f)
{
    return cpu_state(f->c);
}

static uint32_t reg(struct flat *f, int r)
{
    return (uint32_t)st(f)->gpr[r];
}

static void flat_seg(struct x86_seg *s, bool code)
{
    memset(s, 0, sizeof *s);
    s->sel = code ? 0x08 : 0x10;
    s->limit = 0xffffffffu;
    s->type = code ? 0xb : 0x3;
    s->s = 1;
    s->present = 1;
    s->db = 1;
    s->g = 1;
}

/* Interrupt gate for vec -> 08:handler in the IDT. */
static void set_gate(struct flat *f, int vec, uint32_t handler)
{
    wr32(f, IDT + vec * 8, (0x08u << 16) | (handler & 0xffff));
    wr32(f, IDT + vec * 8 + 4, (handler & 0xffff0000u) | 0x8e00);
}

static struct flat *flat_new(void)
{
    struct flat *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->ram = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(f->ram);
    const struct cpu_bus bus = {
        .opaque = f,
        .page_ptr = flat_page_ptr,
        .mem_read = flat_mem_read,
        .mem_write = flat_mem_write,
        .io_in = flat_io_in,
        .io_out = flat_io_out,
    };
    f->c = cpu_new(&bus, cpu_model_default(), NULL);
    ck_assert_ptr_nonnull(f->c);
    /* #PF: pop ebx; mov ecx, cr2; mov al, 14; hlt
     * #GP: pop ebx; mov al, 13; hlt */
    static const uint8_t pf[] = { 0x5b, 0x0f, 0x20, 0xd1, 0xb0, 0x0e, 0xf4 };
    static const uint8_t gp[] = { 0x5b, 0xb0, 0x0d, 0xf4 };
    put(f, HANDLERS, pf, sizeof pf);
    put(f, HANDLERS + 0x10, gp, sizeof gp);
    set_gate(f, 14, HANDLERS);
    set_gate(f, 13, HANDLERS + 0x10);
    /* GDT at 6000: 08 flat code, 10 flat data (ring 0) */
    wr32(f, 0x6008, 0x0000ffff);
    wr32(f, 0x600c, 0x00cf9b00);
    wr32(f, 0x6010, 0x0000ffff);
    wr32(f, 0x6014, 0x00cf9300);
    return f;
}

static void flat_free(struct flat *f)
{
    cpu_free(f->c);
    free(f->ram);
    free(f);
}

/* 32-bit flat protected mode at CODE with the given paging registers. */
static void enter(struct flat *f, uint32_t cr0_extra, uint32_t cr3, uint32_t cr4,
                  uint64_t efer)
{
    struct x86_state *s = st(f);
    for (int k = 0; k < 6; k++)
        flat_seg(&s->seg[k], k == S_CS);
    s->tr.type = 0xb;
    s->tr.present = 1;
    s->tr.limit = 0x67;
    s->idt.base = IDT;
    s->idt.limit = 0x7ff;
    s->gdt.base = 0x6000;
    s->gdt.limit = 0x17;
    s->cr0 = CR0_PE | CR0_ET | cr0_extra;
    s->cr3 = cr3;
    s->cr4 = cr4;
    s->efer = efer;
    s->rip = CODE;
    s->rflags = 0x2;
    s->gpr[R_ESP] = STACK;
    s->gpr[R_EAX] = 0;
    s->ev.halted = false;
    cpu_state_changed(f->c);
}

/* Run a program at CODE (from the current state) to HLT. */
static void run(struct flat *f, const uint8_t *prog, size_t n)
{
    put(f, CODE, prog, n);
    struct x86_state *s = st(f);
    s->rip = CODE;
    s->gpr[R_ESP] = STACK;
    s->ev.halted = false;
    cpu_state_changed(f->c);
    ck_assert_int_eq(cpu_run(f->c, 10000), CPU_STOP_HALT);
}
#define RUN(f, prog) run(f, prog, sizeof prog)

/* Program: mov eax, [addr]; hlt */
static void run_read(struct flat *f, uint32_t addr)
{
    uint8_t p[] = { 0xa1, (uint8_t)addr, (uint8_t)(addr >> 8),
                    (uint8_t)(addr >> 16), (uint8_t)(addr >> 24), 0xf4 };
    st(f)->gpr[R_EAX] = 0;
    cpu_state_changed(f->c);
    run(f, p, sizeof p);
}

/* Program: mov dword [addr], val; hlt */
static void run_write(struct flat *f, uint32_t addr, uint32_t val)
{
    uint8_t p[] = { 0xc7, 0x05, (uint8_t)addr, (uint8_t)(addr >> 8),
                    (uint8_t)(addr >> 16), (uint8_t)(addr >> 24),
                    (uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16),
                    (uint8_t)(val >> 24), 0xf4 };
    st(f)->gpr[R_EAX] = 0;
    cpu_state_changed(f->c);
    run(f, p, sizeof p);
}

/* Did the last program end in the #PF handler with this error code/CR2?
 * (A macro, so that a failure names the line of the check.) */
#define assert_pf(f, err, cr2)                                               \
    do {                                                                     \
        ck_assert_uint_eq(reg(f, R_EAX) & 0xff, 14);                         \
        ck_assert_uint_eq(reg(f, R_EBX), err);                               \
        ck_assert_uint_eq(reg(f, R_ECX), cr2);                               \
    } while (0)

#define PD 0x10000u
#define PT 0x11000u
#define PT2 0x12000u

/* 32-bit paging: PD[0] -> PT identity 0-4M (user, RW); PD[1] -> PT2. */
static void tables32(struct flat *f)
{
    for (uint32_t k = 0; k < 1024; k++)
        wr32(f, PT + 4 * k, (k << 12) | 7);
    wr32(f, PD, PT | 7);
    wr32(f, PD + 4, PT2 | 7);
}

START_TEST(test_walk32)
{
    struct flat *f = flat_new();
    tables32(f);
    wr32(f, PT2, 0x20000 | 3);            /* 400000 -> 20000 */
    wr32(f, 0x20000, 0xcafe);
    enter(f, CR0_PG, PD, 0, 0);
    run_read(f, 0x400000);
    ck_assert_uint_eq(reg(f, R_EAX), 0xcafe);
    ck_assert_uint_eq(rd32(f, PT2) & 0x60, 0x20);      /* A, not D */
    ck_assert_uint_eq(rd32(f, PD + 4) & 0x60, 0x20);
    run_write(f, 0x400010, 0x1234);
    ck_assert_uint_eq(rd32(f, 0x20010), 0x1234);
    ck_assert_uint_eq(rd32(f, PT2) & 0x60, 0x60);      /* D */
    ck_assert_uint_eq(rd32(f, PD + 4) & 0x40, 0);      /* no D in a PDE */
    /* not present: read, then write; CR2 is the faulting address */
    run_read(f, 0x401008);
    assert_pf(f, 0, 0x401008);
    run_write(f, 0x401008, 1);
    assert_pf(f, 2, 0x401008);
    /* a dword across into the missing page faults at its start */
    run_read(f, 0x400ffe);
    assert_pf(f, 0, 0x401000);
    /* no PDE */
    run_read(f, 0x800000);
    assert_pf(f, 0, 0x800000);
    flat_free(f);
}
END_TEST

START_TEST(test_pse_and_rsvd)
{
    struct flat *f = flat_new();
    tables32(f);
    wr32(f, PD + 8, 0x00400083);          /* 800000 -> 400000, 4 MiB */
    wr32(f, 0x420000, 0xbeef);
    enter(f, CR0_PG, PD, CR4_PSE, 0);
    run_read(f, 0x820000);
    ck_assert_uint_eq(reg(f, R_EAX), 0xbeef);
    ck_assert_uint_eq(rd32(f, PD + 8) & 0x60, 0x20);
    run_write(f, 0x820004, 5);
    ck_assert_uint_eq(rd32(f, 0x420004), 5);
    ck_assert_uint_eq(rd32(f, PD + 8) & 0x60, 0x60);
    /* bit 21 of a 4 MiB PDE is reserved: P|RSVD */
    wr32(f, PD + 12, 0x00600083);
    run_read(f, 0xc00000);
    assert_pf(f, 0x9, 0xc00000);
    /* without CR4.PSE, PS is ignored: the PDE points to a page table */
    wr32(f, PD + 8, PT2 | 3);
    wr32(f, PT2 + 0x20 * 4, 0x20000 | 3);
    wr32(f, 0x20000, 0x77);
    enter(f, CR0_PG, PD, 0, 0);
    wr32(f, PD + 8, PT2 | 0x83);
    run_read(f, 0x820000);
    ck_assert_uint_eq(reg(f, R_EAX), 0x77);
    flat_free(f);
}
END_TEST

START_TEST(test_user_and_wp)
{
    struct flat *f = flat_new();
    tables32(f);
    wr32(f, PT2, 0x20000 | 1);            /* read-only, supervisor */
    wr32(f, PT2 + 4, 0x21000 | 5);        /* read-only, user */
    enter(f, CR0_PG, PD, 0, 0);
    run_write(f, 0x400000, 7);            /* WP=0: supervisor may write */
    ck_assert_uint_eq(rd32(f, 0x20000), 7);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xff, 0);
    enter(f, CR0_PG | CR0_WP, PD, 0, 0);
    run_write(f, 0x400000, 8);
    assert_pf(f, 3, 0x400000);
    /* user accesses: CPL 3 (DPL-3 segments) */
    enter(f, CR0_PG, PD, 0, 0);
    struct x86_state *s = st(f);
    for (int k = 0; k < 6; k++) {
        s->seg[k].dpl = 3;
        s->seg[k].sel |= 3;
    }
    s->tr.base = 0x5000;
    wr32(f, 0x5004, STACK);               /* ESP0 */
    wr32(f, 0x5008, 0x10);                /* SS0: GDT entry 2 */
    cpu_state_changed(f->c);
    uint8_t rd[] = { 0xa1, 0x00, 0x00, 0x40, 0x00, 0xf4 };   /* supervisor page */
    put(f, CODE, rd, sizeof rd);
    s = st(f);
    s->rip = CODE;
    s->gpr[R_ESP] = 0x7000;
    cpu_state_changed(f->c);
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    assert_pf(f, 5, 0x400000);
    flat_free(f);
}
END_TEST

#define PDPT 0x10000u
#define PDE0 0x11000u
#define PTE0 0x12000u
#define PTE2 0x13000u

/* PAE: PDPTE0 -> PDE0; PDE0[0] -> PTE0 identity 0-2M; PDE0[2] -> PTE2
 * (400000-5FFFFF); PDE0[1]: 2 MiB page 200000 -> 600000. */
static void tables_pae(struct flat *f)
{
    for (uint32_t k = 0; k < 512; k++)
        wr64(f, PTE0 + 8 * k, (k << 12) | 3);
    wr64(f, PDPT, PDE0 | 1);
    wr64(f, PDE0, PTE0 | 3);
    wr64(f, PDE0 + 8, 0x600000 | 0x83);
    wr64(f, PDE0 + 16, PTE2 | 3);
}

START_TEST(test_pae)
{
    struct flat *f = flat_new();
    tables_pae(f);
    wr64(f, PTE2, 0x20000 | 3);
    wr32(f, 0x20000, 0x5a5a);
    wr32(f, 0x6a0000, 0x6a6a);
    enter(f, CR0_PG, PDPT, CR4_PAE, 0);
    run_read(f, 0x400000);
    ck_assert_uint_eq(reg(f, R_EAX), 0x5a5a);
    run_read(f, 0x2a0000);
    ck_assert_uint_eq(reg(f, R_EAX), 0x6a6a);
    ck_assert_uint_eq(rd32(f, PDE0 + 8) & 0x60, 0x20);
    /* reserved: bit 52 of a PTE; bit 63 without EFER.NXE; 2M bit 13 */
    wr64(f, PTE2 + 8, 0x21000 | 3 | (1ull << 52));
    run_read(f, 0x401000);
    assert_pf(f, 0x9, 0x401000);
    run_write(f, 0x401000, 0);
    assert_pf(f, 0xb, 0x401000);
    wr64(f, PTE2 + 16, 0x22000 | 3 | (1ull << 63));
    run_read(f, 0x402000);
    assert_pf(f, 0x9, 0x402000);
    wr64(f, PDE0 + 24, 0x800000 | 0x2083);
    run_read(f, 0x600000);
    assert_pf(f, 0x9, 0x600000);
    /* the PDPTEs are registers: a change in memory needs a CR3 write
     * (cpu_state_changed reloads them, so the program makes the change) */
    static const uint8_t stale[] = {
        0xc7, 0x05, 0x08, 0x00, 0x01, 0x00, 0x01, 0x10, 0x01, 0x00,
        0xa1, 0x00, 0x00, 0x40, 0x40, 0xf4,   /* mov eax, [40400000]; hlt */
    };
    RUN(f, stale);
    assert_pf(f, 0, 0x40400000);
    static const uint8_t reload[] = {
        0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8,   /* mov eax, cr3; mov cr3, eax */
        0xa1, 0x00, 0x00, 0x40, 0x40, 0xf4,   /* mov eax, [40400000]; hlt */
    };
    RUN(f, reload);
    ck_assert_uint_eq(reg(f, R_EAX), 0x5a5a);
    /* a present PDPTE with a reserved bit: MOV CR3 is #GP(0) */
    static const uint8_t bad[] = {
        0xc7, 0x05, 0x08, 0x00, 0x01, 0x00, 0x05, 0x10, 0x01, 0x00,  /* bit 2 */
        0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xf4,
    };
    RUN(f, bad);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xff, 13);
    ck_assert_uint_eq(reg(f, R_EBX), 0);
    flat_free(f);
}
END_TEST

START_TEST(test_nx)
{
    struct flat *f = flat_new();
    tables_pae(f);
    wr64(f, PTE2, 0x20000 | 3 | (1ull << 63));    /* 400000: XD */
    f->ram[0x20000] = 0xf4;                        /* hlt */
    wr64(f, PTE2 + 8, 0);                           /* 401000: absent */
    enter(f, CR0_PG, PDPT, CR4_PAE, 1u << 11);
    /* a read of an XD page is fine */
    run_read(f, 0x400000);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xff, 0xf4);
    /* a fetch: P | I/D */
    static const uint8_t jmp400[] = {
        0xb8, 0x00, 0x00, 0x40, 0x00,         /* mov eax, 400000 */
        0xff, 0xe0,                           /* jmp eax */
    };
    RUN(f, jmp400);
    assert_pf(f, 0x11, 0x400000);
    /* a fetch from a missing page: I/D alone */
    static const uint8_t jmp401[] = {
        0xb8, 0x00, 0x10, 0x40, 0x00, 0xff, 0xe0,
    };
    RUN(f, jmp401);
    assert_pf(f, 0x10, 0x401000);
    /* XD clear: the HLT there runs (EAX keeps 400000) */
    wr64(f, PTE2, 0x20000 | 3);
    static const uint8_t reload[] = {
        0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9,   /* mov ecx, cr3; mov cr3, ecx */
        0xb8, 0x00, 0x00, 0x40, 0x00, 0xff, 0xe0,
    };
    RUN(f, reload);
    ck_assert_uint_eq(reg(f, R_EAX), 0x400000);
    ck_assert_uint_eq((uint32_t)st(f)->rip, 0x400001);
    flat_free(f);
}
END_TEST

START_TEST(test_global_and_invlpg)
{
    struct flat *f = flat_new();
    tables32(f);
    wr32(f, PT2 + 0x40 * 4, 0x20000 | 0x103);   /* 440000: global */
    wr32(f, PT2 + 0x41 * 4, 0x21000 | 3);
    wr32(f, PT2 + 0x42 * 4, 0x22000 | 3);
    wr32(f, PT2 + 0x43 * 4, 0x23000 | 3);
    for (uint32_t k = 0; k < 5; k++)
        wr32(f, 0x20000 + k * 0x1000, 0x100 + k);
    enter(f, CR0_PG, PD, CR4_PGE, 0);
    /* The program fills the TLB, remaps the four pages to 24000 through
     * the page table (PT2 is at linear 12000), then looks again. */
    static const uint8_t prog[] = {
        0xa1, 0x00, 0x00, 0x44, 0x00,                 /* mov eax, [440000] */
        0xa1, 0x00, 0x10, 0x44, 0x00,
        0xa1, 0x00, 0x20, 0x44, 0x00,
        0xa1, 0x00, 0x30, 0x44, 0x00,
        0xc7, 0x05, 0x00, 0x21, 0x01, 0x00, 0x03, 0x41, 0x02, 0x00,
        0xc7, 0x05, 0x04, 0x21, 0x01, 0x00, 0x03, 0x40, 0x02, 0x00,
        0xc7, 0x05, 0x08, 0x21, 0x01, 0x00, 0x03, 0x40, 0x02, 0x00,
        0xc7, 0x05, 0x0c, 0x21, 0x01, 0x00, 0x03, 0x40, 0x02, 0x00,
        0x0f, 0x01, 0x3d, 0x00, 0x20, 0x44, 0x00,     /* invlpg [442000] */
        0x8b, 0x15, 0x00, 0x20, 0x44, 0x00,           /* mov edx, [442000] */
        0x8b, 0x35, 0x00, 0x30, 0x44, 0x00,           /* mov esi, [443000] */
        0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8,           /* cr3 <- cr3 */
        0x8b, 0x1d, 0x00, 0x00, 0x44, 0x00,           /* mov ebx, [440000] */
        0x8b, 0x0d, 0x00, 0x10, 0x44, 0x00,           /* mov ecx, [441000] */
        0xf4,
    };
    RUN(f, prog);
    ck_assert_uint_eq(reg(f, R_EDX), 0x104);   /* INVLPG'd: the new page */
    ck_assert_uint_eq(reg(f, R_ESI), 0x103);   /* its neighbour: still cached */
    ck_assert_uint_eq(reg(f, R_EBX), 0x100);   /* global: kept by the CR3 write */
    ck_assert_uint_eq(reg(f, R_ECX), 0x104);   /* non-global: dropped */
    flat_free(f);
}
END_TEST

START_TEST(test_a20)
{
    struct flat *f = flat_new();
    wr32(f, 0x00000500, 0x11111111);
    wr32(f, 0x00100500, 0x22222222);
    enter(f, 0, 0, 0, 0);
    run_read(f, 0x100500);
    ck_assert_uint_eq(reg(f, R_EAX), 0x22222222);
    cpu_set_a20(f->c, false);
    run_read(f, 0x100500);
    ck_assert_uint_eq(reg(f, R_EAX), 0x11111111);   /* wraps to 500 */
    run_read(f, 0x200500);                          /* bit 21 untouched */
    ck_assert_uint_eq(reg(f, R_EAX), 0);
    /* page walks see the mask too: PD at 110000 is read at 010000 */
    tables32(f);
    enter(f, CR0_PG, 0x110000, 0, 0);
    run_read(f, 0x500);
    ck_assert_uint_eq(reg(f, R_EAX), 0x11111111);
    cpu_set_a20(f->c, true);
    enter(f, 0, 0, 0, 0);
    run_read(f, 0x100500);
    ck_assert_uint_eq(reg(f, R_EAX), 0x22222222);
    flat_free(f);
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("walks");
    tcase_add_test(tc, test_walk32);
    tcase_add_test(tc, test_pse_and_rsvd);
    tcase_add_test(tc, test_user_and_wp);
    tcase_add_test(tc, test_pae);
    tcase_add_test(tc, test_nx);
    tcase_add_test(tc, test_global_and_invlpg);
    tcase_add_test(tc, test_a20);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
