/* The engine seam: one ops table per way of running guest code (the
 * interpreter, KVM).  The run loop in accel/run.c drives any engine and hands
 * what it exits for (I/O, MMIO, HLT, timers, requests) to the machine. */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/state.h"

struct machine;
struct cpu_model;
struct accel;   /* one engine instance bound to one machine */
struct vcpu;    /* one virtual CPU of that engine */

enum accel_exit_reason {
    EXIT_IO,         /* port access for the run loop to dispatch */
    EXIT_MMIO,       /* memory access outside RAM/ROM to dispatch */
    EXIT_HLT,        /* the CPU halted; run again once an interrupt is due */
    EXIT_BUDGET,     /* time slice used up / kicked: check timers, requests */
    EXIT_SHUTDOWN,   /* triple fault */
    EXIT_DEBUG,      /* single-step or breakpoint hit */
    EXIT_ERROR,      /* the engine cannot go on: msg says why */
};

struct accel_exit {
    enum accel_exit_reason reason;
    union {
        struct {
            uint16_t port;
            uint8_t size;      /* 1, 2, 4 */
            bool write;
            uint32_t count;    /* string I/O repeats */
            uint8_t *data;     /* count*size bytes, engine-owned */
        } io;
        struct {
            uint64_t gpa;
            uint8_t size;      /* 1..8 */
            bool write;
            uint8_t *data;     /* engine-owned */
        } mmio;
    };
    char msg[512];
};

/* Debug controls that behave the same on both engines. */
struct accel_debug {
    bool single_step;
    int nr_breakpoints;
    uint64_t breakpoints[4];   /* linear addresses */
};

struct accel_ops {
    const char *name;
    /* Can this engine run here?  0, or -1 with a one-line reason. */
    int (*probe)(char *err, size_t errlen);
    struct accel *(*init)(struct machine *m, const struct cpu_model *model,
                          char *err, size_t errlen);
    void (*destroy)(struct accel *a);
    struct vcpu *(*vcpu_create)(struct accel *a, int index, char *err,
                                size_t errlen);
    /* Run until an exit; 0, or -1 (exit->msg says why). */
    int (*run)(struct vcpu *v, struct accel_exit *exit);
    /* Ask a running vCPU to return (EXIT_BUDGET) soon. */
    void (*kick)(struct vcpu *v);
    int (*get_state)(struct vcpu *v, struct x86_state *s);
    int (*set_state)(struct vcpu *v, const struct x86_state *s);
    int (*set_debug)(struct vcpu *v, const struct accel_debug *d);
    /* Instructions retired so far, or -1 when the engine cannot count. */
    int64_t (*insn_count)(struct vcpu *v);
};

extern const struct accel_ops accel_interp_ops;
extern const struct accel_ops accel_kvm_ops;   /* present when built with kvm */

/* Look up an engine by name ("interp", "kvm"); NULL if unknown/not built. */
const struct accel_ops *accel_find(const char *name);

/* Pick the first engine of a ':'-separated list ("kvm:interp") that
 * probes and initialises.  On failure err explains the last refusal. */
struct accel_choice {
    const struct accel_ops *ops;
    struct accel *accel;
    struct vcpu *vcpu;
};
int accel_choose(const char *list, struct machine *m,
                 const struct cpu_model *model, struct accel_choice *out,
                 char *err, size_t errlen);

/* The run loop: run the vCPU, dispatch its exits to the machine, run timers,
 * wait while halted, honour requests.  Returns the exit status for tandem
 * (isa-debug-exit status, 0 on power-off, RUN_ENGINE_ERROR on an engine
 * error with the message printed: even, so never an isa-debug-exit status). */
#define RUN_ENGINE_ERROR 2
struct run_options {
    bool no_reboot;   /* a reset or triple fault ends the run (status 0) */
    /* The CPU state after a reset; NULL: the architectural RESET state.
     * The board's (a direct kernel boot restarts at the kernel). */
    int (*reset_state)(void *opaque, struct x86_state *st, char *err,
                       size_t errlen);
    void *reset_opaque;
};
int accel_run_loop(struct machine *m, const struct accel_choice *c,
                   const struct run_options *opt);

#endif
