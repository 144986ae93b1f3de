/* The PIIX3 ISA bridge and the PIIX4 power-management function.  See
 * piix.h.  Register defaults follow the PIIX3/PIIX4 datasheets (and QEMU,
 * which uses the same values). */
#include "hw/piix.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/pci.h"

/* ISA bridge configuration registers */
#define PIIX_PIRQRC 0x60          /* PIRQA-D route control, 4 bytes */
#define PIRQ_DISABLE 0x80
#define RCR_PORT 0xcf9
#define RCR_SYS_RST 0x02          /* 1: hard reset (stored only) */
#define RCR_RST_CPU 0x04          /* 0->1: reset the system */

/* PM function configuration registers */
#define PM_PMBA 0x40              /* PM I/O base, 64 bytes */
#define PM_DEVACTB 0x58
#define PM_PMREGMISC 0x80         /* bit 0: PM I/O space enable */
#define PM_SMBBA 0x90             /* SMBus I/O base, 16 bytes */
#define PM_SMBHSTCFG 0xd2         /* bit 0: SMBus host enable */
#define PM_IO_SIZE 64
#define SMB_IO_SIZE 16

/* PM I/O registers */
#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM_TMR 0x08
#define STS_TMROF 0x0001
#define STS_BM 0x0010
#define STS_GBL 0x0020
#define STS_PWRBTN 0x0100
#define STS_RTC 0x0400
#define STS_WAK 0x8000
#define STS_MASK \
    (STS_TMROF | STS_BM | STS_GBL | STS_PWRBTN | STS_RTC | STS_WAK)
#define EN_MASK (STS_TMROF | STS_GBL | STS_PWRBTN | STS_RTC)
#define CNT_SCI_EN 0x0001
#define CNT_SLP_TYP 0x1c00
#define CNT_SLP_EN 0x2000
#define CNT_MASK (CNT_SCI_EN | 0x0002 | CNT_SLP_TYP)

/* APM ports and the values the BIOS's FADT gives for SMI_CMD */
#define APM_CNT 0xb2
#define APM_STS 0xb3
#define ACPI_ENABLE 0xf1
#define ACPI_DISABLE 0xf0

/* QEMU's extensions of the PM function, which the BIOS's ACPI tables
 * (FADT GPE0_BLK, the DSDT's hotplug methods) point at */
#define GPE0_PORT 0xafe0          /* GPE0 status (2), enable (2) */
#define GPE0_LEN 4
#define PCIHP_PORT 0xae00         /* PCI hotplug: up, down, eject, rmv, bnum */
#define PCIHP_LEN 0x14
#define PCIHP_BNUM 0x10
#define CPUHP_PORT 0xaf00         /* CPU present bitmap */
#define CPUHP_LEN 32

/* SMBus host registers */
#define SMB_HSTSTS 0
#define SMB_HSTCNT 2
#define SMB_STS_INTR 0x02
#define SMB_STS_DEV_ERR 0x04
#define SMB_CNT_START 0x40

enum {
    UNIMP_S3 = 1u << 0,
    UNIMP_SMI = 1u << 1,
    UNIMP_SMB = 1u << 2,
};

struct piix {
    struct machine *m;
    struct pci_device *isa, *pm;
    uint8_t rcr;

    bool pirq_level[4];
    bool line_out[16];            /* levels this chip drives on ISA IRQs */

    int pm_base;                  /* -1: unmapped */
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint8_t pm_other[PM_IO_SIZE]; /* the registers only stored */
    uint64_t tmr_period;          /* PM timer >> 23 when last looked at */
    struct timer *tmr;
    bool sci;
    uint8_t apm_cnt, apm_sts;

    int smb_base;                 /* -1: unmapped */
    uint8_t smb[SMB_IO_SIZE];

    uint16_t gpe_sts, gpe_en;
    uint32_t pcihp_bnum;

    unsigned unimp_seen;
};

static void unimp_once(struct piix *p, unsigned what, const char *msg)
{
    if (p->unimp_seen & what)
        return;
    p->unimp_seen |= what;
    struct logger *l = machine_logger(p->m);
    if (log_enabled(l, LOG_UNIMP))
        log_printf(l, "piix: %s\n", msg);
}

