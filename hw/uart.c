/* 16550A UART.  See uart.h.  Register behaviour follows QEMU's
 * hw/char/serial.c (documented 16550A behaviour plus the quirks guests rely
 * on), so a guest compares equal here and there. */
#include "hw/uart.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/chardev.h"
#include "hw/machine.h"

/* registers (offset from base) */
enum { REG_RBR_THR, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR,
       REG_SCR };

#define LCR_DLAB 0x80

#define IER_RDI  0x01   /* received data available */
#define IER_THRI 0x02   /* transmitter holding register empty */
#define IER_RLSI 0x04   /* receiver line status */
#define IER_MSI  0x08   /* modem status */

#define IIR_NO_INT 0x01
#define IIR_ID     0x06
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c   /* character timeout */
#define IIR_FE     0xc0   /* FIFOs enabled */

#define FCR_FE  0x01
#define FCR_RFR 0x02      /* receive FIFO reset */
#define FCR_XFR 0x04      /* transmit FIFO reset */

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_INT_ANY 0x1e  /* bits that raise the line status interrupt */

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI  0x40
#define MSR_DCD 0x80
#define MSR_ANY_DELTA 0x0f

#define FIFO_LEN 16
#define BAUD_BASE 115200
#define NS_PER_SEC 1000000000LL

struct fifo {
    uint8_t data[FIFO_LEN];
    unsigned head, num;
};

struct uart {
    struct machine *m;
    struct chardev *chr;
    struct timer *timeout_timer;
    int irq;
    uint16_t base;

    uint16_t divider;
    uint8_t rbr, thr, tsr;
    uint8_t ier, iir, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;        /* THRE interrupt armed (cleared by IIR read) */
    bool timeout_ipending;
    unsigned recv_itl;        /* receive FIFO trigger level */
    int64_t char_ns;          /* time of one character at the set rate */
    struct fifo rx, tx;
};

static void fifo_reset(struct fifo *f)
{
    f->head = f->num = 0;
}

static bool fifo_push(struct fifo *f, uint8_t b)
{
    if (f->num == FIFO_LEN)
        return false;
    f->data[(f->head + f->num) % FIFO_LEN] = b;
    f->num++;
    return true;
}

static uint8_t fifo_pop(struct fifo *f)
{
    if (f->num == 0)
        return 0;
    uint8_t b = f->data[f->head];
    f->head = (f->head + 1) % FIFO_LEN;
    f->num--;
    return b;
}

/* Interrupt priority: line status > RX data / timeout > THRE > modem. */
static void update_irq(struct uart *u)
{
    uint8_t id = IIR_NO_INT;

    if ((u->ier & IER_RLSI) && (u->lsr & LSR_INT_ANY))
        id = IIR_RLSI;
    else if ((u->ier & IER_RDI) && u->timeout_ipending)
        id = IIR_CTI;   /* IER.RDI masks it too, as on real parts */
    else if ((u->ier & IER_RDI) && (u->lsr & LSR_DR) &&
             (!(u->fcr & FCR_FE) || u->rx.num >= u->recv_itl))
        id = IIR_RDI;
    else if ((u->ier & IER_THRI) && u->thr_ipending)
        id = IIR_THRI;
    else if ((u->ier & IER_MSI) && (u->msr & MSR_ANY_DELTA))
        id = IIR_MSI;

    u->iir = id | (u->iir & 0xf0);
    machine_set_irq(u->m, u->irq, id != IIR_NO_INT);
}

static void update_params(struct uart *u)
{
    if (u->divider == 0)
        return;
    int frame = 1 + (u->lcr & 3) + 5 + ((u->lcr & 0x04) ? 2 : 1) +
                ((u->lcr & 0x08) ? 1 : 0);
    int64_t speed = BAUD_BASE / u->divider;
    u->char_ns = (NS_PER_SEC / speed) * frame;
}

/* Receive FIFO has data that has sat for four character times. */
static void timeout_fired(void *opaque)
{
    struct uart *u = opaque;
    if (u->rx.num) {
        u->timeout_ipending = true;
        update_irq(u);
    }
}

static void arm_timeout(struct uart *u)
{
    timer_mod(u->timeout_timer, machine_clock_ns(u->m) + u->char_ns * 4);
}

static void receive_byte(struct uart *u, uint8_t b)
{
    if (u->fcr & FCR_FE) {
        if (!fifo_push(&u->rx, b))
            u->lsr |= LSR_OE;   /* overruns do not overwrite the FIFO */
        u->lsr |= LSR_DR;
        arm_timeout(u);
    } else {
        if (u->lsr & LSR_DR)
            u->lsr |= LSR_OE;
        u->rbr = b;
        u->lsr |= LSR_DR;
    }
}

