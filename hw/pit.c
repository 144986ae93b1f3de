/* 8254 PIT.  See pit.h.
 *
 * Each channel's counting element is described by the tick `base` at which
 * its current cycle began (d = ticks since then), the cycle's initial count
 * and the mode; the counter value and OUT are functions of d.  GATE low in
 * modes 0/2/3/4 freezes d.  Rising OUT edges are counted (edges_base holds
 * those of finished cycles) so that channel 0 can tell the interrupt
 * controller about every edge it has not seen yet, however late the timer
 * callback runs, and so that port 0x61 can show channel 1's refresh toggle. */
#include "hw/pit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

#define NS_PER_SEC 1000000000LL
#define PIT_CHANNELS 3

/* RW field of the control word; also the state of a latched count. */
enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

struct pit_channel {
    uint8_t mode;           /* effective mode 0-5 */
    uint8_t mode_bits;      /* D3-D1 as written (6, 7 alias 2, 3) */
    uint8_t rw;             /* RW_LSB, RW_MSB or RW_WORD */
    bool bcd;
    bool gate;

    /* count register */
    uint32_t cr;            /* initial count in binary, 1..65536 */
    bool cr_valid;          /* a count was written since the control word */
    uint8_t write_lsb;
    bool write_msb_next;

    /* output latches */
    bool read_msb_next;     /* read flip-flop for unlatched RW_WORD reads */
    uint8_t latch_state;    /* 0, or which latched byte(s) remain */
    uint16_t latch;
    bool status_latched;
    uint8_t status;

    /* counting element */
    bool loaded;            /* holds a count (modes 1/5: was triggered) */
    bool running;           /* d advances with the clock */
    uint32_t count;         /* initial count of this cycle, 1..65536 */
    int64_t base;           /* tick at which d was 0, while running */
    int64_t frozen_d;       /* d while not running */
    bool pending;           /* modes 2/3: cr waits for the cycle's end */
    int64_t pending_at;     /* tick of that end */
    int64_t null_until;     /* status NULL COUNT reads 1 before this tick */
    uint64_t edges_base;    /* rising OUT edges of finished cycles */

    /* channel 0's interrupt line */
    uint64_t irq_edges;     /* edges already reported */
    bool irq_level;         /* level last reported */
};

struct pit {
    struct machine *m;
    int irq;
    struct timer *timer;
    struct pit_channel ch[PIT_CHANNELS];
};

/* ---- time ---- */

static int64_t ns_to_tick(int64_t ns)
{
    if (ns <= 0)
        return 0;
    return (int64_t)((unsigned __int128)ns * PIT_HZ / NS_PER_SEC);
}

