/* Port 0x92, "system control port A" (fast A20 and fast reset):
 *   bit 0  a 0->1 write resets the machine (reads back until the reset)
 *   bit 1  A20 gate: 1 = address line 20 enabled
 * The other bits read back as written.  The A20 output goes to a hook the
 * board connects to the CPU (a PC ORs it with the 8042's A20 output). */
#ifndef HW_PORT92_H
#define HW_PORT92_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct port92;

#define PORT92_PORT 0x92

struct port92 *port92_new(struct machine *m, char *err, size_t errlen);
void port92_free(struct port92 *p);
/* Called with the new A20 level on every write to the port. */
void port92_set_a20_hook(struct port92 *p,
                         void (*set_a20)(void *opaque, bool on),
                         void *opaque);
bool port92_a20(const struct port92 *p);

#endif