/* ---- ISA IRQ lines: PIRQ routing and SCI ---- */

static bool pirq_irq_valid(unsigned irq)
{
    /* IRQ 0-2, 8 and 13 are reserved in PIRQRC */
    return irq >= 3 && irq != 8 && irq != 13 && irq < 16;
}

/* Every line a PCI interrupt or the SCI is routed to carries the OR of
 * them (PCI interrupts are level-triggered and shared). */
static void lines_update(struct piix *p)
{
    bool want[16] = { false };
    const uint8_t *c = pci_device_config(p->isa);

    for (int n = 0; n < 4; n++) {
        uint8_t r = c[PIIX_PIRQRC + n];
        if (p->pirq_level[n] && !(r & PIRQ_DISABLE) &&
            pirq_irq_valid(r & 0x0f))
            want[r & 0x0f] = true;
    }
    if (p->sci)
        want[PIIX_SCI_IRQ] = true;
    for (int irq = 0; irq < 16; irq++) {
        if (want[irq] != p->line_out[irq]) {
            p->line_out[irq] = want[irq];
            machine_set_irq(p->m, irq, want[irq]);
        }
    }
}

static void pirq_changed(void *opaque, int pirq, int level)
{
    struct piix *p = opaque;
    if (pirq < 0 || pirq > 3)
        return;
    p->pirq_level[pirq] = level != 0;
    lines_update(p);
}

/* ---- reset control register 0xCF9 ---- */

static uint32_t rcr_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix *p = opaque;
    (void)port;
    return size == 1 ? p->rcr : 0xffffffffu;
}

static void rcr_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    struct piix *p = opaque;
    (void)port;
    if (size != 1)
        return;
    if (val & RCR_RST_CPU) {
        machine_request(p->m, REQ_RESET, 0);
        return;
    }
    p->rcr = val & RCR_SYS_RST;
}

/* ---- PM timer and SCI ---- */

static uint64_t pm_ticks(struct piix *p)
{
    int64_t ns = machine_clock_ns(p->m);
    if (ns < 0)
        ns = 0;
    return (uint64_t)((unsigned __int128)ns * PM_TIMER_HZ / 1000000000u);
}

uint32_t piix_pm_timer(struct piix *p)
{
    return (uint32_t)(pm_ticks(p) & 0xffffff);
}

/* TMROF_STS is set each time bit 23 of the timer changes. */
static void tmr_check(struct piix *p)
{
    uint64_t period = pm_ticks(p) >> 23;
    if (period != p->tmr_period) {
        p->tmr_period = period;
        p->pm1_sts |= STS_TMROF;
    }
}

static void sci_update(struct piix *p)
{
    /* As on QEMU, events raise SCI whatever SCI_EN says (there is no SMI
     * to send them to instead). */
    bool sci = (p->pm1_sts & p->pm1_en & EN_MASK) != 0 ||
               (p->gpe_sts & p->gpe_en) != 0;
    if (sci != p->sci) {
        p->sci = sci;
        lines_update(p);
    }
    /* Wake up for the next overflow while its interrupt is enabled. */
    if ((p->pm1_en & STS_TMROF) && !(p->pm1_sts & STS_TMROF)) {
        uint64_t next = (p->tmr_period + 1) << 23;
        int64_t ns = (int64_t)(((unsigned __int128)next * 1000000000u +
                                PM_TIMER_HZ - 1) / PM_TIMER_HZ);
        timer_mod(p->tmr, ns);
    } else {
        timer_del(p->tmr);
    }
}

static void tmr_expired(void *opaque)
{
    struct piix *p = opaque;
    tmr_check(p);
    sci_update(p);
}

/* ---- PM I/O block ---- */

