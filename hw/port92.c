/* Port 0x92.  See port92.h.  Behaviour follows QEMU's port92 (itself the
 * PS/2 and PIIX definition): reset on the rising edge of bit 0, bit 0
 * cleared by the reset, the A20 bit kept across it. */
#include "hw/port92.h"

#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"

struct port92 {
    struct machine *m;
    uint8_t val;
    void (*set_a20)(void *opaque, bool on);
    void *a20_opaque;
};

static uint32_t port92_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct port92 *p = opaque;
    (void)port;
    return size == 1 ? p->val : (p->val | (0xffffffffu << 8));
}

static void port92_pio_write(void *opaque, uint16_t port, uint32_t val,
                             unsigned size)
{
    struct port92 *p = opaque;
    (void)port;
    (void)size;
    uint8_t old = p->val;
    p->val = (uint8_t)val;
    if (p->set_a20)
        p->set_a20(p->a20_opaque, (val >> 1) & 1);
    if ((val & 1) && !(old & 1))
        machine_request(p->m, REQ_RESET, 0);
}

static void port92_reset_cb(void *opaque)
{
    struct port92 *p = opaque;
    p->val &= ~1u;
}

struct port92 *port92_new(struct machine *m, char *err, size_t errlen)
{
    struct port92 *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->m = m;
    if (machine_add_pio(m, PORT92_PORT, 1, port92_pio_read, port92_pio_write,
                        p, "port92") != 0) {
        snprintf(err, errlen, "port92: port 0x92 already in use");
        free(p);
        return NULL;
    }
    machine_add_reset_handler(m, port92_reset_cb, p);
    return p;
}

void port92_free(struct port92 *p)
{
    free(p);
}

void port92_set_a20_hook(struct port92 *p,
                         void (*set_a20)(void *opaque, bool on),
                         void *opaque)
{
    p->set_a20 = set_a20;
    p->a20_opaque = opaque;
}

bool port92_a20(const struct port92 *p)
{
    return (p->val >> 1) & 1;
}
