/* The PC's x87 error logic (MS-DOS compatibility, SDM vol. 1 appendix D):
 * with CR0.NE=0 the CPU signals an unmasked x87 exception on FERR#
 * instead of raising #MF; the board turns that into IRQ13, and a write to
 * port F0h clears it (on real boards it also asserts IGNNE#, so that the
 * handler's own x87 instructions do not wait: the interpreter never
 * freezes on FERR#, as QEMU and Bochs do not).  Reads of F0h see an
 * unclaimed port (all ones). */
#ifndef HW_FERR_H
#define HW_FERR_H

#include <stddef.h>

struct machine;
struct ferr;

#define FERR_PORT 0xf0
#define FERR_IRQ 13

struct ferr *ferr_new(struct machine *m, char *err, size_t errlen);
void ferr_free(struct ferr *f);

#endif
