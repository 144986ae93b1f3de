/* Unit tests of the PCI bus (hw/pci.c), the i440FX host bridge's PAM and
 * SMRAM registers (hw/i440fx.c) and the PIIX3/PIIX4 functions (hw/piix.c),
 * driven through configuration cycles at 0xCF8/0xCFC as a BIOS does. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i440fx.h"
#include "hw/machine.h"
#include "hw/pci.h"
#include "hw/piix.h"

#define MiB (1024 * 1024ull)

/* ---- a rig: machine, bus, i440FX, PIIX, an interrupt controller that
 * records line levels, a settable clock and a map-hook counter ---- */

struct rig {
    struct machine *m;
    struct pci_bus *bus;
    struct i440fx *nb;
    struct piix *sb;
    int level[24];
    int64_t now;
    int map_calls;
    uint64_t map_gpa, map_len;
};

static void rig_set_irq(void *opaque, int irq, int level)
{
    struct rig *r = opaque;
    r->level[irq] = level;
}

static bool rig_pending(void *opaque)
{
    (void)opaque;
    return false;
}

static int rig_ack(void *opaque)
{
    (void)opaque;
    return -1;
}

static const struct intc_ops rig_intc = { rig_set_irq, rig_pending, rig_ack };

static int64_t rig_clock(void *opaque)
{
    return ((struct rig *)opaque)->now;
}

static void rig_map_hook(void *opaque, uint64_t gpa, uint64_t len)
{
    struct rig *r = opaque;
    r->map_calls++;
    r->map_gpa = gpa;
    r->map_len = len;
}

static void rig_init(struct rig *r, bool chipset)
{
    char err[256];
    memset(r, 0, sizeof *r);
    r->m = machine_new(64 * MiB, err, sizeof err);
    ck_assert_msg(r->m != NULL, "%s", err);
    machine_set_intc(r->m, &rig_intc, r);
    machine_set_clock_source(r->m, rig_clock, r);
    r->bus = pci_bus_new(r->m, err, sizeof err);
    ck_assert_msg(r->bus != NULL, "%s", err);
    if (chipset) {
        r->nb = i440fx_new(r->m, r->bus, err, sizeof err);
        ck_assert_msg(r->nb != NULL, "%s", err);
        r->sb = piix_new(r->m, r->bus, err, sizeof err);
        ck_assert_msg(r->sb != NULL, "%s", err);
    }
    machine_set_map_hook(r->m, rig_map_hook, r);
}

static void rig_free(struct rig *r)
{
    piix_free(r->sb);
    i440fx_free(r->nb);
    pci_bus_free(r->bus);
    machine_free(r->m);
}

static uint32_t cfg_addr(int devfn, unsigned off)
{
    return 0x80000000u | (uint32_t)devfn << 8 | (off & 0xfc);
}

static uint32_t cfg_read(struct rig *r, int devfn, unsigned off, unsigned size)
{
    machine_pio_write(r->m, 0xcf8, cfg_addr(devfn, off), 4);
    return machine_pio_read(r->m, (uint16_t)(0xcfc + (off & 3)), size);
}

static void cfg_write(struct rig *r, int devfn, unsigned off, uint32_t val,
                      unsigned size)
{
    machine_pio_write(r->m, 0xcf8, cfg_addr(devfn, off), 4);
    machine_pio_write(r->m, (uint16_t)(0xcfc + (off & 3)), val, size);
}

/* ---- configuration mechanism #1 ---- */

