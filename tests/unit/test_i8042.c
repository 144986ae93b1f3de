/* The 8042 keyboard controller with its PS/2 keyboard and mouse, port 0x92
 * and port 0x80, driven through their ports with the command sequences
 * SeaBIOS (src/hw/ps2port.c) and Linux (drivers/input/serio/i8042.c,
 * atkbd.c, psmouse-base.c) use, on a machine with a fake interrupt
 * controller recording IRQ1 and IRQ12. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i8042.h"
#include "hw/machine.h"
#include "hw/port92.h"
#include "hw/postcode.h"

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
    struct i8042 *kbc;
    struct fake_intc fi;
    int a20_calls;
    bool a20;
};

static void a20_hook(void *opaque, bool on)
{
    struct rig *r = opaque;
    r->a20_calls++;
    r->a20 = on;
}

static void rig_init(struct rig *r)
{
    char err[256];
    memset(r, 0, sizeof *r);
    r->m = machine_new(16 << 20, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    machine_set_intc(r->m, &fi_ops, &r->fi);
    r->kbc = i8042_new(r->m, 1, 12, err, sizeof err);
    ck_assert_msg(r->kbc != NULL, "%s", err);
    i8042_set_a20_hook(r->kbc, a20_hook, r);
}

static void rig_free(struct rig *r)
{
    i8042_free(r->kbc);
    machine_free(r->m);
}

static uint8_t status(struct rig *r)
{
    return (uint8_t)machine_pio_read(r->m, 0x64, 1);
}

static void cmd(struct rig *r, uint8_t c)
{
    ck_assert(!(status(r) & 0x02));   /* IBF never blocks */
    machine_pio_write(r->m, 0x64, c, 1);
}

static void data(struct rig *r, uint8_t d)
{
    machine_pio_write(r->m, 0x60, d, 1);
}

/* Read one byte, which must be there and come from the port aux says. */
static uint8_t recv(struct rig *r, bool aux)
{
    uint8_t st = status(r);
    ck_assert_msg(st & 0x01, "no data (status 0x%02x)", st);
    ck_assert_msg(!!(st & 0x20) == aux, "wrong source (status 0x%02x)", st);
    return (uint8_t)machine_pio_read(r->m, 0x60, 1);
}

static void expect(struct rig *r, bool aux, const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t b = recv(r, aux);
        ck_assert_msg(b == bytes[i], "byte %d: 0x%02x, want 0x%02x", i, b,
                      bytes[i]);
    }
    ck_assert_msg(!(status(r) & 0x01), "extra byte 0x%02x",
                  (unsigned)machine_pio_read(r->m, 0x60, 1));
}

#define EXPECT(r, aux, ...)                                                  \
    do {                                                                     \
        static const uint8_t want_[] = { __VA_ARGS__ };                      \
        expect(r, aux, want_, (int)sizeof want_);                            \
    } while (0)

static void flush(struct rig *r)
{
    for (int i = 0; i < 64 && (status(r) & 0x01); i++)
        (void)machine_pio_read(r->m, 0x60, 1);
    ck_assert(!(status(r) & 0x01));
}

static void write_ctr(struct rig *r, uint8_t v)
{
    cmd(r, 0x60);
    data(r, v);
}

static uint8_t read_ctr(struct rig *r)
{
    cmd(r, 0x20);
    return recv(r, false);
}

static void aux(struct rig *r, uint8_t b)
{
    cmd(r, 0xd4);
    data(r, b);
}

/* SeaBIOS's ps2_keyboard_setup, step by step. */
static void seabios_init(struct rig *r)
{
    flush(r);
    cmd(r, 0xaa);
    EXPECT(r, false, 0x55);
    cmd(r, 0xab);
    EXPECT(r, false, 0x00);
    /* each ps2_command: ports off and quiet, then the keyboard's on */
    write_ctr(r, 0x30);
    write_ctr(r, 0x20);
    data(r, 0xff);
    EXPECT(r, false, 0xfa, 0xaa);
    write_ctr(r, 0x30);
    write_ctr(r, 0x20);
    data(r, 0xf5);
    EXPECT(r, false, 0xfa);
    write_ctr(r, 0x20);
    data(r, 0xf0);
    EXPECT(r, false, 0xfa);
    data(r, 0x02);
    EXPECT(r, false, 0xfa);
    write_ctr(r, 0x20);
    data(r, 0xf4);
    EXPECT(r, false, 0xfa);
    write_ctr(r, 0x61);   /* AUXDIS | XLATE | KBDINT */
}