/* The first nanosecond at which tick t has begun. */
static int64_t tick_to_ns(int64_t t)
{
    if (t <= 0)
        return 0;
    unsigned __int128 ns = ((unsigned __int128)t * NS_PER_SEC + PIT_HZ - 1) /
                           PIT_HZ;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

static int64_t now_tick(struct pit *p)
{
    return ns_to_tick(machine_clock_ns(p->m));
}

/* ---- the counting element as a function of d ---- */

static int64_t ch_d(const struct pit_channel *c, int64_t t)
{
    if (!c->running)
        return c->frozen_d;
    return t > c->base ? t - c->base : 0;
}

/* Rising OUT edges of the current cycle at d, d itself included. */
static uint64_t cycle_edges(const struct pit_channel *c, int64_t d)
{
    if (!c->loaded)
        return 0;
    switch (c->mode) {
    case 0:
    case 1:
        return d >= (int64_t)c->count;
    case 2:
    case 3:   /* OUT rises as the count reloads */
        return c->count >= 2 ? (uint64_t)(d / c->count) : 0;
    default:  /* 4, 5: one CLK low strobe at the terminal count */
        return d >= (int64_t)c->count + 1;
    }
}

static bool cycle_out(const struct pit_channel *c, int64_t d)
{
    if (!c->loaded)
        return c->mode != 0;   /* the level a control word sets */
    switch (c->mode) {
    case 0:
    case 1:
        return d >= (int64_t)c->count;
    case 2:   /* low while the counter reads 1 */
        if (!c->running || c->count < 2)
            return true;
        return d % c->count != c->count - 1;
    case 3:   /* high for ceil(N/2), low for floor(N/2) */
        if (!c->running || c->count < 2)
            return true;
        return d % c->count < (c->count + 1) / 2;
    default:
        return d != (int64_t)c->count;
    }
}

/* The tick of the next rising OUT edge after t, INT64_MAX if none comes. */
static int64_t next_edge(const struct pit_channel *c, int64_t t)
{
    if (!c->loaded || !c->running)
        return INT64_MAX;
    int64_t d = ch_d(c, t);
    switch (c->mode) {
    case 0:
    case 1:
        return d < (int64_t)c->count ? c->base + c->count : INT64_MAX;
    case 2:
    case 3:
        if (c->count < 2)
            return INT64_MAX;
        return c->base + (d / c->count + 1) * (int64_t)c->count;
    default:
        return d <= (int64_t)c->count ? c->base + c->count + 1 : INT64_MAX;
    }
}

static uint32_t modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint32_t to_bcd(uint32_t v)
{
    return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
           (v % 10);
}

/* Invalid BCD digits are taken at face value, modulo 10000. */
static uint32_t decode_count(const struct pit_channel *c, uint32_t raw)
{
    if (c->bcd) {
        uint32_t v = ((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 +
                     ((raw >> 4) & 15) * 10 + (raw & 15);
        v %= 10000;
        return v ? v : 10000;
    }
    return raw ? raw : 65536;
}

/* The counter as the guest reads it (BCD when counting in BCD). */
static uint32_t ch_value(const struct pit_channel *c, int64_t t)
{
    uint32_t mod = modulus(c);
    uint64_t v;
    if (!c->loaded) {
        v = c->count;   /* undefined on the chip: the last count */
    } else {
        int64_t d = ch_d(c, t);
        switch (c->mode) {
        case 2:
            v = c->count - (uint64_t)(d % c->count);
            break;
        case 3:   /* decrements by two, twice per period */
            v = (c->count - (uint64_t)((2 * d) % c->count)) & ~1ull;
            break;
        default:  /* wraps past zero and keeps counting */
            v = ((uint64_t)c->count + mod - (uint64_t)(d % mod)) % mod;
            break;
        }
    }
    v %= mod;
    return c->bcd ? to_bcd((uint32_t)v) : (uint32_t)v;
}

/* Modes 2/3: a count written mid-cycle takes over at the cycle's end. */
static void ch_advance(struct pit_channel *c, int64_t t)
{
    if (c->pending && c->running && t >= c->pending_at) {
        c->edges_base += cycle_edges(c, c->pending_at - c->base);
        c->base = c->pending_at;
        c->count = c->cr;
        c->pending = false;
    }
}

/* End the current cycle at t (its edges so far are kept). */
static void ch_stop(struct pit_channel *c, int64_t t)
{
    c->edges_base += cycle_edges(c, ch_d(c, t));
    c->loaded = false;
    c->running = false;
    c->pending = false;
    c->frozen_d = 0;
}

static void ch_start(struct pit_channel *c, int64_t t, uint32_t count,
                     bool running)
{
    ch_stop(c, t);
    c->loaded = true;
    c->count = count;
    c->base = t;
    c->running = running;
}

/* ---- channel 0 and IRQ0 ---- */

static void set_line(struct pit *p, bool level)
{
    if (p->irq >= 0)
        machine_set_irq(p->m, p->irq, level);
    p->ch[0].irq_level = level;
}

/* Tell the interrupt controller what OUT did up to t: one pulse for any
 * number of rising edges it has not seen (an edge-triggered input latches
 * one request anyway), then the current level. */
static void irq_sync(struct pit *p, int64_t t)
{
    struct pit_channel *c = &p->ch[0];
    ch_advance(c, t);
    int64_t d = ch_d(c, t);
    uint64_t edges = c->edges_base + cycle_edges(c, d);
    bool out = cycle_out(c, d);
    if (edges > c->irq_edges) {
        if (c->irq_level)
            set_line(p, false);
        set_line(p, true);
        c->irq_edges = edges;
    }
    if (out != c->irq_level)
        set_line(p, out);
}

static void irq_arm(struct pit *p, int64_t t)
{
    struct pit_channel *c = &p->ch[0];
    int64_t next = next_edge(c, t);
    if (next == INT64_MAX || p->irq < 0) {
        timer_del(p->timer);
        return;
    }
    int64_t when = tick_to_ns(next);
    if (c->mode == 2 || c->mode == 3) {
        /* bound the callback rate of a tiny periodic divisor */
        int64_t min = machine_clock_ns(p->m) + PIT_MIN_IRQ_PERIOD_NS;
        if (when < min)
            when = min;
    }
    timer_mod(p->timer, when);
}

static void irq_update(struct pit *p, int n, int64_t t)
{
    if (n != 0)
        return;
    irq_sync(p, t);
    irq_arm(p, t);
}

static void pit_timer_cb(void *opaque)
{
    struct pit *p = opaque;
    irq_update(p, 0, now_tick(p));
}

/* ---- register interface ---- */

static void latch_count(struct pit_channel *c, int64_t t)
{
    if (c->latch_state)
        return;   /* a latched count is held until it is read */
    c->latch = (uint16_t)ch_value(c, t);
    c->latch_state = c->rw;
}

static uint8_t ch_status(const struct pit_channel *c, int64_t t)
{
    return (uint8_t)(cycle_out(c, ch_d(c, t)) << 7 |
                     (t < c->null_until) << 6 | c->rw << 4 |
                     c->mode_bits << 1 | c->bcd);
}

static void read_back(struct pit *p, uint8_t val, int64_t t)
{
    for (int n = 0; n < PIT_CHANNELS; n++) {
        if (!(val & (2 << n)))
            continue;
        struct pit_channel *c = &p->ch[n];
        ch_advance(c, t);
        if (!(val & 0x20))
            latch_count(c, t);
        if (!(val & 0x10) && !c->status_latched) {
            c->status = ch_status(c, t);
            c->status_latched = true;
        }
    }
}

static void write_control(struct pit *p, uint8_t val, int64_t t)
{
    int n = val >> 6;
    if (n == 3) {
        read_back(p, val, t);
        return;
    }
    struct pit_channel *c = &p->ch[n];
    ch_advance(c, t);
    unsigned rw = (val >> 4) & 3;
    if (rw == RW_LATCH) {
        latch_count(c, t);
        return;
    }
    if (n == 0)
        irq_sync(p, t);
    /* the control logic is reset: no count until one is written */
    ch_stop(c, t);
    c->mode_bits = (val >> 1) & 7;
    c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits;
    c->rw = (uint8_t)rw;
    c->bcd = val & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->latch_state = 0;
    c->status_latched = false;
    c->cr_valid = false;
    c->null_until = INT64_MAX;
    irq_update(p, n, t);
}

/* A complete initial count was written. */
static void write_count(struct pit_channel *c, uint32_t raw, int64_t t)
{
    c->cr = decode_count(c, raw);
    c->cr_valid = true;
    switch (c->mode) {
    case 0:
    case 4:   /* (re)start now; GATE low holds the count */
        ch_start(c, t, c->cr, c->gate);
        c->null_until = t + 1;
        break;
    case 1:
    case 5:   /* loaded by the next GATE trigger */
        c->null_until = INT64_MAX;
        break;
    case 2:
    case 3:
        if (c->loaded && c->running) {
            c->pending = true;
            c->pending_at = c->base +
                            (ch_d(c, t) / c->count + 1) * (int64_t)c->count;
            c->null_until = c->pending_at;
        } else if (c->loaded) {
            c->null_until = INT64_MAX;   /* GATE low: loaded on its rise */
        } else {
            ch_start(c, t, c->cr, c->gate);   /* loaded even if GATE is low */
            c->null_until = t + 1;
        }
        break;
    }
}

static uint8_t read_counter(struct pit *p, int n, int64_t t)
{
    struct pit_channel *c = &p->ch[n];
    ch_advance(c, t);
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    switch (c->latch_state) {
    case RW_LSB:
        c->latch_state = 0;
        return (uint8_t)c->latch;
    case RW_MSB:
        c->latch_state = 0;
        return (uint8_t)(c->latch >> 8);
    case RW_WORD:
        c->latch_state = RW_MSB;
        return (uint8_t)c->latch;
    }
    uint32_t v = ch_value(c, t);
    switch (c->rw) {
    case RW_LSB:
        return (uint8_t)v;
    case RW_MSB:
        return (uint8_t)(v >> 8);
    default: {
        uint8_t b = c->read_msb_next ? (uint8_t)(v >> 8) : (uint8_t)v;
        c->read_msb_next = !c->read_msb_next;
        return b;
    }
    }
}

static void write_counter(struct pit *p, int n, uint8_t val, int64_t t)
{
    struct pit_channel *c = &p->ch[n];
    ch_advance(c, t);
    if (n == 0)
        irq_sync(p, t);
    switch (c->rw) {
    case RW_LSB:
        write_count(c, val, t);
        break;
    case RW_MSB:
        write_count(c, (uint32_t)val << 8, t);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0)
                ch_stop(c, t);   /* the first byte stops the count */
        } else {
            c->write_msb_next = false;
            write_count(c, c->write_lsb | (uint32_t)val << 8, t);
        }
        break;
    }
    irq_update(p, n, t);
}

/* Wider accesses are split into bytes at consecutive ports. */
static uint32_t pit_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct pit *p = opaque;
    int64_t t = now_tick(p);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned reg = (unsigned)(port + i) - PIT_BASE;
        uint8_t b = 0xff;
        if (reg < 3)
            b = read_counter(p, (int)reg, t);
        else if (reg == 3)
            b = 0;   /* the control word is write-only; QEMU reads 0 */
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void pit_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct pit *p = opaque;
    int64_t t = now_tick(p);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned reg = (unsigned)(port + i) - PIT_BASE;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (reg < 3)
            write_counter(p, (int)reg, b, t);
        else if (reg == 3)
            write_control(p, b, t);
    }
}