START_TEST(config_mechanism)
{
    struct rig r;
    rig_init(&r, true);

    ck_assert_uint_eq(cfg_read(&r, 0, 0, 4), 0x12378086);
    ck_assert_uint_eq(cfg_read(&r, 0, 2, 2), 0x1237);
    ck_assert_uint_eq(cfg_read(&r, 0, 1, 1), 0x80);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x2c, 4), 0x11001af4);   /* QEMU's */
    ck_assert_uint_eq(cfg_read(&r, 0, 0x08, 4), 0x06000002);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 0), 0, 4), 0x70008086);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 0), 0x0e, 1), 0x80);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 0), 0x08, 4), 0x06010000);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 3), 0, 4), 0x71138086);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 3), 0x3d, 1), 1);
    /* nothing there: all ones */
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(5, 0), 0, 4), 0xffffffffu);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(5, 0), 0, 2), 0xffff);
    /* another bus: all ones */
    machine_pio_write(r.m, 0xcf8, 0x80010000u, 4);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcfc, 4), 0xffffffffu);
    /* enable bit clear: data port reads all ones, writes do nothing */
    machine_pio_write(r.m, 0xcf8, 0x00000000u, 4);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcfc, 4), 0xffffffffu);
    /* CONFIG_ADDRESS reads back; byte accesses do not reach it */
    machine_pio_write(r.m, 0xcf8, 0x80000858u, 4);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcf8, 4), 0x80000858u);
    machine_pio_write(r.m, 0xcf8, 0x12, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcf8, 4), 0x80000858u);
    /* read-only IDs stay */
    cfg_write(&r, 0, 0, 0xdeadbeef, 4);
    ck_assert_uint_eq(cfg_read(&r, 0, 0, 4), 0x12378086);
    /* the interrupt line register is writable */
    cfg_write(&r, PCI_DEVFN(1, 3), 0x3c, 9, 1);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(1, 3), 0x3c, 1), 9);
    rig_free(&r);
}
END_TEST

/* ---- BARs on a test device ---- */

struct dummy {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
};

static uint64_t dummy_rd(void *opaque, uint64_t off, unsigned size)
{
    struct dummy *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return 0x11223344 + off;
}

