/* Unit tests of the interpreter CPU (cpu/) used as a library over a flat RAM
 * bus, and of the interp engine behind the accel seam (accel/interp.c with a
 * machine and the run loop).  Programs are hand-assembled; expected results
 * follow the SDM, not the interpreter. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "hw/machine.h"

#define RAM_SIZE (1u << 20)
#define MiB (1024 * 1024ull)
#define ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* ---- a flat bus: 1 MiB of RAM at 0, ports recorded ---- */

struct port_write {
    uint16_t port;
    uint32_t val;
    unsigned size;
};

struct flat {
    uint8_t *ram;
    struct cpu *c;
    struct port_write out[32];
    int nout;
    int stop_port;       /* an OUT to it calls cpu_request_stop; -1: none */
    int irq_port;        /* an OUT to it asserts INTR; -1: none */
    bool irq;            /* INTR asserted */
    int irq_vec;
    int acks;
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
    uint32_t v = 0xa5a5a5a5u ^ port;
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void flat_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    struct flat *f = opaque;
    if (f->nout < 32)
        f->out[f->nout++] = (struct port_write){ port, val, size };
    if (port == f->stop_port)
        cpu_request_stop(f->c);
    if (port == f->irq_port)
        f->irq = true;
}

static bool flat_intr_pending(void *opaque)
{
    struct flat *f = opaque;
    return f->irq;
}

static int flat_intr_ack(void *opaque)
{
    struct flat *f = opaque;
    f->acks++;
    f->irq = false;   /* edge: one interrupt per assertion */
    return f->irq_vec;
}

static struct x86_state *st(struct flat *f)
{
    return cpu_state(f->c);
}

static uint32_t reg(struct flat *f, int r)
{
    return (uint32_t)st(f)->gpr[r];
}

static uint32_t rd16(struct flat *f, uint32_t a)
{
    return f->ram[a] | (uint32_t)f->ram[a + 1] << 8;
}

static uint32_t rd32(struct flat *f, uint32_t a)
{
    return rd16(f, a) | rd16(f, a + 2) << 16;
}

static void put(struct flat *f, uint32_t a, const uint8_t *b, size_t n)
{
    memcpy(f->ram + a, b, n);
    cpu_invalidate_code(f->c, a, n);
}

/* Real mode, all segments 0, CS:IP = 0:ip, SP = 0x7000, IVT at 0. */
static void real_mode_at(struct flat *f, uint16_t ip)
{
    struct x86_state *s = st(f);
    for (int k = 0; k < 6; k++)
        x86_seg_load_real(&s->seg[k], 0);
    s->rip = ip;
    s->gpr[R_ESP] = 0x7000;
    s->idt.base = 0;
    s->idt.limit = 0x3ff;
    s->rflags = 0x2;
    s->ev.halted = false;
    cpu_state_changed(f->c);
}

static struct flat *flat_new(void)
{
    struct flat *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->ram = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(f->ram);
    f->stop_port = -1;
    f->irq_port = -1;
    const struct cpu_bus bus = {
        .opaque = f,
        .page_ptr = flat_page_ptr,
        .mem_read = flat_mem_read,
        .mem_write = flat_mem_write,
        .io_in = flat_io_in,
        .io_out = flat_io_out,
        .intr_pending = flat_intr_pending,
        .intr_ack = flat_intr_ack,
        .intr_hint = &f->irq,
    };
    f->c = cpu_new(&bus, cpu_model_default(), NULL);
    ck_assert_ptr_nonnull(f->c);
    real_mode_at(f, 0x7c00);
    return f;
}

static void flat_free(struct flat *f)
{
    cpu_free(f->c);
    free(f->ram);
    free(f);
}

/* Load a real-mode program at 0:7C00 and run it to HLT. */
#define RUN16(f, prog) run16(f, prog, sizeof prog)
static enum cpu_stop run16(struct flat *f, const uint8_t *prog, size_t n)
{
    put(f, 0x7c00, prog, n);
    real_mode_at(f, 0x7c00);
    return cpu_run(f->c, 100000);
}

/* IVT entry `vec` -> 0000:off */
static void set_ivt(struct flat *f, int vec, uint16_t off)
{
    f->ram[vec * 4] = (uint8_t)off;
    f->ram[vec * 4 + 1] = (uint8_t)(off >> 8);
    f->ram[vec * 4 + 2] = 0;
    f->ram[vec * 4 + 3] = 0;
}

/* Handler at 0:0600 that takes what the CPU pushed into registers. */
static void put_real_handler(struct flat *f, int vec)
{
    static const uint8_t h[] = {
        0x58,   /* pop ax      ; IP */
        0x5b,   /* pop bx      ; CS */
        0x59,   /* pop cx      ; FLAGS */
        0xf4,   /* hlt */
    };
    put(f, 0x600, h, sizeof h);
    set_ivt(f, vec, 0x600);
}

/* ==== arithmetic and flags ==== */

START_TEST(test_add_sub_flags)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb8, 0xff, 0xff,     /* 7c00 mov ax, 0xffff */
        0x83, 0xc0, 0x01,     /* 7c03 add ax, 1      ; 0: CF ZF AF PF */
        0x9c, 0x5b,           /* 7c06 pushf ; pop bx */
        0xb8, 0xff, 0x7f,     /* 7c08 mov ax, 0x7fff */
        0x83, 0xc0, 0x01,     /* 7c0b add ax, 1      ; 8000: OF SF AF PF */
        0x9c, 0x59,           /* 7c0e pushf ; pop cx */
        0xf9,                 /* 7c10 stc */
        0xb8, 0x05, 0x00,     /* 7c11 mov ax, 5 */
        0x83, 0xd0, 0x03,     /* 7c14 adc ax, 3      ; 9: PF only */
        0x9c, 0x5a,           /* 7c17 pushf ; pop dx */
        0xf9,                 /* 7c19 stc */
        0xbe, 0x00, 0x00,     /* 7c1a mov si, 0 */
        0x83, 0xde, 0x00,     /* 7c1d sbb si, 0      ; ffff: CF SF AF PF */
        0x9c, 0x5f,           /* 7c20 pushf ; pop di */
        0x2d, 0x00, 0x80,     /* 7c22 sub ax, 0x8000 ; 9-8000 = 8009: CF SF OF PF */
        0xf4,                 /* 7c25 hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(st(f)->rip, 0x7c26);
    ck_assert_uint_eq(reg(f, R_EBX) & ARITH, F_CF | F_ZF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_EBX) & 0x2, 0x2);   /* reserved bit 1 reads 1 */
    ck_assert_uint_eq(reg(f, R_ECX) & ARITH, F_OF | F_SF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_EDX) & ARITH, F_PF);
    ck_assert_uint_eq(reg(f, R_ESI) & 0xffff, 0xffff);
    ck_assert_uint_eq(reg(f, R_EDI) & ARITH, F_CF | F_SF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x8009);
    ck_assert_uint_eq(st(f)->rflags & ARITH, F_CF | F_SF | F_OF | F_PF);

    /* 8-bit: AL and AH are separate */
    static const uint8_t prog8[] = {
        0xb0, 0x80,           /* mov al, 0x80 */
        0x04, 0x80,           /* add al, 0x80  ; 0: CF OF ZF PF */
        0x9c, 0x5b,           /* pushf ; pop bx */
        0xb4, 0x01,           /* mov ah, 1 */
        0x2c, 0x01,           /* sub al, 1     ; ff: CF AF SF PF */
        0xf4,                 /* hlt */
    };
    st(f)->gpr[R_EAX] = 0xdead0000;
    cpu_state_changed(f->c);
    ck_assert_int_eq(RUN16(f, prog8), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EBX) & ARITH, F_CF | F_OF | F_ZF | F_PF);
    ck_assert_uint_eq(reg(f, R_EAX), 0xdead01ff);
    ck_assert_uint_eq(st(f)->rflags & ARITH, F_CF | F_AF | F_SF | F_PF);
    flat_free(f);
}
END_TEST

