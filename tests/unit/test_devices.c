/* Device models driven through their I/O ports on a real machine: 8259A
 * pair, 16550A UART, isa-debug-exit, isa-debugcon, and the PC's BIOS
 * loading and -device parsing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/chardev.h"
#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "hw/machine.h"
#include "hw/pc.h"
#include "hw/pic.h"
#include "hw/uart.h"

static struct machine *new_machine(void)
{
    char err[256];
    struct machine *m = machine_new(16 << 20, err, sizeof err);
    ck_assert_msg(m != NULL, "machine_new: %s", err);
    return m;
}

static uint8_t inb(struct machine *m, uint16_t port)
{
    return (uint8_t)machine_pio_read(m, port, 1);
}

static void outb(struct machine *m, uint16_t port, uint8_t v)
{
    machine_pio_write(m, port, v, 1);
}

/* The PC BIOS's programming: vectors 0x08 and 0x70, cascade on IR2. */
static struct pic *pic_setup(struct machine *m, uint8_t icw4)
{
    char err[256];
    struct pic *p = pic_new(m, err, sizeof err);
    ck_assert_msg(p != NULL, "pic_new: %s", err);
    outb(m, 0x20, 0x11);
    outb(m, 0x21, 0x08);
    outb(m, 0x21, 0x04);
    outb(m, 0x21, icw4);
    outb(m, 0xa0, 0x11);
    outb(m, 0xa1, 0x70);
    outb(m, 0xa1, 0x02);
    outb(m, 0xa1, icw4);
    return p;
}

static uint8_t read_irr(struct machine *m, uint16_t cmd)
{
    outb(m, cmd, 0x0a);
    return inb(m, cmd);
}

static uint8_t read_isr(struct machine *m, uint16_t cmd)
{
    outb(m, cmd, 0x0b);
    return inb(m, cmd);
}

/* ---- PIC ---- */

START_TEST(pic_init_and_ack)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    ck_assert_uint_eq(inb(m, 0x21), 0x00);   /* ICW1 cleared the mask */
    ck_assert(!machine_intr_pending(m));

    machine_set_irq(m, 0, 1);
    ck_assert_uint_eq(read_irr(m, 0x20), 0x01);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x08);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x01);
    ck_assert_uint_eq(read_irr(m, 0x20), 0x00);   /* edge consumed */
    ck_assert(!machine_intr_pending(m));

    /* still high: no new edge, no new request after EOI */
    outb(m, 0x20, 0x20);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x00);
    ck_assert(!machine_intr_pending(m));
    machine_set_irq(m, 0, 0);
    machine_set_irq(m, 0, 1);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x08);
    outb(m, 0x20, 0x20);

    /* edge requests stay latched when the line drops before INTA */
    machine_set_irq(m, 0, 0);
    machine_set_irq(m, 1, 1);
    machine_set_irq(m, 1, 0);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x09);
    outb(m, 0x20, 0x20);
    pic_free(p);
    machine_free(m);
}
END_TEST

/* The interpreter skips asking the PIC between blocks while the machine's
 * hint is false: the hint must never be false while INTR is asserted,
 * whatever the guest and devices do (random operations, fixed seed). */
START_TEST(pic_intr_hint)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    const volatile bool *hint = machine_intr_hint(m);
    uint32_t x = 12345;
    for (int n = 0; n < 20000; n++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint8_t v = (uint8_t)(x >> 8);
        switch ((x >> 24) % 8) {
        case 0: case 1: machine_set_irq(m, v & 15, (v >> 4) & 1); break;
        case 2: outb(m, (x & 0x10000) ? 0xa1 : 0x21, v); break;   /* IMR */
        case 3: outb(m, (x & 0x10000) ? 0xa0 : 0x20,               /* OCW2 */
                     (uint8_t)((v & 0xe7) & ~0x08)); break;
        case 4: outb(m, (x & 0x10000) ? 0xa0 : 0x20,               /* OCW3 */
                     (uint8_t)((v & 0x67) | 0x08)); break;
        case 5: if (machine_intr_pending(m)) machine_intr_ack(m); break;
        case 6: inb(m, (x & 0x10000) ? 0xa0 : 0x20); break;   /* may poll */
        default: outb(m, 0x20, 0x20); outb(m, 0xa0, 0x20); break;  /* EOI */
        }
        ck_assert_msg(*hint || !machine_intr_pending(m),
                      "INTR pending with the hint low after step %d", n);
    }
    pic_free(p);
    machine_free(m);
}
END_TEST

