/* Unit tests of the machine core (hw/machine.c), the logger (debug/log.c)
 * and the run loop (accel/run.c) driven by a scripted fake engine. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "cpu/state.h"
#include "debug/log.h"
#include "hw/machine.h"

#define MiB (1024 * 1024ull)

static struct machine *new_machine(uint64_t ram)
{
    char err[256];
    struct machine *m = machine_new(ram, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_new: %s", err);
    return m;
}

/* ---- RAM ---- */

START_TEST(test_ram_rw)
{
    struct machine *m = new_machine(16 * MiB);
    const struct mem_region *r;
    uint8_t buf[8];

    ck_assert_uint_eq(machine_ram_size(m), 16 * MiB);
    ck_assert_int_eq(machine_regions(m, &r), 1);
    ck_assert_str_eq(r[0].name, "ram-below-4g");
    ck_assert_uint_eq(r[0].gpa, 0);
    ck_assert_uint_eq(r[0].size, 16 * MiB);

    machine_mem_write(m, 0x1000, 0xab, 1);
    machine_mem_write(m, 0x1002, 0xbeef, 2);
    machine_mem_write(m, 0x1004, 0x12345678, 4);
    machine_mem_write(m, 0x2000, 0x1122334455667788ull, 8);
    ck_assert_uint_eq(machine_mem_read(m, 0x1000, 1), 0xab);
    ck_assert_uint_eq(machine_mem_read(m, 0x1002, 2), 0xbeef);
    ck_assert_uint_eq(machine_mem_read(m, 0x1004, 4), 0x12345678);
    ck_assert_uint_eq(machine_mem_read(m, 0x2000, 8), 0x1122334455667788ull);
    ck_assert_uint_eq(machine_mem_read(m, 0x2000, 1), 0x88);   /* LE */
    ck_assert_uint_eq(machine_mem_read(m, 0x2001, 2), 0x6677);

    /* the host pointer sees the same bytes */
    uint8_t *p = machine_gpa_ptr(m, 0x1004, true);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p[0], 0x78);

    ck_assert_int_eq(machine_mem_rw(m, 0x2000, buf, 8, false), 0);
    ck_assert_uint_eq(buf[7], 0x11);
    memcpy(buf, "tandem!", 8);
    ck_assert_int_eq(machine_mem_rw(m, 16 * MiB - 8, buf, 8, true), 0);
    ck_assert_uint_eq(machine_mem_read(m, 16 * MiB - 8, 1), 't');
    /* past the end of RAM: refused, nothing copied */
    ck_assert_int_eq(machine_mem_rw(m, 16 * MiB - 4, buf, 8, true), -1);
    ck_assert_uint_eq(machine_mem_read(m, 16 * MiB - 4, 1), 'e');

    /* unmapped memory reads as all ones */
    ck_assert_uint_eq(machine_mem_read(m, 0x40000000, 4), 0xffffffffu);
    ck_assert_uint_eq(machine_mem_read(m, 0x40000000, 8), ~0ull);
    ck_assert_ptr_null(machine_gpa_ptr(m, 0x40000000, false));
    /* straddling the end of RAM: the RAM byte, then ones */
    ck_assert_uint_eq(machine_mem_read(m, 16 * MiB - 1, 2), 0xff00u | '\0');
    machine_free(m);
}
END_TEST

START_TEST(test_ram_above_4g)
{
    struct machine *m = new_machine(4096 * MiB);
    const struct mem_region *r;

    ck_assert_int_eq(machine_regions(m, &r), 2);
    ck_assert_uint_eq(r[0].size, 0xe0000000ull);
    ck_assert_str_eq(r[1].name, "ram-above-4g");
    ck_assert_uint_eq(r[1].gpa, 0x100000000ull);
    ck_assert_uint_eq(r[1].size, 0x20000000ull);
    ck_assert_ptr_eq(r[1].host, r[0].host + 0xe0000000ull);
    machine_mem_write(m, 0x100000010ull, 0xcafe, 2);
    ck_assert_uint_eq(machine_mem_read(m, 0x100000010ull, 2), 0xcafe);
    /* the PCI hole is not RAM */
    ck_assert_ptr_null(machine_find_region(m, 0xe0001000ull));
    ck_assert_uint_eq(machine_mem_read(m, 0xe0001000ull, 1), 0xff);
    machine_free(m);
}
END_TEST

START_TEST(test_ram_bad_size)
{
    char err[128] = "";
    ck_assert_ptr_null(machine_new(0, err, sizeof err));
    ck_assert(err[0] != '\0');
}
END_TEST

static uint64_t hook_gpa, hook_len;
static int hook_calls;

static void ram_hook(void *opaque, uint64_t gpa, uint64_t len)
{
    (void)opaque;
    hook_gpa = gpa;
    hook_len = len;
    hook_calls++;
}

START_TEST(test_ram_write_hook)
{
    struct machine *m = new_machine(1 * MiB);
    uint8_t buf[16] = { 0 };

    hook_calls = 0;
    machine_set_ram_write_hook(m, ram_hook, NULL);
    machine_mem_write(m, 0x500, 1, 4);
    ck_assert_int_eq(hook_calls, 1);
    ck_assert_uint_eq(hook_gpa, 0x500);
    ck_assert_uint_eq(hook_len, 4);
    machine_mem_rw(m, 0x800, buf, sizeof buf, true);
    ck_assert_int_eq(hook_calls, 2);
    ck_assert_uint_eq(hook_len, 16);
    machine_mem_read(m, 0x500, 4);
    machine_mem_rw(m, 0x800, buf, sizeof buf, false);
    ck_assert_int_eq(hook_calls, 2);
    machine_free(m);
}
END_TEST

