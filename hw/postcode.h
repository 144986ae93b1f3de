/* Port 0x80: the POST code port firmware writes its progress to (and that
 * Linux writes to for I/O delays).  With `-d post` each code is logged;
 * reads return the last code written, as the PC's DMA page register at
 * that address does. */
#ifndef HW_POSTCODE_H
#define HW_POSTCODE_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct postcode;

#define POSTCODE_PORT 0x80

struct postcode *postcode_new(struct machine *m, char *err, size_t errlen);
void postcode_free(struct postcode *pc);
uint8_t postcode_last(const struct postcode *pc);

#endif
