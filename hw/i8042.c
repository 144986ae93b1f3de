/* 8042 keyboard controller, PS/2 keyboard and mouse.  See i8042.h.
 *
 * Each device has a reply queue (answers to commands, sent first) and a
 * data queue (scan codes, mouse packets).  The controller moves one byte
 * at a time into its output buffer when that is empty: its own replies
 * first, then the keyboard's (if its port is enabled), then the mouse's.
 * Behaviour follows the IBM PS/2 technical references and QEMU's pckbd/ps2
 * where those are silent, so guests compare equal with QEMU. */
#include "hw/i8042.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

/* status register */
#define STAT_OBF      0x01
#define STAT_IBF      0x02
#define STAT_SYS      0x04
#define STAT_CMD      0x08   /* last write went to port 0x64 */
#define STAT_UNLOCKED 0x10   /* keyboard not inhibited by the keylock */
#define STAT_AUXB     0x20   /* the output buffer holds mouse data */

/* command byte */
#define CTR_KBDINT 0x01
#define CTR_AUXINT 0x02
#define CTR_SYS    0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE  0x40

/* output port */
#define OUT_RESET 0x01   /* active low */
#define OUT_A20   0x02
#define OUT_KBD_OBF 0x10
#define OUT_AUX_OBF 0x20

#define ACK 0xfa
#define RESEND 0xfe
#define BAT_OK 0xaa

#define KBD_QUEUE_LEN 16     /* an MF2 keyboard's buffer (+1 overrun) */
#define AUX_QUEUE_LEN 256
#define REPLY_QUEUE_LEN 16

enum {
    UNIMP_CMD = 1u << 0,
    UNIMP_SET3 = 1u << 1,
    UNIMP_KBD_CMD = 1u << 2,
    UNIMP_AUX_CMD = 1u << 3,
};

struct byteq {
    uint8_t data[AUX_QUEUE_LEN];
    uint16_t head, n, cap;
};

struct ps2_kbd {
    struct byteq reply, data;
    uint8_t param_cmd;      /* command waiting for its parameter, or 0 */
    bool scanning;
    uint8_t set;            /* scan code set: 1 or 2 */
    uint8_t leds;
    uint8_t typematic;
    uint8_t last;           /* last byte sent, for Resend */
};

struct ps2_mouse {
    struct byteq reply, data;
    uint8_t param_cmd;
    bool reporting, remote, wrap, scale21;
    uint8_t rate, resolution, id;
    uint8_t knock[3];       /* the last three sample rates set */
    int dx, dy, dz;         /* motion not yet reported (PS/2 axes) */
    unsigned buttons, sent_buttons;
    uint8_t last;
};

/* controller output that did not come from a device */
struct ctrl_byte {
    uint8_t val;
    bool aux;
};

struct i8042 {
    struct machine *m;
    int irq_kbd, irq_aux;
    uint8_t ram[32];        /* ram[0] is the command byte */
    uint8_t status;
    uint8_t obuf;
    uint8_t outport;
    uint8_t pending;        /* controller command awaiting its data byte */
    struct ctrl_byte ctrl[REPLY_QUEUE_LEN];
    unsigned ctrl_head, ctrl_n;
    bool xlat_break;        /* translating: an F0 prefix was swallowed */
    bool irq1, irq12;
    struct ps2_kbd kbd;
    struct ps2_mouse aux;
    void (*set_a20)(void *opaque, bool on);
    void *a20_opaque;
    unsigned unimp_seen;
};

/* The 8042's set 2 -> set 1 translation, codes 0x00-0x7F; codes 0x80-0xFF
 * pass unchanged except 0x83 (F7) -> 0x41 and 0x84 (SysRq) -> 0x54. */