START_TEST(pic_mask)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    outb(m, 0x21, 0x01);
    ck_assert_uint_eq(inb(m, 0x21), 0x01);
    machine_set_irq(m, 0, 1);
    ck_assert_uint_eq(read_irr(m, 0x20), 0x01);   /* IRR sees masked lines */
    ck_assert(!machine_intr_pending(m));
    outb(m, 0x21, 0x00);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x08);
    pic_free(p);
    machine_free(m);
}
END_TEST

START_TEST(pic_priority)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    machine_set_irq(m, 3, 1);
    machine_set_irq(m, 1, 1);
    ck_assert_int_eq(machine_intr_ack(m), 0x09);   /* IR1 beats IR3 */
    /* IR3 waits behind IR1 in service */
    ck_assert(!machine_intr_pending(m));
    /* a higher priority request nests */
    machine_set_irq(m, 0, 1);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x08);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x03);
    outb(m, 0x20, 0x20);   /* non-specific EOI ends the highest: IR0 */
    ck_assert_uint_eq(read_isr(m, 0x20), 0x02);
    ck_assert(!machine_intr_pending(m));
    outb(m, 0x20, 0x61);   /* specific EOI for IR1 */
    ck_assert_uint_eq(read_isr(m, 0x20), 0x00);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x0b);
    outb(m, 0x20, 0x20);

    /* set priority: IR4 lowest, so IR5 is now the highest */
    outb(m, 0x20, 0xc4);
    machine_set_irq(m, 1, 0);
    machine_set_irq(m, 1, 1);
    machine_set_irq(m, 5, 1);
    ck_assert_int_eq(machine_intr_ack(m), 0x0d);
    outb(m, 0x20, 0x20);
    ck_assert_int_eq(machine_intr_ack(m), 0x09);
    /* rotate on non-specific EOI: IR1 becomes the lowest */
    outb(m, 0x20, 0xa0);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x00);
    machine_set_irq(m, 1, 0);
    machine_set_irq(m, 1, 1);
    machine_set_irq(m, 3, 0);
    machine_set_irq(m, 3, 1);
    ck_assert_int_eq(machine_intr_ack(m), 0x0b);   /* IR3 before IR1 */
    pic_free(p);
    machine_free(m);
}
END_TEST

START_TEST(pic_slave)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    machine_set_irq(m, 12, 1);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x74);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x04);
    ck_assert_uint_eq(read_isr(m, 0xa0), 0x10);
    /* masking on the slave */
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    outb(m, 0xa1, 0x02);
    machine_set_irq(m, 9, 1);
    ck_assert(!machine_intr_pending(m));
    outb(m, 0xa1, 0x00);
    ck_assert(machine_intr_pending(m));
    ck_assert_int_eq(machine_intr_ack(m), 0x71);
    pic_free(p);
    machine_free(m);
}
END_TEST

START_TEST(pic_spurious)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x01);
    /* level-triggered IRQ5 that goes away before INTA: spurious IRQ7 */
    outb(m, 0x4d0, 0x20);
    ck_assert_uint_eq(inb(m, 0x4d0), 0x20);
    outb(m, 0x4d0, 0xff);
    ck_assert_uint_eq(inb(m, 0x4d0), 0xf8);   /* IRQ0-2 are edge only */
    outb(m, 0x4d0, 0x20);
    machine_set_irq(m, 5, 1);
    ck_assert(machine_intr_pending(m));
    machine_set_irq(m, 5, 0);
    ck_assert(!machine_intr_pending(m));
    ck_assert_int_eq(pic_ack(p), 0x0f);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x00);   /* no ISR bit */

    /* on the slave: spurious IRQ15, with master IR2 in service */
    outb(m, 0x4d1, 0x04);
    machine_set_irq(m, 10, 1);
    ck_assert(machine_intr_pending(m));
    machine_set_irq(m, 10, 0);
    ck_assert_int_eq(pic_ack(p), 0x77);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x04);
    ck_assert_uint_eq(read_isr(m, 0xa0), 0x00);
    outb(m, 0x20, 0x20);
    ck_assert(!machine_intr_pending(m));
    pic_free(p);
    machine_free(m);
}
END_TEST