/* ---- ROM ---- */

static void check_map_sane(struct machine *m)
{
    const struct mem_region *r;
    int n = machine_regions(m, &r);

    for (int i = 0; i < n; i++) {
        ck_assert_uint_gt(r[i].size, 0);
        if (i > 0)
            ck_assert_uint_ge(r[i].gpa, r[i - 1].gpa + r[i - 1].size);
    }
}

START_TEST(test_rom_over_ram)
{
    struct machine *m = new_machine(16 * MiB);
    static uint8_t bios[256 * 1024];
    const struct mem_region *r;
    int n;

    for (size_t i = 0; i < sizeof bios; i++)
        bios[i] = (uint8_t)(i * 7 + 1);
    machine_mem_write(m, 0xdfffc, 0x11223344, 4);
    machine_mem_write(m, 0x100000, 0x55667788, 4);

    ck_assert_int_eq(machine_add_rom(m, 0x100000000ull - sizeof bios, bios,
                                     sizeof bios, "bios"), 0);
    ck_assert_int_eq(machine_add_rom(m, 0xe0000, bios + sizeof bios / 2,
                                     sizeof bios / 2, "bios-alias"), 0);
    check_map_sane(m);

    n = machine_regions(m, &r);
    ck_assert_int_eq(n, 4);
    ck_assert_uint_eq(r[0].gpa, 0);
    ck_assert_uint_eq(r[0].size, 0xe0000);
    ck_assert_int_eq(r[0].kind, MEM_RAM);
    ck_assert_uint_eq(r[1].gpa, 0xe0000);
    ck_assert_int_eq(r[1].kind, MEM_ROM);
    ck_assert_str_eq(r[1].name, "bios-alias");
    ck_assert_uint_eq(r[2].gpa, 0x100000);
    ck_assert_int_eq(r[2].kind, MEM_RAM);
    ck_assert_uint_eq(r[2].size, 15 * MiB);
    ck_assert_ptr_eq(r[2].host, r[0].host + 0x100000);
    ck_assert_uint_eq(r[3].gpa, 0xfffc0000u);

    /* RAM around the hole keeps its contents */
    ck_assert_uint_eq(machine_mem_read(m, 0xdfffc, 4), 0x11223344);
    ck_assert_uint_eq(machine_mem_read(m, 0x100000, 4), 0x55667788);
    /* ROM reads its data at both addresses */
    ck_assert_uint_eq(machine_mem_read(m, 0xffff0, 1), bios[0x3fff0]);
    ck_assert_uint_eq(machine_mem_read(m, 0xfffffff0u, 1), bios[0x3fff0]);
    ck_assert_uint_eq(machine_mem_read(m, 0xe0000, 4),
                      bios[0x20000] | bios[0x20001] << 8 |
                      bios[0x20002] << 16 | (uint32_t)bios[0x20003] << 24);
    /* guest writes to ROM are ignored */
    uint8_t before = bios[0x20010];
    machine_mem_write(m, 0xe0010, (uint8_t)~before, 1);
    ck_assert_uint_eq(machine_mem_read(m, 0xe0010, 1), before);
    /* straddling RAM and ROM */
    ck_assert_uint_eq(machine_mem_read(m, 0xdfffe, 4),
                      0x1122u | bios[0x20000] << 16 |
                      (uint32_t)bios[0x20001] << 24);
    machine_mem_write(m, 0xdfffe, 0xaabbccdd, 4);
    ck_assert_uint_eq(machine_mem_read(m, 0xdfffe, 2), 0xccdd);
    ck_assert_uint_eq(machine_mem_read(m, 0xe0000, 1), bios[0x20000]);

    /* ROM: host pointer for reads only; loaders may write it */
    ck_assert_ptr_nonnull(machine_gpa_ptr(m, 0xe0000, false));
    ck_assert_ptr_null(machine_gpa_ptr(m, 0xe0000, true));
    uint8_t b = 0x5a;
    ck_assert_int_eq(machine_mem_rw(m, 0xe0010, &b, 1, true), 0);
    ck_assert_uint_eq(machine_mem_read(m, 0xe0010, 1), 0x5a);
    /* bulk copy across the RAM/ROM boundary */
    uint8_t buf[4];
    ck_assert_int_eq(machine_mem_rw(m, 0xdfffe, buf, 4, false), 0);
    ck_assert_uint_eq(buf[1], 0xcc);
    ck_assert_uint_eq(buf[2], bios[0x20000]);

    /* overlapping ROM/MMIO refused, the map unchanged */
    ck_assert_int_eq(machine_add_rom(m, 0xf0000, bios, 0x1000, "x"), -1);
    ck_assert_int_eq(machine_add_rom(m, 0xd0000, bios, 0x10001, "x"), -1);
    ck_assert_int_eq(machine_add_mmio(m, 0xfffff000u, 0x2000, NULL, NULL,
                                      NULL, "x"), -1);
    ck_assert_int_eq(machine_add_rom(m, 0, bios, 0, "empty"), -1);
    ck_assert_int_eq(machine_regions(m, &r), 4);
    /* an option ROM right below the alias splits RAM once more */
    ck_assert_int_eq(machine_add_rom(m, 0xc0000, bios, 0x8000, "vgabios"), 0);
    ck_assert_int_eq(machine_regions(m, &r), 6);
    check_map_sane(m);
    ck_assert_uint_eq(machine_mem_read(m, 0xc0000, 1), bios[0]);
    ck_assert_uint_eq(machine_mem_read(m, 0xdfffc, 2), 0x3344);
    machine_free(m);
}
END_TEST