void uart_receive(struct uart *u, const uint8_t *buf, int len)
{
    for (int i = 0; i < len; i++)
        receive_byte(u, buf[i]);
    update_irq(u);
}

/* Send what is in THR / the transmit FIFO: immediately, no pacing. */
static void transmit(struct uart *u)
{
    for (;;) {
        if (u->fcr & FCR_FE) {
            if (u->tx.num == 0)
                break;
            u->tsr = fifo_pop(&u->tx);
            if (u->tx.num == 0)
                u->lsr |= LSR_THRE;
        } else {
            if (u->lsr & LSR_THRE)
                break;
            u->tsr = u->thr;
            u->lsr |= LSR_THRE;
        }
        if (u->mcr & MCR_LOOP) {
            receive_byte(u, u->tsr);   /* looped back to our receiver */
            update_irq(u);
        } else {
            chardev_write(u->chr, &u->tsr, 1);
        }
    }
    if (u->lsr & LSR_THRE) {
        u->lsr |= LSR_TEMT;
        u->thr_ipending = true;
        update_irq(u);
    }
}

static void write_fcr(struct uart *u, uint8_t val)
{
    /* Toggling the enable flushes both FIFOs. */
    if ((val ^ u->fcr) & FCR_FE)
        val |= FCR_XFR | FCR_RFR;
    if (val & FCR_RFR) {
        u->lsr &= ~(LSR_DR | LSR_BI);
        timer_del(u->timeout_timer);
        u->timeout_ipending = false;
        fifo_reset(&u->rx);
    }
    if (val & FCR_XFR) {
        u->lsr |= LSR_THRE;
        u->thr_ipending = true;
        fifo_reset(&u->tx);
    }
    u->fcr = val & 0xc9;   /* the bits that stick: FE, DMA mode, trigger */
    if (u->fcr & FCR_FE) {
        static const unsigned itl[4] = { 1, 4, 8, 14 };
        u->iir |= IIR_FE;
        u->recv_itl = itl[u->fcr >> 6];
    } else {
        u->iir &= ~IIR_FE;
    }
    update_irq(u);
}

static void write_reg(struct uart *u, unsigned reg, uint8_t val)
{
    switch (reg) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB) {
            u->divider = (u->divider & 0xff00) | val;
            update_params(u);
            break;
        }
        u->thr = val;
        if (u->fcr & FCR_FE) {
            if (u->tx.num == FIFO_LEN)
                fifo_pop(&u->tx);   /* transmit overrun drops the oldest */
            fifo_push(&u->tx, val);
        }
        u->thr_ipending = false;
        u->lsr &= ~(LSR_THRE | LSR_TEMT);
        update_irq(u);
        transmit(u);
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->divider = (uint16_t)((u->divider & 0x00ff) | (val << 8));
            update_params(u);
            break;
        }
        {
            uint8_t changed = (u->ier ^ val) & 0x0f;
            u->ier = val & 0x0f;
            /* Enabling THRI while THR is empty raises the interrupt at once,
             * even if an IIR read had cleared it (Windows relies on this;
             * QEMU and Bochs resample on the rising edge only). */
            if (changed & IER_THRI)
                u->thr_ipending = (u->ier & IER_THRI) && (u->lsr & LSR_THRE);
            if (changed)
                update_irq(u);
        }
        break;
    case REG_IIR_FCR:
        write_fcr(u, val);
        break;
    case REG_LCR:
        u->lcr = val;
        update_params(u);
        break;
    case REG_MCR:
        u->mcr = val & 0x1f;
        if (!(u->mcr & MCR_LOOP))
            chardev_accept_input(u->chr);   /* the line is connected again */
        break;
    case REG_LSR:
    case REG_MSR:
        break;   /* read-only on a 16550A (factory test use only) */
    case REG_SCR:
        u->scr = val;
        break;
    }
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
    uint8_t ret = 0;
    switch (reg) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB)
            return (uint8_t)u->divider;
        if (u->fcr & FCR_FE) {
            ret = fifo_pop(&u->rx);
            if (u->rx.num == 0)
                u->lsr &= ~(LSR_DR | LSR_BI);
            else
                arm_timeout(u);
            u->timeout_ipending = false;
        } else {
            ret = u->rbr;
            u->lsr &= ~(LSR_DR | LSR_BI);
        }
        update_irq(u);
        if (!(u->mcr & MCR_LOOP))
            chardev_accept_input(u->chr);
        return ret;
    case REG_IER:
        if (u->lcr & LCR_DLAB)
            return (uint8_t)(u->divider >> 8);
        return u->ier;
    case REG_IIR_FCR:
        ret = u->iir;
        /* reading IIR acknowledges a THRE interrupt */
        if ((ret & IIR_ID) == IIR_THRI) {
            u->thr_ipending = false;
            update_irq(u);
        }
        return ret;
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        ret = u->lsr;
        if (u->lsr & (LSR_BI | LSR_OE)) {   /* cleared by the read */
            u->lsr &= ~(LSR_BI | LSR_OE);
            update_irq(u);
        }
        return ret;
    case REG_MSR:
        if (u->mcr & MCR_LOOP) {
            /* outputs wired to inputs: DTR->DSR, RTS->CTS, OUT1->RI,
             * OUT2->DCD */
            ret = (uint8_t)((u->mcr & (MCR_OUT1 | MCR_OUT2)) << 4);
            ret |= (uint8_t)((u->mcr & MCR_RTS) << 3);
            ret |= (uint8_t)((u->mcr & MCR_DTR) << 5);
            return ret;
        }
        ret = u->msr;
        if (u->msr & MSR_ANY_DELTA) {
            u->msr &= 0xf0;
            update_irq(u);
        }
        return ret;
    case REG_SCR:
        return u->scr;
    }
    return 0;
}