START_TEST(reset_state)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(status(&r), 0x18);
    ck_assert_uint_eq(read_ctr(&r), 0x03);
    cmd(&r, 0xd0);
    ck_assert_uint_eq(recv(&r, false), 0xcf);
    ck_assert(i8042_a20(r.kbc));
    cmd(&r, 0xc0);
    ck_assert_uint_eq(recv(&r, false), 0x80);
    /* reading an empty buffer repeats the last byte */
    ck_assert_uint_eq(machine_pio_read(r.m, 0x60, 1), 0x80);
    rig_free(&r);
}
END_TEST

START_TEST(seabios_keyboard)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    int base = r.fi.rises[1];
    ck_assert_uint_eq(read_ctr(&r), 0x61);
    ck_assert_int_eq(r.fi.rises[1], base + 1);   /* the reply raised IRQ1 */
    base = r.fi.rises[1];
    /* A: set 2 1C / F0 1C arrives translated as 1E / 9E, on IRQ1 */
    i8042_key_event(r.kbc, 0x1c, true);
    ck_assert_int_eq(r.fi.level[1], 1);
    ck_assert_int_eq(r.fi.rises[1], base + 1);
    EXPECT(&r, false, 0x1e);
    ck_assert_int_eq(r.fi.level[1], 0);
    i8042_key_event(r.kbc, 0x1c, false);
    EXPECT(&r, false, 0x9e);
    /* Up arrow: E0 75 -> E0 48, E0 F0 75 -> E0 C8; each byte an edge */
    base = r.fi.rises[1];
    i8042_key_event(r.kbc, 0xe075, true);
    i8042_key_event(r.kbc, 0xe075, false);
    EXPECT(&r, false, 0xe0, 0x48, 0xe0, 0xc8);
    ck_assert_int_eq(r.fi.rises[1], base + 4);
    /* Pause and Print Screen */
    i8042_key_event(r.kbc, I8042_KEY_PAUSE, true);
    i8042_key_event(r.kbc, I8042_KEY_PAUSE, false);
    EXPECT(&r, false, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    i8042_key_event(r.kbc, I8042_KEY_PRINT, true);
    i8042_key_event(r.kbc, I8042_KEY_PRINT, false);
    EXPECT(&r, false, 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
    /* F7 is 0x83 in set 2 */
    i8042_key_event(r.kbc, 0x83, true);
    EXPECT(&r, false, 0x41);
    /* SeaBIOS's IRQ handler re-enables the port with 0xAE */
    cmd(&r, 0xae);
    ck_assert(!(status(&r) & 0x01));
    rig_free(&r);
}
END_TEST

START_TEST(linux_controller_probe)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    /* i8042_controller_check / selftest */
    flush(&r);
    cmd(&r, 0xaa);
    EXPECT(&r, false, 0x55);
    uint8_t ctr = read_ctr(&r);
    /* i8042_controller_init: interrupts off while probing */
    ctr &= ~(0x01 | 0x02);
    ctr |= 0x10 | 0x20;
    write_ctr(&r, ctr);
    ck_assert_uint_eq(read_ctr(&r), ctr);
    /* i8042_check_aux: loopback through 0xD3 comes back as aux data */
    cmd(&r, 0xd3);
    data(&r, 0x5a);
    EXPECT(&r, true, 0x5a);
    cmd(&r, 0xa9);                 /* aux interface test */
    EXPECT(&r, false, 0x00);
    cmd(&r, 0xa7);                 /* disable aux: CTR bit 5 follows */
    ck_assert(read_ctr(&r) & 0x20);
    cmd(&r, 0xa8);
    ck_assert(!(read_ctr(&r) & 0x20));
    cmd(&r, 0xa7);
    /* the aux IRQ test: loopback with AUXINT on raises IRQ12 */
    write_ctr(&r, (uint8_t)((ctr & ~0x20) | 0x02));
    int base = r.fi.rises[12];
    cmd(&r, 0xd3);
    data(&r, 0xa5);
    ck_assert_int_eq(r.fi.rises[12], base + 1);
    ck_assert_int_eq(r.fi.level[1], 0);
    EXPECT(&r, true, 0xa5);
    ck_assert_int_eq(r.fi.level[12], 0);
    /* keyboard-port test */
    cmd(&r, 0xab);
    EXPECT(&r, false, 0x00);
    /* password: none installed */
    cmd(&r, 0xa4);
    EXPECT(&r, false, 0xf1);
    /* 0xD2 writes the keyboard's output buffer, untranslated */
    cmd(&r, 0xd2);
    data(&r, 0x1c);
    EXPECT(&r, false, 0x1c);
    /* RAM bytes beyond the command byte */
    cmd(&r, 0x65);
    data(&r, 0x77);
    cmd(&r, 0x25);
    EXPECT(&r, false, 0x77);
    rig_free(&r);
}
END_TEST