static void pm_sleep(struct piix *p, unsigned typ)
{
    struct logger *l = machine_logger(p->m);
    if (log_enabled(l, LOG_GUEST_ERRORS))
        log_printf(l, "piix: PM1_CNT sleep type %u\n", typ);
    switch (typ) {
    case 0:   /* S5, soft off, in the BIOS's tables */
    case 2:   /* S4: nothing to save to, so off as well */
        machine_request(p->m, REQ_SHUTDOWN, 0);
        break;
    case 1:
        unimp_once(p, UNIMP_S3, "S3 suspend (PM1_CNT sleep type 1) not "
                   "emulated; ignored");
        break;
    default:
        break;
    }
}

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
    struct piix *p = opaque;
    uint32_t tmr = piix_pm_timer(p);
    uint64_t v = 0;

    tmr_check(p);
    sci_update(p);
    for (unsigned i = 0; i < size; i++) {
        uint64_t o = off + i;
        uint8_t b;
        if (o < PM1_EN)
            b = (uint8_t)(p->pm1_sts >> (8 * (o & 1)));
        else if (o < PM1_CNT)
            b = (uint8_t)(p->pm1_en >> (8 * (o & 1)));
        else if (o < PM1_CNT + 2)
            b = (uint8_t)(p->pm1_cnt >> (8 * (o & 1)));
        else if (o >= PM_TMR && o < PM_TMR + 4)
            b = (uint8_t)(tmr >> (8 * (o - PM_TMR)));
        else if (o < PM_IO_SIZE)
            b = p->pm_other[o];
        else
            b = 0xff;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void pm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct piix *p = opaque;
    bool cnt_written = false;

    tmr_check(p);
    for (unsigned i = 0; i < size; i++) {
        uint64_t o = off + i;
        unsigned sh = 8 * (o & 1);
        uint16_t b = (uint16_t)((val >> (8 * i)) & 0xff);
        if (o < PM1_EN) {
            p->pm1_sts &= ~(uint16_t)((b << sh) & STS_MASK);
        } else if (o < PM1_CNT) {
            p->pm1_en = (uint16_t)((p->pm1_en & ~(0xff << sh)) |
                                   ((b << sh) & EN_MASK));
        } else if (o < PM1_CNT + 2) {
            p->pm1_cnt = (uint16_t)((p->pm1_cnt & ~(0xff << sh)) | (b << sh));
            cnt_written = true;
        } else if (o >= PM_TMR && o < PM_TMR + 4) {
            /* the timer is read-only */
        } else if (o < PM_IO_SIZE) {
            p->pm_other[o] = (uint8_t)b;
        }
    }
    if (cnt_written) {
        uint16_t cnt = p->pm1_cnt;
        p->pm1_cnt &= CNT_MASK;   /* SLP_EN and GBL_RLS read as 0 */
        if (cnt & CNT_SLP_EN)
            pm_sleep(p, (cnt & CNT_SLP_TYP) >> 10);
    }
    sci_update(p);
}

/* Port-space adapters: the PM and SMBus blocks are mapped by PCI config
 * registers, not BARs, so they are claimed and released here. */
static uint32_t pm_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix *p = opaque;
    return (uint32_t)pm_read(p, (uint64_t)(port - p->pm_base), size);
}

static void pm_pio_write(void *opaque, uint16_t port, uint32_t val,
                         unsigned size)
{
    struct piix *p = opaque;
    pm_write(p, (uint64_t)(port - p->pm_base), val, size);
}

/* ---- SMBus host: an empty bus, every transaction fails with DEV_ERR ---- */

static uint32_t smb_pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix *p = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)(port - p->smb_base) + i;
        v |= (uint32_t)(o < SMB_IO_SIZE ? p->smb[o] : 0xff) << (8 * i);
    }
    return v;
}

static void smb_pio_write(void *opaque, uint16_t port, uint32_t val,
                          unsigned size)
{
    struct piix *p = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (unsigned)(port - p->smb_base) + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (o >= SMB_IO_SIZE)
            continue;
        if (o == SMB_HSTSTS) {
            p->smb[o] &= (uint8_t)~b;   /* write 1 to clear */
        } else if (o == SMB_HSTCNT) {
            p->smb[o] = b & (uint8_t)~SMB_CNT_START;
            if (b & SMB_CNT_START) {
                unimp_once(p, UNIMP_SMB, "SMBus: no devices on the bus; "
                           "transactions end with DEV_ERR");
                p->smb[SMB_HSTSTS] |= SMB_STS_DEV_ERR;
            }
        } else {
            p->smb[o] = b;
        }
    }
}

