/* The 8254 PIT and port 0x61 driven through their ports on a machine with
 * a fake clock and a fake interrupt controller that records IRQ0's edges.
 * Expected waveforms follow the Intel 8254 data sheet, with the count
 * taken on the write (see hw/pit.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/pcspk.h"
#include "hw/pit.h"

struct fake_intc {
    int level[MACHINE_NR_IRQS];
    int rises[MACHINE_NR_IRQS];
};

static void fi_set_irq(void *o, int irq, int level)
{
    struct fake_intc *f = o;
    if (level && !f->level[irq])
        f->rises[irq]++;
    f->level[irq] = level;
}

static bool fi_pending(void *o)
{
    (void)o;
    return false;
}

static int fi_ack(void *o)
{
    (void)o;
    return -1;
}

static const struct intc_ops fi_ops = { fi_set_irq, fi_pending, fi_ack };

struct rig {
    struct machine *m;
    struct pit *pit;
    struct pcspk *spk;
    struct fake_intc fi;
    int64_t now;
    int timer_runs;
};

static int64_t fake_clock(void *opaque)
{
    return *(int64_t *)opaque;
}

static void rig_init(struct rig *r)
{
    char err[256];
    *r = (struct rig){ 0 };
    r->m = machine_new(16 << 20, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    machine_set_clock_source(r->m, fake_clock, &r->now);
    machine_set_intc(r->m, &fi_ops, &r->fi);
    r->pit = pit_new(r->m, 0, err, sizeof err);
    ck_assert_msg(r->pit != NULL, "%s", err);
    r->spk = pcspk_new(r->m, r->pit, err, sizeof err);
    ck_assert_msg(r->spk != NULL, "%s", err);
}

static void rig_free(struct rig *r)
{
    pcspk_free(r->spk);
    pit_free(r->pit);
    machine_free(r->m);
}

/* The first nanosecond of PIT tick t. */
static int64_t tick_ns(int64_t t)
{
    return (int64_t)(((unsigned __int128)t * 1000000000 + PIT_HZ - 1) /
                     PIT_HZ);
}

/* Move the clock to ns, running timers at their deadlines as the run loop
 * does. */
static void run_to_ns(struct rig *r, int64_t ns)
{
    for (;;) {
        int64_t d = machine_next_deadline(r->m);
        if (d > ns)
            break;
        if (d > r->now)
            r->now = d;
        machine_run_timers(r->m);
        r->timer_runs++;
    }
    r->now = ns;
    machine_run_timers(r->m);
}

static void run_to(struct rig *r, int64_t tick)
{
    run_to_ns(r, tick_ns(tick));
}

static uint8_t inb(struct rig *r, uint16_t port)
{
    return (uint8_t)machine_pio_read(r->m, port, 1);
}

static void outb(struct rig *r, uint16_t port, uint8_t v)
{
    machine_pio_write(r->m, port, v, 1);
}

static void set_count(struct rig *r, int ch, uint16_t v)
{
    outb(r, 0x40 + ch, v & 0xff);
    outb(r, 0x40 + ch, v >> 8);
}

/* Latch and read a 16-bit counter (RW = LSB then MSB). */
static uint16_t read_count(struct rig *r, int ch)
{
    outb(r, 0x43, (uint8_t)(ch << 6));
    uint16_t lo = inb(r, 0x40 + ch);
    return (uint16_t)(lo | inb(r, 0x40 + ch) << 8);
}

/* Read-back status byte of a channel. */
static uint8_t status(struct rig *r, int ch)
{
    outb(r, 0x43, (uint8_t)(0xe0 | (2 << ch)));
    return inb(r, 0x40 + ch);
}

static bool out_of(struct rig *r, int ch)
{
    return status(r, ch) >> 7;
}

START_TEST(mode2_rate_generator)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x34);          /* ch0, LSB/MSB, mode 2, binary */
    set_count(&r, 0, 1000);
    int base = r.fi.rises[0];
    ck_assert_uint_eq(read_count(&r, 0), 1000);
    run_to(&r, 1);
    ck_assert_uint_eq(read_count(&r, 0), 999);
    ck_assert(out_of(&r, 0));
    run_to(&r, 999);               /* counter at 1: OUT low one CLK */
    ck_assert_uint_eq(read_count(&r, 0), 1);
    ck_assert(!out_of(&r, 0));
    ck_assert_int_eq(r.fi.rises[0], base);
    run_to(&r, 1000);              /* reload: OUT rises, IRQ0 */
    ck_assert_uint_eq(read_count(&r, 0), 1000);
    ck_assert(out_of(&r, 0));
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    run_to(&r, 10 * 1000 + 500);
    ck_assert_int_eq(r.fi.rises[0], base + 10);
    ck_assert_uint_eq(read_count(&r, 0), 500);
    rig_free(&r);
}
END_TEST

