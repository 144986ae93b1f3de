/* Port 0x80 POST codes.  See postcode.h. */
#include "hw/postcode.h"

#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"

struct postcode {
    struct machine *m;
    uint8_t last;
};

static uint32_t postcode_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct postcode *pc = opaque;
    (void)port;
    return size == 1 ? pc->last : (pc->last | (0xffffffffu << 8));
}

static void postcode_pio_write(void *opaque, uint16_t port, uint32_t val,
                               unsigned size)
{
    struct postcode *pc = opaque;
    (void)port;
    (void)size;
    pc->last = (uint8_t)val;
    struct logger *l = machine_logger(pc->m);
    if (log_enabled(l, LOG_POST))
        log_printf(l, "POST: 0x%02x\n", pc->last);
}

struct postcode *postcode_new(struct machine *m, char *err, size_t errlen)
{
    struct postcode *pc = calloc(1, sizeof *pc);
    if (!pc) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pc->m = m;
    if (machine_add_pio(m, POSTCODE_PORT, 1, postcode_pio_read,
                        postcode_pio_write, pc, "postcode") != 0) {
        snprintf(err, errlen, "postcode: port 0x80 already in use");
        free(pc);
        return NULL;
    }
    return pc;
}

void postcode_free(struct postcode *pc)
{
    free(pc);
}

uint8_t postcode_last(const struct postcode *pc)
{
    return pc->last;
}