START_TEST(test_inc_keeps_cf)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xf9,                 /* stc */
        0xb8, 0xff, 0xff,     /* mov ax, 0xffff */
        0x40,                 /* inc ax      ; 0: ZF AF PF, CF stays 1 */
        0x9c, 0x5b,           /* pushf ; pop bx */
        0xf8,                 /* clc */
        0xba, 0xff, 0x7f,     /* mov dx, 0x7fff */
        0x42,                 /* inc dx      ; 8000: OF SF AF PF, CF stays 0 */
        0x9c, 0x59,           /* pushf ; pop cx */
        0xb0, 0xff,           /* mov al, 0xff */
        0xfe, 0xc0,           /* inc al      ; 0: ZF AF PF, CF stays 0 */
        0x9c, 0x5f,           /* pushf ; pop di */
        0xf9,                 /* stc */
        0xbe, 0x00, 0x00,     /* mov si, 0 */
        0x4e,                 /* dec si      ; ffff: SF AF PF, CF stays 1 */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EBX) & ARITH, F_CF | F_ZF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_ECX) & ARITH, F_OF | F_SF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_EDX) & 0xffff, 0x8000);
    ck_assert_uint_eq(reg(f, R_EDI) & ARITH, F_ZF | F_AF | F_PF);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x0000);
    ck_assert_uint_eq(reg(f, R_ESI) & 0xffff, 0xffff);
    ck_assert_uint_eq(st(f)->rflags & ARITH, F_CF | F_SF | F_AF | F_PF);
    flat_free(f);
}
END_TEST

START_TEST(test_mul_div)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb8, 0x34, 0x12,             /* mov ax, 0x1234 */
        0xbb, 0x00, 0x01,             /* mov bx, 0x100 */
        0xf7, 0xe3,                   /* mul bx        ; dx:ax = 0012:3400, CF=OF=1 */
        0x9c,                         /* pushf */
        0x8f, 0x06, 0x08, 0x05,       /* pop word [0x508] */
        0xa3, 0x00, 0x05,             /* mov [0x500], ax */
        0x89, 0x16, 0x02, 0x05,       /* mov [0x502], dx */
        0xba, 0x01, 0x00,             /* mov dx, 1 */
        0xb8, 0x05, 0x00,             /* mov ax, 5 */
        0xb9, 0x10, 0x00,             /* mov cx, 0x10 */
        0xf7, 0xf1,                   /* div cx        ; 10005/10 = 1000 r 5 */
        0xa3, 0x04, 0x05,             /* mov [0x504], ax */
        0x89, 0x16, 0x06, 0x05,       /* mov [0x506], dx */
        0xb0, 0xc8,                   /* mov al, 200 */
        0xb3, 0x03,                   /* mov bl, 3 */
        0xf6, 0xe3,                   /* mul bl        ; ax = 600 = 0x258 */
        0xa3, 0x0a, 0x05,             /* mov [0x50a], ax */
        0xb8, 0xf9, 0xff,             /* mov ax, -7 */
        0x99,                         /* cwd */
        0xb9, 0x02, 0x00,             /* mov cx, 2 */
        0xf7, 0xf9,                   /* idiv cx       ; -3 r -1 (truncates) */
        0xa3, 0x0c, 0x05,             /* mov [0x50c], ax */
        0x89, 0x16, 0x0e, 0x05,       /* mov [0x50e], dx */
        0xb8, 0x0a, 0x00,             /* mov ax, 10 */
        0xb1, 0x03,                   /* mov cl, 3 */
        0xf6, 0xf1,                   /* div cl        ; al = 3, ah = 1 */
        0xa3, 0x10, 0x05,             /* mov [0x510], ax */
        0x66, 0xb8, 0x00, 0x00, 0x00, 0x80,   /* mov eax, 0x80000000 */
        0x66, 0xbb, 0x04, 0x00, 0x00, 0x00,   /* mov ebx, 4 */
        0x66, 0xf7, 0xe3,             /* mul ebx       ; edx:eax = 2:00000000 */
        0xf4,                         /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(rd16(f, 0x500), 0x3400);
    ck_assert_uint_eq(rd16(f, 0x502), 0x0012);
    ck_assert_uint_eq(rd16(f, 0x508) & (F_CF | F_OF), F_CF | F_OF);
    ck_assert_uint_eq(rd16(f, 0x504), 0x1000);
    ck_assert_uint_eq(rd16(f, 0x506), 0x0005);
    ck_assert_uint_eq(rd16(f, 0x50a), 0x0258);
    ck_assert_uint_eq(rd16(f, 0x50c), 0xfffd);
    ck_assert_uint_eq(rd16(f, 0x50e), 0xffff);
    ck_assert_uint_eq(rd16(f, 0x510), 0x0103);
    ck_assert_uint_eq(reg(f, R_EAX), 0);
    ck_assert_uint_eq(reg(f, R_EDX), 2);
    ck_assert_uint_eq(st(f)->rflags & (F_CF | F_OF), F_CF | F_OF);
    flat_free(f);
}
END_TEST

/* ==== stack and control flow ==== */

START_TEST(test_push_pop)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb8, 0x11, 0x11,     /* mov ax, 0x1111 */
        0x50,                 /* push ax        ; [6ffe] */
        0xbb, 0x22, 0x22,     /* mov bx, 0x2222 */
        0x53,                 /* push bx        ; [6ffc] */
        0x68, 0x33, 0x33,     /* push 0x3333    ; [6ffa] */
        0x59,                 /* pop cx */
        0x5a,                 /* pop dx */
        0x5e,                 /* pop si */
        0x54,                 /* push sp        ; pushes 7000 (value before) */
        0x58,                 /* pop ax */
        0x66, 0x68, 0x78, 0x56, 0x34, 0x12,   /* push dword 0x12345678 */
        0x66, 0x5f,           /* pop edi */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_ECX) & 0xffff, 0x3333);
    ck_assert_uint_eq(reg(f, R_EDX) & 0xffff, 0x2222);
    ck_assert_uint_eq(reg(f, R_ESI) & 0xffff, 0x1111);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x7000);
    ck_assert_uint_eq(reg(f, R_EDI), 0x12345678);
    ck_assert_uint_eq(reg(f, R_ESP) & 0xffff, 0x7000);
    ck_assert_uint_eq(rd32(f, 0x6ffc), 0x12345678);
    ck_assert_uint_eq(rd16(f, 0x6ffa), 0x3333);
    flat_free(f);
}
END_TEST

START_TEST(test_call_ret)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb8, 0x01, 0x00,     /* 7c00 mov ax, 1 */
        0x6a, 0x07,           /* 7c03 push 7 */
        0xe8, 0x04, 0x00,     /* 7c05 call 7c0c */
        0x89, 0xc3,           /* 7c08 mov bx, ax */
        0xf4,                 /* 7c0a hlt */
        0x90,                 /* 7c0b */
        0x89, 0xe5,           /* 7c0c mov bp, sp */
        0x03, 0x46, 0x02,     /* 7c0e add ax, [bp+2]  ; the argument */
        0x8b, 0x7e, 0x00,     /* 7c11 mov di, [bp+0]  ; return address */
        0xc2, 0x02, 0x00,     /* 7c14 ret 2 */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EBX) & 0xffff, 8);
    ck_assert_uint_eq(reg(f, R_EDI) & 0xffff, 0x7c08);
    ck_assert_uint_eq(reg(f, R_ESP) & 0xffff, 0x7000);
    ck_assert_uint_eq(st(f)->rip, 0x7c0b);
    flat_free(f);
}
END_TEST

START_TEST(test_loop)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb9, 0x05, 0x00,     /* 7c00 mov cx, 5 */
        0x31, 0xc0,           /* 7c03 xor ax, ax */
        0x01, 0xc8,           /* 7c05 add ax, cx */
        0xe2, 0xfc,           /* 7c07 loop 7c05 */
        0xf4,                 /* 7c09 hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 15);
    ck_assert_uint_eq(reg(f, R_ECX) & 0xffff, 0);
    ck_assert_uint_eq(st(f)->rip, 0x7c0a);
    flat_free(f);
}
END_TEST

START_TEST(test_rep_movsb)
{
    struct flat *f = flat_new();
    memcpy(f->ram + 0x600, "hello, world", 12);
    static const uint8_t prog[] = {
        0xbe, 0x00, 0x06,     /* mov si, 0x600 */
        0xbf, 0x00, 0x07,     /* mov di, 0x700 */
        0xb9, 0x0c, 0x00,     /* mov cx, 12 */
        0xfc,                 /* cld */
        0xf3, 0xa4,           /* rep movsb */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert(memcmp(f->ram + 0x700, "hello, world", 12) == 0);
    ck_assert_uint_eq(f->ram[0x70c], 0);
    ck_assert_uint_eq(reg(f, R_ESI) & 0xffff, 0x60c);
    ck_assert_uint_eq(reg(f, R_EDI) & 0xffff, 0x70c);
    ck_assert_uint_eq(reg(f, R_ECX) & 0xffff, 0);
    flat_free(f);
}
END_TEST