START_TEST(mode2_new_count_at_reload)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x34);
    set_count(&r, 0, 100);
    int base = r.fi.rises[0];
    run_to(&r, 50);
    set_count(&r, 0, 30);          /* no control word: waits for reload */
    ck_assert(status(&r, 0) & 0x40);   /* NULL COUNT until then */
    ck_assert_uint_eq(read_count(&r, 0), 50);
    run_to(&r, 99);
    ck_assert_int_eq(r.fi.rises[0], base);
    run_to(&r, 100);
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    ck_assert(!(status(&r, 0) & 0x40));
    ck_assert_uint_eq(read_count(&r, 0), 30);
    run_to(&r, 129);
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    run_to(&r, 130);
    ck_assert_int_eq(r.fi.rises[0], base + 2);
    run_to(&r, 160);
    ck_assert_int_eq(r.fi.rises[0], base + 3);
    rig_free(&r);
}
END_TEST

START_TEST(mode0_terminal_count)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x30);          /* ch0, LSB/MSB, mode 0 */
    ck_assert(!out_of(&r, 0));     /* the control word sets OUT low */
    ck_assert_int_eq(r.fi.level[0], 0);
    int base = r.fi.rises[0];
    set_count(&r, 0, 100);
    ck_assert(status(&r, 0) & 0x40);   /* NULL COUNT: not loaded yet */
    run_to(&r, 1);
    ck_assert(!(status(&r, 0) & 0x40));
    run_to(&r, 99);
    ck_assert(!out_of(&r, 0));
    ck_assert_uint_eq(read_count(&r, 0), 1);
    run_to(&r, 100);
    ck_assert(out_of(&r, 0));
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    ck_assert_int_eq(r.fi.level[0], 1);
    run_to(&r, 101);               /* keeps counting, wraps */
    ck_assert_uint_eq(read_count(&r, 0), 0xffff);
    run_to(&r, 100000);            /* one shot: no more edges */
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    ck_assert(machine_next_deadline(r.m) == INT64_MAX);
    /* a new count restarts it, OUT low again */
    set_count(&r, 0, 10);
    ck_assert_int_eq(r.fi.level[0], 0);
    run_to(&r, 100010);
    ck_assert_int_eq(r.fi.rises[0], base + 2);
    rig_free(&r);
}
END_TEST

START_TEST(mode0_first_byte_stops)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x30);
    set_count(&r, 0, 100);
    run_to(&r, 40);
    outb(&r, 0x40, 50);            /* LSB only: counting stops */
    run_to(&r, 200);
    ck_assert(!out_of(&r, 0));
    outb(&r, 0x40, 0);             /* MSB: 50 from here */
    run_to(&r, 249);
    ck_assert(!out_of(&r, 0));
    run_to(&r, 250);
    ck_assert(out_of(&r, 0));
    rig_free(&r);
}
END_TEST

START_TEST(mode0_gate_suspends)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);          /* channel 2 gate high */
    outb(&r, 0x43, 0xb0);          /* ch2, LSB/MSB, mode 0 */
    set_count(&r, 2, 100);
    run_to(&r, 30);
    outb(&r, 0x61, 0x00);          /* gate low: counting pauses */
    run_to(&r, 80);
    ck_assert_uint_eq(read_count(&r, 2), 70);
    ck_assert(!(inb(&r, 0x61) & 0x20));
    outb(&r, 0x61, 0x01);
    run_to(&r, 149);
    ck_assert(!(inb(&r, 0x61) & 0x20));
    run_to(&r, 150);
    ck_assert(inb(&r, 0x61) & 0x20);   /* OUT on port 0x61 bit 5 */
    rig_free(&r);
}
END_TEST

