/* The kvm engine: runs the guest on /dev/kvm against the shared board.
 *
 * Guest RAM and ROM are the machine's own host mappings, mapped into the VM
 * as memory slots; everything else (MMIO) stays unmapped so that KVM exits
 * to us.  There is no in-kernel irqchip: the PIC model in hw/ decides the
 * vector and we inject it with KVM_INTERRUPT through the interrupt window,
 * so that both engines see the same interrupt controller.
 *
 * Time: the machine's timers live in user space, so before each KVM_RUN a
 * per-vCPU POSIX timer is armed for the next deadline (capped at
 * KVM_RUN_SLICE_NS).  Its signal is blocked in the thread and unblocked only
 * inside KVM_RUN (KVM_SET_SIGNAL_MASK), which then returns -EINTR. */
#include "accel/accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "hw/machine.h"

#define KVM_DEV "/dev/kvm"
#define KVM_RUN_SLICE_NS 10000000LL   /* longest a single KVM_RUN may last */
#define KVM_MAX_VCPUS 64
#define KVM_MAX_CPUID 64

/* Where KVM keeps its real-mode TSS (3 pages) and EPT identity map (1 page)
 * on Intel without unrestricted guest: QEMU's addresses, which SeaBIOS
 * reserves in the e820 map when it runs on KVM. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR          (KVM_IDENTITY_MAP_ADDR + 0x1000)

#define MSR_IA32_TSC          0x10
#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176

/* struct x86_events.interrupt_shadow bits */
#define SHADOW_STI   1
#define SHADOW_MOVSS 2

struct accel {
    struct machine *m;
    const struct cpu_model *model;
    int kvm_fd, vm_fd;
    size_t run_size;
    bool cap_readonly, cap_immediate_exit, cap_debugregs, cap_vcpu_events,
         cap_mp_state;
    size_t xsave_size;           /* 0: no KVM_CAP_XSAVE, use KVM_GET_FPU */
    bool cap_xsave2;
    uint32_t host_leaf1[4], host_ext1[4];   /* KVM_GET_SUPPORTED_CPUID */
    struct vcpu *vcpus[KVM_MAX_VCPUS];
    int nr_vcpus;
    /* memory slots as installed, re-synced when the machine's map changes */
    struct kvm_slot *slots;
    int nr_slots, max_slots;
    char map_err[256];           /* a failed re-map, reported by the next run */
};

struct kvm_slot {
    bool used;
    uint64_t gpa, size;
    uintptr_t host;
    uint32_t flags;
};

struct vcpu {
    struct accel *a;
    int fd, index;
    struct kvm_run *run;

    /* the deadline timer, bound to the thread that last ran the vCPU */
    bool timer_ok;
    timer_t timer;
    int64_t timer_expiry;        /* host CLOCK_MONOTONIC ns, 0 = disarmed */
    pthread_t thread;
    atomic_bool in_run;
    atomic_bool kicked;

    bool halted;                 /* HLT executed, waiting for an interrupt */
    bool can_inject;             /* KVM said an interrupt may go in now */
    bool need_complete;          /* last exit was I/O or MMIO: KVM finishes it
                                    on the next KVM_RUN */
    /* Debugging.  Resuming from a hardware breakpoint steps one
     * instruction with the breakpoints off, as debuggers do, so that the
     * same breakpoint does not fire again at once. */
    struct kvm_guest_debug dbg;  /* what the user asked for */
    bool step_over;              /* stopped on a breakpoint at bp_pc */
    bool stepping;               /* stepping over it now */
    uint64_t bp_pc;
};

static int kvm_sig(void)
{
    return SIGRTMIN;
}

static void kvm_sig_noop(int sig)
{
    (void)sig;
}

static int64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* "kvm: <what>: <strerror>" with the errno of the failed call. */
static void kvm_perror(char *err, size_t errlen, const char *what)
{
    int e = errno;
    if (err && errlen)
        snprintf(err, errlen, "kvm: %s: %s", what, strerror(e));
}

static int kvm_check_cap(int fd, int cap)
{
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

/* ---- probe ---- */

static int kvm_open(char *err, size_t errlen)
{
    int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENXIO || e == ENODEV)
            snprintf(err, errlen, "%s: %s (KVM not available on this host)",
                     KVM_DEV, strerror(e));
        else if (e == EACCES || e == EPERM)
            snprintf(err, errlen,
                     "%s: %s (add your user to the kvm group)", KVM_DEV,
                     strerror(e));
        else
            snprintf(err, errlen, "%s: %s", KVM_DEV, strerror(e));
        return -1;
    }
    int v = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (v < 0) {
        kvm_perror(err, errlen, "KVM_GET_API_VERSION");
        close(fd);
        return -1;
    }
    if (v != KVM_API_VERSION) {
        snprintf(err, errlen, "kvm: KVM_GET_API_VERSION is %d, expected %d",
                 v, KVM_API_VERSION);
        close(fd);
        return -1;
    }
    if (!kvm_check_cap(fd, KVM_CAP_USER_MEMORY) ||
        !kvm_check_cap(fd, KVM_CAP_EXT_CPUID)) {
        snprintf(err, errlen, "kvm: the host's KVM lacks %s",
                 kvm_check_cap(fd, KVM_CAP_USER_MEMORY) ?
                 "KVM_CAP_EXT_CPUID" : "KVM_CAP_USER_MEMORY");
        close(fd);
        return -1;
    }
    return fd;
}

static int kvm_probe(char *err, size_t errlen)
{
    int fd = kvm_open(err, errlen);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* ---- init ---- */

static bool range_overlaps(const struct machine *m, uint64_t gpa,
                           uint64_t size)
{
    const struct mem_region *r;
    int n = machine_regions(m, &r);
    for (int i = 0; i < n; i++)
        if (gpa < r[i].gpa + r[i].size && r[i].gpa < gpa + size)
            return true;
    return false;
}

static int kvm_read_host_cpuid(struct accel *a, char *err, size_t errlen)
{
    int nent = 128;
    for (;;) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c +
                                      nent * sizeof(struct kvm_cpuid_entry2));
        if (!c) {
            snprintf(err, errlen, "kvm: out of memory");
            return -1;
        }
        c->nent = nent;
        if (ioctl(a->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            free(c);
            if (errno == E2BIG && nent < 4096) {
                nent *= 2;
                continue;
            }
            kvm_perror(err, errlen, "KVM_GET_SUPPORTED_CPUID");
            return -1;
        }
        for (uint32_t i = 0; i < c->nent; i++) {
            const struct kvm_cpuid_entry2 *e = &c->entries[i];
            uint32_t *dst = e->function == 1 ? a->host_leaf1 :
                            e->function == 0x80000001u ? a->host_ext1 : NULL;
            if (dst && e->index == 0) {
                dst[0] = e->eax;
                dst[1] = e->ebx;
                dst[2] = e->ecx;
                dst[3] = e->edx;
            }
        }
        free(c);
        return 0;
    }
}

