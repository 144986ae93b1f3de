/* The MC146818 RTC/CMOS driven through ports 0x70/0x71 on a machine with a
 * fake clock and a fake interrupt controller recording IRQ8.  Expected
 * values follow the MC146818A data sheet. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/rtc.h"

#define MS 1000000LL
#define SEC 1000000000LL

/* 2024-02-29 13:45:56 UTC, a Thursday */
#define T_LEAP 1709214356LL

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
    struct rtc *rtc;
    struct fake_intc fi;
    int64_t now;
};

static int64_t fake_clock(void *opaque)
{
    return *(int64_t *)opaque;
}

static void rig_init(struct rig *r)
{
    char err[256];
    *r = (struct rig){ 0 };
    r->now = 5 * SEC + 123;   /* anything: the clock need not start at 0 */
    r->m = machine_new(16 << 20, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    machine_set_clock_source(r->m, fake_clock, &r->now);
    machine_set_intc(r->m, &fi_ops, &r->fi);
    r->rtc = rtc_new(r->m, 8, err, sizeof err);
    ck_assert_msg(r->rtc != NULL, "%s", err);
    rtc_set_time(r->rtc, T_LEAP);   /* a second starts now */
}

static void rig_free(struct rig *r)
{
    rtc_free(r->rtc);
    machine_free(r->m);
}

static void run_to(struct rig *r, int64_t ns)
{
    for (;;) {
        int64_t d = machine_next_deadline(r->m);
        if (d > ns)
            break;
        if (d > r->now)
            r->now = d;
        machine_run_timers(r->m);
    }
    r->now = ns;
    machine_run_timers(r->m);
}

static uint8_t rd(struct rig *r, uint8_t idx)
{
    machine_pio_write(r->m, 0x70, idx, 1);
    return (uint8_t)machine_pio_read(r->m, 0x71, 1);
}

static void wr(struct rig *r, uint8_t idx, uint8_t v)
{
    machine_pio_write(r->m, 0x70, idx, 1);
    machine_pio_write(r->m, 0x71, v, 1);
}

START_TEST(time_bcd_binary_12h)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(rd(&r, 0x0a), 0x26);
    ck_assert_uint_eq(rd(&r, 0x0b), 0x02);     /* BCD, 24 h */
    ck_assert_uint_eq(rd(&r, 0x0d), 0x80);     /* VRT */
    ck_assert_uint_eq(rd(&r, 0x00), 0x56);
    ck_assert_uint_eq(rd(&r, 0x02), 0x45);
    ck_assert_uint_eq(rd(&r, 0x04), 0x13);
    ck_assert_uint_eq(rd(&r, 0x06), 5);        /* Thursday; Sunday = 1 */
    ck_assert_uint_eq(rd(&r, 0x07), 0x29);
    ck_assert_uint_eq(rd(&r, 0x08), 0x02);
    ck_assert_uint_eq(rd(&r, 0x09), 0x24);
    ck_assert_uint_eq(rd(&r, 0x32), 0x20);     /* century */
    wr(&r, 0x0b, 0x06);                        /* binary, 24 h */
    ck_assert_uint_eq(rd(&r, 0x00), 56);
    ck_assert_uint_eq(rd(&r, 0x04), 13);
    ck_assert_uint_eq(rd(&r, 0x09), 24);
    ck_assert_uint_eq(rd(&r, 0x32), 20);
    wr(&r, 0x0b, 0x04);                        /* binary, 12 h */
    ck_assert_uint_eq(rd(&r, 0x04), 0x81);     /* 1 PM */
    wr(&r, 0x0b, 0x00);                        /* BCD, 12 h */
    ck_assert_uint_eq(rd(&r, 0x04), 0x81);
    rtc_set_time(r.rtc, 1709166600);           /* 00:30: 12 AM */
    ck_assert_uint_eq(rd(&r, 0x04), 0x12);
    rtc_set_time(r.rtc, 1709208005);           /* 12:00:05: 12 PM */
    ck_assert_uint_eq(rd(&r, 0x04), 0x92);
    rig_free(&r);
}
END_TEST