START_TEST(mode1_one_shot)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0xb2);          /* ch2, LSB/MSB, mode 1 */
    set_count(&r, 2, 50);
    run_to(&r, 100);
    ck_assert(inb(&r, 0x61) & 0x20);   /* no trigger yet: OUT high */
    ck_assert(status(&r, 2) & 0x40);
    outb(&r, 0x61, 0x01);          /* GATE rises at tick 100: trigger */
    ck_assert(!(inb(&r, 0x61) & 0x20));
    run_to(&r, 120);
    ck_assert_uint_eq(read_count(&r, 2), 30);
    outb(&r, 0x61, 0x00);          /* gate low does not stop mode 1 */
    run_to(&r, 149);
    ck_assert(!(inb(&r, 0x61) & 0x20));
    run_to(&r, 150);
    ck_assert(inb(&r, 0x61) & 0x20);
    outb(&r, 0x61, 0x01);          /* retrigger */
    ck_assert(!(inb(&r, 0x61) & 0x20));
    run_to(&r, 200);
    ck_assert(inb(&r, 0x61) & 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(mode3_square_wave)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);
    outb(&r, 0x43, 0xb6);          /* ch2, LSB/MSB, mode 3 */
    set_count(&r, 2, 10);
    for (int t = 0; t < 30; t++) {
        run_to(&r, t);
        bool high = (t % 10) < 5;
        ck_assert_msg(!!(inb(&r, 0x61) & 0x20) == high, "tick %d", t);
    }
    /* odd count: high (N+1)/2, low (N-1)/2 */
    int64_t t0 = 30;
    run_to(&r, t0);
    outb(&r, 0x43, 0xb6);
    set_count(&r, 2, 11);
    for (int t = 0; t < 22; t++) {
        run_to(&r, t0 + t);
        bool high = (t % 11) < 6;
        ck_assert_msg(!!(inb(&r, 0x61) & 0x20) == high, "tick %d", t);
    }
    /* GATE low forces OUT high and stops the count */
    run_to(&r, t0 + 30);           /* in the low half */
    ck_assert(!(inb(&r, 0x61) & 0x20));
    outb(&r, 0x61, 0x00);
    ck_assert(inb(&r, 0x61) & 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(mode3_irq0_period)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x36);          /* ch0 mode 3, as a BIOS does */
    set_count(&r, 0, 0);           /* 65536: 18.2 Hz */
    int base = r.fi.rises[0];
    run_to_ns(&r, r.now + 1000000000);
    ck_assert_int_eq(r.fi.rises[0] - base, 18);
    rig_free(&r);
}
END_TEST

START_TEST(mode4_strobe)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x38);          /* ch0 mode 4: Linux's one-shot */
    ck_assert(out_of(&r, 0));
    int base = r.fi.rises[0];
    set_count(&r, 0, 20);
    run_to(&r, 19);
    ck_assert(out_of(&r, 0));
    run_to(&r, 20);
    ck_assert(!out_of(&r, 0));     /* one CLK low */
    ck_assert_int_eq(r.fi.rises[0], base);
    run_to(&r, 21);
    ck_assert(out_of(&r, 0));
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    run_to(&r, 5000);
    ck_assert_int_eq(r.fi.rises[0], base + 1);
    set_count(&r, 0, 20);          /* each write re-arms */
    run_to(&r, 5021);
    ck_assert_int_eq(r.fi.rises[0], base + 2);
    rig_free(&r);
}
END_TEST

START_TEST(mode5_hw_strobe)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0xba);          /* ch2 mode 5 */
    set_count(&r, 2, 10);
    run_to(&r, 50);
    ck_assert(inb(&r, 0x61) & 0x20);
    outb(&r, 0x61, 0x01);          /* trigger at 50 */
    run_to(&r, 59);
    ck_assert(inb(&r, 0x61) & 0x20);
    run_to(&r, 60);
    ck_assert(!(inb(&r, 0x61) & 0x20));
    run_to(&r, 61);
    ck_assert(inb(&r, 0x61) & 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(bcd_counting)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x31);          /* ch0 mode 0, BCD */
    set_count(&r, 0, 0x0100);      /* 100 */
    run_to(&r, 1);
    ck_assert_uint_eq(read_count(&r, 0), 0x0099);
    run_to(&r, 58);
    ck_assert_uint_eq(read_count(&r, 0), 0x0042);
    run_to(&r, 101);
    ck_assert_uint_eq(read_count(&r, 0), 0x9999);
    ck_assert_uint_eq(status(&r, 0) & 0x3f, 0x31);
    /* count 0 in BCD is 10000 */
    outb(&r, 0x43, 0x35);          /* mode 2 BCD */
    set_count(&r, 0, 0);
    run_to(&r, 102);
    ck_assert_uint_eq(read_count(&r, 0), 0x9999);
    rig_free(&r);
}
END_TEST