START_TEST(test_region_limit)
{
    struct machine *m = new_machine(64 * MiB);
    uint8_t rom[16] = { 0 };
    int ok = 0;

    /* every ROM splits RAM: the flat map fills up, then adds are refused */
    for (int i = 0; i < 2 * MACHINE_MAX_REGIONS; i++)
        if (machine_add_rom(m, (uint64_t)i * 0x10000 + 0x8000, rom,
                            sizeof rom, "small") == 0)
            ok++;
    ck_assert_int_gt(ok, 10);
    ck_assert_int_lt(ok, MACHINE_MAX_REGIONS);
    check_map_sane(m);
    ck_assert_uint_eq(machine_mem_read(m, 0x7ffc, 4), 0);
    machine_free(m);
}
END_TEST

/* ---- MMIO ---- */

struct mmio_log {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
};

static uint64_t mmio_rd(void *opaque, uint64_t off, unsigned size)
{
    struct mmio_log *l = opaque;
    l->last_off = off;
    l->last_size = size;
    l->reads++;
    return 0x0102030405060708ull + off;
}

static void mmio_wr(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct mmio_log *l = opaque;
    l->last_off = off;
    l->last_size = size;
    l->last_val = val;
    l->writes++;
}

START_TEST(test_mmio)
{
    struct machine *m = new_machine(16 * MiB);
    struct mmio_log l = { 0 };
    static const unsigned sizes[] = { 1, 2, 4, 8 };

    ck_assert_int_eq(machine_add_mmio(m, 0xfec00000u, 0x1000, mmio_rd,
                                      mmio_wr, &l, "ioapic"), 0);
    for (int i = 0; i < 4; i++) {
        unsigned s = sizes[i];
        uint64_t v = machine_mem_read(m, 0xfec00010u, s);
        ck_assert_uint_eq(l.last_off, 0x10);
        ck_assert_uint_eq(l.last_size, s);
        uint64_t want = 0x0102030405060718ull;
        if (s < 8)
            want &= (1ull << (8 * s)) - 1;
        ck_assert_uint_eq(v, want);
        machine_mem_write(m, 0xfec00020u + s, 0xffeeddccbbaa9988ull, s);
        ck_assert_uint_eq(l.last_off, 0x20 + s);
        ck_assert_uint_eq(l.last_size, s);
        ck_assert_uint_eq(l.last_val,
                          s == 8 ? 0xffeeddccbbaa9988ull
                                 : 0xffeeddccbbaa9988ull & ((1ull << (8 * s)) - 1));
    }
    ck_assert_int_eq(l.reads, 4);
    ck_assert_int_eq(l.writes, 4);
    const struct mem_region *r = machine_find_region(m, 0xfec00fffu);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->kind, MEM_MMIO);
    ck_assert_ptr_null(machine_gpa_ptr(m, 0xfec00000u, false));
    ck_assert_int_eq(machine_mem_rw(m, 0xfec00000u, &l, 1, false), -1);
    ck_assert_ptr_null(machine_find_region(m, 0xfec01000u));
    machine_free(m);
}
END_TEST

/* ---- Port I/O ---- */

struct pio_log {
    uint16_t port;
    unsigned size;
    uint32_t val;
    int writes;
};

static uint32_t pio_rd(void *opaque, uint16_t port, unsigned size)
{
    struct pio_log *l = opaque;
    l->port = port;
    l->size = size;
    return 0xa5a5a500u | port;
}

static void pio_wr(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    struct pio_log *l = opaque;
    l->port = port;
    l->size = size;
    l->val = val;
    l->writes++;
}

START_TEST(test_pio)
{
    struct machine *m = new_machine(1 * MiB);
    struct pio_log l = { 0 }, l2 = { 0 };

    ck_assert_int_eq(machine_add_pio(m, 0x60, 5, pio_rd, pio_wr, &l, "kbd"), 0);
    ck_assert_uint_eq(machine_pio_read(m, 0x64, 1), 0x64);
    ck_assert_uint_eq(l.port, 0x64);
    ck_assert_uint_eq(l.size, 1);
    ck_assert_uint_eq(machine_pio_read(m, 0x61, 2), 0xa561);
    ck_assert_uint_eq(l.size, 2);
    ck_assert_uint_eq(machine_pio_read(m, 0x60, 4), 0xa5a5a560u);
    ck_assert_uint_eq(l.size, 4);
    /* a wide access goes to the owner of its first port */
    ck_assert_uint_eq(machine_pio_read(m, 0x64, 4), 0xa5a5a564u);
    machine_pio_write(m, 0x62, 0x12345678, 2);
    ck_assert_uint_eq(l.port, 0x62);
    ck_assert_uint_eq(l.val, 0x5678);
    ck_assert_uint_eq(l.size, 2);
    machine_pio_write(m, 0x60, 0x12345678, 4);
    ck_assert_uint_eq(l.val, 0x12345678);

    /* unclaimed ports */
    ck_assert_uint_eq(machine_pio_read(m, 0x65, 1), 0xff);
    ck_assert_uint_eq(machine_pio_read(m, 0x1234, 2), 0xffff);
    ck_assert_uint_eq(machine_pio_read(m, 0xffff, 4), 0xffffffffu);
    machine_pio_write(m, 0x5f, 1, 1);
    ck_assert_int_eq(l.writes, 2);

    /* double claims and bad ranges refused */
    ck_assert_int_eq(machine_add_pio(m, 0x64, 1, pio_rd, pio_wr, &l2, "x"), -1);
    ck_assert_int_eq(machine_add_pio(m, 0x5c, 8, pio_rd, pio_wr, &l2, "x"), -1);
    ck_assert_int_eq(machine_add_pio(m, 0xffff, 2, pio_rd, pio_wr, &l2, "x"), -1);
    ck_assert_int_eq(machine_add_pio(m, 0x70, 0, pio_rd, pio_wr, &l2, "x"), -1);
    ck_assert_uint_eq(machine_pio_read(m, 0x5c, 1), 0xff);
    ck_assert_int_eq(machine_add_pio(m, 0xffff, 1, pio_rd, pio_wr, &l2, "x"), 0);
    ck_assert_uint_eq(machine_pio_read(m, 0xffff, 1), 0xff);
    ck_assert_uint_eq(l2.port, 0xffff);
    ck_assert_uint_eq(machine_pio_read(m, 0xffff, 4), 0xa5a5ffffu);
    ck_assert_uint_eq(l2.size, 4);
    machine_free(m);
}
END_TEST

