/* The kvm engine against the host's /dev/kvm: memory slots, I/O and MMIO
 * exits, halting, interrupt injection, timers, state transfer, debugging.
 * Every test prints "kvm: skipped: <reason>" and passes when KVM cannot be
 * used here. */
#include <check.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "hw/machine.h"

#define CODE_GPA 0x1000   /* real-mode code at 0100:0000 */
#define RAM_SIZE 0x40000  /* 256 KiB: 0x80000 and up are unmapped */

struct fx {
    struct machine *m;
    struct accel *a;
    struct vcpu *v;
    const struct accel_ops *ops;
};

static bool fx_open(struct fx *f)
{
    char err[512];

    memset(f, 0, sizeof *f);
    f->ops = &accel_kvm_ops;
    if (f->ops->probe(err, sizeof err) < 0) {
        printf("kvm: skipped: %s\n", err);
        return false;
    }
    f->m = machine_new(RAM_SIZE, err, sizeof err);
    ck_assert_msg(f->m, "machine_new: %s", err);
    return true;
}

/* After ROMs/MMIO are added: the engine and its vCPU. */
static void fx_start(struct fx *f)
{
    char err[512];

    f->a = f->ops->init(f->m, cpu_model_default(), err, sizeof err);
    ck_assert_msg(f->a, "init: %s", err);
    f->v = f->ops->vcpu_create(f->a, 0, err, sizeof err);
    ck_assert_msg(f->v, "vcpu_create: %s", err);
}

static void fx_close(struct fx *f)
{
    if (f->a)
        f->ops->destroy(f->a);
    machine_free(f->m);
}

static void real_state(struct x86_state *s, uint16_t cs, uint16_t ip)
{
    x86_state_reset(s, cpu_model_default()->signature);
    x86_seg_load_real(&s->seg[S_CS], cs);
    s->rip = ip;
    s->gpr[R_ESP] = 0x8000;
}

/* Put code at CODE_GPA and point the CPU at it. */
static void fx_load(struct fx *f, const uint8_t *code, size_t len)
{
    struct x86_state s;

    ck_assert_int_eq(machine_mem_rw(f->m, CODE_GPA, (void *)code, len, true),
                     0);
    fx_start(f);
    real_state(&s, CODE_GPA >> 4, 0);
    ck_assert_int_eq(f->ops->set_state(f->v, &s), 0);
}

/* Run to the next exit that is not a time slice ending. */
static void fx_run(struct fx *f, struct accel_exit *e)
{
    for (int i = 0; i < 1000; i++) {
        memset(e, 0, sizeof *e);
        int r = f->ops->run(f->v, e);
        ck_assert_msg(r == 0, "run failed: %s", e->msg);
        if (e->reason != EXIT_BUDGET)
            return;
        machine_run_timers(f->m);
    }
    ck_abort_msg("the guest never left EXIT_BUDGET");
}

static void expect_out(struct fx *f, uint16_t port, unsigned size,
                       uint32_t val)
{
    struct accel_exit e;
    fx_run(f, &e);
    ck_assert_msg(e.reason == EXIT_IO, "exit %d (%s), wanted EXIT_IO",
                  e.reason, e.msg);
    ck_assert_uint_eq(e.io.port, port);
    ck_assert(e.io.write);
    ck_assert_uint_eq(e.io.size, size);
    ck_assert_uint_eq(e.io.count, 1);
    uint32_t v = 0;
    memcpy(&v, e.io.data, size);
    ck_assert_uint_eq(v, val);
}

static void expect_hlt(struct fx *f)
{
    struct accel_exit e;
    fx_run(f, &e);
    ck_assert_msg(e.reason == EXIT_HLT, "exit %d (%s), wanted EXIT_HLT",
                  e.reason, e.msg);
}

static int host_cap(int cap)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
    close(fd);
    return r > 0 ? r : 0;
}

