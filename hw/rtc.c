/* MC146818 RTC and CMOS.  See rtc.h.
 *
 * Time model: the guest's second number sec_base began at machine clock
 * clock_base; the divider chain's phase is the clock's distance from
 * clock_base, so updates fall on whole seconds of it and periodic
 * interrupts on multiples of their period within each second, as the
 * chip's 32.768 kHz chain does.  While SET is on or the divider is held,
 * the time registers themselves hold the time (frozen). */
#include "hw/rtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/machine.h"

#define NS_PER_SEC 1000000000LL
#define RTC_HZ 32768
/* UIP is set this long before an update (8 cycles of the 32.768 kHz
 * chain: 244 us). */
#define UIP_HOLD_NS (8 * NS_PER_SEC / RTC_HZ)

enum {
    REG_SEC = 0x00, REG_SEC_ALARM = 0x01, REG_MIN = 0x02,
    REG_MIN_ALARM = 0x03, REG_HOUR = 0x04, REG_HOUR_ALARM = 0x05,
    REG_WDAY = 0x06, REG_MDAY = 0x07, REG_MONTH = 0x08, REG_YEAR = 0x09,
    REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
};

#define A_UIP   0x80
#define A_DV    0x70
#define A_DV_NORMAL 0x20   /* 32.768 kHz time base, chain running */
#define A_RS    0x0f
#define B_SET   0x80
#define B_PIE   0x40
#define B_AIE   0x20
#define B_UIE   0x10
#define B_SQWE  0x08
#define B_DM    0x04   /* 1: binary, 0: BCD */
#define B_24H   0x02
#define B_DSE   0x01
#define C_IRQF  0x80
#define C_PF    0x40
#define C_AF    0x20
#define C_UF    0x10
#define D_VRT   0x80

enum { UNIMP_DV = 1u << 0, UNIMP_DSE = 1u << 1 };

struct rtc {
    struct machine *m;
    int irq;
    struct timer *timer;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    int64_t sec_base;       /* guest Unix second that began at clock_base */
    int64_t clock_base;     /* machine clock, ns */
    bool frozen;            /* the time registers hold the time */
    int64_t flags_ns;       /* register C is current up to this clock */
    bool irq_level;
    unsigned unimp_seen;
};

static void unimp_once(struct rtc *r, unsigned what, const char *msg)
{
    if (r->unimp_seen & what)
        return;
    r->unimp_seen |= what;
    struct logger *l = machine_logger(r->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "mc146818: %s\n", msg);
}

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, unsigned mon, unsigned day)
{
    y -= mon <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                               /* 0..399 */
    int64_t mp = mon > 2 ? mon - 3 : mon + 9;                  /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *mon,
                            unsigned *day)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*mon <= 2);
}

/* ---- register formats ---- */

