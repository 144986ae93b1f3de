/* Port 0x61.  See pcspk.h. */
#include "hw/pcspk.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/pit.h"

struct pcspk {
    struct machine *m;
    struct pit *pit;
    uint8_t ctrl;           /* bits 0-3 as written */
    bool sound_logged;
};

static uint32_t pcspk_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct pcspk *s = opaque;
    (void)port;
    uint8_t v = s->ctrl & 0x0f;
    v |= (uint8_t)((pit_out_edges(s->pit, 1) & 1) << 4);
    v |= (uint8_t)(pit_get_out(s->pit, 2) << 5);
    /* a wider access reads open bus above the byte */
    return size == 1 ? v : (v | (0xffffffffu << 8));
}

static void pcspk_pio_write(void *opaque, uint16_t port, uint32_t val,
                            unsigned size)
{
    struct pcspk *s = opaque;
    (void)port;
    (void)size;
    s->ctrl = val & 0x0f;
    pit_set_gate(s->pit, 2, val & 1);
    if ((val & 3) == 3 && !s->sound_logged) {
        s->sound_logged = true;
        struct logger *l = machine_logger(s->m);
        if (log_enabled(l, LOG_UNIMP))
            log_printf(l, "pcspk: speaker sound is not emulated\n");
    }
}

void pcspk_reset(struct pcspk *s)
{
    s->ctrl = 0;
    pit_set_gate(s->pit, 2, false);
}

static void pcspk_reset_cb(void *opaque)
{
    pcspk_reset(opaque);
}

struct pcspk *pcspk_new(struct machine *m, struct pit *pit, char *err,
                        size_t errlen)
{
    struct pcspk *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    s->pit = pit;
    if (machine_add_pio(m, PCSPK_PORT, 1, pcspk_pio_read, pcspk_pio_write, s,
                        "pcspk") != 0) {
        snprintf(err, errlen, "pcspk: port 0x61 already in use");
        free(s);
        return NULL;
    }
    pcspk_reset(s);
    machine_add_reset_handler(m, pcspk_reset_cb, s);
    return s;
}

void pcspk_free(struct pcspk *s)
{
    free(s);
}
