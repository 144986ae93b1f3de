/* isa-debug-exit: a write of V to the port ends tandem with exit status
 * (V << 1) | 1, as QEMU's device does, so test guests can report pass/fail
 * through the exit code.  Reads return 0. */
#ifndef HW_DEBUG_EXIT_H
#define HW_DEBUG_EXIT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct debug_exit;

#define DEBUG_EXIT_DEFAULT_PORT 0x501
#define DEBUG_EXIT_DEFAULT_SIZE 2

/* iosize is 1, 2 or 4. */
struct debug_exit *debug_exit_new(struct machine *m, uint16_t iobase,
                                  unsigned iosize, char *err, size_t errlen);
void debug_exit_free(struct debug_exit *d);

#endif