START_TEST(test_unassigned_logged_once)
{
    struct machine *m = new_machine(1 * MiB);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    machine_logger(m)->f = f;
    machine_logger(m)->mask = LOG_UNIMP;
    machine_pio_read(m, 0x3f8, 1);
    machine_pio_write(m, 0x3f8, 0, 1);
    machine_pio_read(m, 0x80, 1);
    fflush(f);
    ck_assert_ptr_nonnull(strstr(buf, "unassigned port 0x3f8 read"));
    ck_assert_ptr_null(strstr(buf, "0x3f8 write"));
    ck_assert_ptr_nonnull(strstr(buf, "unassigned port 0x80"));
    fclose(f);
    free(buf);
    machine_free(m);
}
END_TEST

/* ---- Interrupts ---- */

struct fake_intc {
    int level[MACHINE_NR_IRQS];
    int calls;
};

static void intc_set(void *opaque, int irq, int level)
{
    struct fake_intc *c = opaque;
    c->level[irq] = level;
    c->calls++;
}

static bool intc_pending(void *opaque)
{
    struct fake_intc *c = opaque;
    for (int i = 0; i < MACHINE_NR_IRQS; i++)
        if (c->level[i])
            return true;
    return false;
}

static int intc_ack(void *opaque)
{
    struct fake_intc *c = opaque;
    for (int i = 0; i < MACHINE_NR_IRQS; i++)
        if (c->level[i])
            return 0x20 + i;
    return -1;
}

static const struct intc_ops fake_intc_ops = {
    intc_set, intc_pending, intc_ack,
};

static void count_kick(void *opaque)
{
    (*(int *)opaque)++;
}

START_TEST(test_irq)
{
    struct machine *m = new_machine(1 * MiB);
    struct fake_intc c = { 0 };
    int kicks = 0;

    /* no controller yet: harmless */
    machine_set_irq(m, 4, 1);
    ck_assert(!machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), -1);

    machine_set_intc(m, &fake_intc_ops, &c);
    machine_set_kick(m, count_kick, &kicks);
    machine_set_irq(m, 4, 1);
    ck_assert_int_eq(c.level[4], 1);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_ge(kicks, 1);
    ck_assert_int_eq(machine_intr_ack(m), 0x24);
    machine_set_irq(m, 4, 0);
    ck_assert(!machine_intr_pending(m));
    machine_set_irq(m, MACHINE_NR_IRQS - 1, 1);
    ck_assert_int_eq(c.level[MACHINE_NR_IRQS - 1], 1);
    int calls = c.calls;
    machine_set_irq(m, MACHINE_NR_IRQS, 1);
    machine_set_irq(m, -1, 1);
    ck_assert_int_eq(c.calls, calls);
    machine_free(m);
}
END_TEST

/* ---- Timers ---- */

struct fake_clock {
    int64_t now;
};

static int64_t fake_now(void *opaque)
{
    return ((struct fake_clock *)opaque)->now;
}

struct tctx {
    struct machine *m;
    struct timer *t;
    int id;
    int *order;
    int *n;
    int64_t rearm;         /* re-arm this far past now, 0: no */
    int rearms_left;
    struct timer *other;   /* arm this one too, at other_at */
    int64_t other_at;
};

static void tcb(void *opaque)
{
    struct tctx *c = opaque;
    c->order[(*c->n)++] = c->id;
    if (c->rearm && c->rearms_left-- > 0)
        timer_mod(c->t, machine_clock_ns(c->m) + c->rearm);
    if (c->other) {
        timer_mod(c->other, c->other_at);
        c->other = NULL;
    }
}

