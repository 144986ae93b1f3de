/* The Intel 440FX host bridge (PMC, 8086:1237) at 00:00.0: the PAM
 * registers (0x59-0x5F) that decide whether 0xC0000-0xFFFFF reads ROM or
 * RAM and whether writes reach RAM, and the SMRAM register (0x72) whose
 * D_OPEN bit shows the RAM under the VGA window 0xA0000-0xBFFFF.  There is
 * no SMM, so the other SMRAM bits are only stored (with D_LCK's lock). */
#ifndef HW_I440FX_H
#define HW_I440FX_H

#include <stddef.h>

struct machine;
struct pci_bus;
struct i440fx;

#define I440FX_PAM0 0x59
#define I440FX_SMRAM 0x72

struct i440fx *i440fx_new(struct machine *m, struct pci_bus *bus, char *err,
                          size_t errlen);
void i440fx_free(struct i440fx *h);

#endif