START_TEST(test_probe_init)
{
    struct fx f;
    if (!fx_open(&f))
        return;
    fx_start(&f);
    ck_assert_int_eq(f.ops->insn_count(f.v), -1);
    ck_assert_str_eq(f.ops->name, "kvm");
    fx_close(&f);
}
END_TEST

START_TEST(test_out_hlt)
{
    static const uint8_t code[] = {
        0xba, 0x34, 0x12,   /* mov dx,0x1234 */
        0xb0, 0x41,         /* mov al,0x41 */
        0xee,               /* out dx,al */
        0xf4,               /* hlt */
    };
    struct fx f;
    struct x86_state s;
    if (!fx_open(&f))
        return;
    fx_load(&f, code, sizeof code);
    expect_out(&f, 0x1234, 1, 0x41);
    expect_hlt(&f);
    /* HLT with IF=0 stays halted */
    expect_hlt(&f);
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    ck_assert_uint_eq(s.rip, sizeof code);
    ck_assert(s.ev.halted);
    fx_close(&f);
}
END_TEST

START_TEST(test_in)
{
    static const uint8_t code[] = {
        0xba, 0x35, 0x12,   /* mov dx,0x1235 */
        0xec,               /* in al,dx */
        0xba, 0x36, 0x12,   /* mov dx,0x1236 */
        0xee,               /* out dx,al */
        0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax,0x12345678 */
        0x66, 0xef,         /* out dx,eax */
        0xf4,
    };
    struct fx f;
    struct accel_exit e;
    struct x86_state s;
    if (!fx_open(&f))
        return;
    fx_load(&f, code, sizeof code);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_IO);
    ck_assert_uint_eq(e.io.port, 0x1235);
    ck_assert(!e.io.write);
    ck_assert_uint_eq(e.io.size, 1);
    e.io.data[0] = 0x5a;
    /* reading the state finishes the IN first */
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    ck_assert_uint_eq(s.gpr[R_EAX] & 0xff, 0x5a);
    ck_assert_uint_eq(s.rip, 4);
    expect_out(&f, 0x1236, 1, 0x5a);
    expect_out(&f, 0x1236, 4, 0x12345678);
    expect_hlt(&f);
    fx_close(&f);
}
END_TEST

START_TEST(test_mmio)
{
    static const uint8_t code[] = {
        0xb8, 0x00, 0x80,               /* mov ax,0x8000 */
        0x8e, 0xd8,                     /* mov ds,ax */
        0xc6, 0x06, 0x10, 0x00, 0x99,   /* mov byte [0x10],0x99 */
        0xa1, 0x20, 0x00,               /* mov ax,[0x20] */
        0xba, 0x37, 0x12,               /* mov dx,0x1237 */
        0xef,                           /* out dx,ax */
        0xf4,
    };
    struct fx f;
    struct accel_exit e;
    if (!fx_open(&f))
        return;
    ck_assert(machine_find_region(f.m, 0x80010) == NULL);
    fx_load(&f, code, sizeof code);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_MMIO);
    ck_assert_uint_eq(e.mmio.gpa, 0x80010);
    ck_assert(e.mmio.write);
    ck_assert_uint_eq(e.mmio.size, 1);
    ck_assert_uint_eq(e.mmio.data[0], 0x99);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_MMIO);
    ck_assert_uint_eq(e.mmio.gpa, 0x80020);
    ck_assert(!e.mmio.write);
    ck_assert_uint_eq(e.mmio.size, 2);
    e.mmio.data[0] = 0xcd;
    e.mmio.data[1] = 0xab;
    expect_out(&f, 0x1237, 2, 0xabcd);
    expect_hlt(&f);
    fx_close(&f);
}
END_TEST

