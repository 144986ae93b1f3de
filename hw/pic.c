/* 8259A pair.  See pic.h. */
#include "hw/pic.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"

struct chip {
    uint8_t irr;            /* interrupt request register */
    uint8_t imr;            /* interrupt mask register */
    uint8_t isr;            /* in-service register */
    uint8_t last_irr;       /* line levels, for edge detection */
    uint8_t elcr;           /* 1 = level-triggered */
    uint8_t elcr_mask;      /* which lines may be level-triggered */
    uint8_t priority_add;   /* lowest-priority IR + 1 (rotation) */
    uint8_t irq_base;       /* ICW2: vector of IR0 */
    uint8_t init_state;     /* 0 ready, 1-3: expecting ICW2-ICW4 */
    bool read_isr;          /* OCW3 RR/RIS: reads of port 0 give ISR */
    bool poll;              /* OCW3 P: next read is a poll */
    bool special_mask;
    bool auto_eoi;
    bool rotate_on_auto_eoi;
    bool special_fully_nested;
    bool init4;             /* ICW4 expected */
    bool single_mode;
    bool is_master;
};

struct pic {
    struct machine *m;
    struct chip c[2];       /* [0] master, [1] slave */
    bool intr;              /* INTR output as last computed */
    unsigned unimp_seen;    /* LOG_UNIMP messages already printed */
};

enum {
    UNIMP_LTIM = 1u << 0,
    UNIMP_MCS80 = 1u << 1,
    UNIMP_NO_ICW4 = 1u << 2,
    UNIMP_CASCADE = 1u << 3,
    UNIMP_HIGH_IRQ = 1u << 4,
    UNIMP_SINGLE = 1u << 5,
};

static void unimp_once(struct pic *p, unsigned what, const char *msg)
{
    if (p->unimp_seen & what)
        return;
    p->unimp_seen |= what;
    struct logger *l = machine_logger(p->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "i8259: %s\n", msg);
}

/* Priority (0 highest) of the highest-priority bit of mask, 8 if none. */
static int get_priority(const struct chip *s, uint8_t mask)
{
    if (mask == 0)
        return 8;
    int pr = 0;
    while (!(mask & (1u << ((pr + s->priority_add) & 7))))
        pr++;
    return pr;
}

/* The IR this chip would present now, or -1. */
static int chip_get_irq(const struct chip *s)
{
    int pr = get_priority(s, s->irr & ~s->imr);
    if (pr == 8)
        return -1;
    uint8_t in_service = s->isr;
    if (s->special_mask)
        in_service &= ~s->imr;   /* masked levels don't block lower ones */
    if (s->special_fully_nested && s->is_master)
        in_service &= ~(1u << 2);   /* the slave may nest */
    if (pr < get_priority(s, in_service))
        return (pr + s->priority_add) & 7;
    return -1;
}

static void chip_set_line(struct chip *s, int irq, int level)
{
    uint8_t mask = (uint8_t)(1u << irq);
    if (s->elcr & mask) {
        if (level) {
            s->irr |= mask;
            s->last_irr |= mask;
        } else {
            s->irr &= ~mask;
            s->last_irr &= ~mask;
        }
    } else {
        if (level) {
            if (!(s->last_irr & mask))
                s->irr |= mask;   /* rising edge latches the request */
            s->last_irr |= mask;
        } else {
            s->last_irr &= ~mask;
        }
    }
}

/* Propagate the slave's output to master IR2, then the master's to INTR. */
static void update(struct pic *p)
{
    chip_set_line(&p->c[0], 2, chip_get_irq(&p->c[1]) >= 0);
    bool intr = chip_get_irq(&p->c[0]) >= 0;
    bool rose = intr && !p->intr;
    p->intr = intr;
    machine_set_intr_level(p->m, intr);
    if (rose)
        machine_kick(p->m);
}

static void chip_intack(struct chip *s, int irq)
{
    if (s->auto_eoi) {
        if (s->rotate_on_auto_eoi)
            s->priority_add = (uint8_t)((irq + 1) & 7);
    } else {
        s->isr |= (uint8_t)(1u << irq);
    }
    /* an edge request is consumed; a level one stays while the line is up */
    if (!(s->elcr & (1u << irq)))
        s->irr &= ~(1u << irq);
}