START_TEST(test_rep_stosw)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb8, 0xcd, 0xab,     /* mov ax, 0xabcd */
        0xbf, 0x00, 0x08,     /* mov di, 0x800 */
        0xb9, 0x04, 0x00,     /* mov cx, 4 */
        0xfc,                 /* cld */
        0xf3, 0xab,           /* rep stosw      ; 800..807 */
        0xfd,                 /* std */
        0xbf, 0x0e, 0x09,     /* mov di, 0x90e */
        0xb9, 0x04, 0x00,     /* mov cx, 4 */
        0xf3, 0xab,           /* rep stosw      ; 90e, 90c, 90a, 908 */
        0xfc,                 /* cld */
        0x89, 0xfe,           /* mov si, di */
        0xbf, 0x00, 0x0a,     /* mov di, 0xa00 */
        0xf3, 0xaa,           /* rep stosb      ; cx = 0: nothing */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    for (int k = 0; k < 4; k++) {
        ck_assert_uint_eq(rd16(f, 0x800 + 2 * k), 0xabcd);
        ck_assert_uint_eq(rd16(f, 0x908 + 2 * k), 0xabcd);
    }
    ck_assert_uint_eq(f->ram[0x7ff], 0);
    ck_assert_uint_eq(f->ram[0x808], 0);
    ck_assert_uint_eq(f->ram[0x907], 0);
    ck_assert_uint_eq(f->ram[0x910], 0);
    ck_assert_uint_eq(f->ram[0xa00], 0);
    ck_assert_uint_eq(reg(f, R_ESI) & 0xffff, 0x906);
    ck_assert_uint_eq(reg(f, R_EDI) & 0xffff, 0xa00);
    ck_assert_uint_eq(reg(f, R_ECX) & 0xffff, 0);
    flat_free(f);
}
END_TEST

START_TEST(test_port_io)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xb0, 0x42,           /* mov al, 0x42 */
        0xe6, 0x80,           /* out 0x80, al */
        0xba, 0xf8, 0x03,     /* mov dx, 0x3f8 */
        0xb8, 0x34, 0x12,     /* mov ax, 0x1234 */
        0xef,                 /* out dx, ax */
        0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax, 0x12345678 */
        0x66, 0xef,           /* out dx, eax */
        0xe4, 0x61,           /* in al, 0x61 */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_int_eq(f->nout, 3);
    ck_assert_uint_eq(f->out[0].port, 0x80);
    ck_assert_uint_eq(f->out[0].val, 0x42);
    ck_assert_uint_eq(f->out[0].size, 1);
    ck_assert_uint_eq(f->out[1].port, 0x3f8);
    ck_assert_uint_eq(f->out[1].val, 0x1234);
    ck_assert_uint_eq(f->out[1].size, 2);
    ck_assert_uint_eq(f->out[2].port, 0x3f8);
    ck_assert_uint_eq(f->out[2].val, 0x12345678);
    ck_assert_uint_eq(f->out[2].size, 4);
    ck_assert_uint_eq(reg(f, R_EAX), 0x123456c4);   /* a5 ^ 61 into AL only */
    flat_free(f);
}
END_TEST

/* ==== exceptions through the IVT ==== */

/* Run `prog`; expect the handler for `vec` to have been entered with the
 * pushed IP at `fault_ip` and CS 0. */
static void expect_real_exc(const uint8_t *prog, size_t n, int vec,
                            uint16_t fault_ip, const char *what)
{
    struct flat *f = flat_new();
    put_real_handler(f, vec);
    enum cpu_stop why = run16(f, prog, n);
    ck_assert_msg(why == CPU_STOP_HALT, "%s: stop %d", what, why);
    ck_assert_msg(st(f)->rip == 0x604, "%s: halted at %#x, not in the handler",
                  what, (unsigned)st(f)->rip);
    ck_assert_msg((reg(f, R_EAX) & 0xffff) == fault_ip, "%s: pushed IP %#x, want %#x",
                  what, reg(f, R_EAX) & 0xffff, fault_ip);
    ck_assert_uint_eq(reg(f, R_EBX) & 0xffff, 0);
    ck_assert_uint_eq(reg(f, R_ECX) & 0x2, 0x2);
    ck_assert_uint_eq(reg(f, R_ESP) & 0xffff, 0x7000);   /* 3 words, no error code */
    flat_free(f);
}
#define EXPECT_EXC(prog, vec, ip, what) expect_real_exc(prog, sizeof prog, vec, ip, what)

START_TEST(test_de)
{
    static const uint8_t by_zero[] = {
        0x31, 0xd2,           /* 7c00 xor dx, dx */
        0xb8, 0x05, 0x00,     /* 7c02 mov ax, 5 */
        0x31, 0xf6,           /* 7c05 xor si, si */
        0xf7, 0xf6,           /* 7c07 div si       ; #DE */
        0xf4,                 /* 7c09 hlt */
    };
    EXPECT_EXC(by_zero, 0, 0x7c07, "div by zero");
    static const uint8_t overflow[] = {
        0xba, 0x01, 0x00,     /* 7c00 mov dx, 1 */
        0x31, 0xc0,           /* 7c03 xor ax, ax */
        0xbb, 0x01, 0x00,     /* 7c05 mov bx, 1 */
        0xf7, 0xf3,           /* 7c08 div bx       ; 10000h/1 does not fit */
        0xf4,                 /* 7c0a hlt */
    };
    EXPECT_EXC(overflow, 0, 0x7c08, "div quotient overflow");
    static const uint8_t idiv_min[] = {
        0xb8, 0x00, 0x80,     /* 7c00 mov ax, 0x8000 */
        0x99,                 /* 7c03 cwd */
        0xb9, 0xff, 0xff,     /* 7c04 mov cx, -1 */
        0xf7, 0xf9,           /* 7c07 idiv cx      ; +32768 does not fit */
        0xf4,                 /* 7c09 hlt */
    };
    EXPECT_EXC(idiv_min, 0, 0x7c07, "idiv -32768/-1");
    static const uint8_t div8[] = {
        0x90,                 /* 7c00 nop */
        0xb8, 0x00, 0x10,     /* 7c01 mov ax, 0x1000 */
        0xb1, 0x10,           /* 7c04 mov cl, 0x10 */
        0xf6, 0xf1,           /* 7c06 div cl       ; 100h > ff */
        0xf4,                 /* 7c08 hlt */
    };
    EXPECT_EXC(div8, 0, 0x7c06, "div8 overflow");
}
END_TEST

/* RDPMC reads the P6 counters WRMSR wrote (low 32 bits sign-extended to
 * 40, SDM vol. 3 P6 performance monitoring); an ECX other than 0 or 1 is
 * #GP(0). */
