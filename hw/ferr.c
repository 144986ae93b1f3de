/* FERR# to IRQ13, cleared through port F0h.  See ferr.h. */
#include "hw/ferr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"

struct ferr {
    struct machine *m;
};

/* The CPU asserted FERR#: an edge on IRQ13 unless it is still raised. */
static void ferr_assert(void *opaque)
{
    struct ferr *f = opaque;
    machine_set_irq(f->m, FERR_IRQ, 1);
}

static void ferr_pio_write(void *opaque, uint16_t port, uint32_t val,
                           unsigned size)
{
    struct ferr *f = opaque;
    (void)port;
    (void)val;
    (void)size;
    machine_set_irq(f->m, FERR_IRQ, 0);
}

static void ferr_reset_cb(void *opaque)
{
    struct ferr *f = opaque;
    machine_set_irq(f->m, FERR_IRQ, 0);
}

struct ferr *ferr_new(struct machine *m, char *err, size_t errlen)
{
    struct ferr *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->m = m;
    /* write-only: reads get the machine's all-ones */
    if (machine_add_pio(m, FERR_PORT, 1, NULL, ferr_pio_write, f,
                        "ferr") != 0) {
        snprintf(err, errlen, "ferr: port 0xf0 already in use");
        free(f);
        return NULL;
    }
    machine_set_ferr_handler(m, ferr_assert, f);
    machine_add_reset_handler(m, ferr_reset_cb, f);
    return f;
}

void ferr_free(struct ferr *f)
{
    free(f);
}