static void dummy_wr(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct dummy *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

START_TEST(bar_sizing_and_mapping)
{
    struct rig r;
    struct dummy io = { 0 }, mem = { 0 };
    char err[128];
    rig_init(&r, false);
    const struct pci_id id = { .vendor = 0x1234, .device = 0x5678,
                               .class_code = 0xff0000, .irq_pin = 1 };
    int devfn = PCI_DEVFN(3, 0);
    struct pci_device *d = pci_device_new(r.bus, devfn, &id, "dummy", err,
                                          sizeof err);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(pci_device_new(r.bus, devfn, &id, "again", err,
                                      sizeof err));
    ck_assert_int_eq(pci_device_add_bar(d, 0, PCI_BAR_IO, 16, dummy_rd,
                                        dummy_wr, &io), 0);
    ck_assert_int_eq(pci_device_add_bar(d, 1, PCI_BAR_MEM, 0x1000, dummy_rd,
                                        dummy_wr, &mem), 0);
    ck_assert_int_eq(pci_device_add_bar(d, 2, PCI_BAR_MEM, 0x1800, NULL,
                                        NULL, NULL), -1);   /* not 2^n */
    ck_assert_int_eq(pci_device_add_bar(d, 0, PCI_BAR_IO, 16, NULL, NULL,
                                        NULL), -1);         /* taken */
    static uint8_t rom[3000];
    rom[0] = 0x55;
    rom[1] = 0xaa;
    rom[2999] = 0x77;
    ck_assert_int_eq(pci_device_set_rom(d, rom, sizeof rom), 0);

    /* sizing: write all ones, read the mask with the type bits */
    cfg_write(&r, devfn, 0x10, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x10, 4), 0xfffffff1u);
    cfg_write(&r, devfn, 0x14, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x14, 4), 0xfffff000u);
    cfg_write(&r, devfn, 0x18, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x18, 4), 0);   /* no BAR 2 */
    cfg_write(&r, devfn, 0x30, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x30, 4), 0xfffff001u);   /* 4K */

    /* addresses, then decoding on */
    cfg_write(&r, devfn, 0x10, 0xc000, 4);
    cfg_write(&r, devfn, 0x14, 0xfebf0000u, 4);
    cfg_write(&r, devfn, 0x30, 0xfebe0000u, 4);   /* not enabled yet */
    ck_assert_uint_eq(pci_device_bar_addr(d, 0), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xc004, 4), 0xffffffffu);
    int before = r.map_calls;
    cfg_write(&r, devfn, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    ck_assert_int_gt(r.map_calls, before);
    ck_assert_uint_eq(pci_device_bar_addr(d, 0), 0xc000);
    ck_assert_uint_eq(pci_device_bar_addr(d, 1), 0xfebf0000u);
    ck_assert_uint_eq(pci_device_bar_addr(d, 6), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xc004, 2), 0x3348);
    ck_assert_uint_eq(io.last_off, 4);
    ck_assert_uint_eq(io.last_size, 2);
    machine_pio_write(r.m, 0xc00f, 0x5a, 1);
    ck_assert_uint_eq(io.last_off, 15);
    ck_assert_uint_eq(io.last_val, 0x5a);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebf0010u, 4), 0x11223354);
    ck_assert_uint_eq(mem.last_off, 0x10);
    machine_mem_write(r.m, 0xfebf0ffcu, 0xcafe, 4);
    ck_assert_uint_eq(mem.last_off, 0xffc);

    /* the ROM: mapped while enabled (and memory decoding on) */
    cfg_write(&r, devfn, 0x30, 0xfebe0001u, 4);
    ck_assert_uint_eq(pci_device_bar_addr(d, 6), 0xfebe0000u);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebe0000u, 2), 0xaa55);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebe0000u + 2999, 1), 0x77);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebe0000u + 3000, 1), 0);
    machine_mem_write(r.m, 0xfebe0000u, 0, 1);   /* read-only */
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebe0000u, 1), 0x55);

    /* moving a BAR unmaps the old address */
    cfg_write(&r, devfn, 0x10, 0xd000, 4);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xc004, 4), 0xffffffffu);
    int reads = io.reads;
    machine_pio_read(r.m, 0xd000, 1);
    ck_assert_int_eq(io.reads, reads + 1);
    /* decoding off: gone */
    cfg_write(&r, devfn, 0x04, 0, 2);
    ck_assert_uint_eq(pci_device_bar_addr(d, 0), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(pci_device_bar_addr(d, 1), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(pci_device_bar_addr(d, 6), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xfebf0010u, 4), 0xffffffffu);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xd000, 1), 0xff);
    /* sizing with decoding on never maps at the top of the space */
    cfg_write(&r, devfn, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_write(&r, devfn, 0x14, 0xffffffffu, 4);
    ck_assert_uint_eq(pci_device_bar_addr(d, 1), PCI_BAR_UNMAPPED);
    cfg_write(&r, devfn, 0x10, 0xffffffffu, 4);
    ck_assert_uint_eq(pci_device_bar_addr(d, 0), PCI_BAR_UNMAPPED);
    /* a collision with a claimed port range leaves the BAR unmapped */
    ck_assert_int_eq(machine_add_pio(r.m, 0xe000, 4, NULL, NULL, NULL, "x"),
                     0);
    cfg_write(&r, devfn, 0x10, 0xe000, 4);
    ck_assert_uint_eq(pci_device_bar_addr(d, 0), PCI_BAR_UNMAPPED);
    /* a memory BAR over RAM hides the RAM, and gives it back */
    machine_mem_write(r.m, 0x200000, 0x12345678, 4);
    cfg_write(&r, devfn, 0x14, 0x200000, 4);
    ck_assert_uint_eq(machine_mem_read(r.m, 0x200000, 4), 0x11223344);
    cfg_write(&r, devfn, 0x14, 0, 4);
    ck_assert_uint_eq(machine_mem_read(r.m, 0x200000, 4), 0x12345678);

    /* reset: decoding off, BARs cleared */
    cfg_write(&r, devfn, 0x14, 0xfebf0000u, 4);
    ck_assert_uint_eq(pci_device_bar_addr(d, 1), 0xfebf0000u);
    machine_reset_devices(r.m);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x04, 2), 0);
    ck_assert_uint_eq(cfg_read(&r, devfn, 0x14, 4), 0);
    ck_assert_uint_eq(pci_device_bar_addr(d, 1), PCI_BAR_UNMAPPED);
    rig_free(&r);
}
END_TEST

