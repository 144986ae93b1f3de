/* The interp engine: the library CPU of cpu/ bound to a machine.
 *
 * The CPU reaches devices synchronously: its port and MMIO accesses call
 * the machine's dispatch directly from inside the instruction, rather than
 * leaving the engine as the kvm engine must (docs/decisions.md).  The run
 * loop still sees HLT, time slices, requests and triple faults. */
#include <stdio.h>
#include <stdlib.h>

#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/machine.h"

/* Instructions per slice: the run loop checks timers and requests between
 * slices, and devices kick the CPU out early when they need to. */
#define SLICE_INSNS 200000

struct accel {
    struct machine *m;
    const struct cpu_model *model;
    struct vcpu *vcpu;
};

struct vcpu {
    struct accel *a;
    struct cpu *cpu;
};

static uint8_t *bus_page_ptr(void *opaque, uint64_t gpa, bool write)
{
    struct machine *m = opaque;
    uint64_t page = gpa & ~0xfffull;
    const struct mem_region *r = machine_find_region(m, page);
    if (!r || r->kind == MEM_MMIO || (write && r->kind == MEM_ROM))
        return NULL;
    if (page < r->gpa || page + 0x1000 > r->gpa + r->size)
        return NULL;   /* region does not cover the whole page */
    return r->host + (page - r->gpa);
}

static uint64_t bus_mem_read(void *opaque, uint64_t gpa, unsigned size)
{
    return machine_mem_read(opaque, gpa, size);
}

static void bus_mem_write(void *opaque, uint64_t gpa, uint64_t val, unsigned size)
{
    machine_mem_write(opaque, gpa, val, size);
}

static uint32_t bus_io_in(void *opaque, uint16_t port, unsigned size)
{
    return machine_pio_read(opaque, port, size);
}

static void bus_io_out(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    machine_pio_write(opaque, port, val, size);
}

static bool bus_intr_pending(void *opaque)
{
    return machine_intr_pending(opaque);
}

static int bus_intr_ack(void *opaque)
{
    return machine_intr_ack(opaque);
}

static void bus_ferr(void *opaque)
{
    machine_ferr(opaque);
}

static int interp_probe(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}

static struct accel *interp_init(struct machine *m, const struct cpu_model *model,
                                 char *err, size_t errlen)
{
    struct accel *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "interp: out of memory");
        return NULL;
    }
    a->m = m;
    a->model = model;
    return a;
}

static void interp_destroy(struct accel *a)
{
    if (a->vcpu) {
        machine_set_ram_write_hook(a->m, NULL, NULL);
        machine_set_map_hook(a->m, NULL, NULL);
        machine_set_a20_hook(a->m, NULL, NULL);
        machine_set_kick(a->m, NULL, NULL);
        cpu_free(a->vcpu->cpu);
        free(a->vcpu);
    }
    free(a);
}

static void on_ram_write(void *opaque, uint64_t gpa, uint64_t len)
{
    cpu_invalidate_code(opaque, gpa, len);
}

/* The memory map changed (PAM, a BAR moved): decoded code and the TLB's
 * host pointers for the range are stale. */
static void on_map_change(void *opaque, uint64_t gpa, uint64_t len)
{
    struct cpu *c = opaque;
    cpu_invalidate_code(c, gpa, len);
    cpu_flush_translations(c);
}

static void on_a20(void *opaque, bool on)
{
    cpu_set_a20(opaque, on);
}

static void on_kick(void *opaque)
{
    cpu_request_stop(opaque);
}

static struct vcpu *interp_vcpu_create(struct accel *a, int index, char *err,
                                       size_t errlen)
{
    if (index != 0) {
        snprintf(err, errlen, "interp: only one CPU is supported for now");
        return NULL;
    }
    struct vcpu *v = calloc(1, sizeof *v);
    const struct cpu_bus bus = {
        .opaque = a->m,
        .page_ptr = bus_page_ptr,
        .mem_read = bus_mem_read,
        .mem_write = bus_mem_write,
        .io_in = bus_io_in,
        .io_out = bus_io_out,
        .intr_pending = bus_intr_pending,
        .intr_ack = bus_intr_ack,
        .intr_hint = machine_intr_hint(a->m),
        .ferr = bus_ferr,
    };
    if (v)
        v->cpu = cpu_new(&bus, a->model, machine_logger(a->m));
    if (!v || !v->cpu) {
        free(v);
        snprintf(err, errlen, "interp: out of memory");
        return NULL;
    }
    v->a = a;
    a->vcpu = v;
    machine_set_ram_write_hook(a->m, on_ram_write, v->cpu);
    machine_set_map_hook(a->m, on_map_change, v->cpu);
    machine_set_a20_hook(a->m, on_a20, v->cpu);
    machine_set_kick(a->m, on_kick, v->cpu);
    return v;
}

static int interp_run(struct vcpu *v, struct accel_exit *exit)
{
    switch (cpu_run(v->cpu, SLICE_INSNS)) {
    case CPU_STOP_HALT:
        exit->reason = EXIT_HLT;
        break;
    case CPU_STOP_SHUTDOWN:
        exit->reason = EXIT_SHUTDOWN;
        break;
    case CPU_STOP_DEBUG:
        exit->reason = EXIT_DEBUG;
        break;
    default:
        exit->reason = EXIT_BUDGET;
        break;
    }
    return 0;
}

static void interp_kick(struct vcpu *v)
{
    cpu_request_stop(v->cpu);
}

static int interp_get_state(struct vcpu *v, struct x86_state *s)
{
    *s = *cpu_state(v->cpu);
    return 0;
}

static int interp_set_state(struct vcpu *v, const struct x86_state *s)
{
    *cpu_state(v->cpu) = *s;
    cpu_state_changed(v->cpu);
    return 0;
}

static int interp_set_debug(struct vcpu *v, const struct accel_debug *d)
{
    cpu_set_debug(v->cpu, d->single_step, d->breakpoints, d->nr_breakpoints);
    return 0;
}

static int64_t interp_insn_count(struct vcpu *v)
{
    return (int64_t)cpu_insn_count(v->cpu);
}

const struct accel_ops accel_interp_ops = {
    .name = "interp",
    .probe = interp_probe,
    .init = interp_init,
    .destroy = interp_destroy,
    .vcpu_create = interp_vcpu_create,
    .run = interp_run,
    .kick = interp_kick,
    .get_state = interp_get_state,
    .set_state = interp_set_state,
    .set_debug = interp_set_debug,
    .insn_count = interp_insn_count,
};