static void io_remap(struct piix *p)
{
    const uint8_t *c = pci_device_config(p->pm);
    int pm = -1, smb = -1;

    if (c[PM_PMREGMISC] & 1)
        pm = (c[PM_PMBA] | c[PM_PMBA + 1] << 8) & 0xffc0;
    if (c[PM_SMBHSTCFG] & 1)
        smb = (c[PM_SMBBA] | c[PM_SMBBA + 1] << 8) & 0xfff0;
    if (pm == 0)
        pm = -1;
    if (smb == 0)
        smb = -1;
    struct logger *l = machine_logger(p->m);
    if (pm != p->pm_base) {
        if (p->pm_base >= 0)
            machine_remove_pio(p->m, (uint16_t)p->pm_base, PM_IO_SIZE);
        p->pm_base = -1;
        if (pm >= 0) {
            if (machine_add_pio(p->m, (uint16_t)pm, PM_IO_SIZE, pm_pio_read,
                                pm_pio_write, p, "piix4-pm") == 0)
                p->pm_base = pm;
            else if (log_enabled(l, LOG_GUEST_ERRORS))
                log_printf(l, "piix: PM base 0x%x collides with other "
                           "ports; left unmapped\n", pm);
        }
    }
    if (smb != p->smb_base) {
        if (p->smb_base >= 0)
            machine_remove_pio(p->m, (uint16_t)p->smb_base, SMB_IO_SIZE);
        p->smb_base = -1;
        if (smb >= 0) {
            if (machine_add_pio(p->m, (uint16_t)smb, SMB_IO_SIZE,
                                smb_pio_read, smb_pio_write, p,
                                "piix4-smbus") == 0)
                p->smb_base = smb;
            else if (log_enabled(l, LOG_GUEST_ERRORS))
                log_printf(l, "piix: SMBus base 0x%x collides with other "
                           "ports; left unmapped\n", smb);
        }
    }
}

int piix_pm_base(struct piix *p)
{
    return p->pm_base;
}

/* ---- GPE0, PCI and CPU hotplug (QEMU's) ----
 * Nothing is hot-plugged here: no GPE ever fires, no slot is removable,
 * one CPU is present. */

static uint32_t ext_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix *p = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned pt = port + i;
        uint8_t b = 0;
        if (pt >= GPE0_PORT && pt < GPE0_PORT + 2)
            b = (uint8_t)(p->gpe_sts >> (8 * (pt - GPE0_PORT)));
        else if (pt >= GPE0_PORT + 2 && pt < GPE0_PORT + 4)
            b = (uint8_t)(p->gpe_en >> (8 * (pt - GPE0_PORT - 2)));
        else if (pt >= PCIHP_PORT + PCIHP_BNUM && pt < PCIHP_PORT + PCIHP_LEN)
            b = (uint8_t)(p->pcihp_bnum >> (8 * (pt - PCIHP_PORT -
                                                 PCIHP_BNUM)));
        else if (pt == CPUHP_PORT)
            b = 0x01;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void ext_write(void *opaque, uint16_t port, uint32_t val,
                      unsigned size)
{
    struct piix *p = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned pt = port + i, sh;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (pt >= GPE0_PORT && pt < GPE0_PORT + 2) {
            sh = 8 * (pt - GPE0_PORT);
            p->gpe_sts &= (uint16_t)~(b << sh);
        } else if (pt >= GPE0_PORT + 2 && pt < GPE0_PORT + 4) {
            sh = 8 * (pt - GPE0_PORT - 2);
            p->gpe_en = (uint16_t)((p->gpe_en & ~(0xff << sh)) | (b << sh));
        } else if (pt >= PCIHP_PORT + PCIHP_BNUM &&
                   pt < PCIHP_PORT + PCIHP_LEN) {
            sh = 8 * (pt - PCIHP_PORT - PCIHP_BNUM);
            p->pcihp_bnum = (p->pcihp_bnum & ~(0xffu << sh)) |
                            ((uint32_t)b << sh);
        }
        /* eject requests (0xae08) find no hot-pluggable slot */
    }
    sci_update(p);
}