/* ---- interrupts: INTx -> PIRQ -> ISA IRQ ---- */

START_TEST(intx_routing)
{
    struct rig r;
    char err[128];
    rig_init(&r, true);
    const struct pci_id id = { .vendor = 0x1234, .device = 1,
                               .class_code = 0xff0000, .irq_pin = 1 };
    struct pci_device *a = pci_device_new(r.bus, PCI_DEVFN(3, 0), &id, "a",
                                          err, sizeof err);
    struct pci_device *b = pci_device_new(r.bus, PCI_DEVFN(4, 0), &id, "b",
                                          err, sizeof err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    /* the swizzle: slot 1 INTA is PIRQA, slot 3 INTA PIRQC, slot 4 PIRQD */
    ck_assert_int_eq(pci_slot_pirq(1, 1), 0);
    ck_assert_int_eq(pci_slot_pirq(3, 1), 2);
    ck_assert_int_eq(pci_slot_pirq(4, 1), 3);
    ck_assert_int_eq(pci_slot_pirq(2, 4), 0);

    int isa = PCI_DEVFN(1, 0);
    /* routing disabled at reset: nothing reaches the ISA side */
    ck_assert_uint_eq(cfg_read(&r, isa, 0x60, 4), 0x80808080u);
    pci_device_set_irq(a, 1);
    ck_assert_int_eq(r.level[11], 0);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(3, 0), 0x06, 1) & 0x08, 0x08);
    /* route PIRQC and PIRQD to IRQ 11 (shared), as SeaBIOS does */
    cfg_write(&r, isa, 0x62, 0x0b0b, 2);
    ck_assert_int_eq(r.level[11], 1);
    pci_device_set_irq(b, 1);
    pci_device_set_irq(a, 0);
    ck_assert_int_eq(r.level[11], 1);   /* b still holds it */
    pci_device_set_irq(b, 0);
    ck_assert_int_eq(r.level[11], 0);
    /* INTx disable in COMMAND masks the pin, status still shows it */
    pci_device_set_irq(a, 1);
    ck_assert_int_eq(r.level[11], 1);
    cfg_write(&r, PCI_DEVFN(3, 0), 0x04, PCI_COMMAND_INTX_DISABLE, 2);
    ck_assert_int_eq(r.level[11], 0);
    ck_assert_uint_eq(cfg_read(&r, PCI_DEVFN(3, 0), 0x06, 1) & 0x08, 0x08);
    cfg_write(&r, PCI_DEVFN(3, 0), 0x04, 0, 2);
    ck_assert_int_eq(r.level[11], 1);
    /* rerouting moves the level; reserved IRQs (0-2, 8, 13) route nowhere */
    cfg_write(&r, isa, 0x62, 0x05, 1);
    ck_assert_int_eq(r.level[11], 0);
    ck_assert_int_eq(r.level[5], 1);
    cfg_write(&r, isa, 0x62, 0x08, 1);
    ck_assert_int_eq(r.level[5], 0);
    ck_assert_int_eq(r.level[8], 0);
    cfg_write(&r, isa, 0x62, 0x8b, 1);   /* disabled */
    ck_assert_int_eq(r.level[11], 0);
    pci_device_set_irq(a, 0);
    rig_free(&r);
}
END_TEST

/* ---- PAM and SMRAM ---- */