/* ---- public ---- */

void pit_set_gate(struct pit *p, int n, bool level)
{
    if (n < 0 || n >= PIT_CHANNELS)
        return;
    struct pit_channel *c = &p->ch[n];
    int64_t t = now_tick(p);
    ch_advance(c, t);
    if (n == 0)
        irq_sync(p, t);
    bool rising = level && !c->gate;
    bool falling = !level && c->gate;
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4:   /* GATE enables counting */
        if (!c->loaded)
            break;
        if (falling && c->running) {
            c->frozen_d = ch_d(c, t);
            c->running = false;
        } else if (rising && !c->running) {
            c->base = t - c->frozen_d;
            c->running = true;
        }
        break;
    case 1:
    case 5:   /* a rising GATE (re)triggers */
        if (rising && c->cr_valid) {
            ch_start(c, t, c->cr, true);
            c->null_until = t + 1;
        }
        break;
    case 2:
    case 3:   /* GATE low stops counting and holds OUT high; rising reloads */
        if (falling && c->loaded && c->running) {
            c->frozen_d = ch_d(c, t);
            c->running = false;
        } else if (rising && c->cr_valid) {
            ch_start(c, t, c->cr, true);
            c->null_until = t + 1;
        }
        break;
    }
    irq_update(p, n, t);
}