/* The slots the machine's map asks for now; returns the count or -1. */
static int kvm_wanted_slots(struct accel *a, struct kvm_slot *want, int max,
                            char *err, size_t errlen)
{
    const struct mem_region *r;
    int n = machine_regions(a->m, &r);
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
    int nw = 0;

    for (int i = 0; i < n; i++) {
        if (r[i].kind == MEM_MMIO || !r[i].size)
            continue;
        /* KVM maps whole pages.  A page shared by two regions (a ROM whose
         * size is not a page multiple) stays unmapped: its accesses exit as
         * MMIO and the machine dispatches them byte-exactly. */
        uint64_t start = (r[i].gpa + pg - 1) & ~(pg - 1);
        uint64_t end = (r[i].gpa + r[i].size) & ~(pg - 1);
        if (start != r[i].gpa || end != r[i].gpa + r[i].size) {
            if (log_enabled(machine_logger(a->m), LOG_UNIMP))
                log_printf(machine_logger(a->m),
                           "kvm: \"%s\" at 0x%llx+0x%llx is not page-aligned;"
                           " its partial pages run as MMIO\n",
                           r[i].name ? r[i].name : "?",
                           (unsigned long long)r[i].gpa,
                           (unsigned long long)r[i].size);
        }
        if (end <= start)
            continue;
        uint8_t *host = r[i].host + (start - r[i].gpa);
        if ((uintptr_t)host & (pg - 1)) {
            snprintf(err, errlen, "kvm: the host memory of \"%s\" is not "
                     "page-aligned, KVM cannot map it",
                     r[i].name ? r[i].name : "?");
            return -1;
        }
        if (nw >= max) {
            snprintf(err, errlen, "kvm: the memory map has more regions than "
                     "the host's %d memory slots", max);
            return -1;
        }
        struct kvm_slot *w = &want[nw++];
        *w = (struct kvm_slot){ .used = true, .gpa = start,
                                .size = end - start, .host = (uintptr_t)host };
        if (r[i].kind == MEM_ROM) {
            if (a->cap_readonly)
                w->flags = KVM_MEM_READONLY;   /* writes exit as MMIO */
            else if (log_enabled(machine_logger(a->m), LOG_UNIMP))
                log_printf(machine_logger(a->m),
                           "kvm: no KVM_CAP_READONLY_MEM: ROM \"%s\" is "
                           "mapped writable\n", r[i].name ? r[i].name : "?");
        }
    }
    return nw;
}

static bool slot_same(const struct kvm_slot *x, const struct kvm_slot *y)
{
    return x->gpa == y->gpa && x->size == y->size && x->host == y->host &&
           x->flags == y->flags;
}