START_TEST(test_timers)
{
    struct machine *m = new_machine(1 * MiB);
    struct fake_clock clk = { 0 };
    int order[32], n = 0;
    struct tctx x[4];

    machine_set_clock_source(m, fake_now, &clk);
    ck_assert_int_eq(machine_clock_ns(m), 0);
    ck_assert_int_eq(machine_next_deadline(m), INT64_MAX);
    for (int i = 0; i < 4; i++) {
        x[i] = (struct tctx){ .m = m, .id = i, .order = order, .n = &n };
        x[i].t = timer_new(m, tcb, &x[i]);
        ck_assert_ptr_nonnull(x[i].t);
    }
    timer_mod(x[0].t, 300);
    timer_mod(x[1].t, 100);
    timer_mod(x[2].t, 200);
    timer_mod(x[3].t, 50);
    timer_mod(x[3].t, 400);      /* re-arming moves it */
    ck_assert(timer_pending(x[3].t));
    ck_assert_int_eq(machine_next_deadline(m), 100);

    clk.now = 99;
    machine_run_timers(m);
    ck_assert_int_eq(n, 0);
    clk.now = 250;
    machine_run_timers(m);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 2);
    ck_assert(!timer_pending(x[1].t));
    ck_assert_int_eq(machine_next_deadline(m), 300);

    /* timer_del */
    timer_del(x[0].t);
    ck_assert(!timer_pending(x[0].t));
    ck_assert_int_eq(machine_next_deadline(m), 400);

    /* a periodic timer re-arms itself; it also arms another one */
    x[3].rearm = 100;
    x[3].rearms_left = 2;
    x[3].other = x[0].t;
    x[3].other_at = 450;
    clk.now = 1000;
    machine_run_timers(m);
    /* 3@400 runs, re-arms at now+100 = 1100 and arms 0@450, which is
     * already due and runs in the same call. */
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(order[2], 3);
    ck_assert_int_eq(order[3], 0);
    ck_assert_int_eq(machine_next_deadline(m), 1100);
    clk.now = 1100;
    machine_run_timers(m);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(machine_next_deadline(m), 1200);
    clk.now = 5000;
    machine_run_timers(m);
    ck_assert_int_eq(n, 6);
    ck_assert_int_eq(machine_next_deadline(m), INT64_MAX);

    /* equal deadlines run in arming order */
    timer_mod(x[2].t, 6000);
    timer_mod(x[0].t, 6000);
    timer_mod(x[1].t, 6000);
    clk.now = 6000;
    machine_run_timers(m);
    ck_assert_int_eq(n, 9);
    ck_assert_int_eq(order[6], 2);
    ck_assert_int_eq(order[7], 0);
    ck_assert_int_eq(order[8], 1);

    /* freeing an armed timer disarms it; the others are freed with m */
    timer_mod(x[1].t, 7000);
    timer_free(x[1].t);
    ck_assert_int_eq(machine_next_deadline(m), INT64_MAX);
    machine_set_clock_source(m, NULL, NULL);   /* back to host time */
    ck_assert_int_ge(machine_clock_ns(m), 0);
    machine_free(m);
}
END_TEST

static void self_free_cb(void *opaque)
{
    struct timer **t = opaque;
    timer_free(*t);
    *t = NULL;
}

START_TEST(test_timer_free_in_callback)
{
    struct machine *m = new_machine(1 * MiB);
    struct fake_clock clk = { 0 };
    struct timer *t;

    machine_set_clock_source(m, fake_now, &clk);
    t = timer_new(m, self_free_cb, &t);
    timer_mod(t, 10);
    clk.now = 10;
    machine_run_timers(m);
    ck_assert_ptr_null(t);
    machine_free(m);
}
END_TEST

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void flag_cb(void *opaque)
{
    (*(int *)opaque)++;
}

START_TEST(test_wait_timer)
{
    struct machine *m = new_machine(1 * MiB);
    int fired = 0;
    struct timer *t = timer_new(m, flag_cb, &fired);
    int64_t t0 = mono_ns();

    timer_mod(t, machine_clock_ns(m) + 5000000);   /* 5 ms */
    machine_wait(m, 2000000000);
    int64_t took = mono_ns() - t0;
    ck_assert_int_eq(fired, 1);
    ck_assert_int_ge(took, 4000000);
    ck_assert_int_lt(took, 1000000000);

    /* nothing armed: the cap bounds the wait */
    t0 = mono_ns();
    machine_wait(m, 3000000);
    took = mono_ns() - t0;
    ck_assert_int_ge(took, 2500000);
    ck_assert_int_lt(took, 1000000000);
    machine_free(m);
}
END_TEST

struct pipe_reader {
    int fd;
    int calls;
    char got[16];
    int len;
};

static void pipe_cb(void *opaque)
{
    struct pipe_reader *p = opaque;
    p->calls++;
    ssize_t r = read(p->fd, p->got + p->len, sizeof p->got - 1 - p->len);
    if (r > 0)
        p->len += (int)r;
}

START_TEST(test_wait_poll)
{
    struct machine *m = new_machine(1 * MiB);
    struct pipe_reader pr = { 0 };
    int fds[2];

    ck_assert_int_eq(pipe(fds), 0);
    pr.fd = fds[0];
    machine_add_poll(m, fds[0], pipe_cb, &pr);
    ck_assert_int_eq(write(fds[1], "hi", 2), 2);
    int64_t t0 = mono_ns();
    machine_wait(m, 2000000000);
    ck_assert_int_lt(mono_ns() - t0, 1000000000);
    ck_assert_int_eq(pr.calls, 1);
    ck_assert_int_eq(pr.len, 2);
    ck_assert(!memcmp(pr.got, "hi", 2));

    /* nothing to read: the wait times out without a call */
    machine_wait(m, 2000000);
    ck_assert_int_eq(pr.calls, 1);

    /* end of input: served once more, then no longer polled (no spin) */
    close(fds[1]);
    machine_wait(m, 2000000000);
    ck_assert_int_eq(pr.calls, 2);
    t0 = mono_ns();
    machine_wait(m, 3000000);
    ck_assert_int_ge(mono_ns() - t0, 2500000);
    ck_assert_int_eq(pr.calls, 2);
    close(fds[0]);
    machine_free(m);
}
END_TEST

/* ---- Requests, reset handlers ---- */

static void reset_cb(void *opaque)
{
    int *seq = opaque;
    seq[seq[0] + 1] = seq[0] + 100;
    seq[0]++;
}

