/* The MC146818 real-time clock and its 128 bytes of CMOS RAM: index port
 * 0x70 (bit 7 of a write is the PC's NMI mask), data port 0x71, interrupt
 * on IRQ8.
 *
 * The clock counts UTC (as QEMU's default -rtc base=utc), starting from
 * the host's time when the machine is built, and advances with the
 * machine's virtual clock.  Time registers are computed when read, in BCD
 * or binary and 12/24-hour form per register B; the century is kept at
 * 0x32 (as QEMU and the ACPI FADT say).  UIP reads 1 during the last
 * 244 us before each update.  Periodic (rate from register A), alarm and
 * update-ended flags are evaluated lazily; a host timer is armed only
 * while an enabled event can raise IRQ8 (IRQ8 stays asserted until
 * register C is read, so nothing is armed while it is).
 *
 * Not emulated: the square-wave output (no pin on a PC), daylight-saving
 * adjustment (DSE is stored and ignored), divider time bases other than
 * 32.768 kHz (they stop the clock, as a divider reset does). */
#ifndef HW_RTC_H
#define HW_RTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct rtc;

#define RTC_PORT 0x70
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128
#define RTC_REG_CENTURY 0x32

struct rtc *rtc_new(struct machine *m, int irq, char *err, size_t errlen);
void rtc_free(struct rtc *r);
/* The chip's RESET pin: interrupt enables and flags cleared; time and
 * CMOS contents kept. */
void rtc_reset(struct rtc *r);

/* CMOS bytes for the board to fill (memory size, boot order, ...).
 * index 0-127; the clock registers 0x00-0x0D are not meant for this. */
void rtc_cmos_set(struct rtc *r, int index, uint8_t val);
uint8_t rtc_cmos_get(struct rtc *r, int index);

/* Bit 7 of the last write to port 0x70: NMIs masked. */
bool rtc_nmi_masked(const struct rtc *r);

/* The guest's clock as Unix seconds (UTC); setting it starts a new second
 * now.  For tests and for a future -rtc base= option. */
void rtc_set_time(struct rtc *r, int64_t unix_sec);
int64_t rtc_get_time(struct rtc *r);

#endif