START_TEST(test_rdpmc)
{
    static const uint8_t prog[] = {
        0x66, 0xb9, 0xc1, 0, 0, 0,      /* 7c00 mov ecx, 0xc1 (PerfCtr0) */
        0x66, 0xb8, 0, 0, 0, 0x80,      /* 7c06 mov eax, 0x80000000 */
        0x66, 0x31, 0xd2,               /* 7c0c xor edx, edx */
        0x0f, 0x30,                     /* 7c0f wrmsr */
        0x66, 0x31, 0xc9,               /* 7c11 xor ecx, ecx */
        0x0f, 0x33,                     /* 7c14 rdpmc */
        0x66, 0x89, 0xc6,               /* 7c16 mov esi, eax */
        0x66, 0x89, 0xd7,               /* 7c19 mov edi, edx */
        0x66, 0xb9, 2, 0, 0, 0,         /* 7c1c mov ecx, 2 */
        0x0f, 0x33,                     /* 7c22 rdpmc: #GP */
        0xf4,
    };
    struct flat *f = flat_new();
    put_real_handler(f, 13);
    ck_assert_int_eq(run16(f, prog, sizeof prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x7c22);   /* pushed IP */
    ck_assert_uint_eq(reg(f, R_ESI), 0x80000000);
    ck_assert_uint_eq(reg(f, R_EDI), 0xff);
    flat_free(f);
}
END_TEST

/* Events 0xC0 and 0x79 count instructions at the CPLs USR/OS select; a
 * counter wraps at 40 bits. */
START_TEST(test_pmc_count)
{
    static const uint8_t prog[] = {
        0x66, 0xb9, 0x86, 0x01, 0, 0,   /* mov ecx, 0x186 (PerfEvtSel0) */
        0x66, 0xb8, 0xc0, 0, 0x43, 0,   /* mov eax, EN|OS|USR|0xc0 */
        0x66, 0x31, 0xd2,               /* xor edx, edx */
        0x0f, 0x30,                     /* wrmsr: counter 0 counts from here */
        0x66, 0xb9, 0x87, 0x01, 0, 0,   /* mov ecx, 0x187 (PerfEvtSel1) */
        0x66, 0xb8, 0x79, 0, 0x01, 0,   /* mov eax, USR|0x79: not at CPL 0 */
        0x0f, 0x30,                     /* wrmsr */
        0x90, 0x90, 0x90, 0x90, 0x90,   /* 5 x nop */
        0x66, 0x31, 0xc9,               /* xor ecx, ecx */
        0x0f, 0x33,                     /* rdpmc: 10 so far */
        0x66, 0x89, 0xc6,               /* mov esi, eax */
        0x66, 0xb9, 1, 0, 0, 0,         /* mov ecx, 1 */
        0x0f, 0x33,                     /* rdpmc */
        0x66, 0x89, 0xc7,               /* mov edi, eax */
        0x66, 0xb9, 0xc1, 0, 0, 0,      /* mov ecx, 0xc1 (PerfCtr0) */
        0x66, 0xb8, 0xfe, 0xff, 0xff, 0xff, /* mov eax, -2 */
        0x0f, 0x30,                     /* wrmsr: 0xfffffffffe */
        0x90, 0x90,                     /* nop; nop */
        0x66, 0x31, 0xc9,               /* xor ecx, ecx */
        0x0f, 0x33,                     /* rdpmc: wrapped to 2 */
        0xf4,
    };
    struct flat *f = flat_new();
    ck_assert_int_eq(run16(f, prog, sizeof prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_ESI), 10);
    ck_assert_uint_eq(reg(f, R_EDI), 0);
    ck_assert_uint_eq(reg(f, R_EAX), 2);
    ck_assert_uint_eq(reg(f, R_EDX), 0);
    flat_free(f);
}
END_TEST

START_TEST(test_ud)
{
    static const uint8_t ud0[] = {
        0x90,                 /* 7c00 nop */
        0x0f, 0xff,           /* 7c01 UD0: undefined */
        0xf4, 0xf4, 0xf4,     /* hlt (room for a ModRM) */
    };
    EXPECT_EXC(ud0, 6, 0x7c01, "0f ff");
    static const uint8_t ud2[] = {
        0x0f, 0x0b,           /* 7c00 ud2 */
        0xf4,
    };
    EXPECT_EXC(ud2, 6, 0x7c00, "ud2");
    static const uint8_t grp5_7[] = {
        0x90, 0x90,           /* 7c00 nop ; nop */
        0xff, 0xff,           /* 7c02 ff /7: undefined */
        0xf4,
    };
    EXPECT_EXC(grp5_7, 6, 0x7c02, "ff /7");
    static const uint8_t lock_reg[] = {
        0x90,                 /* 7c00 nop */
        0xf0, 0x01, 0xc0,     /* 7c01 lock add ax, ax: register destination */
        0xf4,
    };
    EXPECT_EXC(lock_reg, 6, 0x7c01, "lock add ax,ax");
    static const uint8_t lock_mov[] = {
        0xf0, 0x89, 0x06, 0x00, 0x05,   /* 7c00 lock mov [0x500], ax */
        0xf4,
    };
    EXPECT_EXC(lock_mov, 6, 0x7c00, "lock mov");
}
END_TEST

START_TEST(test_gp_too_long)
{
    /* 15 ES prefixes then NOP: 16 bytes, #GP at the first prefix */
    uint8_t prog[18];
    memset(prog, 0x26, 15);
    prog[15] = 0x90;
    prog[16] = 0xf4;
    prog[17] = 0xf4;
    EXPECT_EXC(prog, 13, 0x7c00, "16-byte instruction");

    /* 14 prefixes then NOP is fine */
    struct flat *f = flat_new();
    put_real_handler(f, 13);
    prog[14] = 0x90;
    prog[15] = 0xf4;
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(st(f)->rip, 0x7c10);
    flat_free(f);
}
END_TEST

START_TEST(test_triple_fault)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0x0f, 0x01, 0x1e, 0x00, 0x05,   /* lidt [0x500] ; limit 0, base 0 */
        0xcc,                           /* int3 -> #GP -> #DF -> shutdown */
        0xf4,
    };
    memset(f->ram + 0x500, 0, 6);
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_SHUTDOWN);
    ck_assert_uint_eq(st(f)->idt.limit, 0);
    /* stays shut down */
    ck_assert_int_eq(cpu_run(f->c, 100), CPU_STOP_SHUTDOWN);
    flat_free(f);
}
END_TEST

/* ==== self-modifying code ==== */

START_TEST(test_smc_same_block)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xc7, 0x06, 0x08, 0x7c, 0x34, 0x12,   /* 7c00 mov word [0x7c08], 0x1234 */
        0x90,                                 /* 7c06 nop */
        0xb8, 0x55, 0x55,                     /* 7c07 mov ax, 0x5555 (imm at 7c08) */
        0xf4,                                 /* 7c0a hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x1234);
    ck_assert_uint_eq(rd16(f, 0x7c08), 0x1234);

    /* patch an opcode: inc ax -> dec ax */
    static const uint8_t prog2[] = {
        0x31, 0xc0,                           /* 7c00 xor ax, ax */
        0xc6, 0x06, 0x08, 0x7c, 0x48,         /* 7c02 mov byte [0x7c08], 0x48 */
        0x90,                                 /* 7c07 nop */
        0x40,                                 /* 7c08 inc ax -> dec ax */
        0xf4,                                 /* 7c09 hlt */
    };
    ck_assert_int_eq(RUN16(f, prog2), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0xffff);
    flat_free(f);
}
END_TEST

START_TEST(test_smc_loop)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xbf, 0x00, 0x06,             /* 7c00 mov di, 0x600 */
        0xb9, 0x03, 0x00,             /* 7c03 mov cx, 3 */
        0xb8, 0x11, 0x11,             /* 7c06 L: mov ax, 0x1111 (imm at 7c07) */
        0xab,                         /* 7c09 stosw */
        0xff, 0x06, 0x07, 0x7c,       /* 7c0a inc word [0x7c07] */
        0xe2, 0xf6,                   /* 7c0e loop L */
        0xf4,                         /* 7c10 hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(rd16(f, 0x600), 0x1111);
    ck_assert_uint_eq(rd16(f, 0x602), 0x1112);
    ck_assert_uint_eq(rd16(f, 0x604), 0x1113);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x1113);
    flat_free(f);
}
END_TEST

START_TEST(test_smc_subroutine)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xe8, 0x0c, 0x00,                     /* 7c00 call S (7c0f) */
        0x89, 0xc3,                           /* 7c03 mov bx, ax */
        0xc7, 0x06, 0x10, 0x7c, 0x22, 0x22,   /* 7c05 mov word [S+1], 0x2222 */
        0xe8, 0x01, 0x00,                     /* 7c0b call S */
        0xf4,                                 /* 7c0e hlt */
        0xb8, 0x11, 0x11,                     /* 7c0f S: mov ax, 0x1111 */
        0xc3,                                 /* 7c12 ret */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EBX) & 0xffff, 0x1111);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x2222);

    /* written behind the CPU's back (a loader, DMA): cpu_invalidate_code */
    f->ram[0x7c10] = 0x33;
    f->ram[0x7c11] = 0x33;
    cpu_invalidate_code(f->c, 0x7c10, 2);
    struct x86_state *x = st(f);
    x->rip = 0x7c0f;
    x->gpr[R_ESP] = 0x6ffe;       /* a return address to 7c0e (hlt) */
    x->ev.halted = false;
    f->ram[0x6ffe] = 0x0e;
    f->ram[0x6fff] = 0x7c;
    cpu_state_changed(f->c);
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x3333);
    flat_free(f);
}
END_TEST

