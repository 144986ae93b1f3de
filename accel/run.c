/* Choosing an engine and the run loop that drives it: whichever engine ran
 * the guest, its I/O and MMIO exits go to the same machine, timers run here,
 * halts wait here, and device requests (exit, reset, power-off) end up here. */
#include "accel/accel.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "hw/machine.h"

#define HALT_WAIT_MAX_NS 100000000    /* re-check requests at least this often */
#define HOST_POLL_NS 1000000          /* serve host input while the guest spins */

const struct accel_ops *accel_find(const char *name)
{
    if (!strcmp(name, "interp"))
        return &accel_interp_ops;
#if defined(CONFIG_KVM) && CONFIG_KVM
    if (!strcmp(name, "kvm"))
        return &accel_kvm_ops;
#endif
    return NULL;
}

/* Names tandem knows even when this build lacks them. */
static bool accel_known(const char *name)
{
    return !strcmp(name, "interp") || !strcmp(name, "kvm");
}

/* Store "name: reason" unless the reason already names the engine. */
static void set_reason(char *err, size_t errlen, const char *name,
                       const char *reason)
{
    size_t nl = strlen(name);

    if (!strncmp(reason, name, nl) && reason[nl] == ':')
        snprintf(err, errlen, "%s", reason);
    else
        snprintf(err, errlen, "%s: %s", name, reason);
}

int accel_choose(const char *list, struct machine *m,
                 const struct cpu_model *model, struct accel_choice *out,
                 char *err, size_t errlen)
{
    const char *p = list;
    char name[32], reason[512];

    memset(out, 0, sizeof *out);
    if (!list || !*list) {
        snprintf(err, errlen, "no accelerator given");
        return -1;
    }
    snprintf(err, errlen, "no accelerator could be started");
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == 0 || len >= sizeof name) {
            snprintf(err, errlen, "unknown accelerator '%.*s'", (int)len, p);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';

        const struct accel_ops *ops = accel_find(name);
        if (!ops) {
            if (!accel_known(name)) {
                snprintf(err, errlen, "unknown accelerator '%s'", name);
                return -1;
            }
            set_reason(err, errlen, name, "not compiled into this tandem");
        } else {
            reason[0] = '\0';
            struct accel *a = NULL;
            struct vcpu *v = NULL;
            if (ops->probe && ops->probe(reason, sizeof reason) < 0) {
                set_reason(err, errlen, name,
                           reason[0] ? reason : "cannot run here");
            } else if (!(a = ops->init(m, model, reason, sizeof reason))) {
                set_reason(err, errlen, name,
                           reason[0] ? reason : "initialisation failed");
            } else if (!(v = ops->vcpu_create(a, 0, reason, sizeof reason))) {
                set_reason(err, errlen, name,
                           reason[0] ? reason : "cannot create a vCPU");
                ops->destroy(a);
            } else {
                out->ops = ops;
                out->accel = a;
                out->vcpu = v;
                return 0;
            }
        }
        if (!end)
            return -1;
        p = end + 1;
    }
}

static void run_kick(void *opaque)
{
    const struct accel_choice *c = opaque;
    c->ops->kick(c->vcpu);
}

/* System reset: devices to their power-on state, the CPU to RESET state.
 * RAM keeps its contents, as on a real PC. */
static int run_reset(struct machine *m, const struct accel_choice *c,
                     const struct run_options *opt)
{
    struct x86_state s;
    char err[512];

    machine_reset_devices(m);
    if (opt && opt->reset_state) {
        if (opt->reset_state(opt->reset_opaque, &s, err, sizeof err) < 0) {
            fprintf(stderr, "tandem: reset: %s\n", err);
            return -1;
        }
    } else {
        x86_state_reset(&s, cpu_model_default()->signature);
    }
    if (c->ops->set_state(c->vcpu, &s) < 0) {
        fprintf(stderr, "tandem: %s: cannot reset the CPU\n", c->ops->name);
        return -1;
    }
    return 0;
}

