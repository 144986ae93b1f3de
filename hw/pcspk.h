/* Port 0x61, the PC's "port B" (NMI status and control on the PIIX): the
 * PC speaker and PIT channel 2's gate and output.
 *
 *   bit 0  R/W  PIT channel 2 GATE
 *   bit 1  R/W  speaker data enable (sound is not emulated)
 *   bit 2  R/W  parity / PCI SERR# check enable (no sources: no NMI)
 *   bit 3  R/W  I/O channel check enable (no sources: no NMI)
 *   bit 4  R    refresh toggle: flips on every rising edge of PIT
 *               channel 1's OUT (every 15.08 us at the BIOS's rate), so
 *               delay loops that count toggles take real virtual time
 *               (QEMU flips it on every read instead)
 *   bit 5  R    PIT channel 2 OUT
 *   bit 6  R    I/O channel check status (0)
 *   bit 7  R    parity / SERR# status (0) */
#ifndef HW_PCSPK_H
#define HW_PCSPK_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct pit;
struct pcspk;

#define PCSPK_PORT 0x61

struct pcspk *pcspk_new(struct machine *m, struct pit *pit, char *err,
                        size_t errlen);
void pcspk_free(struct pcspk *s);
void pcspk_reset(struct pcspk *s);

#endif