/* ==== halting, interrupts, budget, stop ==== */

START_TEST(test_hlt_if0)
{
    struct flat *f = flat_new();
    put_real_handler(f, 0x20);
    f->irq = true;
    f->irq_vec = 0x20;
    static const uint8_t prog[] = {
        0xfa,                 /* 7c00 cli */
        0xf4,                 /* 7c01 hlt */
        0xb8, 0x01, 0x00,     /* 7c02 mov ax, 1 */
        0xf4,
    };
    st(f)->gpr[R_EAX] = 0xaaaa;
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_uint_eq(st(f)->rip, 0x7c02);
    ck_assert_int_eq(f->acks, 0);
    uint64_t n = cpu_insn_count(f->c);
    /* still halted: nothing runs */
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    ck_assert_uint_eq(cpu_insn_count(f->c), n);
    ck_assert_int_eq(f->acks, 0);
    ck_assert_uint_eq(reg(f, R_EAX), 0xaaaa);
    flat_free(f);
}
END_TEST

START_TEST(test_sti_shadow)
{
    /* STI; HLT with INTR asserted: the interrupt is recognised only after
     * the instruction following STI, so HLT runs and the pushed IP is the
     * one after HLT (SDM vol. 2 STI). */
    struct flat *f = flat_new();
    put_real_handler(f, 0x20);
    f->irq = true;
    f->irq_vec = 0x20;
    static const uint8_t prog[] = {
        0xfb,                 /* 7c00 sti */
        0xf4,                 /* 7c01 hlt */
        0xf4,                 /* 7c02 hlt */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_HALT);
    ck_assert_int_eq(f->acks, 1);
    ck_assert_uint_eq(st(f)->rip, 0x604);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x7c02);
    ck_assert_uint_eq(reg(f, R_ECX) & F_IF, F_IF);      /* pushed FLAGS */
    ck_assert_uint_eq(st(f)->rflags & F_IF, 0);         /* cleared on entry */

    /* IF already set: taken before the first instruction */
    f->acks = 0;
    f->irq = true;
    static const uint8_t prog2[] = {
        0x90,                 /* 7c00 nop */
        0xf4,                 /* 7c01 hlt */
    };
    put(f, 0x7c00, prog2, sizeof prog2);
    real_mode_at(f, 0x7c00);
    cpu_state(f->c)->rflags = 0x202;
    cpu_state_changed(f->c);
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    ck_assert_int_eq(f->acks, 1);
    ck_assert_uint_eq(reg(f, R_EAX) & 0xffff, 0x7c00);
    flat_free(f);
}
END_TEST

START_TEST(test_budget)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = { 0xeb, 0xfe };   /* jmp $ */
    put(f, 0x7c00, prog, sizeof prog);
    ck_assert_uint_eq(cpu_insn_count(f->c), 0);
    ck_assert_int_eq(cpu_run(f->c, 10), CPU_STOP_BUDGET);
    ck_assert_uint_eq(cpu_insn_count(f->c), 10);
    ck_assert_uint_eq(st(f)->rip, 0x7c00);
    ck_assert_int_eq(cpu_run(f->c, 7), CPU_STOP_BUDGET);
    ck_assert_uint_eq(cpu_insn_count(f->c), 17);

    /* a budget ending inside a straight run of instructions */
    uint8_t nops[24];
    memset(nops, 0x90, sizeof nops);
    nops[20] = 0xeb;
    nops[21] = 0xfe;
    put(f, 0x7c00, nops, sizeof nops);
    real_mode_at(f, 0x7c00);
    ck_assert_int_eq(cpu_run(f->c, 5), CPU_STOP_BUDGET);
    ck_assert_uint_eq(cpu_insn_count(f->c), 22);
    ck_assert_uint_eq(st(f)->rip, 0x7c05);
    ck_assert_int_eq(cpu_run(f->c, 0), CPU_STOP_BUDGET);
    ck_assert_uint_eq(st(f)->rip, 0x7c05);
    flat_free(f);
}
END_TEST

START_TEST(test_request_stop)
{
    struct flat *f = flat_new();
    f->stop_port = 0xf5;
    static const uint8_t prog[] = {
        0xe6, 0xf5,           /* 7c00 out 0xf5, al  ; the bus asks to stop */
        0xeb, 0xfc,           /* 7c02 jmp 7c00 */
    };
    ck_assert_int_eq(RUN16(f, prog), CPU_STOP_REQUEST);
    ck_assert_uint_eq(cpu_insn_count(f->c), 1);
    ck_assert_uint_eq(st(f)->rip, 0x7c02);
    ck_assert_int_eq(f->nout, 1);
    /* the next run goes on from there */
    ck_assert_int_eq(cpu_run(f->c, 100000), CPU_STOP_REQUEST);
    ck_assert_uint_eq(cpu_insn_count(f->c), 3);
    ck_assert_int_eq(f->nout, 2);
    flat_free(f);
}
END_TEST

/* ==== 32-bit protected mode ==== */

static void put_desc(struct flat *f, uint32_t at, uint32_t base, uint32_t limit,
                     uint8_t access, uint8_t flags)
{
    uint8_t d[8] = {
        (uint8_t)limit, (uint8_t)(limit >> 8),
        (uint8_t)base, (uint8_t)(base >> 8), (uint8_t)(base >> 16),
        access, (uint8_t)(flags | ((limit >> 16) & 0xf)), (uint8_t)(base >> 24),
    };
    memcpy(f->ram + at, d, 8);
}

static void flat_seg(struct x86_seg *s, uint16_t sel, bool code)
{
    memset(s, 0, sizeof *s);
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffff;
    s->type = code ? 0xb : 0x3;
    s->s = 1;
    s->present = 1;
    s->db = 1;
    s->g = 1;
}

/* GDT at 0x1000: null, 08 flat code, 10 flat data, 18 data base 4000 limit ff.
 * IDT at 0x1800.  CS:EIP = 08:2000, ESP = 9000. */
static void pmode32_at(struct flat *f, uint32_t eip)
{
    memset(f->ram + 0x1000, 0, 8);
    put_desc(f, 0x1008, 0, 0xfffff, 0x9a, 0xc0);
    put_desc(f, 0x1010, 0, 0xfffff, 0x92, 0xc0);
    put_desc(f, 0x1018, 0x4000, 0xff, 0x92, 0x40);
    struct x86_state *s = st(f);
    s->cr0 = CR0_PE | CR0_ET;
    s->gdt.base = 0x1000;
    s->gdt.limit = 0x1f;
    s->idt.base = 0x1800;
    s->idt.limit = 0x7ff;
    flat_seg(&s->seg[S_CS], 0x08, true);
    for (int k = 0; k < 6; k++)
        if (k != S_CS)
            flat_seg(&s->seg[k], 0x10, false);
    s->rip = eip;
    s->rflags = 0x202;
    s->gpr[R_ESP] = 0x9000;
    cpu_state_changed(f->c);
}