static uint8_t to_reg(const struct rtc *r, int v)
{
    if (r->cmos[REG_B] & B_DM)
        return (uint8_t)v;
    return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static int from_reg(const struct rtc *r, uint8_t v)
{
    if (r->cmos[REG_B] & B_DM)
        return v;
    return (v >> 4) * 10 + (v & 15);   /* bad BCD digits at face value */
}

static uint8_t hour_to_reg(const struct rtc *r, int h)
{
    if (r->cmos[REG_B] & B_24H)
        return to_reg(r, h);
    int h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(to_reg(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int hour_from_reg(const struct rtc *r, uint8_t v)
{
    if (r->cmos[REG_B] & B_24H)
        return from_reg(r, v);
    int h = from_reg(r, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Write the time registers for guest second s. */
static void render(struct rtc *r, int64_t s)
{
    int64_t days = floor_div(s, 86400);
    int64_t sod = s - days * 86400;
    int64_t y;
    unsigned mon, day;
    civil_from_days(days, &y, &mon, &day);
    if (y < 0)
        y = 0;
    r->cmos[REG_SEC] = to_reg(r, (int)(sod % 60));
    r->cmos[REG_MIN] = to_reg(r, (int)(sod / 60 % 60));
    r->cmos[REG_HOUR] = hour_to_reg(r, (int)(sod / 3600));
    /* 1970-01-01 was a Thursday; the chip counts Sunday as 1 */
    r->cmos[REG_WDAY] = to_reg(r, (int)((days % 7 + 11) % 7) + 1);
    r->cmos[REG_MDAY] = to_reg(r, (int)day);
    r->cmos[REG_MONTH] = to_reg(r, (int)mon);
    r->cmos[REG_YEAR] = to_reg(r, (int)(y % 100));
    r->cmos[RTC_REG_CENTURY] = to_reg(r, (int)(y / 100 % 100));
}

/* The guest second the time registers say.  Out-of-range fields are
 * clamped; a day past the month's end rolls into the next month. */
static int64_t load(const struct rtc *r)
{
    int sec = clamp(from_reg(r, r->cmos[REG_SEC]), 0, 59);
    int min = clamp(from_reg(r, r->cmos[REG_MIN]), 0, 59);
    int hour = clamp(hour_from_reg(r, r->cmos[REG_HOUR]), 0, 23);
    int day = clamp(from_reg(r, r->cmos[REG_MDAY]), 1, 31);
    int mon = clamp(from_reg(r, r->cmos[REG_MONTH]), 1, 12);
    int year = clamp(from_reg(r, r->cmos[REG_YEAR]), 0, 99);
    int cent = clamp(from_reg(r, r->cmos[RTC_REG_CENTURY]), 0, 99);
    return days_from_civil(cent * 100 + year, (unsigned)mon, (unsigned)day) *
               86400 + hour * 3600 + min * 60 + sec;
}

/* ---- the divider chain ---- */

static bool divider_running(const struct rtc *r)
{
    return (r->cmos[REG_A] & A_DV) == A_DV_NORMAL;
}

static bool updates_on(const struct rtc *r)
{
    return divider_running(r) && !(r->cmos[REG_B] & B_SET);
}

static int64_t elapsed(const struct rtc *r, int64_t t)
{
    return t > r->clock_base ? t - r->clock_base : 0;
}

static int64_t sec_index(const struct rtc *r, int64_t t)
{
    return elapsed(r, t) / NS_PER_SEC;
}

static int64_t guest_sec(const struct rtc *r, int64_t t)
{
    return r->sec_base + sec_index(r, t);
}

/* Periodic interrupt period in 32.768 kHz cycles, 0 if off. */
static int64_t period_cycles(const struct rtc *r)
{
    int rs = r->cmos[REG_A] & A_RS;
    if (rs == 0)
        return 0;
    if (rs <= 2)
        rs += 7;   /* 1, 2 repeat 8, 9: 256 and 128 Hz */
    return 1ll << (rs - 1);
}

static int64_t periodic_index(const struct rtc *r, int64_t t, int64_t period)
{
    unsigned __int128 cyc = (unsigned __int128)elapsed(r, t) * RTC_HZ /
                            NS_PER_SEC;
    return (int64_t)(cyc / (uint64_t)period);
}

/* a + b, saturating at INT64_MAX; a may be negative (a clock base set
 * before the machine's epoch). */
static int64_t add_sat(int64_t a, unsigned __int128 b)
{
    if (b > (unsigned __int128)INT64_MAX * 2u)
        return INT64_MAX;
    __int128 s = (__int128)a + (__int128)b;
    return s > INT64_MAX ? INT64_MAX : (int64_t)s;
}

static int64_t next_periodic_ns(const struct rtc *r, int64_t t,
                                int64_t period)
{
    unsigned __int128 cyc =
        (unsigned __int128)(periodic_index(r, t, period) + 1) *
        (uint64_t)period;
    return add_sat(r->clock_base, (cyc * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ);
}

static int64_t next_update_ns(const struct rtc *r, int64_t t)
{
    return add_sat(r->clock_base,
                   (unsigned __int128)(sec_index(r, t) + 1) * NS_PER_SEC);
}

/* Alarm field: -1 for don't care (11xxxxxx), -2 if it can never match. */
static int alarm_field(const struct rtc *r, int reg, int max)
{
    uint8_t v = r->cmos[reg];
    if ((v & 0xc0) == 0xc0)
        return -1;
    int x = reg == REG_HOUR_ALARM ? hour_from_reg(r, v) : from_reg(r, v);
    return x < max ? x : -2;
}

/* The first second after guest second s0 whose time of day matches the
 * alarm, or -1. */
static int64_t next_alarm_sec(const struct rtc *r, int64_t s0)
{
    int ah = alarm_field(r, REG_HOUR_ALARM, 24);
    int am = alarm_field(r, REG_MIN_ALARM, 60);
    int as = alarm_field(r, REG_SEC_ALARM, 60);
    if (ah == -2 || am == -2 || as == -2)
        return -1;
    int64_t s1 = s0 + 1;
    int64_t sod = s1 - floor_div(s1, 86400) * 86400;
    int h0 = (int)(sod / 3600), m0 = (int)(sod / 60 % 60), x0 = (int)(sod % 60);
    for (int day = 0; day < 2; day++) {
        for (int h = day ? 0 : h0; h < 24; h++) {
            if (ah >= 0 && h != ah)
                continue;
            for (int m = (!day && h == h0) ? m0 : 0; m < 60; m++) {
                if (am >= 0 && m != am)
                    continue;
                int from = (!day && h == h0 && m == m0) ? x0 : 0;
                int x = as < 0 ? from : as;
                if (x < from)
                    continue;
                return s1 + day * 86400 + (h * 3600 + m * 60 + x) -
                       (h0 * 3600 + m0 * 60 + x0);
            }
        }
    }
    return -1;
}

static int64_t next_alarm_ns(const struct rtc *r, int64_t t)
{
    int64_t s = next_alarm_sec(r, guest_sec(r, t));
    if (s < 0)
        return INT64_MAX;
    return add_sat(r->clock_base,
                   (unsigned __int128)(s - r->sec_base) * NS_PER_SEC);
}

/* ---- flags and the interrupt ---- */

/* Set the flags of register C for the events in (flags_ns, now]. */
static void catch_up(struct rtc *r, int64_t now)
{
    if (now <= r->flags_ns)
        return;
    int64_t t0 = r->flags_ns;
    r->flags_ns = now;
    if (!divider_running(r))
        return;
    int64_t period = period_cycles(r);
    if (period &&
        periodic_index(r, now, period) > periodic_index(r, t0, period))
        r->cmos[REG_C] |= C_PF;
    if (r->cmos[REG_B] & B_SET)
        return;
    if (sec_index(r, now) > sec_index(r, t0))
        r->cmos[REG_C] |= C_UF;
    if (next_alarm_ns(r, t0) <= now)
        r->cmos[REG_C] |= C_AF;
}

static void update_irq(struct rtc *r)
{
    bool irqf = (r->cmos[REG_C] & r->cmos[REG_B] & (C_PF | C_AF | C_UF)) != 0;
    if (irqf)
        r->cmos[REG_C] |= C_IRQF;
    else
        r->cmos[REG_C] &= ~C_IRQF;
    if (irqf != r->irq_level) {
        r->irq_level = irqf;
        machine_set_irq(r->m, r->irq, irqf);
    }
}

/* Arm the timer for the next event that can raise IRQ8. */
static void arm(struct rtc *r, int64_t now)
{
    int64_t next = INT64_MAX;
    uint8_t b = r->cmos[REG_B];
    if (!r->irq_level && divider_running(r)) {
        int64_t period = period_cycles(r);
        if ((b & B_PIE) && period)
            next = next_periodic_ns(r, now, period);
        if (!(b & B_SET)) {
            if (b & B_UIE) {
                int64_t u = next_update_ns(r, now);
                if (u < next)
                    next = u;
            }
            if (b & B_AIE) {
                int64_t a = next_alarm_ns(r, now);
                if (a < next)
                    next = a;
            }
        }
    }
    if (next == INT64_MAX)
        timer_del(r->timer);
    else
        timer_mod(r->timer, next);
}

static void settle(struct rtc *r, int64_t now)
{
    update_irq(r);
    arm(r, now);
}

static void rtc_timer_cb(void *opaque)
{
    struct rtc *r = opaque;
    int64_t now = machine_clock_ns(r->m);
    catch_up(r, now);
    settle(r, now);
}

/* Enter or leave the state where the registers hold the time. */
static void refreeze(struct rtc *r, int64_t now)
{
    bool want = !updates_on(r);
    if (want == r->frozen)
        return;
    if (want) {
        render(r, guest_sec(r, now));
    } else {
        /* the registers become the time; the chain keeps its phase */
        r->sec_base = load(r);
        r->clock_base = now - elapsed(r, now) % NS_PER_SEC;
    }
    r->frozen = want;
}

/* ---- registers ---- */

static bool is_time_reg(int i)
{
    return i == REG_SEC || i == REG_MIN || i == REG_HOUR || i == REG_WDAY ||
           i == REG_MDAY || i == REG_MONTH || i == REG_YEAR ||
           i == RTC_REG_CENTURY;
}

static uint8_t read_reg(struct rtc *r, int i, int64_t now)
{
    switch (i) {
    case REG_A: {
        uint8_t v = r->cmos[REG_A] & 0x7f;
        if (updates_on(r) &&
            elapsed(r, now) % NS_PER_SEC >= NS_PER_SEC - UIP_HOLD_NS)
            v |= A_UIP;
        return v;
    }
    case REG_C: {
        catch_up(r, now);
        uint8_t v = r->cmos[REG_C];
        r->cmos[REG_C] = 0;
        settle(r, now);
        return v;
    }
    case REG_D:
        return D_VRT;
    }
    if (is_time_reg(i) && !r->frozen)
        render(r, guest_sec(r, now));
    return r->cmos[i];
}

static void write_reg(struct rtc *r, int i, uint8_t val, int64_t now)
{
    if (i > REG_D && !is_time_reg(i)) {
        r->cmos[i] = val;   /* plain CMOS RAM */
        return;
    }
    catch_up(r, now);
    switch (i) {
    case REG_A: {
        bool was_running = divider_running(r);
        if ((val & A_DV) < 0x60 && (val & A_DV) != A_DV_NORMAL)
            unimp_once(r, UNIMP_DV, "divider time bases other than "
                       "32.768 kHz not emulated; the clock stops");
        if (was_running && (val & A_DV) != A_DV_NORMAL && !r->frozen) {
            render(r, guest_sec(r, now));   /* the chain stops here */
            r->frozen = true;
        }
        r->cmos[REG_A] = val & 0x7f;
        if (!was_running && divider_running(r))
            r->clock_base = now - NS_PER_SEC / 2;   /* first update in 500 ms */
        refreeze(r, now);
        break;
    }
    case REG_B:
        if (val & B_SET)
            val &= ~B_UIE;   /* SET clears UIE */
        if (val & B_DSE)
            unimp_once(r, UNIMP_DSE, "daylight-saving adjustment (DSE) not "
                       "emulated");
        r->cmos[REG_B] = val;
        if ((val & B_SET) && !r->frozen) {
            /* snapshot, in the new format, for the guest to edit */
            render(r, guest_sec(r, now));
            r->frozen = true;
        }
        refreeze(r, now);
        break;
    case REG_C:
    case REG_D:
        break;   /* read-only */
    case REG_SEC_ALARM:
    case REG_MIN_ALARM:
    case REG_HOUR_ALARM:
        r->cmos[i] = val;
        break;
    default:   /* a time register */
        if (r->frozen) {
            r->cmos[i] = val;
        } else {
            /* takes effect at once, keeping the chain's phase */
            render(r, guest_sec(r, now));
            r->cmos[i] = val;
            r->sec_base = load(r);
            r->clock_base = now - elapsed(r, now) % NS_PER_SEC;
        }
        break;
    }
    settle(r, now);
}

static uint32_t rtc_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct rtc *r = opaque;
    int64_t now = machine_clock_ns(r->m);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned pt = port + i;
        uint8_t b = 0xff;   /* the index port is write-only */
        if (pt == RTC_PORT + 1)
            b = read_reg(r, r->index, now);
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void rtc_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct rtc *r = opaque;
    int64_t now = machine_clock_ns(r->m);
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned pt = port + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (pt == RTC_PORT) {
            r->index = b & 0x7f;
            r->nmi_masked = b & 0x80;
        } else if (pt == RTC_PORT + 1) {
            write_reg(r, r->index, b, now);
        }
    }
}

/* ---- public ---- */

void rtc_cmos_set(struct rtc *r, int index, uint8_t val)
{
    if (index >= 0 && index < RTC_CMOS_SIZE)
        write_reg(r, index, val, machine_clock_ns(r->m));
}

uint8_t rtc_cmos_get(struct rtc *r, int index)
{
    if (index < 0 || index >= RTC_CMOS_SIZE)
        return 0xff;
    if (index == REG_C)
        return r->cmos[REG_C];   /* no read side effect for the board */
    return read_reg(r, index, machine_clock_ns(r->m));
}

bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}

void rtc_set_time(struct rtc *r, int64_t unix_sec)
{
    int64_t now = machine_clock_ns(r->m);
    catch_up(r, now);
    r->sec_base = unix_sec;
    r->clock_base = now;
    if (r->frozen)
        render(r, unix_sec);
    settle(r, now);
}

int64_t rtc_get_time(struct rtc *r)
{
    int64_t now = machine_clock_ns(r->m);
    return r->frozen ? load(r) : guest_sec(r, now);
}

void rtc_reset(struct rtc *r)
{
    int64_t now = machine_clock_ns(r->m);
    catch_up(r, now);
    r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    r->cmos[REG_C] = 0;
    settle(r, now);
}

static void rtc_reset_cb(void *opaque)
{
    rtc_reset(opaque);
}

struct rtc *rtc_new(struct machine *m, int irq, char *err, size_t errlen)
{
    if (irq < 0 || irq >= MACHINE_NR_IRQS) {
        snprintf(err, errlen, "mc146818: bad IRQ %d", irq);
        return NULL;
    }
    struct rtc *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->m = m;
    r->irq = irq;
    r->timer = timer_new(m, rtc_timer_cb, r);
    if (!r->timer) {
        snprintf(err, errlen, "out of memory");
        free(r);
        return NULL;
    }
    if (machine_add_pio(m, RTC_PORT, 2, rtc_pio_read, rtc_pio_write, r,
                        "mc146818") != 0) {
        snprintf(err, errlen, "mc146818: ports 0x70-0x71 already in use");
        timer_free(r->timer);
        free(r);
        return NULL;
    }
    r->cmos[REG_A] = 0x26;   /* 32.768 kHz, 1024 Hz periodic rate */
    r->cmos[REG_B] = B_24H;  /* BCD, 24-hour */
    r->cmos[REG_D] = D_VRT;
    /* the host's UTC time, with its phase within the second */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = machine_clock_ns(m);
    r->sec_base = ts.tv_sec;
    r->clock_base = now - ts.tv_nsec;
    r->flags_ns = now;
    machine_add_reset_handler(m, rtc_reset_cb, r);
    return r;
}

void rtc_free(struct rtc *r)
{
    if (!r)
        return;
    timer_free(r->timer);
    free(r);
}