START_TEST(test_requests)
{
    struct machine *m = new_machine(1 * MiB);
    int kicks = 0, seq[4] = { 0 };

    machine_set_kick(m, count_kick, &kicks);
    ck_assert_int_eq(machine_pending_request(m), REQ_NONE);
    machine_request(m, REQ_RESET, 0);
    ck_assert_int_eq(machine_pending_request(m), REQ_RESET);
    ck_assert_int_eq(kicks, 1);
    machine_request(m, REQ_EXIT, 7);
    ck_assert_int_eq(machine_pending_request(m), REQ_EXIT);
    ck_assert_int_eq(machine_exit_status(m), 7);
    machine_request(m, REQ_EXIT, 9);           /* the first exit wins */
    machine_request(m, REQ_RESET, 0);          /* weaker: no effect */
    ck_assert_int_eq(machine_exit_status(m), 7);
    ck_assert_int_eq(machine_pending_request(m), REQ_EXIT);
    machine_clear_request(m);
    ck_assert_int_eq(machine_pending_request(m), REQ_NONE);
    ck_assert_int_eq(kicks, 4);

    machine_add_reset_handler(m, reset_cb, seq);
    machine_add_reset_handler(m, reset_cb, seq);
    machine_reset_devices(m);
    ck_assert_int_eq(seq[0], 2);
    ck_assert_int_eq(seq[1], 100);
    ck_assert_int_eq(seq[2], 101);
    machine_free(m);
}
END_TEST

/* ---- Two machines in one process ---- */

START_TEST(test_two_machines)
{
    struct machine *a = new_machine(2 * MiB), *b = new_machine(4 * MiB);
    struct pio_log la = { 0 }, lb = { 0 };

    machine_mem_write(a, 0x1000, 0xaaaa, 2);
    machine_mem_write(b, 0x1000, 0xbbbb, 2);
    ck_assert_int_eq(machine_add_pio(a, 0x3f8, 8, pio_rd, pio_wr, &la, "a"), 0);
    ck_assert_int_eq(machine_add_pio(b, 0x3f8, 8, pio_rd, pio_wr, &lb, "b"), 0);
    machine_pio_write(a, 0x3f8, 'A', 1);
    machine_pio_write(b, 0x3f9, 'B', 1);
    ck_assert_uint_eq(la.val, 'A');
    ck_assert_uint_eq(la.port, 0x3f8);
    ck_assert_uint_eq(lb.val, 'B');
    ck_assert_uint_eq(lb.port, 0x3f9);
    ck_assert_int_eq(la.writes, 1);
    ck_assert_int_eq(lb.writes, 1);
    ck_assert_uint_eq(machine_mem_read(a, 0x1000, 2), 0xaaaa);
    ck_assert_uint_eq(machine_mem_read(b, 0x1000, 2), 0xbbbb);
    ck_assert_uint_eq(machine_ram_size(a), 2 * MiB);
    ck_assert_uint_eq(machine_ram_size(b), 4 * MiB);
    /* a ROM in one is not in the other */
    ck_assert_int_eq(machine_add_rom(a, 0xf0000, "rom", 3, "r"), 0);
    ck_assert_uint_eq(machine_mem_read(a, 0xf0000, 1), 'r');
    ck_assert_uint_eq(machine_mem_read(b, 0xf0000, 1), 0);
    machine_request(a, REQ_EXIT, 3);
    ck_assert_int_eq(machine_pending_request(b), REQ_NONE);
    machine_free(a);
    ck_assert_uint_eq(machine_mem_read(b, 0x1000, 2), 0xbbbb);
    machine_free(b);
}
END_TEST

/* ---- Logger ---- */