START_TEST(test_rom)
{
    static const uint8_t code[] = {
        0xb8, 0x00, 0x20,               /* mov ax,0x2000 */
        0x8e, 0xd8,                     /* mov ds,ax */
        0xba, 0x38, 0x12,               /* mov dx,0x1238 */
        0xa1, 0x00, 0x00,               /* mov ax,[0] */
        0xef,                           /* out dx,ax */
        0xc6, 0x06, 0x00, 0x00, 0x55,   /* mov byte [0],0x55 */
        0xa1, 0x00, 0x00,               /* mov ax,[0] */
        0xef,                           /* out dx,ax */
        0xf4,
    };
    static const uint8_t rom[0x1000] = { 0xef, 0xbe };
    struct fx f;
    struct accel_exit e;
    if (!fx_open(&f))
        return;
    ck_assert_int_eq(machine_add_rom(f.m, 0x20000, rom, sizeof rom, "rom"),
                     0);
    fx_load(&f, code, sizeof code);
    expect_out(&f, 0x1238, 2, 0xbeef);
    if (host_cap(KVM_CAP_READONLY_MEM)) {
        /* the write exits; the machine ignores it */
        fx_run(&f, &e);
        ck_assert_int_eq(e.reason, EXIT_MMIO);
        ck_assert_uint_eq(e.mmio.gpa, 0x20000);
        ck_assert(e.mmio.write);
        machine_mem_write(f.m, e.mmio.gpa, e.mmio.data[0], e.mmio.size);
        expect_out(&f, 0x1238, 2, 0xbeef);
    } else {
        printf("kvm: no KVM_CAP_READONLY_MEM: ROM write test skipped\n");
        fx_run(&f, &e);
    }
    expect_hlt(&f);
    fx_close(&f);
}
END_TEST

/* A fake interrupt controller: one vector, pending until acknowledged. */
struct fake_intc {
    bool pending;
    int vector;
    int acks;
};

static bool fake_pending(void *o)
{
    return ((struct fake_intc *)o)->pending;
}

static int fake_ack(void *o)
{
    struct fake_intc *c = o;
    if (!c->pending)
        return -1;
    c->pending = false;
    c->acks++;
    return c->vector;
}

static void fake_set_irq(void *o, int irq, int level)
{
    (void)irq;
    if (level)
        ((struct fake_intc *)o)->pending = true;
}

static const struct intc_ops fake_intc_ops = {
    .set_irq = fake_set_irq, .pending = fake_pending, .ack = fake_ack,
};

static void setup_handler(struct fx *f)
{
    static const uint8_t ivt[4] = { 0x00, 0x20, 0x00, 0x00 };   /* 0000:2000 */
    static const uint8_t handler[] = {
        0xba, 0x39, 0x12,   /* mov dx,0x1239 */
        0xb0, 0x77,         /* mov al,0x77 */
        0xee,               /* out dx,al */
        0xf4,
    };
    ck_assert_int_eq(machine_mem_rw(f->m, 0x20 * 4, (void *)ivt, 4, true), 0);
    ck_assert_int_eq(machine_mem_rw(f->m, 0x2000, (void *)handler,
                                    sizeof handler, true), 0);
}

START_TEST(test_interrupt_from_hlt)
{
    static const uint8_t code[] = { 0xfb, 0xf4, 0xeb, 0xfe };  /* sti; hlt */
    struct fx f;
    struct fake_intc c = { .vector = 0x20 };
    if (!fx_open(&f))
        return;
    machine_set_intc(f.m, &fake_intc_ops, &c);
    setup_handler(&f);
    fx_load(&f, code, sizeof code);
    expect_hlt(&f);
    expect_hlt(&f);          /* nothing pending: still halted */
    ck_assert_int_eq(c.acks, 0);
    machine_set_irq(f.m, 0, 1);
    expect_out(&f, 0x1239, 1, 0x77);
    ck_assert_int_eq(c.acks, 1);
    expect_hlt(&f);
    fx_close(&f);
}
END_TEST