START_TEST(time_advances)
{
    struct rig r;
    rig_init(&r);
    rtc_set_time(r.rtc, 946684798);            /* 1999-12-31 23:59:58 */
    int64_t t0 = r.now;
    ck_assert_uint_eq(rd(&r, 0x06), 6);        /* Friday */
    run_to(&r, t0 + 1 * SEC + 500 * MS);
    ck_assert_uint_eq(rd(&r, 0x00), 0x59);
    run_to(&r, t0 + 2 * SEC);
    ck_assert_uint_eq(rd(&r, 0x00), 0x00);
    ck_assert_uint_eq(rd(&r, 0x02), 0x00);
    ck_assert_uint_eq(rd(&r, 0x04), 0x00);
    ck_assert_uint_eq(rd(&r, 0x07), 0x01);
    ck_assert_uint_eq(rd(&r, 0x08), 0x01);
    ck_assert_uint_eq(rd(&r, 0x09), 0x00);
    ck_assert_uint_eq(rd(&r, 0x32), 0x20);
    ck_assert_uint_eq(rd(&r, 0x06), 7);        /* Saturday */
    ck_assert_int_eq(rtc_get_time(r.rtc), 946684800);
    rig_free(&r);
}
END_TEST

START_TEST(uip_window)
{
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;                        /* a second began here */
    run_to(&r, t0 + 500 * MS);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0);
    run_to(&r, t0 + SEC - 244141);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0);
    run_to(&r, t0 + SEC - 244000);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0x80);
    ck_assert_uint_eq(rd(&r, 0x00), 0x56);     /* before the update */
    run_to(&r, t0 + SEC);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0);
    ck_assert_uint_eq(rd(&r, 0x00), 0x57);
    /* no UIP while SET holds updates */
    wr(&r, 0x0b, 0x82);
    run_to(&r, t0 + 2 * SEC - 1000);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0);
    rig_free(&r);
}
END_TEST

START_TEST(set_time_with_set_bit)
{
    /* Linux's mc146818_set_time: SET, write the fields, clear SET */
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;
    run_to(&r, t0 + 300 * MS);
    wr(&r, 0x0b, 0x02 | 0x80 | 0x10);          /* SET clears UIE */
    ck_assert_uint_eq(rd(&r, 0x0b), 0x82);
    ck_assert_uint_eq(rd(&r, 0x00), 0x56);     /* snapshot to edit */
    wr(&r, 0x00, 0x58);
    wr(&r, 0x02, 0x59);
    wr(&r, 0x04, 0x23);
    wr(&r, 0x07, 0x31);
    wr(&r, 0x08, 0x12);
    wr(&r, 0x09, 0x99);
    wr(&r, 0x32, 0x19);
    run_to(&r, t0 + 5 * SEC);                  /* frozen meanwhile */
    ck_assert_uint_eq(rd(&r, 0x00), 0x58);
    wr(&r, 0x0b, 0x02);
    ck_assert_int_eq(rtc_get_time(r.rtc), 946684798);
    /* the divider kept its phase: the update comes at t0 + 6 s */
    run_to(&r, t0 + 6 * SEC - 1);
    ck_assert_uint_eq(rd(&r, 0x00), 0x58);
    run_to(&r, t0 + 6 * SEC);
    ck_assert_uint_eq(rd(&r, 0x00), 0x59);
    /* a field written while running takes effect at once */
    wr(&r, 0x02, 0x10);
    ck_assert_uint_eq(rd(&r, 0x02), 0x10);
    ck_assert_uint_eq(rd(&r, 0x04), 0x23);
    /* garbage does not crash and is clamped */
    wr(&r, 0x08, 0xff);
    wr(&r, 0x07, 0x00);
    (void)rd(&r, 0x08);
    rig_free(&r);
}
END_TEST