static int kvm_set_slot(struct accel *a, uint32_t slot,
                        const struct kvm_slot *s, char *err, size_t errlen)
{
    struct kvm_userspace_memory_region mr = {
        .slot = slot,
        .flags = s ? s->flags : 0,
        .guest_phys_addr = s ? s->gpa : a->slots[slot].gpa,
        .memory_size = s ? s->size : 0,   /* size 0 deletes the slot */
        .userspace_addr = s ? s->host : 0,
    };
    if (ioctl(a->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
        int e = errno;
        snprintf(err, errlen, "kvm: KVM_SET_USER_MEMORY_REGION (slot %u at "
                 "0x%llx): %s", slot, (unsigned long long)mr.guest_phys_addr,
                 strerror(e));
        return -1;
    }
    return 0;
}

/* Make KVM's memory slots match the machine's map: slots that changed are
 * deleted first (KVM refuses overlapping slots), then the new ones added. */
static int kvm_map_memory(struct accel *a, char *err, size_t errlen)
{
    if (!a->slots) {
        int max = kvm_check_cap(a->kvm_fd, KVM_CAP_NR_MEMSLOTS);
        if (max <= 0)
            max = 32;   /* the oldest kernels' fixed count */
        a->slots = calloc((size_t)max, sizeof *a->slots);
        if (!a->slots) {
            snprintf(err, errlen, "kvm: out of memory");
            return -1;
        }
        a->max_slots = max;
    }
    const struct mem_region *regions;
    int nr = machine_regions(a->m, &regions);
    int cap = nr < a->max_slots ? nr : a->max_slots;
    struct kvm_slot *want = calloc((size_t)(cap ? cap : 1), sizeof *want);
    if (!want) {
        snprintf(err, errlen, "kvm: out of memory");
        return -1;
    }
    int nw = kvm_wanted_slots(a, want, cap, err, errlen);
    int rc = nw < 0 ? -1 : 0;

    for (int i = 0; i < a->nr_slots && rc == 0; i++) {
        if (!a->slots[i].used)
            continue;
        bool keep = false;
        for (int j = 0; j < nw && !keep; j++)
            if (want[j].used && slot_same(&a->slots[i], &want[j])) {
                want[j].used = false;   /* already there */
                keep = true;
            }
        if (!keep) {
            rc = kvm_set_slot(a, (uint32_t)i, NULL, err, errlen);
            a->slots[i].used = false;
        }
    }
    for (int j = 0; j < nw && rc == 0; j++) {
        if (!want[j].used)
            continue;
        int i;
        for (i = 0; i < a->max_slots && a->slots[i].used; i++)
            ;
        if (i == a->max_slots) {
            snprintf(err, errlen, "kvm: the memory map has more regions than "
                     "the host's %d memory slots", a->max_slots);
            rc = -1;
            break;
        }
        rc = kvm_set_slot(a, (uint32_t)i, &want[j], err, errlen);
        if (rc == 0) {
            a->slots[i] = want[j];
            if (i >= a->nr_slots)
                a->nr_slots = i + 1;
        }
    }
    free(want);
    return rc;
}

/* The machine's map hook (PAM, BARs): re-sync the slots now, between two
 * KVM_RUNs; a failure is reported by the next run. */
static void kvm_on_map_change(void *opaque, uint64_t gpa, uint64_t len)
{
    struct accel *a = opaque;
    (void)gpa;
    (void)len;
    if (!a->map_err[0])
        kvm_map_memory(a, a->map_err, sizeof a->map_err);
}

static void kvm_destroy(struct accel *a);

static struct accel *kvm_init(struct machine *m, const struct cpu_model *model,
                              char *err, size_t errlen)
{
    struct accel *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "kvm: out of memory");
        return NULL;
    }
    a->m = m;
    a->model = model ? model : cpu_model_default();
    a->vm_fd = -1;
    a->kvm_fd = kvm_open(err, errlen);
    if (a->kvm_fd < 0)
        goto fail;

    int sz = ioctl(a->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (sz < (int)sizeof(struct kvm_run)) {
        if (sz >= 0)
            errno = EINVAL;
        kvm_perror(err, errlen, "KVM_GET_VCPU_MMAP_SIZE");
        goto fail;
    }
    a->run_size = (size_t)sz;

    do
        a->vm_fd = ioctl(a->kvm_fd, KVM_CREATE_VM, 0);
    while (a->vm_fd < 0 && errno == EINTR);
    if (a->vm_fd < 0) {
        kvm_perror(err, errlen, "KVM_CREATE_VM");
        goto fail;
    }

    /* Capabilities are asked of the VM where the kernel allows it, since a
     * VM may support less than the system. */
    a->cap_readonly = kvm_check_cap(a->vm_fd, KVM_CAP_READONLY_MEM);
    a->cap_immediate_exit = kvm_check_cap(a->vm_fd, KVM_CAP_IMMEDIATE_EXIT);
    a->cap_debugregs = kvm_check_cap(a->vm_fd, KVM_CAP_DEBUGREGS);
    a->cap_vcpu_events = kvm_check_cap(a->vm_fd, KVM_CAP_VCPU_EVENTS);
    a->cap_mp_state = kvm_check_cap(a->vm_fd, KVM_CAP_MP_STATE);
    /* KVM_GET/SET_FPU ignore MXCSR; the XSAVE image carries it */
    if (kvm_check_cap(a->vm_fd, KVM_CAP_XSAVE)) {
        int x2 = kvm_check_cap(a->vm_fd, KVM_CAP_XSAVE2);
        a->cap_xsave2 = x2 > 0;
        a->xsave_size = x2 > (int)sizeof(struct kvm_xsave) ?
                        (size_t)x2 : sizeof(struct kvm_xsave);
    }

    /* Intel without unrestricted guest runs real mode in vm86 and needs
     * these pages; they must not collide with the board's memory map. */
    if (kvm_check_cap(a->vm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        uint64_t addr = KVM_IDENTITY_MAP_ADDR;
        if (range_overlaps(m, addr, 0x1000)) {
            snprintf(err, errlen, "kvm: the memory map overlaps KVM's identity "
                     "map page at 0x%llx", (unsigned long long)addr);
            goto fail;
        }
        if (ioctl(a->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) {
            kvm_perror(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR");
            goto fail;
        }
    }
    if (kvm_check_cap(a->vm_fd, KVM_CAP_SET_TSS_ADDR)) {
        if (range_overlaps(m, KVM_TSS_ADDR, 0x3000)) {
            snprintf(err, errlen, "kvm: the memory map overlaps KVM's TSS "
                     "pages at 0x%llx", (unsigned long long)KVM_TSS_ADDR);
            goto fail;
        }
        if (ioctl(a->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
            kvm_perror(err, errlen, "KVM_SET_TSS_ADDR");
            goto fail;
        }
    }
    if (kvm_read_host_cpuid(a, err, errlen) < 0)
        goto fail;
    if (kvm_map_memory(a, err, errlen) < 0)
        goto fail;
    machine_set_map_hook(m, kvm_on_map_change, a);
    return a;

fail:
    kvm_destroy(a);
    return NULL;
}

static void kvm_vcpu_free(struct vcpu *v)
{
    if (v->timer_ok)
        timer_delete(v->timer);
    if (v->run)
        munmap(v->run, v->a->run_size);
    if (v->fd >= 0)
        close(v->fd);
    free(v);
}

static void kvm_destroy(struct accel *a)
{
    if (!a)
        return;
    if (a->nr_vcpus)
        machine_set_kick(a->m, NULL, NULL);
    if (a->slots)
        machine_set_map_hook(a->m, NULL, NULL);
    free(a->slots);
    for (int i = 0; i < a->nr_vcpus; i++)
        kvm_vcpu_free(a->vcpus[i]);
    if (a->vm_fd >= 0)
        close(a->vm_fd);
    if (a->kvm_fd >= 0)
        close(a->kvm_fd);
    free(a);
}

/* ---- vCPU creation ---- */

static int kvm_set_cpuid(struct vcpu *v, char *err, size_t errlen)
{
    struct accel *a = v->a;
    uint32_t leaves[KVM_MAX_CPUID];
    int n = cpuid_leaves(a->model, leaves, KVM_MAX_CPUID);
    struct kvm_cpuid2 *c = calloc(1, sizeof *c +
                                  n * sizeof(struct kvm_cpuid_entry2));
    if (!c) {
        snprintf(err, errlen, "kvm: out of memory");
        return -1;
    }
    c->nent = n;
    for (int i = 0; i < n; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        uint32_t out[4];
        cpuid_query(a->model, leaves[i], 0, out);
        const uint32_t *host = leaves[i] == 1 ? a->host_leaf1 :
                               leaves[i] == 0x80000001u ? a->host_ext1 : NULL;
        if (host) {
            /* the guest sees only features both the model and the host
             * have; say which ones the host took away */
            uint32_t lost_c = out[2] & ~host[2], lost_d = out[3] & ~host[3];
            if ((lost_c || lost_d) && v->index == 0 &&
                log_enabled(machine_logger(a->m), LOG_UNIMP))
                log_printf(machine_logger(a->m),
                           "kvm: host lacks CPUID 0x%x features ecx 0x%x "
                           "edx 0x%x of the model; the guest will not see "
                           "them\n", leaves[i], lost_c, lost_d);
            out[2] &= host[2];
            out[3] &= host[3];
        }
        e->function = leaves[i];
        e->index = 0;
        e->flags = 0;
        e->eax = out[0];
        e->ebx = out[1];
        e->ecx = out[2];
        e->edx = out[3];
    }
    int r = ioctl(v->fd, KVM_SET_CPUID2, c);
    if (r < 0)
        kvm_perror(err, errlen, "KVM_SET_CPUID2");
    free(c);
    return r < 0 ? -1 : 0;
}

static void kvm_kick(struct vcpu *v);

static void kvm_kick_cb(void *opaque)
{
    kvm_kick(opaque);
}

static struct vcpu *kvm_vcpu_create(struct accel *a, int index, char *err,
                                    size_t errlen)
{
    if (a->nr_vcpus >= KVM_MAX_VCPUS) {
        snprintf(err, errlen, "kvm: too many vCPUs");
        return NULL;
    }
    struct vcpu *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "kvm: out of memory");
        return NULL;
    }
    v->a = a;
    v->index = index;
    v->fd = ioctl(a->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (v->fd < 0) {
        kvm_perror(err, errlen, "KVM_CREATE_VCPU");
        goto fail;
    }
    void *p = mmap(NULL, a->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   v->fd, 0);
    if (p == MAP_FAILED) {
        kvm_perror(err, errlen, "mmap of the kvm_run area");
        goto fail;
    }
    v->run = p;
    if (kvm_set_cpuid(v, err, errlen) < 0)
        goto fail;

    /* The signal only ever arrives inside KVM_RUN; a handler is installed
     * in case something unblocks it, since its default action kills. */
    struct sigaction old;
    if (sigaction(kvm_sig(), NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
        !(old.sa_flags & SA_SIGINFO)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = kvm_sig_noop;
        sigemptyset(&sa.sa_mask);
        sigaction(kvm_sig(), &sa, NULL);
    }

    a->vcpus[a->nr_vcpus++] = v;
    if (index == 0)
        machine_set_kick(a->m, kvm_kick_cb, v);
    return v;

fail:
    kvm_vcpu_free(v);
    return NULL;
}

/* ---- the deadline timer ---- */

/* Bind the timer and the signal mask to the calling thread (done again if
 * the vCPU moves to another thread). */
static int kvm_thread_setup(struct vcpu *v, char *err, size_t errlen)
{
    if (v->timer_ok && pthread_equal(v->thread, pthread_self()))
        return 0;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (v->timer_ok) {
        timer_delete(v->timer);
        v->timer_ok = false;
    }

    sigset_t block, cur;
    sigemptyset(&block);
    sigaddset(&block, kvm_sig());
    if (pthread_sigmask(SIG_BLOCK, &block, &cur) != 0) {
        snprintf(err, errlen, "kvm: pthread_sigmask failed");
        return -1;
    }
    /* Inside KVM_RUN: the thread's mask, minus our signal. */
    sigdelset(&cur, kvm_sig());
    struct {
        struct kvm_signal_mask hdr;
        uint8_t set[8];
    } km;
    km.hdr.len = 8;   /* the kernel's sigset_t on x86-64 */
    memcpy(km.set, &cur, 8);
    if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &km) < 0) {
        kvm_perror(err, errlen, "KVM_SET_SIGNAL_MASK");
        return -1;
    }

    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = kvm_sig();
    sev._sigev_un._tid = tid;
    if (timer_create(CLOCK_MONOTONIC, &sev, &v->timer) < 0) {
        kvm_perror(err, errlen, "timer_create");
        return -1;
    }
    v->timer_ok = true;
    v->timer_expiry = 0;
    v->thread = pthread_self();
    return 0;
}

/* Throw away a timer signal that is pending outside KVM_RUN. */
static void kvm_drain_signal(void)
{
    sigset_t set;
    struct timespec zero = { 0, 0 };
    sigemptyset(&set);
    sigaddset(&set, kvm_sig());
    while (sigtimedwait(&set, NULL, &zero) >= 0)
        ;
}

/* Make sure the timer fires no later than `expiry` (host ns).  An earlier
 * pending expiry is kept: it only costs a spurious EXIT_BUDGET. */
static int kvm_arm_timer(struct vcpu *v, int64_t now, int64_t expiry,
                         char *err, size_t errlen)
{
    if (v->timer_expiry > now && v->timer_expiry <= expiry)
        return 0;
    if (v->timer_expiry)
        kvm_drain_signal();
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = expiry / 1000000000LL;
    its.it_value.tv_nsec = expiry % 1000000000LL;
    if (timer_settime(v->timer, TIMER_ABSTIME, &its, NULL) < 0) {
        kvm_perror(err, errlen, "timer_settime");
        return -1;
    }
    v->timer_expiry = expiry;
    return 0;
}

/* ---- running ---- */

static const char *kvm_exit_name(uint32_t r)
{
    static const char *const names[] = {
        [KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
        [KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
        [KVM_EXIT_IO] = "KVM_EXIT_IO",
        [KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
        [KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
        [KVM_EXIT_HLT] = "KVM_EXIT_HLT",
        [KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
        [KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
        [KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
        [KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
        [KVM_EXIT_INTR] = "KVM_EXIT_INTR",
        [KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
        [KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
        [KVM_EXIT_NMI] = "KVM_EXIT_NMI",
        [KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
        [KVM_EXIT_WATCHDOG] = "KVM_EXIT_WATCHDOG",
        [KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
        [KVM_EXIT_IOAPIC_EOI] = "KVM_EXIT_IOAPIC_EOI",
        [KVM_EXIT_HYPERV] = "KVM_EXIT_HYPERV",
        [KVM_EXIT_X86_RDMSR] = "KVM_EXIT_X86_RDMSR",
        [KVM_EXIT_X86_WRMSR] = "KVM_EXIT_X86_WRMSR",
        [KVM_EXIT_DIRTY_RING_FULL] = "KVM_EXIT_DIRTY_RING_FULL",
        [KVM_EXIT_X86_BUS_LOCK] = "KVM_EXIT_X86_BUS_LOCK",
        [KVM_EXIT_NOTIFY] = "KVM_EXIT_NOTIFY",
    };
    if (r < sizeof names / sizeof names[0] && names[r])
        return names[r];
    return "unknown";
}

static const char *kvm_suberror_name(uint32_t s)
{
    switch (s) {
    case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering "
                                             "an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
        return "unexpected hardware exit";
    default: return "internal error";
    }
}

/* "at CS:RIP (linear L)" for error messages; fills *linear and *paging. */
static int kvm_where(struct vcpu *v, char *buf, size_t len, uint64_t *linear,
                     bool *paging)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
        ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
        snprintf(buf, len, "at an unknown address");
        return -1;
    }
    *linear = sregs.cs.base + regs.rip;
    if (!(sregs.efer & (1u << 10)))   /* not in long mode: 32-bit linear */
        *linear &= 0xffffffffu;
    *paging = sregs.cr0 & CR0_PG;
    snprintf(buf, len, "at %04x:%08llx (linear 0x%llx)", sregs.cs.selector,
             (unsigned long long)regs.rip, (unsigned long long)*linear);
    return 0;
}

/* Up to 15 instruction bytes at a linear address, read from guest memory. */
static int kvm_read_insn(struct vcpu *v, uint64_t linear, bool paging,
                         uint8_t *out)
{
    int n = 0;
    while (n < 15) {
        uint64_t la = linear + n, gpa = la;
        if (paging) {
            struct kvm_translation tr = { .linear_address = la };
            if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
                break;
            gpa = tr.physical_address;
        }
        const struct mem_region *r = machine_find_region(v->a->m, gpa);
        uint8_t *p = machine_gpa_ptr(v->a->m, gpa, false);
        if (!r || !p)
            break;
        /* stay inside the region and the page */
        uint64_t left = r->gpa + r->size - gpa;
        uint64_t page_left = 0x1000 - (la & 0xfff);
        uint64_t take = 15 - n;
        if (take > left)
            take = left;
        if (take > page_left)
            take = page_left;
        memcpy(out + n, p, take);
        n += (int)take;
    }
    return n;
}

static void kvm_internal_error(struct vcpu *v, struct accel_exit *exit)
{
    struct kvm_run *run = v->run;
    uint32_t sub = run->internal.suberror;
    char where[96], bytes[64] = "";
    uint64_t linear = 0;
    bool paging = false;
    size_t len = 0;

    kvm_where(v, where, sizeof where, &linear, &paging);
    if (sub == KVM_INTERNAL_ERROR_EMULATION) {
        uint8_t insn[15];
        int n = 0;
        if (run->emulation_failure.ndata >= 3 &&
            (run->emulation_failure.flags &
             KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
            n = run->emulation_failure.insn_size;
            if (n > 15)
                n = 15;
            memcpy(insn, run->emulation_failure.insn_bytes, n);
        } else {
            n = kvm_read_insn(v, linear, paging, insn);
        }
        for (int i = 0; i < n && len + 4 < sizeof bytes; i++)
            len += snprintf(bytes + len, sizeof bytes - len, " %02x", insn[i]);
        snprintf(exit->msg, sizeof exit->msg,
                 "kvm: emulation failure (suberror %u) %s, bytes%s; the "
                 "host's KVM cannot run this instruction", sub, where,
                 n ? bytes : " unreadable");
        return;
    }
    for (uint32_t i = 0; i < run->internal.ndata && i < 4; i++)
        len += snprintf(bytes + len, sizeof bytes - len, " 0x%llx",
                        (unsigned long long)run->internal.data[i]);
    snprintf(exit->msg, sizeof exit->msg,
             "kvm: internal error: %s (suberror %u) %s%s%s",
             kvm_suberror_name(sub), sub, where, len ? ", data" : "", bytes);
}

/* Let KVM finish an I/O or MMIO instruction it exited for, so that the
 * registers are final before they are read or replaced. */
static int kvm_complete_pending(struct vcpu *v, char *err, size_t errlen)
{
    if (!v->need_complete || !v->a->cap_immediate_exit)
        return 0;
    v->run->immediate_exit = 1;
    int r = ioctl(v->fd, KVM_RUN, 0);
    int e = errno;
    v->run->immediate_exit = 0;
    v->need_complete = false;
    if (r < 0 && e != EINTR && e != EAGAIN) {
        errno = e;
        kvm_perror(err, errlen, "KVM_RUN");
        return -1;
    }
    return 0;
}

static int kvm_apply_debug(struct vcpu *v, const struct kvm_guest_debug *g,
                           char *err, size_t errlen)
{
    if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, g) < 0) {
        kvm_perror(err, errlen, "KVM_SET_GUEST_DEBUG");
        return -1;
    }
    return 0;
}

/* Leave a breakpoint we stopped on: one step with breakpoints off. */
static int kvm_start_step_over(struct vcpu *v, char *err, size_t errlen)
{
    struct kvm_guest_debug g = v->dbg;
    v->step_over = false;
    g.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
    memset(&g.arch, 0, sizeof g.arch);
    if (kvm_apply_debug(v, &g, err, errlen) < 0)
        return -1;
    v->stepping = true;
    return 0;
}

static int kvm_run(struct vcpu *v, struct accel_exit *exit)
{
    struct machine *m = v->a->m;
    struct kvm_run *run = v->run;

    memset(exit, 0, offsetof(struct accel_exit, msg));
    exit->msg[0] = 0;
    if (v->a->map_err[0]) {
        snprintf(exit->msg, sizeof exit->msg, "%s", v->a->map_err);
        goto error;
    }
    if (kvm_thread_setup(v, exit->msg, sizeof exit->msg) < 0)
        goto error;
    if (v->step_over &&
        kvm_start_step_over(v, exit->msg, sizeof exit->msg) < 0)
        goto error;

    for (;;) {
        /* A kick asks for a return to the run loop, which re-checks
         * requests, timers and interrupts. */
        if (atomic_exchange(&v->kicked, false)) {
            run->immediate_exit = 0;
            exit->reason = EXIT_BUDGET;
            return 0;
        }
        if (machine_pending_request(m) != REQ_NONE) {
            exit->reason = EXIT_BUDGET;
            return 0;
        }

        bool pending = machine_intr_pending(m);
        if (v->halted && !(pending && v->can_inject)) {
            exit->reason = EXIT_HLT;
            return 0;
        }

        int64_t now = host_now_ns();
        int64_t expiry = now + KVM_RUN_SLICE_NS;
        int64_t deadline = machine_next_deadline(m);
        if (deadline != INT64_MAX) {
            int64_t delta = deadline - machine_clock_ns(m);
            if (delta <= 0) {
                exit->reason = EXIT_BUDGET;   /* a timer is due */
                return 0;
            }
            if (delta < KVM_RUN_SLICE_NS)
                expiry = now + delta;
        }

        /* no interrupt while stepping over a breakpoint: the step must
         * land behind it */
        if (v->stepping)
            pending = false;
        if (pending && v->can_inject) {
            int vec = machine_intr_ack(m);
            if (vec >= 0) {
                struct kvm_interrupt irq = { .irq = (uint32_t)vec };
                if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0) {
                    kvm_perror(exit->msg, sizeof exit->msg, "KVM_INTERRUPT");
                    goto error;
                }
                v->halted = false;   /* the interrupt wakes the CPU */
            }
            v->can_inject = false;
            pending = machine_intr_pending(m);
        }
        /* Exit as soon as the guest can take (another) interrupt. */
        run->request_interrupt_window = pending;

        if (kvm_arm_timer(v, now, expiry, exit->msg, sizeof exit->msg) < 0)
            goto error;

        atomic_store(&v->in_run, true);
        int r = ioctl(v->fd, KVM_RUN, 0);
        int e = errno;
        atomic_store(&v->in_run, false);
        v->need_complete = false;
        /* KVM refreshes these on every return, -EINTR included */
        v->can_inject = run->ready_for_interrupt_injection && run->if_flag;
        if (r < 0) {
            if (e == EINTR || e == EAGAIN) {
                /* the timer, a kick or another signal */
                if (v->timer_expiry && host_now_ns() >= v->timer_expiry) {
                    kvm_drain_signal();
                    v->timer_expiry = 0;
                }
                run->immediate_exit = 0;
                atomic_store(&v->kicked, false);
                exit->reason = EXIT_BUDGET;
                return 0;
            }
            errno = e;
            kvm_perror(exit->msg, sizeof exit->msg, "KVM_RUN");
            goto error;
        }

        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            exit->reason = EXIT_IO;
            exit->io.port = run->io.port;
            exit->io.size = run->io.size;
            exit->io.write = run->io.direction == KVM_EXIT_IO_OUT;
            exit->io.count = run->io.count;
            exit->io.data = (uint8_t *)run + run->io.data_offset;
            v->need_complete = true;
            return 0;
        case KVM_EXIT_MMIO:
            exit->reason = EXIT_MMIO;
            exit->mmio.gpa = run->mmio.phys_addr;
            exit->mmio.size = (uint8_t)run->mmio.len;
            exit->mmio.write = run->mmio.is_write;
            exit->mmio.data = run->mmio.data;
            v->need_complete = true;
            return 0;
        case KVM_EXIT_HLT:
            /* Without an in-kernel irqchip KVM leaves halting to us: RIP is
             * past the HLT and the CPU stays halted until we inject. */
            v->halted = true;
            if (v->can_inject && machine_intr_pending(m))
                continue;
            exit->reason = EXIT_HLT;
            return 0;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
            continue;                 /* inject at the top of the loop */
        case KVM_EXIT_INTR:
            exit->reason = EXIT_BUDGET;
            return 0;
        case KVM_EXIT_SHUTDOWN:
            exit->reason = EXIT_SHUTDOWN;
            return 0;
        case KVM_EXIT_DEBUG:
            if (v->stepping) {
                /* stepped off a breakpoint: re-arm what the user set */
                v->stepping = false;
                if (kvm_apply_debug(v, &v->dbg, exit->msg,
                                    sizeof exit->msg) < 0)
                    goto error;
                if (!(v->dbg.control & KVM_GUESTDBG_SINGLESTEP))
                    continue;
            } else if ((v->dbg.control & KVM_GUESTDBG_USE_HW_BP) &&
                       (run->debug.arch.dr6 & 0xf)) {
                v->step_over = true;
                v->bp_pc = run->debug.arch.pc;
            }
            exit->reason = EXIT_DEBUG;
            return 0;
        case KVM_EXIT_FAIL_ENTRY: {
            char where[96];
            uint64_t linear;
            bool paging;
            kvm_where(v, where, sizeof where, &linear, &paging);
            snprintf(exit->msg, sizeof exit->msg,
                     "kvm: VM entry failed (hardware reason 0x%llx) %s: "
                     "invalid guest state",
                     (unsigned long long)
                     run->fail_entry.hardware_entry_failure_reason, where);
            goto error;
        }
        case KVM_EXIT_INTERNAL_ERROR:
            kvm_internal_error(v, exit);
            goto error;
        default: {
            char where[96];
            uint64_t linear;
            bool paging;
            kvm_where(v, where, sizeof where, &linear, &paging);
            snprintf(exit->msg, sizeof exit->msg,
                     "kvm: unexpected exit reason %u (%s) %s",
                     run->exit_reason, kvm_exit_name(run->exit_reason), where);
            goto error;
        }
        }
    }

error:
    exit->reason = EXIT_ERROR;
    return -1;
}

static void kvm_kick(struct vcpu *v)
{
    atomic_store(&v->kicked, true);
    if (v->a->cap_immediate_exit)
        ((volatile struct kvm_run *)v->run)->immediate_exit = 1;
    /* From another thread, interrupt a KVM_RUN in progress. */
    if (atomic_load(&v->in_run) && v->timer_ok &&
        !pthread_equal(v->thread, pthread_self()))
        pthread_kill(v->thread, kvm_sig());
}

/* ---- state ---- */

static void seg_from_kvm(struct x86_seg *d, const struct kvm_segment *s)
{
    d->base = s->base;
    d->limit = s->limit;
    d->sel = s->selector;
    d->type = s->type;
    d->present = s->present;
    d->dpl = s->dpl;
    d->db = s->db;
    d->s = s->s;
    d->l = s->l;
    d->g = s->g;
    d->avl = s->avl;
    d->unusable = s->unusable;
}

static void seg_to_kvm(struct kvm_segment *d, const struct x86_seg *s)
{
    memset(d, 0, sizeof *d);
    d->base = s->base;
    d->limit = s->limit;
    d->selector = s->sel;
    d->type = s->type;
    d->present = s->present;
    d->dpl = s->dpl;
    d->db = s->db;
    d->s = s->s;
    d->l = s->l;
    d->g = s->g;
    d->avl = s->avl;
    d->unusable = s->unusable;
}

static const uint32_t kvm_msr_list[] = {
    MSR_IA32_TSC, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
    MSR_IA32_SYSENTER_EIP,
};
#define KVM_NR_MSRS (sizeof kvm_msr_list / sizeof kvm_msr_list[0])

struct kvm_msr_buf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[KVM_NR_MSRS];
};

static int kvm_ioctl_state(struct vcpu *v, unsigned long req, void *arg,
                           const char *name)
{
    if (ioctl(v->fd, req, arg) < 0) {
        log_printf(machine_logger(v->a->m), "kvm: %s: %s\n", name,
                   strerror(errno));
        return -1;
    }
    return 0;
}

/* The legacy region of an XSAVE image (the FXSAVE layout). */
#define XS_FCW   0
#define XS_FSW   2
#define XS_FTW   4
#define XS_FOP   6
#define XS_FIP   8
#define XS_FDP   16
#define XS_MXCSR 24
#define XS_MXCSR_MASK 28
#define XS_ST    32
#define XS_XMM   160
#define XS_XSTATE_BV 512
#define XSTATE_FP_SSE 3ull

static int kvm_get_fpu(struct vcpu *v, struct x86_fpu *f)
{
    if (!v->a->xsave_size) {
        /* old hosts: no MXCSR here (KVM_GET_FPU leaves it out) */
        struct kvm_fpu fpu;
        if (kvm_ioctl_state(v, KVM_GET_FPU, &fpu, "KVM_GET_FPU") < 0)
            return -1;
        f->fcw = fpu.fcw;
        f->fsw = fpu.fsw;
        f->ftw = fpu.ftwx;
        f->fop = fpu.last_opcode;
        f->fip = fpu.last_ip;
        f->fdp = fpu.last_dp;
        memcpy(f->st, fpu.fpr, sizeof f->st);
        memcpy(f->xmm, fpu.xmm, sizeof f->xmm);
        f->mxcsr = fpu.mxcsr;
        return 0;
    }
    uint8_t *x = calloc(1, v->a->xsave_size);
    if (!x)
        return -1;
    int r = v->a->cap_xsave2 ?
            kvm_ioctl_state(v, KVM_GET_XSAVE2, x, "KVM_GET_XSAVE2") :
            kvm_ioctl_state(v, KVM_GET_XSAVE, x, "KVM_GET_XSAVE");
    if (r == 0) {
        uint64_t bv;
        memcpy(&bv, x + XS_XSTATE_BV, 8);
        memcpy(&f->fcw, x + XS_FCW, 2);
        memcpy(&f->fsw, x + XS_FSW, 2);
        f->ftw = x[XS_FTW];
        memcpy(&f->fop, x + XS_FOP, 2);
        memcpy(&f->fip, x + XS_FIP, 8);
        memcpy(&f->fdp, x + XS_FDP, 8);
        memcpy(&f->mxcsr, x + XS_MXCSR, 4);
        memcpy(f->st, x + XS_ST, sizeof f->st);
        memcpy(f->xmm, x + XS_XMM, sizeof f->xmm);
        if (!(bv & 1)) {           /* x87 in its initial state */
            f->fcw = 0x37f;
            f->fsw = f->ftw = 0;
            f->fop = 0;
            f->fip = f->fdp = 0;
            memset(f->st, 0, sizeof f->st);
        }
        if (!(bv & 2))             /* SSE registers in their initial state */
            memset(f->xmm, 0, sizeof f->xmm);
    }
    free(x);
    return r;
}

static int kvm_set_fpu(struct vcpu *v, const struct x86_fpu *f)
{
    if (!v->a->xsave_size) {
        struct kvm_fpu fpu;
        memset(&fpu, 0, sizeof fpu);
        fpu.fcw = f->fcw;
        fpu.fsw = f->fsw;
        fpu.ftwx = f->ftw;
        fpu.last_opcode = f->fop;
        fpu.last_ip = f->fip;
        fpu.last_dp = f->fdp;
        memcpy(fpu.fpr, f->st, sizeof fpu.fpr);
        memcpy(fpu.xmm, f->xmm, sizeof fpu.xmm);
        fpu.mxcsr = f->mxcsr;
        return kvm_ioctl_state(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU");
    }
    uint8_t *x = calloc(1, v->a->xsave_size);
    if (!x)
        return -1;
    /* Only x87 and SSE are ours: every other component goes to its
     * initial state.  MXCSR_MASK is the host's, as KVM reported it. */
    int r = v->a->cap_xsave2 ?
            kvm_ioctl_state(v, KVM_GET_XSAVE2, x, "KVM_GET_XSAVE2") :
            kvm_ioctl_state(v, KVM_GET_XSAVE, x, "KVM_GET_XSAVE");
    if (r == 0) {
        uint32_t mask;
        uint64_t bv = XSTATE_FP_SSE;
        memcpy(&mask, x + XS_MXCSR_MASK, 4);
        memset(x, 0, v->a->xsave_size);
        memcpy(x + XS_MXCSR_MASK, &mask, 4);
        memcpy(x + XS_FCW, &f->fcw, 2);
        memcpy(x + XS_FSW, &f->fsw, 2);
        x[XS_FTW] = f->ftw;
        memcpy(x + XS_FOP, &f->fop, 2);
        memcpy(x + XS_FIP, &f->fip, 8);
        memcpy(x + XS_FDP, &f->fdp, 8);
        memcpy(x + XS_MXCSR, &f->mxcsr, 4);
        memcpy(x + XS_ST, f->st, sizeof f->st);
        memcpy(x + XS_XMM, f->xmm, sizeof f->xmm);
        memcpy(x + XS_XSTATE_BV, &bv, 8);
        r = kvm_ioctl_state(v, KVM_SET_XSAVE, x, "KVM_SET_XSAVE");
    }
    free(x);
    return r;
}

static int kvm_get_state(struct vcpu *v, struct x86_state *s)
{
    char err[160];
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    if (kvm_complete_pending(v, err, sizeof err) < 0) {
        log_printf(machine_logger(v->a->m), "%s\n", err);
        return -1;
    }
    memset(s, 0, sizeof *s);
    if (kvm_ioctl_state(v, KVM_GET_REGS, &regs, "KVM_GET_REGS") < 0 ||
        kvm_ioctl_state(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS") < 0 ||
        kvm_get_fpu(v, &s->fpu) < 0)
        return -1;

    s->gpr[R_EAX] = regs.rax;
    s->gpr[R_ECX] = regs.rcx;
    s->gpr[R_EDX] = regs.rdx;
    s->gpr[R_EBX] = regs.rbx;
    s->gpr[R_ESP] = regs.rsp;
    s->gpr[R_EBP] = regs.rbp;
    s->gpr[R_ESI] = regs.rsi;
    s->gpr[R_EDI] = regs.rdi;
    s->gpr[R_R8] = regs.r8;
    s->gpr[R_R9] = regs.r9;
    s->gpr[R_R10] = regs.r10;
    s->gpr[R_R11] = regs.r11;
    s->gpr[R_R12] = regs.r12;
    s->gpr[R_R13] = regs.r13;
    s->gpr[R_R14] = regs.r14;
    s->gpr[R_R15] = regs.r15;
    s->rip = regs.rip;
    s->rflags = regs.rflags;

    seg_from_kvm(&s->seg[S_ES], &sregs.es);
    seg_from_kvm(&s->seg[S_CS], &sregs.cs);
    seg_from_kvm(&s->seg[S_SS], &sregs.ss);
    seg_from_kvm(&s->seg[S_DS], &sregs.ds);
    seg_from_kvm(&s->seg[S_FS], &sregs.fs);
    seg_from_kvm(&s->seg[S_GS], &sregs.gs);
    seg_from_kvm(&s->ldt, &sregs.ldt);
    seg_from_kvm(&s->tr, &sregs.tr);
    s->gdt.base = sregs.gdt.base;
    s->gdt.limit = sregs.gdt.limit;
    s->idt.base = sregs.idt.base;
    s->idt.limit = sregs.idt.limit;
    s->cr0 = sregs.cr0;
    s->cr2 = sregs.cr2;
    s->cr3 = sregs.cr3;
    s->cr4 = sregs.cr4;
    s->cr8 = sregs.cr8;
    s->efer = sregs.efer;
    s->apic_base = sregs.apic_base;


    struct kvm_msr_buf mb;
    memset(&mb, 0, sizeof mb);
    mb.hdr.nmsrs = KVM_NR_MSRS;
    for (unsigned i = 0; i < KVM_NR_MSRS; i++)
        mb.e[i].index = kvm_msr_list[i];
    int n = ioctl(v->fd, KVM_GET_MSRS, &mb);
    if (n != (int)KVM_NR_MSRS) {
        log_printf(machine_logger(v->a->m), "kvm: KVM_GET_MSRS: %s\n",
                   n < 0 ? strerror(errno) : "an MSR is not supported");
        return -1;
    }
    s->tsc = mb.e[0].data;
    s->sysenter_cs = mb.e[1].data;
    s->sysenter_esp = mb.e[2].data;
    s->sysenter_eip = mb.e[3].data;

    if (v->a->cap_debugregs) {
        struct kvm_debugregs dr;
        if (kvm_ioctl_state(v, KVM_GET_DEBUGREGS, &dr,
                            "KVM_GET_DEBUGREGS") < 0)
            return -1;
        for (int i = 0; i < 4; i++)
            s->dr[i] = dr.db[i];
        s->dr[6] = dr.dr6;
        s->dr[7] = dr.dr7;
    } else {
        s->dr[6] = 0xffff0ff0u;
        s->dr[7] = 0x400;
    }

    if (v->a->cap_vcpu_events) {
        struct kvm_vcpu_events ev;
        if (kvm_ioctl_state(v, KVM_GET_VCPU_EVENTS, &ev,
                            "KVM_GET_VCPU_EVENTS") < 0)
            return -1;
        if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_STI)
            s->ev.interrupt_shadow |= SHADOW_STI;
        if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
            s->ev.interrupt_shadow |= SHADOW_MOVSS;
        s->ev.nmi_pending = ev.nmi.pending;
    }
    s->ev.halted = v->halted;
    if (v->a->cap_mp_state) {
        struct kvm_mp_state mp;
        if (kvm_ioctl_state(v, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE") < 0)
            return -1;
        if (mp.mp_state == KVM_MP_STATE_HALTED)
            s->ev.halted = true;
    }
    return 0;
}

static int kvm_set_state(struct vcpu *v, const struct x86_state *s)
{
    char err[160];
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    if (kvm_complete_pending(v, err, sizeof err) < 0) {
        log_printf(machine_logger(v->a->m), "%s\n", err);
        return -1;
    }
    memset(&regs, 0, sizeof regs);
    regs.rax = s->gpr[R_EAX];
    regs.rcx = s->gpr[R_ECX];
    regs.rdx = s->gpr[R_EDX];
    regs.rbx = s->gpr[R_EBX];
    regs.rsp = s->gpr[R_ESP];
    regs.rbp = s->gpr[R_EBP];
    regs.rsi = s->gpr[R_ESI];
    regs.rdi = s->gpr[R_EDI];
    regs.r8 = s->gpr[R_R8];
    regs.r9 = s->gpr[R_R9];
    regs.r10 = s->gpr[R_R10];
    regs.r11 = s->gpr[R_R11];
    regs.r12 = s->gpr[R_R12];
    regs.r13 = s->gpr[R_R13];
    regs.r14 = s->gpr[R_R14];
    regs.r15 = s->gpr[R_R15];
    regs.rip = s->rip;
    regs.rflags = s->rflags | 0x2;   /* bit 1 is always set */
    if (kvm_ioctl_state(v, KVM_SET_REGS, &regs, "KVM_SET_REGS") < 0)
        return -1;

    if (kvm_set_fpu(v, &s->fpu) < 0)
        return -1;

    /* interrupt_bitmap stays zero: no interrupt is left queued in KVM */
    memset(&sregs, 0, sizeof sregs);
    seg_to_kvm(&sregs.es, &s->seg[S_ES]);
    seg_to_kvm(&sregs.cs, &s->seg[S_CS]);
    seg_to_kvm(&sregs.ss, &s->seg[S_SS]);
    seg_to_kvm(&sregs.ds, &s->seg[S_DS]);
    seg_to_kvm(&sregs.fs, &s->seg[S_FS]);
    seg_to_kvm(&sregs.gs, &s->seg[S_GS]);
    seg_to_kvm(&sregs.ldt, &s->ldt);
    seg_to_kvm(&sregs.tr, &s->tr);
    sregs.gdt.base = s->gdt.base;
    sregs.gdt.limit = s->gdt.limit;
    sregs.idt.base = s->idt.base;
    sregs.idt.limit = s->idt.limit;
    sregs.cr0 = s->cr0;
    sregs.cr2 = s->cr2;
    sregs.cr3 = s->cr3;
    sregs.cr4 = s->cr4;
    sregs.cr8 = s->cr8;
    sregs.efer = s->efer;
    sregs.apic_base = s->apic_base;
    if (kvm_ioctl_state(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS") < 0)
        return -1;

    struct kvm_msr_buf mb;
    memset(&mb, 0, sizeof mb);
    mb.hdr.nmsrs = KVM_NR_MSRS;
    for (unsigned i = 0; i < KVM_NR_MSRS; i++)
        mb.e[i].index = kvm_msr_list[i];
    mb.e[0].data = s->tsc;
    mb.e[1].data = s->sysenter_cs;
    mb.e[2].data = s->sysenter_esp;
    mb.e[3].data = s->sysenter_eip;
    int n = ioctl(v->fd, KVM_SET_MSRS, &mb);
    if (n != (int)KVM_NR_MSRS) {
        log_printf(machine_logger(v->a->m), "kvm: KVM_SET_MSRS: %s\n",
                   n < 0 ? strerror(errno) : "an MSR was refused");
        return -1;
    }

    if (v->a->cap_mp_state) {
        /* Without an in-kernel LAPIC, KVM accepts only RUNNABLE; a halted
         * CPU is tracked here (v->halted). */
        struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
        if (kvm_ioctl_state(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE") < 0)
            return -1;
    }

    if (v->a->cap_vcpu_events) {
        struct kvm_vcpu_events ev;
        memset(&ev, 0, sizeof ev);
        if (s->ev.interrupt_shadow & SHADOW_STI)
            ev.interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
        if (s->ev.interrupt_shadow & SHADOW_MOVSS)
            ev.interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
        ev.nmi.pending = s->ev.nmi_pending;
        ev.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
        if (kvm_ioctl_state(v, KVM_SET_VCPU_EVENTS, &ev,
                            "KVM_SET_VCPU_EVENTS") < 0)
            return -1;
    }

    if (v->a->cap_debugregs) {
        struct kvm_debugregs dr;
        memset(&dr, 0, sizeof dr);
        for (int i = 0; i < 4; i++)
            dr.db[i] = s->dr[i];
        dr.dr6 = s->dr[6] & 0xffffffffu;
        dr.dr7 = s->dr[7] & 0xffffffffu;
        if (kvm_ioctl_state(v, KVM_SET_DEBUGREGS, &dr,
                            "KVM_SET_DEBUGREGS") < 0)
            return -1;
    }

    v->halted = s->ev.halted;
    /* The kvm_run flags describe the old state.  A halted CPU with IF set
     * has no interrupt shadow and may take an interrupt at once; otherwise
     * ask KVM for the interrupt window before injecting. */
    v->can_inject = v->halted && (s->rflags & F_IF);
    /* a debugger moving the CPU elsewhere no longer sits on the breakpoint */
    if (v->step_over && s->seg[S_CS].base + s->rip != v->bp_pc)
        v->step_over = false;
    return 0;
}

static int kvm_set_debug(struct vcpu *v, const struct accel_debug *d)
{
    struct kvm_guest_debug g;
    char err[160];
    memset(&g, 0, sizeof g);
    int nbp = d->nr_breakpoints;
    if (nbp < 0)
        nbp = 0;
    if (nbp > 4)
        nbp = 4;
    if (d->single_step || nbp)
        g.control = KVM_GUESTDBG_ENABLE;
    if (d->single_step)
        g.control |= KVM_GUESTDBG_SINGLESTEP;
    if (nbp) {
        g.control |= KVM_GUESTDBG_USE_HW_BP;
        uint64_t dr7 = 0x400;
        for (int i = 0; i < nbp; i++) {
            g.arch.debugreg[i] = d->breakpoints[i];
            dr7 |= 1ull << (i * 2);   /* Ln enable, R/W=00 LEN=00: execute */
        }
        g.arch.debugreg[7] = dr7;
    }
    v->dbg = g;
    if (!nbp)
        v->step_over = false;
    if (v->stepping)
        return 0;   /* applied when the step over a breakpoint ends */
    if (kvm_apply_debug(v, &g, err, sizeof err) < 0) {
        log_printf(machine_logger(v->a->m), "%s\n", err);
        return -1;
    }
    return 0;
}

static int64_t kvm_insn_count(struct vcpu *v)
{
    (void)v;
    return -1;   /* KVM has no retired-instruction count we can rely on */
}

const struct accel_ops accel_kvm_ops = {
    .name = "kvm",
    .probe = kvm_probe,
    .init = kvm_init,
    .destroy = kvm_destroy,
    .vcpu_create = kvm_vcpu_create,
    .run = kvm_run,
    .kick = kvm_kick,
    .get_state = kvm_get_state,
    .set_state = kvm_set_state,
    .set_debug = kvm_set_debug,
    .insn_count = kvm_insn_count,
};