START_TEST(test_interrupt_window)
{
    /* pending before the guest enables interrupts: the window opens after
     * STI and the instruction behind it */
    static const uint8_t code[] = {
        0xba, 0x3a, 0x12,   /* mov dx,0x123a */
        0xee,               /* out dx,al */
        0xfb,               /* sti */
        0x90,               /* nop */
        0xeb, 0xfe,         /* jmp $ */
    };
    struct fx f;
    struct fake_intc c = { .vector = 0x20, .pending = true };
    struct x86_state s;
    if (!fx_open(&f))
        return;
    machine_set_intc(f.m, &fake_intc_ops, &c);
    setup_handler(&f);
    fx_load(&f, code, sizeof code);
    expect_out(&f, 0x123a, 1, 0);
    ck_assert_int_eq(c.acks, 0);   /* IF=0: not taken */
    expect_out(&f, 0x1239, 1, 0x77);
    ck_assert_int_eq(c.acks, 1);
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    /* the handler's frame returns behind the STI shadow */
    ck_assert_uint_eq(s.gpr[R_ESP] & 0xffff, 0x8000 - 6);
    uint16_t ret_ip;
    ck_assert_int_eq(machine_mem_rw(f.m, 0x8000 - 6, &ret_ip, 2, false), 0);
    ck_assert_uint_ge(ret_ip, 6);
    fx_close(&f);
}
END_TEST