START_TEST(test_pmode32_sib)
{
    struct flat *f = flat_new();
    static const uint8_t prog[] = {
        0xbe, 0x00, 0x30, 0x00, 0x00,             /* mov esi, 0x3000 */
        0xb9, 0x03, 0x00, 0x00, 0x00,             /* mov ecx, 3 */
        0xc7, 0x44, 0x8e, 0x08, 0xef, 0xbe, 0xad, 0xde,
                                                  /* mov dword [esi+ecx*4+8], 0xdeadbeef */
        0x8b, 0x44, 0x8e, 0x08,                   /* mov eax, [esi+ecx*4+8] */
        0x8d, 0x9c, 0xce, 0x00, 0x01, 0x00, 0x00, /* lea ebx, [esi+ecx*8+0x100] */
        0x50,                                     /* push eax */
        0x8b, 0x14, 0x24,                         /* mov edx, [esp] */
        0x8b, 0x3d, 0x14, 0x30, 0x00, 0x00,       /* mov edi, [0x3014] */
        0x66, 0xb8, 0x34, 0x12,                   /* mov ax, 0x1234 */
        0x8d, 0x6c, 0x24, 0xfc,                   /* lea ebp, [esp-4] */
        0xf4,                                     /* hlt */
    };
    memcpy(f->ram + 0x2000, prog, sizeof prog);
    pmode32_at(f, 0x2000);
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    ck_assert_uint_eq(st(f)->rip, 0x2000 + sizeof prog);
    ck_assert_uint_eq(rd32(f, 0x3014), 0xdeadbeef);
    ck_assert_uint_eq(reg(f, R_EAX), 0xdead1234);
    ck_assert_uint_eq(reg(f, R_EBX), 0x3118);
    ck_assert_uint_eq(reg(f, R_EDX), 0xdeadbeef);
    ck_assert_uint_eq(reg(f, R_EDI), 0xdeadbeef);
    ck_assert_uint_eq(reg(f, R_ESP), 0x8ffc);
    ck_assert_uint_eq(reg(f, R_EBP), 0x8ff8);
    ck_assert_uint_eq(rd32(f, 0x8ffc), 0xdeadbeef);
    flat_free(f);
}
END_TEST

/* Block chaining (a taken Jcc, CALL and RET going straight on into the
 * next block): a loop run in one go, and the same loop cut into runs of
 * every budget from 1 to 13, end in the same state and count. */
static const uint8_t chain_prog[] = {
    0xb9, 0xc8, 0x00, 0x00, 0x00,   /* 2000 mov ecx, 200 */
    0x31, 0xc0,                     /* 2005 xor eax, eax */
    0x31, 0xdb,                     /* 2007 xor ebx, ebx */
    0x01, 0xc8,                     /* 2009 add eax, ecx */
    0xe8, 0x10, 0x00, 0x00, 0x00,   /* 200b call 2020 */
    0x49,                           /* 2010 dec ecx */
    0x75, 0xf6,                     /* 2011 jnz 2009 */
    0xf4,                           /* 2013 hlt */
};
static const uint8_t chain_sub[] = {
    0x01, 0xc3,                     /* 2020 add ebx, eax */
    0xc3,                           /* 2022 ret */
};

static struct flat *chain_setup(void)
{
    struct flat *f = flat_new();
    memcpy(f->ram + 0x2000, chain_prog, sizeof chain_prog);
    memcpy(f->ram + 0x2020, chain_sub, sizeof chain_sub);
    pmode32_at(f, 0x2000);
    return f;
}

START_TEST(test_chain_split)
{
    struct flat *a = chain_setup();
    ck_assert_int_eq(cpu_run(a->c, 100000), CPU_STOP_HALT);
    ck_assert_uint_eq(reg(a, R_EAX), 20100);         /* 200 + ... + 1 */
    ck_assert_uint_eq(reg(a, R_ECX), 0);
    ck_assert_uint_eq(cpu_insn_count(a->c), 3 + 200 * 6 + 1);
    for (uint64_t budget = 1; budget <= 13; budget++) {
        struct flat *b = chain_setup();
        enum cpu_stop why;
        uint64_t before = 0;
        while ((why = cpu_run(b->c, budget)) == CPU_STOP_BUDGET) {
            ck_assert_uint_eq(cpu_insn_count(b->c), before + budget);
            before += budget;
        }
        ck_assert_int_eq(why, CPU_STOP_HALT);
        ck_assert_uint_eq(cpu_insn_count(b->c), cpu_insn_count(a->c));
        ck_assert_uint_eq(reg(b, R_EAX), reg(a, R_EAX));
        ck_assert_uint_eq(reg(b, R_EBX), reg(a, R_EBX));
        ck_assert_uint_eq(reg(b, R_ESP), 0x9000);
        ck_assert_uint_eq(st(b)->rip, st(a)->rip);
        flat_free(b);
    }
    flat_free(a);
}
END_TEST

/* An interrupt that becomes pending while blocks chain is taken at the
 * next block boundary, not after the chain. */
START_TEST(test_chain_irq)
{
    static const uint8_t prog[] = {
        0xb9, 0xc8, 0x00, 0x00, 0x00,   /* 2000 mov ecx, 200 */
        0x01, 0xc8,                     /* 2005 add eax, ecx */
        0x83, 0xf9, 0x64,               /* 2007 cmp ecx, 100 */
        0x75, 0x02,                     /* 200a jne 200e */
        0xe6, 0xf6,                     /* 200c out 0xf6, al: INTR */
        0x49,                           /* 200e dec ecx */
        0x75, 0xf4,                     /* 200f jnz 2005 */
        0xf4,                           /* 2011 hlt */
    };
    static const uint8_t handler[] = {
        0x89, 0x0d, 0x00, 0x30, 0x00, 0x00,   /* mov [0x3000], ecx */
        0x58,                                 /* pop eax  ; EIP */
        0xf4,                                 /* hlt */
    };
    struct flat *f = flat_new();
    f->irq_port = 0xf6;
    f->irq_vec = 0x20;
    memcpy(f->ram + 0x2800, handler, sizeof handler);
    static const uint8_t gate[8] = { 0x00, 0x28, 0x08, 0x00, 0x00, 0x8e, 0x00, 0x00 };
    memcpy(f->ram + 0x1800 + 0x20 * 8, gate, 8);
    memcpy(f->ram + 0x2000, prog, sizeof prog);
    pmode32_at(f, 0x2000);   /* IF=1 */
    ck_assert_int_eq(cpu_run(f->c, 100000), CPU_STOP_HALT);
    ck_assert_int_eq(f->acks, 1);
    ck_assert_uint_eq(rd32(f, 0x3000), 99);          /* the block of the OUT ran */
    ck_assert_uint_eq(reg(f, R_EAX), 0x2005);        /* where the loop resumes */
    flat_free(f);
}
END_TEST

/* A counter with USR only counts the instructions run at CPL 3: IRET to
 * ring 3, four NOPs, INT 0x80 back to ring 0 (the IRET counts at its new
 * CPL, the INT at ring 0). */
START_TEST(test_pmc_rings)
{
    static const uint8_t prog[] = {
        0x66, 0xb8, 0x30, 0x00,         /* mov ax, 0x30 */
        0x0f, 0x00, 0xd8,               /* ltr ax */
        0xb9, 0x86, 0x01, 0, 0,         /* mov ecx, 0x186 */
        0xb8, 0xc0, 0, 0x41, 0,         /* mov eax, EN|USR|0xc0 */
        0x31, 0xd2,                     /* xor edx, edx */
        0x0f, 0x30,                     /* wrmsr */
        0x6a, 0x2b,                     /* push 0x2b (SS) */
        0x68, 0x00, 0x70, 0, 0,         /* push 0x7000 (ESP) */
        0x68, 0x02, 0x02, 0, 0,         /* push 0x202 (EFLAGS) */
        0x6a, 0x23,                     /* push 0x23 (CS) */
        0x68, 0x00, 0x21, 0, 0,         /* push 0x2100 (EIP) */
        0xcf,                           /* iret: to ring 3 */
    };
    static const uint8_t user[] = {
        0x90, 0x90, 0x90, 0x90,         /* 4 x nop */
        0xcd, 0x80,                     /* int 0x80: back to ring 0 */
    };
    static const uint8_t handler[] = {
        0x31, 0xc9,                     /* xor ecx, ecx */
        0x0f, 0x33,                     /* rdpmc */
        0xf4,                           /* hlt */
    };
    struct flat *f = flat_new();
    pmode32_at(f, 0x2000);
    put_desc(f, 0x1020, 0, 0xfffff, 0xfa, 0xc0);   /* ring-3 code */
    put_desc(f, 0x1028, 0, 0xfffff, 0xf2, 0xc0);   /* ring-3 data */
    put_desc(f, 0x1030, 0x5000, 0x67, 0x89, 0x00); /* TSS */
    memset(f->ram + 0x5000, 0, 0x68);
    f->ram[0x5004] = 0x00;                         /* ESP0 = 0x9000 */
    f->ram[0x5005] = 0x90;
    f->ram[0x5008] = 0x10;                         /* SS0 */
    static const uint8_t gate[8] = { 0x00, 0x28, 0x08, 0x00, 0x00, 0xee, 0x00, 0x00 };
    memcpy(f->ram + 0x1800 + 0x80 * 8, gate, 8);   /* DPL 3 interrupt gate */
    memcpy(f->ram + 0x2000, prog, sizeof prog);
    memcpy(f->ram + 0x2100, user, sizeof user);
    memcpy(f->ram + 0x2800, handler, sizeof handler);
    st(f)->gdt.limit = 0x37;
    st(f)->rflags = 0x2;
    cpu_state_changed(f->c);
    ck_assert_int_eq(cpu_run(f->c, 1000), CPU_STOP_HALT);
    ck_assert_uint_eq(st(f)->rip, 0x2805);
    ck_assert_uint_eq(reg(f, R_EAX), 5);
    flat_free(f);
}
END_TEST

