/* The PCI bus and configuration mechanism #1.  See pci.h. */
#include "hw/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_ENABLE 0x80000000u
#define ROM_BAR 6                     /* index of the expansion ROM */
#define PIRQ_LINES 4

struct pci_bar {
    struct pci_device *dev;
    uint64_t size;                /* 0: not implemented */
    enum pci_bar_kind kind;
    mmio_read_fn rd;
    mmio_write_fn wr;
    void *opaque;
    uint64_t mapped;              /* address now mapped, or PCI_BAR_UNMAPPED */
    uint64_t refused;             /* address a map failed at (logged once) */
};

struct pci_device {
    struct pci_bus *bus;
    int devfn;
    char *name;
    uint8_t config[256];
    uint8_t wmask[256];
    uint8_t w1cmask[256];
    struct pci_bar bars[PCI_NUM_BARS + 1];   /* [6] is the ROM */
    uint8_t *rom;
    size_t rom_size;
    bool irq_level;               /* the pin as the device drives it */
    bool irq_out;                 /* what reached the PIRQ line */
    struct pci_device_hooks hooks;
    void *hooks_opaque;
};

struct pci_bus {
    struct machine *m;
    uint32_t config_address;
    struct pci_device *devs[256];
    int pirq_count[PIRQ_LINES];   /* devices asserting each line */
    void (*pirq_fn)(void *opaque, int pirq, int level);
    void *pirq_opaque;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

int pci_slot_pirq(int slot, int pin)
{
    return (slot + pin - 2) & 3;
}

/* ---- interrupts ---- */

static void irq_update(struct pci_device *d)
{
    struct pci_bus *b = d->bus;
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];
    bool out = d->irq_level &&
               !(get16(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);

    if (d->irq_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    if (out == d->irq_out || pin < 1 || pin > 4)
        return;
    d->irq_out = out;
    int pirq = pci_slot_pirq(PCI_SLOT(d->devfn), pin);
    int before = b->pirq_count[pirq];
    b->pirq_count[pirq] += out ? 1 : -1;
    if ((before == 0) != (b->pirq_count[pirq] == 0) && b->pirq_fn)
        b->pirq_fn(b->pirq_opaque, pirq, b->pirq_count[pirq] > 0);
}

void pci_device_set_irq(struct pci_device *d, int level)
{
    d->irq_level = level != 0;
    irq_update(d);
}

void pci_bus_set_pirq_handler(struct pci_bus *b,
                              void (*fn)(void *opaque, int pirq, int level),
                              void *opaque)
{
    b->pirq_fn = fn;
    b->pirq_opaque = opaque;
    if (fn)
        for (int i = 0; i < PIRQ_LINES; i++)
            if (b->pirq_count[i])
                fn(opaque, i, 1);
}

/* ---- BAR mapping ---- */

static uint32_t bar_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct pci_bar *bar = opaque;
    if (!bar->rd)
        return 0xffffffffu;
    return (uint32_t)bar->rd(bar->opaque, port - bar->mapped, size);
}

static void bar_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct pci_bar *bar = opaque;
    if (bar->wr)
        bar->wr(bar->opaque, port - bar->mapped, val, size);
}