static void timer_fired(void *opaque)
{
    (*(int *)opaque)++;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

START_TEST(test_timer_budget)
{
    static const uint8_t code[] = { 0xeb, 0xfe };   /* jmp $ */
    struct fx f;
    struct accel_exit e;
    int fired = 0;
    if (!fx_open(&f))
        return;
    fx_load(&f, code, sizeof code);

    /* no timer: the time slice still ends */
    int64_t t0 = now_ns();
    ck_assert_int_eq(f.ops->run(f.v, &e), 0);
    ck_assert_int_eq(e.reason, EXIT_BUDGET);
    ck_assert_int_lt(now_ns() - t0, 500000000);

    /* a machine timer 3 ms out is served in time */
    struct timer *t = timer_new(f.m, timer_fired, &fired);
    timer_mod(t, machine_clock_ns(f.m) + 3000000);
    t0 = now_ns();
    while (!fired && now_ns() - t0 < 1000000000) {
        ck_assert_int_eq(f.ops->run(f.v, &e), 0);
        ck_assert_int_eq(e.reason, EXIT_BUDGET);
        machine_run_timers(f.m);
    }
    ck_assert_int_eq(fired, 1);
    ck_assert_int_lt(now_ns() - t0, 500000000);

    /* a kick before running returns at once */
    f.ops->kick(f.v);
    ck_assert_int_eq(f.ops->run(f.v, &e), 0);
    ck_assert_int_eq(e.reason, EXIT_BUDGET);
    fx_close(&f);
}
END_TEST

START_TEST(test_state_roundtrip)
{
    struct fx f;
    struct x86_state s, g;
    if (!fx_open(&f))
        return;
    fx_start(&f);

    real_state(&s, 0x1234, 0x5678);
    for (int i = 0; i < 16; i++)
        s.gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    s.gpr[R_ESP] = 0xfff0;
    s.rflags = 0x2 | F_CF | F_ZF | F_DF;
    x86_seg_load_real(&s.seg[S_DS], 0x2000);
    x86_seg_load_real(&s.seg[S_ES], 0x3000);
    x86_seg_load_real(&s.seg[S_SS], 0x4000);
    x86_seg_load_real(&s.seg[S_FS], 0x5000);
    x86_seg_load_real(&s.seg[S_GS], 0x6000);
    s.gdt.base = 0x12000;
    s.gdt.limit = 0x3f;
    s.idt.base = 0x13000;
    s.idt.limit = 0x7ff;
    s.cr2 = 0xdeadb000;
    s.sysenter_cs = 0x8;
    s.sysenter_esp = 0x9000;
    s.sysenter_eip = 0xc0001000;
    s.dr[0] = 0x1000;
    s.dr[1] = 0x2000;
    s.dr[2] = 0x3000;
    s.dr[3] = 0x4000;
    s.fpu.fcw = 0x37f;
    s.fpu.mxcsr = 0x1f80;
    for (int i = 0; i < 16; i++)
        s.fpu.xmm[i][0] = (uint8_t)(i + 1);
    s.ev.halted = true;
    s.tsc = 1000000;
    ck_assert_int_eq(f.ops->set_state(f.v, &s), 0);
    ck_assert_int_eq(f.ops->get_state(f.v, &g), 0);

    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(g.gpr[i], s.gpr[i]);
    ck_assert_uint_eq(g.rip, s.rip);
    ck_assert_uint_eq(g.rflags, s.rflags);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(g.seg[i].sel, s.seg[i].sel);
        ck_assert_uint_eq(g.seg[i].base, s.seg[i].base);
        ck_assert_uint_eq(g.seg[i].limit, s.seg[i].limit);
        ck_assert_uint_eq(g.seg[i].type, s.seg[i].type);
        ck_assert_uint_eq(g.seg[i].present, s.seg[i].present);
        ck_assert_uint_eq(g.seg[i].s, s.seg[i].s);
        ck_assert_uint_eq(g.seg[i].dpl, s.seg[i].dpl);
        ck_assert_uint_eq(g.seg[i].db, s.seg[i].db);
    }
    ck_assert_uint_eq(g.gdt.base, s.gdt.base);
    ck_assert_uint_eq(g.gdt.limit, s.gdt.limit);
    ck_assert_uint_eq(g.idt.base, s.idt.base);
    ck_assert_uint_eq(g.idt.limit, s.idt.limit);
    ck_assert_uint_eq(g.cr0 & (CR0_PE | CR0_PG), 0);
    ck_assert_uint_eq(g.cr2, s.cr2);
    ck_assert_uint_eq(g.sysenter_cs, s.sysenter_cs);
    ck_assert_uint_eq(g.sysenter_esp, s.sysenter_esp);
    ck_assert_uint_eq(g.sysenter_eip, s.sysenter_eip);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(g.dr[i], s.dr[i]);
    ck_assert_uint_eq(g.fpu.fcw, s.fpu.fcw);
    ck_assert_uint_eq(g.fpu.mxcsr, s.fpu.mxcsr);
    ck_assert_mem_eq(g.fpu.xmm, s.fpu.xmm, sizeof g.fpu.xmm);
    ck_assert(g.ev.halted);
    ck_assert_uint_ge(g.tsc, s.tsc);

    /* a flat 32-bit protected-mode state */
    memset(&s, 0, sizeof s);
    s.rip = 0x100000;
    s.rflags = 0x2;
    s.gpr[R_ESP] = 0x90000;
    for (int i = 0; i < 6; i++) {
        s.seg[i] = (struct x86_seg){ .base = 0, .limit = 0xffffffff,
                                     .sel = 0x10, .type = 3, .s = 1,
                                     .present = 1, .db = 1, .g = 1 };
    }
    s.seg[S_CS].sel = 0x08;
    s.seg[S_CS].type = 0xb;
    s.tr = (struct x86_seg){ .base = 0x5000, .limit = 0x67, .sel = 0x18,
                             .type = 0xb, .present = 1 };
    s.ldt = (struct x86_seg){ .type = 2, .present = 1, .limit = 0xffff };
    s.gdt.base = 0x6000;
    s.gdt.limit = 0x1f;
    s.cr0 = CR0_PE | CR0_ET | CR0_NE;
    s.dr[6] = 0xffff0ff0;
    s.dr[7] = 0x400;
    s.fpu.fcw = 0x37f;
    s.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(f.ops->set_state(f.v, &s), 0);
    ck_assert_int_eq(f.ops->get_state(f.v, &g), 0);
    ck_assert_uint_eq(g.rip, s.rip);
    ck_assert_uint_eq(g.cr0 & CR0_PE, CR0_PE);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(g.seg[i].sel, s.seg[i].sel);
        ck_assert_uint_eq(g.seg[i].base, 0);
        ck_assert_uint_eq(g.seg[i].limit, 0xffffffff);
        ck_assert_uint_eq(g.seg[i].type, s.seg[i].type);
        ck_assert_uint_eq(g.seg[i].db, 1);
        ck_assert_uint_eq(g.seg[i].g, 1);
    }
    ck_assert_uint_eq(g.tr.sel, 0x18);
    ck_assert_uint_eq(g.tr.base, 0x5000);
    ck_assert_uint_eq(g.tr.limit, 0x67);
    ck_assert(!g.ev.halted);
    fx_close(&f);
}
END_TEST