START_TEST(periodic_rates)
{
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;
    ck_assert(machine_next_deadline(r.m) == INT64_MAX);   /* nothing armed */
    wr(&r, 0x0b, 0x42);                        /* PIE */
    /* 1024 Hz: every 976.5625 us */
    run_to(&r, t0 + 976562);
    ck_assert_int_eq(r.fi.rises[8], 0);
    run_to(&r, t0 + 976563);
    ck_assert_int_eq(r.fi.rises[8], 1);
    ck_assert_int_eq(r.fi.level[8], 1);
    /* nothing more until C is read, and no timer meanwhile */
    ck_assert(machine_next_deadline(r.m) == INT64_MAX);
    run_to(&r, t0 + 10 * MS);
    ck_assert_int_eq(r.fi.rises[8], 1);
    ck_assert_uint_eq(rd(&r, 0x0c), 0xc0);     /* IRQF | PF */
    ck_assert_int_eq(r.fi.level[8], 0);
    ck_assert_uint_eq(rd(&r, 0x0c), 0x00);     /* read clears */

    /* a handler that reads C each time sees 1024 per second */
    for (int rs = 3; rs <= 15; rs += 3) {
        wr(&r, 0x0a, (uint8_t)(0x20 | rs));
        (void)rd(&r, 0x0c);
        /* from a second boundary, where the periods are aligned */
        int64_t s0 = t0 + ((r.now - t0) / SEC + 1) * SEC;
        run_to(&r, s0);
        (void)rd(&r, 0x0c);
        int before = r.fi.rises[8];
        int64_t end = s0 + SEC;
        for (;;) {
            int64_t d = machine_next_deadline(r.m);
            if (d > end)
                break;
            run_to(&r, d);
            if (r.fi.level[8])
                (void)rd(&r, 0x0c);
        }
        int expect = 1 << (16 - rs);           /* 32768 / 2^(rs-1) */
        ck_assert_msg(r.fi.rises[8] - before == expect, "rs %d: %d", rs,
                      r.fi.rises[8] - before);
    }
    /* rates 1 and 2 are 256 and 128 Hz */
    wr(&r, 0x0a, 0x21);
    (void)rd(&r, 0x0c);
    int64_t s0 = t0 + ((r.now - t0) / SEC + 1) * SEC;
    run_to(&r, s0);
    (void)rd(&r, 0x0c);
    int before = r.fi.rises[8];
    run_to(&r, s0 + 3906250);
    ck_assert_int_eq(r.fi.rises[8] - before, 1);
    /* PF is set even without PIE; enabling PIE then raises IRQ8 */
    wr(&r, 0x0b, 0x02);
    (void)rd(&r, 0x0c);
    run_to(&r, s0 + 20 * MS);
    ck_assert_int_eq(r.fi.level[8], 0);
    before = r.fi.rises[8];
    wr(&r, 0x0b, 0x42);
    ck_assert_int_eq(r.fi.rises[8] - before, 1);
    ck_assert_uint_eq(rd(&r, 0x0c), 0xc0);
    rig_free(&r);
}
END_TEST

START_TEST(alarm_and_update)
{
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;
    wr(&r, 0x0a, 0x20);                        /* no periodic rate */
    wr(&r, 0x01, 0x59);                        /* alarm at hh:mm:59, any */
    wr(&r, 0x03, 0xc0);
    wr(&r, 0x05, 0xff);
    wr(&r, 0x0b, 0x22);                        /* AIE */
    run_to(&r, t0 + 3 * SEC - 1);
    ck_assert_int_eq(r.fi.rises[8], 0);
    run_to(&r, t0 + 3 * SEC);                  /* 13:45:59 */
    ck_assert_int_eq(r.fi.rises[8], 1);
    ck_assert_uint_eq(rd(&r, 0x0c), 0x80 | 0x20 | 0x10);   /* UF too */
    /* next match a minute later */
    run_to(&r, t0 + 62 * SEC);
    ck_assert_int_eq(r.fi.rises[8], 1);
    run_to(&r, t0 + 63 * SEC);
    ck_assert_int_eq(r.fi.rises[8], 2);
    (void)rd(&r, 0x0c);
    /* an exact alarm, BCD, hours included: 14:00:00 */
    wr(&r, 0x01, 0x00);
    wr(&r, 0x03, 0x00);
    wr(&r, 0x05, 0x14);
    int64_t at = t0 + (14 * 3600 - (13 * 3600 + 45 * 60 + 56)) * SEC;
    ck_assert_int_eq(machine_next_deadline(r.m), at);
    run_to(&r, at);
    ck_assert_int_eq(r.fi.rises[8], 3);
    (void)rd(&r, 0x0c);
    /* an impossible alarm never fires */
    wr(&r, 0x05, 0x25);
    ck_assert(machine_next_deadline(r.m) == INT64_MAX);
    /* update-ended interrupt every second */
    wr(&r, 0x0b, 0x12);
    int before = r.fi.rises[8];
    int64_t s = r.now;
    for (int i = 0; i < 5; i++) {
        run_to(&r, machine_next_deadline(r.m));
        ck_assert_uint_eq(rd(&r, 0x0c) & 0x90, 0x90);
    }
    ck_assert_int_eq(r.fi.rises[8] - before, 5);
    ck_assert_int_le(r.now - s, 5 * SEC);
    /* reset clears the enables and flags */
    run_to(&r, r.now + SEC);
    ck_assert_int_eq(r.fi.level[8], 1);
    machine_reset_devices(r.m);
    ck_assert_int_eq(r.fi.level[8], 0);
    ck_assert_uint_eq(rd(&r, 0x0b), 0x02);
    ck_assert_uint_eq(rd(&r, 0x0c), 0x00);
    rig_free(&r);
}
END_TEST

