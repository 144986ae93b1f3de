/* isa-debugcon: the Bochs/QEMU debug console.  A byte written to the port
 * goes to a character backend (a wider write sends each byte, low first);
 * a read returns the readback value (0xE9 by default, which is how guests
 * detect the port). */
#ifndef HW_DEBUGCON_H
#define HW_DEBUGCON_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct chardev;
struct debugcon;

#define DEBUGCON_DEFAULT_PORT 0xe9
#define DEBUGCON_DEFAULT_READBACK 0xe9

struct debugcon *debugcon_new(struct machine *m, uint16_t port,
                              uint8_t readback, struct chardev *chr,
                              char *err, size_t errlen);
void debugcon_free(struct debugcon *d);

#endif