/* Expect #GP(0) through the 32-bit interrupt gate for vector 13 with the
 * pushed EIP at `fault_eip`. */
static void expect_gp32(const uint8_t *prog, size_t n, uint32_t fault_eip,
                        const char *what)
{
    struct flat *f = flat_new();
    static const uint8_t handler[] = {
        0x58,                 /* pop eax  ; error code */
        0x5b,                 /* pop ebx  ; EIP */
        0x59,                 /* pop ecx  ; CS */
        0x5a,                 /* pop edx  ; EFLAGS */
        0xf4,                 /* hlt */
    };
    memcpy(f->ram + 0x2800, handler, sizeof handler);
    /* IDT[13]: 32-bit interrupt gate (type e, P, DPL 0) -> 08:2800 */
    static const uint8_t gate[8] = { 0x00, 0x28, 0x08, 0x00, 0x00, 0x8e, 0x00, 0x00 };
    memcpy(f->ram + 0x1800 + 13 * 8, gate, 8);
    memcpy(f->ram + 0x2000, prog, n);
    pmode32_at(f, 0x2000);
    st(f)->gpr[R_EAX] = 0xaaaaaaaa;
    cpu_state_changed(f->c);
    enum cpu_stop why = cpu_run(f->c, 1000);
    ck_assert_msg(why == CPU_STOP_HALT, "%s: stop %d", what, why);
    ck_assert_msg(st(f)->rip == 0x2805, "%s: halted at %#x", what,
                  (unsigned)st(f)->rip);
    ck_assert_msg(reg(f, R_EAX) == 0, "%s: error code %#x", what, reg(f, R_EAX));
    ck_assert_msg(reg(f, R_EBX) == fault_eip, "%s: EIP %#x, want %#x", what,
                  reg(f, R_EBX), fault_eip);
    ck_assert_uint_eq(reg(f, R_ECX) & 0xffff, 0x08);
    ck_assert_uint_eq(reg(f, R_EDX) & (F_IF | 0x2), F_IF | 0x2);
    ck_assert_uint_eq(st(f)->rflags & F_IF, 0);      /* interrupt gate */
    ck_assert_uint_eq(reg(f, R_ESP), 0x9000);
    /* the allowed write landed, the faulting one did not */
    ck_assert_uint_eq(rd32(f, 0x40fc), 0x11111111);
    ck_assert_uint_eq(rd32(f, 0x4100), 0);
    flat_free(f);
}

START_TEST(test_pmode_gp_limit)
{
    static const uint8_t byte_past[] = {
        0x66, 0xb8, 0x18, 0x00,       /* 2000 mov ax, 0x18 */
        0x8e, 0xc0,                   /* 2004 mov es, ax ; base 4000 limit ff */
        0x26, 0xc7, 0x05, 0xfc, 0x00, 0x00, 0x00, 0x11, 0x11, 0x11, 0x11,
                                      /* 2006 mov dword [es:0xfc], 0x11111111 */
        0x26, 0xc6, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01,
                                      /* 2011 mov byte [es:0x100], 1 ; #GP(0) */
        0xf4,                         /* 2019 hlt */
    };
    expect_gp32(byte_past, sizeof byte_past, 0x2011, "byte past the limit");
    static const uint8_t straddle[] = {
        0x66, 0xb8, 0x18, 0x00,       /* 2000 mov ax, 0x18 */
        0x8e, 0xc0,                   /* 2004 mov es, ax */
        0x26, 0xc7, 0x05, 0xfc, 0x00, 0x00, 0x00, 0x11, 0x11, 0x11, 0x11,
                                      /* 2006 mov dword [es:0xfc], 0x11111111 */
        0x26, 0xc7, 0x05, 0xfd, 0x00, 0x00, 0x00, 0x22, 0x22, 0x22, 0x22,
                                      /* 2011 mov dword [es:0xfd], ... ; fd..100 */
        0xf4,
    };
    expect_gp32(straddle, sizeof straddle, 0x2011, "dword straddling the limit");
    static const uint8_t read_past[] = {
        0x66, 0xb8, 0x18, 0x00,       /* 2000 mov ax, 0x18 */
        0x8e, 0xc0,                   /* 2004 mov es, ax */
        0x26, 0xc7, 0x05, 0xfc, 0x00, 0x00, 0x00, 0x11, 0x11, 0x11, 0x11,
                                      /* 2006 mov dword [es:0xfc], 0x11111111 */
        0x26, 0x8b, 0x0d, 0x00, 0x01, 0x00, 0x00,
                                      /* 2011 mov ecx, [es:0x100] ; #GP(0) */
        0xf4,
    };
    expect_gp32(read_past, sizeof read_past, 0x2011, "read past the limit");
}
END_TEST

/* ==== the engine seam: interp behind accel_ops with a machine ==== */

struct seam {
    struct machine *m;
    const struct accel_ops *ops;
    struct accel_choice ch;
    int exit_status;
    uint32_t last_val;
    int writes;
};

static void seam_port_write(void *opaque, uint16_t port, uint32_t val,
                            unsigned size)
{
    struct seam *s = opaque;
    (void)port;
    (void)size;
    s->last_val = val;
    s->writes++;
    machine_request(s->m, REQ_EXIT, s->exit_status);
}

static uint32_t seam_port_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0;
}

static void seam_init(struct seam *s, int exit_status)
{
    char err[256] = "";
    memset(s, 0, sizeof *s);
    s->exit_status = exit_status;
    s->m = machine_new(16 * MiB, err, sizeof err);
    ck_assert_msg(s->m != NULL, "machine_new: %s", err);
    s->ops = accel_find("interp");
    ck_assert_ptr_nonnull(s->ops);
    ck_assert_str_eq(s->ops->name, "interp");
    s->ch.ops = s->ops;
    s->ch.accel = s->ops->init(s->m, cpu_model_default(), err, sizeof err);
    ck_assert_msg(s->ch.accel != NULL, "init: %s", err);
    s->ch.vcpu = s->ops->vcpu_create(s->ch.accel, 0, err, sizeof err);
    ck_assert_msg(s->ch.vcpu != NULL, "vcpu_create: %s", err);
    ck_assert_int_eq(machine_add_pio(s->m, 0x99, 1, seam_port_read,
                                     seam_port_write, s, "test-exit"), 0);
}

static void seam_fini(struct seam *s)
{
    s->ops->destroy(s->ch.accel);
    machine_free(s->m);
}

/* Real mode at 0:ip with the code copied in through the machine. */
static void seam_load(struct seam *s, uint16_t ip, const uint8_t *prog, size_t n)
{
    struct x86_state x;
    ck_assert_int_eq(machine_mem_rw(s->m, ip, (void *)prog, n, true), 0);
    x86_state_reset(&x, cpu_model_default()->signature);
    for (int k = 0; k < 6; k++)
        x86_seg_load_real(&x.seg[k], 0);
    x.rip = ip;
    x.gpr[R_ESP] = 0x7000;
    x.idt.limit = 0x3ff;
    ck_assert_int_eq(s->ops->set_state(s->ch.vcpu, &x), 0);
}