/* Wider accesses are split into byte accesses at consecutive registers, as
 * QEMU's byte-wide implementation does. */
static uint32_t uart_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct uart *u = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)read_reg(u, (unsigned)(port - u->base + i) & 7)
             << (8 * i);
    return v;
}

static void uart_pio_write(void *opaque, uint16_t port, uint32_t val,
                           unsigned size)
{
    struct uart *u = opaque;
    for (unsigned i = 0; i < size && i < 4; i++)
        write_reg(u, (unsigned)(port - u->base + i) & 7,
                  (uint8_t)(val >> (8 * i)));
}

static int uart_can_receive(void *opaque)
{
    struct uart *u = opaque;
    if (u->mcr & MCR_LOOP)
        return 0;   /* the receiver listens to our own transmitter */
    if (u->fcr & FCR_FE) {
        if (u->rx.num >= FIFO_LEN)
            return 0;
        /* up to the trigger level, so the guest sees it as hardware would */
        return u->rx.num < u->recv_itl ? (int)(u->recv_itl - u->rx.num) : 1;
    }
    return !(u->lsr & LSR_DR);
}

static void uart_chr_receive(void *opaque, const uint8_t *buf, int len)
{
    uart_receive(opaque, buf, len);
}

void uart_reset(struct uart *u)
{
    u->rbr = u->thr = u->tsr = 0;
    u->ier = 0;
    u->iir = IIR_NO_INT;
    u->lcr = 0;
    u->fcr = 0;
    u->lsr = LSR_TEMT | LSR_THRE;
    u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    u->mcr = MCR_OUT2;
    u->scr = 0;
    u->divider = 0x0c;   /* 9600 baud */
    u->recv_itl = 1;
    u->char_ns = (NS_PER_SEC / 9600) * 10;
    u->thr_ipending = false;
    u->timeout_ipending = false;
    timer_del(u->timeout_timer);
    fifo_reset(&u->rx);
    fifo_reset(&u->tx);
    machine_set_irq(u->m, u->irq, 0);
}

static void uart_reset_cb(void *opaque)
{
    uart_reset(opaque);
}

struct uart *uart_new(struct machine *m, uint16_t base, int irq,
                      struct chardev *chr, char *err, size_t errlen)
{
    if (irq < 0 || irq >= MACHINE_NR_IRQS) {
        snprintf(err, errlen, "serial: bad IRQ %d", irq);
        return NULL;
    }
    if ((unsigned)base + 8 > 0x10000) {
        snprintf(err, errlen, "serial: bad iobase 0x%x", base);
        return NULL;
    }
    struct uart *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->m = m;
    u->chr = chr;
    u->irq = irq;
    u->base = base;
    u->timeout_timer = timer_new(m, timeout_fired, u);
    if (!u->timeout_timer) {
        snprintf(err, errlen, "out of memory");
        free(u);
        return NULL;
    }
    if (machine_add_pio(m, base, 8, uart_pio_read, uart_pio_write, u,
                        "serial") != 0) {
        snprintf(err, errlen, "serial: ports 0x%x-0x%x are already in use",
                 base, base + 7);
        timer_free(u->timeout_timer);
        free(u);
        return NULL;
    }
    uart_reset(u);
    machine_add_reset_handler(m, uart_reset_cb, u);
    if (chr) {
        struct chardev_frontend fe = {
            .can_receive = uart_can_receive,
            .receive = uart_chr_receive,
            .opaque = u,
        };
        chardev_set_frontend(chr, &fe);
    }
    return u;
}

void uart_free(struct uart *u)
{
    if (!u)
        return;
    timer_free(u->timeout_timer);
    free(u);
}
