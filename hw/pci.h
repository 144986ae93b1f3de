/* The PCI bus of the PC: one bus (number 0), configuration mechanism #1
 * (CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF), type 0 headers
 * with the standard registers, BAR sizing and mapping of I/O, memory and
 * expansion-ROM BARs into the machine as the command register allows, and
 * INTA-D lines swizzled by slot onto the four PIRQ lines that the ISA
 * bridge (hw/piix.c) routes to ISA IRQs.
 *
 * Devices create a function with pci_device_new, fill the registers beyond
 * the standard ones through pci_device_config(), and get a hook after each
 * configuration write.  Registers 0x40-0xFF are writable unless the device
 * says otherwise (as on QEMU), so a device only masks what is read-only. */
#ifndef HW_PCI_H
#define HW_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

struct pci_bus;
struct pci_device;

#define PCI_DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Standard configuration registers (type 0 header). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_PARITY 0x0040
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008

#define PCI_NUM_BARS 6
#define PCI_BAR_UNMAPPED UINT64_MAX

/* Every function of the board reports QEMU's subsystem IDs (Red Hat /
 * "QEMU virtual machine"): SeaBIOS looks for them on 00:00.0 to know it
 * runs on a QEMU-compatible board with fw_cfg. */
#define PCI_SUBVENDOR_DEFAULT 0x1af4
#define PCI_SUBDEVICE_DEFAULT 0x1100

enum pci_bar_kind {
    PCI_BAR_IO,            /* I/O space */
    PCI_BAR_MEM,           /* 32-bit memory */
    PCI_BAR_MEM_PREFETCH,  /* 32-bit prefetchable memory */
};

struct pci_id {
    uint16_t vendor, device;
    uint8_t revision;
    uint32_t class_code;   /* base << 16 | sub << 8 | prog-if */
    bool multi_function;   /* header type bit 7 (on function 0) */
    uint8_t irq_pin;       /* 0 none, 1-4 INTA-INTD */
};

/* The bus claims 0xCF8 and 0xCFC-0xCFF.  NULL + err on failure. */
struct pci_bus *pci_bus_new(struct machine *m, char *err, size_t errlen);
void pci_bus_free(struct pci_bus *b);   /* frees its devices too */

/* Where the four PIRQ lines go (the ISA bridge): called when a line's
 * level changes.  Until set, PCI interrupts go nowhere. */
void pci_bus_set_pirq_handler(struct pci_bus *b,
                              void (*fn)(void *opaque, int pirq, int level),
                              void *opaque);
/* The PIRQ line (0-3 = A-D) that pin (1-4) of a device in `slot` drives:
 * the i440FX/PIIX swizzle, which the BIOS's tables describe. */
int pci_slot_pirq(int slot, int pin);

/* Configuration cycles as CONFIG_ADDRESS/CONFIG_DATA make them (bus 0), for
 * tests and the board; a missing function reads all ones. */
uint32_t pci_config_read(struct pci_bus *b, int devfn, unsigned off,
                         unsigned size);
void pci_config_write(struct pci_bus *b, int devfn, unsigned off,
                      uint32_t val, unsigned size);

/* A function at devfn (bus 0).  NULL + err if the slot is taken. */
struct pci_device *pci_device_new(struct pci_bus *b, int devfn,
                                  const struct pci_id *id, const char *name,
                                  char *err, size_t errlen);
struct pci_device *pci_bus_device(struct pci_bus *b, int devfn);
struct machine *pci_device_machine(struct pci_device *d);

/* The 256-byte configuration space, for the device to set its registers
 * (at creation and from its hooks; not to change BARs). */
uint8_t *pci_device_config(struct pci_device *d);
/* Which bits of config bytes [off, off+len) the guest may write (wmask) and
 * which it clears by writing 1 (w1c, e.g. status bits). */
void pci_device_set_wmask(struct pci_device *d, unsigned off, unsigned len,
                          uint8_t mask);
void pci_device_set_w1cmask(struct pci_device *d, unsigned off, unsigned len,
                            uint8_t mask);

/* Called after every configuration write that reached the device (the
 * registers already hold the new values), and at bus reset after the
 * standard registers are reset. */
struct pci_device_hooks {
    void (*config_written)(void *opaque, unsigned off, unsigned size);
    void (*reset)(void *opaque);
};
void pci_device_set_hooks(struct pci_device *d,
                          const struct pci_device_hooks *hooks, void *opaque);

/* A BAR of `size` bytes (a power of two; at least 4 for I/O, 16 for
 * memory).  Accesses reach rd/wr with the offset into the BAR.  The BAR
 * is mapped while its decode bit in COMMAND is set and its address is
 * sane; an address colliding with something already there stays unmapped
 * (logged as a guest error). */
int pci_device_add_bar(struct pci_device *d, int bar, enum pci_bar_kind kind,
                       uint64_t size, mmio_read_fn rd, mmio_write_fn wr,
                       void *opaque);
/* An expansion ROM (the ROM BAR at 0x30): a copy of `data`, padded to a
 * power of two of at least 2 KiB, mapped read-only while enabled. */
int pci_device_set_rom(struct pci_device *d, const void *data, size_t size);
/* The guest-physical or port address a BAR (0-5, or 6 for the ROM) is
 * mapped at now, or PCI_BAR_UNMAPPED. */
uint64_t pci_device_bar_addr(struct pci_device *d, int bar);

/* Drive the device's interrupt pin (the one in its INTERRUPT_PIN). */
void pci_device_set_irq(struct pci_device *d, int level);

#endif