void piix_set_isa_presence(struct piix *p, bool com1, bool com2, bool lpt)
{
    uint8_t *c = pci_device_config(p->pm);
    /* the DSDT reads these (DEVRESB/D) for the _STA of LPT, COM1, COM2 */
    c[0x5f] = (uint8_t)(0x10 | (lpt ? 0x80 : 0));
    c[0x63] = 0x60;
    c[0x67] = (uint8_t)((com1 ? 0x08 : 0) | (com2 ? 0x90 : 0));
}

/* ---- APM control/status ---- */

static uint32_t apm_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix *p = opaque;
    (void)size;
    return port == APM_CNT ? p->apm_cnt : p->apm_sts;
}

static void apm_write(void *opaque, uint16_t port, uint32_t val,
                      unsigned size)
{
    struct piix *p = opaque;
    (void)size;
    if (port == APM_STS) {
        p->apm_sts = (uint8_t)val;
        return;
    }
    p->apm_cnt = (uint8_t)val;
    /* What the SMI handler would do for the FADT's ACPI enable/disable. */
    if (val == ACPI_ENABLE)
        p->pm1_cnt |= CNT_SCI_EN;
    else if (val == ACPI_DISABLE)
        p->pm1_cnt &= ~CNT_SCI_EN;
    else
        unimp_once(p, UNIMP_SMI, "APM command written to 0xb2: no SMM to "
                   "handle it");
}

/* ---- configuration ---- */

static void isa_config_written(void *opaque, unsigned off, unsigned size)
{
    struct piix *p = opaque;
    if (off < PIIX_PIRQRC + 4 && off + size > PIIX_PIRQRC)
        lines_update(p);
}