static const uint8_t xlat_low[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,
    0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,
    0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,
    0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,
    0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
    0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

static uint8_t xlat(uint8_t b)
{
    if (b < 0x80)
        return xlat_low[b];
    if (b == 0x83)
        return 0x41;
    if (b == 0x84)
        return 0x54;
    return b;
}

static void unimp_once(struct i8042 *k, unsigned what, const char *msg,
                       unsigned val)
{
    if (k->unimp_seen & what)
        return;
    k->unimp_seen |= what;
    struct logger *l = machine_logger(k->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "i8042: %s 0x%02x (further ones not logged)\n", msg,
                   val);
}

/* ---- byte queues ---- */

static void q_init(struct byteq *q, unsigned cap)
{
    q->head = q->n = 0;
    q->cap = (uint16_t)cap;
}

static unsigned q_room(const struct byteq *q)
{
    return q->cap - q->n;
}

static void q_push(struct byteq *q, uint8_t b)
{
    if (q->n < q->cap) {
        q->data[(q->head + q->n) % q->cap] = b;
        q->n++;
    }
}

static uint8_t q_pop(struct byteq *q)
{
    uint8_t b = q->data[q->head];
    q->head = (uint16_t)((q->head + 1) % q->cap);
    q->n--;
    return b;
}

static void q_clear(struct byteq *q)
{
    q->head = q->n = 0;
}

/* ---- controller output ---- */

static void update_irq(struct i8042 *k)
{
    bool full = k->status & STAT_OBF, aux = k->status & STAT_AUXB;
    bool irq1 = full && !aux && (k->ram[0] & CTR_KBDINT);
    bool irq12 = full && aux && (k->ram[0] & CTR_AUXINT);
    if (irq1 != k->irq1) {
        k->irq1 = irq1;
        if (k->irq_kbd >= 0)
            machine_set_irq(k->m, k->irq_kbd, irq1);
    }
    if (irq12 != k->irq12) {
        k->irq12 = irq12;
        if (k->irq_aux >= 0)
            machine_set_irq(k->m, k->irq_aux, irq12);
    }
}

static void mouse_flush(struct i8042 *k);

static bool kbd_has_byte(const struct ps2_kbd *s)
{
    return s->reply.n || s->data.n;
}

static uint8_t kbd_pop(struct ps2_kbd *s)
{
    s->last = q_pop(s->reply.n ? &s->reply : &s->data);
    return s->last;
}

static uint8_t aux_pop(struct i8042 *k)
{
    struct ps2_mouse *s = &k->aux;
    s->last = q_pop(s->reply.n ? &s->reply : &s->data);
    if (!s->data.n)
        mouse_flush(k);   /* motion left over when the queue was full */
    return s->last;
}

/* Fill an empty output buffer from the controller, then the keyboard, then
 * the mouse. */
static void refill(struct i8042 *k)
{
    while (!(k->status & STAT_OBF)) {
        uint8_t ctr = k->ram[0];
        if (k->ctrl_n) {
            struct ctrl_byte c = k->ctrl[k->ctrl_head];
            k->ctrl_head = (k->ctrl_head + 1) % REPLY_QUEUE_LEN;
            k->ctrl_n--;
            k->obuf = c.val;
            k->status |= STAT_OBF | (c.aux ? STAT_AUXB : 0);
        } else if (!(ctr & CTR_KBDDIS) && kbd_has_byte(&k->kbd)) {
            uint8_t b = kbd_pop(&k->kbd);
            if (ctr & CTR_XLATE) {
                if (b == 0xf0) {
                    k->xlat_break = true;   /* folded into the next code */
                    continue;
                }
                b = xlat(b) | (k->xlat_break ? 0x80 : 0);
                k->xlat_break = false;
            }
            k->obuf = b;
            k->status |= STAT_OBF;
        } else if (!(ctr & CTR_AUXDIS) && (k->aux.reply.n || k->aux.data.n)) {
            k->obuf = aux_pop(k);
            k->status |= STAT_OBF | STAT_AUXB;
        } else {
            break;
        }
    }
    update_irq(k);
}

static void ctrl_reply(struct i8042 *k, uint8_t val, bool aux)
{
    if (k->ctrl_n == REPLY_QUEUE_LEN)
        return;
    k->ctrl[(k->ctrl_head + k->ctrl_n) % REPLY_QUEUE_LEN] =
        (struct ctrl_byte){ val, aux };
    k->ctrl_n++;
    refill(k);
}

static uint8_t read_data(struct i8042 *k)
{
    uint8_t v = k->obuf;   /* an empty buffer reads its last byte again */
    if (k->status & STAT_OBF) {
        k->status &= ~(STAT_OBF | STAT_AUXB);
        update_irq(k);     /* the line drops, so a next byte is an edge */
        refill(k);
    }
    return v;
}

/* ---- keyboard ---- */

static void kbd_reply(struct i8042 *k, uint8_t b)
{
    q_push(&k->kbd.reply, b);
}

static void kbd_defaults(struct ps2_kbd *s)
{
    s->set = 2;
    s->leds = 0;
    s->typematic = 0x2b;   /* 10.9 characters/s after 500 ms */
    s->param_cmd = 0;
    q_clear(&s->data);
}

static void kbd_command(struct i8042 *k, uint8_t cmd)
{
    struct ps2_kbd *s = &k->kbd;
    switch (cmd) {
    case 0xed:   /* set LEDs */
    case 0xf0:   /* get/set scan code set */
    case 0xf3:   /* set typematic rate/delay */
        s->param_cmd = cmd;
        kbd_reply(k, ACK);
        break;
    case 0xee:   /* echo */
        kbd_reply(k, 0xee);
        break;
    case 0xf2:   /* identify: MF2 keyboard */
        kbd_reply(k, ACK);
        kbd_reply(k, 0xab);
        kbd_reply(k, 0x83);
        break;
    case 0xf4:   /* enable */
        q_clear(&s->data);
        s->scanning = true;
        kbd_reply(k, ACK);
        break;
    case 0xf5:   /* defaults, disable */
        kbd_defaults(s);
        s->scanning = false;
        kbd_reply(k, ACK);
        break;
    case 0xf6:   /* defaults, keep scanning */
        kbd_defaults(s);
        kbd_reply(k, ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa:
    case 0xfb: case 0xfc: case 0xfd:   /* set 3 key types: no effect */
        kbd_reply(k, ACK);
        break;
    case 0xfe:   /* resend */
        kbd_reply(k, s->last);
        break;
    case 0xff:   /* reset and self-test */
        kbd_defaults(s);
        s->scanning = true;
        kbd_reply(k, ACK);
        kbd_reply(k, BAT_OK);
        break;
    default:
        unimp_once(k, UNIMP_KBD_CMD, "unknown keyboard command", cmd);
        kbd_reply(k, RESEND);
        break;
    }
}

static void kbd_write(struct i8042 *k, uint8_t val)
{
    struct ps2_kbd *s = &k->kbd;
    uint8_t cmd = s->param_cmd;
    s->param_cmd = 0;
    if (cmd && val < 0x80) {   /* a byte with bit 7 set is a new command */
        switch (cmd) {
        case 0xed:
            s->leds = val & 7;
            kbd_reply(k, ACK);
            break;
        case 0xf3:
            s->typematic = val;
            kbd_reply(k, ACK);
            break;
        case 0xf0:
            if (val == 0) {
                kbd_reply(k, ACK);
                kbd_reply(k, s->set);
            } else if (val == 1 || val == 2) {
                s->set = val;
                q_clear(&s->data);
                kbd_reply(k, ACK);
            } else {
                if (val == 3)
                    unimp_once(k, UNIMP_SET3, "scan code set 3 not emulated; "
                               "refused:", val);
                s->param_cmd = cmd;   /* still waiting for a valid set */
                kbd_reply(k, RESEND);
            }
            break;
        }
    } else {
        kbd_command(k, val);
    }
    refill(k);
}

/* Queue a scan code sequence (set 2 bytes), converted to the keyboard's
 * set; if it does not fit, one overrun code marks the loss. */
static void kbd_queue_seq(struct i8042 *k, const uint8_t *seq, unsigned n)
{
    struct ps2_kbd *s = &k->kbd;
    uint8_t out[8];
    unsigned m = 0;
    bool brk = false;
    for (unsigned i = 0; i < n; i++) {
        if (s->set == 1) {
            if (seq[i] == 0xf0) {
                brk = true;
                continue;
            }
            out[m++] = xlat(seq[i]) | (brk ? 0x80 : 0);
            brk = false;
        } else {
            out[m++] = seq[i];
        }
    }
    if (q_room(&s->data) > m) {   /* the last slot is for the overrun */
        for (unsigned i = 0; i < m; i++)
            q_push(&s->data, out[i]);
    } else {
        uint8_t overrun = s->set == 1 ? 0xff : 0x00;
        unsigned last = (s->data.head + s->data.n - 1) % s->data.cap;
        if (q_room(&s->data) && s->data.data[last] != overrun)
            q_push(&s->data, overrun);
    }
    refill(k);
}

void i8042_key_event(struct i8042 *k, uint16_t key, bool down)
{
    uint8_t seq[8];
    unsigned n = 0;
    uint8_t code = key & 0xff;
    if (!k->kbd.scanning || code == 0)
        return;
    if (key == I8042_KEY_PAUSE) {
        static const uint8_t pause[8] = { 0xe1, 0x14, 0x77, 0xe1,
                                          0xf0, 0x14, 0xf0, 0x77 };
        if (down)
            kbd_queue_seq(k, pause, 8);   /* no break code */
        return;
    }
    if (key == I8042_KEY_PRINT) {
        static const uint8_t make[4] = { 0xe0, 0x12, 0xe0, 0x7c };
        static const uint8_t brk[6] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
        if (down)
            kbd_queue_seq(k, make, 4);
        else
            kbd_queue_seq(k, brk, 6);
        return;
    }
    if ((key >> 8) == 0xe0)
        seq[n++] = 0xe0;
    else if (key >> 8)
        return;   /* not a key code */
    if (!down)
        seq[n++] = 0xf0;
    seq[n++] = code;
    kbd_queue_seq(k, seq, n);
}

uint8_t i8042_kbd_leds(const struct i8042 *k)
{
    return k->kbd.leds;
}

/* ---- mouse ---- */

static void aux_reply(struct i8042 *k, uint8_t b)
{
    q_push(&k->aux.reply, b);
}

static void mouse_defaults(struct ps2_mouse *s)
{
    s->rate = 100;
    s->resolution = 2;   /* 4 counts/mm */
    s->scale21 = false;
    s->reporting = false;
    s->param_cmd = 0;
    s->dx = s->dy = s->dz = 0;
    s->sent_buttons = s->buttons;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling, applied to stream reports only. */
static int scale21(int v)
{
    static const int small[6] = { 0, 1, 1, 3, 6, 9 };
    int a = v < 0 ? -v : v;
    int r = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -r : r;
}

static unsigned packet_len(const struct ps2_mouse *s)
{
    return s->id ? 4 : 3;
}

/* Build one packet from the motion not yet reported and consume it. */
static void mouse_packet(struct ps2_mouse *s, bool stream, uint8_t *p)
{
    int dx = clampi(s->dx, -255, 255);
    int dy = clampi(s->dy, -255, 255);
    int dz = clampi(s->dz, -8, 7);
    s->dx -= dx;
    s->dy -= dy;
    s->dz -= dz;
    if (stream && s->scale21) {
        dx = clampi(scale21(dx), -256, 255);
        dy = clampi(scale21(dy), -256, 255);
    }
    p[0] = (uint8_t)(0x08 | (s->buttons & 7) | (dx < 0 ? 0x10 : 0) |
                     (dy < 0 ? 0x20 : 0));
    p[1] = (uint8_t)dx;
    p[2] = (uint8_t)dy;
    if (s->id == 3)
        p[3] = (uint8_t)dz;
    else if (s->id == 4)
        p[3] = (uint8_t)((dz & 0x0f) | ((s->buttons & 0x18) << 1));
    s->sent_buttons = s->buttons;
}

/* Stream mode: report pending motion and button changes while the queue
 * has room for whole packets. */
static void mouse_flush(struct i8042 *k)
{
    struct ps2_mouse *s = &k->aux;
    if (!s->reporting || s->remote || s->wrap)
        return;
    while ((s->dx || s->dy || s->dz || s->buttons != s->sent_buttons) &&
           q_room(&s->data) >= packet_len(s)) {
        uint8_t p[4];
        mouse_packet(s, true, p);
        for (unsigned i = 0; i < packet_len(s); i++)
            q_push(&s->data, p[i]);
    }
}

void i8042_mouse_event(struct i8042 *k, int dx, int dy, int dz,
                       unsigned buttons)
{
    struct ps2_mouse *s = &k->aux;
    s->buttons = buttons & 0x1f;
    if (!s->remote && !s->reporting)
        return;   /* a disabled mouse in stream mode reports nothing */
    /* accumulate in PS/2 axes (Y up), bounded so nothing overflows */
    s->dx = clampi(s->dx + clampi(dx, -65536, 65536), -65536, 65536);
    s->dy = clampi(s->dy - clampi(dy, -65536, 65536), -65536, 65536);
    s->dz = clampi(s->dz + clampi(dz, -256, 256), -256, 256);
    mouse_flush(k);
    refill(k);
}

static void mouse_command(struct i8042 *k, uint8_t cmd)
{
    struct ps2_mouse *s = &k->aux;
    q_clear(&s->data);   /* a command cancels the stream in flight */
    switch (cmd) {
    case 0xe6:   /* scaling 1:1 */
    case 0xe7:   /* scaling 2:1 */
        s->scale21 = cmd == 0xe7;
        aux_reply(k, ACK);
        break;
    case 0xe8:   /* set resolution */
    case 0xf3:   /* set sample rate */
        s->param_cmd = cmd;
        aux_reply(k, ACK);
        break;
    case 0xe9: { /* status request */
        uint8_t st = (uint8_t)((s->remote ? 0x40 : 0) |
                               (s->reporting ? 0x20 : 0) |
                               (s->scale21 ? 0x10 : 0) |
                               ((s->buttons & 1) << 2) |      /* left */
                               ((s->buttons & 4) >> 1) |      /* middle */
                               ((s->buttons & 2) >> 1));      /* right */
        aux_reply(k, ACK);
        aux_reply(k, st);
        aux_reply(k, s->resolution);
        aux_reply(k, s->rate);
        break;
    }
    case 0xea:   /* stream mode */
        s->remote = false;
        s->dx = s->dy = s->dz = 0;
        aux_reply(k, ACK);
        break;
    case 0xeb: { /* read data */
        uint8_t p[4];
        aux_reply(k, ACK);
        mouse_packet(s, false, p);
        for (unsigned i = 0; i < packet_len(s); i++)
            aux_reply(k, p[i]);
        break;
    }
    case 0xec:   /* reset wrap mode */
        s->wrap = false;
        aux_reply(k, ACK);
        break;
    case 0xee:   /* wrap mode */
        s->wrap = true;
        s->dx = s->dy = s->dz = 0;
        aux_reply(k, ACK);
        break;
    case 0xf0:   /* remote mode */
        s->remote = true;
        s->dx = s->dy = s->dz = 0;
        aux_reply(k, ACK);
        break;
    case 0xf2:   /* get device ID */
        aux_reply(k, ACK);
        aux_reply(k, s->id);
        break;
    case 0xf4:   /* enable reporting */
        s->reporting = true;
        s->dx = s->dy = s->dz = 0;
        aux_reply(k, ACK);
        break;
    case 0xf5:   /* disable reporting */
        s->reporting = false;
        s->dx = s->dy = s->dz = 0;
        aux_reply(k, ACK);
        break;
    case 0xf6:   /* set defaults */
        mouse_defaults(s);
        aux_reply(k, ACK);
        break;
    case 0xfe:   /* resend */
        aux_reply(k, s->last);
        break;
    case 0xff:   /* reset */
        mouse_defaults(s);
        s->remote = false;
        s->wrap = false;
        s->id = 0;
        aux_reply(k, ACK);
        aux_reply(k, BAT_OK);
        aux_reply(k, 0x00);
        break;
    default:
        unimp_once(k, UNIMP_AUX_CMD, "unknown mouse command", cmd);
        aux_reply(k, RESEND);
        break;
    }
}

static void mouse_write(struct i8042 *k, uint8_t val)
{
    struct ps2_mouse *s = &k->aux;
    uint8_t cmd = s->param_cmd;
    s->param_cmd = 0;
    if (s->wrap && val != 0xff && val != 0xec) {
        aux_reply(k, val);   /* wrap mode echoes */
    } else if (cmd == 0xf3) {
        s->rate = val;
        s->knock[0] = s->knock[1];
        s->knock[1] = s->knock[2];
        s->knock[2] = val;
        if (s->knock[0] == 200 && s->knock[2] == 80) {
            if (s->knock[1] == 100 && s->id == 0)
                s->id = 3;   /* IntelliMouse */
            else if (s->knock[1] == 200 && s->id == 3)
                s->id = 4;   /* IntelliMouse Explorer */
        }
        aux_reply(k, ACK);
    } else if (cmd == 0xe8) {
        s->resolution = val & 3;
        aux_reply(k, ACK);
    } else {
        mouse_command(k, val);
    }
    refill(k);
}

/* ---- controller ---- */

static void write_outport(struct i8042 *k, uint8_t val)
{
    k->outport = val;
    if (k->set_a20)
        k->set_a20(k->a20_opaque, val & OUT_A20);
    if (!(val & OUT_RESET))
        machine_request(k->m, REQ_RESET, 0);
}

static uint8_t read_outport(const struct i8042 *k)
{
    uint8_t v = k->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);
    if (k->status & STAT_OBF)
        v |= (k->status & STAT_AUXB) ? OUT_AUX_OBF : OUT_KBD_OBF;
    return v;
}

static void write_command(struct i8042 *k, uint8_t cmd)
{
    k->pending = 0;
    if (cmd >= 0x20 && cmd < 0x40) {            /* read RAM */
        ctrl_reply(k, k->ram[cmd & 0x1f], false);
        return;
    }
    if ((cmd >= 0x60 && cmd < 0x80) ||           /* write RAM */
        cmd == 0xa5 || (cmd >= 0xd1 && cmd <= 0xd4)) {
        k->pending = cmd;
        return;
    }
    if (cmd >= 0xf0) {                           /* pulse output lines */
        if (!(cmd & OUT_RESET))
            machine_request(k->m, REQ_RESET, 0);
        return;
    }
    switch (cmd) {
    case 0xa4:   /* password installed? no */
        ctrl_reply(k, 0xf1, false);
        break;
    case 0xa7:
        k->ram[0] |= CTR_AUXDIS;
        break;
    case 0xa8:
        k->ram[0] &= ~CTR_AUXDIS;
        refill(k);
        break;
    case 0xa9:   /* aux interface test: OK */
    case 0xab:   /* keyboard interface test: OK */
        ctrl_reply(k, 0x00, false);
        break;
    case 0xaa:   /* self-test */
        ctrl_reply(k, 0x55, false);
        break;
    case 0xad:
        k->ram[0] |= CTR_KBDDIS;
        update_irq(k);
        break;
    case 0xae:
        k->ram[0] &= ~CTR_KBDDIS;
        refill(k);
        break;
    case 0xc0:   /* input port: keyboard not inhibited */
        ctrl_reply(k, 0x80, false);
        break;
    case 0xd0:
        ctrl_reply(k, read_outport(k), false);
        break;
    case 0xdd:
        write_outport(k, k->outport & ~OUT_A20);
        break;
    case 0xdf:
        write_outport(k, k->outport | OUT_A20);
        break;
    case 0xe0:   /* test inputs T0/T1 */
        ctrl_reply(k, 0x00, false);
        break;
    default:
        unimp_once(k, UNIMP_CMD, "unknown controller command", cmd);
        break;
    }
}

static void write_data(struct i8042 *k, uint8_t val)
{
    uint8_t cmd = k->pending;
    k->pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        k->ram[cmd & 0x1f] = val;
        if (cmd == 0x60)
            refill(k);   /* enables, interrupts or translation changed */
        return;
    }
    switch (cmd) {
    case 0xa5:   /* password: bytes up to a zero */
        if (val)
            k->pending = cmd;
        break;
    case 0xd1:
        write_outport(k, val);
        break;
    case 0xd2:
        ctrl_reply(k, val, false);
        break;
    case 0xd3:
        ctrl_reply(k, val, true);
        break;
    case 0xd4:
        mouse_write(k, val);
        break;
    default:
        /* to the keyboard, whose clock this enables (as QEMU does) */
        k->ram[0] &= ~CTR_KBDDIS;
        kbd_write(k, val);
        break;
    }
}

static uint32_t i8042_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct i8042 *k = opaque;
    uint8_t v;
    if (port == I8042_DATA_PORT)
        v = read_data(k);
    else
        v = (uint8_t)((k->status & ~STAT_SYS) | (k->ram[0] & CTR_SYS));
    return size == 1 ? v : (v | (0xffffffffu << 8));
}