START_TEST(test_single_step)
{
    static const uint8_t code[] = {
        0x90,               /* nop */
        0x40,               /* inc ax */
        0xba, 0x3b, 0x12,   /* mov dx,0x123b */
        0xee,               /* out dx,al */
        0xf4,
    };
    struct fx f;
    struct accel_exit e;
    struct x86_state s;
    struct accel_debug d = { .single_step = true };
    if (!fx_open(&f))
        return;
    fx_load(&f, code, sizeof code);
    ck_assert_int_eq(f.ops->set_debug(f.v, &d), 0);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_DEBUG);
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    ck_assert_uint_eq(s.rip, 1);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_DEBUG);
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    ck_assert_uint_eq(s.rip, 2);
    ck_assert_uint_eq(s.gpr[R_EAX] & 0xffff, 1);

    /* a hardware breakpoint on the OUT, then carry on past it */
    d = (struct accel_debug){ .nr_breakpoints = 1,
                              .breakpoints = { CODE_GPA + 5 } };
    ck_assert_int_eq(f.ops->set_debug(f.v, &d), 0);
    fx_run(&f, &e);
    ck_assert_int_eq(e.reason, EXIT_DEBUG);
    ck_assert_int_eq(f.ops->get_state(f.v, &s), 0);
    ck_assert_uint_eq(s.rip, 5);
    expect_out(&f, 0x123b, 1, 1);
    d = (struct accel_debug){ 0 };
    ck_assert_int_eq(f.ops->set_debug(f.v, &d), 0);
    expect_hlt(&f);
    fx_close(&f);
}
END_TEST

START_TEST(test_emulation_failure_message)
{
    /* DAA: hardware runs it; a KVM that emulates real mode in software
     * may give up.  Either way the engine must not hang or crash, and a
     * failure must be one clear line. */
    static const uint8_t code[] = { 0x27, 0xf4 };   /* daa; hlt */
    struct fx f;
    struct accel_exit e;
    if (!fx_open(&f))
        return;
    fx_load(&f, code, sizeof code);
    for (int i = 0; i < 1000; i++) {
        memset(&e, 0, sizeof e);
        int r = f.ops->run(f.v, &e);
        if (e.reason != EXIT_BUDGET) {
            if (r < 0)
                break;
            ck_assert_int_eq(r, 0);
            break;
        }
    }
    if (e.reason == EXIT_ERROR) {
        printf("kvm: this host's KVM: %s\n", e.msg);
        ck_assert_msg(strstr(e.msg, "emulation failure") &&
                      strstr(e.msg, "0100:00000000") &&
                      strstr(e.msg, "linear 0x1000") &&
                      strstr(e.msg, "bytes 27"), "message: %s", e.msg);
        ck_assert(!strchr(e.msg, '\n'));
    } else {
        ck_assert_int_eq(e.reason, EXIT_HLT);
    }
    fx_close(&f);
}
END_TEST

static Suite *kvm_suite(void)
{
    Suite *s = suite_create("kvm");
    TCase *tc = tcase_create("kvm");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_probe_init);
    tcase_add_test(tc, test_out_hlt);
    tcase_add_test(tc, test_in);
    tcase_add_test(tc, test_mmio);
    tcase_add_test(tc, test_rom);
    tcase_add_test(tc, test_interrupt_from_hlt);
    tcase_add_test(tc, test_interrupt_window);
    tcase_add_test(tc, test_timer_budget);
    tcase_add_test(tc, test_state_roundtrip);
    tcase_add_test(tc, test_single_step);
    tcase_add_test(tc, test_emulation_failure_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kvm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