START_TEST(pam_shadowing)
{
    struct rig r;
    static uint8_t bios[128 * 1024];
    rig_init(&r, true);
    for (size_t i = 0; i < sizeof bios; i++)
        bios[i] = (uint8_t)(i * 13 + 5);
    ck_assert_int_eq(machine_add_rom(r.m, 0xe0000, bios, sizeof bios,
                                     "isa-bios"), 0);
    ck_assert_int_eq(machine_add_rom(r.m, 0xfffe0000u, bios, sizeof bios,
                                     "bios"), 0);

    /* power-on: PAM 0, reads go to the ROM, writes nowhere */
    ck_assert_uint_eq(cfg_read(&r, 0, 0x59, 1), 0);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0000, 1), bios[0x10000]);
    machine_mem_write(r.m, 0xf0000, 0xaa, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0000, 1), bios[0x10000]);
    /* 0xC0000 with nothing on the bus reads all ones */
    ck_assert_uint_eq(machine_mem_read(r.m, 0xc0000, 4), 0xffffffffu);
    ck_assert_ptr_null(machine_gpa_ptr(r.m, 0xc0000, false));

    /* write-only (0x20): reads the ROM, writes fill the RAM below */
    int calls = r.map_calls;
    cfg_write(&r, 0, 0x59, 0x20, 1);
    ck_assert_int_eq(r.map_calls, calls + 1);
    ck_assert_uint_eq(r.map_gpa, 0xf0000);
    ck_assert_uint_eq(r.map_len, 0x10000);
    machine_mem_write(r.m, 0xf0000, 0x12345678, 4);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0000, 1), bios[0x10000]);
    /* read-write (0x30): the RAM shows, with what was written */
    cfg_write(&r, 0, 0x59, 0x30, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0000, 4), 0x12345678);
    ck_assert_ptr_nonnull(machine_gpa_ptr(r.m, 0xf0000, true));
    machine_mem_write(r.m, 0xf0004, 0xabcd, 2);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0004, 2), 0xabcd);
    /* read-only (0x10): RAM readable, writes dropped */
    cfg_write(&r, 0, 0x59, 0x10, 1);
    machine_mem_write(r.m, 0xf0004, 0x1111, 2);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0004, 2), 0xabcd);
    ck_assert_ptr_nonnull(machine_gpa_ptr(r.m, 0xf0000, false));
    ck_assert_ptr_null(machine_gpa_ptr(r.m, 0xf0000, true));
    /* the low nibble of PAM0 is reserved */
    cfg_write(&r, 0, 0x59, 0x13, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x59, 1), 0x10);

    /* PAM1-6 in 16 KiB halves: 0x5A low nibble = 0xC0000, high 0xC4000 */
    cfg_write(&r, 0, 0x5a, 0x03, 1);
    machine_mem_write(r.m, 0xc0000, 0x55, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xc0000, 1), 0x55);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xc4000, 1), 0xff);
    /* 0x5E high nibble = 0xE4000: the ROM there until shadowed */
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe4000, 1), bios[0x4000]);
    cfg_write(&r, 0, 0x5e, 0x30, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe4000, 1), 0);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe0000, 1), bios[0]);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe8000, 1), bios[0x8000]);
    /* the map stays sorted and non-overlapping */
    const struct mem_region *map;
    int n = machine_regions(r.m, &map);
    for (int i = 1; i < n; i++)
        ck_assert_uint_ge(map[i].gpa, map[i - 1].gpa + map[i - 1].size);

    /* SeaBIOS's sequence: all RAM read/write, copy, then read-only */
    cfg_write(&r, 0, 0x58, 0x33333000u, 4);
    cfg_write(&r, 0, 0x5c, 0x33333333u, 4);
    uint8_t buf[64];
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe0001, 1), 0);
    ck_assert_int_eq(machine_mem_rw(r.m, 0xfffe0000u, buf, sizeof buf,
                                    false), 0);
    for (unsigned i = 0; i < sizeof buf; i++)
        machine_mem_write(r.m, 0xe0000 + i, buf[i], 1);
    cfg_write(&r, 0, 0x58, 0x11111000u, 4);
    cfg_write(&r, 0, 0x5c, 0x11111111u, 4);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe0001, 1), bios[1]);
    machine_mem_write(r.m, 0xe0001, 0, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xe0001, 1), bios[1]);

    /* reset: PAM back to 0 and the ROM visible again */
    machine_reset_devices(r.m);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x58, 4), 0);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xf0000, 1), bios[0x10000]);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xc0000, 1), 0xff);
    rig_free(&r);
}
END_TEST

