/* 16550A UART (the PC's COM ports), register-compatible with QEMU's
 * isa-serial so guests see the same device on every engine and under QEMU:
 * 16-byte FIFOs, trigger levels, the character timeout interrupt, loopback,
 * and the IRQ line driven without OUT2 gating (QEMU does not gate).
 * Bytes are transmitted to the backend at once: no baud-rate pacing. */
#ifndef HW_UART_H
#define HW_UART_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct chardev;
struct uart;

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4

/* Claim ports base..base+7 and drive `irq`.  chr may be NULL (output
 * dropped, no input). */
struct uart *uart_new(struct machine *m, uint16_t base, int irq,
                      struct chardev *chr, char *err, size_t errlen);
void uart_free(struct uart *u);
void uart_reset(struct uart *u);

/* Bytes arriving on the line (what the backend delivers); tests use it. */
void uart_receive(struct uart *u, const uint8_t *buf, int len);

#endif
