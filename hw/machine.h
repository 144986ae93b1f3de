/* The machine core: guest RAM, the physical memory map, I/O-port and MMIO
 * dispatch, IRQ lines, the virtual clock with its timers, and the requests a
 * device can make of the run loop (exit, reset).
 *
 * Devices register here and know nothing of the engine that runs the CPU.
 * There is no global state: several machines may live in one process. */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug/log.h"

struct machine;

typedef uint64_t (*mmio_read_fn)(void *opaque, uint64_t offset, unsigned size);
typedef void (*mmio_write_fn)(void *opaque, uint64_t offset, uint64_t val,
                              unsigned size);
typedef uint32_t (*pio_read_fn)(void *opaque, uint16_t port, unsigned size);
typedef void (*pio_write_fn)(void *opaque, uint16_t port, uint32_t val,
                             unsigned size);

enum mem_kind { MEM_RAM, MEM_ROM, MEM_MMIO };

/* One entry of the physical memory map.  RAM and ROM have host memory that
 * both engines access directly (kvm maps it into the guest; ROM read-only). */
struct mem_region {
    uint64_t gpa, size;
    enum mem_kind kind;
    uint8_t *host;             /* RAM/ROM backing, NULL for MMIO */
    mmio_read_fn read;
    mmio_write_fn write;
    void *opaque;
    const char *name;
};

#define MACHINE_MAX_REGIONS 64
#define MACHINE_NR_IRQS 24

/* Create a machine with `ram_size` bytes of RAM at guest physical 0 (RAM
 * that would overlap the PCI hole below 4 GiB is placed above 4 GiB, as a
 * PC does).  Returns NULL and fills err on failure. */
struct machine *machine_new(uint64_t ram_size, char *err, size_t errlen);
void machine_free(struct machine *m);

uint64_t machine_ram_size(const struct machine *m);
/* RAM from address 0 up to the PCI hole; the rest is above 4 GiB. */
uint64_t machine_ram_below_4g(const struct machine *m);
struct logger *machine_logger(struct machine *m);

/* Map a ROM image: the bytes are copied into a host mapping the guest can
 * read and execute but not write (writes are ignored, logged as unimp). */
int machine_add_rom(struct machine *m, uint64_t gpa, const void *data,
                    uint64_t size, const char *name);
int machine_add_mmio(struct machine *m, uint64_t gpa, uint64_t size,
                     mmio_read_fn rd, mmio_write_fn wr, void *opaque,
                     const char *name);
/* Claim `count` consecutive ports.  Handlers get the port accessed and the
 * access size (1, 2 or 4).  Fails if any port is already claimed. */
int machine_add_pio(struct machine *m, uint16_t port, unsigned count,
                    pio_read_fn rd, pio_write_fn wr, void *opaque,
                    const char *name);

/* Remove the ROM or MMIO region that starts at `gpa` (a PCI BAR moving or
 * turned off); RAM under it shows again.  -1 if there is none. */
int machine_remove_region(struct machine *m, uint64_t gpa);
/* Release `count` ports claimed with machine_add_pio (a BAR moving). */
void machine_remove_pio(struct machine *m, uint16_t port, unsigned count);

/* ---- Shadow RAM (the chipset's PAM registers) ----
 * A shadow window is a range where the chipset decides, at run time,
 * whether reads and writes reach the RAM underneath or go to the bus
 * (where a ROM or MMIO region, or nothing, answers):
 *   SHADOW_OFF  reads and writes go to the bus (RAM hidden)
 *   SHADOW_RO   reads from RAM, writes go to the bus (ROM there ignores them)
 *   SHADOW_WO   reads from the bus, writes to RAM
 *   SHADOW_RW   RAM, as if there were no window
 * The first call for a range creates the window (windows may not overlap;
 * later calls must give the same gpa and size).  -1 on a bad range.  A
 * change of mode rebuilds the memory map and calls the map hook. */
enum shadow_mode { SHADOW_OFF, SHADOW_RO, SHADOW_WO, SHADOW_RW };
int machine_set_shadow(struct machine *m, uint64_t gpa, uint64_t size,
                       enum shadow_mode mode);

/* The engine's hook told when the memory map changed after setup (shadow
 * modes, regions added or removed): host pointers cached for guest pages in
 * [gpa, gpa+len) are stale, and kvm must re-map its memory slots. */
void machine_set_map_hook(struct machine *m,
                          void (*fn)(void *opaque, uint64_t gpa, uint64_t len),
                          void *opaque);

/* The A20 gate (8042 output port, port 0x92): with it off, address line 20
 * reads as 0 for the CPU.  The board reports the gate; the engine that can
 * mask it installs a hook.  Returns false when the engine cannot (kvm: the
 * guest then sees A20 always on, as under QEMU with KVM). */
bool machine_set_a20(struct machine *m, bool on);
void machine_set_a20_hook(struct machine *m,
                          void (*fn)(void *opaque, bool on), void *opaque);

/* The memory map, sorted by address, for engines and debuggers. */
int machine_regions(const struct machine *m, const struct mem_region **out);
const struct mem_region *machine_find_region(const struct machine *m,
                                             uint64_t gpa);
/* Host pointer to guest-physical `gpa` if it is RAM (or ROM when !write),
 * valid to the end of its region; NULL otherwise. */