START_TEST(test_log_mask)
{
    unsigned mask = 0;
    char err[128];

    ck_assert_int_eq(log_parse_mask("exec,int", &mask, err, sizeof err), 0);
    ck_assert_uint_eq(mask, LOG_EXEC | LOG_INT);
    ck_assert_int_eq(log_parse_mask("cpu,unimp,guest_errors", &mask, err,
                                    sizeof err), 0);
    ck_assert_uint_eq(mask, LOG_CPU | LOG_UNIMP | LOG_GUEST_ERRORS);
    mask = 42;
    ck_assert_int_eq(log_parse_mask("exec,bogus", &mask, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'bogus'"));
    ck_assert_uint_eq(mask, 42);
    ck_assert_int_eq(log_parse_mask("", &mask, err, sizeof err), -1);
    ck_assert_int_eq(log_parse_mask("exec,", &mask, err, sizeof err), -1);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct logger l = { f, LOG_INT };
    log_printf(&l, "x=%d\n", 5);
    log_printf(NULL, "nothing\n");
    log_print_help(f);
    fclose(f);
    ck_assert(!strncmp(buf, "x=5\n", 4));
    ck_assert_ptr_nonnull(strstr(buf, "guest_errors"));
    ck_assert(log_enabled(&l, LOG_INT));
    ck_assert(!log_enabled(&l, LOG_EXEC));
    ck_assert(!log_enabled(NULL, LOG_INT));
    free(buf);
}
END_TEST

/* ---- The run loop, with a scripted fake engine ---- */

struct vcpu {
    struct machine *m;
    const struct accel_exit *script;
    int n, pos;
    uint8_t buf[64];
    uint8_t last_read[64];
    int last_read_len;
    struct x86_state state;
    int set_states;
    int kicks;
};

static int fake_run(struct vcpu *v, struct accel_exit *e)
{
    /* Keep what the run loop stored for the previous read exit. */
    if (v->pos > 0) {
        const struct accel_exit *prev = &v->script[v->pos - 1];
        if (prev->reason == EXIT_IO && !prev->io.write) {
            v->last_read_len = prev->io.size * prev->io.count;
            memcpy(v->last_read, v->buf, (size_t)v->last_read_len);
        } else if (prev->reason == EXIT_MMIO && !prev->mmio.write) {
            v->last_read_len = prev->mmio.size;
            memcpy(v->last_read, v->buf, (size_t)v->last_read_len);
        }
    }
    if (v->pos >= v->n) {
        e->reason = EXIT_ERROR;
        snprintf(e->msg, sizeof e->msg, "script ran out");
        return 0;
    }
    *e = v->script[v->pos++];
    if (e->reason == EXIT_IO) {
        if (e->io.write)
            memcpy(v->buf, e->io.data, (size_t)e->io.size * e->io.count);
        e->io.data = v->buf;
    } else if (e->reason == EXIT_MMIO) {
        if (e->mmio.write)
            memcpy(v->buf, e->mmio.data, e->mmio.size);
        e->mmio.data = v->buf;
    }
    return 0;
}

static void fake_kick(struct vcpu *v)
{
    v->kicks++;
}

static int fake_set_state(struct vcpu *v, const struct x86_state *s)
{
    v->state = *s;
    v->set_states++;
    return 0;
}

static const struct accel_ops fake_ops = {
    .name = "fake",
    .run = fake_run,
    .kick = fake_kick,
    .set_state = fake_set_state,
};

struct exit_dev {
    struct machine *m;
    uint32_t writes[8];
    int n;
};

static void exit_dev_wr(void *opaque, uint16_t port, uint32_t val,
                        unsigned size)
{
    struct exit_dev *d = opaque;
    (void)size;
    if (port == 0xf4) {
        machine_request(d->m, REQ_EXIT, (int)(val << 1) | 1);
        return;
    }
    if (port == 0xf5) {
        machine_request(d->m, REQ_RESET, 0);
        return;
    }
    if (d->n < 8)
        d->writes[d->n++] = val;
}

static uint32_t exit_dev_rd(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)size;
    return 0x40302010u + port;
}

static uint8_t io_bytes[] = { 1, 0, 2, 0, 3, 0 };
static uint8_t mmio_bytes[] = { 0x88, 0x77, 0x66, 0x55 };
static uint8_t exit_byte[] = { 2 };
static uint8_t reset_byte[] = { 0 };

static const struct accel_exit script_main[] = {
    { .reason = EXIT_IO, .io = { .port = 0x80, .size = 2, .write = true,
                                 .count = 3, .data = io_bytes } },
    { .reason = EXIT_IO, .io = { .port = 0x81, .size = 1, .write = false,
                                 .count = 2, .data = NULL } },
    { .reason = EXIT_MMIO, .mmio = { .gpa = 0x3000, .size = 4, .write = true,
                                     .data = mmio_bytes } },
    { .reason = EXIT_MMIO, .mmio = { .gpa = 0x3000, .size = 2, .write = false,
                                     .data = NULL } },
    { .reason = EXIT_BUDGET },
    { .reason = EXIT_HLT },
    { .reason = EXIT_IO, .io = { .port = 0xf5, .size = 1, .write = true,
                                 .count = 1, .data = reset_byte } },
    { .reason = EXIT_IO, .io = { .port = 0xf4, .size = 1, .write = true,
                                 .count = 1, .data = exit_byte } },
};

static int resets_seen;

static void count_reset(void *opaque)
{
    (void)opaque;
    resets_seen++;
}

START_TEST(test_run_loop)
{
    struct machine *m = new_machine(1 * MiB);
    struct exit_dev d = { .m = m };
    struct vcpu v = { .m = m, .script = script_main,
                      .n = sizeof script_main / sizeof script_main[0] };
    struct accel_choice c = { .ops = &fake_ops, .vcpu = &v };
    struct run_options opt = { .no_reboot = false };
    int fired = 0;

    ck_assert_int_eq(machine_add_pio(m, 0x80, 2, exit_dev_rd, exit_dev_wr, &d,
                                     "dev"), 0);
    ck_assert_int_eq(machine_add_pio(m, 0xf4, 2, exit_dev_rd, exit_dev_wr, &d,
                                     "exit"), 0);
    machine_add_reset_handler(m, count_reset, NULL);
    resets_seen = 0;
    struct timer *t = timer_new(m, flag_cb, &fired);
    timer_mod(t, machine_clock_ns(m) + 2000000);

    ck_assert_int_eq(accel_run_loop(m, &c, &opt), 5);
    /* string I/O: three words, each to the handler */
    ck_assert_int_eq(d.n, 3);
    ck_assert_uint_eq(d.writes[0], 1);
    ck_assert_uint_eq(d.writes[2], 3);
    /* RAM reached through an MMIO exit */
    ck_assert_uint_eq(machine_mem_read(m, 0x3000, 4), 0x55667788);
    /* the halt waited for the timer */
    ck_assert_int_eq(fired, 1);
    /* the reset request reset devices and the CPU */
    ck_assert_int_eq(resets_seen, 1);
    ck_assert_int_eq(v.set_states, 1);
    ck_assert_uint_eq(v.state.rip, 0xfff0);
    ck_assert_uint_eq(v.state.seg[S_CS].sel, 0xf000);
    /* requests kicked the engine while the loop ran; not after it */
    int kicks = v.kicks;
    ck_assert_int_ge(kicks, 2);
    machine_kick(m);
    ck_assert_int_eq(v.kicks, kicks);
    machine_free(m);
}
END_TEST

static const struct accel_exit script_reads[] = {
    { .reason = EXIT_IO, .io = { .port = 0x81, .size = 1, .write = false,
                                 .count = 2 } },
    { .reason = EXIT_MMIO, .mmio = { .gpa = 0x3001, .size = 2, .write = false } },
    { .reason = EXIT_IO, .io = { .port = 0x90, .size = 4, .write = false,
                                 .count = 1 } },
    { .reason = EXIT_IO, .io = { .port = 0xf4, .size = 1, .write = true,
                                 .count = 1, .data = exit_byte } },
};

START_TEST(test_run_loop_reads)
{
    struct machine *m = new_machine(1 * MiB);
    struct exit_dev d = { .m = m };
    struct vcpu v = { .m = m, .script = script_reads, .n = 4 };
    struct accel_choice c = { .ops = &fake_ops, .vcpu = &v };
    struct run_options opt = { 0 };
    uint8_t ram[4] = { 0x11, 0x22, 0x33, 0x44 };

    machine_mem_rw(m, 0x3000, ram, 4, true);
    machine_add_pio(m, 0x80, 2, exit_dev_rd, exit_dev_wr, &d, "dev");
    machine_add_pio(m, 0xf4, 2, exit_dev_rd, exit_dev_wr, &d, "exit");
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), 5);
    /* last read seen by the engine: the unclaimed 4-byte port */
    ck_assert_int_eq(v.last_read_len, 4);
    ck_assert_uint_eq(v.last_read[0], 0xff);
    ck_assert_uint_eq(v.last_read[3], 0xff);
    machine_free(m);

    /* each read checked on its own */
    m = new_machine(1 * MiB);
    d.m = m;
    machine_mem_rw(m, 0x3000, ram, 4, true);
    machine_add_pio(m, 0x80, 2, exit_dev_rd, exit_dev_wr, &d, "dev");
    machine_add_pio(m, 0xf4, 2, exit_dev_rd, exit_dev_wr, &d, "exit");
    v = (struct vcpu){ .m = m, .script = script_reads, .n = 2 };
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), RUN_ENGINE_ERROR);   /* ran out */
    /* the MMIO read stored little-endian bytes */
    ck_assert_int_eq(v.last_read_len, 2);
    ck_assert_uint_eq(v.last_read[0], 0x22);
    ck_assert_uint_eq(v.last_read[1], 0x33);
    machine_free(m);

    m = new_machine(1 * MiB);
    d.m = m;
    machine_add_pio(m, 0x80, 2, exit_dev_rd, exit_dev_wr, &d, "dev");
    v = (struct vcpu){ .m = m, .script = script_reads, .n = 1 };
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), RUN_ENGINE_ERROR);
    /* string read: the handler's low byte for each repetition */
    ck_assert_int_eq(v.last_read_len, 2);
    ck_assert_uint_eq(v.last_read[0], 0x91);
    ck_assert_uint_eq(v.last_read[1], 0x91);
    machine_free(m);
}
END_TEST