static void run_io(struct machine *m, const struct accel_exit *e)
{
    unsigned size = e->io.size;
    uint32_t count = e->io.count ? e->io.count : 1;

    if (size != 1 && size != 2 && size != 4)
        return;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *d = e->io.data + (size_t)i * size;
        if (e->io.write) {
            uint32_t v = 0;
            for (unsigned b = 0; b < size; b++)
                v |= (uint32_t)d[b] << (8 * b);
            machine_pio_write(m, e->io.port, v, size);
        } else {
            uint32_t v = machine_pio_read(m, e->io.port, size);
            for (unsigned b = 0; b < size; b++)
                d[b] = (uint8_t)(v >> (8 * b));
        }
    }
}

static void run_mmio(struct machine *m, const struct accel_exit *e)
{
    unsigned size = e->mmio.size;
    uint8_t *d = e->mmio.data;

    if (size == 0 || size > 8)
        return;
    if (e->mmio.write) {
        uint64_t v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= (uint64_t)d[b] << (8 * b);
        machine_mem_write(m, e->mmio.gpa, v, size);
    } else {
        uint64_t v = machine_mem_read(m, e->mmio.gpa, size);
        for (unsigned b = 0; b < size; b++)
            d[b] = (uint8_t)(v >> (8 * b));
    }
}

static int run_loop(struct machine *m, const struct accel_choice *c,
                    const struct run_options *opt)
{
    struct accel_exit exit;
    int64_t last_poll = machine_clock_ns(m);

    for (;;) {
        machine_run_timers(m);

        switch (machine_pending_request(m)) {
        case REQ_EXIT:
            return machine_exit_status(m);
        case REQ_SHUTDOWN:
            return 0;
        case REQ_RESET:
            if (opt && opt->no_reboot)
                return 0;
            machine_clear_request(m);
            if (run_reset(m, c, opt) < 0)
                return RUN_ENGINE_ERROR;
            continue;
        case REQ_NONE:
            break;
        }

        memset(&exit, 0, sizeof exit);
        if (c->ops->run(c->vcpu, &exit) < 0) {
            fprintf(stderr, "tandem: %s\n",
                    exit.msg[0] ? exit.msg : "engine failed");
            return RUN_ENGINE_ERROR;
        }

        switch (exit.reason) {
        case EXIT_IO:
            run_io(m, &exit);
            break;
        case EXIT_MMIO:
            run_mmio(m, &exit);
            break;
        case EXIT_HLT:
            /* The engine delivers a pending interrupt on its next run (or
             * halts again if IF=0); otherwise sleep until a timer, host
             * input, or the cap, since a device may be driven from outside. */
            if (!machine_intr_pending(m) &&
                machine_pending_request(m) == REQ_NONE) {
                machine_wait(m, HALT_WAIT_MAX_NS);
                last_poll = machine_clock_ns(m);
            }
            break;
        case EXIT_BUDGET:
        case EXIT_DEBUG:     /* no debugger attached yet: carry on */
            break;
        case EXIT_SHUTDOWN:
            if (opt && opt->no_reboot) {
                fprintf(stderr, "tandem: triple fault, not rebooting "
                        "(-no-reboot)\n");
                return 0;
            }
            fprintf(stderr, "tandem: triple fault, resetting\n");
            if (run_reset(m, c, opt) < 0)
                return RUN_ENGINE_ERROR;
            break;
        case EXIT_ERROR:
            fprintf(stderr, "tandem: %s\n",
                    exit.msg[0] ? exit.msg : "engine error");
            return RUN_ENGINE_ERROR;
        }

        /* A guest that never halts (polling a UART, say) still gets host
         * input: serve the poll fds without waiting every millisecond. */
        int64_t now = machine_clock_ns(m);
        if (now - last_poll >= HOST_POLL_NS || now < last_poll) {
            machine_wait(m, 0);
            last_poll = now;
        }
    }
}

int accel_run_loop(struct machine *m, const struct accel_choice *c,
                   const struct run_options *opt)
{
    int status;

    if (c->ops->kick)
        machine_set_kick(m, run_kick, (void *)c);
    status = run_loop(m, c, opt);
    if (c->ops->kick)
        machine_set_kick(m, NULL, NULL);
    return status;
}