START_TEST(latch_command)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x34);
    set_count(&r, 0, 5000);
    run_to(&r, 1000);
    outb(&r, 0x43, 0x00);          /* latch */
    run_to(&r, 2000);
    outb(&r, 0x43, 0x00);          /* ignored: the first is still held */
    ck_assert_uint_eq(inb(&r, 0x40), (4000 & 0xff));
    run_to(&r, 2500);
    ck_assert_uint_eq(inb(&r, 0x40), 4000 >> 8);
    /* unlatched: reads are live, LSB then MSB */
    run_to(&r, 3000);
    ck_assert_uint_eq(inb(&r, 0x40), 2000 & 0xff);
    ck_assert_uint_eq(inb(&r, 0x40), 2000 >> 8);
    /* LSB-only and MSB-only access */
    outb(&r, 0x43, 0x14);          /* LSB only, mode 2 */
    outb(&r, 0x40, 200);
    run_to(&r, 3050);
    ck_assert_uint_eq(inb(&r, 0x40), 150);
    ck_assert_uint_eq(inb(&r, 0x40), 150);
    outb(&r, 0x43, 0x24);          /* MSB only */
    outb(&r, 0x40, 0x02);          /* 0x200 */
    run_to(&r, 3050 + 0x100);
    ck_assert_uint_eq(inb(&r, 0x40), 0x01);
    rig_free(&r);
}
END_TEST

START_TEST(read_back)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x43, 0x34);
    set_count(&r, 0, 0x1234);
    outb(&r, 0x43, 0xb6);          /* ch2 mode 3, gate low */
    set_count(&r, 2, 0x100);
    run_to(&r, 0x34);
    /* count and status of channels 0 and 2 at once */
    outb(&r, 0x43, 0xca);          /* 11 0 0 101 0 */
    run_to(&r, 0x100);
    ck_assert_uint_eq(inb(&r, 0x40), 0x80 | 0x34);   /* status first */
    ck_assert_uint_eq(inb(&r, 0x40), 0x00);          /* 0x1200 */
    ck_assert_uint_eq(inb(&r, 0x40), 0x12);
    ck_assert_uint_eq(inb(&r, 0x42), 0x80 | 0x36);
    ck_assert_uint_eq(inb(&r, 0x42), 0x00);          /* held: 0x100 */
    ck_assert_uint_eq(inb(&r, 0x42), 0x01);
    /* status only, then count only */
    outb(&r, 0x43, 0xe2);
    outb(&r, 0x43, 0xd2);
    ck_assert_uint_eq(inb(&r, 0x40), 0x80 | 0x34);
    uint16_t v = inb(&r, 0x40);
    v |= (uint16_t)(inb(&r, 0x40) << 8);
    ck_assert_uint_eq(v, 0x1234 - 0x100);
    /* NULL COUNT right after a write, clear a tick later */
    outb(&r, 0x43, 0x34);
    ck_assert_uint_eq(status(&r, 0), 0x80 | 0x40 | 0x34);
    set_count(&r, 0, 10);
    ck_assert(status(&r, 0) & 0x40);
    run_to(&r, 0x101);
    ck_assert(!(status(&r, 0) & 0x40));
    /* port 0x43 reads 0, as on QEMU */
    ck_assert_uint_eq(inb(&r, 0x43), 0);
    rig_free(&r);
}
END_TEST