START_TEST(linux_atkbd_probe)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    write_ctr(&r, 0x60);           /* XLATE, kbd on, no interrupts */
    /* atkbd_probe: GETID, translated */
    data(&r, 0xf2);
    EXPECT(&r, false, 0xfa, 0xab, 0x41);
    /* get scan code set: 2, which translates to 0x41 */
    data(&r, 0xf0);
    data(&r, 0x00);
    EXPECT(&r, false, 0xfa, 0xfa, 0x41);
    /* untranslated */
    write_ctr(&r, 0x20);
    data(&r, 0xf2);
    EXPECT(&r, false, 0xfa, 0xab, 0x83);
    data(&r, 0xf0);
    data(&r, 0x00);
    EXPECT(&r, false, 0xfa, 0xfa, 0x02);
    /* atkbd_activate: LEDs, typematic, enable */
    data(&r, 0xed);
    EXPECT(&r, false, 0xfa);
    data(&r, 0x07);
    EXPECT(&r, false, 0xfa);
    ck_assert_uint_eq(i8042_kbd_leds(r.kbc), 7);
    data(&r, 0xf3);
    data(&r, 0x00);
    EXPECT(&r, false, 0xfa, 0xfa);
    data(&r, 0xf4);
    EXPECT(&r, false, 0xfa);
    /* echo, an unknown command, resend */
    data(&r, 0xee);
    EXPECT(&r, false, 0xee);
    data(&r, 0xd7);
    EXPECT(&r, false, 0xfe);
    data(&r, 0xfe);
    EXPECT(&r, false, 0xfe);
    /* set 3 is refused; a command in place of the parameter runs */
    data(&r, 0xf0);
    data(&r, 0x03);
    EXPECT(&r, false, 0xfa, 0xfe);
    data(&r, 0xee);
    EXPECT(&r, false, 0xee);
    /* native set 1, untranslated */
    data(&r, 0xf0);
    data(&r, 0x01);
    EXPECT(&r, false, 0xfa, 0xfa);
    i8042_key_event(r.kbc, 0x1c, true);
    i8042_key_event(r.kbc, 0xe075, false);
    EXPECT(&r, false, 0x1e, 0xe0, 0xc8);
    /* set 2 raw */
    data(&r, 0xf0);
    data(&r, 0x02);
    EXPECT(&r, false, 0xfa, 0xfa);
    i8042_key_event(r.kbc, 0x1c, false);
    EXPECT(&r, false, 0xf0, 0x1c);
    /* disabled keyboard drops keys */
    data(&r, 0xf5);
    EXPECT(&r, false, 0xfa);
    i8042_key_event(r.kbc, 0x1c, true);
    ck_assert(!(status(&r) & 0x01));
    /* reset */
    data(&r, 0xff);
    EXPECT(&r, false, 0xfa, 0xaa);
    ck_assert_uint_eq(i8042_kbd_leds(r.kbc), 0);
    rig_free(&r);
}
END_TEST

START_TEST(port_disable_holds_keys)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    cmd(&r, 0xad);                 /* keyboard clock inhibited */
    i8042_key_event(r.kbc, 0x29, true);
    ck_assert(!(status(&r) & 0x01));
    cmd(&r, 0xae);
    EXPECT(&r, false, 0x39);       /* Space */
    /* a full keyboard buffer ends with one overrun code */
    cmd(&r, 0xad);
    for (int i = 0; i < 40; i++)
        i8042_key_event(r.kbc, 0x1c, true);
    cmd(&r, 0xae);
    uint8_t last = 0;
    int n = 0;
    while (status(&r) & 0x01) {
        last = recv(&r, false);
        n++;
    }
    ck_assert_int_eq(n, 17);       /* 16 bytes and the overrun code */
    ck_assert_uint_eq(last, 0xff);
    rig_free(&r);
}
END_TEST