/* Where BAR i should be mapped given COMMAND and its register. */
static uint64_t bar_wanted(const struct pci_device *d, int i)
{
    const struct pci_bar *bar = &d->bars[i];
    uint16_t cmd = get16(d->config + PCI_COMMAND);
    uint64_t addr, last;

    if (!bar->size)
        return PCI_BAR_UNMAPPED;
    if (i == ROM_BAR) {
        uint32_t reg = get32(d->config + PCI_ROM_ADDRESS);
        if (!(cmd & PCI_COMMAND_MEMORY) || !(reg & 1))
            return PCI_BAR_UNMAPPED;
        addr = reg & ~(uint32_t)(bar->size - 1) & 0xfffff800u;
    } else {
        uint32_t reg = get32(d->config + PCI_BAR0 + 4 * i);
        if (bar->kind == PCI_BAR_IO) {
            if (!(cmd & PCI_COMMAND_IO))
                return PCI_BAR_UNMAPPED;
            addr = reg & ~(uint32_t)(bar->size - 1) & 0xfffffffcu;
        } else {
            if (!(cmd & PCI_COMMAND_MEMORY))
                return PCI_BAR_UNMAPPED;
            addr = reg & ~(uint32_t)(bar->size - 1) & 0xfffffff0u;
        }
    }
    last = addr + bar->size - 1;
    /* 0 means "not programmed"; a BAR must not wrap or, being 32-bit,
     * reach the last byte of the 4 GiB space (where sizing leaves it). */
    if (addr == 0 || last >= 0xffffffffu)
        return PCI_BAR_UNMAPPED;
    if (bar->kind == PCI_BAR_IO && i != ROM_BAR && last > 0xffff)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void bar_unmap(struct pci_device *d, int i)
{
    struct pci_bar *bar = &d->bars[i];
    struct machine *m = d->bus->m;

    if (bar->mapped == PCI_BAR_UNMAPPED)
        return;
    if (bar->kind == PCI_BAR_IO && i != ROM_BAR)
        machine_remove_pio(m, (uint16_t)bar->mapped, (unsigned)bar->size);
    else
        machine_remove_region(m, bar->mapped);
    bar->mapped = PCI_BAR_UNMAPPED;
}

static void bar_map(struct pci_device *d, int i, uint64_t addr)
{
    struct pci_bar *bar = &d->bars[i];
    struct machine *m = d->bus->m;
    char name[96];
    int rc;

    snprintf(name, sizeof name, "%s%s%d", d->name,
             i == ROM_BAR ? "-rom" : "-bar", i == ROM_BAR ? 0 : i);
    if (i == ROM_BAR)
        rc = machine_add_rom(m, addr, d->rom, bar->size, name);
    else if (bar->kind == PCI_BAR_IO)
        rc = machine_add_pio(m, (uint16_t)addr, (unsigned)bar->size,
                             bar_pio_read, bar_pio_write, bar, name);
    else
        rc = machine_add_mmio(m, addr, bar->size, bar->rd, bar->wr,
                              bar->opaque, name);
    if (rc == 0) {
        bar->mapped = addr;
        bar->refused = PCI_BAR_UNMAPPED;
        return;
    }
    struct logger *l = machine_logger(m);
    if (bar->refused != addr && log_enabled(l, LOG_GUEST_ERRORS))
        log_printf(l, "pci: %s: BAR %d at 0x%llx (size 0x%llx) collides "
                   "with something mapped there; left unmapped\n", d->name,
                   i, (unsigned long long)addr,
                   (unsigned long long)bar->size);
    bar->refused = addr;
}

static void bars_update(struct pci_device *d)
{
    for (int i = 0; i <= PCI_NUM_BARS; i++) {
        uint64_t want = bar_wanted(d, i);
        if (want == d->bars[i].mapped)
            continue;
        bar_unmap(d, i);
        if (want != PCI_BAR_UNMAPPED)
            bar_map(d, i, want);
    }
}

int pci_device_add_bar(struct pci_device *d, int bar, enum pci_bar_kind kind,
                       uint64_t size, mmio_read_fn rd, mmio_write_fn wr,
                       void *opaque)
{
    uint64_t min = kind == PCI_BAR_IO ? 4 : 16;
    uint64_t max = kind == PCI_BAR_IO ? 256 : (1ull << 31);

    if (bar < 0 || bar >= PCI_NUM_BARS || d->bars[bar].size ||
        size < min || size > max || (size & (size - 1)))
        return -1;
    struct pci_bar *b = &d->bars[bar];
    b->size = size;
    b->kind = kind;
    b->rd = rd;
    b->wr = wr;
    b->opaque = opaque;
    unsigned off = PCI_BAR0 + 4 * (unsigned)bar;
    uint32_t type = kind == PCI_BAR_IO ? 1 :
                    kind == PCI_BAR_MEM_PREFETCH ? 8 : 0;
    uint32_t low = kind == PCI_BAR_IO ? 3 : 15;
    put32(d->config + off, type);
    put32(d->wmask + off, ~(uint32_t)(size - 1) & ~low);
    return 0;
}

int pci_device_set_rom(struct pci_device *d, const void *data, size_t size)
{
    size_t rsize = 2048;

    if (d->rom || !data || size == 0 || size > (16u << 20))
        return -1;
    while (rsize < size)
        rsize <<= 1;
    d->rom = calloc(1, rsize);
    if (!d->rom)
        return -1;
    memcpy(d->rom, data, size);
    d->rom_size = rsize;
    d->bars[ROM_BAR].size = rsize;
    d->bars[ROM_BAR].kind = PCI_BAR_MEM;
    put32(d->config + PCI_ROM_ADDRESS, 0);
    put32(d->wmask + PCI_ROM_ADDRESS,
          (~(uint32_t)(rsize - 1) & 0xfffff800u) | 1);
    return 0;
}

uint64_t pci_device_bar_addr(struct pci_device *d, int bar)
{
    if (bar < 0 || bar > PCI_NUM_BARS)
        return PCI_BAR_UNMAPPED;
    return d->bars[bar].mapped;
}

/* ---- configuration space ---- */

uint32_t pci_config_read(struct pci_bus *b, int devfn, unsigned off,
                         unsigned size)
{
    struct pci_device *d = devfn >= 0 && devfn < 256 ? b->devs[devfn] : NULL;
    uint32_t v = 0;

    if (size != 1 && size != 2 && size != 4)
        return 0xffffffffu;
    if (!d)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        v |= (uint32_t)(o < 256 ? d->config[o] : 0xff) << (8 * i);
    }
    return v;
}