START_TEST(absurd_divisors)
{
    struct rig r;
    rig_init(&r);
    /* count 1 in mode 2 is illegal: OUT stays high, no interrupts */
    outb(&r, 0x43, 0x34);
    set_count(&r, 0, 1);
    int base = r.fi.rises[0];
    r.timer_runs = 0;
    run_to_ns(&r, r.now + 10000000);
    ck_assert_int_eq(r.fi.rises[0], base);
    ck_assert_int_eq(r.timer_runs, 0);
    /* count 2 (596 kHz) is legal: IRQ0 coalesces to the minimum period */
    set_count(&r, 0, 2);
    outb(&r, 0x43, 0x34);
    set_count(&r, 0, 2);
    base = r.fi.rises[0];
    r.timer_runs = 0;
    int64_t start = r.now;
    run_to_ns(&r, start + 10000000);   /* 10 ms */
    int max = 10000000 / PIT_MIN_IRQ_PERIOD_NS + 2;
    ck_assert_int_le(r.timer_runs, max);
    ck_assert_int_le(r.fi.rises[0] - base, max);
    ck_assert_int_ge(r.fi.rises[0] - base, max / 2);
    /* the counter still runs at full speed */
    uint16_t c = read_count(&r, 0);
    ck_assert(c == 1 || c == 2);
    /* mode 3, count 1 */
    outb(&r, 0x43, 0x36);
    set_count(&r, 0, 1);
    base = r.fi.rises[0];
    run_to_ns(&r, r.now + 10000000);
    ck_assert_int_eq(r.fi.rises[0], base);
    rig_free(&r);
}
END_TEST

START_TEST(port61_bits)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0f, 0);
    outb(&r, 0x61, 0xff);
    ck_assert_uint_eq(inb(&r, 0x61) & 0xcf, 0x0f);   /* bits 6, 7 read 0 */
    ck_assert(pit_get_gate(r.pit, 2));
    outb(&r, 0x61, 0x00);
    ck_assert(!pit_get_gate(r.pit, 2));
    /* bit 4: channel 1 (mode 2, count 18 after reset) toggles it */
    int64_t t0 = 18 * 1000;        /* a reload boundary */
    run_to(&r, t0);
    uint8_t b = inb(&r, 0x61) & 0x10;
    run_to(&r, t0 + 17);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x10, b);
    run_to(&r, t0 + 18);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x10, b ^ 0x10);
    run_to(&r, t0 + 36);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x10, b);
    /* reset: gate low, channel 2 idle high */
    outb(&r, 0x61, 0x03);
    machine_reset_devices(r.m);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x0f, 0);
    ck_assert(inb(&r, 0x61) & 0x20);
    rig_free(&r);
}
END_TEST

START_TEST(tsc_calibration_like_linux)
{
    /* pit_calibrate_tsc: gate on, speaker off, ch2 mode 0 count 0xffff...
     * (here SeaBIOS's shorter count), then poll bit 5. */
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, (inb(&r, 0x61) & ~0x02) | 0x01);
    outb(&r, 0x43, 0xb0);
    outb(&r, 0x42, 0x9b);          /* 11931: 10 ms */
    outb(&r, 0x42, 0x2e);
    int64_t start = r.now, ns = start;
    while (!(inb(&r, 0x61) & 0x20)) {
        ns += 1000;
        run_to_ns(&r, ns);
        ck_assert(ns - start < 20000000);
    }
    int64_t us = (ns - start) / 1000;
    ck_assert_int_ge(us, 9999);
    ck_assert_int_le(us, 10001);
    rig_free(&r);
}
END_TEST

START_TEST(wide_access_and_free)
{
    struct rig r;
    rig_init(&r);
    /* a word write to 0x42 writes 0x42 then 0x43 */
    outb(&r, 0x43, 0xb4);
    machine_pio_write(r.m, 0x42, 0x0034, 2);   /* LSB 0x34, then control 0x00 */
    (void)machine_pio_read(r.m, 0x40, 4);
    rig_free(&r);
}
END_TEST

static Suite *pit_suite(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, mode2_rate_generator);
    tcase_add_test(tc, mode2_new_count_at_reload);
    tcase_add_test(tc, mode0_terminal_count);
    tcase_add_test(tc, mode0_first_byte_stops);
    tcase_add_test(tc, mode0_gate_suspends);
    tcase_add_test(tc, mode1_one_shot);
    tcase_add_test(tc, mode3_square_wave);
    tcase_add_test(tc, mode3_irq0_period);
    tcase_add_test(tc, mode4_strobe);
    tcase_add_test(tc, mode5_hw_strobe);
    suite_add_tcase(s, tc);
    tc = tcase_create("registers");
    tcase_add_test(tc, bcd_counting);
    tcase_add_test(tc, latch_command);
    tcase_add_test(tc, read_back);
    tcase_add_test(tc, absurd_divisors);
    tcase_add_test(tc, port61_bits);
    tcase_add_test(tc, tsc_calibration_like_linux);
    tcase_add_test(tc, wide_access_and_free);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