uint8_t *machine_gpa_ptr(struct machine *m, uint64_t gpa, bool write);

/* Dispatch, used by both engines.  Unclaimed ports read as all ones and
 * ignore writes; unmapped memory reads as all ones.  Sizes 1/2/4 (pio) and
 * 1/2/4/8 (memory).  Accesses to RAM through machine_mem_* notify the
 * code-write hook (below). */
uint32_t machine_pio_read(struct machine *m, uint16_t port, unsigned size);
void machine_pio_write(struct machine *m, uint16_t port, uint32_t val,
                       unsigned size);
uint64_t machine_mem_read(struct machine *m, uint64_t gpa, unsigned size);
void machine_mem_write(struct machine *m, uint64_t gpa, uint64_t val,
                       unsigned size);
/* Bulk copy for loaders and DMA; returns -1 if any byte is outside RAM/ROM
 * (is_write to ROM is allowed only before the machine runs: loaders). */
int machine_mem_rw(struct machine *m, uint64_t gpa, void *buf, size_t len,
                   bool is_write);

/* The engine's hook told of device/loader writes into RAM, so that the
 * interpreter can drop decoded code (the kvm engine leaves it NULL). */
void machine_set_ram_write_hook(struct machine *m,
                                void (*fn)(void *opaque, uint64_t gpa,
                                           uint64_t len),
                                void *opaque);

/* ---- Interrupts ----
 * IRQ lines 0..MACHINE_NR_IRQS-1 go to the interrupt controller model that
 * the board registers; the CPU side asks the controller for a vector. */
struct intc_ops {
    void (*set_irq)(void *opaque, int irq, int level);
    bool (*pending)(void *opaque);     /* an INTR is asserted to the CPU */
    int (*ack)(void *opaque);          /* INTA cycle: the vector */
};
void machine_set_intc(struct machine *m, const struct intc_ops *ops,
                      void *opaque);
void machine_set_irq(struct machine *m, int irq, int level);
bool machine_intr_pending(struct machine *m);
/* A hint the interpreter reads before asking machine_intr_pending: false
 * only while the controller says its INTR output is low.  A controller
 * that reports its output through machine_set_intr_level on every change
 * says so with machine_intc_signals_level after machine_set_intc; for any
 * other the hint stays true (always ask). */
void machine_intc_signals_level(struct machine *m, bool level);
void machine_set_intr_level(struct machine *m, bool level);
const volatile bool *machine_intr_hint(struct machine *m);
int machine_intr_ack(struct machine *m);   /* -1 if nothing pending */

/* The engine's kick: called when a device raises INTR or asks the run loop
 * to stop, so that a running vCPU returns promptly (may be called from a
 * signal-free context only; both engines run on one thread for now). */
void machine_set_kick(struct machine *m, void (*fn)(void *opaque),
                      void *opaque);
void machine_kick(struct machine *m);

/* FERR#: the CPU reports an x87 error with CR0.NE=0 (interp only: KVM has
 * no such exit).  The board decides what it does (hw/ferr.c: IRQ13). */
void machine_set_ferr_handler(struct machine *m, void (*fn)(void *opaque),
                              void *opaque);
void machine_ferr(struct machine *m);

/* ---- Virtual clock and timers ----
 * Nanoseconds since machine creation.  By default it follows the host's
 * monotonic clock; an engine may install another source (the interpreter's
 * deterministic mode makes it follow the instruction count). */
int64_t machine_clock_ns(struct machine *m);
void machine_set_clock_source(struct machine *m,
                              int64_t (*fn)(void *opaque), void *opaque);

typedef void (*timer_cb)(void *opaque);
struct timer;
struct timer *timer_new(struct machine *m, timer_cb cb, void *opaque);
void timer_free(struct timer *t);
void timer_mod(struct timer *t, int64_t deadline_ns);   /* absolute */
void timer_del(struct timer *t);
bool timer_pending(const struct timer *t);
/* Earliest armed deadline, or INT64_MAX if none. */
int64_t machine_next_deadline(const struct machine *m);
/* Run every timer whose deadline has passed. */
void machine_run_timers(struct machine *m);

/* ---- Requests to the run loop ---- */
enum machine_request {
    REQ_NONE = 0,
    REQ_EXIT,        /* end tandem with machine_exit_status() */
    REQ_RESET,       /* system reset (keyboard controller, triple fault) */
    REQ_SHUTDOWN,    /* power off: exit status 0 */
};
void machine_request(struct machine *m, enum machine_request r, int status);
enum machine_request machine_pending_request(const struct machine *m);
int machine_exit_status(const struct machine *m);
void machine_clear_request(struct machine *m);

/* Things that must run at reset (devices), in registration order. */
void machine_add_reset_handler(struct machine *m, void (*fn)(void *opaque),
                               void *opaque);
void machine_reset_devices(struct machine *m);

/* Things that poll host input (serial stdin) from the run loop; each returns
 * a host fd to wait on (or -1) and is called when it is readable. */
void machine_add_poll(struct machine *m, int fd, void (*fn)(void *opaque),
                      void *opaque);
/* Wait until the next timer deadline, host input, or `max_ns`, then serve
 * what is ready (the run loop calls this while the vCPU halts). */
void machine_wait(struct machine *m, int64_t max_ns);

#endif