START_TEST(pic_auto_eoi_and_poll)
{
    struct machine *m = new_machine();
    struct pic *p = pic_setup(m, 0x03);
    machine_set_irq(m, 6, 1);
    ck_assert_int_eq(machine_intr_ack(m), 0x0e);
    ck_assert_uint_eq(read_isr(m, 0x20), 0x00);
    /* poll mode: the read acknowledges */
    machine_set_irq(m, 4, 1);
    outb(m, 0x20, 0x0c);
    ck_assert_uint_eq(inb(m, 0x20), 0x84);
    ck_assert(!machine_intr_pending(m));
    outb(m, 0x20, 0x0c);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);
    pic_free(p);
    machine_free(m);
}
END_TEST

/* ---- UART ---- */

struct uart_rig {
    struct machine *m;
    struct pic *pic;
    struct chardev_set *chr;
    struct uart *u;
    char path[64];
    int64_t now;
};

static int64_t fake_clock(void *opaque)
{
    return *(int64_t *)opaque;
}

static void uart_rig_init(struct uart_rig *r)
{
    char err[256];
    r->m = new_machine();
    r->now = 0;
    machine_set_clock_source(r->m, fake_clock, &r->now);
    r->pic = pic_setup(r->m, 0x01);
    outb(r->m, 0x4d0, 0x10);   /* IRQ4 level: IRR follows the line */
    r->chr = chardev_set_new(r->m);
    snprintf(r->path, sizeof r->path, "/tmp/tandem-uart-%d", (int)getpid());
    char spec[80];
    snprintf(spec, sizeof spec, "file:%s", r->path);
    struct chardev *c = chardev_open(r->chr, spec, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    r->u = uart_new(r->m, 0x3f8, 4, c, err, sizeof err);
    ck_assert_msg(r->u != NULL, "%s", err);
}

static void uart_rig_free(struct uart_rig *r)
{
    uart_free(r->u);
    chardev_set_free(r->chr);
    pic_free(r->pic);
    machine_free(r->m);
    unlink(r->path);
}

static bool irq4(struct uart_rig *r)
{
    return (read_irr(r->m, 0x20) & 0x10) != 0;
}

static size_t slurp(const char *path, char *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    ck_assert(f != NULL);
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    return n;
}

START_TEST(uart_reset_values)
{
    struct uart_rig r;
    uart_rig_init(&r);
    ck_assert_uint_eq(inb(r.m, 0x3fd), 0x60);   /* THRE | TEMT */
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x01);   /* no interrupt */
    ck_assert_uint_eq(inb(r.m, 0x3fc), 0x08);   /* OUT2 */
    ck_assert_uint_eq(inb(r.m, 0x3fe), 0xb0);   /* DCD DSR CTS */
    ck_assert_uint_eq(inb(r.m, 0x3fb), 0x00);
    ck_assert_uint_eq(inb(r.m, 0x3f9), 0x00);
    outb(r.m, 0x3ff, 0x5a);
    ck_assert_uint_eq(inb(r.m, 0x3ff), 0x5a);
    ck_assert(!irq4(&r));
    uart_rig_free(&r);
}
END_TEST

START_TEST(uart_dlab)
{
    struct uart_rig r;
    uart_rig_init(&r);
    outb(r.m, 0x3f9, 0x05);                 /* IER */
    outb(r.m, 0x3fb, 0x80);                 /* DLAB */
    ck_assert_uint_eq(inb(r.m, 0x3f8), 0x0c);   /* reset divisor: 9600 */
    ck_assert_uint_eq(inb(r.m, 0x3f9), 0x00);
    outb(r.m, 0x3f8, 0x01);
    outb(r.m, 0x3f9, 0x02);
    ck_assert_uint_eq(inb(r.m, 0x3f8), 0x01);
    ck_assert_uint_eq(inb(r.m, 0x3f9), 0x02);
    outb(r.m, 0x3fb, 0x03);
    ck_assert_uint_eq(inb(r.m, 0x3fb), 0x03);
    ck_assert_uint_eq(inb(r.m, 0x3f9), 0x05);   /* IER untouched */
    char buf[8];
    ck_assert_uint_eq(slurp(r.path, buf, sizeof buf), 0);   /* nothing sent */
    uart_rig_free(&r);
}
END_TEST

