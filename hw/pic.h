/* The PC's pair of 8259A interrupt controllers: master at 0x20/0x21, slave
 * at 0xA0/0xA1 cascaded on master IR2, with the edge/level control
 * registers (ELCR) at 0x4D0/0x4D1.  IRQ lines 0-15 of the machine land
 * here; the model registers itself as the machine's interrupt controller.
 *
 * Behaviour follows QEMU's i8259 (the same model KVM's in-kernel PIC
 * implements), so guests compare equal across engines and with QEMU:
 * edge-triggered requests are latched on the rising edge and stay in IRR
 * until acknowledged even if the line drops; a level-triggered request that
 * is gone (or masked) by INTA time yields the spurious vector (IRQ7 on the
 * master, IRQ15 on the slave, the latter with master ISR bit 2 set). */
#ifndef HW_PIC_H
#define HW_PIC_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct pic;

/* Claims the ports and becomes the machine's intc.  NULL + err on failure. */
struct pic *pic_new(struct machine *m, char *err, size_t errlen);
void pic_free(struct pic *p);
void pic_reset(struct pic *p);

/* The same operations the machine's intc_ops use, for tests and debuggers. */
void pic_set_irq(struct pic *p, int irq, int level);
int pic_pending(struct pic *p);   /* 1 while INTR is asserted */
int pic_ack(struct pic *p);       /* INTA: the vector (spurious if none) */

#endif