static const struct accel_exit script_triple[] = {
    { .reason = EXIT_SHUTDOWN },
};

static const struct accel_exit script_reset_req[] = {
    { .reason = EXIT_IO, .io = { .port = 0xf5, .size = 1, .write = true,
                                 .count = 1, .data = reset_byte } },
};

START_TEST(test_run_loop_no_reboot)
{
    struct machine *m = new_machine(1 * MiB);
    struct exit_dev d = { .m = m };
    struct vcpu v = { .m = m, .script = script_triple, .n = 1 };
    struct accel_choice c = { .ops = &fake_ops, .vcpu = &v };
    struct run_options opt = { .no_reboot = true };

    machine_add_pio(m, 0xf4, 2, exit_dev_rd, exit_dev_wr, &d, "exit");
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), 0);
    ck_assert_int_eq(v.set_states, 0);

    v = (struct vcpu){ .m = m, .script = script_reset_req, .n = 1 };
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), 0);
    ck_assert_int_eq(v.set_states, 0);
    machine_clear_request(m);

    /* with reboot: the triple fault resets, then the script runs out */
    opt.no_reboot = false;
    v = (struct vcpu){ .m = m, .script = script_triple, .n = 1 };
    ck_assert_int_eq(accel_run_loop(m, &c, &opt), RUN_ENGINE_ERROR);
    ck_assert_int_eq(v.set_states, 1);
    machine_free(m);
}
END_TEST

START_TEST(test_accel_choose_errors)
{
    struct machine *m = new_machine(1 * MiB);
    struct accel_choice c;
    char err[256];

    ck_assert_int_eq(accel_choose("bogus", m, NULL, &c, err, sizeof err), -1);
    ck_assert_str_eq(err, "unknown accelerator 'bogus'");
    ck_assert_int_eq(accel_choose("tcg:interp", m, NULL, &c, err, sizeof err),
                     -1);
    ck_assert_str_eq(err, "unknown accelerator 'tcg'");
    ck_assert_int_eq(accel_choose("", m, NULL, &c, err, sizeof err), -1);
    ck_assert_ptr_null(accel_find("bogus"));
    ck_assert_ptr_nonnull(accel_find("interp"));
    machine_free(m);
}
END_TEST

static Suite *machine_suite(void)
{
    Suite *s = suite_create("machine");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_ram_rw);
    tcase_add_test(tc, test_ram_above_4g);
    tcase_add_test(tc, test_ram_bad_size);
    tcase_add_test(tc, test_ram_write_hook);
    tcase_add_test(tc, test_rom_over_ram);
    tcase_add_test(tc, test_region_limit);
    tcase_add_test(tc, test_mmio);
    tcase_add_test(tc, test_pio);
    tcase_add_test(tc, test_unassigned_logged_once);
    tcase_add_test(tc, test_irq);
    tcase_add_test(tc, test_timers);
    tcase_add_test(tc, test_timer_free_in_callback);
    tcase_add_test(tc, test_wait_timer);
    tcase_add_test(tc, test_wait_poll);
    tcase_add_test(tc, test_requests);
    tcase_add_test(tc, test_two_machines);
    tcase_add_test(tc, test_log_mask);
    suite_add_tcase(s, tc);

    TCase *run = tcase_create("run_loop");
    tcase_add_test(run, test_run_loop);
    tcase_add_test(run, test_run_loop_reads);
    tcase_add_test(run, test_run_loop_no_reboot);
    tcase_add_test(run, test_accel_choose_errors);
    suite_add_tcase(s, run);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(machine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
