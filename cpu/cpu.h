/* The interpreter's x86 CPU, usable as a library: give it a bus (memory,
 * ports, interrupt controller) and run it.  accel/interp.c binds it to a
 * machine; the conformance runner binds it to a flat test RAM. */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/state.h"

struct cpu;
struct cpu_model;
struct logger;

/* What the CPU sees of the world.  page_ptr is the fast path: a host pointer
 * to the 4 KiB-aligned guest-physical page holding `gpa` when it is RAM (or
 * ROM, for reads), else NULL, and then mem_read/mem_write are called. */
struct cpu_bus {
    void *opaque;
    uint8_t *(*page_ptr)(void *opaque, uint64_t gpa, bool write);
    uint64_t (*mem_read)(void *opaque, uint64_t gpa, unsigned size);
    void (*mem_write)(void *opaque, uint64_t gpa, uint64_t val, unsigned size);
    uint32_t (*io_in)(void *opaque, uint16_t port, unsigned size);
    void (*io_out)(void *opaque, uint16_t port, uint32_t val, unsigned size);
    /* Maskable interrupt line (may be NULL: never pending). */
    bool (*intr_pending)(void *opaque);
    int (*intr_ack)(void *opaque);
    /* Optional: false while INTR is surely low, so that the run loop skips
     * intr_pending (a call chain into the PIC) between blocks. */
    const volatile bool *intr_hint;
    /* Optional: FERR#, an unmasked x87 exception at a waiting instruction
     * with CR0.NE=0 (the PC raises IRQ13; NULL: ignored). */
    void (*ferr)(void *opaque);
};

enum cpu_stop {
    CPU_STOP_BUDGET,     /* ran the instructions it was given */
    CPU_STOP_HALT,       /* HLT with nothing to wake it */
    CPU_STOP_REQUEST,    /* cpu_request_stop() or a device asked */
    CPU_STOP_SHUTDOWN,   /* triple fault */
    CPU_STOP_DEBUG,      /* single step / breakpoint */
};

struct cpu *cpu_new(const struct cpu_bus *bus, const struct cpu_model *model,
                    struct logger *log);
void cpu_free(struct cpu *c);

/* Architectural RESET state. */
void cpu_reset(struct cpu *c);

/* The state, for reading and writing between runs.  After writing, call
 * cpu_state_changed() so that cached translations are dropped. */
struct x86_state *cpu_state(struct cpu *c);
void cpu_state_changed(struct cpu *c);

/* Run at most `budget` instructions.  Interrupts are taken between blocks. */
enum cpu_stop cpu_run(struct cpu *c, uint64_t budget);

/* Make cpu_run return CPU_STOP_REQUEST at the next instruction boundary. */
void cpu_request_stop(struct cpu *c);

/* The physical memory map changed (PAM, a BAR moved): drop cached
 * translations to host memory (the TLB and the jump cache). */
void cpu_flush_translations(struct cpu *c);

/* Guest RAM was written behind the CPU's back (DMA, loaders). */
void cpu_invalidate_code(struct cpu *c, uint64_t gpa, uint64_t len);

uint64_t cpu_insn_count(const struct cpu *c);

/* The A20 gate (port 0x92, the 8042): disabled, bit 20 of every physical
 * address the CPU emits is 0.  The board owns the gate; enabled after
 * cpu_new. */
void cpu_set_a20(struct cpu *c, bool enabled);

/* Trap every instruction (single step) and stop at these linear addresses. */
void cpu_set_debug(struct cpu *c, bool single_step, const uint64_t *bps,
                   int nbps);

#endif