START_TEST(uart_transmit_and_thre)
{
    struct uart_rig r;
    char buf[16];
    uart_rig_init(&r);
    outb(r.m, 0x3f8, 'O');
    outb(r.m, 0x3f8, 'K');
    ck_assert_uint_eq(inb(r.m, 0x3fd), 0x60);
    ck_assert_uint_eq(slurp(r.path, buf, sizeof buf), 2);
    ck_assert(memcmp(buf, "OK", 2) == 0);

    /* enabling ETBEI with THR empty raises the interrupt at once */
    ck_assert(!irq4(&r));
    outb(r.m, 0x3f9, 0x02);
    ck_assert(irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x02);
    /* reading IIR acknowledged it */
    ck_assert(!irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x01);
    /* writing THR re-arms it once the byte is gone */
    outb(r.m, 0x3f8, '!');
    ck_assert(irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x02);
    /* rewriting the same IER value is not an edge */
    outb(r.m, 0x3f9, 0x02);
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x01);
    /* toggling IER is */
    outb(r.m, 0x3f9, 0x00);
    outb(r.m, 0x3f9, 0x02);
    ck_assert(irq4(&r));
    outb(r.m, 0x3f9, 0x00);
    ck_assert(!irq4(&r));
    uart_rig_free(&r);
}
END_TEST

START_TEST(uart_loopback_and_priority)
{
    struct uart_rig r;
    char buf[16];
    uart_rig_init(&r);
    outb(r.m, 0x3fc, 0x1f);   /* loop, all outputs on */
    ck_assert_uint_eq(inb(r.m, 0x3fe), 0xf0);
    outb(r.m, 0x3fc, 0x11);   /* loop + DTR -> DSR */
    ck_assert_uint_eq(inb(r.m, 0x3fe), 0x20);

    outb(r.m, 0x3f9, 0x07);   /* RDI | THRI | RLSI */
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x02);
    outb(r.m, 0x3f8, 'x');
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 0x61, 0x61);
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x04);   /* RX data beats THRE */
    ck_assert(irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3f8), 'x');
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x02);   /* then THRE */
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x01);
    ck_assert(!irq4(&r));

    /* overrun (no FIFO): line status beats everything */
    outb(r.m, 0x3f8, 'a');
    outb(r.m, 0x3f8, 'b');
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x06);
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 0x03, 0x03);   /* OE | DR */
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 0x02, 0x00);   /* OE read-clears */
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x04);
    ck_assert_uint_eq(inb(r.m, 0x3f8), 'b');
    /* nothing reached the backend */
    ck_assert_uint_eq(slurp(r.path, buf, sizeof buf), 0);
    uart_rig_free(&r);
}
END_TEST

START_TEST(uart_fifo)
{
    struct uart_rig r;
    uart_rig_init(&r);
    outb(r.m, 0x3fa, 0x07);   /* enable + clear, trigger 1 */
    ck_assert_uint_eq(inb(r.m, 0x3fa) & 0xc0, 0xc0);
    outb(r.m, 0x3fc, 0x10);
    const char *msg = "hello";
    for (int i = 0; i < 5; i++)
        outb(r.m, 0x3f8, (uint8_t)msg[i]);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(inb(r.m, 0x3fd) & 1, 1);
        ck_assert_uint_eq(inb(r.m, 0x3f8), (uint8_t)msg[i]);
    }
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 1, 0);

    /* 17 bytes into a 16-byte FIFO: overrun, the FIFO keeps the first 16 */
    for (int i = 0; i < 17; i++)
        outb(r.m, 0x3f8, (uint8_t)('A' + i));
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 0x03, 0x03);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(inb(r.m, 0x3f8), (uint8_t)('A' + i));
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 1, 0);

    /* trigger level 4: RDI only from the 4th byte; before that the
     * character timeout fires after four character times */
    outb(r.m, 0x3fa, 0x41);
    outb(r.m, 0x3f9, 0x01);
    outb(r.m, 0x3f8, '1');
    outb(r.m, 0x3f8, '2');
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0xc1);
    ck_assert(!irq4(&r));
    r.now += 100000000;   /* 100 ms: far past 4 chars at 9600 baud */
    machine_run_timers(r.m);
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0xcc);
    ck_assert(irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3f8), '1');   /* reading clears timeout */
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0xc1);
    outb(r.m, 0x3f8, '3');
    outb(r.m, 0x3f8, '4');
    outb(r.m, 0x3f8, '5');
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0xc4);
    /* FCR receive reset empties it */
    outb(r.m, 0x3fa, 0x43);
    ck_assert_uint_eq(inb(r.m, 0x3fd) & 1, 0);
    ck_assert(!irq4(&r));
    /* disabling the FIFOs drops the FIFO bits in IIR */
    outb(r.m, 0x3fa, 0x00);
    ck_assert_uint_eq(inb(r.m, 0x3fa) & 0xc0, 0x00);
    uart_rig_free(&r);
}
END_TEST