/* ICW1 resets the chip's state except ELCR. */
static void chip_init_reset(struct chip *s)
{
    s->last_irr = 0;
    s->irr &= s->elcr;
    s->imr = 0;
    s->isr = 0;
    s->priority_add = 0;
    s->irq_base = 0;
    s->read_isr = false;
    s->poll = false;
    s->special_mask = false;
    s->init_state = 0;
    s->auto_eoi = false;
    s->rotate_on_auto_eoi = false;
    s->special_fully_nested = false;
    s->init4 = false;
    s->single_mode = false;
}

void pic_set_irq(struct pic *p, int irq, int level)
{
    if (irq < 0 || irq >= 16) {
        unimp_once(p, UNIMP_HIGH_IRQ, "IRQ lines above 15 need an IOAPIC "
                   "(not emulated); ignored");
        return;
    }
    chip_set_line(&p->c[irq >> 3], irq & 7, level);
    update(p);
}

int pic_pending(struct pic *p)
{
    return chip_get_irq(&p->c[0]) >= 0;
}

int pic_ack(struct pic *p)
{
    struct chip *ms = &p->c[0], *sl = &p->c[1];
    int vec;
    int irq = chip_get_irq(ms);
    if (irq >= 0) {
        if (irq == 2) {
            int irq2 = chip_get_irq(sl);
            if (irq2 >= 0) {
                chip_intack(sl, irq2);
            } else {
                irq2 = 7;   /* request vanished: spurious IRQ15 */
            }
            vec = sl->irq_base + irq2;
        } else {
            vec = ms->irq_base + irq;
        }
        chip_intack(ms, irq);
    } else {
        vec = ms->irq_base + 7;   /* spurious IRQ7: ISR untouched */
    }
    update(p);
    struct logger *l = machine_logger(p->m);
    if (log_enabled(l, LOG_INT))
        log_printf(l, "i8259: INTA vector 0x%02x\n", vec);
    return vec;
}

static uint8_t poll_read(struct pic *p, struct chip *s)
{
    int irq = chip_get_irq(s);
    if (irq < 0)
        return 0;
    chip_intack(s, irq);
    update(p);
    return (uint8_t)(0x80 | irq);
}

static void write_cmd(struct pic *p, struct chip *s, uint8_t val)
{
    if (val & 0x10) {                   /* ICW1 */
        chip_init_reset(s);
        update(p);
        s->init_state = 1;
        s->init4 = val & 0x01;
        s->single_mode = val & 0x02;
        if (val & 0x08)
            unimp_once(p, UNIMP_LTIM, "ICW1 LTIM (level-triggered mode for "
                       "all lines) not emulated; use the ELCR");
        if (!s->init4)
            unimp_once(p, UNIMP_NO_ICW4, "ICW1 without ICW4 (MCS-80/85 "
                       "mode) not emulated; running as 8086 mode");
        if (s->single_mode)
            unimp_once(p, UNIMP_SINGLE, "ICW1 single mode not emulated; "
                       "the cascade stays wired");
    } else if (val & 0x08) {            /* OCW3 */
        if (val & 0x04)
            s->poll = true;
        if (val & 0x02)
            s->read_isr = val & 0x01;
        if (val & 0x40)
            s->special_mask = (val >> 5) & 1;
    } else {                            /* OCW2 */
        int cmd = val >> 5;
        int irq, pr;
        switch (cmd) {
        case 0:   /* rotate in auto-EOI mode: clear */
        case 4:   /* rotate in auto-EOI mode: set */
            s->rotate_on_auto_eoi = cmd >> 2;
            break;
        case 1:   /* non-specific EOI */
        case 5:   /* rotate on non-specific EOI */
            pr = get_priority(s, s->isr);
            if (pr != 8) {
                irq = (pr + s->priority_add) & 7;
                s->isr &= ~(1u << irq);
                if (cmd == 5)
                    s->priority_add = (uint8_t)((irq + 1) & 7);
                update(p);
            }
            break;
        case 3:   /* specific EOI */
            s->isr &= ~(1u << (val & 7));
            update(p);
            break;
        case 6:   /* set priority: IR val&7 becomes the lowest */
            s->priority_add = (uint8_t)((val + 1) & 7);
            update(p);
            break;
        case 7:   /* rotate on specific EOI */
            irq = val & 7;
            s->isr &= ~(1u << irq);
            s->priority_add = (uint8_t)((irq + 1) & 7);
            update(p);
            break;
        default:  /* 2: no operation */
            break;
        }
    }
}

