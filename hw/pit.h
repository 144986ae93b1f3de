/* The 8254 programmable interval timer at ports 0x40-0x43, clocked at
 * 1.193182 MHz from the machine's virtual clock.
 *
 * All six modes, BCD counting, the counter-latch and read-back commands and
 * the LSB/MSB/word access flip-flops follow the Intel 8254 data sheet.
 * Counter values and OUT levels are computed from the clock when read;
 * a host timer is armed only for channel 0's next rising OUT edge (IRQ0).
 * Channel 1 is the PC's refresh timer: its rising OUT edges toggle port
 * 0x61 bit 4 (hw/pcspk.c).  Channel 2's GATE and OUT are port 0x61 bits 0
 * and 5.
 *
 * Choices where the data sheet leaves room (see pit.c):
 *  - a new count is taken on the write, without the one-CLK load delay
 *    (as QEMU and KVM do), so mode 0 with count N raises OUT N ticks later;
 *  - an initial count of 1 in modes 2 and 3 is illegal: OUT stays high and
 *    no interrupt is raised;
 *  - periodic IRQ0 edges (modes 2 and 3) are delivered at most every
 *    PIT_MIN_IRQ_PERIOD_NS; faster rates coalesce (counter reads stay
 *    exact), so a tiny divisor cannot flood the host with timer callbacks;
 *  - after reset every channel counts 65536 in mode 3, except channel 1,
 *    which runs the refresh rate a PC BIOS programs (mode 2, count 18). */
#ifndef HW_PIT_H
#define HW_PIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pit;

#define PIT_HZ 1193182
#define PIT_BASE 0x40
#define PIT_IRQ 0
#define PIT_MIN_IRQ_PERIOD_NS 20000

/* Claims ports 0x40-0x43; channel 0 drives machine IRQ `irq` (-1: none). */
struct pit *pit_new(struct machine *m, int irq, char *err, size_t errlen);
void pit_free(struct pit *p);
void pit_reset(struct pit *p);

/* GATE input of channel ch (0-2).  On a PC only channel 2's is wired (port
 * 0x61 bit 0); channels 0 and 1 are tied high. */
void pit_set_gate(struct pit *p, int ch, bool level);
bool pit_get_gate(struct pit *p, int ch);
/* OUT level of channel ch now. */
bool pit_get_out(struct pit *p, int ch);
/* Rising edges of channel ch's OUT since reset (port 0x61 bit 4 is the
 * parity of channel 1's). */
uint64_t pit_out_edges(struct pit *p, int ch);
/* The current initial count of channel ch in binary (1..65536) and its
 * mode (0-5): what a speaker model needs to know the tone. */
uint32_t pit_get_count(struct pit *p, int ch);
int pit_get_mode(struct pit *p, int ch);

#endif
