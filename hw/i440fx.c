/* The 440FX host bridge.  See i440fx.h.
 *
 * PAM0 bits 4-5 cover 0xF0000-0xFFFFF; PAM1-6 cover 0xC0000-0xEFFFF in
 * 16 KiB halves (low nibble first).  In each nibble bit 0 enables reads
 * from RAM and bit 1 writes to RAM; what is not sent to RAM goes to the
 * PCI bus, where the BIOS ROM (or nothing) answers.  Each range is a
 * shadow window of the machine. */
#include "hw/i440fx.h"

#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/pci.h"

#define PAM_WINDOWS 13
#define SMRAM_D_OPEN 0x40
#define SMRAM_D_CLS 0x20
#define SMRAM_D_LCK 0x10
#define SMRAM_G_SMRAME 0x08
#define SMRAM_C_BASE_SEG 0x02     /* fixed: SMRAM at 0xA0000 */

struct i440fx {
    struct machine *m;
    struct pci_device *dev;
    uint8_t *config;
};

/* Window w: 0 is 0xF0000 (64 KiB), 1-12 the 16 KiB pieces from 0xC0000. */
static void pam_window(int w, uint64_t *gpa, uint64_t *size, unsigned *reg,
                       unsigned *shift)
{
    if (w == 0) {
        *gpa = 0xf0000;
        *size = 0x10000;
        *reg = I440FX_PAM0;
        *shift = 4;
    } else {
        *gpa = 0xc0000 + (uint64_t)(w - 1) * 0x4000;
        *size = 0x4000;
        *reg = I440FX_PAM0 + 1 + (unsigned)(w - 1) / 2;
        *shift = (w - 1) % 2 ? 4 : 0;
    }
}

static const enum shadow_mode pam_modes[4] = {
    SHADOW_OFF, SHADOW_RO, SHADOW_WO, SHADOW_RW,
};

static void update_maps(struct i440fx *h)
{
    for (int w = 0; w < PAM_WINDOWS; w++) {
        uint64_t gpa, size;
        unsigned reg, shift;
        pam_window(w, &gpa, &size, &reg, &shift);
        machine_set_shadow(h->m, gpa, size,
                           pam_modes[(h->config[reg] >> shift) & 3]);
    }
    /* D_OPEN lets the CPU see SMRAM (the RAM under the VGA window). */
    machine_set_shadow(h->m, 0xa0000, 0x20000,
                       h->config[I440FX_SMRAM] & SMRAM_D_OPEN ? SHADOW_RW
                                                              : SHADOW_OFF);
}

static void config_written(void *opaque, unsigned off, unsigned size)
{
    struct i440fx *h = opaque;
    uint8_t *c = h->config;

    if (off <= I440FX_SMRAM && off + size > I440FX_SMRAM) {
        /* D_LCK locks D_OPEN at 0 and itself at 1 until reset. */
        c[I440FX_SMRAM] = (uint8_t)((c[I440FX_SMRAM] & 0x78) |
                                    SMRAM_C_BASE_SEG);
        if (c[I440FX_SMRAM] & SMRAM_D_LCK) {
            c[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
            pci_device_set_wmask(h->dev, I440FX_SMRAM, 1, 0);
        }
    }
    if (off < I440FX_SMRAM + 1 && off + size > I440FX_PAM0)
        update_maps(h);
}

static void i440fx_reset(void *opaque)
{
    struct i440fx *h = opaque;
    for (int i = 0; i < 7; i++)
        h->config[I440FX_PAM0 + i] = 0;
    h->config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    pci_device_set_wmask(h->dev, I440FX_SMRAM, 1, 0x78);
    update_maps(h);
}

struct i440fx *i440fx_new(struct machine *m, struct pci_bus *bus, char *err,
                          size_t errlen)
{
    static const struct pci_id id = {
        .vendor = 0x8086, .device = 0x1237, .revision = 0x02,
        .class_code = 0x060000,
    };
    struct i440fx *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->m = m;
    h->dev = pci_device_new(bus, PCI_DEVFN(0, 0), &id, "i440fx", err, errlen);
    if (!h->dev) {
        free(h);
        return NULL;
    }
    h->config = pci_device_config(h->dev);
    /* The host bridge always decodes memory and masters the bus. */
    h->config[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    h->config[PCI_STATUS + 1] = 0x02;          /* DEVSEL medium */
    pci_device_set_wmask(h->dev, PCI_COMMAND, 2, 0);
    pci_device_set_wmask(h->dev, I440FX_PAM0, 1, 0x30);
    const struct pci_device_hooks hooks = {
        .config_written = config_written, .reset = i440fx_reset,
    };
    pci_device_set_hooks(h->dev, &hooks, h);
    i440fx_reset(h);
    return h;
}

void i440fx_free(struct i440fx *h)
{
    free(h);
}