static void write_data(struct pic *p, struct chip *s, uint8_t val)
{
    switch (s->init_state) {
    case 0:                             /* OCW1 */
        s->imr = val;
        update(p);
        break;
    case 1:                             /* ICW2 */
        s->irq_base = val & 0xf8;
        s->init_state = s->single_mode ? (s->init4 ? 3 : 0) : 2;
        break;
    case 2:                             /* ICW3 */
        if ((s->is_master && val != 0x04) || (!s->is_master && val != 2))
            unimp_once(p, UNIMP_CASCADE, "ICW3 other than the PC's cascade "
                       "on IR2 not emulated; the cascade stays on IR2");
        s->init_state = s->init4 ? 3 : 0;
        break;
    case 3:                             /* ICW4 */
        if (!(val & 0x01))
            unimp_once(p, UNIMP_MCS80, "ICW4 MCS-80/85 mode not emulated; "
                       "running as 8086 mode");
        s->special_fully_nested = (val >> 4) & 1;
        s->auto_eoi = (val >> 1) & 1;
        s->init_state = 0;
        break;
    }
}

static uint8_t read_port(struct pic *p, struct chip *s, int a0)
{
    if (s->poll) {
        s->poll = false;
        return poll_read(p, s);
    }
    if (a0 == 0)
        return s->read_isr ? s->isr : s->irr;
    return s->imr;
}

/* Wider accesses are split into bytes at consecutive ports (as QEMU does);
 * bytes that fall outside the claimed ports read as 0xff. */
static uint32_t pic_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct pic *p = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned pt = port + i;
        uint8_t b = 0xff;
        if (pt == 0x20 || pt == 0x21)
            b = read_port(p, &p->c[0], pt & 1);
        else if (pt == 0xa0 || pt == 0xa1)
            b = read_port(p, &p->c[1], pt & 1);
        else if (pt == 0x4d0 || pt == 0x4d1)
            b = p->c[pt & 1].elcr;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void pic_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct pic *p = opaque;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned pt = port + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        struct chip *s = NULL;
        if (pt == 0x20 || pt == 0x21)
            s = &p->c[0];
        else if (pt == 0xa0 || pt == 0xa1)
            s = &p->c[1];
        else if (pt == 0x4d0 || pt == 0x4d1) {
            struct chip *e = &p->c[pt & 1];
            e->elcr = b & e->elcr_mask;
            continue;
        } else {
            continue;
        }
        if (pt & 1)
            write_data(p, s, b);
        else
            write_cmd(p, s, b);
    }
    update(p);   /* e.g. OCW3's special mask mode changes the output too */
}

void pic_reset(struct pic *p)
{
    for (int i = 0; i < 2; i++) {
        p->c[i].elcr = 0;
        chip_init_reset(&p->c[i]);
    }
    p->intr = false;
    update(p);
}

static void pic_reset_cb(void *opaque)
{
    pic_reset(opaque);
}

static void intc_set_irq(void *opaque, int irq, int level)
{
    pic_set_irq(opaque, irq, level);
}

static bool intc_pending(void *opaque)
{
    return pic_pending(opaque);
}

static int intc_ack(void *opaque)
{
    return pic_ack(opaque);
}

static const struct intc_ops pic_intc_ops = {
    .set_irq = intc_set_irq,
    .pending = intc_pending,
    .ack = intc_ack,
};

struct pic *pic_new(struct machine *m, char *err, size_t errlen)
{
    struct pic *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->m = m;
    p->c[0].is_master = true;
    p->c[0].elcr_mask = 0xf8;   /* IRQ0-2 are always edge on a PC */
    p->c[1].elcr_mask = 0xde;   /* and IRQ8, IRQ13 */
    if (machine_add_pio(m, 0x20, 2, pic_pio_read, pic_pio_write, p,
                        "pic-master") != 0 ||
        machine_add_pio(m, 0xa0, 2, pic_pio_read, pic_pio_write, p,
                        "pic-slave") != 0 ||
        machine_add_pio(m, 0x4d0, 2, pic_pio_read, pic_pio_write, p,
                        "elcr") != 0) {
        snprintf(err, errlen, "i8259: ports already in use");
        free(p);
        return NULL;
    }
    pic_reset(p);
    machine_add_reset_handler(m, pic_reset_cb, p);
    machine_set_intc(m, &pic_intc_ops, p);
    machine_intc_signals_level(m, p->intr);
    return p;
}

void pic_free(struct pic *p)
{
    free(p);
}
