/* isa-debugcon.  See debugcon.h. */
#include "hw/debugcon.h"

#include <stdio.h>
#include <stdlib.h>

#include "hw/chardev.h"
#include "hw/machine.h"

struct debugcon {
    struct chardev *chr;
    uint8_t readback;
};

static uint32_t debugcon_read(void *opaque, uint16_t port, unsigned size)
{
    struct debugcon *d = opaque;
    uint32_t v = 0;
    (void)port;
    /* QEMU splits wide accesses into bytes: each reads the readback value */
    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)d->readback << (8 * i);
    return v;
}

/* A wide write sends each of its bytes, low first, as QEMU does. */
static void debugcon_write(void *opaque, uint16_t port, uint32_t val,
                           unsigned size)
{
    struct debugcon *d = opaque;
    uint8_t b[4];
    (void)port;
    if (size > 4)
        size = 4;
    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(val >> (8 * i));
    chardev_write(d->chr, b, size);
}

struct debugcon *debugcon_new(struct machine *m, uint16_t port,
                              uint8_t readback, struct chardev *chr,
                              char *err, size_t errlen)
{
    struct debugcon *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->chr = chr;
    d->readback = readback;
    if (machine_add_pio(m, port, 1, debugcon_read, debugcon_write, d,
                        "isa-debugcon") != 0) {
        snprintf(err, errlen, "isa-debugcon: port 0x%x is already in use",
                 port);
        free(d);
        return NULL;
    }
    return d;
}

void debugcon_free(struct debugcon *d)
{
    free(d);
}