static void i8042_pio_write(void *opaque, uint16_t port, uint32_t val,
                            unsigned size)
{
    struct i8042 *k = opaque;
    (void)size;
    if (port == I8042_DATA_PORT) {
        k->status &= ~STAT_CMD;
        write_data(k, (uint8_t)val);
    } else {
        k->status |= STAT_CMD;
        write_command(k, (uint8_t)val);
    }
}

/* ---- public ---- */

void i8042_set_a20_hook(struct i8042 *k,
                        void (*set_a20)(void *opaque, bool on), void *opaque)
{
    k->set_a20 = set_a20;
    k->a20_opaque = opaque;
}

bool i8042_a20(const struct i8042 *k)
{
    return k->outport & OUT_A20;
}

void i8042_reset(struct i8042 *k)
{
    memset(k->ram, 0, sizeof k->ram);
    k->ram[0] = CTR_KBDINT | CTR_AUXINT;
    k->status = STAT_CMD | STAT_UNLOCKED;
    /* reset line high, A20 on (the CPU's state after reset), and the
     * unused lines high */
    k->outport = 0xcf;
    k->pending = 0;
    k->ctrl_head = k->ctrl_n = 0;
    k->xlat_break = false;
    k->obuf = 0;

    struct ps2_kbd *kb = &k->kbd;
    q_init(&kb->reply, REPLY_QUEUE_LEN);
    q_init(&kb->data, KBD_QUEUE_LEN + 1);
    kbd_defaults(kb);
    kb->scanning = true;
    kb->last = 0;

    struct ps2_mouse *ms = &k->aux;
    q_init(&ms->reply, REPLY_QUEUE_LEN);
    q_init(&ms->data, AUX_QUEUE_LEN);
    ms->buttons = 0;
    mouse_defaults(ms);
    ms->remote = ms->wrap = false;
    ms->id = 0;
    memset(ms->knock, 0, sizeof ms->knock);
    ms->last = 0;
    update_irq(k);
}

static void i8042_reset_cb(void *opaque)
{
    i8042_reset(opaque);
}

struct i8042 *i8042_new(struct machine *m, int kbd_irq, int aux_irq,
                        char *err, size_t errlen)
{
    if (kbd_irq >= MACHINE_NR_IRQS || aux_irq >= MACHINE_NR_IRQS) {
        snprintf(err, errlen, "i8042: bad IRQ");
        return NULL;
    }
    struct i8042 *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->m = m;
    k->irq_kbd = kbd_irq < 0 ? -1 : kbd_irq;
    k->irq_aux = aux_irq < 0 ? -1 : aux_irq;
    if (machine_add_pio(m, I8042_DATA_PORT, 1, i8042_pio_read,
                        i8042_pio_write, k, "i8042-data") != 0 ||
        machine_add_pio(m, I8042_CMD_PORT, 1, i8042_pio_read,
                        i8042_pio_write, k, "i8042-cmd") != 0) {
        snprintf(err, errlen, "i8042: ports 0x60/0x64 already in use");
        free(k);
        return NULL;
    }
    i8042_reset(k);
    machine_add_reset_handler(m, i8042_reset_cb, k);
    return k;
}

void i8042_free(struct i8042 *k)
{
    free(k);
}