START_TEST(linux_psmouse)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    write_ctr(&r, 0x47);           /* Linux: both ports, both IRQs, XLATE */
    /* psmouse reset */
    aux(&r, 0xff);
    EXPECT(&r, true, 0xfa, 0xaa, 0x00);
    aux(&r, 0xf2);
    EXPECT(&r, true, 0xfa, 0x00);
    /* IntelliMouse knock: 200, 100, 80 */
    static const uint8_t knock3[3] = { 200, 100, 80 };
    for (int i = 0; i < 3; i++) {
        aux(&r, 0xf3);
        EXPECT(&r, true, 0xfa);
        aux(&r, knock3[i]);
        EXPECT(&r, true, 0xfa);
    }
    aux(&r, 0xf2);
    EXPECT(&r, true, 0xfa, 0x03);
    /* Explorer: 200, 200, 80 */
    static const uint8_t knock4[3] = { 200, 200, 80 };
    for (int i = 0; i < 3; i++) {
        aux(&r, 0xf3);
        aux(&r, knock4[i]);
    }
    EXPECT(&r, true, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    aux(&r, 0xf2);
    EXPECT(&r, true, 0xfa, 0x04);
    /* resolution and status request */
    aux(&r, 0xe8);
    aux(&r, 0x03);
    aux(&r, 0xe7);
    EXPECT(&r, true, 0xfa, 0xfa, 0xfa);
    aux(&r, 0xe9);
    EXPECT(&r, true, 0xfa, 0x10, 0x03, 80);
    aux(&r, 0xe6);
    aux(&r, 0xf4);
    EXPECT(&r, true, 0xfa, 0xfa);
    /* a packet: 10 right, 5 down, left button, one wheel notch */
    int base = r.fi.rises[12];
    i8042_mouse_event(r.kbc, 10, 5, 1, I8042_BTN_LEFT);
    ck_assert_int_eq(r.fi.level[12], 1);
    EXPECT(&r, true, 0x29, 0x0a, 0xfb, 0x01);
    ck_assert_int_eq(r.fi.rises[12], base + 4);
    /* button 4 on the Explorer, no motion */
    i8042_mouse_event(r.kbc, 0, 0, 0, I8042_BTN_4);
    EXPECT(&r, true, 0x08, 0x00, 0x00, 0x10);
    /* big motion is split into packets */
    i8042_mouse_event(r.kbc, -600, 0, 0, 0);
    EXPECT(&r, true, 0x18, 0x01, 0x00, 0x00, 0x18, 0x01, 0x00, 0x00,
           0x18, 0xa6, 0x00, 0x00);
    /* remote mode: nothing streams; read data gets it */
    aux(&r, 0xf0);
    EXPECT(&r, true, 0xfa);
    i8042_mouse_event(r.kbc, 3, -2, 0, I8042_BTN_RIGHT);
    ck_assert(!(status(&r) & 0x01));
    aux(&r, 0xeb);
    EXPECT(&r, true, 0xfa, 0x0a, 0x03, 0x02, 0x00);
    aux(&r, 0xea);
    EXPECT(&r, true, 0xfa);
    /* wrap mode echoes until 0xEC */
    aux(&r, 0xee);
    aux(&r, 0x42);
    aux(&r, 0xec);
    EXPECT(&r, true, 0xfa, 0x42, 0xfa);
    /* disabled reporting drops motion */
    aux(&r, 0xf5);
    EXPECT(&r, true, 0xfa);
    i8042_mouse_event(r.kbc, 3, 3, 0, 0);
    ck_assert(!(status(&r) & 0x01));
    /* an unknown command */
    aux(&r, 0x12);
    EXPECT(&r, true, 0xfe);
    rig_free(&r);
}
END_TEST

START_TEST(mouse_and_keyboard_interleave)
{
    struct rig r;
    rig_init(&r);
    seabios_init(&r);
    write_ctr(&r, 0x47);
    aux(&r, 0xf4);
    EXPECT(&r, true, 0xfa);
    i8042_mouse_event(r.kbc, 1, 0, 0, 0);
    i8042_key_event(r.kbc, 0x1c, true);
    /* the keyboard has priority for the next free output buffer; mouse
     * bytes are never translated */
    ck_assert_uint_eq(recv(&r, true), 0x08);
    ck_assert_uint_eq(recv(&r, false), 0x1e);
    EXPECT(&r, true, 0x01, 0x00);
    /* aux disabled: mouse data waits */
    cmd(&r, 0xa7);
    i8042_mouse_event(r.kbc, 1, 0, 0, 0);
    ck_assert(!(status(&r) & 0x01));
    cmd(&r, 0xa8);
    EXPECT(&r, true, 0x08, 0x01, 0x00);
    /* lots of motion with nobody reading: bounded, no crash */
    for (int i = 0; i < 10000; i++)
        i8042_mouse_event(r.kbc, 100000, -100000, 1000, 7);
    int n = 0;
    while ((status(&r) & 0x01) && n < 1000000) {
        (void)machine_pio_read(r.m, 0x60, 1);
        n++;
    }
    ck_assert(!(status(&r) & 0x01));
    ck_assert_int_eq(n % 3, 0);    /* whole packets */
    rig_free(&r);
}
END_TEST

