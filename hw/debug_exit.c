/* isa-debug-exit.  See debug_exit.h. */
#include "hw/debug_exit.h"

#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"

struct debug_exit {
    struct machine *m;
};

static uint32_t debug_exit_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    (void)port;
    (void)size;
    return 0;
}

static void debug_exit_write(void *opaque, uint16_t port, uint32_t val,
                             unsigned size)
{
    struct debug_exit *d = opaque;
    (void)port;
    if (size < 4)
        val &= (1u << (8 * size)) - 1;
    /* the int status keeps what exit(2) keeps: the low byte matters */
    machine_request(d->m, REQ_EXIT, (int)((val << 1) | 1));
}

struct debug_exit *debug_exit_new(struct machine *m, uint16_t iobase,
                                  unsigned iosize, char *err, size_t errlen)
{
    if (iosize != 1 && iosize != 2 && iosize != 4) {
        snprintf(err, errlen, "isa-debug-exit: iosize must be 1, 2 or 4 "
                 "(got %u)", iosize);
        return NULL;
    }
    if ((unsigned)iobase + iosize > 0x10000) {
        snprintf(err, errlen, "isa-debug-exit: iobase 0x%x + iosize %u is "
                 "past port 0xffff", iobase, iosize);
        return NULL;
    }
    struct debug_exit *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->m = m;
    if (machine_add_pio(m, iobase, iosize, debug_exit_read, debug_exit_write,
                        d, "isa-debug-exit") != 0) {
        snprintf(err, errlen, "isa-debug-exit: port 0x%x is already in use",
                 iobase);
        free(d);
        return NULL;
    }
    return d;
}

void debug_exit_free(struct debug_exit *d)
{
    free(d);
}