START_TEST(test_seam_exit)
{
    struct seam s;
    seam_init(&s, 5);
    static const uint8_t prog[] = {
        0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,   /* 7c00 mov eax, 0x12345678 */
        0xb0, 0x07,                           /* 7c06 mov al, 7 */
        0xe6, 0x99,                           /* 7c08 out 0x99, al ; exit 5 */
        0xeb, 0xfe,                           /* 7c0a jmp $ */
    };
    seam_load(&s, 0x7c00, prog, sizeof prog);
    struct run_options opt = { .no_reboot = true };
    ck_assert_int_eq(accel_run_loop(s.m, &s.ch, &opt), 5);
    ck_assert_int_eq(s.writes, 1);
    ck_assert_uint_eq(s.last_val, 7);
    struct x86_state x;
    ck_assert_int_eq(s.ops->get_state(s.ch.vcpu, &x), 0);
    ck_assert_uint_eq((uint32_t)x.gpr[R_EAX], 0x12345607);
    ck_assert_uint_eq(x.rip, 0x7c0a);
    ck_assert_int_ge(s.ops->insn_count(s.ch.vcpu), 3);
    seam_fini(&s);
}
END_TEST

START_TEST(test_seam_state_roundtrip)
{
    struct seam s;
    seam_init(&s, 1);
    struct x86_state in, out;
    x86_state_reset(&in, cpu_model_default()->signature);
    for (int r = 0; r < 8; r++)
        in.gpr[r] = 0x01010101u * (uint32_t)(r + 1);
    x86_seg_load_real(&in.seg[S_CS], 0x1234);
    x86_seg_load_real(&in.seg[S_DS], 0x2000);
    x86_seg_load_real(&in.seg[S_ES], 0xb800);
    in.rip = 0x5678;
    in.rflags = 0x2 | F_CF | F_ZF | F_DF;
    in.gdt.base = 0x9000;
    in.gdt.limit = 0x27;
    in.idt.base = 0;
    in.idt.limit = 0x3ff;
    in.cr0 = CR0_ET;
    ck_assert_int_eq(s.ops->set_state(s.ch.vcpu, &in), 0);
    ck_assert_int_eq(s.ops->get_state(s.ch.vcpu, &out), 0);
    for (int r = 0; r < 8; r++)
        ck_assert_uint_eq(out.gpr[r], in.gpr[r]);
    ck_assert_uint_eq(out.rip, 0x5678);
    ck_assert_uint_eq(out.rflags, in.rflags);
    for (int k = 0; k < 6; k++) {
        ck_assert_uint_eq(out.seg[k].sel, in.seg[k].sel);
        ck_assert_uint_eq(out.seg[k].base, in.seg[k].base);
        ck_assert_uint_eq(out.seg[k].limit, in.seg[k].limit);
        ck_assert_uint_eq(out.seg[k].type, in.seg[k].type);
    }
    ck_assert_uint_eq(out.gdt.base, 0x9000);
    ck_assert_uint_eq(out.gdt.limit, 0x27);
    ck_assert_uint_eq(out.cr0, CR0_ET);

    /* run a little at 1234:5678 and see the state move on from there */
    static const uint8_t prog[] = {
        0x40,                 /* inc ax */
        0x4b,                 /* dec bx */
        0xf4,                 /* hlt */
    };
    ck_assert_int_eq(machine_mem_rw(s.m, 0x12340 + 0x5678, (void *)prog,
                                    sizeof prog, true), 0);
    struct accel_exit e;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(s.ops->run(s.ch.vcpu, &e), 0);
    ck_assert_int_eq(e.reason, EXIT_HLT);
    ck_assert_int_eq(s.ops->get_state(s.ch.vcpu, &out), 0);
    ck_assert_uint_eq(out.gpr[R_EAX], 0x01010102);
    ck_assert_uint_eq(out.gpr[R_EBX], 0x04040403);
    ck_assert_uint_eq(out.gpr[R_ECX], 0x02020202);
    ck_assert_uint_eq(out.rip, 0x567b);
    ck_assert_uint_eq(out.seg[S_CS].sel, 0x1234);
    ck_assert_uint_eq(out.rflags & (F_CF | F_DF), F_CF | F_DF);   /* inc/dec keep CF */
    ck_assert(out.ev.halted);
    seam_fini(&s);
}
END_TEST

START_TEST(test_two_machines)
{
    struct seam a, b;
    seam_init(&a, 3);
    seam_init(&b, 4);
    /* different code at the same address in each machine */
    static const uint8_t pa[] = {
        0xb8, 0x11, 0x11,     /* mov ax, 0x1111 */
        0x01, 0xc0,           /* add ax, ax */
        0xf4,
    };
    static const uint8_t pb[] = {
        0xb8, 0x00, 0x50,     /* mov ax, 0x5000 */
        0xd1, 0xe8,           /* shr ax, 1 */
        0xf4,
    };
    seam_load(&a, 0x7c00, pa, sizeof pa);
    seam_load(&b, 0x7c00, pb, sizeof pb);
    struct accel_exit e;
    struct x86_state x;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(a.ops->run(a.ch.vcpu, &e), 0);
    ck_assert_int_eq(e.reason, EXIT_HLT);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(b.ops->run(b.ch.vcpu, &e), 0);
    ck_assert_int_eq(e.reason, EXIT_HLT);
    ck_assert_int_eq(a.ops->get_state(a.ch.vcpu, &x), 0);
    ck_assert_uint_eq(x.gpr[R_EAX] & 0xffff, 0x2222);
    ck_assert_int_eq(b.ops->get_state(b.ch.vcpu, &x), 0);
    ck_assert_uint_eq(x.gpr[R_EAX] & 0xffff, 0x2800);

    /* then each to its own exit through its own run loop */
    static const uint8_t qa[] = {
        0xb0, 0x33,           /* mov al, 0x33 */
        0xe6, 0x99,           /* out 0x99, al */
        0xeb, 0xfe,           /* jmp $ */
    };
    static const uint8_t qb[] = {
        0xb0, 0x44,           /* mov al, 0x44 */
        0xe6, 0x99,           /* out 0x99, al */
        0xeb, 0xfe,           /* jmp $ */
    };
    seam_load(&a, 0x8000, qa, sizeof qa);
    seam_load(&b, 0x8000, qb, sizeof qb);
    struct run_options opt = { .no_reboot = true };
    ck_assert_int_eq(accel_run_loop(b.m, &b.ch, &opt), 4);
    ck_assert_int_eq(accel_run_loop(a.m, &a.ch, &opt), 3);
    ck_assert_int_eq(a.writes, 1);
    ck_assert_int_eq(b.writes, 1);
    ck_assert_uint_eq(a.last_val, 0x33);
    ck_assert_uint_eq(b.last_val, 0x44);
    seam_fini(&a);
    seam_fini(&b);
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("cpu");
    tcase_add_test(tc, test_add_sub_flags);
    tcase_add_test(tc, test_inc_keeps_cf);
    tcase_add_test(tc, test_mul_div);
    tcase_add_test(tc, test_rdpmc);
    tcase_add_test(tc, test_pmc_count);
    tcase_add_test(tc, test_pmc_rings);
    tcase_add_test(tc, test_push_pop);
    tcase_add_test(tc, test_call_ret);
    tcase_add_test(tc, test_loop);
    tcase_add_test(tc, test_rep_movsb);
    tcase_add_test(tc, test_rep_stosw);
    tcase_add_test(tc, test_port_io);
    tcase_add_test(tc, test_de);
    tcase_add_test(tc, test_ud);
    tcase_add_test(tc, test_gp_too_long);
    tcase_add_test(tc, test_triple_fault);
    tcase_add_test(tc, test_smc_same_block);
    tcase_add_test(tc, test_smc_loop);
    tcase_add_test(tc, test_smc_subroutine);
    tcase_add_test(tc, test_hlt_if0);
    tcase_add_test(tc, test_sti_shadow);
    tcase_add_test(tc, test_budget);
    tcase_add_test(tc, test_request_stop);
    tcase_add_test(tc, test_pmode32_sib);
    tcase_add_test(tc, test_pmode_gp_limit);
    tcase_add_test(tc, test_chain_split);
    tcase_add_test(tc, test_chain_irq);
    suite_add_tcase(s, tc);
    TCase *seam = tcase_create("seam");
    tcase_add_test(seam, test_seam_exit);
    tcase_add_test(seam, test_seam_state_roundtrip);
    tcase_add_test(seam, test_two_machines);
    tcase_set_timeout(seam, 10);
    suite_add_tcase(s, seam);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(engine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