START_TEST(a20_and_reset)
{
    struct rig r;
    rig_init(&r);
    /* Linux's boot/a20.c: write output port 0xDD then 0xDF */
    cmd(&r, 0xd1);
    data(&r, 0xdd);
    ck_assert_int_eq(r.a20_calls, 1);
    ck_assert(!r.a20);
    ck_assert(!i8042_a20(r.kbc));
    cmd(&r, 0xd0);
    ck_assert_uint_eq(recv(&r, false) & 0x03, 0x01);
    cmd(&r, 0xd1);
    data(&r, 0xdf);
    ck_assert(r.a20);
    cmd(&r, 0xff);                 /* null command after (UHCI quirk) */
    ck_assert_int_eq(machine_pending_request(r.m), REQ_NONE);
    /* HP Vectra commands */
    cmd(&r, 0xdd);
    ck_assert(!r.a20);
    cmd(&r, 0xdf);
    ck_assert(r.a20);
    /* pulse reset */
    cmd(&r, 0xfe);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_RESET);
    machine_clear_request(r.m);
    /* output port with the reset bit low */
    cmd(&r, 0xd1);
    data(&r, 0x02);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_RESET);
    machine_clear_request(r.m);
    /* the controller is back to its power-on state after a reset */
    machine_reset_devices(r.m);
    ck_assert_uint_eq(read_ctr(&r), 0x03);
    ck_assert(i8042_a20(r.kbc));
    rig_free(&r);
}
END_TEST

START_TEST(port92)
{
    struct rig r;
    char err[128];
    rig_init(&r);
    struct port92 *p = port92_new(r.m, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    port92_set_a20_hook(p, a20_hook, &r);
    ck_assert_uint_eq(machine_pio_read(r.m, 0x92, 1), 0x00);
    /* Linux's enable_a20_fast */
    uint8_t v = (uint8_t)machine_pio_read(r.m, 0x92, 1);
    v = (uint8_t)((v | 0x02) & ~0x01);
    machine_pio_write(r.m, 0x92, v, 1);
    ck_assert(r.a20);
    ck_assert(port92_a20(p));
    ck_assert_uint_eq(machine_pio_read(r.m, 0x92, 1), 0x02);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_NONE);
    machine_pio_write(r.m, 0x92, 0x03, 1);     /* fast reset */
    ck_assert_int_eq(machine_pending_request(r.m), REQ_RESET);
    machine_clear_request(r.m);
    machine_pio_write(r.m, 0x92, 0x03, 1);     /* no new edge */
    ck_assert_int_eq(machine_pending_request(r.m), REQ_NONE);
    machine_reset_devices(r.m);
    ck_assert_uint_eq(machine_pio_read(r.m, 0x92, 1), 0x02);
    machine_pio_write(r.m, 0x92, 0x00, 1);
    ck_assert(!r.a20);
    port92_free(p);
    rig_free(&r);
}
END_TEST

START_TEST(postcodes)
{
    struct rig r;
    char err[128];
    rig_init(&r);
    struct postcode *pc = postcode_new(r.m, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    FILE *f = tmpfile();
    ck_assert(f != NULL);
    struct logger *l = machine_logger(r.m);
    FILE *old_f = l->f;
    unsigned old_mask = l->mask;
    l->f = f;
    l->mask = 0;
    machine_pio_write(r.m, 0x80, 0x11, 1);     /* not logged */
    l->mask = LOG_POST;
    machine_pio_write(r.m, 0x80, 0x3c, 1);
    machine_pio_write(r.m, 0x80, 0xaa, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0x80, 1), 0xaa);
    ck_assert_uint_eq(postcode_last(pc), 0xaa);
    l->f = old_f;
    l->mask = old_mask;
    char buf[128] = { 0 };
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "POST: 0x3c\nPOST: 0xaa\n");
    postcode_free(pc);
    rig_free(&r);
}
END_TEST

static Suite *i8042_suite(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("controller");
    tcase_add_test(tc, reset_state);
    tcase_add_test(tc, linux_controller_probe);
    tcase_add_test(tc, a20_and_reset);
    suite_add_tcase(s, tc);
    tc = tcase_create("keyboard");
    tcase_add_test(tc, seabios_keyboard);
    tcase_add_test(tc, linux_atkbd_probe);
    tcase_add_test(tc, port_disable_holds_keys);
    suite_add_tcase(s, tc);
    tc = tcase_create("mouse");
    tcase_add_test(tc, linux_psmouse);
    tcase_add_test(tc, mouse_and_keyboard_interleave);
    suite_add_tcase(s, tc);
    tc = tcase_create("ports");
    tcase_add_test(tc, port92);
    tcase_add_test(tc, postcodes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(i8042_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