START_TEST(divider_reset)
{
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;
    run_to(&r, t0 + 200 * MS);
    wr(&r, 0x0a, 0x70);                        /* hold the divider */
    run_to(&r, t0 + 10 * SEC);
    ck_assert_uint_eq(rd(&r, 0x00), 0x56);
    ck_assert_uint_eq(rd(&r, 0x0a) & 0x80, 0);
    wr(&r, 0x0a, 0x26);                        /* first update 500 ms on */
    run_to(&r, t0 + 10 * SEC + 499 * MS);
    ck_assert_uint_eq(rd(&r, 0x00), 0x56);
    run_to(&r, t0 + 10 * SEC + 500 * MS);
    ck_assert_uint_eq(rd(&r, 0x00), 0x57);
    rig_free(&r);
}
END_TEST

START_TEST(cmos_ram_and_nmi)
{
    struct rig r;
    rig_init(&r);
    for (int i = 0x0e; i < 0x80; i++)
        if (i != 0x32)
            wr(&r, (uint8_t)i, (uint8_t)(i ^ 0x5a));
    for (int i = 0x0e; i < 0x80; i++)
        if (i != 0x32)
            ck_assert_uint_eq(rd(&r, (uint8_t)i), (uint8_t)(i ^ 0x5a));
    rtc_cmos_set(r.rtc, 0x15, 0x80);           /* what the board fills */
    ck_assert_uint_eq(rd(&r, 0x15), 0x80);
    ck_assert_uint_eq(rtc_cmos_get(r.rtc, 0x34), 0x34 ^ 0x5a);
    ck_assert_uint_eq(rtc_cmos_get(r.rtc, 200), 0xff);
    rtc_cmos_set(r.rtc, -1, 0);                /* ignored */
    /* NMI mask: bit 7 of the index */
    ck_assert(!rtc_nmi_masked(r.rtc));
    machine_pio_write(r.m, 0x70, 0x80 | 0x10, 1);
    ck_assert(rtc_nmi_masked(r.rtc));
    ck_assert_uint_eq(machine_pio_read(r.m, 0x71, 1), 0x10 ^ 0x5a);
    machine_pio_write(r.m, 0x70, 0x10, 1);
    ck_assert(!rtc_nmi_masked(r.rtc));
    ck_assert_uint_eq(machine_pio_read(r.m, 0x70, 1), 0xff);
    /* C and D are read-only */
    wr(&r, 0x0d, 0x00);
    ck_assert_uint_eq(rd(&r, 0x0d), 0x80);
    wr(&r, 0x0c, 0xff);
    ck_assert_uint_eq(rd(&r, 0x0c), 0x00);
    /* a word write: index then data */
    machine_pio_write(r.m, 0x70, 0x4220, 2);
    ck_assert_uint_eq(rd(&r, 0x20), 0x42);
    rig_free(&r);
}
END_TEST

START_TEST(seabios_style_read)
{
    /* SeaBIOS's rtc_updating: wait for UIP to clear, then read */
    struct rig r;
    rig_init(&r);
    int64_t t0 = r.now;
    run_to(&r, t0 + SEC - 100000);
    int spins = 0;
    while (rd(&r, 0x8a) & 0x80) {              /* NMI off, as SeaBIOS */
        run_to(&r, r.now + 10000);
        ck_assert_int_lt(++spins, 100);
    }
    ck_assert_int_gt(spins, 0);
    ck_assert_uint_eq(rd(&r, 0x80), 0x57);
    ck_assert(rtc_nmi_masked(r.rtc));
    rig_free(&r);
}
END_TEST

static Suite *rtc_suite(void)
{
    Suite *s = suite_create("rtc");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, time_bcd_binary_12h);
    tcase_add_test(tc, time_advances);
    tcase_add_test(tc, uip_window);
    tcase_add_test(tc, set_time_with_set_bit);
    tcase_add_test(tc, divider_reset);
    tcase_add_test(tc, seabios_style_read);
    suite_add_tcase(s, tc);
    tc = tcase_create("interrupts");
    tcase_add_test(tc, periodic_rates);
    tcase_add_test(tc, alarm_and_update);
    suite_add_tcase(s, tc);
    tc = tcase_create("cmos");
    tcase_add_test(tc, cmos_ram_and_nmi);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