void pci_config_write(struct pci_bus *b, int devfn, unsigned off,
                      uint32_t val, unsigned size)
{
    struct pci_device *d = devfn >= 0 && devfn < 256 ? b->devs[devfn] : NULL;
    bool remap = false, irq = false;

    if (!d || (size != 1 && size != 2 && size != 4) || off >= 256)
        return;
    if (off + size > 256)
        size = 256 - off;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        uint8_t byte = (uint8_t)(val >> (8 * i));
        uint8_t wm = d->wmask[o], w1c = d->w1cmask[o];
        d->config[o] = (uint8_t)(((d->config[o] & ~wm) | (byte & wm)) &
                                 ~(byte & w1c));
        if ((o >= PCI_COMMAND && o < PCI_COMMAND + 2) ||
            (o >= PCI_BAR0 && o < PCI_BAR0 + 4 * PCI_NUM_BARS) ||
            (o >= PCI_ROM_ADDRESS && o < PCI_ROM_ADDRESS + 4))
            remap = true;
        if (o == PCI_COMMAND + 1)
            irq = true;
    }
    if (remap)
        bars_update(d);
    if (irq)
        irq_update(d);
    if (d->hooks.config_written)
        d->hooks.config_written(d->hooks_opaque, off, size);
}

/* CONFIG_ADDRESS: only doubleword accesses reach it; CONFIG_DATA: bytes,
 * words or doublewords at the register CONFIG_ADDRESS names. */
static uint32_t cfg_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct pci_bus *b = opaque;
    uint32_t a = b->config_address;

    if (port == 0xcf8)
        return size == 4 ? a : 0xffffffffu;
    if (!(a & CONFIG_ENABLE) || ((a >> 16) & 0xff) != 0)
        return 0xffffffffu;   /* disabled, or a bus with nothing on it */
    return pci_config_read(b, (a >> 8) & 0xff, (a & 0xfc) | (port & 3), size);
}

static void cfg_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct pci_bus *b = opaque;
    uint32_t a = b->config_address;

    if (port == 0xcf8) {
        if (size == 4)
            b->config_address = val;
        return;
    }
    if (!(a & CONFIG_ENABLE) || ((a >> 16) & 0xff) != 0)
        return;
    pci_config_write(b, (a >> 8) & 0xff, (a & 0xfc) | (port & 3), val, size);
}

/* ---- devices ---- */

