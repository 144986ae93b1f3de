/* The PIIX south bridge at slot 1, as QEMU's "pc" board has it: the PIIX3
 * PCI-to-ISA bridge (8086:7000, function 0) and the PIIX4 power-management
 * function (8086:7113, function 3).
 *
 * Function 0: PIRQA-D route registers (0x60-0x63) that connect the four PCI
 * interrupt lines to ISA IRQs (level-triggered, shared; the PIC's ELCR at
 * 0x4D0/0x4D1 is set by the BIOS), and the reset control register at
 * 0xCF9.
 *
 * Function 3: the ACPI PM I/O block at PMBA (0x40, enabled by 0x80 bit 0):
 * PM1 status/enable/control, the 24-bit PM timer at 3.579545 MHz, SCI on
 * IRQ 9, power-off by writing sleep type 0 (S5) or 2 (S4) with SLP_EN to
 * PM1_CNT; the APM control/status ports 0xB2/0xB3 (writing 0xF1/0xF0 to
 * 0xB2 sets/clears SCI_EN, as the BIOS's ACPI tables promise); and an
 * SMBus host controller with nothing on the bus; and QEMU's additions that
 * the BIOS's ACPI tables use: GPE0 at 0xAFE0, PCI hotplug at 0xAE00 and
 * the CPU-present bitmap at 0xAF00 (nothing is hot-pluggable).  There is
 * no SMM: the APMC_EN bit (0x5B bit 1) reads as set so that SeaBIOS skips
 * its SMM setup, as on QEMU without SMM. */
#ifndef HW_PIIX_H
#define HW_PIIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pci_bus;
struct piix;

#define PIIX_SLOT 1
#define PIIX_SCI_IRQ 9
#define PM_TIMER_HZ 3579545

struct piix *piix_new(struct machine *m, struct pci_bus *bus, char *err,
                      size_t errlen);
void piix_free(struct piix *p);

/* The PM timer as the guest reads it now (24 bits). */
uint32_t piix_pm_timer(struct piix *p);
/* Where the PM block is mapped (PMBA), or -1 when PMIOSE is off. */
int piix_pm_base(struct piix *p);
/* Tell the PM function which legacy ports the board has (COM1 at 0x3F8,
 * COM2 at 0x2F8, LPT1 at 0x378): the BIOS's DSDT reads it, as on QEMU. */
void piix_set_isa_presence(struct piix *p, bool com1, bool com2, bool lpt);

#endif