START_TEST(smram_register)
{
    struct rig r;
    rig_init(&r, true);
    machine_mem_write(r.m, 0xa0000, 0x5a, 1);   /* hidden: no effect */
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x02);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000, 1), 0xff);
    /* D_OPEN shows the RAM under the VGA window */
    cfg_write(&r, 0, 0x72, 0x4a, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x4a);
    machine_mem_write(r.m, 0xa0000, 0x5a, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000, 1), 0x5a);
    /* C_BASE_SEG is fixed */
    cfg_write(&r, 0, 0x72, 0x4f, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x4a);
    /* D_LCK closes and locks */
    cfg_write(&r, 0, 0x72, 0x5a, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x1a);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000, 1), 0xff);
    cfg_write(&r, 0, 0x72, 0x42, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x1a);
    machine_reset_devices(r.m);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x02);
    cfg_write(&r, 0, 0x72, 0x42, 1);
    ck_assert_uint_eq(cfg_read(&r, 0, 0x72, 1), 0x42);
    rig_free(&r);
}
END_TEST

/* ---- PIIX4 power management ---- */

START_TEST(pm_block)
{
    struct rig r;
    rig_init(&r, true);
    int pm = PCI_DEVFN(1, 3);

    ck_assert_int_eq(piix_pm_base(r.sb), -1);
    /* APMC_EN reads as set: no SMM setup */
    ck_assert_uint_eq(cfg_read(&r, pm, 0x58, 4) & (1u << 25), 1u << 25);
    cfg_write(&r, pm, 0x58, 0, 4);
    ck_assert_uint_eq(cfg_read(&r, pm, 0x58, 4) & (1u << 25), 1u << 25);
    /* SeaBIOS's setup */
    cfg_write(&r, pm, 0x40, 0xb000 | 1, 4);
    ck_assert_uint_eq(cfg_read(&r, pm, 0x40, 4), 0xb001);
    ck_assert_int_eq(piix_pm_base(r.sb), -1);
    cfg_write(&r, pm, 0x80, 1, 1);
    ck_assert_int_eq(piix_pm_base(r.sb), 0xb000);

    /* the PM timer: 3.579545 MHz from the machine clock, 24 bits */
    r.now = 1000000000;   /* 1 s */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb008, 4), 3579545);
    r.now += 1000;        /* 1 us later: 3 or 4 ticks */
    uint32_t t = machine_pio_read(r.m, 0xb008, 4);
    ck_assert(t == 3579548 || t == 3579549);
    r.now = 10000000000ll;
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb008, 4),
                      35795450u & 0xffffff);
    machine_pio_write(r.m, 0xb008, 0, 4);   /* read-only */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb008, 4), 35795450u & 0xffffff);

    /* TMROF_STS when bit 23 flips; SCI on IRQ 9 once enabled */
    machine_pio_write(r.m, 0xb000, 0xffff, 2);   /* clear status */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb000, 2) & 1, 0);
    r.now += 2400000000ll;   /* 2.4 s: more than 2^23 ticks */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb000, 2) & 1, 1);
    ck_assert_int_eq(r.level[9], 0);
    machine_pio_write(r.m, 0xb002, 1, 2);        /* TMROF_EN */
    ck_assert_int_eq(r.level[9], 1);
    machine_pio_write(r.m, 0xb000, 1, 2);        /* acknowledge */
    ck_assert_int_eq(r.level[9], 0);
    /* the timer is armed for the next flip */
    int64_t due = machine_next_deadline(r.m);
    ck_assert(due > r.now && due <= r.now + 2400000000ll);
    r.now = due;
    machine_run_timers(r.m);
    ck_assert_int_eq(r.level[9], 1);
    machine_pio_write(r.m, 0xb002, 0, 2);
    ck_assert_int_eq(r.level[9], 0);

    /* ACPI enable through the APM port sets SCI_EN */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb004, 2) & 1, 0);
    machine_pio_write(r.m, 0xb2, 0xf1, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb004, 2) & 1, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb2, 1), 0xf1);
    machine_pio_write(r.m, 0xb3, 0x5a, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb3, 1), 0x5a);
    machine_pio_write(r.m, 0xb2, 0xf0, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb004, 2) & 1, 0);

    /* S3 is not emulated: nothing happens */
    machine_pio_write(r.m, 0xb004, 0x2000 | (1 << 10), 2);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_NONE);
    /* SLP_EN reads 0, SLP_TYP stays */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb004, 2), 1 << 10);
    /* S5: power off */
    machine_pio_write(r.m, 0xb004, 0x2000 | (0 << 10), 2);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_SHUTDOWN);
    machine_clear_request(r.m);

    /* moving PMBA moves the block */
    cfg_write(&r, pm, 0x40, 0x600, 4);
    ck_assert_int_eq(piix_pm_base(r.sb), 0x600);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb008, 4), 0xffffffffu);
    ck_assert_uint_eq(machine_pio_read(r.m, 0x608, 4),
                      piix_pm_timer(r.sb));
    cfg_write(&r, pm, 0x80, 0, 1);
    ck_assert_int_eq(piix_pm_base(r.sb), -1);

    /* SMBus: an empty bus, transactions end in DEV_ERR */
    cfg_write(&r, pm, 0x90, 0xb100, 4);
    cfg_write(&r, pm, 0xd2, 0x09, 1);
    machine_pio_write(r.m, 0xb104, 0xa1, 1);   /* address: read 0x50 */
    machine_pio_write(r.m, 0xb102, 0x48, 1);   /* byte data, start */
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb100, 1) & 0x04, 0x04);
    machine_pio_write(r.m, 0xb100, 0xff, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xb100, 1), 0);

    /* reset control: 0xCF9 bit 2 resets, bit 1 is kept */
    machine_pio_write(r.m, 0xcf9, 0x02, 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcf9, 1), 0x02);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_NONE);
    machine_pio_write(r.m, 0xcf9, 0x06, 1);
    ck_assert_int_eq(machine_pending_request(r.m), REQ_RESET);
    machine_clear_request(r.m);

    /* reset: PM block unmapped, registers back */
    cfg_write(&r, pm, 0x80, 1, 1);
    ck_assert_int_eq(piix_pm_base(r.sb), 0x600);
    machine_reset_devices(r.m);
    ck_assert_int_eq(piix_pm_base(r.sb), -1);
    ck_assert_uint_eq(cfg_read(&r, pm, 0x40, 4), 1);
    ck_assert_uint_eq(machine_pio_read(r.m, 0xcf9, 1), 0);
    rig_free(&r);
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *t = tcase_create("bus");
    tcase_add_test(t, config_mechanism);
    tcase_add_test(t, bar_sizing_and_mapping);
    tcase_add_test(t, intx_routing);
    suite_add_tcase(s, t);
    t = tcase_create("i440fx");
    tcase_add_test(t, pam_shadowing);
    tcase_add_test(t, smram_register);
    suite_add_tcase(s, t);
    t = tcase_create("piix");
    tcase_add_test(t, pm_block);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pci_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