bool pit_get_gate(struct pit *p, int n)
{
    return n >= 0 && n < PIT_CHANNELS && p->ch[n].gate;
}

bool pit_get_out(struct pit *p, int n)
{
    if (n < 0 || n >= PIT_CHANNELS)
        return false;
    struct pit_channel *c = &p->ch[n];
    int64_t t = now_tick(p);
    ch_advance(c, t);
    return cycle_out(c, ch_d(c, t));
}

uint64_t pit_out_edges(struct pit *p, int n)
{
    if (n < 0 || n >= PIT_CHANNELS)
        return 0;
    struct pit_channel *c = &p->ch[n];
    int64_t t = now_tick(p);
    ch_advance(c, t);
    return c->edges_base + cycle_edges(c, ch_d(c, t));
}

uint32_t pit_get_count(struct pit *p, int n)
{
    if (n < 0 || n >= PIT_CHANNELS)
        return 0;
    struct pit_channel *c = &p->ch[n];
    ch_advance(c, now_tick(p));
    return c->count;
}

int pit_get_mode(struct pit *p, int n)
{
    return n >= 0 && n < PIT_CHANNELS ? p->ch[n].mode : 0;
}

void pit_reset(struct pit *p)
{
    int64_t t = now_tick(p);
    for (int n = 0; n < PIT_CHANNELS; n++) {
        struct pit_channel *c = &p->ch[n];
        memset(c, 0, sizeof *c);
        c->rw = RW_WORD;
        c->gate = n != 2;
        /* channel 1: the refresh rate (15.08 us) a PC BIOS programs */
        c->mode = c->mode_bits = n == 1 ? 2 : 3;
        c->cr = n == 1 ? 18 : 65536;
        c->cr_valid = true;
        ch_start(c, t, c->cr, c->gate);
        c->edges_base = 0;
    }
    /* No edge at reset: the line just starts at OUT's level. */
    p->ch[0].irq_level = cycle_out(&p->ch[0], 0);
    irq_arm(p, t);
}

static void pit_reset_cb(void *opaque)
{
    pit_reset(opaque);
}

struct pit *pit_new(struct machine *m, int irq, char *err, size_t errlen)
{
    if (irq >= MACHINE_NR_IRQS) {
        snprintf(err, errlen, "i8254: bad IRQ %d", irq);
        return NULL;
    }
    struct pit *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->m = m;
    p->irq = irq < 0 ? -1 : irq;
    p->timer = timer_new(m, pit_timer_cb, p);
    if (!p->timer) {
        snprintf(err, errlen, "out of memory");
        free(p);
        return NULL;
    }
    if (machine_add_pio(m, PIT_BASE, 4, pit_pio_read, pit_pio_write, p,
                        "i8254") != 0) {
        snprintf(err, errlen, "i8254: ports 0x40-0x43 already in use");
        timer_free(p->timer);
        free(p);
        return NULL;
    }
    pit_reset(p);
    machine_add_reset_handler(m, pit_reset_cb, p);
    return p;
}

void pit_free(struct pit *p)
{
    if (!p)
        return;
    timer_free(p->timer);
    free(p);
}