struct pci_device *pci_device_new(struct pci_bus *b, int devfn,
                                  const struct pci_id *id, const char *name,
                                  char *err, size_t errlen)
{
    if (devfn < 0 || devfn > 255 || b->devs[devfn]) {
        snprintf(err, errlen, "pci: %s: slot %02x.%d is taken or invalid",
                 name, PCI_SLOT(devfn), PCI_FUNC(devfn));
        return NULL;
    }
    struct pci_device *d = calloc(1, sizeof *d);
    if (!d || !(d->name = strdup(name ? name : "pci"))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->bus = b;
    d->devfn = devfn;
    for (int i = 0; i <= PCI_NUM_BARS; i++) {
        d->bars[i].dev = d;
        d->bars[i].mapped = PCI_BAR_UNMAPPED;
        d->bars[i].refused = PCI_BAR_UNMAPPED;
    }
    uint8_t *c = d->config;
    put16(c + PCI_VENDOR_ID, id->vendor);
    put16(c + PCI_DEVICE_ID, id->device);
    c[PCI_REVISION_ID] = id->revision;
    c[PCI_CLASS_PROG] = (uint8_t)id->class_code;
    c[PCI_CLASS_PROG + 1] = (uint8_t)(id->class_code >> 8);
    c[PCI_CLASS_PROG + 2] = (uint8_t)(id->class_code >> 16);
    c[PCI_HEADER_TYPE] = id->multi_function ? 0x80 : 0x00;
    put16(c + PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_DEFAULT);
    put16(c + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_DEFAULT);
    c[PCI_INTERRUPT_PIN] = id->irq_pin;

    put16(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
          PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
          PCI_COMMAND_INTX_DISABLE);
    put16(d->w1cmask + PCI_STATUS, 0xf900);   /* the error bits */
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    memset(d->wmask + 0x40, 0xff, 256 - 0x40);
    b->devs[devfn] = d;
    return d;
}

struct pci_device *pci_bus_device(struct pci_bus *b, int devfn)
{
    return devfn >= 0 && devfn < 256 ? b->devs[devfn] : NULL;
}

struct machine *pci_device_machine(struct pci_device *d)
{
    return d->bus->m;
}

uint8_t *pci_device_config(struct pci_device *d)
{
    return d->config;
}

void pci_device_set_wmask(struct pci_device *d, unsigned off, unsigned len,
                          uint8_t mask)
{
    for (unsigned i = off; i < off + len && i < 256; i++)
        d->wmask[i] = mask;
}

void pci_device_set_w1cmask(struct pci_device *d, unsigned off, unsigned len,
                            uint8_t mask)
{
    for (unsigned i = off; i < off + len && i < 256; i++)
        d->w1cmask[i] = mask;
}

void pci_device_set_hooks(struct pci_device *d,
                          const struct pci_device_hooks *hooks, void *opaque)
{
    d->hooks = *hooks;
    d->hooks_opaque = opaque;
}

/* Reset: decoding off, BARs and the standard writable registers cleared,
 * the interrupt dropped; then the device's own registers. */
static void device_reset(struct pci_device *d)
{
    uint16_t cmd_mask = get16(d->wmask + PCI_COMMAND);
    put16(d->config + PCI_COMMAND, get16(d->config + PCI_COMMAND) & ~cmd_mask);
    put16(d->config + PCI_STATUS,
          get16(d->config + PCI_STATUS) & ~get16(d->w1cmask + PCI_STATUS));
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (!d->bars[i].size)
            continue;
        unsigned off = PCI_BAR0 + 4 * (unsigned)i;
        put32(d->config + off,
              get32(d->config + off) & ~get32(d->wmask + off));
    }
    if (d->rom)
        put32(d->config + PCI_ROM_ADDRESS, 0);
    bars_update(d);
    d->irq_level = false;
    irq_update(d);
    if (d->hooks.reset)
        d->hooks.reset(d->hooks_opaque);
}

static void bus_reset(void *opaque)
{
    struct pci_bus *b = opaque;
    b->config_address = 0;
    for (int i = 0; i < 256; i++)
        if (b->devs[i])
            device_reset(b->devs[i]);
}

struct pci_bus *pci_bus_new(struct machine *m, char *err, size_t errlen)
{
    struct pci_bus *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->m = m;
    if (machine_add_pio(m, 0xcf8, 1, cfg_pio_read, cfg_pio_write, b,
                        "pci-config-address") != 0 ||
        machine_add_pio(m, 0xcfc, 4, cfg_pio_read, cfg_pio_write, b,
                        "pci-config-data") != 0) {
        snprintf(err, errlen, "pci: ports 0xcf8/0xcfc already in use");
        free(b);
        return NULL;
    }
    machine_add_reset_handler(m, bus_reset, b);
    return b;
}

void pci_bus_free(struct pci_bus *b)
{
    if (!b)
        return;
    machine_remove_pio(b->m, 0xcf8, 1);
    machine_remove_pio(b->m, 0xcfc, 4);
    for (int i = 0; i < 256; i++) {
        struct pci_device *d = b->devs[i];
        if (!d)
            continue;
        for (int k = 0; k <= PCI_NUM_BARS; k++)
            bar_unmap(d, k);
        free(d->rom);
        free(d->name);
        free(d);
    }
    free(b);
}