START_TEST(uart_line_input)
{
    struct uart_rig r;
    uart_rig_init(&r);
    outb(r.m, 0x3f9, 0x01);
    const uint8_t in[] = { 'q' };
    uart_receive(r.u, in, 1);
    ck_assert(irq4(&r));
    ck_assert_uint_eq(inb(r.m, 0x3fa), 0x04);
    ck_assert_uint_eq(inb(r.m, 0x3f8), 'q');
    ck_assert(!irq4(&r));
    /* a guest reset restores the power-on state */
    outb(r.m, 0x3fb, 0x83);
    machine_reset_devices(r.m);
    ck_assert_uint_eq(inb(r.m, 0x3fb), 0x00);
    ck_assert_uint_eq(inb(r.m, 0x3f9), 0x00);
    uart_rig_free(&r);
}
END_TEST

/* ---- debug-exit, debugcon ---- */

START_TEST(debug_exit_status)
{
    char err[256];
    struct machine *m = new_machine();
    struct debug_exit *d = debug_exit_new(m, 0xf4, 4, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_uint_eq(machine_pio_read(m, 0xf4, 4), 0);
    ck_assert_int_eq(machine_pending_request(m), REQ_NONE);
    machine_pio_write(m, 0xf4, 0x10, 4);
    ck_assert_int_eq(machine_pending_request(m), REQ_EXIT);
    ck_assert_int_eq(machine_exit_status(m), 0x21);
    machine_clear_request(m);
    machine_pio_write(m, 0xf4, 0, 1);
    ck_assert_int_eq(machine_exit_status(m), 1);
    ck_assert_ptr_null(debug_exit_new(m, 0x600, 3, err, sizeof err));
    ck_assert_ptr_null(debug_exit_new(m, 0xf4, 1, err, sizeof err));
    debug_exit_free(d);
    machine_free(m);
}
END_TEST

START_TEST(debugcon_to_file)
{
    char err[256], path[64], spec[80], buf[16];
    struct machine *m = new_machine();
    struct chardev_set *s = chardev_set_new(m);
    snprintf(path, sizeof path, "/tmp/tandem-dbgcon-%d", (int)getpid());
    snprintf(spec, sizeof spec, "file:%s", path);
    struct chardev *c = chardev_open(s, spec, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    struct debugcon *d = debugcon_new(m, 0xe9, 0xe9, c, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    outb(m, 0xe9, 'h');
    outb(m, 0xe9, 'i');
    machine_pio_write(m, 0xe9, 0x0a21, 2);   /* "!\n" */
    ck_assert_uint_eq(inb(m, 0xe9), 0xe9);
    ck_assert_uint_eq(slurp(path, buf, sizeof buf), 4);
    ck_assert(memcmp(buf, "hi!\n", 4) == 0);
    /* bad specs */
    ck_assert_ptr_null(chardev_open(s, "vc", err, sizeof err));
    ck_assert_ptr_null(chardev_open(s, "chardev:nope", err, sizeof err));
    ck_assert_ptr_null(chardev_open(s, "file:/nonexistent/dir/x", err,
                                    sizeof err));
    ck_assert(strstr(err, "/nonexistent/dir/x") != NULL);
    ck_assert_int_ne(chardev_define(s, "file,id=a", err, sizeof err), 0);
    ck_assert_int_ne(chardev_define(s, "null", err, sizeof err), 0);
    ck_assert_int_ne(chardev_define(s, "pty,id=p", err, sizeof err), 0);
    ck_assert_int_eq(chardev_define(s, "null,id=n", err, sizeof err), 0);
    ck_assert_int_ne(chardev_define(s, "null,id=n", err, sizeof err), 0);
    ck_assert_ptr_nonnull(chardev_find(s, "n"));
    debugcon_free(d);
    chardev_set_free(s);
    machine_free(m);
    unlink(path);
}
END_TEST

/* ---- the PC: BIOS and -device ---- */

static void write_image(const char *path, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    for (size_t i = 0; i < size; i++)
        fputc((int)((i ^ (i >> 8) ^ (i >> 16)) & 0xff), f);
    fclose(f);
}

static uint8_t image_byte(size_t i)
{
    return (uint8_t)((i ^ (i >> 8) ^ (i >> 16)) & 0xff);
}

START_TEST(pc_bios_64k)
{
    char err[512], path[64];
    snprintf(path, sizeof path, "/tmp/tandem-bios-%d", (int)getpid());
    write_image(path, 64 << 10);
    struct pc_config cfg = { .ram_size = 16 << 20, .bios = path };
    struct pc *pc = pc_build(&cfg, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    static const uint32_t offs[] = { 0, 1, 0x1234, 0xfff0, 0xffff };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        uint32_t o = offs[i];
        ck_assert_uint_eq(machine_mem_read(pc->m, 0xffff0000u + o, 1),
                          image_byte(o));
        ck_assert_uint_eq(machine_mem_read(pc->m, 0xf0000u + o, 1),
                          image_byte(o));
    }
    /* read-only */
    machine_mem_write(pc->m, 0xffff0000u, 0xaa ^ image_byte(0), 1);
    ck_assert_uint_eq(machine_mem_read(pc->m, 0xffff0000u, 1), image_byte(0));
    /* the PIC is on the board */
    ck_assert_uint_eq(machine_pio_read(pc->m, 0x21, 1), 0x00);
    pc_free(pc);
    unlink(path);
}
END_TEST

START_TEST(pc_bios_256k)
{
    char err[512], path[64];
    snprintf(path, sizeof path, "/tmp/tandem-bios-%d", (int)getpid());
    write_image(path, 256 << 10);
    struct pc_config cfg = { .ram_size = 16 << 20, .bios = path };
    struct pc *pc = pc_build(&cfg, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ck_assert_uint_eq(machine_mem_read(pc->m, 0xfffc0000u, 1), image_byte(0));
    ck_assert_uint_eq(machine_mem_read(pc->m, 0xfffffff0u, 1),
                      image_byte(0x3fff0));
    /* the last 128 KiB end at 1 MiB */
    ck_assert_uint_eq(machine_mem_read(pc->m, 0xe0000u, 1),
                      image_byte(0x20000));
    ck_assert_uint_eq(machine_mem_read(pc->m, 0xffff0u, 1),
                      image_byte(0x3fff0));
    pc_free(pc);
    unlink(path);
}
END_TEST

START_TEST(pc_bios_errors)
{
    char err[512], path[64];
    snprintf(path, sizeof path, "/tmp/tandem-bios-%d", (int)getpid());
    write_image(path, 1000);
    struct pc_config cfg = { .ram_size = 16 << 20, .bios = path };
    ck_assert_ptr_null(pc_build(&cfg, NULL, err, sizeof err));
    ck_assert_msg(strncmp(err, "-bios ", 6) == 0, "%s", err);
    ck_assert_msg(strstr(err, "64 KiB") != NULL, "%s", err);
    write_image(path, 0);
    ck_assert_ptr_null(pc_build(&cfg, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "64 KiB") != NULL, "%s", err);
    unlink(path);
    ck_assert_ptr_null(pc_build(&cfg, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
    cfg.bios = "/tmp";
    ck_assert_ptr_null(pc_build(&cfg, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "-bios /tmp:") != NULL, "%s", err);
}
END_TEST

START_TEST(pc_devices)
{
    char err[512], path[64], chr[96];
    snprintf(path, sizeof path, "/tmp/tandem-402-%d", (int)getpid());
    snprintf(chr, sizeof chr, "file,id=log,path=%s", path);
    struct pc_config cfg = {
        .ram_size = 16 << 20, .bios = "none",
        .serial = { "null" }, .nr_serial = 1,
        .chardevs = { chr }, .nr_chardevs = 1,
        .devices = { "isa-debug-exit,iobase=0xf4,iosize=0x04",
                     "isa-debugcon,iobase=0x402,chardev=log" },
        .nr_devices = 2,
    };
    struct pc *pc = pc_build(&cfg, NULL, err, sizeof err);
    ck_assert_msg(pc != NULL, "%s", err);
    ck_assert_uint_eq(machine_pio_read(pc->m, 0x3fd, 1), 0x60);   /* COM1 */
    ck_assert_uint_eq(machine_pio_read(pc->m, 0x2fd, 1), 0xff);   /* no COM2 */
    machine_pio_write(pc->m, 0x402, 'S', 1);
    machine_pio_write(pc->m, 0xf4, 3, 4);
    ck_assert_int_eq(machine_exit_status(pc->m), 7);
    pc_free(pc);
    char buf[4];
    ck_assert_uint_eq(slurp(path, buf, sizeof buf), 1);
    ck_assert_int_eq(buf[0], 'S');
    unlink(path);

    static const char *const bad[] = {
        "isa-foo", "isa-debug-exit,iosize=3", "isa-debug-exit,iobase=0x10000",
        "isa-debugcon,chardev=missing", "isa-debugcon,iobase=0x402",
        "isa-debug-exit,bogus=1", "isa-serial,index=4", "isa-debug-exit,x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pc_config c2 = { .ram_size = 16 << 20, .bios = "none",
                                .devices = { bad[i] }, .nr_devices = 1 };
        ck_assert_msg(pc_build(&c2, NULL, err, sizeof err) == NULL, "%s",
                      bad[i]);
        ck_assert_msg(strncmp(err, "-device ", 8) == 0, "%s", err);
    }
    /* port clash between -debugcon and a -device */
    struct pc_config c3 = { .ram_size = 16 << 20, .bios = "none",
                            .debugcon = "null",
                            .chardevs = { "null,id=n" }, .nr_chardevs = 1,
                            .devices = { "isa-debugcon,chardev=n" },
                            .nr_devices = 1 };
    ck_assert_ptr_null(pc_build(&c3, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
    struct pc_config c4 = { .ram_size = 16 << 20, .bios = "none",
                            .serial = { "bogus" }, .nr_serial = 1 };
    ck_assert_ptr_null(pc_build(&c4, NULL, err, sizeof err));
    ck_assert_msg(strncmp(err, "-serial bogus", 13) == 0, "%s", err);
}
END_TEST

static Suite *devices_suite(void)
{
    Suite *s = suite_create("devices");
    TCase *t = tcase_create("pic");
    tcase_add_test(t, pic_init_and_ack);
    tcase_add_test(t, pic_mask);
    tcase_add_test(t, pic_intr_hint);
    tcase_add_test(t, pic_priority);
    tcase_add_test(t, pic_slave);
    tcase_add_test(t, pic_spurious);
    tcase_add_test(t, pic_auto_eoi_and_poll);
    suite_add_tcase(s, t);
    t = tcase_create("uart");
    tcase_add_test(t, uart_reset_values);
    tcase_add_test(t, uart_dlab);
    tcase_add_test(t, uart_transmit_and_thre);
    tcase_add_test(t, uart_loopback_and_priority);
    tcase_add_test(t, uart_fifo);
    tcase_add_test(t, uart_line_input);
    suite_add_tcase(s, t);
    t = tcase_create("misc");
    tcase_add_test(t, debug_exit_status);
    tcase_add_test(t, debugcon_to_file);
    suite_add_tcase(s, t);
    t = tcase_create("pc");
    tcase_add_test(t, pc_bios_64k);
    tcase_add_test(t, pc_bios_256k);
    tcase_add_test(t, pc_bios_errors);
    tcase_add_test(t, pc_devices);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(devices_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