static void isa_reset(void *opaque)
{
    struct piix *p = opaque;
    uint8_t *c = pci_device_config(p->isa);
    static const struct {
        uint8_t off, val;
    } defaults[] = {
        { 0x4c, 0x4d }, { 0x4e, 0x03 }, { 0x4f, 0x00 },
        { 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
        { 0x69, 0x02 }, { 0x70, 0x80 }, { 0x76, 0x0c }, { 0x77, 0x0c },
        { 0x78, 0x02 }, { 0x79, 0x00 }, { 0x80, 0x00 }, { 0x82, 0x00 },
        { 0xa0, 0x08 }, { 0xa2, 0x00 }, { 0xa3, 0x00 }, { 0xa4, 0x00 },
        { 0xa5, 0x00 }, { 0xa6, 0x00 }, { 0xa7, 0x00 }, { 0xa8, 0x0f },
        { 0xaa, 0x00 }, { 0xab, 0x00 }, { 0xac, 0x00 }, { 0xae, 0x00 },
    };
    /* the bridge decodes I/O and memory and masters from power-on */
    c[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    c[PCI_COMMAND + 1] = 0;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        c[defaults[i].off] = defaults[i].val;
    p->rcr = 0;
    lines_update(p);
}

static void pm_config_written(void *opaque, unsigned off, unsigned size)
{
    struct piix *p = opaque;
    uint8_t *c = pci_device_config(p->pm);
    unsigned end = off + size;

    c[PM_PMBA] |= 1;      /* I/O space indicator, read-only */
    c[PM_SMBBA] |= 1;
    if ((off < PM_PMBA + 4 && end > PM_PMBA) ||
        (off <= PM_PMREGMISC && end > PM_PMREGMISC) ||
        (off < PM_SMBBA + 4 && end > PM_SMBBA) ||
        (off <= PM_SMBHSTCFG && end > PM_SMBHSTCFG))
        io_remap(p);
}

static void pm_reset(void *opaque)
{
    struct piix *p = opaque;
    uint8_t *c = pci_device_config(p->pm);

    memset(c + PM_PMBA, 0, 4);
    c[PM_PMBA] = 0x01;
    memset(c + PM_DEVACTB, 0, 4);
    /* APMC_EN reads as set: SMM setup "already done" (no SMM here) */
    c[PM_DEVACTB + 3] = 0x02;
    c[PM_PMREGMISC] = 0;
    memset(c + PM_SMBBA, 0, 4);
    c[PM_SMBBA] = 0x01;
    c[PM_SMBHSTCFG] = 0;
    io_remap(p);

    p->pm1_sts = 0;
    p->pm1_en = 0;
    p->pm1_cnt = 0;
    memset(p->pm_other, 0, sizeof p->pm_other);
    memset(p->smb, 0, sizeof p->smb);
    p->apm_cnt = 0;
    p->apm_sts = 0;
    p->gpe_sts = 0;
    p->gpe_en = 0;
    p->pcihp_bnum = 0;
    p->tmr_period = pm_ticks(p) >> 23;
    sci_update(p);
}

struct piix *piix_new(struct machine *m, struct pci_bus *bus, char *err,
                      size_t errlen)
{
    static const struct pci_id isa_id = {
        .vendor = 0x8086, .device = 0x7000, .revision = 0x00,
        .class_code = 0x060100, .multi_function = true,
    };
    static const struct pci_id pm_id = {
        .vendor = 0x8086, .device = 0x7113, .revision = 0x03,
        .class_code = 0x068000, .irq_pin = 1,
    };
    struct piix *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->m = m;
    p->pm_base = -1;
    p->smb_base = -1;
    p->tmr = timer_new(m, tmr_expired, p);
    if (!p->tmr) {
        snprintf(err, errlen, "out of memory");
        free(p);
        return NULL;
    }
    p->isa = pci_device_new(bus, PCI_DEVFN(PIIX_SLOT, 0), &isa_id,
                            "piix3-isa", err, errlen);
    if (!p->isa)
        goto fail;
    p->pm = pci_device_new(bus, PCI_DEVFN(PIIX_SLOT, 3), &pm_id, "piix4-pm",
                           err, errlen);
    if (!p->pm)
        goto fail;
    if (machine_add_pio(m, RCR_PORT, 1, rcr_read, rcr_write, p,
                        "piix-rcr") != 0 ||
        machine_add_pio(m, APM_CNT, 2, apm_read, apm_write, p, "apm") != 0 ||
        machine_add_pio(m, GPE0_PORT, GPE0_LEN, ext_read, ext_write, p,
                        "acpi-gpe0") != 0 ||
        machine_add_pio(m, PCIHP_PORT, PCIHP_LEN, ext_read, ext_write, p,
                        "acpi-pci-hotplug") != 0 ||
        machine_add_pio(m, CPUHP_PORT, CPUHP_LEN, ext_read, ext_write, p,
                        "acpi-cpu-hotplug") != 0) {
        snprintf(err, errlen, "piix: ports 0xcf9, 0xb2-0xb3, 0xae00, 0xaf00 "
                 "or 0xafe0 already in use");
        goto fail;
    }

    uint8_t *c = pci_device_config(p->isa);
    c[PCI_STATUS + 1] = 0x02;                  /* DEVSEL medium */
    pci_device_set_wmask(p->isa, PCI_COMMAND, 2, 0);
    const struct pci_device_hooks isa_hooks = {
        .config_written = isa_config_written, .reset = isa_reset,
    };
    pci_device_set_hooks(p->isa, &isa_hooks, p);

    c = pci_device_config(p->pm);
    c[PCI_STATUS] = 0x80;                      /* fast back-to-back */
    c[PCI_STATUS + 1] = 0x02;
    pci_device_set_wmask(p->pm, PM_DEVACTB + 3, 1, 0xfd);   /* APMC_EN */
    const struct pci_device_hooks pm_hooks = {
        .config_written = pm_config_written, .reset = pm_reset,
    };
    pci_device_set_hooks(p->pm, &pm_hooks, p);

    pci_bus_set_pirq_handler(bus, pirq_changed, p);
    isa_reset(p);
    pm_reset(p);
    return p;

fail:
    timer_free(p->tmr);
    free(p);
    return NULL;
}

void piix_free(struct piix *p)
{
    if (!p)
        return;
    timer_free(p->tmr);
    free(p);
}
